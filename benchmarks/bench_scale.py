"""Wall time and peak memory of a large `tradewar run`, locally and on a local Dask cluster.

1. `tradewar run scenarios/us_china_2025.yaml --runs N --compress` on all cores (N = 10^6 by
   default): wall time, runs/s, peak resident memory of the main process and of the largest
   worker (required: < 1 GB each), as the run's manifest records them;
2. the same through a `distributed.LocalCluster(n_workers=2, processes=True)` (skipped
   without the `dist` extra, or with --no-dask): the workers' peak is asked of each worker;
3. with --ten-million: step 1 with 10^7 runs (hours on a busy 2-core machine).

Each run is a fresh `python -m sim` process, so its peak memory is its own; the result
folders go to a temporary directory, deleted afterwards.

Usage: python benchmarks/bench_scale.py [--runs 1000000] [--no-dask] [--ten-million]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = str(ROOT / "scenarios" / "us_china_2025.yaml")


def run(runs: int, *options: str) -> dict:
    """Run ``runs`` runs in a fresh process; return its manifest's stats and file sizes."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        argv = [sys.executable, "-m", "sim", "run", SCENARIO, "--runs", str(runs), "--compress",
                "--quiet", "--out", str(out), *options]  # fmt: skip
        subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL)
        manifest = json.loads((out / "manifest.json").read_text())
    return {**manifest["stats"], "bytes": sum(manifest["sizes"].values())}


def show(label: str, stats: dict) -> None:
    worker = stats["worker_peak_memory_mb"]
    print(f"{label}: {stats['runs']:,} runs in {stats['wall_time_s']:,.0f} s "
          f"({stats['runs_per_s']:,.0f} runs/s, {stats['workers']} workers); peak memory "
          f"{stats['peak_memory_mb']:,.0f} MB main, {worker:,.0f} MB largest worker; "
          f"{stats['bytes'] / 1e6:,.0f} MB written (required: < 1 GB memory each)")  # fmt: skip


def on_dask(runs: int) -> dict | None:
    """Step 2: a LocalCluster of two worker processes; None without Dask."""
    try:
        import distributed
    except ImportError:
        return None
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:  # fmt: skip
        stats = run(runs, "--scheduler", cluster.scheduler_address)
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return {**stats, "worker_peak_memory_mb": max(peaks.values())}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10**6)
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--ten-million", action="store_true")
    args = parser.parse_args()
    show("local pool", run(args.runs))
    dask = None if args.no_dask else on_dask(args.runs)
    if dask is not None:
        show("Dask LocalCluster(2 processes)", dask)
    if args.ten_million:
        show("local pool, 10^7 runs", run(10**7))
