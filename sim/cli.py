"""The ``tradewar`` command line: ``run``, ``trace`` and ``validate``.

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

from sim import __version__
from sim.results import OutputError, prepare_output
from sim.runner import BlockError, Progress, run_to_folder
from sim.scenario import ScenarioError, load, uncertain

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"a seed is 0 or more, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tradewar",
        description="Trade-war negotiation simulator: repeated runs of YAML scenarios.",
    )
    parser.add_argument("--version", action="version", version=f"tradewar {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario many times and write result CSVs")
    run.add_argument("scenario", help="scenario YAML file")
    run.add_argument("--runs", type=_positive, help="number of runs (overrides the file)")
    run.add_argument("--seed", type=_seed, help="master seed (overrides the file)")
    run.add_argument("--workers", type=_positive, help="worker processes (default: all cores)")
    run.add_argument("--out", help="result folder (default results/<name>/<UTC time>/)")
    run.add_argument("--steps", action="store_true", help="also write steps.csv (large)")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                     help="override a scenario value, e.g. countries.US.face_cost=0.3")  # fmt: skip
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(func=cmd_run)

    trace = sub.add_parser(
        "trace", help="re-simulate one run of a result folder and tell its story"
    )
    trace.add_argument("folder", help="a result folder written by tradewar run")
    trace.add_argument("--run", type=_seed, required=True, help="run number (0-based)")
    trace.set_defaults(func=cmd_trace)

    validate = sub.add_parser("validate", help="check scenario files without running them")
    validate.add_argument("scenarios", nargs="+", help="scenario YAML files")
    validate.add_argument("--set", dest="overrides", action="append", default=[],
                          metavar="KEY=VALUE", help="override a value before checking")  # fmt: skip
    validate.set_defaults(func=cmd_validate)
    return parser


def cmd_run(args: argparse.Namespace) -> int:
    overrides = list(args.overrides)
    if args.runs is not None:
        overrides.append(f"runs={args.runs}")
    if args.seed is not None:
        overrides.append(f"seed={args.seed}")
    scenario = load(args.scenario, overrides)
    folder = prepare_output(args.out, scenario.name)
    progress = Progress(scenario.runs, sys.stderr, not args.quiet, time.monotonic)
    command = shlex.join(["tradewar", *args.argv])
    if not args.quiet:
        print(f"tradewar: {scenario.name}: {scenario.runs} runs -> {folder}", file=sys.stderr)
    text = run_to_folder(
        scenario, folder, workers=args.workers, steps=args.steps, command=command,
        progress=progress,
    )  # fmt: skip
    print(f"results: {folder}")
    print(text)
    return EXIT_OK


def cmd_trace(args: argparse.Namespace) -> int:
    from sim.trace import story  # only trace needs it

    print("\n".join(story(Path(args.folder), args.run)))
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for path in args.scenarios:
        try:
            s = load(path, args.overrides)
        except ScenarioError as exc:
            print(f"tradewar: error: {exc}", file=sys.stderr)
            status = EXIT_USAGE
            continue
        print(
            f"OK {path}: {s.name}, {len(s.countries)} countries, {s.horizon} weeks, "
            f"{s.runs} runs, {len(uncertain(s))} uncertain parameters"
        )
    return status


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (tests call this in-process)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed usage or help
        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
    args.argv = argv
    try:
        return args.func(args)
    except (ScenarioError, OutputError) as exc:
        print(f"tradewar: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BlockError as exc:
        print(f"tradewar: error: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        print("tradewar: interrupted; finished blocks are kept", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: say so plainly, traceback only on request
        if os.environ.get("TRADEWAR_DEBUG"):
            traceback.print_exc()
        print(f"tradewar: internal error: {type(exc).__name__}: {exc} "
              "(set TRADEWAR_DEBUG=1 for a traceback)", file=sys.stderr)  # fmt: skip
        return EXIT_INTERNAL
