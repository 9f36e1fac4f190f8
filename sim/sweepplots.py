"""Figures of a sweep folder: one small panel per outcome, so any number of outcomes reads.

Every outcome points.csv records can be drawn (``--outcome NAME``, repeatable; default all):
against the swept parameter (one parameter), as maps over two parameters (cells of a grid,
or binned means of a scattered design, which the title says), as binned means against each
parameter's quantiles (more parameters), and as Sobol' indices, where an outcome that does
not vary in the design is drawn as a note and a missing interval as no bar, never as a
zero-width one. A sweep run with ``--trajectories`` also gets the tariff trajectories of
:mod:`sim.trajectoryplots`.
"""

from __future__ import annotations

import numpy as np

from sim import columns as C
from sim.effects import binned_means
from sim.results import OutputError
from sim.trajectoryplots import trajectory_fans, trajectory_lines

COLS = 3
MAP_BINS = 8


def outcomes_of(results, chosen: list[str] | None) -> list[str]:
    """The estimates points.csv records, or ``chosen`` (refused by name if not recorded)."""
    points = results.tables["points"]
    fixed = {C.POINT.name(), C.POINT_RUNS.name(), C.ERROR.name(), *results.params}
    recorded = [n for n in points.dtype.names
                if n not in fixed and not n.endswith(("_low", "_high"))]  # fmt: skip
    for name in chosen or ():
        if name not in recorded:
            raise OutputError(f"{results.folder}: no outcome {name!r} in points.csv (one of "
                              f"{', '.join(recorded)})")  # fmt: skip
    return list(chosen) if chosen else recorded


def _title(ax, points, name: str) -> None:
    """The outcome's name and its spread across points: small panels autoscale, so a flat
    outcome would otherwise look as variable as any other."""
    y = np.asarray(points[name], float)
    sd = float(np.nanstd(y)) if np.any(np.isfinite(y)) else float("nan")
    ax.set_title(f"{name}\n(sd across points {sd:.3g})", fontsize="small")


def _grid(plt, count: int, title: str, width=4.2, height=3.4):
    cols = min(COLS, count)
    rows = -(-count // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False,
                             layout="constrained")  # fmt: skip
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    fig.suptitle(title)
    return fig, list(axes.flat[:count])


def sweep_parts(results) -> tuple:
    """The finished points, the swept keys and every outcome points.csv records (for the
    explorer); (None, [], []) when no point finished."""
    points = _ok(results)
    if points is None or len(points) == 0:
        return None, [], []
    return points, list(results.params), outcomes_of(results, None)


def _ok(results):
    points = results.tables.get("points")
    if points is None or len(points) == 0:
        return None
    return points[points[C.ERROR.name()] == ""]


def outcomes_vs_parameter(plt, results, chosen=None):
    points = _ok(results)
    if points is None or len(results.params) != 1:
        return None
    key = results.params[0]
    names = outcomes_of(results, chosen)
    order = np.argsort(points[key], kind="stable")
    x = points[key][order]
    fig, axes = _grid(plt, len(names), f"Outcomes against {key} (bands: 95% intervals)")
    for k, (ax, name) in enumerate(zip(axes, names, strict=True)):
        ax.plot(x, points[name][order], marker="o", ms=3, color=f"C{k % 10}")
        if f"{name}_low" in points.dtype.names:
            ax.fill_between(x, points[f"{name}_low"][order], points[f"{name}_high"][order],
                            color=f"C{k % 10}", alpha=0.2)  # fmt: skip
        _title(ax, points, name)
        ax.set_xlabel(key, fontsize="small")
    return fig


def _axis_bins(x: np.ndarray):
    """Bin edges and labels: one bin per value for few distinct values, else equal widths."""
    values = np.unique(x)
    if len(values) <= MAP_BINS:
        return values, np.searchsorted(values, x), True
    edges = np.linspace(values[0], values[-1], MAP_BINS + 1)
    index = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, MAP_BINS - 1)
    return (edges[:-1] + edges[1:]) / 2, index, False


def heatmaps(plt, results, chosen=None):
    points = _ok(results)
    if points is None or len(results.params) != 2:
        return None
    kx, ky = results.params
    names = outcomes_of(results, chosen)
    cx, ix, gx = _axis_bins(points[kx])
    cy, iy, gy = _axis_bins(points[ky])
    grid = gx and gy and len(points) == len(cx) * len(cy)
    how = (
        "each grid point"
        if grid
        else f"mean of the points in each cell (scattered design, {len(points)} points binned)"
    )
    fig, axes = _grid(plt, len(names), f"Outcomes over {kx} and {ky}: {how}; grey: no point",
                      width=4.6, height=3.8)  # fmt: skip
    for ax, name in zip(axes, names, strict=True):
        z = np.full((len(cy), len(cx)), np.nan)
        total, count = np.zeros_like(z), np.zeros_like(z)
        y = np.asarray(points[name], float)
        ok = np.isfinite(y)
        np.add.at(total, (iy[ok], ix[ok]), y[ok])
        np.add.at(count, (iy[ok], ix[ok]), 1)
        z[count > 0] = total[count > 0] / count[count > 0]
        ax.set_facecolor("#dddddd")
        image = ax.imshow(z, origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(cx)), [f"{v:.3g}" for v in cx], fontsize="x-small", rotation=45)
        ax.set_yticks(range(len(cy)), [f"{v:.3g}" for v in cy], fontsize="x-small")
        fig.colorbar(image, ax=ax)
        _title(ax, points, name)
        ax.set_xlabel(kx.split(".", 1)[-1], fontsize="small")
        ax.set_ylabel(ky.split(".", 1)[-1], fontsize="small")
    return fig


def marginals(plt, results, chosen=None):
    points = _ok(results)
    if points is None or len(results.params) < 3:
        return None
    names = outcomes_of(results, chosen)
    fig, axes = _grid(plt, len(names), "Each outcome's mean across each parameter's quantile "
                      "bins (the others averaged over)")  # fmt: skip
    for ax, name in zip(axes, names, strict=True):
        for k, key in enumerate(results.params):
            centres, means = binned_means(points[key], points[name])
            rank = (np.arange(len(means)) + 0.5) / max(len(means), 1)
            ax.plot(rank, means, marker="o", ms=3, color=f"C{k % 10}",
                    label=key.split(".", 1)[-1])  # fmt: skip
        _title(ax, points, name)
        ax.set_xlabel("parameter quantile", fontsize="small")
    axes[0].legend(fontsize="x-small")
    return fig


def sobol_bars(plt, results, chosen=None):
    sens = results.tables.get("sensitivity")
    if sens is None or len(sens) == 0:
        return None
    names = [n for n in dict.fromkeys(sens["outcome"].astype(str)) if not chosen or n in chosen]
    if not names:
        return None
    fig, axes = _grid(plt, len(names), "First-order and total Sobol' indices per outcome "
                      "(95% bootstrap intervals; none drawn where the bootstrap is degenerate)",
                      width=4.6, height=3.8)  # fmt: skip
    for ax, outcome in zip(axes, names, strict=True):
        rows = sens[sens["outcome"] == outcome]
        ax.set_title(f"{outcome}\n(sd across points {np.sqrt(rows['variance'][0]):.3g})",
                     fontsize="small")  # fmt: skip
        labels = [p.split(".", 1)[-1] for p in rows["parameter"].astype(str)]
        pos = np.arange(len(rows))
        ax.set_xticks(pos, labels, rotation=30, ha="right", fontsize="x-small")
        if str(rows["note"][0]):
            ax.text(0.5, 0.5, str(rows["note"][0]).replace(" (", "\n("), ha="center",
                    va="center", transform=ax.transAxes, fontsize="small", wrap=True)  # fmt: skip
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        for shift, kind, label in ((-0.2, "first_order", "first order"),
                                   (0.2, "total_order", "total")):  # fmt: skip
            value = rows[kind]
            ax.bar(pos + shift, value, width=0.4, label=label,
                   color="C0" if kind == "first_order" else "C1")  # fmt: skip
            low, high = rows[f"{kind}_low"], rows[f"{kind}_high"]
            has = np.isfinite(low) & np.isfinite(high)
            ax.errorbar((pos + shift)[has], value[has], yerr=np.vstack(
                [value[has] - low[has], high[has] - value[has]]).clip(0), linestyle=" ",
                ecolor="k", capsize=3)  # fmt: skip
            for x, v in zip((pos + shift)[~has], value[~has], strict=True):
                ax.annotate("no\ninterval", (x, v), ha="center", va="bottom", fontsize=6)
        ax.axhline(0, color="k", lw=0.5)
        ax.legend(fontsize="x-small")
    return fig


SWEEP_FIGURES = [("outcomes", outcomes_vs_parameter), ("heatmap", heatmaps),
                 ("marginals", marginals), ("sobol", sobol_bars),
                 ("trajectories", trajectory_lines), ("fans", trajectory_fans)]  # fmt: skip
