"""``tradewar calibrate``: ABC over a scenario's uncertain keys against a targets file.

Each particle is a parameter point: the scenario with the calibrated keys set to the
particle's values, simulated for ``replicates`` runs with the scenario's own seed (common
random numbers: every particle sees the same random numbers, so differences between particles
are the parameters' doing). Every target is evaluated over those runs, so all targets are
*per-point* statistics (a median talks week is a property of the distribution of runs at a
point); with ``--replicates 1`` each particle is one run and the targets become per-run.

Small blocks simulate slowly, so several particles share one block (``tile`` in
:class:`~sim.model.TradeWarModel`): every random stream is drawn for ``replicates`` rows and
repeated per particle, and the calibrated keys get per-replicate values, so each particle's
runs are exactly those it would have alone. The packed blocks run as tasks through
:func:`sim.runner.run_tasks`, like sweep points, so they parallelise over workers or a Dask
cluster, and results do not depend on the worker count.
Each finished generation is written atomically to ``generations/NNN.json``; ``--resume``
continues after the last one, and the result files are built from those records only, so a
resumed calibration ends byte for byte like an uninterrupted one.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim import abc, limits, targets
from sim import columns as C
from sim.distributions import Distribution, uncertain
from sim.model import TradeWarModel
from sim.results import write_json_atomic
from sim.runner import BlockError, block_seed, run_tasks, shared_pool
from sim.scenario import Scenario, ScenarioError, load_text

METHODS = ("rejection", "smc")
PROPOSALS_PER_PARTICLE = 2  # SMC proposals per generation, per wanted particle
# Replicates per packed block: blocks of a few thousand run several times faster per run
# than blocks of 100, and a generation of 100 particles x 100 replicates still makes four
# tasks for the workers. Fixed, not derived from the worker count (nor need it be: a
# particle's statistics do not depend on what it is packed with).
TASK_RUNS = 2_500


@dataclass(frozen=True)
class Settings:
    """What a calibration does; stored as settings.json so ``--resume`` repeats it."""

    keys: tuple[str, ...]
    method: str
    budget: int
    particles: int
    replicates: int
    seed: int
    from_runs: str | None = None  # a run folder whose runs are the particles (no simulation)

    @property
    def proposals(self) -> int:
        if self.method == "rejection":  # with from_runs, budget is the folder's runs
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
                f"give one in the targets file's priors: or with --set '{key}={{dist: ...}}')"
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


def scale(t: targets.Target) -> float:
    """A target's distance unit: its tolerance, or 1% of the observed value when exact."""
    if t.tolerance > 0:
        return t.tolerance
    return max(abs(t.observed) * 0.01, 1e-6)


def point_scenario(base: str, s: Settings, prior: abc.Prior,
                   source: str = "scenario.yaml") -> Scenario:  # fmt: skip
    """The scenario of one parameter point, its calibrated keys numbers (packed blocks replace
    them with per-replicate values). Any prior draw is valid: each prior's support lies
    within its key's bounds, which the scenario's validation checked. The command builds it
    once before it writes anything, so that a point that cannot be built is refused first.

    Raises:
        ScenarioError: a calibrated key ``--set`` does not take, or a block of
            ``s.replicates`` runs that does not fit in memory.
    """
    medians = [f"{k}={float(d.ppf(0.5))!r}" for k, d in zip(s.keys, prior.marginals,
               strict=True)]  # fmt: skip
    size = s.replicates
    extra = [f"seed={s.seed}", f"runs={size}", f"block_size={size}"]
    return load_text(base, source, [*medians, *extra], option="calibrate")


class Simulator:
    """Statistics of the targets at parameter points, via the runner."""

    def __init__(self, base: str, s: Settings, tlist, prior: abc.Prior, workers=None,
                 executor=None):  # fmt: skip
        self.base, self.s, self.targets, self.prior = base, s, tlist, prior
        self.workers, self.executor = workers, executor
        self.observed = np.array([t.observed for t in tlist])
        self.scale = np.array([scale(t) for t in tlist])
        self.weights = np.array([t.weight for t in tlist])

    def statistics(self, theta: np.ndarray) -> np.ndarray:
        """``(n, k)`` simulated statistics (point estimates) of every target at every row."""
        point = point_scenario(self.base, self.s, self.prior)
        fits = min(TASK_RUNS, limits.MAX_BLOCK_CELLS // limits.block_cells(point, 1))
        per = max(1, fits // self.s.replicates)
        tasks = ((point, self.s.keys, theta[i:i + per], self.s.replicates, self.targets)
                 for i in range(0, len(theta), per))  # fmt: skip
        parts = list(run_tasks(tasks, self.workers, self.executor, fn=simulate_points))
        return np.concatenate(parts).reshape(len(theta), len(self.targets))

    def distances(self, sims: np.ndarray) -> np.ndarray:
        return abc.distance(sims, self.observed, self.scale, self.weights)


def simulate_points(point: Scenario, keys, theta: np.ndarray, replicates: int,
                    tlist) -> np.ndarray:  # fmt: skip
    """The targets' statistics, ``(len(theta), k)``, of the points ``theta`` (one row per
    point), simulated together in one block of ``len(theta) * replicates`` runs."""
    n, size = len(theta), len(theta) * replicates
    fixed = {k: np.repeat(theta[:, j], replicates) for j, k in enumerate(keys)}
    packed = dataclasses.replace(point, runs=size, block_size=size)
    try:
        model = TradeWarModel(packed, size, block_seed(point.seed, 0), tile=n, fixed=fixed)
        runs = model.simulate().outcomes()
        weekly = _weekly(model) if any(t.statistic == "weekly_median" for t in tlist) else {}
        model.release()
    except Exception as exc:
        raise BlockError(f"parameter points {theta.tolist()} (seed {point.seed}) failed: "
                         f"{type(exc).__name__}: {exc}") from exc  # fmt: skip
    rows = []
    for p in range(n):
        mine = slice(p * replicates, (p + 1) * replicates)
        own = {c: v[mine] for c, v in runs.items()}
        rows.append([t.evaluate(own, {k: v[:, mine] for k, v in weekly.items()})[0]
                     for t in tlist])  # fmt: skip
    return np.array(rows, dtype=float).reshape(n, len(tlist))


def _weekly(model: TradeWarModel) -> dict:
    """``{(country, tariff_on_<J>): (weeks, runs)}``, the weekly quantities that
    ``weekly_median`` targets read (the tariff columns of steps.csv)."""
    tariff, names = model.trajectory()["tariff"], model.names
    return {(a, C.TARIFF_ON.name(j=b)): tariff[:, :, i, j]
            for i, a in enumerate(names) for j, b in enumerate(names) if i != j}  # fmt: skip


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
    with shared_pool(workers, executor) as pool:
        return _generations(folder, Simulator(base, s, tlist, prior, workers, pool), prior,
                            on_generation)  # fmt: skip


def _generations(folder: Path, sim: Simulator, prior: abc.Prior, on_generation) -> list[dict]:
    s = sim.s
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
            rec = record(g, gen, sims[gen.chosen], s.proposals * s.replicates)
            write_json_atomic(generation_file(folder, g), rec)
        records.append(rec)
        previous = _as_generation(rec)
        if on_generation:
            on_generation(rec)
    return records


def record(g: int, gen: abc.Generation, sims: np.ndarray, runs: int) -> dict:
    return {
        "generation": g, "dim": int(gen.theta.shape[1]),
        "theta": gen.theta.ravel().tolist(), "weights": gen.weights.tolist(),
        "distances": gen.distances.tolist(), "chosen": gen.chosen.tolist(),
        "statistics": sims.ravel().tolist(), "tolerance": gen.tolerance,
        "acceptance": gen.acceptance, "ess": gen.ess, "runs": runs,
    }  # fmt: skip
