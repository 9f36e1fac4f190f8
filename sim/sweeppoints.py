"""A sweep's finished points on disk: one record per point in ``points/``, read back warily.

A record is written atomically when its point finishes (``sim.sweep.run``); a record that is
damaged, edited or not this design's point counts as unfinished, so ``--resume`` runs the point
again rather than trusting it.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np

from sim.results import OutputError
from sim.scenario import MAX_BYTES
from sim.trajectories import SUFFIX as TRAJECTORY


def point_file(folder: Path, p: int, suffix: str) -> Path:
    return folder / "points" / f"{p:06d}.{suffix}"


def read_point(folder: Path, p: int, values: np.ndarray) -> dict | None:
    """Point ``p``'s record, or None if it is missing, damaged or not this design's point at
    ``values`` (it will run again)."""
    path = point_file(folder, p, "json")
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return record if _is_record(record, p, values) else None


def _is_record(r, p: int, values: np.ndarray) -> bool:
    if not (isinstance(r, dict) and r.keys() == {"point", "values", "stats", "error"}):
        return False
    stats, error = r["stats"], r["error"]
    number = lambda v: isinstance(v, int | float) and not isinstance(v, bool)  # noqa: E731
    ok = error is None and isinstance(stats, dict) and all(number(v) for v in stats.values())
    failed = stats is None and isinstance(error, str) and error != ""
    same = type(r["point"]) is int and r["point"] == p
    return same and r["values"] == [float(v) for v in values] and (ok or failed)


def finished(folder: Path, values: np.ndarray, detail: bool = False,
             trajectories: bool = False) -> set[int]:  # fmt: skip
    """The points with a record (and, if they ran in a ``--runs-detail`` sweep, a runs file;
    in a ``--trajectories`` sweep, a trajectory file)."""
    kept = [s for s, wanted in (("csv", detail), (TRAJECTORY, trajectories)) if wanted]
    done = set()
    for p in range(len(values)):
        record = read_point(folder, p, values[p])
        lost = record and record["stats"] and not all(point_file(folder, p, s).is_file()
                                                      for s in kept)  # fmt: skip
        if record is not None and not lost:
            done.add(p)
    return done


def record_outcomes(folder: Path, records: list[dict]) -> list[str]:
    """The outcomes every finished point has; a record with others is refused by name."""
    kinds = Counter(tuple(r["stats"]) for r in records if r["stats"] is not None)
    if not kinds:
        return []
    names = kinds.most_common(1)[0][0]
    for r in records:
        if r["stats"] is not None and tuple(r["stats"]) != names:
            raise OutputError(f"{point_file(folder, r['point'], 'json')}: not this sweep's "
                              "outcomes; delete it and resume to run the point again")  # fmt: skip
    return list(names)


def concatenate(path: Path, parts: list[Path]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as out:
            header_written = False
            for part in parts:
                if not part.exists():
                    continue
                try:
                    head, _, body = part.read_text(encoding="utf-8").partition("\n")
                except (OSError, UnicodeDecodeError) as exc:
                    raise OutputError(f"{part}: cannot read: {exc}; delete it and resume") from None
                if not header_written:
                    out.write(head + "\n")
                    header_written = True
                out.write(body)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
