"""Regenerate tests/data/regression/, the golden result files that test_shipped.py checks.

After a deliberate change to the model's numbers, from the repository root:

    python tests/data/make_regression.py

For each case it simulates the first runs of a shipped scenario (the scenario's own seed) on
one worker with ``--steps``, exactly as ``test_regression_against_checked_in_files`` does, and
writes runs.csv, events.csv and the first ``STEP_RUNS`` runs' rows of steps.csv over the
golden copies in ``tests/data/regression/SCENARIO/``. Review the diff before committing it.
A speed-up that claims "same bytes" must leave every one of these files unchanged.
"""

from __future__ import annotations

import csv
import io
import shutil
import sys
import tempfile
from pathlib import Path

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).with_name("regression")
# scenario stem -> runs; two countries with the shipped calibration, and three with threats.
CASES = {"us_china_2025": 40, "three_countries": 12}
FILES = ("runs.csv", "events.csv", "steps.csv")
STEP_RUNS = 8  # steps.csv is kept for the first runs only, to keep the golden files small


def simulate(stem: str, out: Path) -> Path:
    """Run one case into the new folder ``out``; returns ``out``."""
    scenario = ROOT / "scenarios" / f"{stem}.yaml"
    code = main(["run", str(scenario), "--runs", str(CASES[stem]), "--workers", "1", "--quiet",
                 "--steps", "--out", str(out)])  # fmt: skip
    if code != 0:
        raise SystemExit(f"tradewar run {stem} failed with exit code {code}")
    return out


def rows(path: Path) -> list[dict[str, str]]:
    """A result CSV's rows; steps.csv only for its first ``STEP_RUNS`` runs."""
    with open(path, newline="", encoding="utf-8") as handle:
        found = list(csv.DictReader(handle))
    if path.name == "steps.csv":
        found = [r for r in found if int(r["run"]) < STEP_RUNS]
    return found


def write_rows(found: list[dict[str, str]], path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(found[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(found)
    path.write_text(buffer.getvalue(), encoding="utf-8")


if __name__ == "__main__":
    shutil.rmtree(GOLDEN, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        for stem in CASES:
            out = simulate(stem, Path(tmp) / stem)
            (GOLDEN / stem).mkdir(parents=True)
            for name in FILES:
                write_rows(rows(out / name), GOLDEN / stem / name)
            print(f"wrote {(GOLDEN / stem).relative_to(ROOT)} ({CASES[stem]} runs)",
                  file=sys.stderr)  # fmt: skip
