"""The ``tradewar`` command line: run, sweep, summarize, plot, trace, validate, explore, report.

Exit codes: 0 success, 1 internal error, 2 bad input or usage, 130 interrupted. Every error a
user can cause is one line on stderr naming the file, line and key; no traceback.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
import traceback
from pathlib import Path

from sim import __version__, cli_calibrate, interrupts, tables
from sim.cart import DEPTH, MAX_DEPTH
from sim.cluster import executor_for
from sim.discover import METHODS as DISCOVER_METHODS
from sim.results import OutputError, clean, prepare_output, read_manifest, write_json_atomic
from sim.runner import (
    BlockError,
    Progress,
    block_count,
    default_workers,
    manifest_base,
    output_bytes,
    recorded,
    run_to_folder,
    stats_line,
)
from sim.scenario import METHODS, ScenarioError, dump, load, uncertain
from sim.summarize import FORMATS

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
ALLOW_CODE = "let the scenario name user functions (module:function); only for trusted files"


def _whole(text: str, low: int, what: str, high: int = 2**63 - 1) -> int:
    """``text`` as a whole number in [low, high]; ``what`` names it in the message."""
    text = text.strip()
    # int() of thousands of digits is slow or refused; no count or seed needs 20 digits.
    if len(text) > 20 or not text.lstrip("+-").isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text[:24]!r}")
    value = int(text)
    if value < low:
        raise argparse.ArgumentTypeError(f"{what} is {low} or more, got {value}")
    if value > high:
        raise argparse.ArgumentTypeError(f"{what} is at most {high}, got {value}")
    return value


def _positive(text: str) -> int:
    return _whole(text, 1, "a count")


def _seed(text: str) -> int:
    return _whole(text, 0, "a seed")


def _run_number(text: str) -> int:
    return _whole(text, 0, "a run number")


def _say(exc: Exception) -> None:
    """One ``tradewar: error:`` line per problem (a scenario may have several)."""
    for line in str(exc).splitlines() or [""]:
        print(f"tradewar: error: {line}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tradewar",
        description="Trade-war negotiation simulator: repeated runs of YAML scenarios.",
    )
    parser.add_argument("--version", action="version", version=f"tradewar {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _run_parser(sub.add_parser("run", help="run a scenario many times and write result CSVs"))
    _sweep_parser(sub.add_parser("sweep", help="run a design of parameter points"))
    cli_calibrate.add_parser(sub, _common)
    _folder_parsers(sub)
    _analysis_parsers(sub)
    _app_parsers(sub)
    validate = sub.add_parser("validate", help="check scenario files without running them")
    validate.add_argument("scenarios", nargs="+", help="scenario YAML files")
    _common(validate, "--set", "--allow-code")
    validate.set_defaults(func=cmd_validate)
    return parser


def _common(p: argparse.ArgumentParser, *flags: str) -> None:
    """The options several commands share, worded once."""
    options = {
        "--set": dict(dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                      help="override a scenario value, e.g. countries.US.face_cost=0.3"),
        "--seed": dict(type=_seed, help="master seed (default: the scenario's)"),
        "--workers": dict(type=_positive, help="worker processes (default: all cores)"),
        "--quiet": dict(action="store_true", help="no progress bar"),
        "--allow-code": dict(action="store_true", help=ALLOW_CODE),
    }  # fmt: skip
    for flag in flags:
        p.add_argument(flag, **options[flag])


def _run_parser(run: argparse.ArgumentParser) -> None:
    run.add_argument("scenario", nargs="?", help="scenario YAML file (not with --resume)")
    run.add_argument("--runs", type=_positive, help="number of runs (overrides the file)")
    run.add_argument("--out", help="result folder (default results/<name>/<UTC time>/)")
    run.add_argument("--steps", action="store_true", help="also write steps.csv (large)")
    run.add_argument("--compress", action="store_true",
                     help="gzip the tables: runs.csv.gz, events.csv.gz (steps.csv.gz)")  # fmt: skip
    run.add_argument("--format", choices=tables.FORMATS, help="table files: csv (default) or "
                     "parquet (runs.parquet, ...; needs the parquet extra)")  # fmt: skip
    run.add_argument("--plot", action="store_true", help="write figures to DIR/plots afterwards")
    run.add_argument(
        "--compare-to",
        metavar="DIR",
        help="then compare the results with run folder DIR (tradewar compare)",
    )
    run.add_argument("--resume", metavar="DIR", help="finish an interrupted run in DIR")
    run.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler, tcp://HOST:PORT")
    _common(run, "--seed", "--workers", "--set", "--quiet", "--allow-code")
    run.set_defaults(func=cmd_run, run_parser=run)


def _sweep_parser(sweep: argparse.ArgumentParser) -> None:
    sweep.add_argument("scenario", nargs="?", help="scenario YAML file (not with --resume)")
    sweep.add_argument("--method", choices=METHODS, help="design (default: the sweep: block's)")
    sweep.add_argument("--points", type=_positive, help="design points (sobol: base sample n)")
    sweep.add_argument("--runs-per-point", type=_positive, help="replicates at every point")
    sweep.add_argument("--param", dest="params", action="append", default=[], metavar="KEY=SPEC",
                       help="swept key: [a, b] or low:high (low:high:num for grids)")  # fmt: skip
    sweep.add_argument("--out", help="sweep folder (default results/<name>/sweep-<UTC time>/)")
    sweep.add_argument(
        "--design",
        metavar="CSV",
        help="run exactly the points in CSV (header: swept keys; a row per point)",
    )
    sweep.add_argument("--resume", metavar="DIR", help="finish an interrupted sweep in DIR")
    sweep.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler, tcp://HOST:PORT")
    sweep.add_argument("--runs-detail", action="store_true", help="also write runs.csv")
    sweep.add_argument(
        "--trajectories",
        action="store_true",
        help="also write trajectories.csv (weekly tariff percentiles per point)",
    )
    _common(sweep, "--seed", "--workers", "--set", "--quiet", "--allow-code")
    sweep.set_defaults(func=cmd_sweep)


def _folder_parsers(sub) -> None:
    """The commands that read a result folder: trace, summarize, plot."""
    trace = sub.add_parser("trace", help="re-simulate one run of a result folder, week by week")
    trace.add_argument("folder", help="a result folder written by tradewar run")
    trace.add_argument("--run", type=_run_number, required=True, help="run number (0-based)")
    _common(trace, "--allow-code")
    trace.set_defaults(func=cmd_trace)
    summarize = sub.add_parser("summarize", help="the headline of a result folder, from its CSVs")
    summarize.add_argument("folder", help="a run or sweep folder")
    summarize.add_argument("--format", choices=FORMATS, default="table")
    summarize.add_argument("--sort-by", metavar="OUTCOME",
                           help="rank a sweep's points by this points.csv outcome")  # fmt: skip
    summarize.add_argument("--ascending", action="store_true", help="lowest first")
    summarize.add_argument("--outcome", dest="outcomes", action="append", metavar="NAME",
                           help="show only these outcomes (repeatable)")  # fmt: skip
    _common(summarize, "--allow-code")
    summarize.set_defaults(func=cmd_summarize)
    plot = sub.add_parser("plot", help="PNG figures of a result folder (needs the plot extra)")
    plot.add_argument("folder", help="a run or sweep folder")
    plot.add_argument("--out", help="where the PNGs go (default DIR/plots)")
    plot.add_argument("--outcome", dest="outcomes", action="append", metavar="NAME",
                      help="a sweep's outcomes to draw (repeatable; default: all)")  # fmt: skip
    _common(plot, "--allow-code")
    plot.set_defaults(func=cmd_plot)
    tidy = sub.add_parser("clean", help="remove the temporary files a killed run left in DIR")
    tidy.add_argument("folder", help="a run or sweep folder")
    tidy.set_defaults(func=cmd_clean)


def _analysis_parsers(sub) -> None:
    """The commands that answer "why" from result folders: compare, discover, sensitivity."""
    compare = sub.add_parser("compare", help="run folders side by side, with differences")
    compare.add_argument(
        "folders",
        nargs="+",
        metavar="DIR",
        help="run folders; each after the first is compared with the first",
    )
    compare.add_argument("--format", choices=FORMATS, default="table")
    compare.add_argument("--plot", metavar="PNG", help="also write the tariff fans overlaid")
    _common(compare, "--allow-code")
    compare.set_defaults(func=cmd_compare)
    discover = sub.add_parser("discover", help="which parameter region makes a condition likely")
    discover.add_argument("folder", help="a run folder (drawn parameters) or a sweep folder")
    discover.add_argument(
        "--where",
        required=True,
        metavar="CONDITION",
        help="e.g. \"first_approacher == 'CN'\" (runs.csv or points.csv columns)",
    )
    discover.add_argument(
        "--method",
        choices=DISCOVER_METHODS,
        default=DISCOVER_METHODS[0],
        help="PRIM boxes (default) or a CART tree (needs the analysis extra)",
    )
    discover.add_argument(
        "--depth",
        type=lambda t: _whole(t, 1, "a depth", MAX_DEPTH),
        default=DEPTH,
        help="CART: the tree's depth (default 3)",
    )
    discover.add_argument("--seed", type=_seed, help="CART: random_state's seed (default: the "
                          "folder's scenario seed)")  # fmt: skip
    discover.add_argument("--format", choices=("table", "json"), default="table")
    discover.add_argument("--plot", metavar="PNG", help="also write the figure")
    _common(discover, "--allow-code")
    discover.set_defaults(func=cmd_discover)
    sens = sub.add_parser("sensitivity", help="PAWN sensitivity of a run folder's outcomes to "
                          "its drawn parameters (needs the analysis extra)")  # fmt: skip
    sens.add_argument("folder", help="a run folder whose scenario draws parameters")
    sens.add_argument("--outcome", dest="outcomes", action="append", required=True,
                      metavar="NAME", help="a runs.csv column (repeatable)")  # fmt: skip
    sens.add_argument("--format", choices=("table", "json"), default="table")
    _common(sens, "--allow-code")
    sens.set_defaults(func=cmd_sensitivity)


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.compare import compare, figure

    print(compare(args.folders, args.format, args.allow_code))
    if args.plot:
        figure(args.folders, args.plot, args.allow_code)
        print(f"figure: {args.plot}")
    return EXIT_OK


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from sim.runsens import sensitivity_text

    print(sensitivity_text(args.folder, args.outcomes, args.format, args.allow_code))
    return EXIT_OK


def cmd_discover(args: argparse.Namespace) -> int:
    from sim.discover import discover

    print(discover(args.folder, args.where, args.format, args.plot, args.allow_code,
                   args.method, args.seed, args.depth))  # fmt: skip
    if args.plot:
        print(f"figure: {args.plot}")
    return EXIT_OK


def _port(text: str) -> int:
    value = _seed(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, got {value}")
    return value


def _app_parsers(sub) -> None:
    """The commands of the app extra: explore, report, and run's --report."""
    explore = sub.add_parser("explore", help="an interactive page: move a control, watch the "
                             "distribution of outcomes change (needs the app extra)")  # fmt: skip
    explore.add_argument(
        "target",
        nargs="?",
        default="scenarios/us_china_2025.yaml",
        metavar="SCENARIO|RESULT_DIR",
        help="scenario YAML file or result folder (default: %(default)s)",
    )
    explore.add_argument(
        "--port",
        type=_port,
        default=5006,
        help="port to serve on (default: %(default)s; 0 for any free port)",
    )
    explore.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to serve on (default: %(default)s, this machine only)",
    )
    explore.add_argument("--runs", type=_positive, help="runs per change (default: the file's)")
    _common(explore, "--allow-code")
    explore.set_defaults(func=cmd_explore)
    report = sub.add_parser("report", help="one self-contained HTML file of a result folder "
                            "(needs the app extra)")  # fmt: skip
    report.add_argument("folder", help="a run or sweep folder")
    report.add_argument("-o", "--out", help="the HTML file (default DIR/report.html)")
    _common(report, "--allow-code")
    report.set_defaults(func=cmd_report)
    sub.choices["run"].add_argument(
        "--report",
        action="store_true",
        help="write DIR/report.html afterwards (needs the app extra)",
    )


def cmd_explore(args: argparse.Namespace) -> int:
    from sim.app import require_bokeh

    require_bokeh("explore")
    from sim.app.server import free_port, is_loopback, make_page, serve

    target = Path(args.target)
    if not target.exists():
        raise OutputError(f"{target}: no such scenario file or result folder")
    if target.is_dir() and args.runs is not None:
        raise OutputError(f"{target}: --runs is for a scenario; a result folder shows its own runs")
    free_port(args.host, args.port)  # a port in use is said before any simulating
    if not is_loopback(args.host):
        print(f"tradewar: warning: serving on {args.host}: anyone who can reach it can run "
              "simulations on this machine; there is no login", file=sys.stderr)  # fmt: skip

    def progress(done: int, total: int) -> None:
        end = "\n" if done == total else ""
        print(f"\rtradewar: baseline: {done:,}/{total:,} runs", end=end, file=sys.stderr)

    page = make_page(target, args.runs, args.allow_code, progress)

    def ready(url: str) -> None:
        print(f"tradewar explore: {target} at {url} (Ctrl-C stops)", flush=True)

    try:
        serve(page, args.host, args.port, ready)
    except KeyboardInterrupt:
        print("tradewar: explorer stopped", file=sys.stderr)
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from sim.app import require_bokeh

    require_bokeh("report")
    from sim.app.report import write_report

    print(write_report(args.folder, args.out, args.allow_code))
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    if args.report:  # before a long run, not after it
        from sim.app import require_bokeh

        require_bokeh("run --report")
    if args.plot:  # before any work: a missing extra is bad input, and nothing should run
        from sim.plots import require_matplotlib

        require_matplotlib()
    if args.format == "parquet":
        tables.require_parquet()
    if args.compress and args.format == "parquet":
        raise OutputError("--compress is for CSV; Parquet files are compressed already")
    # Connect first: a scheduler that cannot be reached leaves no folder behind.
    with executor_for(args.scheduler) as (executor, dask_workers):
        scenario, folder, resume, steps = _run_folder(args)
        args.folder = folder
        if resume is not None and resume >= scenario.runs:
            print(f"results: {folder}")
            print(f"tradewar: {folder}: the run is already complete; nothing to do",
                  file=sys.stderr)  # fmt: skip
            return EXIT_OK
        blocks = block_count(scenario.runs, scenario.block_size)
        progress = Progress(scenario.runs, sys.stderr, not args.quiet, time.monotonic, blocks)
        command = shlex.join(["tradewar", *args.argv])
        if not args.quiet:
            print(f"tradewar: {scenario.name}: {scenario.runs} runs -> {folder}", file=sys.stderr)
        text = run_to_folder(
            # on a cluster, two blocks in flight per Dask thread (not per local core)
            scenario, folder, workers=args.workers if executor is None else dask_workers,
            steps=steps, command=command,
            progress=progress, executor=executor, resume=resume,
            dask=None if executor is None else (args.scheduler, dask_workers),
            fmt=args.format or "csv", compress=args.compress,
        )  # fmt: skip
    print(f"results: {folder}")
    print(text)
    if not args.quiet and (folder / "manifest.json").exists():
        print(f"tradewar: {stats_line(read_manifest(folder)['stats'])}", file=sys.stderr)
    if args.plot:
        from sim.plots import plot_folder

        for path in plot_folder(folder, allow_code=args.allow_code):
            print(f"figure: {path}")
    if args.compare_to:
        from sim.compare import compare

        print(compare([args.compare_to, folder], allow_code=args.allow_code))
    if args.report:
        from sim.app.report import write_report

        print(f"report: {write_report(folder, allow_code=args.allow_code)}")
    return EXIT_OK


def _run_folder(args: argparse.Namespace):
    """The scenario, folder, runs already done (None for a new run) and whether steps.csv is
    written: from DIR when resuming, else a new folder for the scenario file."""
    if args.resume:
        given = {
            "SCENARIO": args.scenario,
            "--runs": args.runs,
            "--out": args.out,
            "--steps": args.steps,
            "--seed": args.seed,
            "--set": args.overrides,
            "--compress": args.compress,
            "--format": args.format,
        }
        extra = [name for name, v in given.items() if v not in (None, []) and v is not False]
        if extra:
            raise OutputError(f"--resume takes the run from DIR, not from {', '.join(extra)}")
        folder = Path(args.resume)
        manifest = read_manifest(folder)
        if manifest.get("kind") != "run":
            raise OutputError(f"{folder}: not a folder written by tradewar run")
        scenario = load(folder / "scenario.yaml", allow_code=args.allow_code)
        done = manifest.get("runs_done")
        # whole blocks only: the CSVs are cut back to them and continued from the next
        if not isinstance(done, int) or done < 0 or (done % scenario.block_size and
                                                      done < scenario.runs):  # fmt: skip
            raise OutputError(f"{folder / 'manifest.json'}: runs_done is not a whole number "
                              f"of blocks of {scenario.block_size}")  # fmt: skip
        args.format, args.compress = manifest.get("format", "csv"), manifest.get("compress", False)
        if args.format == "parquet":
            raise OutputError(f"{folder}: a Parquet run cannot be resumed (a Parquet file cannot "
                              "be continued); run it again")  # fmt: skip
        return scenario, folder, done, tables.find(folder, "steps") is not None
    overrides = list(args.overrides)
    if args.runs is not None:
        overrides.append(f"runs={args.runs}")
    if args.seed is not None:
        overrides.append(f"seed={args.seed}")
    scenario = load(args.scenario, overrides, args.allow_code)
    needed = output_bytes(scenario, args.steps, args.compress or args.format == "parquet")
    folder = prepare_output(args.out, scenario.name, needed=needed)
    return scenario, folder, None, args.steps


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim import sweep  # only sweeps need scipy.stats.qmc and friends

    # Connect first: a scheduler that cannot be reached leaves no folder behind.
    with executor_for(args.scheduler) as (executor, dask_workers):
        folder = args.folder = _sweep_folder(args, sweep)
        settings, saved = sweep.read_settings(folder)
        if args.resume and sweep.is_complete(folder, settings):
            print(f"results: {folder}")
            print(f"tradewar: {folder}: the sweep is already complete; nothing to do",
                  file=sys.stderr)  # fmt: skip
            return EXIT_OK
        manifest = _sweep_manifest(args, sweep, settings, dask_workers)
        progress = Progress(manifest["runs"], sys.stderr, not args.quiet, time.monotonic)
        with recorded(folder, manifest, progress):
            report = sweep.run(
                folder, workers=args.workers, executor=executor,
                runs_detail=saved.get("runs_detail", False), allow_code=args.allow_code,
                on_point=lambda p: progress.advance(settings.runs_per_point),
                trajectories=saved.get("trajectories", False),
            )  # fmt: skip
            manifest.update(points=report.points, failures=len(report.failures))
    print(f"results: {folder}")
    print(f"{report.points} points x {settings.runs_per_point} runs ({settings.method})")
    if report.ranking:
        print(report.ranking)
    for point, error in report.failures:
        print(f"tradewar: point {point} failed: {error}", file=sys.stderr)
    if report.failures:
        print(f"tradewar: {len(report.failures)} of {report.points} points failed; the rest are "
              "in points.csv", file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    return EXIT_OK


def _sweep_manifest(args: argparse.Namespace, sweep, settings, dask_workers: int | None) -> dict:
    """The sweep's manifest: the whole design's runs and blocks, and the workers it uses."""
    scenario = load(args.folder / "scenario.yaml", allow_code=args.allow_code)
    manifest = manifest_base(scenario, args.workers, shlex.join(["tradewar", *args.argv]), "sweep")
    points = settings.size()
    blocks = points * sweep.blocks_per_point(settings, scenario.block_size)
    local = 1 if args.workers == 1 else (args.workers or default_workers())
    manifest.update(
        sweep=settings.to_json(), runs=points * settings.runs_per_point, blocks=blocks,
        block_size=min(scenario.block_size, settings.runs_per_point),
        workers=min(blocks, local) if dask_workers is None else dask_workers,
    )  # fmt: skip
    if args.scheduler:
        manifest["scheduler"] = args.scheduler
    return manifest


RESUME_OPTIONS = ("--workers", "--quiet", "--scheduler", "--allow-code")


def _sweep_folder(args: argparse.Namespace, sweep) -> Path:
    """The folder to run: the one to resume, or a new one set up from the scenario."""
    if args.resume:
        given = {"SCENARIO": args.scenario, "--method": args.method, "--points": args.points,
                 "--runs-per-point": args.runs_per_point, "--param": args.params,
                 "--design": args.design, "--out": args.out, "--runs-detail": args.runs_detail,
                 "--trajectories": args.trajectories, "--seed": args.seed,
                 "--set": args.overrides}  # fmt: skip
        extra = [name for name, v in given.items() if v not in (None, []) and v is not False]
        if extra:
            raise OutputError(f"--resume takes the design from DIR/sweep.json, not from "
                              f"{', '.join(extra)}; with --resume only "
                              f"{', '.join(RESUME_OPTIONS)} apply")  # fmt: skip
        folder = Path(args.resume)
        settings, _ = sweep.read_settings(folder)  # a clear error before anything else
        path = folder / "scenario.yaml"
        load(path, allow_code=args.allow_code)
        sweep.check_keys(path.read_text(encoding="utf-8"), str(path), settings, args.allow_code)
        return folder
    if args.scenario is None:
        raise OutputError("sweep needs a SCENARIO file (or --resume DIR)")
    scenario = load(args.scenario, args.overrides, args.allow_code)
    params = [sweep.parse_param(text) for text in args.params]
    method, points = args.method, args.points
    if args.design:
        from sim.designfile import read_design

        if params or method or points:
            raise ScenarioError("--design lists the points: not with --param, --method or "
                                "--points")  # fmt: skip
        params = list(read_design(args.design))
        method, points = "design", len(params[0].values)
    settings = sweep.settings_for(scenario, method, points, args.runs_per_point, params,
                                  args.seed)  # fmt: skip
    base = dump(scenario)
    sweep.check_keys(base, args.scenario, settings, args.allow_code)
    folder = prepare_output(args.out, scenario.name, prefix="sweep-")
    (folder / "scenario.yaml").write_text(base, encoding="utf-8")
    flags = {"runs_detail": args.runs_detail}
    if args.trajectories:  # only then: a sweep without it writes what it always did
        flags["trajectories"] = True
    write_json_atomic(folder / "sweep.json", {**settings.to_json(), **flags})
    return folder


def cmd_plot(args: argparse.Namespace) -> int:
    from sim.plots import plot_folder

    warn = lambda message: print(f"tradewar: warning: {message}", file=sys.stderr)  # noqa: E731
    for path in plot_folder(args.folder, args.out, warn, args.allow_code, args.outcomes):
        print(path)
    return EXIT_OK


def cmd_clean(args: argparse.Namespace) -> int:
    removed = clean(args.folder)
    for path, size in removed:
        print(f"removed {path} ({size:,} bytes)")
    freed = sum(size for _, size in removed)
    print(f"{args.folder}: {len(removed)} temporary file(s) removed, {freed:,} bytes freed")
    return EXIT_OK


def cmd_summarize(args: argparse.Namespace) -> int:
    from sim.summarize import summarize

    print(summarize(args.folder, args.format, args.allow_code, args.sort_by, args.ascending,
                    args.outcomes))  # fmt: skip
    return EXIT_OK


def cmd_trace(args: argparse.Namespace) -> int:
    from sim.trace import story  # only trace needs it

    print("\n".join(story(Path(args.folder), args.run, args.allow_code)))
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for path in args.scenarios:
        try:
            s = load(path, args.overrides, args.allow_code)
        except ScenarioError as exc:
            _say(exc)
            status = EXIT_USAGE
            continue
        print(
            f"OK {path}: {s.name}, {len(s.countries)} countries, {s.horizon} weeks, "
            f"{s.runs} runs, {len(uncertain(s))} uncertain parameters"
        )
    return status


def _kept(args: argparse.Namespace) -> str:
    """What an interrupt leaves behind, and (for a sweep) how to finish it."""
    folder = getattr(args, "folder", None)
    if args.command in ("sweep", "calibrate"):
        kept = "points" if args.command == "sweep" else "generations"
        return (
            f"finished {kept} are kept; resume with tradewar {args.command} --resume "
            f"{folder or 'DIR'}"
        )
    return ("finished blocks are kept" + (f" in {folder}" if folder else "")
            + f"; resume with tradewar run --resume {folder or 'DIR'}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (tests call this in-process)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "run" and args.scenario is None and args.resume is None:
            args.run_parser.error("the following arguments are required: scenario (or --resume)")
    except SystemExit as exc:  # argparse has printed usage or help
        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
    args.argv = argv
    restore = interrupts.stop_on_signal()
    try:
        return args.func(args)
    except (ScenarioError, OutputError) as exc:
        _say(exc)
        return EXIT_USAGE
    except BlockError as exc:
        print(f"tradewar: error: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    except BrokenPipeError:  # `tradewar summarize DIR | head`: the reader left; fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print(f"tradewar: interrupted; {_kept(args)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: say so plainly, traceback only on request
        if os.environ.get("TRADEWAR_DEBUG"):
            traceback.print_exc()
        print(f"tradewar: internal error: {type(exc).__name__}: {exc} "
              "(set TRADEWAR_DEBUG=1 for a traceback)", file=sys.stderr)  # fmt: skip
        return EXIT_INTERNAL
    finally:
        restore()
