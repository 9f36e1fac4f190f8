"""Per-week distributions over runs (summary.csv), in memory that does not grow with runs.

Each block's weekly trajectories go to a :mod:`sim.quantiles` estimator: every value kept
(exact percentiles) while they fit in a few hundred MB, else fixed-edge histograms (the
resolution is in docs/results.md). Either gives the same bytes whatever order the blocks
arrive in, and whatever the number of workers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from sim import columns as C
from sim import quantiles
from sim.columns import PERCENTILES
from sim.eventlog import week_dates
from sim.negotiation import STATUSES
from sim.results import csv_text, write_atomic


class WeeklySummary:
    """Per-week distributions over runs, in memory that does not grow with runs.

    ``folder`` is unused (summary.csv once had a scratch file there); kept for callers.
    """

    def __init__(self, folder: Path, names: list[str], weeks: int, runs: int) -> None:
        self.names, self.weeks, self.runs = names, weeks, runs
        n = len(names)
        self.layout = C.Layout(tuple(names))
        self.quantities = self.quantities_of(names)  # (country, quantity), in add()'s order
        self.store = quantiles.estimator(len(self.quantities), weeks, runs)
        self.status_counts = np.zeros((weeks, n, len(STATUSES)))
        self.pairs_per_country = n - 1

    def add(self, first_run: int, trajectory: dict[str, np.ndarray]) -> None:
        n = len(self.names)
        rows = []
        for i in range(n):
            rows += [trajectory["tariff"][:, :, i, j] for j in range(n) if j != i]
            rows += [trajectory[k][:, :, i] for k in ("pressure", "anxiety", "drawdown")]
        self.store.add(first_run, np.stack(rows))
        status = trajectory["status"]  # (weeks, R, N, N)
        offdiag = ~np.eye(n, dtype=bool)
        for s in range(len(STATUSES)):
            self.status_counts[:, :, s] += ((status == s) & offdiag).sum(axis=(1, 3))

    @staticmethod
    def quantities_of(names: list[str]) -> list[tuple[str, str]]:
        """(country, quantity) of every weekly trajectory the summary keeps."""
        layout = C.Layout(tuple(names))
        return [(a, q) for a in names for q in C.names(C.QUANTITIES, layout, a)]

    def write(self, path: Path, start: dt.date) -> dict[str, float]:
        """Write summary.csv (atomically); return each median final tariff, keyed ``"I on J"``."""
        dates = week_dates(start, self.weeks)
        week_idx = np.arange(self.weeks)
        last_median = {}
        parts = [",".join(C.names(C.SUMMARY, self.layout)) + "\n"]
        for q, (country, name) in enumerate(self.quantities):
            mean, pct = self.store.stats(q, PERCENTILES)
            last_median[country, name] = float(pct[PERCENTILES.index(50), -1])
            # Trajectories are stored as float32: print no more digits than they hold.
            parts.append(csv_text(self._rows(week_idx, dates, country, name, mean, pct), 7))
        total = self.runs * self.pairs_per_country
        for i, country in enumerate(self.names):
            for s, status in enumerate(STATUSES):
                share = self.status_counts[:, i, s] / total
                blank = np.full((len(PERCENTILES), self.weeks), np.nan)
                quantity = C.SHARE.name(status=status)
                rows = self._rows(week_idx, dates, country, quantity, share, blank)
                parts.append(csv_text(rows, 7))
        write_atomic(path, "".join(parts))
        return {f"{a} on {b}": last_median[a, C.TARIFF_ON.name(j=b)]
                for a in self.names for b in self.names if a != b}  # fmt: skip

    @staticmethod
    def _rows(weeks, dates, country, quantity, mean, pct) -> dict[str, np.ndarray]:
        n = len(weeks)
        values = [weeks, dates, np.full(n, country), np.full(n, quantity), mean, *pct]
        return dict(zip(C.names(C.SUMMARY, C.Layout(())), values, strict=True))

    def discard(self) -> None:
        """Nothing to remove any more (summary.csv has no scratch file); kept for callers."""
