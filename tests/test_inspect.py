"""Inspecting results: summarize, plot, load, and the documented CSV columns."""

import csv
import io
import json
import re
import sys

import numpy as np
import pytest
from conftest import ROOT

from sim.cli import main
from sim.results import load
from sim.runner import simulate_block
from sim.scenario import load as load_scenario

DOC = ROOT / "docs" / "results.md"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, request):
    from conftest import SMALL

    tmp = tmp_path_factory.mktemp("inspect")
    scenario = tmp / "small.yaml"
    scenario.write_text(SMALL.replace("    face_cost: 0.15\n", "    face_cost: 0.15\n"
                                      "    channels: {private: {face: 0.2, leak: 0.5}, "
                                      "public: {face: 1}}\n")
                        + "outcomes:\n  user_deals: {kind: count, event: deal}\n")  # fmt: skip
    out = tmp / "run"
    assert main(["run", str(scenario), "--runs", "120", "--workers", "1", "--quiet", "--steps",
                 "--out", str(out)]) == 0  # fmt: skip
    return out


@pytest.fixture(scope="module")
def sweep_dir(run_dir):
    out = run_dir.parent / "sweep"
    assert main(["sweep", str(run_dir.parent / "small.yaml"), "--method", "sobol", "--points",
                 "8", "--runs-per-point", "40", "--runs-detail", "--quiet", "--workers", "1",
                 "--param", "countries.A.face_cost=0:0.4",
                 "--param", "countries.B.pressures.markets.weight=0:0.8",
                 "--out", str(out)]) == 0  # fmt: skip
    return out


# --------------------------------------------------------------------------- documented columns

PLACEHOLDER = {
    "<I>": r"[A-Za-z]\w*", "<J>": r"[A-Za-z]\w*", "<C>": r"[A-Za-z][\w-]*",
    "<channel>": r"[A-Za-z][\w-]*", "<key>": r"[A-Za-z_]\w*(?:\.[\w-]+)+",
    "<status>": r"(?:conflict|scheduled|talks|truce)", "<label>": r"[A-Za-z]\w*",
    "<name>": r"user_\w+",  # the fixture's user-defined outcomes are named so
}  # fmt: skip


def documented() -> dict[str, list[str]]:
    """Column names per '### file' section: the backticked first cell of each table row."""
    sections, current = {}, None
    for line in DOC.read_text().splitlines():
        if line.startswith("#"):
            heading = re.match(r"### (\S+\.csv)", line)
            current = heading and heading.group(1) + (" (sweep)" if "sweep" in line else "")
            if current:
                sections[current] = []
        elif current and line.startswith("| `"):
            sections[current].append(re.match(r"\| `([^`]+)`", line).group(1))
    return sections


def pattern(name: str) -> re.Pattern:
    text = re.escape(name)
    for holder, rx in PLACEHOLDER.items():
        text = text.replace(re.escape(holder), rx)
    return re.compile(text + r"\Z")


def check(header: list[str], names: list[str]) -> None:
    patterns = [pattern(n) for n in names]
    for column in header:
        assert any(p.match(column) for p in patterns), f"{column!r} is not documented"
    for name, p in zip(names, patterns, strict=True):
        assert any(p.match(column) for column in header), f"documented {name!r} is not written"


def header(path) -> list[str]:
    with open(path, newline="") as handle:
        return next(csv.reader(handle))


def test_documented_columns_are_exactly_the_written_ones(run_dir, sweep_dir):
    doc = documented()
    for name in ("runs.csv", "events.csv", "summary.csv", "steps.csv"):
        check(header(run_dir / name), doc[name])
    outcomes = [n for n in doc["points.csv"] if n.startswith(("p_", "median_", "mean_", "<name>"))]
    check(header(sweep_dir / "points.csv"),
          doc["points.csv"] + [o + s for o in outcomes for s in ("_low", "_high")])  # fmt: skip
    check(header(sweep_dir / "sensitivity.csv"), doc["sensitivity.csv"])
    check(header(sweep_dir / "runs.csv"), doc["runs.csv (sweep)"] + doc["runs.csv"][1:])


# --------------------------------------------------------------------------- summarize


def summarize(folder, fmt, capsys):
    assert main(["summarize", str(folder), "--format", fmt]) == 0
    return capsys.readouterr().out


def test_summarize_a_finished_run_in_every_format(run_dir, capsys):
    table = summarize(run_dir, "table", capsys)
    assert "P(first approach: A)" in table and not table.startswith("INCOMPLETE")
    data = json.loads(summarize(run_dir, "json", capsys))
    assert data["complete"] is True and data["runs"] == 120
    assert set(data["shares"]) >= {"P(first approach: A)", "P(deal by horizon)"}
    rows = list(csv.reader(io.StringIO(summarize(run_dir, "csv", capsys))))
    assert rows[0] == ["section", "name", "estimate", "low", "high"]
    assert all(len(r) == 5 for r in rows)


def test_summarize_matches_what_run_printed(run_dir, tmp_path, capsys):
    out = tmp_path / "again"
    assert main(["run", str(run_dir / "scenario.yaml"), "--workers", "1", "--quiet",
                 "--out", str(out)]) == 0  # fmt: skip
    printed = capsys.readouterr().out.split("\n", 1)[1].strip()
    assert summarize(out, "table", capsys).strip() == printed


def test_summarize_says_when_a_folder_is_incomplete(run_dir, tmp_path, capsys):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(run_dir, broken)
    (broken / "manifest.json").unlink()
    assert summarize(broken, "table", capsys).startswith("INCOMPLETE")
    assert json.loads(summarize(broken, "json", capsys))["complete"] is False
    manifest = json.loads((run_dir / "manifest.json").read_text())
    (broken / "manifest.json").write_text(json.dumps({**manifest, "complete": False}))
    assert "INCOMPLETE" in summarize(broken, "table", capsys)
    assert load(broken).complete is False


def test_summarize_a_sweep(sweep_dir, capsys):
    table = summarize(sweep_dir, "table", capsys)
    assert "32 points (0 failed)" in table and "total Sobol' index" in table
    data = json.loads(summarize(sweep_dir, "json", capsys))
    assert data["kind"] == "sweep" and len(data["top_points"]) == 10
    assert "countries.A.face_cost" in data["top_points"][0]
    rows = list(csv.reader(io.StringIO(summarize(sweep_dir, "csv", capsys))))
    assert any(r[0].startswith("total_order") for r in rows)


# --------------------------------------------------------------------------- plot


def assert_png(path):
    import matplotlib.image

    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert matplotlib.image.imread(path).ndim == 3


def test_plot_writes_every_run_figure(run_dir, capsys):
    pytest.importorskip("matplotlib")
    assert main(["plot", str(run_dir)]) == 0
    names = {"tariffs", "first_approach", "status", "pressure_channels"}
    assert {p.stem for p in (run_dir / "plots").iterdir()} == names
    for name in names:
        assert_png(run_dir / "plots" / f"{name}.png")


def test_plot_writes_every_sweep_figure(sweep_dir, tmp_path):
    pytest.importorskip("matplotlib")
    assert main(["plot", str(sweep_dir), "--out", str(tmp_path / "figs")]) == 0
    assert {p.stem for p in (tmp_path / "figs").iterdir()} == {"heatmap", "sobol"}
    for path in (tmp_path / "figs").iterdir():
        assert_png(path)


def test_one_parameter_sweep_plots_outcomes_against_it(run_dir, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "one"
    assert main(["sweep", str(run_dir.parent / "small.yaml"), "--method", "grid",
                 "--runs-per-point", "20", "--param", "countries.A.face_cost=0:0.4:3",
                 "--quiet", "--workers", "1", "--out", str(out)]) == 0  # fmt: skip
    assert main(["plot", str(out)]) == 0
    assert_png(out / "plots" / "outcomes.png")


def test_plot_without_matplotlib_names_the_extra(run_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails as if not installed
    assert main(["plot", str(run_dir), "--out", str(tmp_path / "none")]) == 2
    from sim.extras import install_hint

    assert install_hint("plot") in capsys.readouterr().err


# --------------------------------------------------------------------------- load


@pytest.mark.parametrize("pandas", [True, False])
def test_load_round_trips_what_run_wrote(run_dir, pandas):
    if pandas:
        pytest.importorskip("pandas")
    res = load(run_dir, pandas=pandas)
    assert res.complete and res.kind == "run" and res.manifest["runs"] == 120
    scenario = load_scenario(run_dir / "scenario.yaml")
    written = simulate_block(scenario, 0).outcomes  # the first 64 runs
    written.update({k: np.concatenate([v, simulate_block(scenario, 1).outcomes[k]])
                    for k, v in written.items()})  # fmt: skip
    for name, column in written.items():
        got = np.asarray(res.runs[name])
        if column.dtype.kind in "fi":
            assert np.allclose(got, column, rtol=1e-9, atol=0, equal_nan=True), name
        else:
            got = np.where(got == "nan", "", got.astype(object)).astype(str) if pandas else got
            assert list(got) == list(column.astype(str)), name
    assert len(res.events) > 0 and len(res.steps) == 120 * 20 * 2
    with pytest.raises(AttributeError, match="no points.csv"):
        getattr(res, "points")  # noqa: B009


def test_every_relationship_status_has_a_colour():
    # the explorer and plot draw a line per status; a new status without a colour broke both
    from sim.negotiation import STATUSES
    from sim.plots import STATUS_COLORS

    assert set(STATUS_COLORS) == set(STATUSES)
