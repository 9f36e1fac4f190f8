"""A run's table files: CSV, gzip-compressed CSV (``--compress``) or Parquet (``--format``).

Each is written block by block, so memory does not grow with runs, and gives the same bytes
for any number of workers (blocks arrive in block order):

* ``NAME.csv.gz``: one gzip member per block (the header goes with the first), with no file
  name and a zero time stamp in the member header. Concatenated members are one gzip file to
  ``gzip``, ``zcat``, Python and pandas; a run resumed cuts the file back to whole members.
* ``NAME.parquet`` (the ``parquet`` extra, pyarrow): one row group per block; integer columns
  int64, other numbers float64, text as strings. A Parquet file cannot be continued, so
  ``run --resume`` refuses such a folder.

summary.csv stays plain CSV (it is small). Reading back formats every cell as the CSV writer
would, so :func:`sim.results.load` gives the same tables whatever the format.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from sim.results import CsvStream, OutputError, format_column, writing

FORMATS = ("csv", "parquet")
SUFFIXES = (".csv", ".csv.gz", ".parquet")  # what a table file may end in, tried in this order
DIGITS = {"runs": 10, "events": 10, "steps": 7}  # significant digits; steps holds float32 data
GZIP_LEVEL = 6  # zlib's default: most of level 9's ratio at a fraction of its time


def suffix(fmt: str, compress: bool) -> str:
    if fmt == "parquet":
        return ".parquet"
    return ".csv.gz" if compress else ".csv"


def find(folder: Path, name: str) -> Path | None:
    """The table file ``name`` in ``folder`` (whichever format it was written in), or None."""
    return next((folder / (name + s) for s in SUFFIXES if (folder / (name + s)).is_file()), None)


def require_parquet():
    from sim.extras import require

    require("pyarrow", "parquet", "--format parquet needs pyarrow")
    import pyarrow.parquet

    return pyarrow.parquet


def open_stream(folder: Path, name: str, fmt: str, compress: bool, resume: int | None):
    """The stream that writes table ``name``; continued after ``resume`` runs if given."""
    path, digits = folder / (name + suffix(fmt, compress)), DIGITS[name]
    if fmt == "parquet":
        if resume is not None:
            raise OutputError(f"{path}: a Parquet run cannot be resumed; run it again")
        return ParquetStream(path)
    kind = GzipCsvStream if compress else CsvStream
    return kind(path, digits) if resume is None else kind.reopen(path, digits, resume)


class GzipCsvStream(CsvStream):
    """A CSV stream whose blocks are gzip members (see the module's docstring)."""

    def encode(self, text: str) -> bytes:
        return gzip.compress(text.encode("utf-8"), compresslevel=GZIP_LEVEL, mtime=0)

    def kept(self, runs_done: int) -> tuple[bytes, int]:
        header, length = b"", 0
        for text, end in members(self.handle):
            first, _, rest = text.partition(b"\n")
            if length == 0:  # the first member starts with the header
                header, first, _, rest = first + b"\n", *rest.partition(b"\n")
            if first and int(first.split(b",", 1)[0]) >= runs_done:
                break
            length = end
        return header, length


def members(handle, chunk: int = 1 << 20):
    """Each whole gzip member of ``handle``'s file: (its text, the offset where it ends)."""
    handle.seek(0)
    offset, data = 0, b""
    while True:
        unpack, text = zlib.decompressobj(wbits=31), []
        while not unpack.eof:
            if not data:
                data = handle.read(chunk)
                if not data:
                    return  # the end of the file, or a torn last member
            text.append(unpack.decompress(data))
            offset += len(data) - len(unpack.unused_data)
            data = unpack.unused_data
        yield b"".join(text), offset


def read_gzip(path: Path) -> tuple[str, bool]:
    """The text of ``path``'s whole members, and whether a torn last member was dropped."""
    with writing(path), open(path, "rb") as handle:
        parts, end = [], 0
        for text, stop in members(handle):
            parts.append(text)
            end = stop
        torn = end < path.stat().st_size
    return b"".join(parts).decode("utf-8"), torn


def read_parquet(path: Path, name: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of table ``name``'s ``path`` as the CSV writer would format them."""
    pq, digits = require_parquet(), DIGITS.get(name, 10)
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow's errors have no common base but Exception
        raise OutputError(f"{path}: unreadable: {exc}") from None
    cells = [_cells(table.column(k).to_numpy(), digits) for k in range(table.num_columns)]
    return list(table.column_names), [list(row) for row in zip(*cells, strict=True)]


def _cells(values: np.ndarray, digits: int) -> np.ndarray:
    """Text as it is (the CSV reader unquotes it too), numbers as the CSV writer prints them."""
    return values.astype(str) if values.dtype == object else format_column(values, digits)


class ParquetStream:
    """A Parquet file written block by block, one row group each (see the docstring)."""

    def __init__(self, path: Path) -> None:
        self.pq = require_parquet()
        self.path, self.writer, self.header, self.length = path, None, None, 0

    def write(self, columns: dict[str, np.ndarray]) -> None:
        self.header = self.header or list(columns)
        table = self._table(columns)
        if table.num_rows == 0:
            return  # a block without rows (no events) adds no row group
        with writing(self.path):
            if self.writer is None:
                self.writer = self.pq.ParquetWriter(self.path, table.schema)
            self.writer.write_table(table.cast(self.writer.schema), row_group_size=table.num_rows)
        self.length += 1

    def _table(self, columns: dict[str, np.ndarray]):
        import pyarrow as pa

        def array(values: np.ndarray):
            values = np.asarray(values)
            if values.dtype.kind in "iub":
                return pa.array(values.astype(np.int64))
            if values.dtype.kind == "f":
                return pa.array(values.astype(np.float64))
            return pa.array(values.astype(str), type=pa.string())

        return pa.table({name: array(v) for name, v in columns.items()})

    def cut(self, length: int) -> None:
        """Row groups written cannot be taken back; the manifest says the run stopped."""

    def close(self) -> None:
        with writing(self.path):
            if self.writer is None and self.header is not None:  # every block was empty
                self.writer = self.pq.ParquetWriter(self.path, self._table(
                    {name: np.array([], dtype=str) for name in self.header}).schema)  # fmt: skip
            if self.writer is not None:
                self.writer.close()
