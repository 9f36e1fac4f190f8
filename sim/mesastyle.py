"""Mesa-style helpers of the API: ``batch_run``'s one DataFrame, a stepped model's state and
its weekly table (what a ``DataCollector`` would collect). Exported from :mod:`sim.api`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim import columns as C
from sim.model import TradeWarModel
from sim.results import step_columns
from sim.scenario import Scenario

if TYPE_CHECKING:  # pandas is imported when a table is made, so importing sim stays light
    import pandas


def batch_run(scenario: Scenario | str | Path | Mapping, parameters: Iterable[Mapping],
              runs: int | None = None, seed: int | None = None,
              workers: int | None = 1) -> pandas.DataFrame:  # fmt: skip
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

    from sim.api import _with, load_scenario
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


def state(model: TradeWarModel, run: int = 0) -> pandas.DataFrame:
    """Each country's state at the model's current week, one row per country.

    ``model.week`` weeks have been stepped (before the first step, this is the start).
    Columns: ``country``, ``tariff_on_<J>`` (its tariff on J), ``pressure``,
    ``anxiety``, ``market_drawdown`` and ``status_with_<J>``, named as in steps.csv.

    Example:
        >>> import sim
        >>> model = sim.TradeWarModel(sim.load_scenario("scenarios/us_china_2025.yaml"), seed=3)
        >>> model.step()
        >>> sim.state(model)["country"].tolist()
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


def weekly_table(model: TradeWarModel) -> pandas.DataFrame:
    """Every week the model has stepped, a row per run, week and country: what Mesa's
    ``DataCollector.get_agent_vars_dataframe()`` gives, with steps.csv's columns.

    Example:
        >>> import sim
        >>> model = sim.TradeWarModel(sim.load_scenario("scenarios/us_china_2025.yaml"), seed=3)
        >>> for _ in range(4):
        ...     model.step()
        >>> sim.weekly_table(model).shape[0]  # 4 weeks x 2 countries
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
