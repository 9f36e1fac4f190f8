"""SALib (the ``analysis`` extra), imported only by the commands that need it.

SALib brings pandas, matplotlib and multiprocess with it, so it is an optional extra rather than
a core dependency; a command that needs it and cannot import it is a usage error (exit 2)
saying what to install.
"""

from __future__ import annotations

import importlib

from sim.extras import install_hint
from sim.scenario import ScenarioError


def module(name: str):
    """``SALib.<name>``, or a ScenarioError naming the extra to install."""
    try:
        return importlib.import_module(f"SALib.{name}")
    except ImportError:
        raise ScenarioError(
            f"this needs SALib, in the analysis extra: {install_hint('analysis')}"
        ) from None
