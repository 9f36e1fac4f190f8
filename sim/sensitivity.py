"""Sobol' sensitivity indices of a sweep's outcomes, with reproducible bootstrap intervals.

The design is Saltelli's (see :func:`sim.sweep.design`); the indices come from Saltelli's
(2010) estimators, as in ``scipy.stats.sobol_indices`` (which fails for a single parameter),
and their 95% intervals from a seeded BCa bootstrap of the same estimator, so a sweep's
sensitivity.csv is identical every time it is written.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from scipy import stats

from sim import columns as C
from sim.results import write_columns

DESIGN_KEY = 0x5EED  # spawn key of a sweep design's stream (and, below it, the bootstrap's)


def sensitivity(folder: Path, params, n: int, seed: int, columns: dict,
                outcome_names: list[str]) -> str:  # fmt: skip
    """First-order and total Sobol' indices with bootstrap intervals (Saltelli 2010), from
    per-point outcome estimates (replicates averaged at each point) of a Saltelli design of
    base size ``n``; writes sensitivity.csv and returns a ranking by total effect."""
    d = len(params)
    estimates = [o for o in outcome_names if not o.endswith(("_low", "_high"))]
    rows, ranking = {k: [] for k in SENS_COLUMNS}, []
    for name in estimates:
        y = columns[name]
        if not np.all(np.isfinite(y)) or np.ptp(y) == 0:
            continue  # undefined (no variance, or blank at some point)
        f = {"f_A": y[None, :n], "f_B": y[None, n:2 * n],
             "f_AB": y[2 * n:].reshape(d, 1, n)}  # fmt: skip
        first, total, ci = _indices(f, n, d, seed)
        for k, p in enumerate(params):
            values = (name, p.key, first[k], ci[0][k], ci[1][k], total[k], ci[2][k], ci[3][k])
            for col, v in zip(SENS_COLUMNS, values, strict=True):
                rows[col].append(v)
        order = np.argsort(-total)
        ranking.append(f"  {name}: " + " > ".join(
            f"{params[k].key} {total[k]:.2f}" for k in order))  # fmt: skip
    write_columns(folder / "sensitivity.csv", {k: np.array(v) for k, v in rows.items()})
    return "\n".join(ranking)


SENS_COLUMNS = tuple(C.names(C.SENSITIVITY, C.Layout(())))


def saltelli(f_A, f_B, f_AB):
    """First-order and total indices by Saltelli et al. (2010), Table 2 (b) and (f), over the
    last axis (samples), on outputs centred on the mean of A and B, as in
    ``scipy.stats.sobol_indices``."""
    both = np.concatenate([f_A, f_B], axis=-1)
    centre = both.mean(axis=-1, keepdims=True)
    f_A, f_B, f_AB = f_A - centre, f_B - centre, f_AB - centre
    var = np.var(both, axis=-1)
    first = np.mean(f_B * (f_AB - f_A), axis=-1) / var
    total = 0.5 * np.mean((f_A - f_AB) ** 2, axis=-1) / var
    return first, total


def _indices(f: dict, n: int, d: int, seed: int):
    """Indices by :func:`saltelli`, and 95% BCa intervals from a seeded bootstrap of it.

    scipy's ``SobolResult.bootstrap`` draws from numpy's global random state, so its
    intervals change from run to run; resampling the same estimator with our seed keeps a
    sweep's files reproducible. As in scipy, an index whose variance is zero is 0.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DESIGN_KEY, 1)))
    f_A, f_B, f_AB = f["f_A"][0], f["f_B"][0], f["f_AB"][:, 0, :]

    def statistic(idx, axis=-1):
        first, total = saltelli(f_A[idx], f_B[idx], f_AB[:, idx])
        return np.concatenate([first, total])

    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        # Degenerate bootstrap samples give NaN intervals, which is what we report.
        warnings.simplefilter("ignore", (RuntimeWarning, stats.DegenerateDataWarning))
        point = statistic(np.arange(n))
        boot = stats.bootstrap((np.arange(n),), statistic, vectorized=True, method="BCa",
                               n_resamples=999, confidence_level=0.95, rng=rng)  # fmt: skip
    point[~np.isfinite(point)] = 0
    low, high = boot.confidence_interval
    return point[:d], point[d:], (low[:d], high[:d], low[d:], high[d:])
