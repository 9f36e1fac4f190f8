"""Weekly tariff trajectories per sweep point (``tradewar sweep --trajectories``).

For every finished point, the effective tariff of each country on each partner, week by week,
summarised over the point's runs by the percentiles :data:`sim.columns.TRAJECTORY_PERCENTILES`
(the median and a 10-90% band). The percentiles are exact: a point's runs may span several
blocks, so its blocks' tariffs are collected first (memory bounded by the runs of one point,
not the sweep's) and the percentiles taken over all of them at once. Each point's rows are
written to ``points/NNNNNN.trajectory.csv`` with its record, so ``--resume`` keeps them, and
``trajectories.csv`` is assembled from them in point order.

(The model records effective tariffs weekly, not headline tariffs, so only the former are
kept.)
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from sim import columns as C
from sim.eventlog import week_dates
from sim.results import csv_text

SUFFIX = "trajectory.csv"  # a point's file in points/, next to its json record
DIGITS = 7  # the model records tariffs as float32: more digits would be noise


def percentiles(tariffs: list[np.ndarray]) -> np.ndarray:
    """``(len(PERCENTILES), weeks, N, N)`` percentiles over runs of one point's tariffs.

    Args:
        tariffs: the point's blocks' ``(weeks, runs, N, N)`` tariff trajectories, in block
            order.
    """
    runs = np.concatenate([t.astype(np.float64) for t in tariffs], axis=1)
    return np.percentile(runs, C.TRAJECTORY_PERCENTILES, axis=1)


def point_text(p: int, tariffs: list[np.ndarray], names: list[str], start: dt.date) -> str:
    """Point ``p``'s rows of trajectories.csv, after the header line (see ``percentiles``)."""
    q = percentiles(tariffs)
    weeks = q.shape[1]
    columns = {C.POINT.name(): np.full(weeks, p), C.WEEK.name(): np.arange(weeks),
               C.DATE.name(): week_dates(start, weeks)}  # fmt: skip
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i != j:
                for k, col in enumerate(C.TRAJECTORY_TARIFF):
                    columns[col.name(i=a, j=b)] = q[k, :, i, j]
    return ",".join(columns) + "\n" + csv_text(columns, DIGITS)
