"""Reproducibility and the result-folder contract of `tradewar run`."""

import csv
import io
import json
import subprocess
import sys

from sim.cli import main
from sim.runner import Progress


def read_csv(path):
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def run(small_path, out, *extra):
    code = main(["run", str(small_path), "--out", str(out), "--quiet", *extra])
    assert code == 0
    return out


def test_same_seed_gives_byte_identical_files(small_path, tmp_path):
    a = run(small_path, tmp_path / "a", "--workers", "1")
    b = run(small_path, tmp_path / "b", "--workers", "1")
    for name in ("runs.csv", "summary.csv", "scenario.yaml"):
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_worker_count_does_not_change_results(small_path, tmp_path):
    one = run(small_path, tmp_path / "one", "--workers", "1")
    two = run(small_path, tmp_path / "two", "--workers", "2")
    assert json.loads((two / "manifest.json").read_text())["blocks"] == 4
    for name in ("runs.csv", "summary.csv"):
        assert (one / name).read_bytes() == (two / name).read_bytes()


def test_other_seeds_differ(small_path, tmp_path):
    a = run(small_path, tmp_path / "a", "--workers", "1", "--seed", "1")
    b = run(small_path, tmp_path / "b", "--workers", "1", "--seed", "2")
    assert (a / "runs.csv").read_bytes() != (b / "runs.csv").read_bytes()


def test_fewer_runs_are_a_prefix_of_more_runs(small_path, tmp_path):
    # 100 runs end inside the second block of 64: the partial block must still match.
    few = run(small_path, tmp_path / "few", "--workers", "1", "--runs", "100")
    many = run(small_path, tmp_path / "many", "--workers", "1", "--runs", "300")
    few_lines = (few / "runs.csv").read_text().splitlines()
    many_lines = (many / "runs.csv").read_text().splitlines()
    assert len(few_lines) == 101
    assert few_lines == many_lines[:101]


def test_result_folder_contents_and_manifest(small_path, tmp_path):
    out = run(small_path, tmp_path / "out", "--workers", "1", "--runs", "30", "--steps")
    names = {p.name for p in out.iterdir()}
    assert names == {"runs.csv", "events.csv", "summary.csv", "steps.csv", "scenario.yaml",
                     "manifest.json"}  # fmt: skip
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is True
    assert manifest["runs_done"] == 30 and manifest["seed"] == 7 and manifest["block_size"] == 64
    assert {"numpy", "scipy", "mesa", "python", "tradewar"} <= manifest["versions"].keys()
    rows = read_csv(out / "runs.csv")
    assert [int(r["run"]) for r in rows] == list(range(30))
    steps = read_csv(out / "steps.csv")
    assert len(steps) == 30 * 20 * 2  # runs x weeks x countries
    assert steps[0]["date"] == "2025-04-12" and steps[2]["date"] == "2025-04-19"


def test_steps_only_when_asked(small_path, tmp_path):
    out = run(small_path, tmp_path / "out", "--workers", "1", "--runs", "5")
    assert not (out / "steps.csv").exists()


def test_runs_csv_columns_follow_the_contract(small_path, tmp_path):
    out = run(small_path, tmp_path / "out", "--workers", "1", "--runs", "50")
    header = (out / "runs.csv").read_text().splitlines()[0].split(",")
    assert header[:7] == [
        "run", "first_approacher", "first_approach_week", "first_approach_channel",
        "talks_week", "deal_week", "final_status",
    ]  # fmt: skip
    for kind in ("peak", "final", "deal"):
        assert {f"{kind}_tariff_A_B", f"{kind}_tariff_B_A"} <= set(header)
    # drawn parameters come last, named by their dotted path
    assert header[-4:] == [
        "countries.A.elasticity", "countries.A.resolve",
        "countries.B.elasticity", "countries.B.resolve",
    ]  # fmt: skip
    rows = read_csv(out / "runs.csv")
    for r in rows:
        assert r["first_approacher"] in {"A", "B", "mutual", "none"}
        assert r["final_status"] in {"conflict", "scheduled", "talks", "truce"}
        # blank exactly when the event never happened
        assert (r["deal_week"] == "") == (r["deal_tariff_A_B"] == "")
        if r["first_approacher"] == "none":
            assert r["first_approach_week"] == ""


def test_summary_has_every_week_country_and_quantity(small_path, tmp_path):
    out = run(small_path, tmp_path / "out", "--workers", "1", "--runs", "40")
    rows = read_csv(out / "summary.csv")
    quantities = {r["quantity"] for r in rows}
    assert {"tariff_on_B", "tariff_on_A", "pressure", "anxiety", "market_drawdown"} <= quantities
    for week in range(20):
        shares = [float(r["mean"]) for r in rows
                  if r["country"] == "A" and r["week"] == str(week)
                  and r["quantity"].startswith("share_")]  # fmt: skip
        assert abs(sum(shares) - 1.0) < 1e-9
    for r in rows:
        if r["p5"]:
            assert float(r["p5"]) <= float(r["p50"]) <= float(r["p95"])


class Terminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_progress_bar_only_on_a_terminal_and_not_when_quiet():
    for tty, enabled, drawn in ((True, True, True), (False, True, False), (True, False, False)):
        stream = Terminal(tty)
        bar = Progress(100, stream, enabled, clock=iter(range(100)).__next__)
        bar.advance(50)
        bar.close()
        assert ("50/100 runs" in stream.getvalue()) == drawn


def test_progress_shows_blocks_rate_and_time_left():
    bar = Progress(1000, Terminal(True), True, clock=iter([0.0, 2.0]).__next__, blocks=10)
    bar.advance(100)
    text = bar.text(2.0)
    assert "100/1,000 runs  block 1/10" in text and "50 runs/s" in text and "~18 s left" in text


def test_python_dash_m_sim_runs_the_cli(small_path, tmp_path):
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "sim", "run", str(small_path), "--runs", "10", "--quiet",
         "--workers", "1", "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "P(first approach: A)" in done.stdout and (out / "manifest.json").exists()


def test_simulated_blocks_do_not_accumulate_in_memory(small_path, monkeypatch):
    # Mesa 3.3 keeps models alive through a class-level registry (mesa #3179); a worker that
    # simulates thousands of blocks must not keep them all.
    import gc
    import weakref

    from sim import runner
    from sim.scenario import load

    made = []
    real = runner.simulate_model

    def spy(scenario, block):
        model = real(scenario, block)
        made.append(weakref.ref(model))
        return model

    monkeypatch.setattr(runner, "simulate_model", spy)
    scenario = load(small_path)
    # Freed by reference counting alone: numpy-heavy code gives the cyclic collector few
    # reasons to run, and a worker's dead blocks piled up (~170 MB per million runs) while
    # the agents and the diplomacy still pointed back at their model.
    gc.disable()
    try:
        for block in range(3):
            runner.simulate_block(scenario, block)
        assert len(made) == 3 and all(ref() is None for ref in made)
    finally:
        gc.enable()


def test_runs_in_the_same_second_get_their_own_folders(tmp_path):
    from sim.results import prepare_output

    folders = {prepare_output(None, "same", root=tmp_path) for _ in range(3)}
    # each holds only its claim: an empty scenario.yaml the run fills in
    assert len(folders) == 3
    assert all([p.name for p in f.iterdir()] == ["scenario.yaml"] for f in folders)
    assert all((f / "scenario.yaml").read_text() == "" for f in folders)
