"""Another git revision of this repository, exported to a temporary directory for comparison.

``bench_step.py --baseline REV`` times it beside the working tree; ``same_bytes.py`` checks that
it writes the same result files. The export is ``git archive`` (no worktree is registered, so
nothing is left behind in ``.git``), removed when the ``with`` block ends.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def exported(rev: str) -> Iterator[Path]:
    """The tree of ``rev`` (anything ``git rev-parse`` takes) in a temporary directory."""
    commit = subprocess.run(["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
    tar = subprocess.run(["git", "archive", "--format=tar", commit], cwd=ROOT, check=True,
                         capture_output=True).stdout  # fmt: skip
    with tempfile.TemporaryDirectory(prefix=f"tradewar-{commit[:8]}-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
            archive.extractall(tmp, filter="data")
        yield Path(tmp)


def short(rev: str) -> str:
    """``rev``'s abbreviated commit hash, for labels."""
    return subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
