"""``tradewar plot DIR``: figures from a result folder's CSVs (matplotlib, the ``plot`` extra).

Run folders get a tariff fan chart per ordered pair, first-approach timing, status shares over
time and, when steps.csv is there, each country's pressure by channel. Sweep folders get each
outcome against a swept parameter (one parameter), a heatmap (two), panels per parameter
(more), and the Sobol' indices with their intervals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import numpy as np

from sim import columns as C
from sim.extras import require
from sim.results import OutputError, load, writing

STATUS_COLORS = {"conflict": "#c0392b", "scheduled": "#f39c12", "talks": "#2980b9",
                 "truce": "#27ae60"}  # fmt: skip


class PlotError(OutputError):
    """Plots cannot be made (matplotlib is missing)."""


def require_matplotlib():
    """matplotlib, or PlotError with the install hint (``run --plot`` asks before running)."""
    try:
        return require("matplotlib", "plot", "plots need matplotlib")
    except OutputError as exc:
        raise PlotError(str(exc)) from None


def _pyplot():
    matplotlib = require_matplotlib()
    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    return plt


def plot_folder(folder, out=None, warn=None, allow_code: bool = False) -> list[Path]:
    """Write the folder's figures as PNG files to ``out`` (default DIR/plots); their paths.

    Figures of an incomplete folder carry a red ``INCOMPLETE`` banner, and ``warn`` (if given)
    is called with the reason.
    """
    plt = _pyplot()
    from sim import calibration_plots

    if calibration_plots.is_calibration(folder):
        return _save_all(plt, calibration_plots.FIGURES, Path(folder), out)
    results = load(folder, pandas=False, allow_code=allow_code)
    if not results.complete and warn is not None:
        warn(f"{results.folder}: incomplete ({results.problem}); its figures say so")
    out = Path(out) if out is not None else Path(folder) / "plots"
    with writing(out / "plots"):  # a file in the way, a read-only place
        out.mkdir(parents=True, exist_ok=True)
    makers = SWEEP_FIGURES if results.kind == "sweep" else RUN_FIGURES
    written = []
    for name, maker in makers:
        fig = maker(plt, results)
        if fig is None:
            continue
        if not results.complete:
            _banner(fig, results.problem)
        path = out / f"{name}.png"
        try:
            with writing(path):
                fig.savefig(path, dpi=110, bbox_inches="tight")
        finally:
            plt.close(fig)
        written.append(path)
    return written


def _save_all(plt, makers, folder: Path, out) -> list[Path]:
    out = Path(out) if out is not None else folder / "plots"
    with writing(out / "plots"):
        out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, maker in makers:
        fig = maker(plt, folder)
        path = out / f"{name}.png"
        try:
            with writing(path):
                fig.savefig(path, dpi=110, bbox_inches="tight")
        finally:
            plt.close(fig)
        written.append(path)
    return written


def _banner(fig, problem: str) -> None:
    text = f"INCOMPLETE: {problem}"
    text = text if len(text) <= 110 else text[:107] + "..."
    fig.text(0.5, 1.0, text, ha="center", va="bottom", color="white", fontweight="bold",
             bbox={"facecolor": "#c0392b", "edgecolor": "#c0392b", "pad": 6})  # fmt: skip


# --------------------------------------------------------------------------- run folders


def _dates(table) -> np.ndarray:
    return np.array([dt.date.fromisoformat(d) for d in table["date"].astype(str)])


def _rows(summary, country: str, quantity: str):
    return summary[(summary["country"] == country) & (summary["quantity"] == quantity)]


def _by_week(rows, weeks: np.ndarray) -> np.ndarray:
    """A summary quantity's means on ``weeks`` (NaN where a week has no row)."""
    out = np.full(len(weeks), np.nan)
    out[np.searchsorted(weeks, rows["week"])] = rows["mean"]
    return out


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if len(values) else float("nan")


def tariff_fans(plt, results):
    summary = results.tables.get("summary")
    if summary is None or len(summary) == 0:
        return None
    names = results.layout.names
    pairs = [(a, b) for a in names for b in names if a != b]
    fig, axes = plt.subplots(1, len(pairs), figsize=(5.5 * len(pairs), 4), squeeze=False,
                             sharey=True)  # fmt: skip
    for ax, (country, partner) in zip(axes[0], pairs, strict=True):
        rows = _rows(summary, country, C.TARIFF_ON.name(j=partner))
        dates = _dates(rows)
        ax.fill_between(dates, rows["p5"], rows["p95"], alpha=0.2, color="C0", label="90% of runs")
        ax.fill_between(dates, rows["p25"], rows["p75"], alpha=0.4, color="C0", label="50% of runs")
        ax.plot(dates, rows["p50"], color="C0", lw=2, label="median")
        ax.set_title(f"Tariff levied by {country} on goods from {partner}")
        ax.set_ylabel("additional tariff (%)")
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper right")
        fig.autofmt_xdate()
    return fig


def first_approach(plt, results):
    runs = results.tables.get("runs")
    if runs is None or len(runs) == 0:
        return None
    who = runs[C.FIRST_APPROACHER.name()]
    weeks = runs[C.FIRST_APPROACH_WEEK.name()]
    labels = [x for x in results.layout.labels() if x != C.NONE and np.any(who == x)]
    top = int(np.nanmax(np.r_[weeks, 0])) + 1
    bins = np.arange(top + 1) - 0.5
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.hist([weeks[who == label] for label in labels], bins=bins, stacked=True,
            label=[f"{label} ({np.mean(who == label):.0%})" for label in labels])  # fmt: skip
    none = np.mean(who == C.NONE)
    ax.set_title(f"Who asks for talks first, and when ({len(who)} runs; no approach: {none:.0%})")
    ax.set_xlabel("week of the first approach (0 = start date)")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("runs")
    ax.legend(title="first approacher")
    return fig


def status_shares(plt, results):
    summary = results.tables.get("summary")
    if summary is None or len(summary) == 0:
        return None
    countries = list(results.layout.names)
    start = results.start
    # with two countries both see the same relationship: one panel says it all
    shown = countries[:1] if len(countries) == 2 else countries
    fig, axes = plt.subplots(1, len(shown), figsize=(7 * len(shown), 4), squeeze=False)
    for ax, country in zip(axes[0], shown, strict=True):
        weeks = np.unique(summary["week"])
        dates = [start + dt.timedelta(weeks=int(w)) for w in weeks]
        shares = [_by_week(_rows(summary, country, C.SHARE.name(status=s)), weeks)
                  for s in STATUS_COLORS]  # fmt: skip
        ax.stackplot(dates, *shares, labels=list(STATUS_COLORS),
                     colors=list(STATUS_COLORS.values()))  # fmt: skip
        whose = " and ".join(countries) if len(countries) == 2 else country
        ax.set_title(f"Status of {whose}'s relations, share of runs")
        ax.set_ylabel("share of runs")
        ax.set_ylim(0, 1)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
        fig.autofmt_xdate()
    return fig


def pressure_channels(plt, results):
    steps = results.tables.get("steps")
    if steps is None or len(steps) == 0:
        return None
    lay = results.layout
    channels = dict(zip(C.names((C.CHANNEL,), lay), lay.pressures, strict=True))
    countries = list(lay.names)
    fig, axes = plt.subplots(1, len(countries), figsize=(6.5 * len(countries), 4.2),
                             squeeze=False, sharey=True)  # fmt: skip
    weeks = np.unique(steps["week"])
    for ax, country in zip(axes[0], countries, strict=True):
        mine = steps[steps["country"] == country]
        used = [c for c in channels if np.any(np.isfinite(mine[c]))]
        means = [[_mean(mine[c][mine["week"] == w]) for w in weeks] for c in used]
        ax.stackplot(weeks, *means, labels=[channels[c] for c in used])
        ax.set_title(f"{country}: mean pressure by channel")
        ax.set_xlabel("week")
        ax.set_ylabel("pressure (weighted contribution)")
        ax.legend(loc="upper left", fontsize="small")
    return fig


RUN_FIGURES = [("tariffs", tariff_fans), ("first_approach", first_approach),
               ("status", status_shares), ("pressure_channels", pressure_channels)]  # fmt: skip


# --------------------------------------------------------------------------- sweep folders


def _sweep_parts(results):
    points = results.tables.get("points")
    if points is None or len(points) == 0:
        return None, [], []
    params = list(results.params)
    ok = points[(points[C.ERROR.name()] == "") & np.isfinite(points[C.P_DEAL.name()])]
    lay = replace(results.layout, keys=results.params)
    outcomes = [n for n in C.estimates((C.P_FIRST, C.P_DEAL), lay)
                if n != C.P_FIRST.name(label=C.NONE)]  # fmt: skip
    return ok, params, outcomes


def outcomes_vs_parameter(plt, results):
    points, params, outcomes = _sweep_parts(results)
    if points is None or len(params) != 1:
        return None
    key = params[0]
    order = np.argsort(points[key], kind="stable")
    x = points[key][order]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for k, name in enumerate(outcomes):
        ax.plot(x, points[name][order], marker="o", ms=3, color=f"C{k}", label=name)
        ax.fill_between(x, points[f"{name}_low"][order], points[f"{name}_high"][order],
                        color=f"C{k}", alpha=0.2)  # fmt: skip
    ax.set_title(f"Outcomes against {key} (bands: 95% intervals)")
    ax.set_xlabel(key)
    ax.set_ylabel("probability")
    ax.set_ylim(0, 1)
    ax.legend()
    return fig


def heatmaps(plt, results):
    points, params, outcomes = _sweep_parts(results)
    if points is None or len(params) != 2:
        return None
    shown = outcomes[:1] + [C.P_DEAL.name()]
    fig, axes = plt.subplots(1, len(shown), figsize=(6.5 * len(shown), 5), squeeze=False)
    x, y = points[params[0]], points[params[1]]
    for ax, name in zip(axes[0], shown, strict=True):
        filled = _filled(ax, x, y, points[name])
        ax.plot(x, y, "k.", ms=3, alpha=0.5)
        fig.colorbar(filled, ax=ax, label=name)
        ax.set_title(f"{name} across the design points")
        ax.set_xlabel(params[0])
        ax.set_ylabel(params[1])
    return fig


def _filled(ax, x, y, z):
    """Filled contours of z over the design points; a scatter where they cannot be drawn."""
    if len(x) >= 3 and np.ptp(x) > 0 and np.ptp(y) > 0 and np.all(np.isfinite(z)):
        levels = np.linspace(0, 1, 11)
        levels[-1] += 1e-9  # a share of exactly 1 belongs in the top band
        try:
            return ax.tricontourf(x, y, z, levels=levels, cmap="viridis")
        except (ValueError, RuntimeError):  # points on a line: no triangulation
            pass
    return ax.scatter(x, y, c=z, vmin=0, vmax=1, cmap="viridis")


def marginals(plt, results):
    points, params, outcomes = _sweep_parts(results)
    if points is None or len(params) < 3:
        return None
    fig, axes = plt.subplots(1, len(params), figsize=(4.5 * len(params), 4), squeeze=False,
                             sharey=True)  # fmt: skip
    for ax, key in zip(axes[0], params, strict=True):
        for k, name in enumerate(outcomes):
            ax.scatter(points[key], points[name], s=8, color=f"C{k}", alpha=0.6, label=name)
        ax.set_xlabel(key)
        ax.set_ylim(0, 1)
    axes[0][0].set_ylabel("probability")
    axes[0][-1].legend(fontsize="small")
    fig.suptitle("Outcomes at each design point, against each swept parameter")
    return fig


def sobol_bars(plt, results):
    sens = results.tables.get("sensitivity")
    if sens is None or len(sens) == 0:
        return None
    outcomes = list(dict.fromkeys(sens["outcome"].astype(str)))[:6]
    cols = min(3, len(outcomes))
    nrows = -(-len(outcomes) // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.6 * cols, 4.4 * nrows), squeeze=False,
                             sharey=True)  # fmt: skip
    for ax in axes.flat[len(outcomes) :]:
        ax.set_visible(False)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        rows = sens[sens["outcome"] == outcome]
        pos = np.arange(len(rows))
        for shift, kind, label in ((-0.2, "first_order", "first order"),
                                   (0.2, "total_order", "total")):  # fmt: skip
            value = rows[kind]
            err = np.abs(np.vstack([value - rows[f"{kind}_low"], rows[f"{kind}_high"] - value]))
            ax.bar(pos + shift, value, width=0.4, label=label,
                   yerr=np.nan_to_num(err), capsize=3)  # fmt: skip
        ax.set_xticks(pos, [p.split(".", 1)[-1] for p in rows["parameter"].astype(str)],
                      rotation=30, ha="right", fontsize="small")  # fmt: skip
        ax.set_title(outcome)
        ax.axhline(0, color="k", lw=0.5)
    for row in axes:
        row[0].set_ylabel("Sobol' index (95% bootstrap intervals)")
    axes[0][0].legend()
    fig.suptitle("Sensitivity: first-order and total Sobol' indices per outcome")
    fig.tight_layout()
    return fig


SWEEP_FIGURES = [("outcomes", outcomes_vs_parameter), ("heatmap", heatmaps),
                 ("marginals", marginals), ("sobol", sobol_bars)]  # fmt: skip
