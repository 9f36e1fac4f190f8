"""Figures of a sweep's trajectories.csv (``sweep --trajectories``), readable for any number of
points.

``trajectories.png``: every point's weekly median tariff as a thin line, one panel per ordered
pair, coloured by the swept key whose rank correlation with the ranking outcome is strongest.
``fans.png``: fan charts (median and 10-90% band) of at most :data:`MAX_FANS` points (every
pair in one panel), or for more than two countries :data:`SPLIT_FANS` points (a panel per pair
and point): the lowest, the highest and evenly spaced ranks between them of the ranking
outcome (the first ``--outcome``, else the first pair's mean final tariff).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from sim import columns as C

MAX_FANS = 6
SPLIT_FANS = 3  # points drawn when each pair gets its own panels (more than two countries)
LOW, MEDIAN, HIGH = C.TRAJECTORY_TARIFF  # the band's edges and the median


def _series(results) -> tuple | None:
    """(points table, {point: rows}, {point: dates}, pairs) of a sweep with trajectories, else
    None. Each point has its own dates: a swept horizon gives points of different lengths."""
    from sim.sweepplots import _ok  # sweepplots lists this module's figures

    table, points = results.tables.get("trajectories"), _ok(results)
    if table is None or len(table) == 0 or points is None or len(points) == 0:
        return None
    names = results.layout.names
    pairs = [(a, b) for a in names for b in names if a != b]
    number = np.asarray(table[C.POINT.name()])
    rows = {int(p): table[number == p] for p in np.unique(number)}
    points = points[np.isin(points[C.POINT.name()], list(rows))]
    dates = {p: np.array([dt.date.fromisoformat(d) for d in r[C.DATE.name()].astype(str)])
             for p, r in rows.items()}  # fmt: skip
    return points, rows, dates, pairs


def ranking_outcome(results, chosen: list[str] | None) -> str:
    """The outcome points are ranked (and chosen) by: the first chosen, else the first pair's
    mean final tariff."""
    if chosen:
        return chosen[0]
    a, b = results.layout.names[:2]
    return C.MEAN_FINAL_TARIFF.name(i=a, j=b)


def colour_key(points, keys: list[str], outcome: str) -> str:
    """The swept key whose Spearman correlation with ``outcome`` is strongest (the first on a
    tie or when the outcome does not vary)."""
    y = np.asarray(points[outcome], float)
    ok = np.isfinite(y)

    def strength(key: str) -> float:
        x = np.asarray(points[key], float)[ok]
        rx, ry = np.argsort(np.argsort(x)), np.argsort(np.argsort(y[ok]))
        if len(x) < 3 or rx.std() == 0 or ry.std() == 0:
            return 0.0
        return abs(float(np.corrcoef(rx, ry)[0, 1]))

    return max(keys, key=lambda k: (strength(k), -keys.index(k)))


def trajectory_lines(plt, results, chosen=None):
    """All points' median tariffs, one thin line each, coloured by a swept key."""
    parts = _series(results)
    if parts is None:
        return None
    from matplotlib.collections import LineCollection
    from matplotlib.dates import date2num

    from sim.sweepplots import _grid

    points, rows, dates, pairs = parts
    outcome = ranking_outcome(results, chosen)
    key = colour_key(points, list(results.params), outcome)
    value = dict(zip(points[C.POINT.name()].tolist(), np.asarray(points[key], float), strict=True))
    fig, axes = _grid(plt, len(pairs), f"Median tariff of each of {len(rows)} points, week by "
                      f"week, coloured by {key}", width=5.2, height=3.6)  # fmt: skip
    x = {p: date2num(d) for p, d in dates.items()}
    top = max(float(np.nanmax(r[MEDIAN.name(i=a, j=b)])) for r in rows.values() for a, b in pairs)
    lo, hi = min(value.values()), max(value.values())
    norm = plt.Normalize(lo, hi if hi > lo else lo + 1)
    for ax, (a, b) in zip(axes, pairs, strict=True):
        name = MEDIAN.name(i=a, j=b)
        lines = [np.column_stack([x[p], r[name]]) for p, r in rows.items()]
        collection = LineCollection(lines, cmap="viridis", norm=norm, linewidths=0.8, alpha=0.8)
        collection.set_array(np.array([value[p] for p in rows]))
        ax.add_collection(collection)
        ax.autoscale()
        ax.set_ylim(0, 1.05 * top if top > 0 else 1.0)  # one scale for every pair
        ax.xaxis_date()
        ax.tick_params(axis="x", labelrotation=30, labelsize="small")
        ax.set_title(f"Tariff levied by {a} on goods from {b}", fontsize="medium")
        ax.set_ylabel("median over the point's runs (%)", fontsize="small")
    bar = fig.colorbar(collection, ax=axes, shrink=0.9)
    bar.set_label(key)
    return fig


def chosen_points(points, outcome: str, most: int = MAX_FANS) -> list[tuple[int, str]]:
    """(point, label) of at most ``most`` points, the lowest to the highest of ``outcome``."""
    y = np.asarray(points[outcome], float)
    ok = np.flatnonzero(np.isfinite(y))
    if len(ok) == 0:
        return []
    order = ok[np.argsort(y[ok], kind="stable")]
    picks = list(dict.fromkeys(np.round(np.linspace(0, len(order) - 1, min(most, len(order))))
                               .astype(int).tolist()))  # fmt: skip
    out = []
    for rank in picks:
        label = ("lowest" if rank == 0 else "highest" if rank == len(order) - 1
                 else f"rank {rank + 1} of {len(order)}")  # fmt: skip
        out.append((int(points[C.POINT.name()][order[rank]]), label))
    return out


def trajectory_fans(plt, results, chosen=None):
    """Fan charts of a few points chosen along the ranking outcome: every pair in one panel
    per point for two countries; with more, one panel per pair and point (a row per pair, a
    column per point), since overlapping fans of many pairs hide each other."""
    parts = _series(results)
    if parts is None:
        return None
    from sim.sweepplots import _grid

    points, rows, dates, pairs = parts
    outcome = ranking_outcome(results, chosen)
    apart = len(pairs) > 2
    picks = chosen_points(points, outcome, SPLIT_FANS if apart else MAX_FANS)
    if not picks:
        return None
    panels = ([(p, label, [pair]) for pair in pairs for p, label in picks] if apart
              else [(p, label, pairs) for p, label in picks])  # fmt: skip
    by_point = {int(p): k for k, p in enumerate(points[C.POINT.name()])}
    fig, axes = _grid(plt, len(panels), f"Tariff fans (median, 10-90% of runs) of {len(picks)} "
                      f"of {len(rows)} points, by {outcome}", width=4.6,
                      height=2.8 if apart else 3.4)  # fmt: skip
    top = max(float(np.nanmax(r[HIGH.name(i=a, j=b)])) for r in rows.values() for a, b in pairs)
    for ax, (p, label, drawn) in zip(axes, panels, strict=True):
        row, data = points[by_point[p]], rows[p]
        for a, b in drawn:
            colour = f"C{pairs.index((a, b)) % 10}"
            ax.fill_between(dates[p], data[LOW.name(i=a, j=b)], data[HIGH.name(i=a, j=b)],
                            color=colour, alpha=0.2)  # fmt: skip
            ax.plot(dates[p], data[MEDIAN.name(i=a, j=b)], color=colour, lw=1.6,
                    label=f"{a} on {b}")  # fmt: skip
        values = ", ".join(f"{key.split('.', 1)[-1]}={float(row[key]):.3g}"
                           for key in results.params)  # fmt: skip
        head = f"{drawn[0][0]} on {drawn[0][1]}, " if apart else ""
        ax.set_title(f"{head}point {p}: {label}, {outcome} {float(row[outcome]):.3g}\n{values}",
                     fontsize="small")  # fmt: skip
        ax.set_ylim(0, 1.05 * top if top > 0 else 1.0)
        ax.tick_params(axis="x", labelrotation=30, labelsize="x-small")
        ax.set_ylabel("tariff (%)", fontsize="small")
    if not apart:
        axes[0].legend(fontsize="x-small", loc="upper right")
    return fig
