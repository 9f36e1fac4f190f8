"""Sobol' sensitivity indices of a sweep's outcomes, with reproducible bootstrap intervals.

The design is Saltelli's (see :func:`sim.sweep.design`); the indices come from Saltelli's
(2010) estimators, as in ``scipy.stats.sobol_indices`` (which fails for a single parameter,
and against which :func:`saltelli` is tested), and their 95% intervals from a seeded
percentile bootstrap of the same estimator, so a sweep's sensitivity.csv is identical every
time it is written.

An index is a share of the outcome's variance across design points. When that variance is no
larger than the Monte Carlo noise of a point's estimate (the mean squared standard error
implied by the points' 95% intervals) the shares would mostly apportion noise: an outcome
whose variance across points is at most twice that noise (at least half of it noise) gets no
indices, only a note saying it does not vary in this design.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from scipy import stats

from sim import columns as C
from sim.results import write_columns

DESIGN_KEY = 0x5EED  # spawn key of a sweep design's stream (and, below it, the bootstrap's)
Z95 = 1.959963984540054
FLAT = "does not vary in this design (variance across points at most twice its Monte Carlo noise)"
NOISE_FACTOR = 2.0
BLANK = "blank at some points (e.g. no run had one): no indices"
SENS_COLUMNS = tuple(C.names(C.SENSITIVITY, C.Layout(())))


def noise_variance(columns: dict, name: str) -> float:
    """Mean squared standard error of ``name``'s point estimates, from their 95% intervals
    (0 for an outcome recorded without one, e.g. a deterministic function)."""
    low, high = columns.get(f"{name}_low"), columns.get(f"{name}_high")
    if low is None or high is None:
        return 0.0
    se = (np.asarray(high, float) - np.asarray(low, float)) / (2 * Z95)
    return float(np.nanmean(se**2)) if np.any(np.isfinite(se)) else 0.0


def spread(columns: dict, name: str) -> tuple[float, float, str]:
    """``name``'s variance across points, its Monte Carlo noise, and the note that replaces its
    indices: blank values, or a spread within ``NOISE_FACTOR`` times the noise ("" otherwise)."""
    y = np.asarray(columns[name], dtype=float)
    variance = float(np.var(y, ddof=1)) if np.all(np.isfinite(y)) else float("nan")
    noise = noise_variance(columns, name)
    if not np.isfinite(variance):
        return variance, noise, BLANK
    return variance, noise, FLAT if variance <= NOISE_FACTOR * noise else ""


def sobol_table(columns: dict, names: list[str], keys: list[str], n: int, seed: int) -> dict:
    """sensitivity.csv's columns for the outcomes ``names`` of a Saltelli design of base size
    ``n`` over ``keys`` (``columns[name]``: one value per design point, in design order)."""
    d = len(keys)
    rows: dict[str, list] = {k: [] for k in SENS_COLUMNS}
    for name in names:
        y = np.asarray(columns[name], dtype=float)
        variance, noise, note = spread(columns, name)
        if note:
            first = total = np.full(d, np.nan)
            ci = (first,) * 4
        else:
            f = {"f_A": y[None, :n], "f_B": y[None, n:2 * n],
                 "f_AB": y[2 * n:].reshape(d, 1, n)}  # fmt: skip
            first, total, ci = _indices(f, n, d, seed)
        for k, key in enumerate(keys):
            values = (name, key, first[k], ci[0][k], ci[1][k], total[k], ci[2][k], ci[3][k],
                      variance, noise, note)  # fmt: skip
            for col, v in zip(SENS_COLUMNS, values, strict=True):
                rows[col].append(v)
    out = {k: np.array(v) for k, v in rows.items()}
    out[C.NOTE.name()] = np.array(rows[C.NOTE.name()], dtype=object).astype(str)
    return out


def sensitivity(folder: Path, params, n: int, seed: int, columns: dict,
                outcome_names: list[str]) -> str:  # fmt: skip
    """Indices of every outcome (replicates averaged at each point) of a Saltelli design of
    base size ``n``; writes sensitivity.csv and returns the ranking :func:`ranking` prints."""
    names = [o for o in outcome_names if not o.endswith(("_low", "_high"))]
    table = sobol_table(columns, names, [p.key for p in params], n, seed)
    write_columns(folder / "sensitivity.csv", table)
    return ranking(table)


def ranking(table, outcomes: list[str] | None = None) -> str:
    """One line per outcome: its spread across points, then the parameters by total index
    with 95% intervals, or why there are no indices."""
    lines = []
    names = list(dict.fromkeys(np.asarray(table[C.OUTCOME.name()]).astype(str)))
    for name in outcomes or names:
        rows = np.flatnonzero(np.asarray(table[C.OUTCOME.name()]).astype(str) == name)
        if not len(rows):
            continue
        sd = np.sqrt(float(table[C.VARIANCE.name()][rows[0]]))
        noise = np.sqrt(float(table[C.NOISE.name()][rows[0]]))
        note = str(table[C.NOTE.name()][rows[0]])
        head = f"  {name} (sd across points {sd:.3g}, noise {noise:.3g}): "
        if note:
            lines.append(head + note)
            continue
        total = np.asarray(table["total_order"], float)[rows]
        order = rows[np.argsort(-total, kind="stable")]
        lines.append(head + " > ".join(
            f"{table['parameter'][k]} {table['total_order'][k]:.2f} "
            f"{_interval(table['total_order_low'][k], table['total_order_high'][k])}"
            for k in order))  # fmt: skip
    return "\n".join(lines)


def _interval(low, high) -> str:
    if not (np.isfinite(low) and np.isfinite(high)):
        return "[no interval: degenerate bootstrap]"
    return f"[{low:.2f}, {high:.2f}]"


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
    """Indices by :func:`saltelli`, and 95% percentile intervals from a seeded bootstrap.

    scipy's ``SobolResult.bootstrap`` draws from numpy's global random state, so its
    intervals change from run to run; resampling the same estimator with our seed keeps a
    sweep's files reproducible. BCa intervals came out NaN on outcomes with few distinct
    values (its jackknife degenerates); percentile intervals only do so when resamples have
    no variance, and are then reported as missing, never as zero width.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DESIGN_KEY, 1)))
    f_A, f_B, f_AB = f["f_A"][0], f["f_B"][0], f["f_AB"][:, 0, :]

    def statistic(idx, axis=-1):
        first, total = saltelli(f_A[idx], f_B[idx], f_AB[:, idx])
        return np.concatenate([first, total])

    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", (RuntimeWarning, stats.DegenerateDataWarning))
        point = statistic(np.arange(n))
        boot = stats.bootstrap((np.arange(n),), statistic, vectorized=True,
                               method="percentile", n_resamples=999, confidence_level=0.95,
                               rng=rng)  # fmt: skip
    low, high = boot.confidence_interval
    return point[:d], point[d:], (low[:d], high[:d], low[d:], high[d:])
