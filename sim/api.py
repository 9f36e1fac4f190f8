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
from typing import TYPE_CHECKING

import yaml

from sim.mesastyle import batch_run, state, weekly_table
from sim.model import TradeWarModel
from sim.reading import Results as FolderResults
from sim.reading import load as _load_folder
from sim.results import OutputError, prepare_output
from sim.scenario import Scenario, ScenarioError, dump, load_text
from sim.scenario import load as _load_file
from sim.schema import Context, Number

if TYPE_CHECKING:  # imported when needed, so importing sim stays light
    import pandas
    from matplotlib.figure import Figure

__all__ = [
    "CalibrationResults",
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
        return [f"{k}={yaml.safe_dump(v, default_flow_style=True, sort_keys=False).strip()}"
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

    def headline(self) -> pandas.DataFrame:
        """The printed headline as a DataFrame: outcome, estimate, low and high (95%).

        Raises:
            OutputError: no runs table (a sweep run without ``runs_detail``).
        """
        import pandas

        from sim.report import Headline

        if "runs" not in self.tables:
            raise OutputError(f"{self.folder or 'these results'}: no runs table, and the "
                              "headline is made from every run's outcomes (a sweep's are "
                              "kept with runs_detail=True; see points)")  # fmt: skip
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

    def plot(self, out: str | Path | None = None) -> list[Path] | dict[str, Figure]:
        """The figures of ``tradewar plot``: written as PNGs to ``out`` (their paths), or,
        without ``out``, returned as matplotlib figures by name."""
        from sim.plots import figure_makers, plot_folder, pyplot

        with tempfile.TemporaryDirectory() as tmp:
            folder = self.save(Path(tmp) / "r")
            if out is not None:
                return plot_folder(folder, out)
            res, plt = _load_folder(folder, pandas=False, allow_code=True), pyplot()
            makers = figure_makers(res)
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
    """A result folder written by ``tradewar run``/``sweep``/``calibrate`` (or
    :meth:`Results.save`), read back and validated: a :class:`Results`, a
    :class:`SweepResults` or a :class:`CalibrationResults`. Each has ``headline()``,
    ``plot()`` and ``save()``; a calibration's headline is its fit table.

    Raises:
        OutputError: not a result folder, or a file in it is not what tradewar writes.

    Example:
        >>> res = load(run("scenarios/us_china_2025.yaml", runs=50, out="r50").folder)
        >>> res.complete, len(res.runs)
        (True, 50)
    """
    loaded = _load_folder(folder, pandas=True, allow_code=allow_code)
    kind = {"sweep": SweepResults, "calibrate": CalibrationResults}.get(loaded.kind, Results)
    text = ""
    if loaded.kind == "calibrate" and (loaded.folder / "report.txt").is_file():
        text = (loaded.folder / "report.txt").read_text(encoding="utf-8")
    return kind(loaded, {}, text, True)


class CalibrationResults(Results):
    """A ``tradewar calibrate`` folder: ``posterior`` (the last population: one row per
    particle, the calibrated keys, ``weight`` and ``distance``), ``generations`` and ``fit``
    (each target against the simulated value at the posterior); ``text`` is the printed
    report and ``params`` the calibrated keys. ``save()`` copies the folder, finished or not;
    the other methods need a finished calibration and raise :class:`OutputError` on one that
    was interrupted (finish it with ``tradewar calibrate --resume``)."""

    def _finished(self) -> None:
        if "posterior" not in self.tables or "fit" not in self.tables:
            raise OutputError(f"{self.folder}: incomplete ({self.problem}); finish it with "
                              f"tradewar calibrate --resume {self.folder}")  # fmt: skip

    def headline(self) -> pandas.DataFrame:
        """The fit table the report prints first (fit.csv): each target's observed value and
        tolerance, the simulated median and 95% interval at the posterior, and whether they
        meet."""
        self._finished()
        return self.tables["fit"].copy()

    def identification(self) -> pandas.DataFrame:
        """Per calibrated key: posterior median and 95% interval, the prior's 95% interval,
        their width ratio and what it says (pinned down, narrowed, not identified)."""
        import pandas

        from sim.calibration_out import IDENTIFICATION, folder_identification

        self._finished()
        return pandas.DataFrame(folder_identification(self), columns=list(IDENTIFICATION))

    def plot(self, out: str | Path | None = None) -> list[Path] | dict[str, Figure]:
        """The calibration figures of ``tradewar plot``: corner plot, prior vs posterior
        marginals, targets vs simulated (PNGs in ``out``, or figures by name)."""
        self._finished()
        return super().plot(out)


# --------------------------------------------------------------------------- sweeps


class SweepResults(Results):
    """A sweep's tables: ``points`` (one row per design point, outcomes with 95% intervals),
    ``sensitivity`` (Sobol' indices, for ``method="sobol"``), ``runs`` with ``runs_detail``,
    ``trajectories`` (weekly tariff percentiles per point) with ``trajectories``."""


def run_sweep(scenario: Scenario | str | Path | Mapping, parameters: Mapping[str, object],
          method: str | None = None, points: int | None = None,
          runs_per_point: int | None = None, seed: int | None = None, workers: int | None = 1,
          out: str | Path | None = None, runs_detail: bool = False,
          trajectories: bool = False) -> SweepResults:  # fmt: skip
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
        trajectories: also keep each point's weekly tariff percentiles (``trajectories``).

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
        flags = {"runs_detail": runs_detail, **({"trajectories": True} if trajectories else {})}
        write_json_atomic(folder / "sweep.json", {**settings.to_json(), **flags})
        manifest = manifest_base(scenario, workers, "sim.sweep()", "sweep")
        manifest.update(sweep=settings.to_json(), runs=settings.size() * settings.runs_per_point)
        with recorded(folder, manifest):
            report = sweeping.run(folder, workers=workers, runs_detail=runs_detail,
                                  trajectories=trajectories)  # fmt: skip
            manifest.update(points=report.points, failures=len(report.failures))
        loaded = _load_folder(folder, pandas=True)
        return SweepResults(loaded, _files(folder), report.ranking, out is not None)

    if out is not None:
        return into(prepare_output(out, scenario.name, prefix="sweep-"))
    with tempfile.TemporaryDirectory(prefix="tradewar-") as tmp:
        return into(Path(tmp))
