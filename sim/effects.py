"""What a sweep's points say without a variance decomposition: per-parameter effects.

For any design (grid, Latin hypercube, random, Sobol'), a parameter's effect on an outcome is
read off the outcome's mean in each quantile bin of that parameter (averaging over the other
parameters): the range of those means. It is a screening summary, not an index: with few
points per bin it carries Monte Carlo and design noise, which :func:`effect_lines` shows next
to it as the outcome's spread.
"""

from __future__ import annotations

import numpy as np

BINS = 4  # quartiles


def binned_means(x: np.ndarray, y: np.ndarray, bins: int = BINS):
    """(bin centres, mean of y per bin) over the quantile bins of x; a parameter with few
    distinct values (a list) gets one bin per value. NaNs in y are left out."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(y)
    x, y = x[ok], y[ok]
    distinct = np.unique(x)
    if len(distinct) <= bins:
        return distinct, np.array([y[x == v].mean() for v in distinct])
    edges = np.quantile(x, np.linspace(0, 1, bins + 1))
    index = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, bins - 1)
    centres, means = [], []
    for b in range(bins):
        inside = index == b
        if inside.any():
            centres.append(x[inside].mean())
            means.append(y[inside].mean())
    return np.array(centres), np.array(means)


def effects(points, params: list[str], outcome: str) -> dict[str, float]:
    """Parameter -> range (max - min) of the outcome's binned means across its quantiles."""
    out = {}
    for key in params:
        _, means = binned_means(points[key], points[outcome])
        out[key] = float(np.ptp(means)) if len(means) else float("nan")
    return out


def effect_lines(points, params: list[str], outcomes: list[str], point_column: str) -> list[str]:
    """Per outcome: its spread, the parameters by effect, and the best and worst point."""
    lines = [f"per-parameter effect: range of the outcome's mean across each parameter's "
             f"{BINS} quantile bins (or listed values)"]  # fmt: skip
    for name in outcomes:
        y = np.asarray(points[name], float)
        if not np.any(np.isfinite(y)):
            lines.append(f"  {name}: blank at every point")
            continue
        eff = effects(points, params, name)
        ranked = sorted(eff, key=lambda k: -np.nan_to_num(eff[k], nan=-1))
        lo, hi = int(np.nanargmin(y)), int(np.nanargmax(y))
        lines.append(f"  {name}: {np.nanmin(y):.4g} to {np.nanmax(y):.4g} across points "
                     f"(sd {np.nanstd(y):.3g}); " + ", ".join(
                         f"{k} {eff[k]:.3g}" for k in ranked))  # fmt: skip
        lines.append(
            f"    highest at point {int(points[point_column][hi])} ("
            + _values(points, params, hi)
            + f"), lowest at point "
            f"{int(points[point_column][lo])} (" + _values(points, params, lo) + ")"
        )
    return lines


def _values(points, params: list[str], k: int) -> str:
    return ", ".join(f"{p}={float(points[p][k]):.4g}" for p in params)
