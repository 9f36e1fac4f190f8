"""Speed of one block of `tradewar run` per core: runs/s per block size and where time goes.

Simulates whole blocks of us_china_2025 (one core, no files, no pool) and prints runs/s for
each block size, then the top functions of a cProfile of the largest size.

With ``--baseline REV [REV ...]`` each revision is exported to a temporary directory (``git
archive``) and timed beside this working tree in the same process run, since this machine is
noisy: one worker process per tree, asked in turn for the same blocks, round after round, and
the best of the rounds kept. It prints runs/s per tree and the ratio to each baseline.

Usage: python benchmarks/bench_step.py [--sizes 100 1000 5000] [--runs 10000] [--top 25]
       python benchmarks/bench_step.py --baseline 619d403 main [--rounds 3] [--no-profile]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

from revision import ROOT, exported, short

SCENARIO = ROOT / "scenarios" / "us_china_2025.yaml"

# A worker: answers each line "size runs" on stdin with the runs/s of blocks 1, 2, ... of that
# size (block 0 warms it up once), simulated with the code on its PYTHONPATH.
WORKER = """
import sys, time
from sim.runner import simulate_block
from sim.scenario import load
scenarios = {}
for line in sys.stdin:
    size, runs = map(int, line.split())
    blocks = max(2, -(-runs // size))
    if size not in scenarios:
        scenarios[size] = load(sys.argv[1], [f"runs={(blocks + 1) * size}", f"block_size={size}"])
        simulate_block(scenarios[size], 0)
    start = time.perf_counter()
    for b in range(1, blocks + 1):
        simulate_block(scenarios[size], b)
    print(blocks * size / (time.perf_counter() - start), flush=True)
"""


def runs_per_second(size: int, runs: int) -> float:
    """runs/s of whole blocks of ``size`` replicates, at least ``runs`` runs and two blocks."""
    from sim.runner import simulate_block
    from sim.scenario import load

    blocks = max(2, -(-runs // size))
    scenario = load(SCENARIO, [f"runs={blocks * size}", f"block_size={size}"])
    simulate_block(scenario, 0)  # warm-up: imports, caches
    start = time.perf_counter()
    for b in range(1, blocks):
        simulate_block(scenario, b)
    return (blocks - 1) * size / (time.perf_counter() - start)


def profile(size: int, top: int) -> None:
    from sim.runner import simulate_block
    from sim.scenario import load

    scenario = load(SCENARIO, [f"runs={2 * size}", f"block_size={size}"])
    simulate_block(scenario, 0)
    profiler = cProfile.Profile()
    profiler.runcall(simulate_block, scenario, 1)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


class Worker:
    """A Python process simulating blocks with the code in ``tree``."""

    def __init__(self, tree: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(tree)}
        self.proc = subprocess.Popen([sys.executable, "-c", WORKER, str(SCENARIO)], env=env,
                                     cwd=tree, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)  # fmt: skip

    def time(self, size: int, runs: int) -> float:
        self.proc.stdin.write(f"{size} {runs}\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def compare(baselines: list[str], sizes: list[int], runs: int, rounds: int) -> None:
    """Print runs/s of each baseline revision and of this tree, interleaved, best of rounds."""
    labels = [f"{rev} ({short(rev)})" for rev in baselines] + ["working tree"]
    with contextlib.ExitStack() as stack:
        trees = [stack.enter_context(exported(rev)) for rev in baselines] + [ROOT]
        workers = [Worker(tree) for tree in trees]
        for w in workers:
            stack.callback(w.close)
        best = {(k, s): 0.0 for k in range(len(trees)) for s in sizes}
        for n in range(rounds):
            # alternate the order so that neither side always runs first
            order = range(len(trees)) if n % 2 == 0 else reversed(range(len(trees)))
            for size in sizes:
                for k in order:
                    best[k, size] = max(best[k, size], workers[k].time(size, runs))
            print(f"round {n + 1}/{rounds} done", file=sys.stderr)
    load = os.getloadavg()
    print(f"runs/s on one core, best of {rounds} interleaved rounds, >= {runs:,} runs each; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")  # fmt: skip
    head = "".join(f" | {label:>22}" for label in labels)
    ratios = "".join(f" | {'x ' + short(rev):>10}" for rev in baselines)
    print(f"{'block size':>10}{head}{ratios}")
    for size in sizes:
        cells = "".join(f" | {best[k, size]:22,.0f}" for k in range(len(trees)))
        mine = best[len(trees) - 1, size]
        ratio = "".join(f" | {mine / best[k, size]:10.2f}" for k in range(len(baselines)))
        print(f"{size:10,}{cells}{ratio}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--baseline", nargs="+", metavar="REV", default=[],
                        help="git revisions to time beside the working tree")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=3, help="with --baseline: best of")
    args = parser.parse_args()
    if args.baseline:
        compare(args.baseline, args.sizes, args.runs, args.rounds)
    else:
        for size in args.sizes:
            speed = runs_per_second(size, args.runs)
            print(f"block size {size:6,}: {speed:10,.0f} runs/s (1 core)")
    if not args.no_profile:
        profile(max(args.sizes), args.top)
