"""Interrupts that never tear a file: SIGINT and SIGTERM stop a run between writes.

The command line turns the first SIGINT or SIGTERM into a KeyboardInterrupt
(:func:`stop_on_signal`) and from then on ignores both: the run is already stopping, and a
second Ctrl-C must not break the clean-up (stopping workers, writing the manifest) half way.
:func:`deferred` holds signals off while a block's rows are written, so every CSV ends on a
whole row and the manifest's count of finished runs matches the rows on disk. Worker processes
ignore SIGINT (:func:`worker_init`): a Ctrl-C in the terminal reaches the whole process group,
and only the parent should decide how to stop.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _stop(signum, frame=None) -> None:
    """The first SIGINT or SIGTERM: ignore the next ones, then stop with KeyboardInterrupt."""
    for s in SIGNALS:  # SIG_IGN, not a Python handler: it holds until the very end of the exit
        signal.signal(s, signal.SIG_IGN)
    raise KeyboardInterrupt(f"signal {signum}")


def stop_on_signal():
    """Let the first SIGINT or SIGTERM raise KeyboardInterrupt, and ignore any after it.

    Main thread only. Returns a function that puts the previous handlers back (tests call the
    CLI in-process), unless a signal came: then further ones stay ignored until the exit.
    """
    if not _main_thread():
        return lambda: None
    previous = {s: signal.getsignal(s) for s in SIGNALS}
    for s in SIGNALS:
        signal.signal(s, _stop)

    def restore() -> None:
        # Stopping: the process is about to exit, and a late Ctrl-C must not turn its exit
        # code 130 into death by SIGINT.
        if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
            return
        for s, handler in previous.items():
            signal.signal(s, handler)

    return restore


def worker_init() -> None:
    """Process-pool initializer: the parent handles Ctrl-C for everyone, and a worker whose
    parent was killed outright (SIGKILL, out of memory) exits instead of idling forever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="tradewar-orphan-watch").start()


@contextlib.contextmanager
def deferred():
    """Hold SIGINT and SIGTERM until the block ends, then act on the first that came."""
    if not _main_thread():
        yield
        return
    caught: list[int] = []
    previous = {s: signal.getsignal(s) for s in SIGNALS}
    for s in SIGNALS:
        signal.signal(s, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if caught:  # act as the handler in force outside would have
        handler = previous[caught[0]]
        if callable(handler):
            handler(caught[0], None)
        elif handler == signal.SIG_DFL:
            raise KeyboardInterrupt(f"signal {caught[0]}")


@contextlib.contextmanager
def shielded():
    """Ignore SIGINT and SIGTERM for the duration (a clean-up that must not be cut short)."""
    if not _main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in SIGNALS}
    for s in SIGNALS:
        signal.signal(s, signal.SIG_IGN)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
