"""Optional extras (pyproject's ``[project.optional-dependencies]``): one wording for the hint."""

from __future__ import annotations

import importlib
from types import ModuleType

from sim.results import OutputError


def install_hint(extra: str) -> str:
    """The command that installs ``extra``, as README.md gives it."""
    return f'pip install -e ".[{extra}]"'


def require(module: str, extra: str, what: str) -> ModuleType:
    """Import ``module`` of the optional ``extra``, or raise OutputError with the install hint.

    Args:
        what: the start of the message, e.g. ``"plots need matplotlib"``.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        raise OutputError(f"{what}: {install_hint(extra)}") from None
