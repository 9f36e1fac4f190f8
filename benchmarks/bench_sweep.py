"""Speed and memory of `tradewar sweep` against `tradewar run`, in one process run.

1. `tradewar run` of us_china_2025 with as many runs as the sweep, all cores: runs/s;
2. `tradewar sweep`: a 64-point Latin hypercube, 500 runs per point, all cores: runs/s,
   and the ratio to (1) (required: >= 0.8);
3. with --million: a 2000-point sweep of 500 runs (10^6 runs) and the peak resident memory
   of this process and of the largest worker (required: < 1 GB).

Usage: python benchmarks/bench_sweep.py [--points 64] [--runs-per-point 500] [--million]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from sim.cli import main

SCENARIO = str(Path(__file__).resolve().parents[1] / "scenarios" / "us_china_2025.yaml")
PARAMS = ["--param", "countries.US.pressures.markets.weight=0.1:0.7",
          "--param", "countries.CN.face_cost=0:0.5"]  # fmt: skip


def timed(argv: list[str]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        code = main([*argv, "--quiet", "--out", str(Path(tmp) / "out")])
        elapsed = time.perf_counter() - start
    assert code == 0, argv
    return elapsed


def peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=64)
    parser.add_argument("--runs-per-point", type=int, default=500)
    parser.add_argument("--million", action="store_true")
    args = parser.parse_args()
    total = args.points * args.runs_per_point
    single = total / timed(["run", SCENARIO, "--runs", str(total)])
    swept = total / timed(["sweep", SCENARIO, "--method", "lhs", "--points", str(args.points),
                           "--runs-per-point", str(args.runs_per_point), *PARAMS])  # fmt: skip
    print(f"tradewar run,   {total:,} runs:        {single:10,.0f} runs/s")
    print(f"tradewar sweep, {args.points} x {args.runs_per_point} runs: {swept:10,.0f} runs/s")
    print(f"sweep / run throughput:              {swept / single:10.2f}   (required: >= 0.8)")
    if args.million:
        wall = timed(["sweep", SCENARIO, "--method", "lhs", "--points", "2000",
                      "--runs-per-point", "500", *PARAMS])  # fmt: skip
        own, children = peak_mb()
        print(
            f"10^6-run sweep: {wall:.0f} s, {1e6 / wall:,.0f} runs/s; peak memory: "
            f"{own:.0f} MB main process, {children:.0f} MB largest worker (required: < 1 GB)"
        )
