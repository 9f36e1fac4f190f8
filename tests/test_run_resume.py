"""`run --resume` and `run --scheduler`: the same bytes as an uninterrupted local run."""

import json

import pytest

from sim import cli

CSVS = ("runs.csv", "events.csv", "steps.csv", "summary.csv")


def run_cli(*args) -> int:
    return cli.main(["run", *map(str, args), "--quiet"])


def same_csvs(a, b) -> bool:
    return all((a / name).read_bytes() == (b / name).read_bytes() for name in CSVS)


def test_resume_finishes_an_interrupted_run_byte_for_byte(small_path, tmp_path, ctrl_c_at_block):
    args = ("--runs", 250, "--set", "block_size=100", "--steps", "--workers", 1)
    assert run_cli(small_path, "--out", tmp_path / "whole", *args) == 0
    ctrl_c_at_block(2)
    assert run_cli(small_path, "--out", tmp_path / "cut", *args) == cli.EXIT_INTERRUPTED
    ctrl_c_at_block(None)
    folder = tmp_path / "cut"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["runs_done"] == 200 and not manifest["complete"]
    with open(folder / "runs.csv", "ab") as handle:  # a block cut off by a crash
        handle.write(b"200,half a ro")
    assert run_cli("--resume", folder, "--workers", 1) == 0
    assert same_csvs(tmp_path / "whole", folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["complete"] and manifest["resumed_at"] == 200
    assert run_cli("--resume", folder) == 0  # complete: nothing to do


def test_resume_takes_nothing_but_the_folder(small_path, tmp_path, capsys):
    assert run_cli("--resume", tmp_path, "--runs", 5) == cli.EXIT_USAGE
    assert "--runs" in capsys.readouterr().err
    assert run_cli("--resume", tmp_path) == cli.EXIT_USAGE  # no manifest there
    assert "manifest" in capsys.readouterr().err


def test_stats_line_and_manifest(small_path, tmp_path, capsys):
    assert cli.main(["run", str(small_path), "--runs", "50", "--out", str(tmp_path / "o")]) == 0
    stats = json.loads((tmp_path / "o" / "manifest.json").read_text())["stats"]
    assert stats["runs"] == 50 and stats["runs_per_s"] > 0 and stats["peak_memory_mb"] > 0
    assert "50 runs in" in capsys.readouterr().err


def test_run_on_a_dask_local_cluster_gives_the_local_bytes(small_path, tmp_path):
    distributed = pytest.importorskip("distributed")
    args = ("--runs", 250, "--set", "block_size=100", "--steps")
    assert run_cli(small_path, "--out", tmp_path / "local", *args, "--workers", 1) == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=":0") as cluster:  # fmt: skip
        address = cluster.scheduler_address
        assert run_cli(small_path, "--out", tmp_path / "dask", *args, "--scheduler", address) == 0
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["workers"] == 2 and manifest["scheduler"] == address
    assert same_csvs(tmp_path / "local", tmp_path / "dask")
