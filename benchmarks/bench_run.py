"""Speed of `tradewar run`: the vectorised ensemble against one replicate per model instance.

Prints ratios measured in one process run (these machines are noisy, so compare within a run):

1. runs/s of us_china_2025 in blocks of 1000 replicates, one core, 10,000 runs;
2. runs/s of the same model one replicate per Mesa model instance (what `mesa.batch_run`
   does per run, minus its data collection), on a sample of runs;
3. wall time of the full command, 100,000 runs with all cores, CSVs written.

Usage: python benchmarks/bench_run.py [--runs 10000] [--baseline-runs 300] [--big 100000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sim.cli import main
from sim.model import TradeWarModel
from sim.runner import block_seed, run_blocks
from sim.scenario import load

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "us_china_2025.yaml"


def vectorised(runs: int) -> float:
    scenario = load(SCENARIO, [f"runs={runs}"])
    start = time.perf_counter()
    done = sum(r.size for r in run_blocks(scenario, workers=1))
    return done / (time.perf_counter() - start)


def one_per_instance(runs: int) -> float:
    scenario = load(SCENARIO)
    start = time.perf_counter()
    for k in range(runs):
        TradeWarModel(scenario, 1, block_seed(scenario.seed, k)).simulate().outcomes()
    return runs / (time.perf_counter() - start)


def end_to_end(runs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        code = main(["run", str(SCENARIO), "--runs", str(runs), "--quiet",
                     "--out", str(Path(tmp) / "out")])  # fmt: skip
        elapsed = time.perf_counter() - start
    assert code == 0
    return elapsed


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--baseline-runs", type=int, default=300)
    parser.add_argument("--big", type=int, default=100_000)
    args = parser.parse_args()
    fast = vectorised(args.runs)
    slow = one_per_instance(args.baseline_runs)
    print(f"vectorised blocks (1 core):     {fast:12,.0f} runs/s  ({args.runs} runs)")
    print(f"one replicate per instance:     {slow:12,.0f} runs/s  ({args.baseline_runs} runs)")
    print(f"speed-up per run:               {fast / slow:12,.1f} x   (required: >= 50 x)")
    wall = end_to_end(args.big)
    print(f"tradewar run, {args.big:,} runs, all cores, CSVs written: {wall:.1f} s "
          f"(required: < 60 s)")  # fmt: skip
