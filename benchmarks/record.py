"""Run every benchmark and record what each printed in docs/speed.md.

The README quotes no speed figure of its own: it points at docs/speed.md, which this script
writes from the benchmarks' own output, with the commit, the machine's cores and the load
average around each benchmark (these machines are shared, so a figure means little without
the load it was measured under). Every ``benchmarks/bench_*.py`` is run; ``ARGS`` only adds
options to some of them.

Usage: python benchmarks/record.py [--write docs/speed.md] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent

# Options beyond each benchmark's defaults (the rest run as they are).
ARGS: dict[str, list[str]] = {
    "bench_sweep": ["--million"],
    # 619d403: the commit before issue 15's speed work, the baseline its 2x is measured from
    "bench_step": ["--baseline", "619d403", "--rounds", "3"],
}


def benchmarks() -> list[str]:
    """Every benchmark script's name, in name order."""
    return sorted(p.stem for p in HERE.glob("bench_*.py"))


def _load() -> str:
    return "{:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def run_one(name: str) -> str:
    """One benchmark's section: its command, the load around it, and what it printed."""
    command = ["python", f"benchmarks/{name}.py", *ARGS.get(name, [])]
    before, start = _load(), time.perf_counter()
    done = subprocess.run([sys.executable, *command[1:]], cwd=ROOT, capture_output=True,
                          text=True, check=False)  # fmt: skip
    wall = time.perf_counter() - start
    text = scrub(done.stdout + done.stderr)
    status = "" if done.returncode == 0 else f" (exit {done.returncode})"
    return (f"## {name}\n\n`{' '.join(command)}`{status}: {wall:.0f} s; load average "
            f"{before} before, {_load()} after.\n\n```text\n{text}\n```\n")  # fmt: skip


def scrub(text: str) -> str:
    """Machine paths never reach the docs: the repository becomes ".", a temporary folder
    "<temporary folder>"."""
    text = text.replace(str(ROOT), ".")
    return re.sub(re.escape(tempfile.gettempdir()) + r"/\S+", "<temporary folder>", text).rstrip()


def header() -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True, check=False).stdout.strip()  # fmt: skip
    import mesa
    import numpy

    return (
        "# Speed: what the benchmarks printed\n\n"
        "Written by `python benchmarks/record.py --write docs/speed.md`; do not edit by hand.\n"
        "Each section is one benchmark's output, measured in one process run (ratios within a "
        "run are what to compare: the machine is shared and its load is given).\n\n"
        f"- date: {dt.date.today().isoformat()}; commit: {commit or 'unknown'}\n"
        f"- cores: {os.cpu_count()}; Python {platform.python_version()}, "
        f"numpy {numpy.__version__}, Mesa {mesa.__version__}\n\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="file to write (default: print)")
    parser.add_argument("--only", nargs="+", choices=benchmarks(), help="benchmarks to run")
    args = parser.parse_args(argv)
    text = header() + "\n".join(run_one(name) for name in args.only or benchmarks())
    if args.write:
        args.write.write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
