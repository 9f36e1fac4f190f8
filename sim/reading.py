"""Result folders read back (``sim.results.load``), validated like a scenario file.

Which columns a file must have, in which order, and what each cell may hold come from the
declarations in :mod:`sim.columns`, expanded over the folder's own scenario.yaml (and, for a
sweep, sweep.json's parameters); nothing is guessed from a header. A file that does not match
is an :class:`~sim.results.OutputError` naming the file, line and column. A folder that is
merely unfinished (no manifest, a manifest that says so, a torn last line, a temporary file
left behind, a sweep whose points.csv was never assembled) loads as far as it goes, with
``complete`` False and ``problem`` saying why.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from sim import columns as C
from sim import tables as files
from sim.checks import Checker
from sim.distributions import uncertain
from sim.results import OutputError
from sim.scenario import ScenarioError
from sim.scenario import load as load_scenario

TABLES = tuple(C.TABLES)
MAX_CSV_BYTES = 4 << 30  # a result table past this is not one this reader should load whole


@dataclass
class Results:
    """A result folder read back: its tables, its manifest, and whether it is complete.

    ``tables`` maps a file's stem (``runs``, ``events``, ``summary``, ``steps``, ``points``,
    ``sensitivity``) to a pandas DataFrame when pandas is installed (or asked for), else to a
    numpy structured array; attribute access (``results.runs``) works for each. ``layout``
    is what the columns expand over (countries, channels, drawn or swept keys), ``horizon`` and
    ``start`` the scenario's, ``params`` a sweep's swept keys.
    """

    folder: Path
    kind: str  # "run" or "sweep"
    manifest: dict | None
    complete: bool
    problem: str  # why the folder is incomplete ("" when complete)
    tables: dict
    layout: C.Layout | None = None
    horizon: int = 0
    params: tuple[str, ...] = ()
    start: dt.date | None = None
    outcomes: tuple = ()  # the scenario's user-defined outcomes (sim.outcomes.UserOutcome)

    def __dir__(self):
        return sorted({*super().__dir__(), *self.__dict__.get("tables", {})})  # tab completion

    def __getattr__(self, name: str):
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(f"{name!r}: this folder has no {name}.csv (it has {sorted(tables)})")


def load(folder: str | Path, pandas: bool | None = None, allow_code: bool = False) -> Results:
    """Read a result folder written by ``tradewar run`` or ``tradewar sweep``.

    Args:
        folder: the result folder.
        pandas: DataFrames (True), numpy structured arrays (False), or DataFrames when pandas
            can be imported (None).
        allow_code: the folder's scenario.yaml may name user functions (importing them runs
            their code: only for folders you trust).

    Raises:
        OutputError: ``folder`` is not a result folder, or a file in it is not what tradewar
            writes (naming the file, line and column).
    """
    folder = Path(folder)
    scenario = _scenario(folder, allow_code)
    manifest, problems = _manifest(folder, scenario.horizon)
    use_pandas = _pandas_wanted(pandas)
    if (manifest or {}).get("kind") == "calibrate" or (folder / "generations").is_dir():
        return _calibration(folder, scenario, manifest, problems, use_pandas)
    sweep = (folder / "sweep.json").is_file()
    params = _swept(folder) if sweep else ()
    lay = _layout(scenario, params)
    check = Checker(lay, scenario.horizon, params)
    problems += [f"{p.relative_to(folder)}: a temporary file left behind (a writer was "
                 "interrupted)" for pattern in ("*.tmp", ".*.tmp", "points/*.tmp")
                 for p in sorted(folder.glob(pattern))]  # fmt: skip
    tables = {}
    for name in TABLES:
        path = files.find(folder, name)
        if path is None:
            continue
        header, rows, lines, torn = _read_rows(path, name)
        if torn:
            problems.append(f"{path.name}: a torn last line dropped (a writer was killed)")
        if not header:
            problems.append(f"{path.name}: empty (a writer was killed before its header)")
        else:
            where = [f"line {n}" for n in lines]
            sub = replace(lay, keys=params) if name == "points" else lay
            entries = C.SWEEP_RUNS if (name == "runs" and sweep) else C.TABLES[name]
            columns = check.table(path, header, rows, where, entries, sub)
            tables[name] = _frame(columns, use_pandas)
    if sweep and "points" not in tables:
        columns, note = _point_records(folder, check, replace(lay, keys=params))
        if note:
            problems.append(note)
        tables["points"] = _frame(columns, use_pandas)
    problem = "; ".join(problems)
    kind = "sweep" if sweep else "run"
    return Results(folder, kind, manifest, not problem, problem, tables, lay, scenario.horizon,
                   params, scenario.start_date, scenario.outcomes)  # fmt: skip


def _calibration(folder: Path, scenario, manifest, problems: list[str], use_pandas: bool):
    """A ``tradewar calibrate`` folder: posterior, generations and fit (``params`` are the
    calibrated keys, which the posterior's columns expand over)."""
    try:
        keys = tuple(json.loads((folder / "settings.json").read_text(encoding="utf-8"))["keys"])
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise OutputError(f"{folder}: not a calibration folder (settings.json: {exc})") from None
    lay = replace(_layout(scenario, ()), keys=keys)
    check = Checker(lay, scenario.horizon, keys)
    tables = {}
    for name, entries in C.CALIBRATION_TABLES.items():
        path = folder / f"{name}.csv"
        if not path.is_file():
            problems.append(f"no {path.name}: the calibration has not finished")
            continue
        header, rows, lines, torn = _read_rows(path)
        if torn or not header:
            problems.append(f"{path.name}: torn (a writer was killed)")
            continue
        columns = check.table(path, header, rows, [f"line {n}" for n in lines], entries, lay)
        tables[name] = _frame(columns, use_pandas)
    problem = "; ".join(dict.fromkeys(problems))
    return Results(folder, "calibrate", manifest, not problem, problem, tables, lay,
                   scenario.horizon, keys, scenario.start_date, scenario.outcomes)  # fmt: skip


def _scenario(folder: Path, allow_code: bool):
    path = folder / "scenario.yaml"
    if not path.is_file():
        raise OutputError(f"{folder}: not a tradewar result folder (no scenario.yaml)")
    try:
        return load_scenario(path, allow_code=allow_code)
    except ScenarioError as exc:
        raise OutputError(f"{folder}: its scenario.yaml does not load: {exc}") from None


def _swept(folder: Path) -> tuple[str, ...]:
    from sim.sweep import read_settings  # only sweep folders need it

    settings, _ = read_settings(folder)
    return tuple(p.key for p in settings.params)


def _layout(scenario, params: tuple[str, ...]) -> C.Layout:
    """Drawn keys for runs.csv; swept keys (``params``) replace them for a sweep."""
    countries = scenario.countries
    drawn = tuple(key for key, _ in uncertain(scenario)
                  if not any(key == p or key.startswith(p + ".") for p in params))  # fmt: skip
    return C.Layout(
        tuple(scenario.country_names()), {c.name: tuple(c.channels) for c in countries},
        tuple(dict.fromkeys(k for c in countries for k in c.pressures)), drawn,
        tuple(o.name for o in scenario.outcomes),
    )  # fmt: skip


def _manifest(folder: Path, horizon: int) -> tuple[dict | None, list[str]]:
    path = folder / "manifest.json"
    if not path.is_file():
        return None, ["no manifest.json: the run never finished (it was killed or is running)"]
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise OutputError(f"{path}: unreadable: {exc}") from None
    if not isinstance(manifest, dict):
        raise OutputError(f"{path}: not a tradewar manifest (not a JSON object)")
    if "horizon" in manifest and (type(manifest["horizon"]) is not int
                                  or manifest["horizon"] != horizon):  # fmt: skip
        raise OutputError(f"{path}: horizon: {manifest['horizon']!r} is not scenario.yaml's "
                          f"horizon ({horizon})")  # fmt: skip
    for key in ("runs", "runs_done"):
        value = manifest.get(key)
        if key in manifest and (type(value) is not int or value < 0):
            raise OutputError(f"{path}: {key}: {value!r} is not a whole number >= 0")
    complete = manifest.get("complete")
    if not isinstance(complete, bool):
        raise OutputError(f"{path}: complete: {complete!r} is not true or false")
    if complete:
        return manifest, []
    done, why = manifest.get("runs_done"), manifest.get("error", "stopped early")
    return manifest, [f"manifest says incomplete ({why}"
                      + (f"; {done} runs done)" if done is not None else ")")]  # fmt: skip


def _pandas_wanted(pandas: bool | None) -> bool:
    if pandas is False:
        return False
    try:
        import pandas as _  # noqa: F401
    except ImportError:
        if pandas:
            raise OutputError("pandas is not installed: pip install pandas") from None
        return False
    return True


def _read_rows(path: Path, name: str = "") -> tuple[list[str], list[list[str]], list[int], bool]:
    """Header, rows, each row's line number, and whether a torn last line (no newline: a
    writer killed mid-line) was dropped. Any other row of the wrong width is an error.
    A Parquet file's rows are numbered from 2 as if it were CSV; a torn gzip member counts
    as a torn line."""
    if path.suffix == ".parquet":
        header, rows = files.read_parquet(path, name)
        return header, rows, list(range(2, len(rows) + 2)), False
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise OutputError(f"{path}: {path.stat().st_size:,} bytes; too big to read whole")
        gzipped = path.suffix == ".gz"
        text, cut = files.read_gzip(path) if gzipped else (path.read_text("utf-8"), False)
        if len(text) > MAX_CSV_BYTES:
            raise OutputError(f"{path}: {len(text):,} bytes uncompressed; too big to read whole")
        reader = csv.reader(io.StringIO(text))
        rows, lines = [], []
        for row in reader:
            rows.append(row)
            lines.append(reader.line_num)
    except (OSError, UnicodeDecodeError, csv.Error, zlib.error) as exc:
        raise OutputError(f"{path}: unreadable: {exc}") from None
    if not rows:
        return [], [], [], cut
    header, body, lines = rows[0], rows[1:], lines[1:]
    torn = bool(body) and not text.endswith("\n")
    if torn:
        body, lines = body[:-1], lines[:-1]
    for row, line in zip(body, lines, strict=True):
        if len(row) != len(header):
            raise OutputError(f"{path}: line {line}: {len(row)} cells; the header has "
                              f"{len(header)}")  # fmt: skip
    return header, body, lines, torn or cut


def _point_records(folder: Path, check: Checker, lay: C.Layout) -> tuple[dict, str]:
    """points.csv's columns from the finished point records of an unassembled sweep."""
    from sim.sweep import design, read_point, read_settings

    settings, _ = read_settings(folder)
    values = design(settings)
    total = len(values)
    numbers = sorted(int(p.stem) for p in (folder / "points").glob("*.json")
                     if p.stem.isdigit() and int(p.stem) < total)  # fmt: skip
    records = [r for r in (read_point(folder, p, values[p]) for p in numbers) if r]
    columns = check.records(folder / "points", records, settings.runs_per_point, lay)
    return columns, f"points.csv not assembled: {len(records)} of {total} points finished"


def _frame(columns: dict[str, np.ndarray], use_pandas: bool):
    if use_pandas:
        import pandas

        return pandas.DataFrame(columns, columns=list(columns))
    out = np.zeros(len(next(iter(columns.values()), [])),
                   dtype=[(name, col.dtype) for name, col in columns.items()])  # fmt: skip
    for name, col in columns.items():
        out[name] = col
    return out
