"""The Python API for notebooks: load a scenario, run it, step a model, sweep, batch-run.

Everything here is importable from the package root (``import sim; sim.run(...)``) and
documented, with examples the test suite executes, in docs/api.md. Results come back as
pandas DataFrames; nothing is written unless ``out`` (or :meth:`Results.save`) names a folder.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import yaml

from sim import columns as C
from sim.model import TradeWarModel
from sim.reading import Results as FolderResults
from sim.reading import load as _load_folder
from sim.results import OutputError, prepare_output, step_columns
from sim.scenario import Scenario, ScenarioError, dump, load_text
from sim.scenario import load as _load_file
from sim.schema import Context, Number

__all__ = [
    "OutputError",
    "Results",
    "ScenarioError",
    "SweepResults",
    "TradeWarModel",
    "batch_run",
    "load",
    "load_scenario",
    "run",
    "run_sweep",
    "state",
    "weekly_table",
]


def _override_list(overrides) -> list[str]:
    if isinstance(overrides, Mapping):
        return [f"{k}={yaml.safe_dump(v, default_flow_style=True).strip()}"
                .removesuffix("\n...") for k, v in overrides.items()]  # fmt: skip
    return list(overrides)


def load_scenario(source: str | Path | Mapping | Scenario, overrides: Mapping | Iterable[str] = (),
                  allow_code: bool = False) -> Scenario:  # fmt: skip
    """A validated scenario from a YAML file, a dict shaped like one, or a scenario.

    Args:
        source: a path to a scenario YAML file, a dict with the same keys, or a Scenario.
        overrides: ``{"countries.US.face_cost": 0.3}`` or ``["countries.US.face_cost=0.3"]``,
            the same dotted keys as ``--set``.
        allow_code: let pressure channels name user functions (imports run their code).

    Raises:
        ScenarioError: any problem, naming the file (or ``<dict>``), the line and the key.

    Example:
        >>> s = load_scenario("scenarios/us_china_2025.yaml", {"runs": 100})
        >>> s.runs
        100
    """
    items = _override_list(overrides)
    if isinstance(source, Scenario):
        return load_text(dump(source), f"<scenario {source.name}>", items, allow_code)
    if isinstance(source, Mapping):
        text = yaml.safe_dump(dict(source), sort_keys=False)
        return load_text(text, "<dict>", items, allow_code)
    return _load_file(source, items, allow_code)


def _with(scenario: Scenario, runs: int | None, seed: int | None) -> Scenario:
    ctx = Context("run()")
    if runs is not None:
        runs = Number(1, 10**9, uncertain=False, integer=True).convert(runs, ("runs",), ctx)
        scenario = dataclasses.replace(scenario, runs=runs)
    if seed is not None:
        seed = Number(0, 2**63 - 1, uncertain=False, integer=True).convert(seed, ("seed",), ctx)
        scenario = dataclasses.replace(scenario, seed=seed)
    return scenario


# --------------------------------------------------------------------------- results


class Results(FolderResults):
    """A run's (or sweep's) tables in memory, with the files that hold them.

    The tables are pandas DataFrames: ``runs``, ``summary``, ``events``, ``steps`` (when asked
    for), and for a sweep ``points`` and ``sensitivity``; ``dir(results)`` lists them.
    ``text`` is what ``tradewar run`` prints; ``folder`` is None unless the results are on disk.
    """

    def __init__(self, base: FolderResults, files: dict[str, bytes], text: str,
                 on_disk: bool) -> None:  # fmt: skip
        fields = {f.name: getattr(base, f.name) for f in dataclasses.fields(FolderResults)}
        super().__init__(**{**fields, "folder": fields["folder"] if on_disk else None})
        self.files, self.text = files, text

    def headline(self):
        """The printed headline as a DataFrame: outcome, estimate, low and high (95%)."""
        import pandas

        from sim.report import Headline

        names = list(self.layout.names)
        head = Headline(names, self.horizon, self.outcomes)
        runs = self.tables["runs"]
        head.add({k: runs[k].to_numpy() for k in runs.columns})
        rows = [*head.rows(), *head.means(), *head.user.rows()]
        return pandas.DataFrame(rows, columns=["outcome", "estimate", "low", "high"])

    def save(self, folder: str | Path) -> Path:
        """Write the files ``tradewar run`` (or ``sweep``) writes to a new or empty folder.

        ``sim.load(folder)`` and ``tradewar summarize folder`` read it back.

        Raises:
            OutputError: the folder exists and is not empty, or cannot be made.
        """
        files = self.files or _files(self.folder)  # a folder loaded from disk: copy it
        target = prepare_output(folder, "")
        for name, data in sorted(files.items(), key=lambda kv: kv[0] == "manifest.json"):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(data)  # the manifest last: it says complete
        return target

    def plot(self, out: str | Path | None = None):
        """The figures of ``tradewar plot``: written as PNGs to ``out`` (their paths), or,
        without ``out``, returned as matplotlib figures by name."""
        from sim.plots import RUN_FIGURES, SWEEP_FIGURES, _pyplot, plot_folder

        with tempfile.TemporaryDirectory() as tmp:
            folder = self.save(Path(tmp) / "r")
            if out is not None:
                return plot_folder(folder, out)
            res, plt = _load_folder(folder, pandas=False, allow_code=True), _pyplot()
            makers = SWEEP_FIGURES if res.kind == "sweep" else RUN_FIGURES
            return {name: fig for name, make in makers if (fig := make(plt, res)) is not None}

    def __repr__(self) -> str:
        tables = ", ".join(f"{k} ({len(v)} rows)" for k, v in self.tables.items())
        return f"<Results {self.kind}: {tables}>"


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def _read_back(folder: Path, text: str, on_disk: bool, allow_code: bool) -> Results:
    loaded = _load_folder(folder, pandas=True, allow_code=allow_code)
    return Results(loaded, _files(folder), text, on_disk)


def run(scenario: Scenario | str | Path | Mapping, runs: int | None = None,
        seed: int | None = None, workers: int | None = 1, out: str | Path | None = None,
        steps: bool = False, allow_code: bool = False) -> Results:  # fmt: skip
    """Run a scenario as ``tradewar run`` does; the results in memory, on disk only if asked.

    Args:
        scenario: a Scenario, or anything :func:`load_scenario` takes.
        runs: repeated runs (default: the scenario's ``runs``).
        seed: master seed (default: the scenario's); the same seed gives the same rows.
        workers: processes (1 runs in this process; None uses every core).
        out: a new or empty folder to write the result files to; None writes nothing.
        steps: also keep the per-run weekly table (steps.csv; large).
        allow_code: the scenario may name user functions.

    Example:
        >>> res = run("scenarios/us_china_2025.yaml", runs=200, seed=1)
        >>> len(res.runs)
        200
    """
    from sim.runner import run_to_folder

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, allow_code=allow_code)
    scenario = _with(scenario, runs, seed)
    if out is not None:
        folder = prepare_output(out, scenario.name)
        text = run_to_folder(scenario, folder, workers=workers, steps=steps, command="sim.run()")
        return _read_back(folder, text, True, allow_code)
    # The runner streams to files so memory stays bounded; a private temporary folder is
    # read back and removed.
    with tempfile.TemporaryDirectory(prefix="tradewar-") as tmp:
        folder = Path(tmp)
        text = run_to_folder(scenario, folder, workers=workers, steps=steps, command="sim.run()")
        return _read_back(folder, text, False, allow_code)


def load(folder: str | Path, allow_code: bool = False) -> Results:
    """A result folder written by ``tradewar run``/``sweep`` (or :meth:`Results.save`), read
    back and validated: a :class:`Results` (``headline()``, ``plot()``, ``save()`` work).

    Raises:
        OutputError: not a result folder, or a file in it is not what tradewar writes.

    Example:
        >>> res = load(run("scenarios/us_china_2025.yaml", runs=50, out="r50").folder)
        >>> res.complete, len(res.runs)
        (True, 50)
    """
    loaded = _load_folder(folder, pandas=True, allow_code=allow_code)
    kind = SweepResults if loaded.kind == "sweep" else Results
    return kind(loaded, {}, "", True)


# --------------------------------------------------------------------------- sweeps


class SweepResults(Results):
    """A sweep's tables: ``points`` (one row per design point, outcomes with 95% intervals),
    ``sensitivity`` (Sobol' indices, for ``method="sobol"``), ``runs`` with ``runs_detail``."""


def run_sweep(scenario: Scenario | str | Path | Mapping, parameters: Mapping[str, object],
          method: str | None = None, points: int | None = None,
          runs_per_point: int | None = None, seed: int | None = None, workers: int | None = 1,
          out: str | Path | None = None, runs_detail: bool = False) -> SweepResults:  # fmt: skip
    """Run a parameter sweep as ``tradewar sweep`` does.

    (Not ``sim.sweep``: that name is the module that runs sweeps.)

    Args:
        scenario: a Scenario, or anything :func:`load_scenario` takes.
        parameters: dotted key -> a list of values, or ``"low:high"`` / ``"low:high:num"``
            (the ``--param`` forms), e.g. ``{"countries.US.face_cost": "0:0.5"}``.
        method: ``grid``, ``lhs``, ``sobol`` or ``random`` (default: the scenario's).
        points, runs_per_point, seed: the design (default: the scenario's ``sweep:`` block).
        workers: processes (1 runs in this process).
        out: a new or empty folder for the sweep's files; None writes nothing.
        runs_detail: also keep every run's outcomes (``runs``).

    Example:
        >>> sw = run_sweep("scenarios/us_china_2025.yaml",
        ...                {"countries.US.face_cost": [0.0, 0.4]}, method="grid",
        ...                runs_per_point=50)
        >>> len(sw.points)
        2
    """
    from sim import sweep as sweeping
    from sim.results import write_json_atomic
    from sim.runner import manifest_base, recorded

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    params = [sweeping.parse_param(f"{k}={v if isinstance(v, str) else list(v)}")
              for k, v in parameters.items()]  # fmt: skip
    settings = sweeping.settings_for(scenario, method, points, runs_per_point, params, seed)
    base = dump(scenario)
    sweeping.check_keys(base, scenario.name, settings)

    def into(folder: Path) -> SweepResults:
        (folder / "scenario.yaml").write_text(base, encoding="utf-8")
        write_json_atomic(folder / "sweep.json", {**settings.to_json(), "runs_detail": runs_detail})
        manifest = manifest_base(scenario, workers, "sim.sweep()", "sweep")
        manifest.update(sweep=settings.to_json(), runs=settings.size() * settings.runs_per_point)
        with recorded(folder, manifest):
            report = sweeping.run(folder, workers=workers, runs_detail=runs_detail)
            manifest.update(points=report.points, failures=len(report.failures))
        loaded = _load_folder(folder, pandas=True)
        return SweepResults(loaded, _files(folder), report.ranking, out is not None)

    if out is not None:
        return into(prepare_output(out, scenario.name, prefix="sweep-"))
    with tempfile.TemporaryDirectory(prefix="tradewar-") as tmp:
        return into(Path(tmp))


# --------------------------------------------------------------------------- Mesa-style


def batch_run(scenario: Scenario | str | Path | Mapping, parameters: Iterable[Mapping],
              runs: int | None = None, seed: int | None = None,
              workers: int | None = 1):  # fmt: skip
    """Mesa's ``batch_run`` shape: one DataFrame, a row per run per parameter set.

    Each parameter set is a dict of dotted keys (the ``--set`` keys) to values; its columns
    come first, then ``run`` and the runs.csv outcomes. Every set uses the same seed, so the
    runs are paired (common random numbers): a difference between sets is the parameters'.

    Example:
        >>> df = batch_run("scenarios/us_china_2025.yaml",
        ...                [{"countries.US.face_cost": 0.0}, {"countries.US.face_cost": 0.4}],
        ...                runs=50)
        >>> df.shape[0]
        100
    """
    import pandas

    from sim.runner import block_count, run_tasks

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    base = _with(scenario, runs, seed)
    frames = []
    for values in parameters:
        point = load_scenario(base, values)
        tasks = ((point, b, False) for b in range(block_count(point.runs, point.block_size)))
        blocks = [r.outcomes for r in run_tasks(tasks, workers)]
        outcomes = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
        n = point.runs
        columns = {**{k: np.repeat(v, n) for k, v in values.items()}, C.RUN.name(): np.arange(n)}
        frames.append(pandas.DataFrame({**columns, **outcomes}))
    return pandas.concat(frames, ignore_index=True)


def state(model: TradeWarModel, run: int = 0):
    """Each country's state at the model's current week, one row per country.

    ``model.week`` weeks have been stepped (before the first step, this is the start).
    Columns: ``country``, ``tariff_on_<J>`` (its tariff on J), ``pressure``,
    ``anxiety``, ``market_drawdown`` and ``status_with_<J>``, named as in steps.csv.

    Example:
        >>> model = TradeWarModel(load_scenario("scenarios/us_china_2025.yaml"), seed=3)
        >>> model.step()
        >>> state(model)["country"].tolist()
        ['US', 'CN']
    """
    import pandas

    from sim.negotiation import STATUSES

    names, e = model.names, model.economy
    rows = []
    for i, a in enumerate(names):
        row = {C.COUNTRY.name(): a,
               C.PRESSURE.name(): float(model.pressures()[run, i]),
               C.ANXIETY.name(): float(model.anxieties()[run, i]),
               C.MARKET_DRAWDOWN.name(): float(e.drawdown()[run, i])}  # fmt: skip
        for j, b in enumerate(names):  # as in steps.csv: blank for itself
            row[C.TARIFF_ON.name(j=b)] = float(e.tariff[run, i, j]) if i != j else np.nan
            row[C.STATUS_WITH.name(j=b)] = (
                STATUSES[model.relations.status[run, i, j]] if i != j else ""
            )
        rows.append(row)
    return pandas.DataFrame(rows)


def weekly_table(model: TradeWarModel):
    """Every week the model has stepped, a row per run, week and country: what Mesa's
    ``DataCollector.get_agent_vars_dataframe()`` gives, with steps.csv's columns.

    Example:
        >>> model = TradeWarModel(load_scenario("scenarios/us_china_2025.yaml"), seed=3)
        >>> for _ in range(4):
        ...     model.step()
        >>> weekly_table(model).shape[0]  # 4 weeks x 2 countries
        8
    """
    import pandas

    if model.week == 0:
        raise ValueError("the model has not stepped yet: call model.step() first")
    trajectory = {k: np.stack(v) for k, v in model.record.items()}
    block = _Block(0, trajectory, model.channel_names)
    return pandas.DataFrame(step_columns(block, model.names, model.trade_scenario.start_date))


@dataclasses.dataclass
class _Block:  # what step_columns reads of a runner.BlockResult
    first_run: int
    trajectory: dict
    channels: list
