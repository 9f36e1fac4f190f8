"""Speed of one block of `tradewar run` per core: runs/s per block size and where time goes.

Simulates whole blocks of us_china_2025 in this process (one core, no files, no pool) and
prints runs/s for each block size, then the top functions of a cProfile of the largest size.
Compare before and after a change by running this same script on both checkouts.

Usage: python benchmarks/bench_step.py [--sizes 100 1000 5000] [--runs 10000] [--top 25]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from pathlib import Path

from sim.runner import simulate_block
from sim.scenario import load

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "us_china_2025.yaml"


def runs_per_second(size: int, runs: int) -> float:
    """runs/s of whole blocks of ``size`` replicates, at least ``runs`` runs and two blocks."""
    blocks = max(2, -(-runs // size))
    scenario = load(SCENARIO, [f"runs={blocks * size}", f"block_size={size}"])
    simulate_block(scenario, 0)  # warm-up: imports, caches
    start = time.perf_counter()
    for b in range(1, blocks):
        simulate_block(scenario, b)
    return (blocks - 1) * size / (time.perf_counter() - start)


def profile(size: int, top: int) -> None:
    scenario = load(SCENARIO, [f"runs={2 * size}", f"block_size={size}"])
    simulate_block(scenario, 0)
    profiler = cProfile.Profile()
    profiler.runcall(simulate_block, scenario, 1)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    for size in args.sizes:
        print(f"block size {size:6,}: {runs_per_second(size, args.runs):10,.0f} runs/s (1 core)")
    if not args.no_profile:
        profile(max(args.sizes), args.top)
