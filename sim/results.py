"""Result files: CSV writers that stream block by block, the weekly summary, the manifest.

The CSV contract (README.md, "Result files", has every column with its unit):

* ``runs.csv``: one row per run, outcomes then drawn parameters; a blank cell is an event
  that never happened (a week) or a quantity that does not exist (a deal tariff without deal);
* ``summary.csv``: per week, country and quantity, the mean and the 5/50/95 percentiles over
  runs (status shares carry only the mean);
* ``steps.csv`` (``--steps``): one row per run, week and country;
* ``scenario.yaml``: the resolved scenario; ``manifest.json``: written last.

Formatting is deterministic (``%.10g``), so the same runs give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import numpy as np

from sim.negotiation import STATUSES

PERCENTILES = (5, 25, 50, 75, 95)
SUMMARY_COLUMNS = ("week", "date", "country", "quantity", "mean", *(f"p{q}" for q in PERCENTILES))


class OutputError(ValueError):
    """The output folder cannot be used (it holds results already, or cannot be made)."""


def format_column(values: np.ndarray, digits: int = 10) -> np.ndarray:
    """Text cells of one column: numbers to ``digits`` significant digits, NaN as blank."""
    if values.dtype.kind in "USO":
        cells = values.astype(str)
        risky = (np.char.find(cells, ",") >= 0) | (np.char.find(cells, '"') >= 0)
        if risky.any():  # RFC 4180: quote the cell, double its quotes
            quoted = np.char.add(np.char.add('"', np.char.replace(cells, '"', '""')), '"')
            cells = np.where(risky, quoted, cells)
        return cells
    cells = np.char.mod(f"%.{digits}g", values.astype(float))
    cells[np.isnan(values.astype(float))] = ""
    return cells


def csv_text(columns: dict[str, np.ndarray], digits: int = 10) -> str:
    """The rows of ``columns`` (equal lengths) as CSV text, newline-terminated, no header."""
    cells = [format_column(np.asarray(v), digits) for v in columns.values()]
    rows = zip(*cells, strict=True)
    return "".join(",".join(row) + "\n" for row in rows)


class CsvStream:
    """A CSV file written block by block: header once, then each block in one write."""

    def __init__(self, path: Path, digits: int = 10) -> None:
        self.path, self.digits = path, digits
        self.handle = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self.header: list[str] | None = None

    def write(self, columns: dict[str, np.ndarray]) -> None:
        if self.header is None:
            self.header = list(columns)
            self.handle.write(",".join(self.header) + "\n")
        self.handle.write(csv_text(columns, self.digits))
        self.handle.flush()

    def close(self) -> None:
        self.handle.close()


def week_dates(start: dt.date, weeks: int) -> np.ndarray:
    return np.array([(start + dt.timedelta(weeks=w)).isoformat() for w in range(weeks)])


# --------------------------------------------------------------------------- folders


def safe_name(name: str) -> str:
    """A scenario name made safe as one path component (no separators, no dots first)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".")
    return cleaned or "scenario"


def prepare_output(
    out: str | Path | None, name: str, root: str | Path = "results", prefix: str = ""
) -> Path:
    """Create the result folder; never reuse one that already holds anything.

    Raises:
        OutputError: ``out`` exists and is not empty, or cannot be created.
    """
    if out is not None:
        folder = Path(out)
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise OutputError(f"{folder}: exists and is not empty; refusing to overwrite results")
    else:
        stamp = prefix + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        base = Path(root) / safe_name(name) / stamp
        folder, k = base, 1
        while folder.exists():
            k += 1
            folder = base.with_name(f"{stamp}-{k}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the result folder: {exc}") from None
    return folder


def write_json_atomic(path: Path, data: dict) -> None:
    """Write JSON so that a reader sees the old file or the new one, never half of one."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


# --------------------------------------------------------------------------- summary


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
        self.path = folder / ".trajectories.tmp"
        self.data = np.lib.format.open_memmap(
            self.path, mode="w+", dtype=np.float32, shape=(len(self.quantities), weeks, runs)
        )
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

    def write(self, path: Path, start: dt.date) -> dict[str, float]:
        """Write summary.csv; return the median of each quantity in the last week."""
        dates = week_dates(start, self.weeks)
        week_idx = np.arange(self.weeks)
        last_median = {}
        with open(path, "w", encoding="utf-8", newline="") as out:
            out.write(",".join(SUMMARY_COLUMNS) + "\n")
            for q, (country, name) in enumerate(self.quantities):
                mean, pct = self._stats(q)
                last_median[f"{country}.{name}"] = float(pct[PERCENTILES.index(50), -1])
                # Trajectories are stored as float32: print no more digits than they hold.
                out.write(csv_text(self._rows(week_idx, dates, country, name, mean, pct), 7))
            total = self.runs * self.pairs_per_country
            for i, country in enumerate(self.names):
                for s, status in enumerate(STATUSES):
                    share = self.status_counts[:, i, s] / total
                    blank = np.full((len(PERCENTILES), self.weeks), np.nan)
                    rows = self._rows(week_idx, dates, country, f"share_{status}", share, blank)
                    out.write(csv_text(rows, 7))
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
        del self.data
        self.path.unlink(missing_ok=True)


def step_columns(result, names: list[str], start: dt.date) -> dict:
    """steps.csv columns for one block: a row per run, week and country (in that order).

    ``channel_<name>`` is that pressure channel's weighted contribution to the country's
    pressure (blank for a country without that channel): why the agent acted.
    """
    first_run, trajectory = result.first_run, result.trajectory
    weeks, runs, n = trajectory["pressure"].shape

    def flat(per_week_run_country: np.ndarray) -> np.ndarray:
        return per_week_run_country.transpose(1, 0, 2).reshape(-1)

    def along(values: np.ndarray, axis: int) -> np.ndarray:
        shape = [1, 1, 1]
        shape[axis] = -1
        return flat(np.broadcast_to(values.reshape(shape), (weeks, runs, n)))

    cols = {"run": first_run + along(np.arange(runs), 1), "week": along(np.arange(weeks), 0)}
    cols["date"] = week_dates(start, weeks)[cols["week"]]
    cols["country"] = along(np.array(names), 2)
    for key, column in (("pressure", "pressure"), ("anxiety", "anxiety"),
                        ("drawdown", "market_drawdown")):  # fmt: skip
        cols[column] = flat(trajectory[key].astype(np.float64))
    labels = np.array([*STATUSES, ""])
    for j, partner in enumerate(names):
        tariff = trajectory["tariff"][..., j].astype(np.float64)
        status = trajectory["status"][..., j].astype(np.int64)
        own = np.arange(n)[None, None, :] == j
        cols[f"tariff_on_{partner}"] = flat(np.where(own, np.nan, tariff))
        cols[f"status_with_{partner}"] = labels[flat(np.where(own, len(STATUSES), status))]
    for k, channel in enumerate(result.channels):
        cols[f"channel_{channel}"] = flat(trajectory["channels"][..., k].astype(np.float64))
    return cols
