"""``tradewar calibrate``: ABC over a scenario's uncertain keys against a targets file.

Each particle is a parameter point: the scenario with the calibrated keys set to the
particle's values, simulated for ``replicates`` runs with the scenario's own seed (common
random numbers: every particle sees the same block seeds, so differences between particles are
the parameters' doing). Every target is evaluated over those runs, so all targets are
*per-point* statistics (a median talks week is a property of the distribution of runs at a
point); with ``--replicates 1`` each particle is one run and the targets become per-run.

Particles run as tasks through :func:`sim.runner.run_tasks`, like sweep points, so they
parallelise over workers or a Dask cluster, and results do not depend on the worker count.
Each finished generation is written atomically to ``generations/NNN.json``; ``--resume``
continues after the last one, and the result files are built from those records only, so a
resumed calibration ends byte for byte like an uninterrupted one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim import abc, targets
from sim.distributions import Distribution, uncertain
from sim.results import write_json_atomic
from sim.runner import run_tasks
from sim.scenario import ScenarioError, load_text

METHODS = ("rejection", "smc")
PROPOSALS_PER_PARTICLE = 2  # SMC proposals per generation, per wanted particle


@dataclass(frozen=True)
class Settings:
    """What a calibration does; stored as settings.json so ``--resume`` repeats it."""

    keys: tuple[str, ...]
    method: str
    budget: int
    particles: int
    replicates: int
    seed: int

    @property
    def proposals(self) -> int:
        if self.method == "rejection":
            return self.budget // self.replicates
        return self.particles * PROPOSALS_PER_PARTICLE

    @property
    def generations(self) -> int:
        if self.method == "rejection":
            return 1
        return self.budget // (self.proposals * self.replicates)


def prior_of(scenario, keys) -> tuple[tuple[str, ...], abc.Prior, dict[str, Distribution]]:
    """The calibrated keys (all uncertain keys by default) and their prior from the scenario.

    Raises:
        ScenarioError: a key that is not a distribution in the scenario.
    """
    found = dict(uncertain(scenario))
    keys = tuple(keys) if keys else tuple(found)
    if not keys:
        raise ScenarioError("nothing to calibrate: the scenario has no distributions; give "
                            "--params KEY for keys that are distributions")  # fmt: skip
    for key in keys:
        if key not in found:
            raise ScenarioError(
                f"--params {key}: no prior (the key is not a distribution in the scenario; "
                f"give one with --set '{key}={{dist: ...}}')"
            )
    dists = {k: found[k] for k in keys}
    return keys, abc.Prior(tuple(d.frozen() for d in dists.values())), dists


def check_budget(s: Settings) -> None:
    if s.method == "rejection":
        if s.proposals < s.particles:
            raise ScenarioError(f"--budget {s.budget}: rejection needs at least particles x "
                                f"replicates = {s.particles * s.replicates} runs")  # fmt: skip
        return
    need = s.proposals * s.replicates
    if s.generations < 2:
        raise ScenarioError(f"--budget {s.budget}: SMC needs at least two generations of "
                            f"{need} runs ({2 * need} runs)")  # fmt: skip


def _scale(t: targets.Target) -> float:
    """A target's distance unit: its tolerance, or 1% of the observed value when exact."""
    if t.tolerance > 0:
        return t.tolerance
    return max(abs(t.observed) * 0.01, 1e-6)


class Simulator:
    """Statistics of the targets at parameter points, via the runner."""

    def __init__(self, base: str, s: Settings, tlist, workers=None, executor=None):
        self.base, self.s, self.targets = base, s, tlist
        self.workers, self.executor = workers, executor
        self.observed = np.array([t.observed for t in tlist])
        self.scale = np.array([_scale(t) for t in tlist])
        self.weights = np.array([t.weight for t in tlist])

    def _scenario(self, values):
        size = self.s.replicates
        overrides = [*(f"{k}={float(v)!r}" for k, v in zip(self.s.keys, values, strict=True)),
                     f"runs={size}", f"block_size={size}", f"seed={self.s.seed}"]  # fmt: skip
        return load_text(self.base, "scenario.yaml", overrides)

    def statistics(self, theta: np.ndarray) -> np.ndarray:
        """``(n, k)`` simulated statistics (point estimates) of every target at every row."""
        tasks = ((self._scenario(row), 0, False) for row in theta)
        rows = [[t.evaluate(r.outcomes)[0] for t in self.targets]
                for r in run_tasks(tasks, self.workers, self.executor)]  # fmt: skip
        return np.array(rows, dtype=float).reshape(len(theta), len(self.targets))

    def distances(self, sims: np.ndarray) -> np.ndarray:
        return abc.distance(sims, self.observed, self.scale, self.weights)


def generation_file(folder: Path, g: int) -> Path:
    return folder / "generations" / f"{g:03d}.json"


def read_generation(folder: Path, g: int) -> dict | None:
    try:
        return json.loads(generation_file(folder, g).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _as_generation(rec: dict) -> abc.Generation:
    return abc.Generation(np.array(rec["theta"], dtype=float).reshape(-1, rec["dim"]),
                          np.array(rec["weights"]), np.array(rec["distances"]),
                          np.array(rec["chosen"]), rec["tolerance"], rec["acceptance"],
                          rec["ess"])  # fmt: skip


def calibrate(folder: Path, base: str, s: Settings, tlist, prior: abc.Prior, *, workers=None,
              executor=None, on_generation=None) -> list[dict]:  # fmt: skip
    """Run (or finish) the calibration in ``folder``; the generation records, in order."""
    sim = Simulator(base, s, tlist, workers, executor)
    (folder / "generations").mkdir(exist_ok=True)
    records: list[dict] = []
    previous = None
    for g in range(s.generations):
        rec = read_generation(folder, g)
        if rec is None:
            rng = abc.generation_rng(s.seed, g)
            theta = abc.draw(prior, previous, s.proposals, rng)
            sims = sim.statistics(theta)
            gen = abc.accept(prior, theta, sim.distances(sims), s.particles, previous)
            rec = _record(g, gen, sims[gen.chosen], s.proposals * s.replicates)
            write_json_atomic(generation_file(folder, g), rec)
        records.append(rec)
        previous = _as_generation(rec)
        if on_generation:
            on_generation(rec)
    return records


def _record(g: int, gen: abc.Generation, sims: np.ndarray, runs: int) -> dict:
    return {
        "generation": g, "dim": int(gen.theta.shape[1]),
        "theta": gen.theta.ravel().tolist(), "weights": gen.weights.tolist(),
        "distances": gen.distances.tolist(), "chosen": gen.chosen.tolist(),
        "statistics": sims.ravel().tolist(), "tolerance": gen.tolerance,
        "acceptance": gen.acceptance, "ess": gen.ess, "runs": runs,
    }  # fmt: skip
