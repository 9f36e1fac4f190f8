"""Print the calibration figures of docs/calibration.md: each target beside the simulated
statistic and its 95% interval, and the headline shares of issue #11's item 6.

    python docs/calibration_figures.py [--runs 2000]

Simulates scenarios/us_china_2025.yaml with its own seed (one worker: the figures do not
depend on the number of workers) and evaluates scenarios/targets/us_china_2025.yaml.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from sim import targets
from sim.model import TradeWarModel
from sim.report import wilson
from sim.runner import block_seed
from sim.scenario import load

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "us_china_2025.yaml"
TARGETS = ROOT / "scenarios" / "targets" / "us_china_2025.yaml"


def simulate(runs: int) -> dict[str, np.ndarray]:
    """runs.csv columns of the first ``runs`` runs of the shipped scenario, in blocks."""
    scenario = load(SCENARIO, [f"runs={runs}"])
    parts = []
    for block, start in enumerate(range(0, runs, scenario.block_size)):
        size = min(scenario.block_size, runs - start)
        parts.append(TradeWarModel(scenario, size, block_seed(scenario.seed, block))
                     .simulate().outcomes())  # fmt: skip
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def shares(runs: dict[str, np.ndarray]) -> list[tuple[str, tuple[float, float, float]]]:
    """The headline shares that must be neither 0 nor 1 (issue #11, item 6)."""
    deal = ~np.isnan(runs["deal_week"])
    return [
        ("P(deal by horizon)", wilson(int(deal.sum()), deal.size)),
        ("P(first approach: CN)", wilson(int((runs["first_approacher"] == "CN").sum()), deal.size)),
        ("P(snap-back | deal)", wilson(int((runs["snapbacks"][deal] > 0).sum()), int(deal.sum()))),
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args(argv)
    runs = simulate(args.runs)
    print(f"{args.runs} runs of {SCENARIO.relative_to(ROOT)}")
    print(f"{'target':18} {'observed':>14} {'simulated [95% interval]':>30}  met")
    for t in targets.load(TARGETS, load(SCENARIO)):
        est = t.evaluate(runs)
        print(f"{t.name:18} {t.observed:>7g} ± {t.tolerance:<4g} {est[0]:>10.3g} "
              f"[{est[1]:.3g}, {est[2]:.3g}]{'':>6}{'yes' if t.met(est) else 'NO'}")  # fmt: skip
    for label, (p, lo, hi) in shares(runs):
        print(f"{label:24} {p:.3f} [{lo:.3f}, {hi:.3f}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
