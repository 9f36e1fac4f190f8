"""The interactive explorer (``tradewar explore``) and the shareable report (``tradewar report``).

Both draw with Bokeh, the ``app`` extra: it serves its JavaScript from the installed package
(the explorer) or writes it inline (the report), so neither needs the internet. Modules that
import Bokeh are imported only after :func:`require_bokeh`.
"""

from __future__ import annotations

from sim.results import OutputError


def require_bokeh(command: str) -> None:
    """Raise OutputError (exit 2) saying how to install the app extra when Bokeh is missing."""
    try:
        import bokeh  # noqa: F401
    except ImportError:
        raise OutputError(f"{command} needs the app extra: pip install -e '.[app]' "
                          "(or pip install 'tradewar[app]')") from None  # fmt: skip
