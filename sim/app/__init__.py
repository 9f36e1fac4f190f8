"""The interactive explorer (``tradewar explore``) and the shareable report (``tradewar report``).

Both draw with Bokeh, the ``app`` extra: it serves its JavaScript from the installed package
(the explorer) or writes it inline (the report), so neither needs the internet. Modules that
import Bokeh are imported only after :func:`require_bokeh`.
"""

from __future__ import annotations

from sim.extras import require


def require_bokeh(command: str) -> None:
    """Raise OutputError (exit 2) saying how to install the app extra when Bokeh is missing."""
    require("bokeh", "app", f"{command} needs Bokeh, the app extra")
