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

from sim import columns as C
from sim.eventlog import week_dates
from sim.negotiation import STATUSES


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
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{folder}: cannot create the result folder: {exc}") from None
        return folder
    stamp = prefix + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    base = Path(root) / safe_name(name) / stamp
    for k in range(1, 10_000):
        folder = base if k == 1 else base.with_name(f"{stamp}-{k}")
        try:
            folder.mkdir(parents=True)  # not exist_ok: two runs in one second get two folders
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(f"{folder}: cannot create the result folder: {exc}") from None
        return folder
    raise OutputError(f"{base}: 10,000 result folders this second; refusing to go on")


def write_columns(path: Path, columns: dict[str, np.ndarray]) -> None:
    """A whole CSV file (header and rows), written atomically."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(",".join(columns) + "\n" + csv_text(columns), encoding="utf-8")
    os.replace(tmp, path)


def write_json_atomic(path: Path, data: dict) -> None:
    """Write JSON so that a reader sees the old file or the new one, never half of one."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


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

    cols = {C.RUN.name(): first_run + along(np.arange(runs), 1),
            C.WEEK.name(): along(np.arange(weeks), 0)}  # fmt: skip
    cols[C.DATE.name()] = week_dates(start, weeks)[cols[C.WEEK.name()]]
    cols[C.COUNTRY.name()] = along(np.array(names), 2)
    for key, col in (("pressure", C.PRESSURE), ("anxiety", C.ANXIETY),
                     ("drawdown", C.MARKET_DRAWDOWN)):  # fmt: skip
        cols[col.name()] = flat(trajectory[key].astype(np.float64))
    labels = np.array([*STATUSES, ""])
    for j, partner in enumerate(names):
        tariff = trajectory["tariff"][..., j].astype(np.float64)
        status = trajectory["status"][..., j].astype(np.int64)
        own = np.arange(n)[None, None, :] == j
        cols[C.TARIFF_ON.name(j=partner)] = flat(np.where(own, np.nan, tariff))
        cols[C.STATUS_WITH.name(j=partner)] = labels[flat(np.where(own, len(STATUSES), status))]
    for k, channel in enumerate(result.channels):
        cols[C.CHANNEL.name(channel=channel)] = flat(
            trajectory["channels"][..., k].astype(np.float64)
        )
    return cols


# --------------------------------------------------------------------------- loading back


def load(folder: str | Path, pandas: bool | None = None, allow_code: bool = False):
    """Read a result folder back, validated: see :func:`sim.reading.load`."""
    from sim.reading import load as read  # sim.reading needs this module's OutputError

    return read(folder, pandas, allow_code)
