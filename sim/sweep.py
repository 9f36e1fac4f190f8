"""Parameter sweeps: designs, common random numbers, per-point outcomes, Sobol sensitivity.

A sweep varies dotted scenario keys over a design (full grid; Latin hypercube, scrambled
Sobol' or plain random points from ``scipy.stats.qmc``), runs ``runs_per_point`` replicates
at every point and summarises each point with 95% intervals. Every point uses the same block
seeds (common random numbers), so two points with the same values give the same outcomes and
a difference between points is the parameters' doing.

Finished points are written atomically to ``points/`` as they finish; ``--resume`` skips them,
and the final files are assembled from them in point order, so an interrupted and resumed
sweep ends byte for byte like an uninterrupted one.
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from scipy.stats import qmc

from sim import interrupts
from sim.effects import effect_lines
from sim.morris import morris
from sim.morris import unit_design as morris_unit
from sim.report import point_stats
from sim.results import OutputError, csv_text, write_columns, write_json_atomic
from sim.runner import block_count, run_tasks
from sim.scenario import (
    METHODS,
    Scenario,
    ScenarioError,
    SweepParam,
    load_text,
    parse_sweep_param,
)
from sim.schema import Context
from sim.sensitivity import DESIGN_KEY, sensitivity
from sim.sweeppoints import concatenate, finished, point_file, read_point, record_outcomes
from sim.sweepsettings import Settings, check, listed_rows, read_settings
from sim.trajectories import SUFFIX as TRAJECTORY
from sim.trajectories import point_text as trajectory_text


def settings_for(scenario: Scenario, method=None, points=None, runs_per_point=None,
                 params=None, seed=None) -> Settings:  # fmt: skip
    """The scenario's ``sweep:`` block with any command-line settings on top.

    Parameters given on the command line replace the block's parameters as a whole.
    """
    block = scenario.sweep
    chosen = Settings(
        method or block.method, points or block.points, runs_per_point or block.runs_per_point,
        tuple(params) if params else block.parameters,
        scenario.seed if seed is None else seed,
    )  # fmt: skip
    if not chosen.params:
        raise ScenarioError("nothing to sweep: give --param KEY=SPEC or a sweep: block")
    if chosen.method not in METHODS:
        raise ScenarioError(f"unknown sweep method {chosen.method!r} (one of {', '.join(METHODS)})")
    if chosen.method == "sobol" and chosen.points & (chosen.points - 1):
        raise ScenarioError(f"--points for sobol must be a power of 2, got {chosen.points}")
    if chosen.method == "design" and not listed_rows(chosen.params):
        raise ScenarioError("a design runs listed points: every parameter needs a list of "
                            "values, all of one length (or use --design FILE)")  # fmt: skip
    for p in chosen.params:
        if chosen.method == "grid" and p.values is None and p.num is None:
            raise ScenarioError(f"{p.key}: a grid needs a list or low:high:num")
    check(chosen)
    return chosen


def design(s: Settings) -> np.ndarray:
    """The design points, ``(P, d)``, in the order they run and are numbered.

    Sobol' designs follow Saltelli (2010): ``n`` points A, ``n`` points B, then for each
    parameter i the ``n`` points A with column i taken from B, so P = n (d + 2).
    """
    d = len(s.params)
    if s.method == "design":  # the listed points, row by row
        return np.column_stack([np.asarray(p.values, dtype=float) for p in s.params])
    if s.method == "grid":
        axes = [p.values if p.values is not None else np.linspace(p.low, p.high, p.num)
                for p in s.params]  # fmt: skip
        return np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, d)
    rng = np.random.default_rng(np.random.SeedSequence(s.seed, spawn_key=(DESIGN_KEY,)))
    if s.method == "lhs":
        unit = qmc.LatinHypercube(d=d, rng=rng).random(s.points)
    elif s.method == "random":
        unit = rng.random((s.points, d))
    elif s.method == "morris":
        unit = morris_unit(s.points, d, s.seed)
    else:
        both = qmc.Sobol(d=2 * d, scramble=True, rng=rng).random(s.points)
        a, b = both[:, :d], both[:, d:]
        mixed = [np.where(np.arange(d) == i, b, a) for i in range(d)]
        unit = np.vstack([a, b, *mixed])
    return np.column_stack([_scale(p, unit[:, k]) for k, p in enumerate(s.params)])


def _scale(p: SweepParam, u: np.ndarray) -> np.ndarray:
    if p.values is not None:  # a list is a set of choices
        return np.asarray(p.values)[np.minimum((u * len(p.values)).astype(int), len(p.values) - 1)]
    return p.low + u * (p.high - p.low)


def parse_param(text: str) -> SweepParam:
    """``KEY=SPEC`` from the command line: ``[a, b, c]`` or ``low:high[:num]``."""
    key, sep, spec = text.partition("=")
    if not sep or not key.strip():
        raise ScenarioError(
            f"--param {text!r}: expected KEY=SPEC, e.g. countries.US.face_cost=0:0.6"
        )
    raw = spec.strip()
    if raw.startswith("["):
        try:
            raw = yaml.safe_load(raw)
        except yaml.YAMLError:
            raise ScenarioError(f"--param {key}: cannot read the list {spec!r}") from None
    return parse_sweep_param(key.strip(), raw, (key.strip(),), Context("--param"))


def point_overrides(s: Settings, values: np.ndarray, block_size: int) -> list[str]:
    size = min(block_size, s.runs_per_point)
    return [*(f"{p.key}={float(v)!r}" for p, v in zip(s.params, values, strict=True)),
            f"runs={s.runs_per_point}", f"block_size={size}"]  # fmt: skip


def check_keys(base: str, source: str, s: Settings, allow_code: bool = False) -> None:
    """Every swept key must exist before anything runs.

    A key passes when one of its design values loads; a key none of whose values load is
    refused. Values that fail at some points only are recorded there, when the point runs,
    whatever their position in the design.
    """
    values = design(s)
    for k, p in enumerate(s.params):
        error = None
        for v in dict.fromkeys(values[:, k]):
            try:
                load_text(base, source, [f"{p.key}={float(v)!r}"], allow_code, "--param")
                break
            except ScenarioError as exc:
                error = exc
        else:
            raise error


# --------------------------------------------------------------------------- running


@dataclass
class Report:
    points: int
    failures: list[tuple[int, str]]
    ranking: str


def blocks_per_point(s: Settings, block_size: int) -> int:
    return block_count(s.runs_per_point, min(block_size, s.runs_per_point))


def is_complete(folder: Path, s: Settings) -> bool:
    """Every point finished and the manifest says complete: nothing for ``--resume`` to do."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    if not (isinstance(manifest, dict) and manifest.get("complete") is True):
        return False
    return (folder / "points.csv").is_file() and len(finished(folder, design(s))) == s.size()


def tasks_for(base: str, s: Settings, values: np.ndarray, todo: list[int], block_size: int,
              failed: Callable[[int, str], None], order: deque, allow_code: bool = False,
              trajectories: bool = False) -> Iterator:  # fmt: skip
    """(scenario, block, detail[, events]) for every block of every point to run, point by
    point.

    A point whose values make the scenario invalid is reported to ``failed`` and skipped;
    the point of every task yielded is appended to ``order``.
    """
    for p in todo:
        try:
            overrides = point_overrides(s, values[p], block_size)
            scenario = load_text(base, "scenario.yaml", overrides, allow_code)
        except ScenarioError as exc:
            failed(p, str(exc))
            continue
        for b in range(block_count(scenario.runs, scenario.block_size)):
            order.append(p)
            # trajectories without the events: the sweep keeps only the tariffs
            yield (scenario, b, True, False) if trajectories else (scenario, b, False)


def run(folder: Path, *, workers=None, executor=None, runs_detail=False, allow_code=False,
        on_point: Callable[[int], None] | None = None,
        trajectories: bool = False) -> Report:  # fmt: skip
    """Run (or finish) the sweep set up in ``folder``, then write its result files.

    ``trajectories``: also keep each point's weekly tariff percentiles (:mod:`sim.trajectories`).
    """
    s, _ = read_settings(folder)
    base = (folder / "scenario.yaml").read_text(encoding="utf-8")
    scenario = load_text(base, str(folder / "scenario.yaml"), allow_code=allow_code)
    names = scenario.country_names()
    values = design(s)
    try:
        (folder / "points").mkdir(exist_ok=True)
    except OSError as exc:  # e.g. a file named points
        raise OutputError(f"{folder / 'points'}: cannot hold the point records: {exc}") from None
    done = finished(folder, values, runs_detail, trajectories)
    todo = [p for p in range(len(values)) if p not in done]

    def record(p: int, stats_: dict | None, error: str | None, detail: str = "",
               weekly: str = "") -> None:  # fmt: skip
        with interrupts.deferred():  # the json marks the point done: write it last, whole
            if detail:
                point_file(folder, p, "csv").write_text(detail, encoding="utf-8")
            if weekly:
                point_file(folder, p, TRAJECTORY).write_text(weekly, encoding="utf-8")
            write_json_atomic(point_file(folder, p, "json"), {
                "point": p, "values": [float(v) for v in values[p]], "stats": stats_,
                "error": error,
            })  # fmt: skip
        if on_point:
            on_point(p)

    blocks = blocks_per_point(s, scenario.block_size)
    order: deque = deque()
    failed = lambda p, error: record(p, None, error)  # noqa: E731
    tasks = tasks_for(base, s, values, todo, scenario.block_size, failed, order, allow_code,
                      trajectories)  # fmt: skip
    pending: list = []
    tariffs: list = []  # the point's blocks' tariff trajectories (only those are kept)
    for result in run_tasks(tasks, workers, executor):
        pending.append(result.outcomes)
        if trajectories:
            tariffs.append(result.trajectory["tariff"])
        p = order.popleft()
        if len(pending) == blocks:
            outcomes = {k: np.concatenate([r[k] for r in pending]) for k in pending[0]}
            detail = _runs_text(p, outcomes) if runs_detail else ""
            weekly = trajectory_text(p, tariffs, names, scenario.start_date) if tariffs else ""
            record(p, point_stats(outcomes, names, scenario.outcomes), None, detail, weekly)
            pending, tariffs = [], []
    return assemble(folder, s, values, names, runs_detail, trajectories)


def _runs_text(p: int, outcomes: dict[str, np.ndarray]) -> str:
    n = len(outcomes["first_approacher"])
    columns = {"point": np.full(n, p), "run": np.arange(n), **outcomes}
    return ",".join(columns) + "\n" + csv_text(columns)


def assemble(folder: Path, s: Settings, values: np.ndarray, names: list[str],
             runs_detail: bool, trajectories: bool = False) -> Report:  # fmt: skip
    """points.csv (and runs.csv, trajectories.csv, sensitivity.csv) from the finished points,
    in point order."""
    records = [read_point(folder, p, values[p]) for p in range(len(values))]
    if None in records:  # a record went missing or was damaged while the sweep ran
        p = records.index(None)
        raise OutputError(f"{point_file(folder, p, 'json')}: missing or damaged; resume to run "
                          "the point again")  # fmt: skip
    outcome_names = record_outcomes(folder, records)
    columns = {"point": np.arange(len(values))}
    for k, p in enumerate(s.params):
        columns[p.key] = values[:, k]
    columns["runs"] = np.array([s.runs_per_point if r["stats"] else 0 for r in records])
    columns["error"] = np.array([r["error"] or "" for r in records], dtype=object).astype(str)
    for name in outcome_names:
        columns[name] = np.array([r["stats"][name] if r["stats"] else np.nan for r in records])
    write_columns(folder / "points.csv", columns)
    if runs_detail:
        concatenate(folder / "runs.csv", [point_file(folder, p, "csv") for p in range(len(values))])
    if trajectories:
        concatenate(folder / "trajectories.csv",
                    [point_file(folder, p, TRAJECTORY) for p in range(len(values))])  # fmt: skip
    failures = [(r["point"], r["error"]) for r in records if r["error"]]
    keys = [p.key for p in s.params]
    estimates = [o for o in outcome_names if not o.endswith(("_low", "_high"))]
    ranking = "\n".join(effect_lines(columns, keys, estimates, "point")) if estimates else ""
    if s.method == "morris" and not failures:
        unit = morris_unit(s.points, len(keys), s.seed)
        ranking = morris(folder, unit, keys, s.seed, columns, outcome_names)
    if s.method == "sobol" and not failures:
        ranking = "parameters by total Sobol' index [95% interval], per outcome:\n" + sensitivity(
            folder, s.params, s.points, s.seed, columns, outcome_names
        )
    return Report(len(values), failures, ranking)
