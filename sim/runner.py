"""Repeated runs: one master seed, fixed-size blocks, any executor, results in block order.

Run ``k`` of a scenario always lives in block ``k // block_size`` at position
``k % block_size``, and block ``b`` is always simulated in full from the seed
``SeedSequence(seed, spawn_key=(b,))``, even when fewer runs are wanted from it. So run ``k``
is the same whatever the number of runs asked for, the number of workers or the executor:
``--runs 1000`` gives exactly the first 1000 rows of ``--runs 3000``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import os
import platform
import resource
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice
from multiprocessing import connection
from pathlib import Path

import numpy as np

from sim import eventlog, interrupts, tables
from sim.model import TradeWarModel
from sim.report import Headline
from sim.results import (
    OutputError,
    all_or_nothing,
    step_columns,
    write_json_atomic,
    writing,
)
from sim.scenario import Scenario, dump
from sim.weekly import WeeklySummary


@dataclass(frozen=True)
class BlockResult:
    """What one block sends back: its first run number, outcomes and weekly trajectories."""

    first_run: int
    outcomes: dict[str, np.ndarray]  # column -> (kept,)
    trajectory: dict[str, np.ndarray]  # name -> (weeks, kept, ...)
    events: dict[str, np.ndarray]  # events.csv columns for the kept runs
    channels: list[str]  # pressure channel names, in the order of trajectory["channels"]

    @property
    def size(self) -> int:
        return len(next(iter(self.outcomes.values())))


class BlockError(RuntimeError):
    """A block failed in a worker; names the block and its seed so it can be re-run."""


def block_seed(seed: int, block: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=(block,))


def block_count(runs: int, block_size: int) -> int:
    return -(-runs // block_size)


def simulate_block(
    scenario: Scenario, block: int, detail: bool = True, with_events: bool = True
) -> BlockResult:
    """Simulate block ``block`` in full and keep the runs that fall within ``scenario.runs``.

    Without ``detail`` only the outcomes come back (sweeps need no trajectories or events);
    without ``with_events`` no events (the explorer draws trajectories, not events.csv).
    """
    size = scenario.block_size
    first = block * size
    keep = min(size, scenario.runs - first)
    model = simulate_model(scenario, block)
    outcomes = {k: v[:keep] for k, v in model.outcomes().items()}
    trajectory, events = {}, {}
    if detail:
        trajectory = {k: v[:, :keep] for k, v in model.trajectory().items()}
    if detail and with_events:
        channels = [a.channel_names for a in model.countries]
        events = eventlog.columns(model.log.arrays(), first, keep, model.names, channels,
                                  scenario.start_date)  # fmt: skip
    result = BlockResult(first, outcomes, trajectory, events, model.channel_names)
    model.release()
    return result


def simulate_model(scenario: Scenario, block: int) -> TradeWarModel:
    """The model of block ``block``, simulated in full (``trace`` re-runs one this way)."""
    return TradeWarModel(scenario, scenario.block_size, block_seed(scenario.seed, block)).simulate()


def _guarded(scenario: Scenario, block: int, detail: bool = True,
             with_events: bool = True) -> BlockResult:  # fmt: skip
    try:
        if with_events:  # the call run's blocks always made (tests stand in for it)
            return simulate_block(scenario, block, detail)
        return simulate_block(scenario, block, detail, with_events=False)
    except Exception as exc:
        raise BlockError(
            f"block {block} (runs {block * scenario.block_size} onward, "
            f"seed SeedSequence({scenario.seed}, spawn_key=({block},))) failed: "
            f"{type(exc).__name__}: {exc}"
        ) from exc


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


# the default task (a block): scenario, block, detail[, events (default True)]
Task = tuple[Scenario, int, bool] | tuple[Scenario, int, bool, bool]


def run_tasks(
    tasks: Iterable[tuple], workers: int | None = None, executor: Executor | None = None,
    fn: Callable | None = None,
) -> Iterator:  # fmt: skip
    """Yield each task's result in task order: ``fn(*task)``, by default a block's result.

    Tasks run in-process when there is one worker and no executor; otherwise on ``executor``
    (a Dask client's executor, say) or a local process pool of ``workers``. At most two tasks
    per worker are in flight, so memory stays bounded however many runs there are. ``fn`` must
    be a module-level function (it is sent to the workers by name).
    """
    call = _guarded if fn is None else fn
    workers = workers or default_workers()
    if executor is None and workers <= 1:
        for task in tasks:
            yield call(*task)
        return
    if executor is not None:
        yield from _in_flight(tasks, workers, executor, call, own=False)
        return
    yield from _in_flight(tasks, workers, local_pool(workers), call, own=True)


def _in_flight(tasks: Iterable[tuple], workers: int, executor: Executor, call: Callable,
               own: bool) -> Iterator:  # fmt: skip
    """Yield ``call(*task)`` of each task run on ``executor``, two per worker in flight; shut
    a pool of our ``own`` down at the end (at once when stopped early)."""
    pending: deque = deque()
    finished = False
    try:
        todo = iter(tasks)
        pending.extend(executor.submit(call, *task) for task in islice(todo, 2 * workers))
        while pending:
            result = pending.popleft().result()
            following = next(todo, None)
            if following is not None:
                pending.append(executor.submit(call, *following))
            yield result
        finished = True
    finally:
        if finished:
            if own:
                executor.shutdown(wait=True)
        else:  # stopped early: blocks still queued or running are not wanted
            with interrupts.shielded():
                if own:
                    abandon(executor)
                else:
                    for future in pending:
                        future.cancel()


def local_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` fresh processes that ignore Ctrl-C (the parent handles it)."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=interrupts.worker_init)  # fmt: skip


@contextlib.contextmanager
def shared_pool(workers: int | None = None, executor: Executor | None = None):
    """The executor for several :func:`run_tasks` calls in a row (a calibration's
    generations): ``executor`` if given, None for one worker, else one local pool for them
    all, so each call does not start processes again. On an error or an interrupt the pool's
    processes are ended at once, as :func:`run_tasks` does with its own."""
    workers = workers or default_workers()
    if executor is not None or workers <= 1:
        yield executor
        return
    pool = local_pool(workers)
    try:
        yield pool
    except BaseException:
        with interrupts.shielded():
            abandon(pool)
        raise
    pool.shutdown(wait=True)


def abandon(executor: ProcessPoolExecutor, bound: float = 10.0) -> None:
    """Shut a local pool down now: drop queued blocks and end the running ones.

    Waiting for running blocks would delay a Ctrl-C by a block's time for nothing. The pool's
    processes are only reachable through its private attributes; each gets SIGTERM, then
    SIGKILL if it is still there after ``bound`` seconds.
    """
    processes = list((getattr(executor, "_processes", None) or {}).values())
    manager = getattr(executor, "_executor_manager_thread", None)
    results = getattr(executor, "_result_queue", None)
    # No cancel_futures: the pool fails what is left once its workers are gone, and a future
    # cancelled meanwhile makes its manager thread die on InvalidStateError (CPython 3.11).
    executor.shutdown(wait=False)
    for process in processes:
        with contextlib.suppress(OSError, ValueError):  # already gone
            process.terminate()
    deadline = time.monotonic() + bound
    left = processes
    while left and time.monotonic() < deadline:  # sentinels, not join(): the pool reaps them
        connection.wait([p.sentinel for p in left], timeout=deadline - time.monotonic())
        left = [p for p in left if not _ended(p)]
    for process in left:
        with contextlib.suppress(OSError, ValueError):
            process.kill()
    # A worker ended while sending a result leaves half a message in the pipe, and the pool's
    # manager thread waits for the rest forever (and the interpreter for it, at exit). With
    # the workers gone, closing our copy of the pipe's write end ends that wait with EOF.
    writer = getattr(results, "_writer", None)
    if writer is not None:
        with contextlib.suppress(OSError):
            writer.close()
    if manager is not None:
        manager.join(timeout=bound)


def _ended(process) -> bool:
    return bool(connection.wait([process.sentinel], timeout=0))


def run_blocks(
    scenario: Scenario, workers: int | None = None, executor: Executor | None = None
) -> Iterator[BlockResult]:
    """Yield every block of ``scenario`` in block order (see :func:`run_tasks`)."""
    blocks = block_count(scenario.runs, scenario.block_size)
    if blocks == 1 and executor is None:
        workers = 1  # a pool would only add start-up time
    yield from run_tasks(((scenario, b, True) for b in range(blocks)), workers, executor)


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal.

    It shows runs and, given ``blocks``, blocks done, the rate since the start and the time
    left at that rate; the same for local and Dask runs (it counts blocks as they come back).
    """

    def __init__(self, total: int, stream, enabled: bool, clock: Callable[[], float],
                 blocks: int | None = None) -> None:  # fmt: skip
        self.total, self.stream, self.clock, self.blocks = total, stream, clock, blocks
        self.enabled = enabled and hasattr(stream, "isatty") and stream.isatty()
        self.start = clock()
        self.done = self.blocks_done = 0

    def advance(self, runs: int) -> None:
        self.done += runs
        self.blocks_done += 1
        if not self.enabled:
            return
        self.stream.write("\r" + self.text(self.clock() - self.start))
        self.stream.flush()

    def text(self, elapsed: float) -> str:
        """The bar after ``elapsed`` seconds."""
        frac = self.done / self.total
        blocks = "" if self.blocks is None else f"  block {self.blocks_done:,}/{self.blocks:,}"
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = f"  ~{_duration((self.total - self.done) / rate)} left" if rate else ""
        return (f"[{'#' * int(30 * frac):<30}] {100 * frac:5.1f}%  {self.done:,}/{self.total:,}"
                f" runs{blocks}  {rate:,.0f} runs/s  {elapsed:6.1f} s{left}")  # fmt: skip

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def _duration(seconds: float) -> str:
    """``seconds`` as 42 s, 3 min 5 s or 2 h 10 min."""
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60} s"
    return f"{s // 3600} h {s % 3600 // 60} min"


def run_to_folder(
    scenario: Scenario,
    folder: Path,
    *,
    workers: int | None = None,
    steps: bool = False,
    command: str = "",
    progress: Progress | None = None,
    executor: Executor | None = None,
    dask: tuple[str, int] | None = None,
    resume: int | None = None,
    fmt: str = "csv",
    compress: bool = False,
) -> str:
    """Run every block, stream the CSVs into ``folder``, write the manifest last.

    Returns the printed headline. On any failure or interrupt the manifest is still written,
    with ``"complete": false`` and the number of runs done, before the exception goes on;
    it is also rewritten after every block, so that a run whose main process was killed can
    be resumed. ``resume`` is the runs already in ``folder``'s CSVs (whole blocks): those
    blocks are simulated again only for summary.csv and the headline, which need every
    trajectory, and the CSVs go on from the next block. ``fmt`` and ``compress`` choose the
    table files' format (:mod:`sim.tables`).
    """
    names = scenario.country_names()
    manifest = {**manifest_base(scenario, workers, command), "runs_done": resume or 0,
                "format": fmt, "compress": compress}  # fmt: skip
    if dask is not None:  # blocks go to a Dask cluster: its address and threads
        manifest["scheduler"], manifest["workers"] = dask
    if resume is not None:
        manifest["resumed_at"] = resume
    headline = Headline(names, scenario.horizon, scenario.outcomes)
    with recorded(folder, manifest, progress), runs_kept(manifest), contextlib.ExitStack() as stack:
        if resume is None:
            with writing(folder / "scenario.yaml"):
                (folder / "scenario.yaml").write_text(dump(scenario), encoding="utf-8")
        summary = WeeklySummary(folder, names, scenario.horizon, scenario.runs)
        stack.callback(summary.discard)
        streams = {}
        for name in ("runs", "events", "steps")[: 3 if steps else 2]:
            streams[name] = tables.open_stream(folder, name, fmt, compress, resume)
            stack.callback(streams[name].close)
        # closed first: an early stop ends the workers before the files are closed
        blocks = stack.enter_context(contextlib.closing(run_blocks(scenario, workers, executor)))
        for result in blocks:
            # a block is on disk whole, or not at all
            with interrupts.deferred(), all_or_nothing(streams.values()):
                if result.first_run >= (resume or 0):  # before: on disk already
                    run_ids = np.arange(result.first_run, result.first_run + result.size)
                    streams["runs"].write({"run": run_ids, **result.outcomes})
                    streams["events"].write(result.events)
                    if steps:
                        streams["steps"].write(step_columns(result, names, scenario.start_date))
                    manifest["runs_done"] += result.size
                    write_json_atomic(folder / "manifest.json", manifest)
                summary.add(result.first_run, result.trajectory)
                headline.add(result.outcomes)
            if progress:
                progress.advance(result.size)
        finals = summary.write(folder / "summary.csv", scenario.start_date)
    return headline.text(finals)


@contextlib.contextmanager
def runs_kept(manifest: dict):
    """Add to a failed write's message how many runs the folder keeps."""
    try:
        yield
    except OutputError as exc:
        raise OutputError(f"{exc}; stopped with {manifest['runs_done']} of {manifest['runs']} "
                          "runs kept (the manifest says incomplete)") from None  # fmt: skip


@contextlib.contextmanager
def recorded(folder: Path, manifest: dict, progress: Progress | None = None):
    """Write ``folder``'s manifest last, whatever happens in the block.

    It says ``"complete": true`` only if the block finished; otherwise it names the error
    (an interrupt included) and the exception goes on. Written atomically.
    """
    began = time.time()
    try:
        yield manifest
    except BaseException as exc:
        manifest.update(complete=False, error=f"{type(exc).__name__}: {exc}")
        raise
    else:
        manifest["complete"] = True
    finally:
        if progress:
            progress.close()
        files = sorted(p for p in folder.iterdir() if p.name != "manifest.json")
        manifest["files"] = [p.name for p in files]
        manifest["sizes"] = {p.name: p.stat().st_size for p in files if p.is_file()}
        manifest["wall_time_s"] = round(time.time() - began, 3)
        manifest["stats"] = statistics(manifest)
        write_json_atomic(folder / "manifest.json", manifest)


def statistics(manifest: dict) -> dict:
    """Runs, wall time, runs/s, workers and peak resident memory of the run so far.

    Peak memory is this process's and its largest finished child's (the local pool's
    workers, ended by now); Dask workers are not our children, so None there.
    """
    runs = manifest.get("runs_done", manifest["runs"] if manifest.get("complete") else 0)
    wall = manifest["wall_time_s"]
    local = "scheduler" not in manifest
    return {
        "runs": runs,
        "wall_time_s": wall,
        "runs_per_s": round(runs / wall, 1) if wall > 0 else None,
        "workers": manifest["workers"],
        "peak_memory_mb": _peak_mb(resource.RUSAGE_SELF),
        "worker_peak_memory_mb": _peak_mb(resource.RUSAGE_CHILDREN) if local else None,
    }


def _peak_mb(who: int) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # kilobytes on Linux


def stats_line(stats: dict) -> str:
    """The end-of-run statistics line."""
    workers = stats["worker_peak_memory_mb"]
    rate = stats["runs_per_s"] or 0
    return (f"{stats['runs']:,} runs in {stats['wall_time_s']:.1f} s ({rate:,.0f}"
            f" runs/s), {stats['workers']} workers, peak memory {stats['peak_memory_mb']:,.0f} MB"
            + ("" if workers is None else f" (largest worker {workers:,.0f} MB)"))  # fmt: skip


def output_bytes(scenario: Scenario, steps: bool, compressed: bool = False) -> int:
    """A rough lower bound of the bytes a run writes: runs.csv and steps.csv (at least ~80
    bytes a country per row, ~8 compressed); events.csv varies too much to count."""
    n, weeks, runs = len(scenario.countries), scenario.horizon, scenario.runs
    per_row = 8 if compressed else 80
    return runs * per_row * n + (runs * weeks * n * per_row if steps else 0)


def manifest_base(scenario: Scenario, workers: int | None, command: str, kind: str = "run") -> dict:
    return {
        "kind": kind,  # "run" or "sweep"
        "scenario": scenario.name,
        "seed": scenario.seed,
        "runs": scenario.runs,
        "block_size": scenario.block_size,
        "blocks": block_count(scenario.runs, scenario.block_size),
        "horizon": scenario.horizon,
        # a single block runs in-process, whatever --workers says
        "workers": 1
        if block_count(scenario.runs, scenario.block_size) == 1
        else (workers or default_workers()),
        "command": command,
        "started_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "versions": versions(),
        "complete": False,
    }


def versions() -> dict[str, str]:
    import mesa
    import scipy
    import yaml

    import sim

    return {
        "tradewar": sim.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "mesa": mesa.__version__,
        "pyyaml": yaml.__version__,
    }
