"""Interrupts that never tear a file: SIGINT and SIGTERM stop a run between writes.

The command line turns SIGTERM into the same KeyboardInterrupt as SIGINT; :func:`deferred`
holds both off while a block's rows are written, so every CSV ends on a whole row and the
manifest's count of finished runs matches the rows on disk. Worker processes ignore SIGINT
(:func:`worker_init`): a Ctrl-C in the terminal reaches the whole process group, and only
the parent should decide how to stop.
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


def terminate_as_interrupt():
    """Let SIGTERM raise KeyboardInterrupt, like SIGINT (main thread only).

    Returns a function that puts the previous handler back (tests call the CLI in-process).
    """
    if not _main_thread():
        return lambda: None
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    return lambda: signal.signal(signal.SIGTERM, previous)


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
    if caught:
        raise KeyboardInterrupt(f"signal {caught[0]}")
