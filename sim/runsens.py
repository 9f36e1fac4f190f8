"""``tradewar sensitivity DIR --outcome NAME``: moment-independent sensitivity from plain runs.

A run folder whose scenario draws parameters from distributions holds every run's draws in
runs.csv. For each drawn parameter, PAWN (Pianosi and Wagener 2015; SALib's
``analyze.pawn``) compares the outcome's distribution within each of 10 slices of the
parameter's values with its distribution over all runs (Kolmogorov-Smirnov distance) and
reports the median over slices: 0 when the parameter does not change the outcome's
distribution, up to 1. It needs no variance, so it works for skewed, two-valued and
categorical outcomes (a categorical outcome such as ``first_approacher`` gets one row per
label, for the indicator "the outcome is that label").

Intervals: a seeded bootstrap over runs (percentile, 95%). Resampled runs repeat, which
inflates KS distances, so the intervals sit above the estimate; and a finite sample gives even
an irrelevant parameter a positive value. A dummy parameter (independent uniform draws, with
the same biases) shows that floor: a parameter whose row overlaps the dummy's is
indistinguishable from no effect.
"""

from __future__ import annotations

import json

import numpy as np

from sim import columns as C
from sim.reading import load
from sim.results import OutputError
from sim.salib import module

SLICES = 10
RESAMPLES = 100
DUMMY = "(dummy: no effect)"
RUNS_KEY = 0x5E25  # spawn key of this command's bootstrap stream


def _pawn(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    pawn = module("analyze.pawn")
    d = x.shape[1]
    problem = {"num_vars": d, "names": [f"x{k}" for k in range(d)], "bounds": [[0, 1]] * d}
    return np.asarray(pawn.analyze(problem, x, y, S=SLICES)["median"], float)


def targets(runs, name: str) -> dict[str, np.ndarray]:
    """The outcome as numbers: itself, or one indicator per label of a categorical one."""
    column = np.asarray(runs[name])
    if column.dtype.kind in "UO":
        labels = [str(v) for v in dict.fromkeys(column.astype(str)) if str(v)]
        return {f"{name} == {label!r}": (column.astype(str) == label).astype(float)
                for label in labels}  # fmt: skip
    return {name: np.asarray(column, float)}


def analyse(folder, outcomes: list[str], allow_code: bool = False) -> dict:
    """PAWN indices with bootstrap intervals of each drawn parameter on each outcome."""
    results = load(folder, pandas=False, allow_code=allow_code)
    runs = results.tables.get("runs")
    if results.kind != "run" or runs is None or len(runs) == 0:
        raise OutputError(f"{results.folder}: sensitivity takes a run folder with finished runs")
    params = list(results.layout.keys)
    if not params:
        raise OutputError(f"{results.folder}: no parameter is drawn from a distribution; "
                          "sensitivity from runs needs drawn parameters")  # fmt: skip
    known = [n for n in runs.dtype.names if n not in (C.RUN.name(), *params)]
    for name in outcomes:
        if name not in known:
            raise OutputError(f"{results.folder}: no outcome {name!r} in runs.csv (one of "
                              f"{', '.join(known)})")  # fmt: skip
    seed = int((results.manifest or {}).get("seed", 0))
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(RUNS_KEY,)))
    x = np.column_stack([*(np.asarray(runs[p], float) for p in params), rng.random(len(runs))])
    out = {"folder": str(results.folder), "runs": len(runs), "method": "PAWN (median KS)",
           "outcomes": {}}  # fmt: skip
    for name in outcomes:
        for label, y in targets(runs, name).items():
            out["outcomes"][label] = _one(x, y, [*params, DUMMY], rng)
    return out


def _one(x: np.ndarray, y: np.ndarray, keys: list[str], rng) -> dict:
    ok = np.isfinite(y)
    if ok.sum() < 2 * SLICES:
        return {"note": f"only {int(ok.sum())} runs have a value: too few", "rows": {}}
    x, y = x[ok], y[ok]
    if np.ptp(y) == 0:
        return {"note": "does not vary across these runs", "rows": {}}
    point = _pawn(x, y)
    boot = np.array([_pawn(x[i], y[i]) for i in rng.integers(0, len(y), (RESAMPLES, len(y)))])
    low, high = np.nanpercentile(boot, [2.5, 97.5], axis=0)
    rows = {k: [float(point[j]), float(low[j]), float(high[j])] for j, k in enumerate(keys)}
    return {"note": "" if ok.all() else f"among the {int(ok.sum())} runs with a value",
            "rows": rows}  # fmt: skip


def sensitivity_text(folder, outcomes: list[str], fmt: str = "table",
                     allow_code: bool = False) -> str:  # fmt: skip
    data = analyse(folder, outcomes, allow_code)
    if fmt == "json":
        return json.dumps(data, indent=2)
    lines = [f"{data['runs']} runs; PAWN index (median Kolmogorov-Smirnov distance over "
             f"{SLICES} slices of the parameter) [95% bootstrap interval, {RESAMPLES} "
             "resamples]; the dummy row is the level of no effect"]  # fmt: skip
    for label, result in data["outcomes"].items():
        if not result["rows"]:
            lines.append(f"  {label}: {result['note']}")
            continue
        note = f" ({result['note']})" if result["note"] else ""
        lines.append(f"  {label}{note}:")
        ranked = sorted(result["rows"].items(), key=lambda kv: -kv[1][0])
        for key, (v, lo, hi) in ranked:
            lines.append(f"    {key:<40} {v:.3f}  [{lo:.3f}, {hi:.3f}]")
    return "\n".join(lines)
