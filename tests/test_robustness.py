"""Robustness: interrupts, killed runs, failing workers, unsafe names, code in data."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import SCENARIOS, SMALL

from sim import runner
from sim.cli import main
from sim.results import load


def start(args, tmp_path):
    return subprocess.Popen([sys.executable, "-m", "sim", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                            start_new_session=True)  # fmt: skip


def wait_for(predicate, timeout=60.0, what="the first block on disk"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def gone(workers: list[int]) -> None:
    """No worker is left behind: each exits on its own soon after the parent (a busy machine
    may take a moment to reap them, so this waits with a hang bound)."""
    wait_for(lambda: not any(alive(w) for w in workers), HANG, "the workers to exit")


def data_lines(path):
    text = path.read_text()
    assert text.endswith("\n"), f"{path.name} ends in a partial row"
    lines = text.splitlines()
    width = len(lines[0].split(","))
    assert all(len(line.split(",")) == width for line in lines if '"' not in line)
    return len(lines) - 1


LONG_RUN = ["run", str(SCENARIOS / "us_china_2025.yaml"), "--runs", "400000", "--workers", "2",
            "--set", "block_size=500", "--quiet"]  # fmt: skip


def check_stopped(out, err):
    """A stopped run: no traceback, an incomplete manifest counting exactly the rows on disk."""
    assert "Traceback" not in err and "Exception ignored" not in err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is False
    rows = data_lines(out / "runs.csv")
    assert manifest["runs_done"] == rows and rows % manifest["block_size"] == 0
    data_lines(out / "events.csv")
    assert load(out).complete is False
    assert not list(out.glob("*.tmp"))
    return rows


# Bounds on waiting only catch a hang: the suite must pass with every core busy.
HANG = 120


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_a_run_and_keeps_every_finished_block(sig, tmp_path):
    out = tmp_path / "out"
    proc = start([*LONG_RUN, "--out", str(out)], tmp_path)
    wait_for(lambda: (out / "runs.csv").exists() and (out / "runs.csv").stat().st_size > 50_000)
    workers = children(proc.pid)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=HANG)
    assert proc.returncode == 130
    assert 0 < check_stopped(out, err) < 400_000
    assert workers
    gone(workers)


STUCK_CODE = """\
import multiprocessing
import time

def stuck(x, scale=1.0):
    if multiprocessing.parent_process() is not None:  # in a worker: a block that never ends
        time.sleep(3600)
    return scale * x
"""


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_a_stop_does_not_wait_for_running_blocks(tmp_path):
    (tmp_path / "stuckforms.py").write_text(STUCK_CODE)
    path = tmp_path / "stuck.yaml"
    hill = "form: hill, half: 1.5, n: 2, weight: 0.4"
    path.write_text(SMALL.replace(hill, "form: 'stuckforms:stuck', weight: 0.4"))
    out = tmp_path / "out"
    proc = start(["run", str(path), "--allow-code", "--workers", "2", "--quiet", "--out",
                  str(out)], tmp_path)  # fmt: skip
    wait_for(lambda: len(children(proc.pid)) >= 2)
    workers = children(proc.pid)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=HANG)  # waiting for the blocks would be waiting forever
    assert proc.returncode == 130 and "Traceback" not in err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is False and manifest["runs_done"] == 0
    assert (out / "runs.csv").read_text() == "" and not list(out.glob("*.tmp"))
    gone(workers)


@pytest.mark.parametrize("count, gap", [(2, 0.5), (2, 0.5), (2, 0.3), (3, 0.2)])
def test_more_signals_while_stopping_still_exit_130(count, gap, tmp_path):
    # Ctrl-C pressed again while the run stops (blocks of 1000 runs: there are running blocks
    # to end); to the whole process group, as a terminal sends it.
    out = tmp_path / "out"
    proc = start(["run", str(SCENARIOS / "us_china_2025.yaml"), "--runs", "20000", "--set",
                  "block_size=1000", "--workers", "2", "--out", str(out)], tmp_path)  # fmt: skip
    wait_for(lambda: (out / "runs.csv").exists() and (out / "runs.csv").stat().st_size > 50_000)
    for _ in range(count):
        os.killpg(proc.pid, signal.SIGINT)
        time.sleep(gap)
    _, err = proc.communicate(timeout=HANG)
    assert proc.returncode == 130, err
    check_stopped(out, err)


def test_a_signal_stops_a_sweep_which_then_resumes(tmp_path):
    out = tmp_path / "sweep"
    proc = start(["sweep", str(SCENARIOS / "us_china_2025.yaml"), "--method", "lhs", "--points",
                  "400", "--runs-per-point", "300", "--workers", "2", "--quiet",
                  "--out", str(out)], tmp_path)  # fmt: skip
    wait_for(lambda: len(list((out / "points").glob("*.json"))) >= 2)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    assert proc.returncode == 130
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is False
    done = len(list((out / "points").glob("*.json")))
    assert 2 <= done < 400
    assert all(json.loads(p.read_text())["stats"] for p in (out / "points").glob("*.json"))


def test_a_killed_run_is_never_reported_complete(tmp_path, capsys):
    out = tmp_path / "out"
    proc = start([*LONG_RUN, "--out", str(out)], tmp_path)
    wait_for(lambda: (out / "runs.csv").exists() and (out / "runs.csv").stat().st_size > 50_000)
    os.killpg(proc.pid, signal.SIGKILL)  # kill -9 of the job: the workers die too
    proc.communicate(timeout=30)
    assert not (out / "manifest.json").exists()
    res = load(out)
    assert res.complete is False and "never finished" in res.problem
    assert main(["summarize", str(out)]) == 0
    assert capsys.readouterr().out.startswith("INCOMPLETE")
    # summary.csv needs no scratch file (sim.quantiles): a killed run leaves nothing to clean
    assert main(["clean", str(out)]) == 0
    assert "0 temporary file(s) removed" in capsys.readouterr().out
    assert (out / "runs.csv").exists() and (out / "scenario.yaml").exists()


def test_a_failing_block_is_named_with_its_seed_and_finished_blocks_stay(
    small_path, tmp_path, monkeypatch, capsys
):
    real = runner.simulate_block

    def fail_third(scenario, block, detail=True):
        if block == 2:
            raise FloatingPointError("boom")
        return real(scenario, block, detail)

    monkeypatch.setattr(runner, "simulate_block", fail_third)
    out = tmp_path / "out"
    assert main(["run", str(small_path), "--workers", "1", "--quiet", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "block 2" in err and "SeedSequence(7, spawn_key=(2,))" in err and "boom" in err
    assert "Traceback" not in err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is False and manifest["runs_done"] == 128
    assert data_lines(out / "runs.csv") == 128


@pytest.mark.parametrize("name", ["../escape", "/abs", ".hidden", "a/b", "a\\b", ""])
def test_unsafe_scenario_names_are_refused(name, tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(SMALL.replace("name: small", f"name: {json.dumps(name)}"))
    assert main(["run", str(path), "--quiet", "--workers", "1"]) == 2
    assert "name" in capsys.readouterr().err
    assert not (tmp_path / "results").exists()


def stat(pid) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name, or None if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def children(pid: int) -> list[int]:
    return [int(p) for p in os.listdir("/proc")
            if p.isdigit() and (fields := stat(p)) and int(fields[1]) == pid]  # fmt: skip


def alive(pid: int) -> bool:
    fields = stat(pid)
    return fields is not None and fields[0] != "Z"


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_workers_exit_when_their_parent_is_killed(tmp_path):
    out = tmp_path / "out"
    proc = start([*LONG_RUN, "--out", str(out)], tmp_path)
    wait_for(lambda: (out / "runs.csv").exists() and (out / "runs.csv").stat().st_size > 50_000)
    workers = children(proc.pid)
    assert workers
    proc.kill()  # the parent only, as an out-of-memory killer would
    proc.wait(timeout=30)
    gone(workers)
    for stream in (proc.stdout, proc.stderr):
        stream.close()


USER_CODE = """\
import numpy as np

def sqrt_form(x, scale=1.0):
    return scale * np.sqrt(np.maximum(x, 0.0))
"""


def user_scenario(tmp_path):
    (tmp_path / "userforms.py").write_text(USER_CODE)
    path = tmp_path / "user.yaml"
    path.write_text(SMALL.replace(
        "      exports: {input: export_loss_gdp, form: hill, half: 1.5, n: 2, weight: 0.4}",
        "      exports: {input: export_loss_gdp, form: 'userforms:sqrt_form', scale: 0.3, "
        "weight: 1.0}"))  # fmt: skip
    return path


def test_user_code_in_a_scenario_is_refused_without_allow_code(tmp_path, capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "userforms", raising=False)
    path = user_scenario(tmp_path)
    for command in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "o")]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert "--allow-code" in err and "user.yaml:" in err and "userforms:sqrt_form" in err
    assert not (tmp_path / "o").exists()
    assert "userforms" not in sys.modules  # refused before anything was imported


def test_user_code_runs_with_allow_code(tmp_path, capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    path = user_scenario(tmp_path)
    out = tmp_path / "o"
    assert main(["run", str(path), "--allow-code", "--workers", "1", "--quiet", "--runs", "20",
                 "--out", str(out)]) == 0  # fmt: skip
    assert main(["trace", str(out), "--run", "0"]) == 2  # the folder names user code too
    assert main(["trace", str(out), "--run", "0", "--allow-code"]) == 0
    assert "exports" in capsys.readouterr().out


def test_only_safe_yaml_is_read(tmp_path, capsys):
    path = tmp_path / "evil.yaml"
    marker = tmp_path / "pwned"
    path.write_text(f"!!python/object/apply:os.system ['touch {marker}']\n")
    assert main(["validate", str(path)]) == 2
    assert not marker.exists()
    assert "evil.yaml:1" in capsys.readouterr().err
