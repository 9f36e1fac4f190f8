"""Sweep defects found by attacking the tool (issue 9): each test failed before its fix."""

import json
import socket
import threading
import time

import numpy as np
import pytest
from conftest import SMALL

from sim import cli, cluster, sweep
from sim.cli import main
from sim.scenario import ScenarioError, SweepParam, load_text

FACE = "countries.A.face_cost"


def sweep_cli(small_path, out, *args):
    return main(["sweep", str(small_path), "--out", str(out), "--quiet", "--workers", "1",
                 "--set", "horizon=12", *args])  # fmt: skip


def resume(folder, *args):
    return main(["sweep", "--resume", str(folder), "--quiet", "--workers", "1", *args])


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def finished_sweep(small_path, tmp_path):
    out = tmp_path / "done"
    assert sweep_cli(small_path, out, "--method", "lhs", "--points", "3",
                     "--runs-per-point", "20", "--param", f"{FACE}=0:0.4") == 0  # fmt: skip
    return out


# --------------------------------------------------------------------------- item 4


def test_sobol_with_one_parameter_gives_its_indices_and_resumes(small_path, tmp_path, capsys):
    out = tmp_path / "s"
    assert sweep_cli(small_path, out, "--method", "sobol", "--points", "4",
                     "--runs-per-point", "20", "--param", f"{FACE}=0:0.5") == 0  # fmt: skip
    rows = [r.split(",") for r in (out / "sensitivity.csv").read_text().splitlines()[1:]]
    assert rows and {r[1] for r in rows} == {FACE}
    # each outcome has finite indices or a note saying why not
    number = lambda text: float(text or "nan")  # noqa: E731
    indexed = [bool(np.isfinite(number(r[2])) and np.isfinite(number(r[5]))) for r in rows]
    assert indexed == [r[-1] == "" for r in rows] and any(indexed)
    (out / "manifest.json").unlink()  # as if interrupted after the last point
    assert resume(out) == 0
    assert "internal error" not in capsys.readouterr().err


def test_one_parameter_indices_are_the_estimator_at_one_column():
    from sim import sensitivity

    rng = np.random.default_rng(2)
    f_A, f_B = rng.random(16), rng.random(16)
    f = {"f_A": f_A[None], "f_B": f_B[None], "f_AB": f_B[None, None]}  # d = 1: AB is B
    first, total, _ = sensitivity._indices(f, 16, 1, seed=0)
    expected = sensitivity.saltelli(f_A, f_B, f_B[None])
    assert first.shape == total.shape == (1,)
    assert np.allclose(first, expected[0]) and np.allclose(total, expected[1])


# --------------------------------------------------------------------------- item 5


@pytest.fixture
def listener():
    """A loopback listener that stays silent or answers each connection with ``reply``."""
    made = []

    def start(reply: bytes | None):
        server = socket.create_server(("127.0.0.1", 0))
        server.settimeout(0.2)
        stop, conns = threading.Event(), []

        def serve():
            while not stop.is_set():
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    continue
                conns.append(conn)
                if reply is not None:
                    conn.sendall(reply)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        made.append((server, stop, conns, thread))
        return f"tcp://127.0.0.1:{server.getsockname()[1]}"

    yield start
    for server, stop, conns, thread in made:
        stop.set()
        thread.join(5)
        for conn in conns:
            conn.close()
        server.close()


HTTP = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body>hello</body></html>\n"


REPLIES = {"silent": None, "http": HTTP, "bytes": bytes(range(256)) * 4}


@pytest.mark.parametrize("reply", REPLIES.values(), ids=REPLIES.keys())
def test_a_listener_that_is_not_a_scheduler_fails_fast(reply, listener, small_path, tmp_path,
                                                       monkeypatch, capsys):  # fmt: skip
    pytest.importorskip("distributed")
    monkeypatch.setattr(cluster, "TIMEOUT_S", 3.0)
    address = listener(reply)
    began = time.monotonic()
    code = sweep_cli(small_path, tmp_path / "s", "--param", f"{FACE}=0:0.4", "--points", "2",
                     "--scheduler", address)  # fmt: skip
    assert time.monotonic() - began < 60  # it did not hang
    err = capsys.readouterr().err
    assert code == 2 and f"no Dask scheduler at {address}" in err, err
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("address", ["foo", "tcp://:99999", "http://127.0.0.1:1", ""])
def test_a_malformed_scheduler_address_is_a_usage_error(address, small_path, tmp_path,
                                                        monkeypatch, capsys):  # fmt: skip
    pytest.importorskip("distributed")
    monkeypatch.setattr(cluster, "TIMEOUT_S", 3.0)
    code = sweep_cli(small_path, tmp_path / "s", "--param", f"{FACE}=0:0.4", "--points", "2",
                     "--scheduler", address)  # fmt: skip
    assert code == 2 and "no Dask scheduler at" in capsys.readouterr().err


# --------------------------------------------------------------------------- item 7


def test_designs_beyond_the_limits_are_refused_before_anything_is_built():
    base = load_text(SMALL, "s.yaml")
    a, b = SweepParam("a", low=0, high=1, num=10**5), SweepParam("b", low=0, high=1, num=10**5)
    with pytest.raises(ScenarioError, match="grid design has 10,000,000,000 points"):
        sweep.settings_for(base, "grid", None, None, [a, b])
    with pytest.raises(ScenarioError, match="--points 1,000,000,000: at most 1,000,000"):
        sweep.settings_for(base, "lhs", 10**9, None, [SweepParam("a", low=0, high=1)])
    with pytest.raises(ScenarioError, match="sobol design has 1,572,864 points"):
        sweep.settings_for(base, "sobol", 2**19, 1, [SweepParam("a", low=0, high=1)])
    with pytest.raises(ScenarioError, match="--runs-per-point 100,000,000: at most 10,000,000"):
        sweep.settings_for(base, "lhs", 4, 10**8, [SweepParam("a", low=0, high=1)])
    with pytest.raises(ScenarioError, match="= 10,000,000,000 runs; a sweep may run at most"):
        sweep.settings_for(base, "lhs", 1000, 10**7, [SweepParam("a", low=0, high=1)])


def test_the_limits_hold_for_the_command_line_and_the_sweep_block(small_path, tmp_path, capsys):
    out = tmp_path / "s"
    assert sweep_cli(small_path, out, "--points", "1000000000", "--param", f"{FACE}=0:1") == 2
    assert "at most 1,000,000" in capsys.readouterr().err
    axis = "{low: 0, high: 1, num: 100000}"
    small_path.write_text(SMALL + "sweep:\n  method: grid\n  parameters:\n"
                          f"    {FACE}: {axis}\n    countries.B.face_cost: {axis}\n")  # fmt: skip
    assert sweep_cli(small_path, out) == 2
    assert "grid design has 10,000,000,000 points" in capsys.readouterr().err
    assert not out.exists()


def test_a_swept_value_is_a_number_not_a_distribution(small_path, tmp_path, capsys):
    small_path.write_text(SMALL + "sweep:\n  method: grid\n  parameters:\n"
                          f"    {FACE}: [0.1, {{dist: uniform, loc: 0, scale: 1}}]\n")  # fmt: skip
    assert sweep_cli(small_path, tmp_path / "s") == 2
    err = capsys.readouterr().err
    assert f"sweep.parameters.{FACE}.1: expected a number" in err and "internal" not in err


# --------------------------------------------------------------------------- item 9

EDITS = [
    ({"method": "bogus"}, "method: 'bogus' is not one of grid, lhs, sobol, random"),
    ({"points": "many"}, "points: expected a whole number, got 'many'"),
    ({"points": True}, "points: expected a whole number"),
    ({"params": []}, "params: expected a non-empty list"),
    ({"seed": -1}, "seed: -1 is out of range"),
    ({"runs_per_point": 10**12}, "runs_per_point: 1000000000000 is out of range"),
    ({"runs_detail": "yes"}, "runs_detail: expected true or false"),
    ({"extra": 1}, "extra: unknown key"),
    ({"points": 3, "method": "sobol"}, "points: sobol needs a power of 2, got 3"),
    ({"params": [{"key": FACE}]}, "params.0.low: required key is missing"),
    ({"params": [{"key": 5, "low": 0, "high": 1}]}, "params.0.key: expected a dotted"),
    ({"params": [{"key": FACE, "low": 1, "high": 0}]}, "params.0: high 0 is below low 1"),
    ({"params": [{"key": FACE, "values": [0.1], "low": 0, "high": 1}]}, "not both"),
    ({"params": [{"key": FACE, "low": 0, "high": 1}] * 2}, f"params.1.key: {FACE} given twice"),
    ({"params": [{"key": FACE, "low": 0, "high": 1, "num": 10**5},
                 {"key": "countries.B.face_cost", "low": 0, "high": 1, "num": 10**5}],
      "method": "grid"}, "grid design has 10,000,000,000 points"),
    ({"params": [{"key": "countries.A.face_cots", "low": 0, "high": 1}]}, "face_cots"),
    ({"params": [{"key": FACE, "values": [{"dist": "uniform"}]}]},
     "params.0.values.0: expected a number"),
    ({"params": [{"key": FACE, "values": []}]}, "params.0.values: an empty list of values"),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "message"), EDITS, ids=[e[1][:30] for e in EDITS])
def test_an_edited_sweep_json_is_refused_with_file_and_field(edit, message, finished_sweep,
                                                             capsys):  # fmt: skip
    path = finished_sweep / "sweep.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **edit}))
    (finished_sweep / "manifest.json").unlink()
    before = snapshot(finished_sweep)
    assert resume(finished_sweep) == 2
    err = capsys.readouterr().err
    assert message in err and "internal error" not in err, err
    if "face_cots" not in message:
        assert f"{path}: " in err
    assert snapshot(finished_sweep) == before


@pytest.mark.parametrize("text", ["[]", "{", '"points"', "[" * 100000])
def test_a_sweep_json_that_is_not_settings_is_refused(text, finished_sweep, capsys):
    (finished_sweep / "sweep.json").write_text(text)
    assert resume(finished_sweep) == 2
    assert "sweep.json" in capsys.readouterr().err


GARBLED = [
    lambda r: "not json",
    lambda r: json.dumps({**r, "values": [0.99]}),
    lambda r: json.dumps({**r, "stats": [1, 2]}),
    lambda r: json.dumps({**r, "stats": {k: "x" for k in r["stats"]}}),
    lambda r: json.dumps({**r, "error": 5}),
    lambda r: json.dumps({**r, "point": True}),
    lambda r: json.dumps({**r, "stats": None, "error": None}),
    lambda r: json.dumps([r]),
]


@pytest.mark.parametrize("garble", GARBLED)
def test_a_garbled_point_record_runs_again(garble, finished_sweep):
    before = (finished_sweep / "points.csv").read_bytes()
    record = finished_sweep / "points" / "000001.json"
    record.write_text(garble(json.loads(record.read_text())))
    (finished_sweep / "manifest.json").unlink()
    assert resume(finished_sweep) == 0
    assert (finished_sweep / "points.csv").read_bytes() == before
    assert json.loads(record.read_text())["point"] == 1


def test_a_lost_or_garbled_runs_file_of_a_point(small_path, tmp_path, capsys):
    out = tmp_path / "d"
    assert sweep_cli(small_path, out, "--method", "lhs", "--points", "3", "--runs-per-point",
                     "20", "--runs-detail", "--param", f"{FACE}=0:0.4") == 0  # fmt: skip
    before = (out / "runs.csv").read_bytes()
    (out / "manifest.json").unlink()
    (out / "points" / "000001.csv").unlink()
    assert resume(out) == 0  # the point runs again
    assert (out / "runs.csv").read_bytes() == before
    (out / "manifest.json").unlink()
    (out / "points" / "000002.csv").write_bytes(b"\xff\xfe not text")
    assert resume(out) == 2
    err = capsys.readouterr().err
    assert f"{out / 'points' / '000002.csv'}: cannot read" in err and "internal" not in err
    assert not (out / "runs.csv.tmp").exists()


def test_a_points_file_in_the_way_is_named(finished_sweep, capsys):
    for record in (finished_sweep / "points").iterdir():
        record.unlink()
    (finished_sweep / "points").rmdir()
    (finished_sweep / "points").write_text("not a folder")
    (finished_sweep / "manifest.json").unlink()
    assert resume(finished_sweep) == 2
    assert "cannot hold the point records" in capsys.readouterr().err


def test_a_record_with_other_outcomes_is_named(finished_sweep, capsys):
    record = finished_sweep / "points" / "000002.json"
    saved = json.loads(record.read_text())
    record.write_text(json.dumps({**saved, "stats": {"p_other": 0.5}}))
    (finished_sweep / "manifest.json").unlink()
    assert resume(finished_sweep) == 2
    err = capsys.readouterr().err
    assert f"{record}: not this sweep's outcomes" in err and "internal error" not in err


# --------------------------------------------------------------------------- item 11


def test_resume_refuses_the_design_options_and_names_them(finished_sweep, small_path, capsys):
    (finished_sweep / "manifest.json").unlink()
    before = snapshot(finished_sweep)
    code = main(["sweep", str(small_path), "--resume", str(finished_sweep), "--points", "3",
                 "--param", f"{FACE}=0:1", "--seed", "0", "--quiet"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "not from SCENARIO, --points, --param, --seed;" in err
    assert "only --workers, --quiet, --scheduler, --allow-code" in err
    assert snapshot(finished_sweep) == before


def test_a_parameter_given_twice_is_refused(small_path, tmp_path, capsys):
    out = tmp_path / "s"
    assert sweep_cli(small_path, out, "--param", f"{FACE}=0:1", "--param", f"{FACE}=0:0.5") == 2
    assert f"--param {FACE} given twice" in capsys.readouterr().err
    assert not out.exists()


def test_resuming_a_finished_sweep_changes_nothing(finished_sweep, capsys):
    before = snapshot(finished_sweep)
    time.sleep(1.1)  # a rewritten manifest would show another wall time or start
    assert resume(finished_sweep) == 0
    assert "already complete" in capsys.readouterr().err
    assert snapshot(finished_sweep) == before


def test_a_sweep_manifest_counts_its_own_blocks_and_workers(small_path, tmp_path):
    out = tmp_path / "s"
    # SMALL: block_size 64, so 100 runs per point are 2 blocks; 3 points are 6 blocks.
    assert sweep_cli(small_path, out, "--method", "grid", "--runs-per-point", "100",
                     "--param", f"{FACE}=[0.1, 0.2, 0.3]") == 0  # fmt: skip
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "sweep" and manifest["blocks"] == 6 and manifest["workers"] == 1
    assert manifest["runs"] == 300 and manifest["block_size"] == 64
    two = tmp_path / "two"  # 2 blocks in all: 8 workers asked for, 2 used
    assert main(["sweep", str(small_path), "--out", str(two), "--quiet", "--workers", "8",
                 "--set", "horizon=4", "--method", "grid", "--runs-per-point", "10",
                 "--param", f"{FACE}=[0.1, 0.2]"]) == 0  # fmt: skip
    manifest = json.loads((two / "manifest.json").read_text())
    assert manifest["blocks"] == 2 and manifest["workers"] == 2


def test_a_run_manifest_says_it_is_a_run(small_path, tmp_path):
    out = tmp_path / "r"
    assert main(["run", str(small_path), "--runs", "10", "--workers", "1", "--quiet",
                 "--out", str(out)]) == 0  # fmt: skip
    assert json.loads((out / "manifest.json").read_text())["kind"] == "run"


# --------------------------------------------------------------------------- item 12


def test_the_interrupt_message_fits_the_command(small_path, tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sweep, "run", interrupted)
    out = tmp_path / "s"
    assert sweep_cli(small_path, out, "--param", f"{FACE}=0:1", "--points", "2") == 130
    assert f"resume with tradewar sweep --resume {out}" in capsys.readouterr().err
    monkeypatch.setattr(cli, "run_to_folder", interrupted)
    assert main(["run", str(small_path), "--quiet", "--out", str(tmp_path / "r")]) == 130
    err = capsys.readouterr().err
    assert "finished blocks are kept" in err and "--resume" not in err
