"""``tradewar plot DIR``: figures from a result folder's CSVs (matplotlib, the ``plot`` extra).

Run folders get a tariff fan chart per ordered pair, first-approach timing, status shares over
time and, when steps.csv is there, each country's pressure by channel. Sweep folders get the
figures of :mod:`sim.sweepplots`.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import numpy as np

from sim import columns as C
from sim.extras import require
from sim.results import OutputError, load, writing

STATUS_COLORS = {"conflict": "#c0392b", "scheduled": "#f39c12", "talks": "#2980b9",
                 "truce": "#27ae60", "peace": "#7f8c8d"}  # fmt: skip


class PlotError(OutputError):
    """Plots cannot be made (matplotlib is missing)."""


def require_matplotlib():
    """matplotlib, or PlotError with the install hint (``run --plot`` asks before running)."""
    try:
        return require("matplotlib", "plot", "plots need matplotlib")
    except OutputError as exc:
        raise PlotError(str(exc)) from None


def pyplot():
    matplotlib = require_matplotlib()
    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    return plt


def plot_folder(folder, out=None, warn=None, allow_code: bool = False,
                outcomes: list[str] | None = None) -> list[Path]:  # fmt: skip
    """Write the folder's figures as PNG files to ``out`` (default DIR/plots); their paths.

    ``outcomes``: a sweep's outcomes to draw (default all it records; see ``sim.sweepplots``).

    Figures of an incomplete folder carry a red ``INCOMPLETE`` banner, and ``warn`` (if given)
    is called with the reason.
    """
    plt = pyplot()
    from sim import calibration_plots

    if calibration_plots.is_calibration(folder):
        return _save_all(plt, calibration_plots.FIGURES, Path(folder), out)
    results = load(folder, pandas=False, allow_code=allow_code)
    if not results.complete and warn is not None:
        warn(f"{results.folder}: incomplete ({results.problem}); its figures say so")
    out = Path(out) if out is not None else Path(folder) / "plots"
    with writing(out / "plots"):  # a file in the way, a read-only place
        out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, maker in figure_makers(results, outcomes):
        fig = maker(plt, results)
        if fig is None:
            continue
        if not results.complete:
            _banner(fig, results.problem)
        written.append(_save(plt, fig, out / f"{name}.png"))
    return written


def _save(plt, fig, path: Path) -> Path:
    """Write ``fig`` as a PNG (a failure names the file) and close it."""
    try:
        with writing(path):
            fig.savefig(path, dpi=110, bbox_inches="tight")
    finally:
        plt.close(fig)
    return path


def _save_all(plt, makers, folder: Path, out) -> list[Path]:
    out = Path(out) if out is not None else folder / "plots"
    with writing(out / "plots"):
        out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, maker in makers:
        fig = maker(plt, folder)
        written.append(_save(plt, fig, out / f"{name}.png"))
    return written


def figure_makers(results, outcomes: list[str] | None = None) -> list:
    """(name, maker) of every figure ``plot`` draws for ``results``; ``maker(plt, results)``
    returns a figure or None. An unknown sweep outcome is refused before any figure."""
    if results.kind == "calibrate":
        from sim.calibration_plots import FIGURES

        return [(n, lambda plt, r, m=m: m(plt, r.folder)) for n, m in FIGURES]
    if results.kind != "sweep":
        return list(RUN_FIGURES)
    from sim.sweepplots import SWEEP_FIGURES, outcomes_of

    if results.tables.get("points") is not None:
        outcomes_of(results, outcomes)
    return [(n, partial(m, chosen=outcomes)) for n, m in SWEEP_FIGURES]


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
    top = 0.0
    for ax, (country, partner) in zip(axes[0], pairs, strict=True):
        rows = _rows(summary, country, C.TARIFF_ON.name(j=partner))
        dates = _dates(rows)
        top = max(top, float(np.nanmax(rows["p95"], initial=0.0)))
        ax.fill_between(dates, rows["p5"], rows["p95"], alpha=0.2, color="C0", label="90% of runs")
        ax.fill_between(dates, rows["p25"], rows["p75"], alpha=0.4, color="C0", label="50% of runs")
        ax.plot(dates, rows["p50"], color="C0", lw=2, label="median")
        ax.set_title(f"Tariff levied by {country} on goods from {partner}")
        ax.set_ylabel("additional tariff (%)")
        ax.legend(loc="upper right")
        fig.autofmt_xdate()
    # shared axes: one range for every pair, with room above the highest band for the legend
    axes[0][0].set_ylim(0, 1.3 * top if top > 0 else 1.0)
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
