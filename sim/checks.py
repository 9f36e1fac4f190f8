"""Validation of result tables read back, by the kinds declared in :mod:`sim.columns`.

Every cell is checked against its column's kind: an ``index`` or ``count`` is a whole number
>= 0, a ``week`` a whole number in [0, horizon - 1], a ``share`` in [0, 1], any other number
finite, a ``label`` one of the values the scenario allows, a ``date`` an ISO date; a blank
only where the column may be blank. The first bad cell is an OutputError naming the file,
the line and the column.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from sim import columns as C
from sim.negotiation import STATUSES
from sim.results import OutputError

MAX_WHOLE = 2**53  # whole numbers beyond this are not exact in a float: no count gets there


class Checker:
    """Checks the tables of one result folder against the declarations for its scenario."""

    def __init__(self, lay: C.Layout, horizon: int, swept: tuple[str, ...] = ()) -> None:
        self.horizon = horizon
        channels = {c for chans in lay.channels.values() for c in chans}
        self.allowed = {
            C.FIRST_APPROACHER: set(lay.labels()),
            C.FIRST_APPROACH_CHANNEL: channels,
            C.FINAL_STATUS: set(C.FINAL_STATUSES),
            C.COUNTRY: set(lay.names),
            C.ACTOR: set(lay.names),
            C.STATUS_WITH: set(STATUSES),
            C.QUANTITY: set(C.names((*C.QUANTITIES, *C.SHARES), lay)),
            C.OUTCOME: set(C.estimates(C.POINT_STATS, lay)),
            C.PARAMETER: set(swept),
        }

    def table(self, path: Path, header: list[str], rows: list[list[str]], where: list[str],
              entries: tuple, lay: C.Layout) -> dict[str, np.ndarray]:  # fmt: skip
        """The typed columns of a table whose ``rows`` were read from ``path``.

        ``where`` says where each row came from (``line 17``).

        Raises:
            OutputError: the header is not the declared one, or a cell is invalid.
        """
        expected = C.table(entries, lay)
        _header(path, header, list(expected))
        out = {}
        # object cells: a fixed-width str array would take rows x the longest cell
        grid = np.array(rows, dtype=object).reshape(len(rows), len(header))
        for k, (name, col) in enumerate(expected.items()):
            out[name] = self.column(f"{path}", name, col, grid[:, k], where)
        if entries is C.SUMMARY:
            self._quantities(path, out, where, lay)
        return out

    def _quantities(self, path: Path, table: dict, where: list[str], lay: C.Layout) -> None:
        """Each summary.csv row's quantity must be one of its country's."""
        country, quantity = table[C.COUNTRY.name()], table[C.QUANTITY.name()]
        ok = np.zeros(len(country), dtype=bool)
        for a in lay.names:
            mine = C.names((*C.QUANTITIES, *C.SHARES), lay, a)
            ok |= (country == a) & np.isin(quantity, mine)
        if not ok.all():
            k = int(np.argmin(ok))
            raise OutputError(f"{path}: {where[k]}: quantity: {str(quantity[k])!r} is not a "
                              f"quantity of {str(country[k])}")  # fmt: skip

    def column(self, path: str, name: str, col: C.Column, cells: np.ndarray,
               where: list[str]) -> np.ndarray:  # fmt: skip
        def fail(mask: np.ndarray, why: str):
            k = int(np.argmax(mask))
            cell = str(cells[k])
            shown = cell if len(cell) <= 40 else cell[:40] + "..."
            raise OutputError(f"{path}: {where[k]}: {name}: {why.format(repr(shown))}")

        blank = cells == ""
        if not col.blank and blank.any():
            fail(blank, "blank, but this column always has a value")
        if col.kind in C.TEXT_KINDS:
            allowed = self.allowed.get(col)
            if allowed is not None:
                bad = ~blank & ~np.isin(cells, sorted(allowed))
                if bad.any():
                    fail(bad, "{} is not one of " + _listed(allowed))
            if col.kind == "date":
                good = [c for c in np.unique(cells) if _is_date(c)]
                bad = ~np.isin(cells, good)
                if bad.any():
                    fail(bad, "{} is not an ISO date (YYYY-MM-DD)")
            return cells
        try:
            values = np.where(blank, "nan", cells).astype(float)
        except ValueError:
            bad = np.array([not _is_number(c) for c in cells], dtype=bool)
            fail(bad, "{} is not a number")
        given = ~blank
        if (given & ~np.isfinite(values)).any():
            fail(given & ~np.isfinite(values), "{} is not a finite number")
        low, high, whole = self._range(col)
        outside = given & ((values < low) | (values > high))
        if outside.any():
            fail(outside, "{} is outside " + f"[{low:g}, {high:g}]")
        if whole:
            frac = given & (values != np.round(values))
            if frac.any():
                fail(frac, "{} is not a whole number")
            if col.kind in ("index", "count"):
                return values.astype(np.int64)
        return values

    def _range(self, col: C.Column) -> tuple[float, float, bool]:
        """(low, high, whole) for a numeric column's cells."""
        if col.kind in ("index", "count"):
            return 0, MAX_WHOLE, True
        if col.kind == "week":
            return 0, self.horizon - 1, True
        if col.kind == "share":
            return 0, 1, False
        return -np.inf, np.inf, False

    def records(self, path: Path, records: list[dict], runs_per_point: int,
                lay: C.Layout) -> dict[str, np.ndarray]:  # fmt: skip
        """points.csv's typed columns from finished point records (``sweep.read_point``)."""
        stats = C.names(C.POINT_STATS, lay)
        rows, where = [], []
        for r in records:
            source = f"{r['point']:06d}.json"
            values, error, got = r["values"], r["error"], r["stats"]
            if not (isinstance(values, list) and len(values) == len(lay.keys)
                    and all(_plain_number(v) for v in values)):  # fmt: skip
                raise OutputError(f"{path / source}: values: {values!r} are not "
                                  f"{len(lay.keys)} numbers")  # fmt: skip
            if not (error is None or isinstance(error, str)):
                raise OutputError(f"{path / source}: error: {error!r} is not text")
            if got is not None and not (isinstance(got, dict) and list(got) == stats and all(
                    v is None or _plain_number(v) for v in got.values())):  # fmt: skip
                raise OutputError(f"{path / source}: stats: not this sweep's outcomes")
            cells = [r["point"], *values, runs_per_point if got else 0]
            row = [_cell(v) for v in cells] + [error or ""]
            row += [_cell(got[k]) if got else "" for k in stats]
            rows.append(row)
            where.append(source)
        header = C.names(C.POINTS, lay)
        return self.table(path, header, rows, where, C.POINTS, lay)


def _header(path: Path, header: list[str], expected: list[str]) -> None:
    if header == expected:
        return
    seen = set()
    for name in header:
        if name in seen:
            raise OutputError(f"{path}: line 1: column {name!r} appears twice")
        seen.add(name)
    missing = [n for n in expected if n not in seen]
    if missing:
        raise OutputError(
            f"{path}: line 1: missing column {missing[0]!r}"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
        )
    extra = [n for n in header if n not in expected]
    if extra:
        raise OutputError(f"{path}: line 1: unexpected column {extra[0]!r} (this scenario's "
                          "files have no such column)")  # fmt: skip
    k = next(k for k, (a, b) in enumerate(zip(header, expected, strict=True)) if a != b)
    raise OutputError(f"{path}: line 1: column {k + 1} is {header[k]!r}; expected "
                      f"{expected[k]!r} (columns out of order)")  # fmt: skip


def _listed(allowed: set[str]) -> str:
    shown = sorted(allowed)
    return ", ".join(shown[:8]) + (", ..." if len(shown) > 8 else "") if shown else "(none)"


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _is_number(text: str) -> bool:
    try:
        float(text or "nan")
    except ValueError:
        return False
    return True


def _plain_number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _cell(v) -> str:
    return "" if v is None or np.isnan(v) else format(float(v), ".17g")
