"""Check that this working tree writes the same result files as another revision.

Runs ``python -m sim run`` on a set of shipped scenarios (fixed seeds, several blocks, a partial
block, ``--steps``, every deal rule) once with the reference code and once with this tree, then
compares every file byte for byte; manifest.json is compared without its timing and command
fields. Meant for changes that must not move a single bit (speed work).

Usage: python benchmarks/same_bytes.py [--ref main] [--keep DIR]

``--ref`` is a git revision (exported with ``git archive``) or a directory holding a checkout.
Exit code 0 when every case matches, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from revision import ROOT, exported

S = ROOT / "scenarios"
CASES = {
    "us_china": [S / "us_china_2025.yaml", "--runs", "3000", "--steps", "--seed", "11"],
    "us_china_partial": [S / "us_china_2025.yaml", "--runs", "1700", "--steps",
                         "--set", "block_size=600"],
    "nash": [S / "us_china_2025.yaml", "--runs", "1000", "--seed", "3",
             "--set", "negotiation.deal_rule=nash"],
    "rubinstein": [S / "us_china_2025.yaml", "--runs", "1000", "--seed", "4",
                   "--set", "negotiation.deal_rule=rubinstein"],
    "three_countries": [S / "three_countries.yaml", "--runs", "2000", "--steps", "--seed", "5"],
    "threat_deadline": [S / "threat_deadline.yaml", "--runs", "1000", "--steps", "--seed", "6"],
    "truce_talks": [S / "truce_talks.yaml", "--runs", "1000", "--steps", "--seed", "8"],
    "face_stalemate": [S / "face_stalemate.yaml", "--runs", "1000", "--seed", "9"],
    "mutual_hawks": [S / "mutual_hawks.yaml", "--runs", "1000", "--seed", "10"],
    "symmetric_baseline": [S / "symmetric_baseline.yaml", "--runs", "1000", "--steps"],
}  # fmt: skip
VOLATILE = ("command", "started_utc", "wall_time_s", "stats")


def run(code: Path, args: list, out: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(code)}
    cmd = [sys.executable, "-m", "sim", "run", *map(str, args), "--workers", "1", "--quiet",
           "--out", str(out)]  # fmt: skip
    # cwd too: ``python -m`` puts the working directory first on sys.path
    subprocess.run(cmd, env=env, cwd=code, check=True, stdout=subprocess.DEVNULL)


def manifest(path: Path) -> dict:
    data = json.loads(path.read_text())
    return {k: v for k, v in data.items() if k not in VOLATILE}


def differences(a: Path, b: Path) -> list[str]:
    """Names of the files that differ between result folders ``a`` and ``b``."""
    names = sorted({p.name for p in a.iterdir()} | {p.name for p in b.iterdir()})
    bad = []
    for name in names:
        fa, fb = a / name, b / name
        if not (fa.exists() and fb.exists()):
            bad.append(f"{name} (missing in one)")
        elif name == "manifest.json":
            if manifest(fa) != manifest(fb):
                bad.append(name)
        elif fa.read_bytes() != fb.read_bytes():
            bad.append(name)
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="main", help="git revision or checkout directory")
    parser.add_argument("--keep", type=Path, help="write the result folders here")
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    args = parser.parse_args()
    ref_dir = Path(args.ref)
    with contextlib.ExitStack() as stack:
        ref = ref_dir if ref_dir.is_dir() else stack.enter_context(exported(args.ref))
        work = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        failed = 0
        for name in args.cases:
            run(ref, CASES[name], work / name / "ref")
            run(ROOT, CASES[name], work / name / "new")
            bad = differences(work / name / "ref", work / name / "new")
            files = sorted(p.name for p in (work / name / "new").iterdir())
            print(f"{name:20} {'DIFFERENT: ' + ', '.join(bad) if bad else 'same bytes'}"
                  f"  ({', '.join(files)})")  # fmt: skip
            failed += bool(bad)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
