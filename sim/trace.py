"""The story of one run, re-simulated from a result folder: ``tradewar trace DIR --run N``.

Run N lives in block ``N // block_size`` of the resolved scenario the folder holds; that block
is simulated again from its seed (the same numbers as the first time) and run N's weeks are
told in order: each country's pressure with its largest channels, its tariffs and status, and
every discrete event, worded exactly as in events.csv.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from sim import eventlog
from sim.negotiation import STATUSES
from sim.results import OutputError, read_manifest
from sim.runner import simulate_model
from sim.scenario import load

EVENT_MARK = "  * "


def load_folder(folder: Path, allow_code: bool = False) -> tuple[dict, object]:
    """The manifest and the resolved scenario of a result folder.

    Raises:
        OutputError: the folder, its manifest or its scenario.yaml is missing or unreadable.
    """
    if (folder / "sweep.json").is_file():
        raise OutputError(f"{folder}: a sweep folder; trace re-runs a run folder's runs "
                          "(run the point's values with `tradewar run --set ...`)")  # fmt: skip
    manifest_path, scenario_path = folder / "manifest.json", folder / "scenario.yaml"
    for path in (manifest_path, scenario_path):
        if not path.is_file():
            raise OutputError(f"{path}: not found; is {folder} a tradewar result folder?")
    return read_manifest(folder), load(scenario_path, allow_code=allow_code)


def story(folder: Path, run: int, allow_code: bool = False) -> list[str]:
    """The lines ``tradewar trace`` prints for run ``run`` of the results in ``folder``."""
    manifest, scenario = load_folder(folder, allow_code)
    return tell(scenario, run, where=str(folder))


def tell(scenario, run: int, model=None, where: str = "") -> list[str]:
    """The story of run ``run`` of ``scenario``; ``model``, if given, is its block simulated.

    The explorer passes the model it simulated to draw the run's trajectories as well.
    """
    if not 0 <= run < scenario.runs:
        raise OutputError(f"{where or scenario.name}: run {run} does not exist "
                          f"(runs 0 to {scenario.runs - 1})")  # fmt: skip
    block, k = divmod(run, scenario.block_size)
    model = simulate_model(scenario, block) if model is None else model
    names = model.names
    lines = [
        f"run {run} of {scenario.name} (block {block}, SeedSequence({scenario.seed}, "
        f"spawn_key=({block},)), position {k})",
        "drawn: " + (", ".join(f"{p}={v[k]:.4g}" for p, v in model.draws.items()) or "-"),
    ]
    events = model.log.arrays()
    mine = {f: v[events["run"] == k] for f, v in events.items()}
    traj = {key: value[:, k] for key, value in model.trajectory().items()}
    channels = [a.channel_names for a in model.countries]
    for week in range(scenario.horizon):
        date = scenario.start_date + dt.timedelta(weeks=week)
        lines.append(f"week {week}  {date.isoformat()}")
        lines += _state(traj, week, names, model.channel_names)
        for e in np.nonzero(mine["week"] == week)[0]:
            kind = eventlog.KINDS[mine["kind"][e]]
            fields = (mine[f][e] for f in ("actor", "partner", "channel", "v1", "v2"))
            detail = eventlog.describe(kind, names, channels, *fields)
            lines.append(f"{EVENT_MARK}{names[mine['actor'][e]]} {kind}: {detail}")
    outcome = model.outcomes()
    lines.append(
        f"outcome: first approacher {outcome['first_approacher'][k]}, "
        f"final status {outcome['final_status'][k]}"
    )
    return lines


def _state(traj: dict, week: int, names: list[str], channel_names: list[str]) -> list[str]:
    out = []
    for i, name in enumerate(names):
        contrib = traj["channels"][week, i]
        top = sorted(
            (c for c in range(len(channel_names)) if np.isfinite(contrib[c])),
            key=lambda c: -contrib[c],
        )[:2]
        largest = ", ".join(f"{channel_names[c]} {contrib[c]:.2f}" for c in top)
        tariffs = "  ".join(
            f"tariff on {other} {traj['tariff'][week, i, j]:.4g}% "
            f"[{STATUSES[traj['status'][week, i, j]]}]"
            for j, other in enumerate(names)
            if j != i
        )
        out.append(
            f"  {name:<4} pressure {traj['pressure'][week, i]:.3f} ({largest})  "
            f"anxiety {traj['anxiety'][week, i]:.3f}  {tariffs}"
        )
    return out
