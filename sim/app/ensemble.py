"""What the explorer draws, as plain numbers: from a fresh simulation or from a result folder.

An :class:`Ensemble` holds the figure data of one set of runs: tariff fan charts per ordered
pair, first-approach shares by week and by channel, status shares over time, mean pressure by
channel per country, and the headline numbers with intervals (:class:`sim.report.Headline`).
:func:`simulate` builds one block by block with the runner's own blocks and seeds, so the
numbers equal those of ``tradewar run`` with the same overrides, and a baseline and a modified
scenario share their random numbers. :func:`from_folder` builds one from a run folder's CSVs
without simulating. No web library is needed here.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim import columns as C
from sim.columns import PERCENTILES
from sim.negotiation import STATUSES
from sim.reading import Results
from sim.report import Headline
from sim.runner import block_count, simulate_block
from sim.scenario import Scenario

# Tariff series a fan chart can show, per ordered pair. The model has one tariff per pair
# (the effective rate); a headline-rate series is added here when the model records one.
TARIFF_SERIES = ("effective",)


def week_dates(start: dt.date, weeks: int) -> np.ndarray:
    return np.datetime64(start, "D") + 7 * np.arange(weeks).astype("timedelta64[D]")


class Cancelled(Exception):
    """A re-simulation was cancelled (by the user, or by a newer change)."""


@dataclass
class Ensemble:
    """The figure data of one set of runs (see the module docstring)."""

    names: list[str]
    start: dt.date
    weeks: int
    runs: int
    headline: Headline
    # (country, partner) -> series -> (len(PERCENTILES), weeks) tariff percentiles over runs
    fans: dict[tuple[str, str], dict[str, np.ndarray]]
    first_week: dict[str, np.ndarray]  # first approacher -> share of runs by week (weeks,)
    status: dict[str, np.ndarray]  # status -> share of runs x relations by week (weeks,)
    channels: list[str] = field(default_factory=list)  # pressure channel names
    pressure: np.ndarray | None = None  # (weeks, countries, channels) mean contribution
    final_tariffs: dict[str, float] = field(default_factory=dict)  # "US on CN" -> median
    approach_channels: list[str] = field(default_factory=list)  # every way to ask, sorted

    def dates(self) -> np.ndarray:
        """The date of each week, as datetime64 (what Bokeh draws on a datetime axis)."""
        return week_dates(self.start, self.weeks)

    def channel_shares(self) -> dict[str, float]:
        """Share of all runs whose first approach went through each channel."""
        runs = max(self.headline.runs, 1)
        return {c: self.headline.channels.get(c, 0) / runs for c in self.approach_channels}


# --------------------------------------------------------------------------- simulating


class _Accumulator:
    """Collects block results; the percentiles need every run's trajectory, kept as float32."""

    def __init__(self, s: Scenario) -> None:
        self.s, self.names = s, s.country_names()
        self.headline = Headline(self.names, s.horizon)
        self.tariffs: list[np.ndarray] = []
        n = len(self.names)
        self.upper = np.triu(np.ones((n, n), dtype=bool), 1)
        self.status = np.zeros((s.horizon, len(STATUSES)))
        self.first = {label: np.zeros(s.horizon) for label in self.headline.approacher}
        self.pressure_sum: np.ndarray | None = None
        self.pressure_n: np.ndarray | None = None
        self.channels: list[str] = []

    def add(self, result) -> None:
        self.headline.add(result.outcomes)
        t = result.trajectory
        self.tariffs.append(t["tariff"])
        pairs = t["status"][:, :, self.upper]  # (weeks, runs, pairs)
        for k in range(len(STATUSES)):
            self.status[:, k] += (pairs == k).sum(axis=(1, 2))
        who, week = result.outcomes["first_approacher"], result.outcomes["first_approach_week"]
        for label in self.first:
            w = week[(who == label) & ~np.isnan(week)].astype(np.int64)
            self.first[label] += np.bincount(w, minlength=self.s.horizon)[: self.s.horizon]
        contrib = t["channels"].astype(np.float64)  # (weeks, runs, countries, channels)
        sums, counts = np.nansum(contrib, axis=1), np.isfinite(contrib).sum(axis=1)
        if self.pressure_sum is None:
            self.pressure_sum, self.pressure_n, self.channels = sums, counts, result.channels
        else:
            self.pressure_sum += sums
            self.pressure_n += counts

    def finish(self) -> Ensemble:
        runs = self.headline.runs
        tariff = np.concatenate(self.tariffs, axis=1)  # (weeks, runs, n, n)
        fans, finals = {}, {}
        for i, a in enumerate(self.names):
            for j, b in enumerate(self.names):
                if i != j:
                    pct = np.percentile(tariff[:, :, i, j].astype(np.float64), PERCENTILES, axis=1)
                    fans[(a, b)] = {"effective": pct}
                    finals[f"{a} on {b}"] = float(pct[PERCENTILES.index(50), -1])
        relations = max(int(self.upper.sum()), 1) * max(runs, 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            pressure = np.where(self.pressure_n > 0, self.pressure_sum / self.pressure_n, np.nan)
        return Ensemble(
            self.names, self.s.start_date, self.s.horizon, runs, self.headline, fans,
            {k: v / max(runs, 1) for k, v in self.first.items()},
            {s: self.status[:, k] / relations for k, s in enumerate(STATUSES)},
            self.channels, pressure, finals, approach_channels(self.s),
        )  # fmt: skip


def simulate(
    s: Scenario,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Ensemble:
    """Simulate every run of ``s`` block by block (the runner's blocks and seeds).

    ``progress(done, total)`` is called after each block; ``cancelled()`` is asked before each
    block and a true answer raises :class:`Cancelled`.
    """
    acc = _Accumulator(s)
    for block in range(block_count(s.runs, s.block_size)):
        if cancelled is not None and cancelled():
            raise Cancelled
        acc.add(simulate_block(s, block, detail=True, with_events=False))
        if progress is not None:
            progress(acc.headline.runs, s.runs)
    return acc.finish()


# --------------------------------------------------------------------------- result folders


def from_folder(results: Results, s: Scenario) -> Ensemble:
    """The figure data of a run folder, from its CSVs (steps.csv, if any, for pressure)."""
    names = s.country_names()
    runs, summary = results.tables.get("runs"), results.tables.get("summary")
    headline = Headline(names, s.horizon)
    if runs is not None and len(runs):
        headline.add({name: runs[name] for name in runs.dtype.names})
    weeks = s.horizon
    fans, finals, status = {}, {}, {k: np.full(weeks, np.nan) for k in STATUSES}
    if summary is not None and len(summary):
        fans, finals, status = _summary_parts(summary, names, weeks)
    first = {label: np.zeros(weeks) for label in headline.approacher}
    if runs is not None and len(runs):
        who = runs[C.FIRST_APPROACHER.name()].astype(str)
        week = runs[C.FIRST_APPROACH_WEEK.name()]
        for label in first:
            w = week[(who == label) & ~np.isnan(week)].astype(np.int64)
            first[label] = np.bincount(w, minlength=weeks)[:weeks] / len(runs)
    channels, pressure = _steps_pressure(results.tables.get("steps"), names, weeks)
    return Ensemble(names, s.start_date, weeks, headline.runs, headline, fans, first, status,
                    channels, pressure, finals, approach_channels(s))  # fmt: skip


def approach_channels(s: Scenario) -> list[str]:
    return sorted({name for c in s.countries for name in c.channels})


def _summary_parts(summary, names: list[str], weeks: int):
    country, quantity = summary["country"].astype(str), summary["quantity"].astype(str)
    week = summary["week"].astype(np.int64)

    def series(c: str, q: str, col: str) -> np.ndarray:
        out = np.full(weeks, np.nan)
        rows = (country == c) & (quantity == q) & (week < weeks)
        out[week[rows]] = summary[col][rows]
        return out

    fans, finals = {}, {}
    for a in names:
        for b in names:
            tariff = C.TARIFF_ON.name(j=b)
            if a != b and np.any((country == a) & (quantity == tariff)):
                pct = np.stack([series(a, tariff, f"p{q}") for q in PERCENTILES])
                fans[(a, b)] = {"effective": pct}
                finals[f"{a} on {b}"] = float(pct[PERCENTILES.index(50), -1])
    # each relation is counted once from either side: the mean over countries is the share
    with warnings.catch_warnings():  # a torn file may lack some weeks: NaN there, no warning
        warnings.simplefilter("ignore", RuntimeWarning)
        status = {k: np.nanmean([series(c, C.SHARE.name(status=k), "mean") for c in names],
                                axis=0) for k in STATUSES}  # fmt: skip
    return fans, finals, status


def _steps_pressure(steps, names: list[str], weeks: int):
    if steps is None or len(steps) == 0:
        return [], None
    prefix = C.CHANNEL.name(channel="")
    cols = [c for c in steps.dtype.names if c.startswith(prefix)]
    out = np.full((weeks, len(names), len(cols)), np.nan)
    country, week = steps["country"].astype(str), steps["week"].astype(np.int64)
    for i, name in enumerate(names):
        for w in range(weeks):
            rows = (country == name) & (week == w)
            for k, c in enumerate(cols):
                values = steps[c][rows]
                if np.any(np.isfinite(values)):
                    out[w, i, k] = np.nanmean(values)
    return [c[len(prefix) :] for c in cols], out
