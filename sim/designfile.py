"""``sweep --design FILE``: run exactly the points listed in a CSV file.

The header names the swept keys (dotted scenario paths, as for ``--param``); each further line
is one point, its values numbers. The design becomes the ``design`` method: every parameter is
the list of its column's values, and point p takes row p of every list (no product, no
sampling), so sweep.json records it and ``--resume`` rebuilds it exactly.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from sim.scenario import MAX_BYTES, ScenarioError, SweepParam

MAX_ROWS = 10**6


def read_design(path: str | Path) -> tuple[SweepParam, ...]:
    """The parameters of the design in ``path``; a ScenarioError naming file, line and key."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES * 64:
            raise ScenarioError(f"{path}: too large for a design file")
        rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read the design: {exc}") from None
    except csv.Error as exc:
        raise ScenarioError(f"{path}: not a CSV file: {exc}") from None
    if not rows or not any(h.strip() for h in rows[0]):
        raise ScenarioError(f"{path}: empty; expected a header of swept keys, then one row per "
                            "point")  # fmt: skip
    keys = [h.strip() for h in rows[0]]
    for k, key in enumerate(keys):
        if not key:
            raise ScenarioError(f"{path}:1: column {k + 1} has no key")
        if key in keys[:k]:
            raise ScenarioError(f"{path}:1: {key} given twice")
    body = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]
    if not body:
        raise ScenarioError(f"{path}: no points (a header and no rows)")
    if len(body) > MAX_ROWS:
        raise ScenarioError(f"{path}: {len(body):,} points; at most {MAX_ROWS:,}")
    columns: list[list[float]] = [[] for _ in keys]
    for n, row in body:
        if len(row) != len(keys):
            raise ScenarioError(f"{path}:{n}: {len(row)} values for {len(keys)} keys")
        for k, cell in enumerate(row):
            try:
                value = float(cell)
            except ValueError:
                raise ScenarioError(f"{path}:{n}: {keys[k]}: expected a number, got "
                                    f"{cell!r}") from None  # fmt: skip
            if not math.isfinite(value):
                raise ScenarioError(f"{path}:{n}: {keys[k]}: must be finite, got {cell!r}")
            columns[k].append(value)
    return tuple(SweepParam(key, values=tuple(col)) for key, col in zip(keys, columns, strict=True))
