"""The ``tradewar calibrate`` command: options, folder set-up, resume, printed report."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from sim import limits
from sim.cluster import executor_for
from sim.results import OutputError, prepare_output, write_json_atomic
from sim.runner import manifest_base, recorded
from sim.scenario import ScenarioError, dump, load, load_text, read_text

DEFAULTS = {"method": "smc", "budget": 40_000, "particles": 50, "replicates": 100}


def add_parser(sub, common) -> None:
    p = sub.add_parser("calibrate", help="fit a scenario's uncertain keys to a targets file (ABC)")
    p.add_argument("scenario", nargs="?", help="scenario YAML file (not with --resume)")
    p.add_argument("--targets", help="targets YAML file (format: sim/targets.py)")
    p.add_argument("--params", nargs="+", metavar="KEY", help="keys to calibrate (default: "
                   "every distribution of the scenario); each needs a prior")  # fmt: skip
    p.add_argument("--method", choices=("rejection", "smc"), help="ABC method (default smc)")
    p.add_argument("--budget", type=int, help=f"runs in all (default {DEFAULTS['budget']})")
    p.add_argument("--particles", type=int, help="accepted parameter sets per generation "
                   f"(default {DEFAULTS['particles']})")  # fmt: skip
    p.add_argument("--replicates", type=int, help="runs at each parameter set (default "
                   f"{DEFAULTS['replicates']})")  # fmt: skip
    p.add_argument("--from-runs", metavar="DIR", help="ABC rejection on the runs of the run "
                   "folder DIR (no new runs; per-run targets only)")  # fmt: skip
    p.add_argument("--out", help="result folder (default results/<name>/calibrate-<UTC time>/)")
    p.add_argument("--resume", metavar="DIR", help="finish an interrupted calibration in DIR")
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler, tcp://HOST:PORT")
    common(p, "--seed", "--workers", "--set")
    p.set_defaults(func=cmd_calibrate)


def _settings(args, scenario):
    """The settings of a new calibration, after every check (the parameter point included:
    nothing the calibration will ask of the scenario may fail once files are written)."""
    from sim.calibrate import Settings, check_budget, point_scenario, prior_of

    keys, prior, _ = prior_of(scenario, args.params)
    chosen = {k: getattr(args, k) if getattr(args, k) is not None else v
              for k, v in DEFAULTS.items()}  # fmt: skip
    for name in ("budget", "particles", "replicates"):
        if chosen[name] < 1 or (name == "particles" and chosen[name] < 2):
            raise ScenarioError(f"--{name} must be at least {2 if name == 'particles' else 1}")
    seed = scenario.seed if args.seed is None else args.seed
    s = Settings(keys, chosen["method"], chosen["budget"], chosen["particles"],
                 chosen["replicates"], seed)  # fmt: skip
    check_budget(s)
    cells = limits.block_cells(scenario, s.replicates)
    if cells > limits.MAX_BLOCK_CELLS:
        raise ScenarioError(f"--replicates {s.replicates}: the runs at one parameter set are "
                            f"one block of {cells:,} cells (replicates x countries^2 x weeks); "
                            f"at most {limits.MAX_BLOCK_CELLS:,} fit in memory")  # fmt: skip
    point_scenario(dump(scenario), s, prior, args.scenario)
    return s


def _from_runs(args):
    """The scenario and settings of ``--from-runs DIR``, after every check."""
    from sim import targets
    from sim.calibrate import Settings, check_budget, prior_of
    from sim.calibrate_runs import read_runs

    given = [f"--{a}" if a != "scenario" else "SCENARIO"
             for a in ("scenario", "budget", "replicates", "seed")
             if getattr(args, a) is not None]  # fmt: skip
    if given or args.overrides or args.method == "smc":
        given += ["--set"] * bool(args.overrides) + ["--method smc"] * (args.method == "smc")
        raise OutputError(f"--from-runs takes the scenario, its runs and seed from DIR (ABC "
                          f"rejection): not with {', '.join(given)}")  # fmt: skip
    source = Path(args.from_runs)
    if not (source / "scenario.yaml").is_file():
        raise OutputError(f"--from-runs {source}: not a tradewar run folder (no scenario.yaml)")
    scenario = load(source / "scenario.yaml")
    targets.load(args.targets, scenario, per_run=True)
    if targets.read_priors(args.targets):
        raise OutputError(f"{args.targets}: priors: with --from-runs the priors are the "
                          "distributions the runs were drawn from")  # fmt: skip
    keys, _, _ = prior_of(scenario, args.params)
    theta, _ = read_runs(source, keys)
    particles = args.particles if args.particles is not None else DEFAULTS["particles"]
    if particles < 2:
        raise ScenarioError("--particles must be at least 2")
    s = Settings(keys, "rejection", len(theta), particles, 1, scenario.seed,
                 str(source.resolve()))  # fmt: skip
    check_budget(s)
    return scenario, s


def _with_priors(args):
    """The scenario with the targets file's priors applied, then ``--set`` (which wins)."""
    from sim import targets

    text = read_text(args.scenario)
    load_text(text, args.scenario, args.overrides)  # the scenario's own problems first
    priors = targets.read_priors(args.targets)
    for key, (value, where) in priors.items():
        try:
            load_text(text, args.scenario, [f"{key}={value}"], option="priors:")
        except ScenarioError as exc:  # named by the targets file's line
            own = f"{args.scenario}: priors: {key}: "
            detail = "\n".join(line.removeprefix(own) for line in str(exc).splitlines())
            raise ScenarioError(f"{where}: priors.{key}: {detail}") from None
    overrides = [*(f"{k}={v}" for k, (v, _) in priors.items()), *args.overrides]
    return load_text(text, args.scenario, overrides)


def _folder(args) -> Path:
    """The folder to run: the one to resume, or a new one set up (after every check)."""
    from sim import targets

    if args.resume:
        options = ("scenario", "targets", "params", "method", "budget", "particles",
                   "replicates", "out", "seed", "from_runs")  # fmt: skip
        given = [a for a in options if getattr(args, a) is not None]
        if given or args.overrides:
            raise OutputError("--resume takes everything from DIR; with --resume only "
                              "--workers and --scheduler apply")  # fmt: skip
        return Path(args.resume)
    if args.targets is None or (args.scenario is None and args.from_runs is None):
        raise OutputError("calibrate needs a SCENARIO file (or --from-runs DIR) and --targets "
                          "FILE, or --resume DIR")  # fmt: skip
    if args.from_runs is not None:
        scenario, s = _from_runs(args)
    else:
        scenario = _with_priors(args)
        targets.load(args.targets, scenario)  # validated before anything is written
        s = _settings(args, scenario)
    folder = prepare_output(args.out, scenario.name, prefix="calibrate-")
    (folder / "scenario.yaml").write_text(dump(scenario), encoding="utf-8")
    (folder / "targets.yaml").write_text(Path(args.targets).read_text(encoding="utf-8"),
                                         encoding="utf-8")  # fmt: skip
    write_json_atomic(folder / "settings.json", {**s.__dict__, "keys": list(s.keys)})
    return folder


def _read(folder: Path):
    from sim import targets
    from sim.calibrate import Settings, prior_of

    try:
        raw = json.loads((folder / "settings.json").read_text(encoding="utf-8"))
        s = Settings(**{**raw, "keys": tuple(raw["keys"])})
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise OutputError(f"{folder}: not a calibration folder ({exc})") from None
    base = (folder / "scenario.yaml").read_text(encoding="utf-8")
    scenario = load_text(base, str(folder / "scenario.yaml"))
    tlist = targets.load(folder / "targets.yaml", scenario, per_run=s.from_runs is not None)
    _, prior, dists = prior_of(scenario, s.keys)
    return s, base, scenario, tlist, prior, dists


def cmd_calibrate(args: argparse.Namespace) -> int:
    from sim import calibrate, calibration_out
    from sim.calibrate_runs import calibrate_runs

    with executor_for(args.scheduler) as (executor, dask_workers):
        folder = args.folder = _folder(args)
        s, base, scenario, tlist, prior, dists = _read(folder)
        manifest = manifest_base(scenario, args.workers, shlex.join(["tradewar", *args.argv]),
                                 "calibrate")  # fmt: skip
        manifest.update(calibration={**s.__dict__, "keys": list(s.keys)},
                        runs=s.generations * s.proposals * s.replicates)  # fmt: skip
        if dask_workers is not None:
            manifest.update(workers=dask_workers, scheduler=args.scheduler)
        with recorded(folder, manifest):
            if s.from_runs is not None:
                records = calibrate_runs(folder, Path(s.from_runs), s, tlist, prior)
            else:
                records = calibrate.calibrate(
                    folder, base, s, tlist, prior, workers=args.workers, executor=executor,
                    on_generation=lambda r: print(
                        f"generation {r['generation']}: tolerance {r['tolerance']:.3g}, "
                        f"acceptance {r['acceptance']:.2f}, ESS {r['ess']:.1f}",
                        file=sys.stderr),
                )  # fmt: skip
            text = calibration_out.write_all(folder, base, s.keys, dists, tlist, records)
    print(f"results: {folder}")
    print(text, end="")
    return 0
