"""Scenario input that once ran away, hung, or failed as an internal error (issue 9).

Each refusal is exit 2 with one ``tradewar: error:`` line per problem, before any work starts.
"""

import os
import subprocess
import sys

import pytest
from conftest import MINI

from sim.cli import main
from sim.scenario import ScenarioError, load_text

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


def _limit_memory() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    except (ImportError, ValueError, OSError):
        pass


def validate_in_child(*args: str, timeout: float = 20) -> subprocess.CompletedProcess:
    """``tradewar validate`` in a child process, so a regression cannot hang the test run
    (nor take more than 3 GB of memory)."""
    try:
        return subprocess.run([sys.executable, "-m", "sim", "validate", *args],
                              capture_output=True, text=True, timeout=timeout,
                              preexec_fn=_limit_memory)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"validate {args} did not finish within {timeout} s")


# --------------------------------------------------------------------------- reading


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_is_refused_without_reading_it():
    child = validate_in_child("/dev/zero")
    assert child.returncode == 2
    assert child.stderr.strip() == (
        "tradewar: error: /dev/zero: cannot read scenario file: "
        "not a regular file (a folder, device or pipe)"
    )


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
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # lets the writer open without blocking
    writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    try:
        os.write(writer, MINI[:1000].encode())  # then no end: a reader would wait for more
        child = validate_in_child(str(fifo))
        assert child.returncode == 2 and "not a regular file" in child.stderr
    finally:
        os.close(writer)
        os.close(reader)


def test_a_big_regular_file_is_read_only_up_to_the_limit(tmp_path, capsys):
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * (1 << 20) + "\n")
    assert main(["validate", str(path)]) == 2
    assert "a scenario may be at most 1,048,576" in capsys.readouterr().err


# --------------------------------------------------------------------------- unbounded work


def alias_bomb(indent: str, levels: int = 9, width: int = 9) -> str:
    """A "billion laughs" YAML block sequence: ``width ** levels`` strings once expanded."""
    items = [f"{indent}- &l0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        items.append(f"{indent}- &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return "\n".join(items) + "\n"


def test_an_alias_bomb_with_a_set_is_not_expanded(tmp_path):
    # The 1.6 KB bomb sits under a key the loader refuses; --set used to copy it out in full.
    path = tmp_path / "bomb.yaml"
    text = edit("seed: 1\n", "seed: 1\nbomb:\n" + alias_bomb("  "))
    path.write_text(text)
    child = validate_in_child(str(path), "--set", "horizon=10")
    assert child.returncode == 2
    assert child.stderr == f"tradewar: error: {path}:{line_of(text, 'bomb:')}: bomb: unknown key\n"


def test_an_override_leaves_shared_mappings_elsewhere_alone():
    text = edit("    face_cost: 0.1\n", "    face_cost: 0.1\n    conditions: &k {min_cut: 1}\n")
    text = edit("    face_cost: 0.2\n", "    face_cost: 0.2\n    conditions: *k\n", text)
    s = load_text(text, SOURCE, ["countries.US.conditions.min_cut=2"])
    assert s.countries[0].conditions.min_cut == 2 and s.countries[1].conditions.min_cut == 1


def test_one_run_does_not_simulate_a_block_of_a_million():
    s = load_text(MINI, SOURCE, ["runs=1", "block_size=1000000"])
    assert s.block_size == 1


def test_a_block_that_fits_is_kept_whole_so_run_k_never_changes():
    # README "Reproducibility": --runs 10 gives the first 10 rows of --runs 3000.
    assert load_text(MINI, SOURCE, ["runs=10"]).block_size == 1000


def many_countries(n: int) -> str:
    names = [f"C{k}" for k in range(n)]
    lines = ["name: many", "start_date: 2025-01-01", "countries:"]
    for me in names:
        others = [o for o in names if o != me]
        lines += [f"  {me}:", "    gdp: 1000",
                  "    imports: {" + ", ".join(f"{o}: 10" for o in others) + "}",
                  "    tariff: {" + ", ".join(f"{o}: 10" for o in others) + "}"]  # fmt: skip
    return "\n".join(lines) + "\n"


def test_fifty_countries_and_fifty_runs_make_a_block_of_fifty():
    s = load_text(many_countries(50), SOURCE, ["runs=50"])
    assert s.block_size == 50


def test_a_block_too_big_for_memory_is_refused_with_its_numbers():
    message = load_error(MINI, ["runs=200000", "block_size=100000", "horizon=520"])
    assert message == (
        f"{SOURCE}: --set block_size: a block of 100,000 replicates x 2^2 country pairs x "
        "520 weeks = 208,000,000 cells; at most 30,000,000 fit in memory (lower block_size, or "
        "runs, countries or horizon)"
    )


def test_too_many_countries_are_refused():
    message = load_error(many_countries(101))
    assert message == f"{SOURCE}:3: countries: 101 countries; at most 100 are allowed"


def test_a_long_aliased_list_of_random_events_is_refused():
    event = "{kind: raise_tariff, country: US, partner: CN, hazard: 0.1, size: 1}"
    text = MINI + f"spare: &e {event}\nrandom_events: [" + ", ".join(["*e"] * 1001) + "]\n"
    message = load_error(text)
    assert message.endswith("random_events: 1,001 items; at most 1,000 are allowed")


def test_a_costly_distribution_is_refused():
    message = load_error(MINI, ["countries.US.denial={dist: ksone, n: 100000}"])
    assert "--set countries.US.denial: unknown distribution 'ksone' (one of uniform," in message


def test_a_misspelt_distribution_gets_a_suggestion():
    text = edit("resolve: {dist: beta, a: 4, b: 4}", "resolve: {dist: betta, a: 4, b: 4}")
    message = load_error(text)
    assert message.startswith(f"{SOURCE}:{line_of(text, 'betta')}: countries.US.resolve: ")
    assert message.endswith("did you mean 'beta'?")


def test_a_billion_runs_are_refused_at_load():
    assert "runs: 1000000000 is out of range [1, 100000000]" in load_error(
        MINI, ["runs=1000000000"]
    )
    # summary.csv's memory does not grow with runs (sim.quantiles): the most runs of the
    # longest horizon load (they only take time)
    load_text(MINI, SOURCE, ["runs=100000000", "horizon=5200"])


# --------------------------------------------------------------------------- numbers and dates


def test_a_4401_digit_seed_in_set_is_bad_input(capsys):
    text = "9" * 4401
    path_text = MINI
    assert "seed: 1" in path_text
    message = load_error(MINI, [f"seed={text}"])
    assert message.startswith(f"{SOURCE}: --set seed: cannot parse value")
    assert len(message) < 300


def test_a_4401_digit_seed_on_the_command_line_is_exit_2(tmp_path, capsys):
    path = tmp_path / "mini.yaml"
    path.write_text(MINI)
    assert main(["validate", str(path), "--set", "seed=" + "9" * 4401]) == 2
    assert "internal error" not in capsys.readouterr().err
    assert main(["run", str(path), "--seed", "9" * 4401, "--out", str(tmp_path / "o")]) == 2
    assert "expected a whole number" in capsys.readouterr().err


def test_a_5000_digit_number_in_a_file_gives_its_line():
    text = edit("seed: 1", "seed: " + "9" * 5000)
    message = load_error(text)
    assert message == f"{SOURCE}:{line_of(text, 'seed:')}: bad YAML value: a number of 5,000 "\
        "characters is too long"  # fmt: skip


def test_the_largest_seed_is_kept_exactly():
    assert load_text(MINI, SOURCE, [f"seed={2**63 - 1}"]).seed == 2**63 - 1
    assert "out of range" in load_error(MINI, [f"seed={2**63}"])


def test_a_start_date_whose_horizon_ends_after_year_9999_is_refused():
    text = edit("start_date: 2025-04-12", "start_date: 9999-12-25")
    message = load_error(text)
    assert message == (f"{SOURCE}:{line_of(text, 'start_date')}: start_date: 9999-12-25 plus 52 "
                       "weeks is past the last date there is (9999-12-31)")  # fmt: skip


# --------------------------------------------------------------------------- messages


def test_a_nul_byte_is_one_line_with_its_line_number():
    message = load_error("name: x\nseed: 1\nbad: \x00\n")
    assert message == f"{SOURCE}:3: YAML syntax error: character '\\x00' is not allowed in YAML"


def test_a_null_key_is_reported_at_its_own_line():
    text = edit("    face_cost: 0.2\n", "    face_cost: 0.2\n\n    ~: 3\n")
    assert load_error(text) == f"{SOURCE}:{line_of(text, '~:')}: countries.CN.None: unknown key"


def test_trace_run_has_its_own_words(tmp_path, capsys):
    assert main(["trace", str(tmp_path), "--run", "-1"]) == 2
    assert "a run number is 0 or more, got -1" in capsys.readouterr().err


def test_a_floor_drawn_entirely_above_cap_is_refused_like_a_fixed_one():
    fixed = load_error(MINI, ["countries.US.floor=300"])
    drawn = load_error(MINI, ["countries.US.floor={dist: uniform, low: 300, high: 400}"])
    assert fixed.endswith("floor 300.0 is above cap 245.0")
    assert drawn.endswith("floor uniform on [300, 400] is above cap 245.0")
    # A floor that may fall below the cap is allowed: the model clips per run.
    load_text(MINI, SOURCE, ["countries.US.floor={dist: uniform, low: 100, high: 300}"])


def test_set_on_a_missing_list_item_says_so():
    assert load_error(MINI, ["events.3.week=2"]) == f"{SOURCE}: --set events.3.week: no item 3 "\
        "in this list"  # fmt: skip


def test_a_param_typo_names_param(small_path, tmp_path, capsys):
    argv = ["sweep", str(small_path), "--out", str(tmp_path / "s"), "--quiet",
            "--param", "countries.A.face_cots=0:1"]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--param countries.A.face_cots: unknown key; did you mean 'face_cost'?" in err
    assert "--set" not in err


def test_validate_reports_every_problem_of_a_file(tmp_path, capsys):
    text = edit("    face_cost: 0.2\n", "    face_cost: lots\n")
    text = edit("tariff: {CN: 145}", "tariff: {CN: -145}", text)
    text = edit("    resolve: {dist: beta, a: 4, b: 4}", "    resolv: 1", text)
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    assert main(["validate", str(path)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        f"tradewar: error: {path}:{line_of(text, 'resolv:')}: countries.US.resolv: unknown key; "
        "did you mean 'resolve'?",
        f"tradewar: error: {path}:{line_of(text, 'CN: -145')}: countries.US.tariff.CN: -145 is "
        "out of range [0.0, 10000.0]",
        f"tradewar: error: {path}:{line_of(text, 'lots')}: countries.CN.face_cost: expected a "
        "number or a {dist: ...} mapping, got 'lots'",
    ]


def test_validate_stops_after_twenty_problems():
    event = "  - {kind: raise_tariff, country: XX, partner: CN, week: 1, size: 1}\n"
    text = MINI + "events:\n" + event * 30
    lines = load_error(text).splitlines()
    assert len(lines) == 21 and lines[-1] == "(stopped after 20 problems)"
    assert all(line.startswith(f"{SOURCE}:") for line in lines[:-1])
