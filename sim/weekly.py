"""Per-week distributions over runs (summary.csv), in memory that does not grow with runs.

Trajectories go to a float32 memory map on disk (quantity, week, run) block by block; the
percentiles are exact and the same whatever order the blocks arrive in. The map's file is
allocated in full up front: writing into a sparse map on a full disk kills the process with
SIGBUS, while allocating first gives a plain "no space left on device" before any run.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
from pathlib import Path

import numpy as np

from sim.eventlog import week_dates
from sim.negotiation import STATUSES
from sim.results import TMP_SUFFIX, csv_text, write_atomic, writing

PERCENTILES = (5, 25, 50, 75, 95)
SUMMARY_COLUMNS = ("week", "date", "country", "quantity", "mean", *(f"p{q}" for q in PERCENTILES))


class WeeklySummary:
    """Per-week distributions over runs, kept on disk so memory does not grow with runs.

    Trajectories go to a float32 memory map (quantity, week, run) block by block; the
    percentiles are exact and the same whatever order the blocks arrive in.
    """

    def __init__(self, folder: Path, names: list[str], weeks: int, runs: int) -> None:
        self.names, self.weeks, self.runs = names, weeks, runs
        n = len(names)
        self.quantities: list[tuple[str, str]] = []  # (country, quantity)
        for i, a in enumerate(names):
            self.quantities += [(a, f"tariff_on_{b}") for j, b in enumerate(names) if j != i]
            self.quantities += [(a, q) for q in ("pressure", "anxiety", "market_drawdown")]
        self.path = folder / (".trajectories" + TMP_SUFFIX)
        shape = (len(self.quantities), weeks, runs)
        allocate(self.path, 4 * int(np.prod(shape)))
        self.data = np.memmap(self.path, dtype=np.float32, mode="r+", shape=shape)
        self.status_counts = np.zeros((weeks, n, len(STATUSES)))
        self.pairs_per_country = n - 1

    def add(self, first_run: int, trajectory: dict[str, np.ndarray]) -> None:
        n = len(self.names)
        stop = first_run + trajectory["pressure"].shape[1]
        rows = []
        for i in range(n):
            rows += [trajectory["tariff"][:, :, i, j] for j in range(n) if j != i]
            rows += [trajectory[k][:, :, i] for k in ("pressure", "anxiety", "drawdown")]
        for q, row in enumerate(rows):
            self.data[q, :, first_run:stop] = row
        status = trajectory["status"]  # (weeks, R, N, N)
        offdiag = ~np.eye(n, dtype=bool)
        for s in range(len(STATUSES)):
            self.status_counts[:, :, s] += ((status == s) & offdiag).sum(axis=(1, 3))

    @staticmethod
    def bytes_needed(countries: int, weeks: int, runs: int) -> int:
        """The size of the trajectory file for this many countries, weeks and runs."""
        return 4 * countries * (countries - 1 + 3) * weeks * runs

    def write(self, path: Path, start: dt.date) -> dict[str, float]:
        """Write summary.csv (atomically); return the median of each quantity in the last week."""
        dates = week_dates(start, self.weeks)
        week_idx = np.arange(self.weeks)
        last_median = {}
        parts = [",".join(SUMMARY_COLUMNS) + "\n"]
        for q, (country, name) in enumerate(self.quantities):
            mean, pct = self._stats(q)
            last_median[f"{country}.{name}"] = float(pct[PERCENTILES.index(50), -1])
            # Trajectories are stored as float32: print no more digits than they hold.
            parts.append(csv_text(self._rows(week_idx, dates, country, name, mean, pct), 7))
        total = self.runs * self.pairs_per_country
        for i, country in enumerate(self.names):
            for s, status in enumerate(STATUSES):
                share = self.status_counts[:, i, s] / total
                blank = np.full((len(PERCENTILES), self.weeks), np.nan)
                rows = self._rows(week_idx, dates, country, f"share_{status}", share, blank)
                parts.append(csv_text(rows, 7))
        write_atomic(path, "".join(parts))
        return last_median

    def _stats(self, q: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean and percentiles per week, reading a few million values at a time."""
        step = max(1, (1 << 22) // self.runs)
        means, pcts = [], []
        for w0 in range(0, self.weeks, step):
            values = np.asarray(self.data[q, w0 : w0 + step], dtype=np.float64)
            means.append(values.mean(axis=1))
            pcts.append(np.percentile(values, PERCENTILES, axis=1))
        return np.concatenate(means), np.concatenate(pcts, axis=1)

    @staticmethod
    def _rows(weeks, dates, country, quantity, mean, pct) -> dict[str, np.ndarray]:
        n = len(weeks)
        cols = {"week": weeks, "date": dates, "country": np.full(n, country),
                "quantity": np.full(n, quantity), "mean": mean}  # fmt: skip
        cols.update({f"p{q}": row for q, row in zip(PERCENTILES, pct, strict=True)})
        return cols

    def discard(self) -> None:
        self.data = None  # unmap before unlinking
        self.path.unlink(missing_ok=True)


def allocate(path: Path, size: int) -> None:
    """Create ``path`` with ``size`` bytes of disk reserved, or raise OutputError (disk full)."""
    with writing(path):
        try:
            with open(path, "wb") as handle:
                try:
                    os.posix_fallocate(handle.fileno(), 0, max(size, 1))
                except (AttributeError, OSError) as exc:  # no fallocate here (macOS, some NFS)
                    if isinstance(exc, OSError) and exc.errno not in (
                        errno.EOPNOTSUPP,
                        errno.EINVAL,
                    ):
                        raise
                    handle.truncate(max(size, 1))
        except BaseException:
            path.unlink(missing_ok=True)
            raise
