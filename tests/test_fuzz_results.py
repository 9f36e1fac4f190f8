"""Fuzzed result folders (hypothesis): reading one back never ends in an internal error.

A small valid run folder is written once; each example tampers with a copy (a manifest field,
a cell, a header, a truncation, a repeated or missing file) and ``tradewar summarize`` must
exit 0 or 2 with no traceback or internal error, and ``sim.results.load`` must return or raise
OutputError, nothing else.
"""

import contextlib
import io
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import SMALL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.results import OutputError, load

FILES = ("runs.csv", "summary.csv", "events.csv")
CELLS = st.one_of(
    st.sampled_from(["", "nan", "inf", "-inf", "-3", "1e12", "1e300", "-0", "0.5", "2.5", "abc",
                     "A", "B", "XX", "none", "mutual", "mixed", "conflict", '"', ",", "1e-320",
                     "2025-04-12", "9999-99-99", "tariff_on_A", "share_truce", "99"]),
    st.text(max_size=8), st.floats().map(repr), st.integers(-(10**20), 10**20).map(str),
)  # fmt: skip
JSON_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**30), 10**30), st.floats(), st.text(max_size=6),
    st.lists(st.integers(), max_size=2), st.sampled_from([20, 3, "abc", -5, 1e300, 0]),
)  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz_results")
    (tmp / "small.yaml").write_text(SMALL.replace("horizon: 20", "horizon: 8"))
    out = tmp / "run"
    assert main(["run", str(tmp / "small.yaml"), "--runs", "12", "--workers", "1", "--quiet",
                 "--out", str(out)]) == 0  # fmt: skip
    return out


@st.composite
def tampering(draw):
    """A list of (action, arguments) applied in order to a copy of the template folder."""
    actions = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["manifest", "cell", "cell", "header", "truncate", "repeat",
                                     "delete", "garbage"]))  # fmt: skip
        if kind == "manifest":
            key = draw(st.sampled_from(["horizon", "complete", "runs", "runs_done", "error"]))
            actions.append((kind, key, draw(JSON_VALUES)))
        elif kind == "cell":
            actions.append((kind, draw(st.sampled_from(FILES)), draw(st.integers(0, 400)),
                            draw(st.integers(0, 60)), draw(CELLS)))  # fmt: skip
        elif kind == "header":
            how = draw(st.sampled_from(["drop", "twice", "rename", "swap"]))
            actions.append((kind, draw(st.sampled_from(FILES)), how, draw(st.integers(0, 60)),
                            draw(CELLS)))  # fmt: skip
        elif kind == "truncate":
            actions.append((kind, draw(st.sampled_from(FILES)), draw(st.floats(0, 1))))
        elif kind in ("repeat", "delete"):
            actions.append((kind, draw(st.sampled_from([*FILES, "manifest.json"]))))
        else:
            actions.append((kind, draw(st.sampled_from([*FILES, "manifest.json"])),
                            draw(st.binary(max_size=40))))  # fmt: skip
    return actions


def apply(folder: Path, action: tuple) -> None:
    kind, *args = action
    if kind == "manifest":
        path = folder / "manifest.json"
        with contextlib.suppress(OSError, ValueError, TypeError):  # already mangled: leave it
            data = json.loads(path.read_text())
            data[args[0]] = args[1]
            path.write_text(json.dumps(data))
        return
    path = folder / args[0]
    if not path.is_file():
        return
    if kind == "delete":
        path.unlink()
    elif kind == "repeat":
        path.write_bytes(path.read_bytes() * 2)
    elif kind == "garbage":
        path.write_bytes(path.read_bytes() + args[1])
    elif kind == "truncate":
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * args[1])])
    else:
        rows = [line.split(",") for line in path.read_text(errors="replace").split("\n")]
        if kind == "cell":
            row = rows[args[1] % len(rows)]
            row[args[2] % len(row)] = args[3]
        else:
            k = args[2] % len(rows[0])
            for row in rows:
                if len(row) > k:
                    _edit_row(row, k, args[1], args[3], row is rows[0])
        path.write_text("\n".join(",".join(row) for row in rows))


def _edit_row(row: list, k: int, how: str, text: str, header: bool) -> None:
    if how == "drop":
        del row[k]
    elif how == "twice":
        row.insert(k, row[k])
    elif how == "rename" and header:
        row[k] = text
    elif how == "swap":
        row[0], row[k] = row[k], row[0]


def check_folder(folder: Path) -> None:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(["summarize", str(folder)])
    assert code in (0, 2), err.getvalue()
    assert "internal error" not in err.getvalue() and "Traceback" not in err.getvalue()
    with contextlib.suppress(OutputError):  # anything else fails the test
        load(folder)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions=tampering())
def test_summarize_and_load_survive_any_tampering(template, actions):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "run"
        shutil.copytree(template, folder)
        for action in actions:
            apply(folder, action)
        check_folder(folder)


@pytest.mark.parametrize("actions", [
    [("cell", "runs.csv", 3, 2, "1e12")],
    [("truncate", "summary.csv", 0.5), ("delete", "manifest.json")],
    [("header", "summary.csv", "swap", 4, "")],
])  # fmt: skip
def test_plot_survives_tampering(template, tmp_path, actions):
    pytest.importorskip("matplotlib")
    folder = tmp_path / "run"
    shutil.copytree(template, folder)
    for action in actions:
        apply(folder, action)
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(["plot", str(folder)])
    assert code in (0, 2) and "internal error" not in err.getvalue()
