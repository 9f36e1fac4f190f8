"""Runs at scale: bounded-memory summary, compressed and Parquet tables, the disk check."""

import gzip
import json
import shutil
import sys
from collections import namedtuple

import numpy as np
import pytest

from sim import cli, quantiles, runner, tables
from sim.columns import PERCENTILES
from sim.results import load
from sim.scenario import load as load_scenario
from sim.weekly import WeeklySummary

TABLES = ("runs", "events", "steps")


def run_cli(*args) -> int:
    return cli.main(["run", *map(str, args), "--quiet"])


ARGS = ("--runs", 250, "--set", "block_size=100", "--steps")


@pytest.mark.parametrize("options", [("--compress",), ("--format", "parquet")])
def test_compressed_and_parquet_tables_are_the_same_for_any_workers(small_path, tmp_path,
                                                                    options):  # fmt: skip
    if "parquet" in options:
        pytest.importorskip("pyarrow")
    for workers in (1, 2):
        assert run_cli(small_path, "--out", tmp_path / str(workers), *ARGS, *options,
                       "--workers", workers) == 0  # fmt: skip
    assert run_cli(small_path, "--out", tmp_path / "plain", *ARGS, "--workers", 1) == 0
    end = tables.suffix("parquet" if "parquet" in options else "csv", "--compress" in options)
    for name in (*TABLES, "summary"):
        path = name + (end if name != "summary" else ".csv")
        assert (tmp_path / "1" / path).read_bytes() == (tmp_path / "2" / path).read_bytes()
    assert not (tmp_path / "1" / "runs.csv").exists()
    back, plain = load(tmp_path / "1", pandas=False), load(tmp_path / "plain", pandas=False)
    assert back.complete and sorted(back.tables) == sorted(plain.tables)
    for name in (*TABLES, "summary"):
        assert back.tables[name].dtype == plain.tables[name].dtype
        for k in plain.tables[name].dtype.names:
            column = plain.tables[name][k]
            assert np.array_equal(back.tables[name][k], column, equal_nan=column.dtype.kind == "f")
    manifest = json.loads((tmp_path / "1" / "manifest.json").read_text())
    assert manifest["sizes"] and all(
        (tmp_path / "1" / name).stat().st_size == size for name, size in manifest["sizes"].items()
    )
    assert set(manifest["sizes"]) >= {"runs" + end, "summary.csv", "scenario.yaml"}


def test_a_gzip_table_is_one_plain_gzip_file(small_path, tmp_path):
    assert run_cli(small_path, "--out", tmp_path / "gz", *ARGS, "--compress") == 0
    assert run_cli(small_path, "--out", tmp_path / "csv", *ARGS) == 0
    for name in TABLES:
        data = (tmp_path / "gz" / f"{name}.csv.gz").read_bytes()
        assert data[4:8] == b"\0\0\0\0"  # mtime 0, and FLG (data[3]) names no file
        assert data[3] & 0x08 == 0
        assert gzip.decompress(data) == (tmp_path / "csv" / f"{name}.csv").read_bytes()


def test_resume_with_compress_is_byte_identical(small_path, tmp_path, ctrl_c_at_block):
    args = (*ARGS, "--compress", "--workers", 1)
    assert run_cli(small_path, "--out", tmp_path / "whole", *args) == 0
    ctrl_c_at_block(2)
    folder = tmp_path / "cut"
    assert run_cli(small_path, "--out", folder, *args) == cli.EXIT_INTERRUPTED
    ctrl_c_at_block(None)
    whole = (tmp_path / "whole" / "runs.csv.gz").read_bytes()
    with open(folder / "runs.csv.gz", "ab") as handle:  # a member cut off by a crash
        handle.write(whole[len((folder / "runs.csv.gz").read_bytes()) :][:40])
    assert not load(folder).complete
    assert run_cli("--resume", folder, "--workers", 1) == 0
    for name in (*(f"{t}.csv.gz" for t in TABLES), "summary.csv"):
        assert (folder / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()


def test_a_parquet_run_is_not_resumed(small_path, tmp_path, capsys):
    pytest.importorskip("pyarrow")
    folder = tmp_path / "p"
    assert run_cli(small_path, "--out", folder, "--runs", 20, "--format", "parquet") == 0
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**manifest, "complete": False}))
    assert run_cli("--resume", folder) == cli.EXIT_USAGE
    assert "a Parquet run cannot be resumed" in capsys.readouterr().err


def test_parquet_without_pyarrow_is_refused_with_the_hint(small_path, tmp_path, monkeypatch,
                                                          capsys):  # fmt: skip
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow raises ImportError
    out = tmp_path / "p"
    assert run_cli(small_path, "--out", out, "--format", "parquet") == cli.EXIT_USAGE
    assert 'pyarrow: pip install -e ".[parquet]"' in capsys.readouterr().err
    assert not out.exists()


def test_a_run_bigger_than_the_free_disk_is_refused(small_path, tmp_path, monkeypatch, capsys):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 10**5, 10**5))
    for options in ((), ("--compress",), ("--steps",)):
        out = tmp_path / f"out{len(options)}"
        assert run_cli(small_path, "--runs", 10**5, "--out", out, *options) == cli.EXIT_USAGE
        assert "not enough disk space" in capsys.readouterr().err
        assert not out.exists()
    assert run_cli(small_path, "--runs", 10, "--out", tmp_path / "fits") == 0


# --------------------------------------------------------------------------- the summary


def values(seed: int, runs: int) -> np.ndarray:
    """Four weekly quantities of the kinds summary.csv holds: spread over decades, a few
    levels (tariffs), tiny around zero, and in [0, 1]."""
    rng = np.random.default_rng(seed)
    return np.stack([rng.lognormal(0, 2, (6, runs)), np.round(rng.uniform(0, 3, (6, runs))) * 11.1,
                     rng.normal(0, 1e-3, (6, runs)), rng.uniform(0, 1, (6, runs))]
                    ).astype(np.float32)  # fmt: skip


def test_binned_percentiles_are_within_their_bin_of_numpy_and_the_mean_is_exact():
    data = values(1, 20_000)
    store = quantiles.Binned(4, 6, quantiles.MAX_BINS)
    for first in range(0, 20_000, 1000):
        store.add(first, data[:, :, first : first + 1000])
    width = store.width  # in asinh(x / SCALE): a relative width for |x| >> SCALE
    for q in range(4):
        mean, pct = store.stats(q, PERCENTILES)
        exact = data[q].astype(np.float64)
        assert np.allclose(mean, exact.mean(axis=1), rtol=1e-12, atol=0)
        want = np.percentile(exact, PERCENTILES, axis=1)
        bound = np.abs(np.sinh(np.arcsinh(want / quantiles.SCALE) + width) * quantiles.SCALE
                       - want)  # fmt: skip
        assert (np.abs(pct - want) <= bound).all()
    _, levels = store.stats(1, PERCENTILES)  # a few distinct values: exact
    assert np.array_equal(levels, np.percentile(data[1].astype(np.float64), PERCENTILES, axis=1))


def test_exact_store_gives_numpy_percentiles():
    data = values(2, 500)
    store = quantiles.Exact(4, 6, 500)
    store.add(0, data[:, :, :300])
    store.add(300, data[:, :, 300:])
    mean, pct = store.stats(0, PERCENTILES)
    assert np.array_equal(pct, np.percentile(data[0].astype(np.float64), PERCENTILES, axis=1))


def test_the_summary_is_the_same_whatever_order_the_blocks_come_in(small_path, tmp_path):
    scenario = load_scenario(small_path, ["runs=400", "block_size=100"])
    blocks = [runner.simulate_block(scenario, b) for b in range(4)]
    texts = []
    for order in ([0, 1, 2, 3], [3, 1, 0, 2]):
        summary = WeeklySummary(tmp_path, scenario.country_names(), scenario.horizon, 10**7)
        assert isinstance(summary.store, quantiles.Binned)
        for b in order:
            summary.add(blocks[b].first_run, blocks[b].trajectory)
        summary.runs = 400  # the shares' denominator: the runs actually added here
        path = tmp_path / f"summary{order[0]}.csv"
        summary.write(path, scenario.start_date)
        texts.append(path.read_bytes())
    assert texts[0] == texts[1]


def test_the_summary_memory_does_not_grow_with_runs(tmp_path):
    names = ["US", "CN"]
    sizes = [WeeklySummary(tmp_path, names, 52, runs).store.nbytes for runs in (10**6, 10**7)]
    assert sizes[0] == sizes[1] <= quantiles.BUDGET + (1 << 20)
    small = WeeklySummary(tmp_path, names, 52, 1000).store
    assert isinstance(small, quantiles.Exact) and small.nbytes == 4 * 8 * 52 * 1000
