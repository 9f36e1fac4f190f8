"""``tradewar calibrate --from-runs DIR``: ABC rejection on the runs of an existing run folder.

A run folder whose scenario draws the calibrated keys from distributions is already a sample
from the prior: runs.csv carries every run's draws (one column per drawn key) and outcomes. So
no new run is simulated: every run is a particle, compared with the targets *on its own*,
and the ``--particles`` runs closest to the targets (by the scaled distance of
:mod:`sim.calibrate`) are kept, with equal weights. Only per-run targets mean anything here:
a median or a mean over one run is the run's own value (a run outside a target's ``given``
condition has no value and is infinitely far); a share or a quantile is a statistic of many
runs at one parameter point, and is refused when the targets file is read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim import abc, calibrate
from sim import columns as C
from sim.results import OutputError, write_json_atomic


def read_runs(folder: Path, keys) -> tuple[np.ndarray, dict]:
    """The draws of ``keys`` (``(runs, len(keys))``) and every runs.csv column of ``folder``.

    Raises:
        OutputError: not a complete run folder, or its runs.csv lacks a key's draws.
    """
    from sim.reading import load

    res = load(folder, pandas=False)
    if res.kind != "run":
        raise OutputError(f"--from-runs {folder}: a {res.kind} folder; give a run folder")
    if not res.complete or "runs" not in res.tables:
        raise OutputError(f"--from-runs {folder}: incomplete ({res.problem or 'no runs.csv'}); "
                          "finish it first with tradewar run --resume")  # fmt: skip
    table = res.tables["runs"]
    runs = {name: np.asarray(table[name]) for name in table.dtype.names}
    missing = [k for k in keys if C.DRAWN.name(key=k) not in runs]
    if missing:
        raise OutputError(f"--from-runs {folder}: runs.csv has no draws of {', '.join(missing)}")
    theta = np.column_stack([np.asarray(runs[C.DRAWN.name(key=k)], dtype=float) for k in keys])
    return theta.reshape(-1, len(keys)), runs


def per_run(tlist, runs: dict) -> np.ndarray:
    """``(runs, k)``: each run's own value of every (median or mean) target."""
    cols = []
    for t in tlist:
        values = np.asarray(runs[t.column], dtype=float)
        if t.given is not None:
            values = np.where(t.given.mask(runs), values, np.nan)
        cols.append(values)
    return np.column_stack(cols)


def calibrate_runs(folder: Path, source: Path, s: calibrate.Settings, tlist,
                   prior: abc.Prior) -> list[dict]:  # fmt: skip
    """Keep the ``s.particles`` runs of ``source`` closest to the targets; the one record."""
    theta, runs = read_runs(source, s.keys)
    sims = per_run(tlist, runs)
    scale = np.array([calibrate.scale(t) for t in tlist])
    observed = np.array([t.observed for t in tlist])
    weights = np.array([t.weight for t in tlist])
    distances = abc.distance(sims, observed, scale, weights)
    gen = abc.accept(prior, theta, distances, s.particles, None)
    rec = calibrate.record(0, gen, sims[gen.chosen], len(theta))
    (folder / "generations").mkdir(exist_ok=True)
    write_json_atomic(calibrate.generation_file(folder, 0), rec)
    return [rec]
