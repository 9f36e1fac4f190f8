"""Scenario input that once ran away, hung, or failed as an internal error (issue 9).

Each refusal is exit 2 with one ``tradewar: error:`` line per problem, before any work starts.
"""

import os
import subprocess
import sys
import threading

import pytest
from conftest import MINI

from sim.cli import main
from sim.scenario import ScenarioError, load, load_text

SOURCE = "x.yaml"


def edit(old: str, new: str, text: str = MINI) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def line_of(text: str, fragment: str) -> int:
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(hits) == 1, f"{fragment!r} is on lines {hits}, expected exactly one"
    return hits[0]


def load_error(text: str, overrides=()) -> str:
    with pytest.raises(ScenarioError) as info:
        load_text(text, SOURCE, list(overrides))
    return str(info.value)


def validate_in_child(*args: str, timeout: float = 20) -> subprocess.CompletedProcess:
    """``tradewar validate`` in a child process, so a regression cannot hang the test run."""
    try:
        return subprocess.run([sys.executable, "-m", "sim", "validate", *args],
                              capture_output=True, text=True, timeout=timeout)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"validate {args} did not finish within {timeout} s")


# --------------------------------------------------------------------------- reading


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_is_refused_without_reading_it():
    child = validate_in_child("/dev/zero")
    assert child.returncode == 2
    assert child.stderr.strip() == ("tradewar: error: /dev/zero: cannot read scenario file: "
                                    "not a regular file (a folder, device or pipe)")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_without_a_writer_does_not_block(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    child = validate_in_child(str(fifo))
    assert child.returncode == 2 and "not a regular file" in child.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_with_a_writer_is_refused_too(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)

    def write():
        with open(fifo, "w") as handle:  # blocks until a reader opens; the test opens none
            handle.write(MINI)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    with pytest.raises(ScenarioError, match="not a regular file"):
        load(fifo)
    # Release the writer: open the read end once so its open() returns.
    os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
    writer.join(5)


def test_a_big_regular_file_is_read_only_up_to_the_limit(tmp_path, capsys):
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * (1 << 20) + "\n")
    assert main(["validate", str(path)]) == 2
    assert "a scenario may be at most 1,048,576" in capsys.readouterr().err
