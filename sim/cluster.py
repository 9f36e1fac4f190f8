"""Dask for ``tradewar sweep --scheduler``: an executor, after checking a scheduler answers.

The check is ours, bounded in time, because ``distributed.Client`` alone can hang on a
listener that never answers and misread another service's reply (see :func:`_probe`).
"""

from __future__ import annotations

import contextlib

from sim.distributions import short
from sim.extras import require
from sim.results import OutputError

TIMEOUT_S = 10.0  # for a scheduler's answer, wherever it is


@contextlib.contextmanager
def executor_for(address: str | None, timeout: float | None = None):
    """A Dask executor for ``address`` and its worker threads when connecting, or (None, None)
    for the local process pool.

    Raises:
        OutputError: no Dask, or no Dask scheduler answers at ``address`` within ``timeout``
            seconds (a silent listener, another service, a malformed address).
    """
    if address is None:
        yield None, None
        return
    timeout = TIMEOUT_S if timeout is None else timeout
    Client = require("distributed", "dist", "--scheduler needs Dask").Client  # noqa: N806
    _probe(address, timeout)
    try:
        client = Client(address, timeout=f"{timeout}s")
    except Exception as exc:  # gone since the probe: whatever the handshake raises
        why = short(str(exc))
        raise OutputError(f"--scheduler: no Dask scheduler at {address} ({why})") from None
    try:
        yield client.get_executor(), sum(client.nthreads().values())
    finally:
        client.close()


def _probe(address: str, timeout: float) -> None:
    """Ask ``address`` for its identity, within ``timeout`` seconds whatever answers.

    ``distributed.Client`` waits for the handshake without a bound and reads whatever bytes
    arrive as a message, so a listener that stays silent hangs it and another service's
    reply can ask for exabytes; asking ourselves under ``asyncio.wait_for`` bounds both.
    """
    import asyncio

    from distributed.comm import connect

    async def identity():
        comm = await connect(address, timeout=timeout)
        try:
            await comm.write({"op": "identity"})
            return await comm.read()
        finally:
            comm.abort()

    try:
        reply = asyncio.run(asyncio.wait_for(identity(), timeout))
    except TimeoutError:
        reply = f"no answer within {timeout:g} s"
    except Exception as exc:  # a malformed address, garbage, a refusal: all say no
        reply = f"{type(exc).__name__}: {short(str(exc))}"
    if not (isinstance(reply, dict) and reply.get("type") == "Scheduler"):
        why = reply if isinstance(reply, str) else "something else answers there"
        raise OutputError(f"--scheduler: no Dask scheduler at {address} ({why})")
