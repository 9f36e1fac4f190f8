"""Speed of `tradewar calibrate` against `tradewar run`, in one process run.

1. `tradewar run` of us_china_2025 with as many runs as the calibration: runs/s;
2. `tradewar calibrate` of us_china_2025 against its targets (SMC, the default particles and
   replicates, ``--budget`` runs): runs/s, the ratio to (1) (wanted: >= 0.7), and wall time.

Usage: python benchmarks/bench_calibrate.py [--budget 40000] [--workers K]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
import time
from pathlib import Path

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = str(ROOT / "scenarios" / "us_china_2025.yaml")
TARGETS = str(ROOT / "scenarios" / "targets" / "us_china_2025.yaml")


def timed(argv: list[str]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = main([*argv, "--out", str(Path(tmp) / "out")])
        elapsed = time.perf_counter() - start
    assert code == 0, argv
    return elapsed


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=40_000)
    parser.add_argument("--workers", default=None)
    args = parser.parse_args()
    workers = ["--workers", args.workers] if args.workers else []
    single = args.budget / timed(["run", SCENARIO, "--runs", str(args.budget), "--quiet",
                                  *workers])  # fmt: skip
    wall = timed(["calibrate", SCENARIO, "--targets", TARGETS, "--budget", str(args.budget),
                  *workers])  # fmt: skip
    print(f"tradewar run,       {args.budget:,} runs: {single:10,.0f} runs/s")
    print(f"tradewar calibrate, {args.budget:,} runs: {args.budget / wall:10,.0f} runs/s, "
          f"{wall:.0f} s wall")  # fmt: skip
    print(f"calibrate / run throughput: {args.budget / wall / single:.2f}   (wanted: >= 0.7)")
