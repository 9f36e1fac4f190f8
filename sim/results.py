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

import contextlib
import datetime as dt
import errno
import json
import os
import re
import shutil
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
    """A CSV file written block by block: header once, then each block in one write.

    A write that fails (a full disk) is cut back off, so the file always ends on a whole block;
    :func:`all_or_nothing` cuts several streams back to where a block began.
    """

    def __init__(self, path: Path, digits: int = 10) -> None:
        self.path, self.digits = path, digits
        with writing(path):
            self.handle = open(path, "wb", buffering=0)  # noqa: SIM115
        self.header: list[str] | None = None
        self.length = 0  # bytes of whole blocks on disk

    @classmethod
    def reopen(cls, path: Path, digits: int, runs_done: int) -> CsvStream:
        """Continue ``path`` after its rows of runs below ``runs_done`` (its first column is
        the run number; rows beyond it, a block cut off by a crash, are dropped)."""
        stream = cls.__new__(cls)
        stream.path, stream.digits = path, digits
        with writing(path):
            stream.handle = open(path, "r+b", buffering=0)  # noqa: SIM115
            header, length = stream.kept(runs_done)
        stream.header = header.decode("utf-8").rstrip("\n").split(",") if header else None
        stream.length = length
        stream.cut(stream.length)
        return stream

    def kept(self, runs_done: int) -> tuple[bytes, int]:
        """The header line and the bytes of whole rows of runs below ``runs_done``."""
        header = self.handle.readline()
        length = len(header)
        for line in self.handle:
            if not line.endswith(b"\n") or int(line.split(b",", 1)[0]) >= runs_done:
                break
            length += len(line)
        return header, length if header.endswith(b"\n") else 0

    def encode(self, text: str) -> bytes:
        """A block's bytes on disk (a compressed stream encodes it its own way)."""
        return text.encode("utf-8")

    def write(self, columns: dict[str, np.ndarray]) -> None:
        text = csv_text(columns, self.digits)
        if self.header is None:
            text = ",".join(columns) + "\n" + text
        encoded = self.encode(text)
        data = memoryview(encoded)
        start = self.length
        with writing(self.path):
            try:
                while data:  # an unbuffered write may take only part of the bytes
                    data = data[self.handle.write(data) :]
            except OSError:
                self.cut(start)
                raise
        self.header = self.header or list(columns)
        self.length = start + len(encoded)

    def cut(self, length: int) -> None:
        """Cut the file back to ``length`` bytes (the end of an earlier block)."""
        with writing(self.path):
            self.handle.truncate(length)
            self.handle.seek(length)
        self.length = length
        if length == 0:
            self.header = None

    def close(self) -> None:
        self.handle.close()


@contextlib.contextmanager
def all_or_nothing(streams):
    """Each of ``streams`` gets the block whole, or none of it does (the block failed)."""
    streams = list(streams)
    marks = [stream.length for stream in streams]
    try:
        yield
    except BaseException:
        for stream, mark in zip(streams, marks, strict=True):
            stream.cut(mark)
        raise


def write_problem(exc: OSError) -> str:
    """A few words on why a write failed (a full disk named plainly)."""
    if exc.errno == errno.ENOSPC:
        return "no space left on device"
    if exc.errno == errno.EDQUOT:
        return "disk quota exceeded"
    return exc.strerror or str(exc)


@contextlib.contextmanager
def writing(path: Path):
    """Turn an OSError while writing ``path`` into an OutputError that names its folder."""
    try:
        yield
    except OSError as exc:
        raise OutputError(f"{path.parent}: {write_problem(exc)} (writing {path.name})") from None


# --------------------------------------------------------------------------- folders


def safe_name(name: str) -> str:
    """A scenario name made safe as one path component (no separators, no dots first)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".")
    return cleaned or "scenario"


def prepare_output(
    out: str | Path | None,
    name: str,
    root: str | Path = "results",
    prefix: str = "",
    needed: int = 0,
) -> Path:
    """Create the result folder and claim it; never reuse one that already holds anything.

    The claim is an empty ``scenario.yaml`` created exclusively (the run writes the scenario
    into it): of two commands given the same ``--out`` at once, exactly one gets the folder.
    A reader sees a folder without a manifest, which it reports as incomplete.

    Args:
        needed: a rough lower bound of the bytes the command will write; refused up front when
            the disk has clearly less free.

    Raises:
        OutputError: ``out`` exists and is not empty, cannot be created or written, or the disk
            is too full.
    """
    target = Path(out) if out is not None else Path(root)
    try:
        check_space(target, needed)
        if out is not None:
            return _claim(Path(out))
        stamp = prefix + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        base = Path(root) / safe_name(name) / stamp
        for k in range(1, 10_000):
            folder = base if k == 1 else base.with_name(f"{stamp}-{k}")
            try:
                folder.mkdir(parents=True)  # not exist_ok: two runs in one second get two
            except FileExistsError:
                continue
            return _claim(folder)
    except OSError as exc:
        raise OutputError(
            f"{target}: cannot create the result folder: {write_problem(exc)}"
        ) from None
    raise OutputError(f"{base}: 10,000 result folders this second; refusing to go on")


CLAIM = "scenario.yaml"  # created empty and exclusively by prepare_output; filled by the run


def _claim(folder: Path) -> Path:
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: exists and is not a folder; refusing to overwrite it")
    folder.mkdir(parents=True, exist_ok=True)
    busy = OutputError(f"{folder}: exists and is not empty; refusing to overwrite results")
    if any(folder.iterdir()):
        raise busy
    try:
        with open(folder / CLAIM, "x", encoding="utf-8"):
            pass
    except FileExistsError:  # another command claimed it between the two lines above
        raise busy from None
    return folder


def check_space(target: Path, needed: int) -> None:
    """Refuse up front when the disk that will hold ``target`` has less than ``needed`` free."""
    if needed <= 0:
        return
    place = target.absolute()
    while not place.exists() and place != place.parent:
        place = place.parent
    free = shutil.disk_usage(place).free
    if free < needed:
        raise OutputError(
            f"{target}: not enough disk space: this needs at least {needed / 1e6:,.0f} MB "
            f"and {place} has {free / 1e6:,.0f} MB free"
        )


def write_columns(path: Path, columns: dict[str, np.ndarray]) -> None:
    """A whole CSV file (header and rows), written atomically."""
    write_atomic(path, ",".join(columns) + "\n" + csv_text(columns))


def write_json_atomic(path: Path, data: dict) -> None:
    """Write JSON so that a reader sees the old file or the new one, never half of one."""
    write_atomic(path, json.dumps(data, indent=2, default=str) + "\n")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` through ``NAME.tmp`` and rename it; the temporary file never stays."""
    tmp = path.with_name(path.name + TMP_SUFFIX)
    with writing(path):
        try:
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)


TMP_SUFFIX = ".tmp"  # every temporary file tradewar makes ends so; `tradewar clean` removes them


def clean(folder: str | Path) -> list[tuple[Path, int]]:
    """Remove tradewar's temporary files (``*.tmp``) left in a result folder by a killed run.

    Returns each removed file with its size. Result files are never touched.

    Raises:
        OutputError: ``folder`` is not a tradewar result folder.
    """
    folder = Path(folder)
    if not (folder / CLAIM).is_file():
        raise OutputError(f"{folder}: not a tradewar result folder (no {CLAIM}); nothing removed")
    removed = []
    for path in sorted([*folder.glob("*" + TMP_SUFFIX), *folder.glob("*/*" + TMP_SUFFIX)]):
        if path.is_file() and not path.is_symlink():
            size = path.stat().st_size
            try:
                path.unlink()
            except OSError as exc:
                raise OutputError(f"{path}: cannot remove: {write_problem(exc)}") from None
            removed.append((path, size))
    return removed


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


def read_manifest(folder: Path) -> dict:
    """``folder``'s manifest.json, or OutputError saying why there is none to read."""
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OutputError(f"{path}: cannot read the run's manifest ({exc})") from None
    if not isinstance(manifest, dict):
        raise OutputError(f"{path}: not a manifest written by tradewar")
    return manifest
