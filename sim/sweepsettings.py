"""A sweep's settings: the design declared, its limits, and sweep.json read back and checked.

The same limits hold wherever the settings come from (a scenario's ``sweep:`` block, the
command line, or a resumed folder's sweep.json), and are checked before anything runs. A
sweep.json read back is validated like a scenario file: an edited or damaged one is refused
with the file and the field, never run.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

from sim.distributions import short
from sim.results import OutputError
from sim.scenario import (
    MAX_BYTES,
    MAX_POINTS,
    MAX_RUNS_PER_POINT,
    MAX_SWEEP_RUNS,
    METHODS,
    ScenarioError,
    SweepParam,
    parse_sweep_param,
)
from sim.schema import Context, Text, mapping, reject_unknown

MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class Settings:
    """A sweep's design: method, points, replicates, parameters and seed."""

    method: str
    points: int
    runs_per_point: int
    params: tuple[SweepParam, ...]
    seed: int

    def to_json(self) -> dict:
        return {**asdict(self), "params": [asdict(p) for p in self.params]}

    def size(self) -> int:
        """The number of design points (exact, without building the design)."""
        if self.method == "grid":
            return math.prod(len(p.values) if p.values is not None else p.num or 0
                             for p in self.params)  # fmt: skip
        if self.method == "sobol":
            return self.points * (len(self.params) + 2)
        if self.method == "morris":
            return self.points * (len(self.params) + 1)
        if self.method == "design":
            return len(self.params[0].values or ())
        return self.points


def check(s: Settings, where: str = "") -> None:
    """Refuse settings beyond the limits, or with a parameter twice (``where`` prefixes).

    Raises:
        ScenarioError: naming the limit and how far the settings exceed it.
    """
    seen = set()
    for p in s.params:
        if p.key in seen:
            raise ScenarioError(f"{where}--param {p.key} given twice")
        seen.add(p.key)
    if s.points > MAX_POINTS:
        raise ScenarioError(f"{where}--points {s.points:,}: at most {MAX_POINTS:,}")
    if s.runs_per_point > MAX_RUNS_PER_POINT:
        raise ScenarioError(f"{where}--runs-per-point {s.runs_per_point:,}: at most "
                            f"{MAX_RUNS_PER_POINT:,}")  # fmt: skip
    size = s.size()
    if size > MAX_POINTS:
        raise ScenarioError(f"{where}the {s.method} design has {size:,} points; a sweep may have "
                            f"at most {MAX_POINTS:,}")  # fmt: skip
    if size * s.runs_per_point > MAX_SWEEP_RUNS:
        raise ScenarioError(f"{where}{size:,} points x {s.runs_per_point:,} runs per point = "
                            f"{size * s.runs_per_point:,} runs; a sweep may run at most "
                            f"{MAX_SWEEP_RUNS:,}")  # fmt: skip


# --------------------------------------------------------------------------- sweep.json


def listed_rows(params) -> bool:
    """Whether every parameter is a list and all lists have one length (a ``design``)."""
    lengths = {len(p.values) if p.values is not None else -1 for p in params}
    return len(lengths) == 1 and lengths != {-1}


FIELDS = ("method", "points", "runs_per_point", "params", "seed", "runs_detail", "trajectories")
REQUIRED = FIELDS[:5]
PARAM_FIELDS = ("key", "values", "low", "high", "num")


def read_settings(folder: Path) -> tuple[Settings, dict]:
    """A sweep folder's design settings (and the raw sweep.json), checked field by field.

    Raises:
        OutputError: sweep.json is missing, unreadable or not JSON.
        ScenarioError: a field is missing, of the wrong type, out of range or beyond the
            limits; the message names the file and the field.
    """
    path = folder / "sweep.json"
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise OutputError(f"{path}: {size:,} bytes; not a sweep's settings")
        saved = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OutputError(f"{folder}: no sweep.json here; not a sweep folder") from None
    except (OSError, ValueError, RecursionError) as exc:
        raise OutputError(f"{path}: not a sweep's settings ({type(exc).__name__}: {exc})") from None
    return from_json(saved, Context(str(path))), saved


def from_json(raw, ctx: Context) -> Settings:
    """Settings from sweep.json's mapping, validated as strictly as a scenario's."""
    raw = mapping(raw, (), ctx)
    reject_unknown(raw, FIELDS, (), ctx)
    for name in REQUIRED:
        if name not in raw:
            raise ctx.error((name,), "required key is missing")
    for name in FIELDS[len(REQUIRED) :]:  # optional flags
        flag = raw.get(name, False)
        if not isinstance(flag, bool):
            raise ctx.error((name,), f"expected true or false, got {short(flag)}")
    s = Settings(
        Text(choices=METHODS).convert(raw["method"], ("method",), ctx),
        _whole(raw["points"], ("points",), MAX_POINTS, ctx),
        _whole(raw["runs_per_point"], ("runs_per_point",), MAX_RUNS_PER_POINT, ctx),
        _params(raw["params"], ctx),
        _whole(raw["seed"], ("seed",), MAX_SEED, ctx, low=0),
    )  # fmt: skip
    if s.method == "sobol" and s.points & (s.points - 1):
        raise ctx.error(("points",), f"sobol needs a power of 2, got {s.points}")
    if s.method == "grid" and any(p.values is None and p.num is None for p in s.params):
        raise ctx.error(("params",), "a grid needs a list of values or num for every parameter")
    if s.method == "design" and not listed_rows(s.params):
        raise ctx.error(("params",), "a design needs lists of values of one length")
    check(s, f"{ctx.source}: ")
    return s


def _whole(raw, path, high: int, ctx: Context, low: int = 1) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ctx.error(path, f"expected a whole number, got {short(raw)}")
    if not low <= raw <= high:
        raise ctx.error(path, f"{raw} is out of range [{low}, {high}]")
    return raw


def _params(raw, ctx: Context) -> tuple[SweepParam, ...]:
    if not isinstance(raw, list) or not raw:
        raise ctx.error(("params",), f"expected a non-empty list of parameters, got {short(raw)}")
    out = []
    for i, item in enumerate(raw):
        path = ("params", i)
        item = mapping(item, path, ctx)
        reject_unknown(item, PARAM_FIELDS, path, ctx)
        key = item.get("key")
        if not isinstance(key, str) or not key.strip():
            raise ctx.error((*path, "key"), f"expected a dotted scenario key, got {short(key)}")
        if item.get("values") is not None:
            if any(item.get(k) is not None for k in PARAM_FIELDS[2:]):
                raise ctx.error(path, "give values, or low and high, not both")
            spec, where = item["values"], (*path, "values")
            if not isinstance(spec, list):
                raise ctx.error(where, f"expected a list, got {short(spec)}")
        else:
            spec, where = {k: item[k] for k in PARAM_FIELDS[2:] if item.get(k) is not None}, path
        if key in (p.key for p in out):
            raise ctx.error((*path, "key"), f"{key} given twice")
        out.append(parse_sweep_param(key, spec, where, ctx))
    return tuple(out)
