"""``tradewar explore``: serve the explorer page on a local Bokeh server.

Bokeh serves its own JavaScript from the installed package, so the page renders on a machine
with no internet. The server binds 127.0.0.1 unless told otherwise; binding problems (a port
in use, an address that is not this machine's) are :class:`~sim.results.OutputError` naming
the host and port.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from collections.abc import Callable
from pathlib import Path

from sim.results import OutputError

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 5006


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def free_port(host: str, port: int) -> int:
    """``port`` if it can be bound on ``host`` now (any free port for 0), else OutputError."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OutputError(f"--host {host}: not an address of this machine ({exc.strerror})") \
            from None  # fmt: skip
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        try:
            probe.bind(address)
        except OSError as exc:
            raise _bind_error(host, port, exc) from None
        return probe.getsockname()[1]


def _bind_error(host: str, port: int, exc: OSError) -> OutputError:
    if exc.errno == errno.EADDRINUSE:
        return OutputError(f"port {port} is in use on {host} (another program listens there); "
                           "choose another with --port, or --port 0 for any free port")  # fmt: skip
    if exc.errno == errno.EADDRNOTAVAIL:
        return OutputError(f"cannot listen on {host}:{port}: {host} is not an address of this "
                           "machine")  # fmt: skip
    if exc.errno == errno.EACCES:
        return OutputError(f"cannot listen on {host}:{port}: permission denied (ports below "
                           "1024 need root; the default is 5006)")  # fmt: skip
    return OutputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


def make_page(target: Path, runs: int | None, allow_code: bool, progress=None) -> Callable:
    """The function that builds a page per browser session, for a scenario or a folder."""
    if target.is_dir():
        from sim.app.folderpage import FolderPage

        return FolderPage(target, allow_code)
    from sim.app.page import Live, Session

    live = Live(target, runs, allow_code, progress)
    return lambda doc: Session(live, doc)


def serve(page: Callable, host: str, port: int, ready: Callable[[str], None]) -> None:
    """Serve ``page`` at http://host:port/ until interrupted; ``ready(url)`` once listening."""
    from bokeh.application import Application
    from bokeh.application.handlers.function import FunctionHandler
    from bokeh.server.server import Server
    from tornado.ioloop import IOLoop

    port = free_port(host, port)
    shown = f"[{host}]" if ":" in host else host
    origins = [f"{shown}:{port}"]
    if is_loopback(host):
        origins += [f"localhost:{port}", f"127.0.0.1:{port}"]
    elif host in ("0.0.0.0", "::"):  # every address of this machine: reached by any name
        origins = [f"*:{port}"]
    loop = IOLoop.current()
    try:
        server = Server({"/": Application(FunctionHandler(page))}, io_loop=loop, address=host,
                        port=port, allow_websocket_origin=origins)  # fmt: skip
    except OSError as exc:
        raise _bind_error(host, port, exc) from None
    server.start()
    ready(f"http://{shown}:{port}/")
    try:
        loop.start()
    finally:
        server.stop()
