"""Result folders under stress: full disks, races for one folder, unwritable places, leftovers."""

import errno
import json
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import ROOT, SCENARIOS

from sim import cli
from sim.extras import install_hint
from sim.results import CsvStream, OutputError, all_or_nothing, prepare_output


@pytest.fixture
def small_disk(tmp_path):
    """A function mounting a tmpfs of the given size (root only; skipped elsewhere)."""
    mounted = []

    def mount(size: str) -> Path:
        place = tmp_path / f"disk{len(mounted)}"
        place.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(place)],
                              capture_output=True)  # fmt: skip
        if done.returncode != 0:
            pytest.skip("cannot mount a small tmpfs here (needs root)")
        mounted.append(place)
        return place

    yield mount
    for place in mounted:
        subprocess.run(["umount", "-l", str(place)], check=False)


@pytest.fixture
def frozen(tmp_path):
    """An empty folder nobody can write in, root included (chattr +i); skipped if impossible."""
    place = tmp_path / "frozen"
    place.mkdir()
    if subprocess.run(["chattr", "+i", str(place)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not possible here")
    yield place
    subprocess.run(["chattr", "-i", str(place)], check=False)


def rows(path: Path) -> int:
    text = path.read_text()
    assert text == "" or text.endswith("\n"), f"{path.name} ends in a torn row"
    return max(0, len(text.splitlines()) - 1)


# --------------------------------------------------------------------------- full disk


class FailingHandle:
    """A file that takes ``room`` more bytes, then fails like a full disk."""

    def __init__(self, real, room: int) -> None:
        self.real, self.room = real, room

    def write(self, data) -> int:
        if self.room <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        taken = self.real.write(data[: self.room])
        self.room -= taken
        return taken

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_a_failed_write_leaves_every_stream_on_a_whole_block(tmp_path):
    runs, events = CsvStream(tmp_path / "runs.csv"), CsvStream(tmp_path / "events.csv")
    block = {"run": [0.0, 1.0], "x": [1.5, 2.5]}
    with all_or_nothing([runs, events]):
        runs.write(block)
        events.write(block)
    events.handle = FailingHandle(events.handle, room=5)  # the next block tears after 5 bytes
    full = r"no space left on device \(writing events.csv\)"
    with pytest.raises(OutputError, match=full), all_or_nothing([runs, events]):
        runs.write(block)
        events.write(block)
    runs.close()
    events.close()
    assert rows(tmp_path / "runs.csv") == 2 and rows(tmp_path / "events.csv") == 2


def test_a_failed_first_write_leaves_an_empty_file(tmp_path):
    stream = CsvStream(tmp_path / "runs.csv")
    stream.handle = FailingHandle(stream.handle, room=3)
    with pytest.raises(OutputError, match=str(tmp_path)):
        stream.write({"run": [0.0]})
    stream.handle = stream.handle.real
    stream.write({"run": [0.0]})  # the header comes again with the first whole block
    stream.close()
    assert (tmp_path / "runs.csv").read_text() == "run\n0\n"


def test_a_full_disk_stops_a_run_cleanly(small_disk, capsys):
    # The check up front passes (events.csv is not counted), then events.csv fills the disk.
    out = small_disk("2m") / "out"
    code = cli.main(["run", str(SCENARIOS / "us_china_2025.yaml"), "--runs", "2000", "--workers",
                     "1", "--set", "block_size=100", "--quiet", "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert re.search(rf"{out}: no space left on device \(writing \w+\.csv\); stopped with \d+ of "
                     "2000 runs kept", err)  # fmt: skip
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is False and "no space left" in manifest["error"]
    assert 0 < manifest["runs_done"] < 2000
    assert rows(out / "runs.csv") == manifest["runs_done"]
    assert len({line.split(",")[0] for line in (out / "events.csv").read_text().splitlines()[1:]}
               ) <= manifest["runs_done"]  # fmt: skip
    assert not list(out.glob("*.tmp"))


def test_a_run_that_cannot_fit_is_refused_before_it_starts(small_disk, capsys):
    out = small_disk("1m") / "out"
    code = cli.main(["run", str(SCENARIOS / "us_china_2025.yaml"), "--runs", "100000",
                     "--quiet", "--out", str(out)])  # fmt: skip
    assert code == 2 and "not enough disk space" in capsys.readouterr().err
    assert not out.exists()


# --------------------------------------------------------------------------- the folder itself


def test_two_commands_racing_for_one_folder_get_it_once(tmp_path):
    for trial in range(40):
        out, barrier, won, lost = tmp_path / f"race{trial}", threading.Barrier(6), [], []

        def claim(out=out, barrier=barrier, won=won, lost=lost):
            barrier.wait()
            try:
                won.append(prepare_output(out, "x"))
            except OutputError:
                lost.append(1)

        threads = [threading.Thread(target=claim) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(won) == 1 and len(lost) == 5, f"trial {trial}: {len(won)} winners"


def test_two_processes_racing_for_one_folder_get_it_once(small_path, tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sim", "run", str(small_path), "--runs", "20", "--workers",
               "1", "--quiet", "--out", str(out)]  # fmt: skip
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]  # fmt: skip
    codes = sorted(p.wait(timeout=120) for p in procs)
    for p in procs:
        p.communicate()
    assert codes == [0, 2, 2]
    assert json.loads((out / "manifest.json").read_text())["complete"] is True


SWEEP = ["sweep", "--method", "grid", "--runs-per-point", "10", "--param",
         "countries.A.face_cost=0:0.5:2"]  # fmt: skip
COMMANDS = {"run": ["run"], "sweep": SWEEP}


@pytest.mark.parametrize("command", COMMANDS)
def test_an_overlong_folder_name_is_bad_input(command, small_path, tmp_path, capsys):
    out = tmp_path / ("x" * 300)
    assert cli.main([*COMMANDS[command], str(small_path), "--quiet", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "cannot create the result folder" in err and "Traceback" not in err


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unwritable_empty_folder_is_bad_input(command, small_path, frozen, capsys):
    assert cli.main([*COMMANDS[command], str(small_path), "--quiet", "--out", str(frozen)]) == 2
    err = capsys.readouterr().err
    assert str(frozen) in err and "internal error" not in err
    assert not any(frozen.iterdir())


def test_plot_into_a_file_or_an_unwritable_place_is_bad_input(small_path, frozen, tmp_path,
                                                              capsys):  # fmt: skip
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"
    assert cli.main(["run", str(small_path), "--runs", "20", "--workers", "1", "--quiet",
                     "--out", str(out)]) == 0  # fmt: skip
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    for place in (a_file, frozen / "plots"):
        capsys.readouterr()
        assert cli.main(["plot", str(out), "--out", str(place)]) == 2
        err = capsys.readouterr().err
        assert "internal error" not in err and str(place.parent) in err


def test_run_plot_without_matplotlib_refuses_before_running(small_path, tmp_path, monkeypatch,
                                                            capsys):  # fmt: skip
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` fails
    out = tmp_path / "out"
    assert cli.main(["run", str(small_path), "--plot", "--quiet", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert install_hint("plot") in err and not out.exists()
    assert install_hint("plot") in (ROOT / "README.md").read_text()  # one wording everywhere


# --------------------------------------------------------------------------- leftovers


def test_clean_removes_temporary_files_only(small_path, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["run", str(small_path), "--runs", "20", "--workers", "1", "--quiet",
                     "--out", str(out)]) == 0  # fmt: skip
    results = {p.name: p.read_bytes() for p in out.iterdir()}
    (out / ".trajectories.tmp").write_bytes(b"x" * 1000)
    (out / "manifest.json.tmp").write_bytes(b"{")
    (out / "points").mkdir()
    (out / "points" / "3.json.tmp").write_bytes(b"{}")
    capsys.readouterr()
    assert cli.main(["clean", str(out)]) == 0
    text = capsys.readouterr().out
    assert "3 temporary file(s) removed, 1,003 bytes freed" in text and ".trajectories.tmp" in text
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == results
    assert not any((out / "points").iterdir())


def test_clean_refuses_a_folder_that_is_not_a_result_folder(tmp_path, capsys):
    (tmp_path / "precious.tmp").write_text("mine")
    assert cli.main(["clean", str(tmp_path)]) == 2
    assert "not a tradewar result folder" in capsys.readouterr().err
    assert (tmp_path / "precious.tmp").exists()


# --------------------------------------------------------------------------- exit codes


def test_readme_exit_codes_are_the_cli_codes_and_each_is_reached(small_path, tmp_path,
                                                                 monkeypatch, capsys):  # fmt: skip
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Errors and exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", section, re.MULTILINE)}
    declared = {v for k, v in vars(cli).items() if k.startswith("EXIT_")}
    assert documented == declared == {0, 1, 2, 130}

    def outcome(k, raise_this):
        def fake(*args, **kwargs):
            if raise_this is not None:
                raise raise_this
            return "headline"

        monkeypatch.setattr(cli, "run_to_folder", fake)
        return cli.main(["run", str(small_path), "--quiet", "--out", str(tmp_path / str(k))])

    errors = [None, RuntimeError("a bug"), OutputError("bad input"), KeyboardInterrupt()]
    assert {outcome(k, error) for k, error in enumerate(errors)} == declared
