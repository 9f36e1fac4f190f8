"""Result folders read back: tampered files are named errors, unfinished folders say so."""

import contextlib
import io
import json
import shutil

import numpy as np
import pytest
from conftest import SMALL

from sim.cli import main
from sim.results import OutputError, load


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tampered")
    (tmp / "small.yaml").write_text(SMALL)
    out = tmp / "run"
    assert main(["run", str(tmp / "small.yaml"), "--runs", "40", "--workers", "1", "--quiet",
                 "--steps", "--out", str(out)]) == 0  # fmt: skip
    return out


def cli(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def copy(src, tmp_path, name="copy"):
    dst = tmp_path / name
    shutil.copytree(src, dst)
    return dst


def set_cell(path, line: int, column: str, value: str) -> None:
    rows = path.read_text().split("\n")
    header = rows[0].split(",")
    cells = rows[line - 1].split(",")
    cells[header.index(column)] = value
    rows[line - 1] = ",".join(cells)
    path.write_text("\n".join(rows))


@pytest.mark.parametrize("horizon", [3, "abc", -5, 1e300, None])
def test_a_manifest_with_a_bad_horizon_is_a_named_error(small_run, tmp_path, horizon):
    folder = copy(small_run, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**manifest, "horizon": horizon}))
    code, _, err = cli("summarize", folder)
    assert code == 2 and "manifest.json: horizon:" in err and "internal" not in err


@pytest.mark.parametrize("cell, why", [
    ("abc", "is not a number"), ("nan", "is not a finite number"),
    ("inf", "is not a finite number"), ("-3", "is outside [0, 19]"),
    ("1e12", "is outside [0, 19]"), ("2.5", "is not a whole number"),
])  # fmt: skip
def test_a_bad_week_in_runs_csv_names_file_line_and_column(small_run, tmp_path, cell, why):
    folder = copy(small_run, tmp_path)
    set_cell(folder / "runs.csv", 17, "first_approach_week", cell)
    code, _, err = cli("summarize", folder)
    assert code == 2
    assert f"runs.csv: line 17: first_approach_week: '{cell}' {why}" in err
    with pytest.raises(OutputError, match="line 17: first_approach_week"):
        load(folder)


def test_an_unknown_country_a_missing_column_and_a_repeated_header(small_run, tmp_path):
    folder = copy(small_run, tmp_path, "unknown")
    set_cell(folder / "runs.csv", 5, "first_approacher", "XX")
    assert "line 5: first_approacher: 'XX' is not one of A, B, mutual, none" in cli(
        "summarize", folder)[2]  # fmt: skip
    folder = copy(small_run, tmp_path, "missing")
    text = (folder / "runs.csv").read_text().split("\n")
    k = text[0].split(",").index("deals")
    (folder / "runs.csv").write_text("\n".join(
        ",".join(c for i, c in enumerate(row.split(",")) if i != k) for row in text))  # fmt: skip
    assert "runs.csv: line 1: missing column 'deals'" in cli("summarize", folder)[2]
    folder = copy(small_run, tmp_path, "twice")
    text = (folder / "runs.csv").read_text()
    (folder / "runs.csv").write_text(text + text.split("\n")[0] + "\n")
    code, _, err = cli("summarize", folder)
    assert code == 2 and "line 42: run: 'run' is not a number" in err


SUMMARY_CELLS = [("p50", "x"), ("week", "99"), ("country", "Z"), ("date", "2025-13-01"),
                 ("quantity", "tariff_on_A")]  # fmt: skip


@pytest.mark.parametrize("column, cell", SUMMARY_CELLS)
def test_a_corrupt_summary_csv_is_a_named_error(small_run, tmp_path, column, cell):
    folder = copy(small_run, tmp_path)
    set_cell(folder / "summary.csv", 3, column, cell)
    code, _, err = cli("summarize", folder)
    assert code == 2 and f"summary.csv: line 3: {column}: '{cell}'" in err


def test_plot_on_a_tampered_folder_is_a_named_error(small_run, tmp_path):
    pytest.importorskip("matplotlib")
    folder = copy(small_run, tmp_path)
    set_cell(folder / "steps.csv", 9, "pressure", "inf")
    code, _, err = cli("plot", folder)
    assert code == 2 and "steps.csv: line 9: pressure: 'inf' is not a finite number" in err


def red_pixels(path, rows: int = 40) -> int:
    import matplotlib.image

    image = matplotlib.image.imread(path)[:rows, :, :3]
    return int(np.sum(np.all(np.abs(image - [0xC0 / 255, 0x39 / 255, 0x2B / 255]) < 0.05, -1)))


def test_plot_marks_the_figures_of_an_unfinished_run(small_run, tmp_path):
    pytest.importorskip("matplotlib")
    folder = copy(small_run, tmp_path)
    (folder / "manifest.json").unlink()  # as after kill -9
    code, out, err = cli("plot", folder)
    assert code == 0 and "tradewar: warning:" in err and "incomplete" in err
    assert red_pixels(folder / "plots" / "tariffs.png") > 500
    done = copy(small_run, tmp_path, "done")
    assert cli("plot", done)[0] == 0
    assert red_pixels(done / "plots" / "tariffs.png") == 0


def test_a_leftover_temporary_file_makes_a_folder_incomplete(small_run, tmp_path):
    folder = copy(small_run, tmp_path)
    (folder / ".trajectories.tmp").write_bytes(b"\x93NUMPY")
    res = load(folder)
    assert not res.complete and ".trajectories.tmp" in res.problem
    code, out, _ = cli("summarize", folder)
    assert code == 0 and out.startswith("INCOMPLETE") and ".trajectories.tmp" in out


def test_a_torn_last_line_is_dropped_and_reported(small_run, tmp_path):
    folder = copy(small_run, tmp_path)
    text = (folder / "runs.csv").read_text()
    (folder / "runs.csv").write_text(text[: len(text) - 30])
    res = load(folder, pandas=False)
    assert len(res.runs) == 39 and "torn" in res.problem


def test_summarize_prints_no_numpy_warning_on_an_infinite_week(small_run, tmp_path):
    folder = copy(small_run, tmp_path)
    set_cell(folder / "runs.csv", 4, "deal_week", "inf")  # was a RuntimeWarning, then a crash
    code, _, err = cli("summarize", folder)  # pytest turns any warning into an error
    assert code == 2 and err.count("\n") == 1 and "Warning" not in err
    folder = copy(small_run, tmp_path, "blank")
    (folder / "manifest.json").unlink()
    for line in range(2, 42):
        for column in ("first_approach_week", "talks_week", "deal_week"):
            set_cell(folder / "runs.csv", line, column, "")
    code, out, err = cli("summarize", folder)
    assert code == 0 and err == "" and "median week of deal" in out


def test_summarize_an_interrupted_sweep_reads_its_finished_points(small_run, tmp_path):
    out = tmp_path / "sweep"
    assert cli("sweep", small_run.parent / "small.yaml", "--method", "grid", "--runs-per-point",
               "10", "--param", "countries.A.face_cost=0:0.4:5", "--workers", "1", "--quiet",
               "--out", out)[0] == 0  # fmt: skip
    whole = json.loads(cli("summarize", out, "--format", "json")[1])
    (out / "points.csv").unlink()  # as if stopped before the end
    (out / "points" / "000003.json").unlink()
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**manifest, "complete": False}))
    code, text, _ = cli("summarize", out)
    assert code == 0 and text.startswith("INCOMPLETE") and "4 of 5 points finished" in text
    assert "4 points (0 failed)" in text
    part = json.loads(cli("summarize", out, "--format", "json")[1])
    assert [p for p in whole["top_points"] if p["point"] != 3] == part["top_points"]
    (out / "points" / "000003.json.tmp").write_text("{")  # a record being written
    assert "points/000003.json.tmp: a temporary file left behind" in cli("summarize", out)[1]
    (out / "points" / "000001.json").write_text(json.dumps(
        {"point": 1, "values": ["x"], "stats": None, "error": None}))  # fmt: skip
    # A garbled record is an unfinished point (resume runs it again), as the sweep sees it.
    code, text, _ = cli("summarize", out)
    assert code == 0 and "3 of 5 points finished" in text


def test_a_folder_whose_scenario_names_user_code_needs_allow_code(tmp_path, monkeypatch):
    (tmp_path / "userforms2.py").write_text(
        "import numpy as np\n\ndef root(x, scale=1.0):\n    return scale * np.sqrt(np.abs(x))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / "user.yaml"
    path.write_text(SMALL.replace(
        "      exports: {input: export_loss_gdp, form: hill, half: 1.5, n: 2, weight: 0.4}",
        "      exports: {input: export_loss_gdp, form: 'userforms2:root', weight: 1.0}",
    ))  # fmt: skip
    out = tmp_path / "o"
    assert cli("run", path, "--allow-code", "--workers", "1", "--quiet", "--runs", "8",
               "--out", out)[0] == 0  # fmt: skip
    code, _, err = cli("summarize", out)
    assert code == 2 and "--allow-code" in err
    code, text, _ = cli("summarize", out, "--allow-code")
    assert code == 0 and text.startswith("8 runs")
