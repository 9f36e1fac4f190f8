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

from sim import columns as C
from sim.columns import PERCENTILES
from sim.eventlog import week_dates
from sim.negotiation import STATUSES
from sim.results import TMP_SUFFIX, csv_text, write_atomic, writing


class WeeklySummary:
    """Per-week distributions over runs, kept on disk so memory does not grow with runs.

    Trajectories go to a float32 memory map (quantity, week, run) block by block; the
    percentiles are exact and the same whatever order the blocks arrive in.
    """

    def __init__(self, folder: Path, names: list[str], weeks: int, runs: int) -> None:
        self.names, self.weeks, self.runs = names, weeks, runs
        n = len(names)
        self.layout = C.Layout(tuple(names))
        self.quantities = self.quantities_of(names)  # (country, quantity), in add()'s order
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
    def quantities_of(names: list[str]) -> list[tuple[str, str]]:
        """(country, quantity) of every weekly trajectory the summary keeps."""
        layout = C.Layout(tuple(names))
        return [(a, q) for a in names for q in C.names(C.QUANTITIES, layout, a)]

    @classmethod
    def bytes_needed(cls, names: list[str], weeks: int, runs: int) -> int:
        """The size of the trajectory file for these countries, weeks and runs."""
        return 4 * len(cls.quantities_of(names)) * weeks * runs

    def write(self, path: Path, start: dt.date) -> dict[str, float]:
        """Write summary.csv (atomically); return each median final tariff, keyed ``"I on J"``."""
        dates = week_dates(start, self.weeks)
        week_idx = np.arange(self.weeks)
        last_median = {}
        parts = [",".join(C.names(C.SUMMARY, self.layout)) + "\n"]
        for q, (country, name) in enumerate(self.quantities):
            mean, pct = self._stats(q)
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
        values = [weeks, dates, np.full(n, country), np.full(n, quantity), mean, *pct]
        return dict(zip(C.names(C.SUMMARY, C.Layout(())), values, strict=True))

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
