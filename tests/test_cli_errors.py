"""The command line's exit codes and messages, called in-process through ``sim.cli.main``.

Exit codes: 0 success, 1 internal error, 2 bad input or usage. A user's mistake is one line on
stderr, ``tradewar: error: <file>:<line>: <key>: ...``, with no traceback and no result folder.
"""

import csv
import json

import pytest
from conftest import MINI

from sim.cli import main
from sim.scenario import load

FAST = ["--set", "horizon=10", "--set", "block_size=50", "--workers", "1", "--quiet"]

NEG = "negotiation: {cut: 115, truce_weeks: 13}"
# id -> (old text, new text, dotted key or None, fragment of the offending line)
BAD = {
    "yaml_syntax": ("    face_cost: 0.1", "    face_cost: 0.1: 0.2", None, "face_cost: 0.1: 0.2"),
    "unknown_key": (
        "    resolve: {dist: beta, a: 4, b: 4}",
        "    resolv: {dist: beta, a: 4, b: 4}",
        "countries.US.resolv",
        "resolv:",
    ),
    "wrong_type": ("    face_cost: 0.2", "    face_cost: lots", "countries.CN.face_cost", "lots"),
    "negative_tariff": (
        "tariff: {CN: 145}",
        "tariff: {CN: -145}",
        "countries.US.tariff.CN",
        "CN: -145",
    ),
    "missing_partner": ("tariff: {US: 125}", "tariff: {}", "countries.CN.tariff", "tariff: {}"),
    "exempt_share_above_one": (
        "tariff: {CN: 145}",
        "tariff: {CN: 145}\n    exempt: {CN: 1.5}",
        "countries.US.exempt.CN",
        "CN: 1.5",
    ),
    "unknown_condition": (
        NEG,
        NEG + "\nevents:\n  - {kind: raise_tariff, country: US, "
        "partner: CN, week: 2, points: 10, unless: peace}",
        "events.0.unless",
        "unless: peace",
    ),
    "deadline_before_week": (
        NEG,
        NEG + "\nevents:\n  - {kind: raise_tariff, country: US, "
        "partner: CN, week: 5, deadline: 3, points: 10}",
        "events.0.deadline",
        "deadline: 3",
    ),
    "relation_unknown_country": (
        NEG,
        NEG + "\nrelations:\n  - {between: [US, JP], status: peace}",
        "relations.0.between",
        "JP",
    ),
    "relation_twice": (
        NEG,
        NEG + "\nrelations:\n  - {between: [US, CN], status: conflict}\n"
        "  - {between: [CN, US], status: peace}",
        "relations.1.between",
        "[CN, US]",
    ),
}


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of the only line of ``text`` that contains ``fragment``."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(hits) == 1, f"{fragment!r} is on lines {hits}, expected exactly one"
    return hits[0]


def bad_scenario(tmp_path, case: str):
    """Write the bad variant ``case`` of MINI; return its path and the expected message head."""
    old, new, key, fragment = BAD[case]
    assert MINI.count(old) == 1
    text = MINI.replace(old, new)
    path = tmp_path / f"{case}.yaml"
    path.write_text(text, encoding="utf-8")
    head = f"tradewar: error: {path}:{line_of(text, fragment)}: "
    return path, head + (f"{key}: " if key else "YAML syntax error")


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(MINI, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- validate


def test_validate_good_file(good, capsys):
    assert main(["validate", str(good)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"OK {good}: mini, 2 countries, 52 weeks, 1000 runs")
    assert "3 uncertain parameters" in out
    assert err == ""


def test_validate_with_set(good, capsys):
    assert main(["validate", str(good), "--set", "horizon=10"]) == 0
    assert "10 weeks" in capsys.readouterr().out


def test_validate_many_files_with_one_bad(good, tmp_path, capsys):
    bad, head = bad_scenario(tmp_path, "unknown_key")
    other = tmp_path / "other.yaml"
    other.write_text(MINI.replace("name: mini", "name: other"), encoding="utf-8")
    assert main(["validate", str(good), str(bad), str(other)]) == 2
    out, err = capsys.readouterr()
    assert out.splitlines()[0].startswith(f"OK {good}: mini")
    assert out.splitlines()[1].startswith(f"OK {other}: other")
    assert len(out.splitlines()) == 2
    assert err.splitlines() == [err.strip()]  # one line
    assert err.startswith(head + "unknown key; did you mean 'resolve'?")
    assert "Traceback" not in err


@pytest.mark.parametrize("case", list(BAD))
def test_validate_bad_file(tmp_path, capsys, case):
    path, head = bad_scenario(tmp_path, case)
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(head)


def test_validate_missing_file(tmp_path, capsys):
    missing = tmp_path / "missing.yaml"
    assert main(["validate", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"tradewar: error: {missing}: cannot read scenario file")


def test_validate_bad_set(good, capsys):
    assert main(["validate", str(good), "--set", "horizon=abc"]) == 2
    err = capsys.readouterr().err
    assert "--set horizon" in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------- run: bad input


@pytest.mark.parametrize("case", list(BAD))
def test_run_bad_scenario(tmp_path, capsys, case):
    path, head = bad_scenario(tmp_path, case)
    out_dir = tmp_path / "out"
    code = main(["run", str(path), "--runs", "5", "--out", str(out_dir), *FAST])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.startswith(head), err
    assert err.splitlines() == [err.strip()]  # one line
    assert "Traceback" not in err
    assert out == ""
    assert not out_dir.exists()


@pytest.mark.parametrize(
    "override",
    ["horizon=abc", "countries.US.resolv=1", "nonsense", "countries.US.resolve={dist: nope}"],
)
def test_run_bad_set(good, tmp_path, capsys, override):
    out_dir = tmp_path / "out"
    code = main(["run", str(good), "--runs", "5", "--out", str(out_dir), *FAST, "--set", override])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"tradewar: error: {good}: --set ")
    assert "Traceback" not in err
    assert not out_dir.exists()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("start_date: 2025-04-12", "start_date: 2025-13-01"),  # yaml raises ValueError
        ("    gdp: 29200", "    gdp: 1" + "0" * 400),  # math.isfinite raises OverflowError
    ],
    ids=["impossible_date", "huge_integer"],
)
def test_run_user_mistakes_are_usage_errors_not_internal_errors(tmp_path, capsys, old, new):
    path = tmp_path / "bad.yaml"
    path.write_text(MINI.replace(old, new), encoding="utf-8")
    out_dir = tmp_path / "out"
    code = main(["run", str(path), "--runs", "5", "--out", str(out_dir), *FAST])
    err = capsys.readouterr().err
    assert "internal error" not in err
    assert code == 2
    assert err.startswith(f"tradewar: error: {path}:")
    assert not out_dir.exists()


def test_run_refuses_to_overwrite(good, tmp_path, capsys):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    keep = out_dir / "runs.csv"
    keep.write_text("precious results\n", encoding="utf-8")
    code = main(["run", str(good), "--runs", "5", "--out", str(out_dir), *FAST])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.startswith(f"tradewar: error: {out_dir}: ")
    assert "refusing to overwrite" in err
    assert "Traceback" not in err
    assert keep.read_text(encoding="utf-8") == "precious results\n"
    assert sorted(p.name for p in out_dir.iterdir()) == ["runs.csv"]


def test_run_refuses_an_out_path_that_is_a_file(good, tmp_path, capsys):
    target = tmp_path / "out"
    target.write_text("not a folder\n", encoding="utf-8")
    code = main(["run", str(good), "--runs", "5", "--out", str(target), *FAST])
    assert code == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "not a folder\n"


def test_run_into_an_existing_empty_folder(good, tmp_path, capsys):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    assert main(["run", str(good), "--runs", "5", "--out", str(out_dir), *FAST]) == 0
    assert (out_dir / "manifest.json").exists()


def test_run_missing_scenario_file(tmp_path, capsys):
    missing = tmp_path / "missing.yaml"
    out_dir = tmp_path / "out"
    code = main(["run", str(missing), "--out", str(out_dir), *FAST])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"tradewar: error: {missing}: cannot read scenario file")
    assert "Traceback" not in err
    assert not out_dir.exists()


def test_run_scenario_path_is_a_folder(tmp_path, capsys):
    out_dir = tmp_path / "out"
    assert main(["run", str(tmp_path), "--out", str(out_dir), *FAST]) == 2
    assert "cannot read scenario file" in capsys.readouterr().err
    assert not out_dir.exists()


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--runs", "0"),
        ("--runs", "abc"),
        ("--runs", "-3"),
        ("--runs", "2.5"),
        ("--workers", "0"),
        ("--seed", "-1"),
        ("--seed", "x"),
    ],
)
def test_run_bad_option_values(good, tmp_path, capsys, option, value):
    out_dir = tmp_path / "out"
    code = main(["run", str(good), "--out", str(out_dir), option, value])
    err = capsys.readouterr().err
    assert code == 2
    assert option in err
    assert "Traceback" not in err
    assert not out_dir.exists()


@pytest.mark.parametrize(
    "argv",
    [["frobnicate"], [], ["run"], ["validate"], ["run", "a.yaml", "--bogus"]],
    ids=["unknown_command", "no_command", "run_no_file", "validate_no_file", "unknown_option"],
)
def test_usage_errors(capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "usage: tradewar" in err
    assert "Traceback" not in err


def test_version_and_help_exit_zero(capsys):
    assert main(["--version"]) == 0
    assert "tradewar" in capsys.readouterr().out
    assert main(["run", "--help"]) == 0
    assert "--runs" in capsys.readouterr().out


# --------------------------------------------------------------------------- run: success


def test_good_small_run(good, tmp_path, capsys):
    out_dir = tmp_path / "out"
    code = main(["run", str(good), "--runs", "20", "--out", str(out_dir), *FAST])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"results: {out_dir}" in out
    assert "Traceback" not in err

    with open(out_dir / "runs.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, data = rows[0], rows[1:]
    assert len(data) == 20
    assert header[0] == "run"
    assert [row[0] for row in data] == [str(k) for k in range(20)]
    assert all(len(row) == len(header) for row in data)
    for path in ("countries.US.resolve", "countries.US.elasticity", "countries.CN.resolve"):
        assert path in header

    with open(out_dir / "summary.csv", encoding="utf-8", newline="") as handle:
        summary = list(csv.reader(handle))
    assert len(summary) > 1
    assert all(len(row) == len(summary[0]) for row in summary)

    resolved = load(out_dir / "scenario.yaml")
    assert (resolved.name, resolved.runs, resolved.horizon, resolved.block_size) == (
        "mini",
        20,
        10,
        50,
    )

    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["complete"] is True
    assert manifest["runs_done"] == 20
    assert {"runs.csv", "summary.csv", "scenario.yaml"} <= set(manifest["files"])


def test_same_seed_same_runs_csv(good, tmp_path, capsys):
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        argv = ["run", str(good), "--runs", "20", "--seed", "5", "--out", str(folder), *FAST]
        assert main(argv) == 0
    a = (first / "runs.csv").read_bytes()
    assert a == (second / "runs.csv").read_bytes()
