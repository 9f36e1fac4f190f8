"""Regenerate tests/data/regression_us_china.csv, the golden runs that test_shipped.py checks.

After a deliberate change to the model's numbers, from the repository root:

    python tests/data/make_regression.py

It simulates the first 40 runs of scenarios/us_china_2025.yaml (the scenario's own seed) on
one worker, exactly as ``test_regression_against_checked_in_runs`` does, and writes their
runs.csv over the golden file. Review the diff before committing it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "us_china_2025.yaml"
GOLDEN = Path(__file__).with_name("regression_us_china.csv")
RUNS = 40


def simulate(out: Path) -> Path:
    """Run the golden runs into the new folder ``out``; returns the runs.csv written."""
    code = main(["run", str(SCENARIO), "--runs", str(RUNS), "--workers", "1", "--quiet",
                 "--out", str(out)])  # fmt: skip
    if code != 0:
        raise SystemExit(f"tradewar run failed with exit code {code}")
    return out / "runs.csv"


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copyfile(simulate(Path(tmp) / "out"), GOLDEN)
    print(f"wrote {GOLDEN.relative_to(ROOT)} ({RUNS} runs)", file=sys.stderr)
