"""Morris elementary effects (``sweep --method morris``): screening many parameters cheaply.

The design is Morris's (1991) one-at-a-time trajectories on a 4-level grid of the unit cube
(``points`` trajectories of d + 1 points each), from SALib with a seeded generator; the
analysis is SALib's: ``mu_star`` (mean absolute elementary effect, the screening measure, with
a bootstrap 95% half-width), ``mu`` (signed mean) and ``sigma`` (spread: interactions or
non-linearity). Effects are per full range of each parameter (the design is on the unit cube),
in the outcome's unit, so they compare across parameters. As for Sobol' indices, an outcome
whose variance across points is at most twice its Monte Carlo noise gets a note, no effects.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim import columns as C
from sim.results import write_columns
from sim.salib import module
from sim.sensitivity import DESIGN_KEY, spread

LEVELS = 4
MORRIS_COLUMNS = tuple(C.names(C.MORRIS, C.Layout(())))


def _problem(d: int) -> dict:
    return {"num_vars": d, "names": [f"x{k}" for k in range(d)], "bounds": [[0.0, 1.0]] * d}


def unit_design(trajectories: int, d: int, seed: int) -> np.ndarray:
    """The Morris design on the unit cube, ``(trajectories * (d + 1), d)``."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DESIGN_KEY,)))
    sample = module("sample.morris")
    return sample.sample(_problem(d), trajectories, num_levels=LEVELS, seed=rng)


def morris_table(unit: np.ndarray, columns: dict, names: list[str], keys: list[str],
                 seed: int) -> dict:  # fmt: skip
    """morris.csv's columns for the outcomes ``names`` at the unit design points ``unit``."""
    analyze = module("analyze.morris")
    d = len(keys)
    rows: dict[str, list] = {k: [] for k in MORRIS_COLUMNS}
    for name in names:
        y = np.asarray(columns[name], dtype=float)
        variance, noise, note = spread(columns, name)
        stats = {k: np.full(d, np.nan) for k in ("mu_star", "mu_star_conf", "mu", "sigma")}
        if not note:
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DESIGN_KEY, 2)))
            got = analyze.analyze(_problem(d), unit, y, num_levels=LEVELS, seed=rng)
            stats = {k: np.asarray(got[k], float) for k in stats}
        for k, key in enumerate(keys):
            values = (name, key, stats["mu_star"][k], stats["mu_star_conf"][k], stats["mu"][k],
                      stats["sigma"][k], variance, noise, note)  # fmt: skip
            for col, v in zip(MORRIS_COLUMNS, values, strict=True):
                rows[col].append(v)
    out = {k: np.array(v) for k, v in rows.items()}
    out[C.NOTE.name()] = np.array(rows[C.NOTE.name()], dtype=object).astype(str)
    return out


def morris(folder: Path, unit: np.ndarray, keys: list[str], seed: int, columns: dict,
           outcome_names: list[str]) -> str:  # fmt: skip
    """Writes morris.csv; returns one line per outcome, parameters by mu_star."""
    names = [o for o in outcome_names if not o.endswith(("_low", "_high"))]
    table = morris_table(unit, columns, names, keys, seed)
    write_columns(folder / "morris.csv", table)
    return ranking(table)


def ranking(table, outcomes: list[str] | None = None) -> str:
    lines = ["parameters by Morris mu* (mean absolute effect per full range, ± 95% half-width; "
             "sigma: interactions or non-linearity), per outcome:"]  # fmt: skip
    labels = np.asarray(table["outcome"]).astype(str)
    for name in outcomes or list(dict.fromkeys(labels)):
        rows = np.flatnonzero(labels == name)
        if not len(rows):
            continue
        head = f"  {name} (sd across points {np.sqrt(table['variance'][rows[0]]):.3g}): "
        if str(table["note"][rows[0]]):
            lines.append(head + str(table["note"][rows[0]]))
            continue
        order = rows[np.argsort(-np.asarray(table["mu_star"], float)[rows], kind="stable")]
        lines.append(head + " > ".join(
            f"{table['parameter'][k]} {table['mu_star'][k]:.3g} ± {table['mu_star_conf'][k]:.2g} "
            f"(sigma {table['sigma'][k]:.3g})" for k in order))  # fmt: skip
    return "\n".join(lines)
