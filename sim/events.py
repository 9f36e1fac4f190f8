"""Scheduled exogenous events: what happens to the economy at a named week, whatever anyone wants.

Each kind in :data:`EVENTS` has its parameters and a vectorised ``apply`` that acts on the
:class:`~sim.economy.Economy` of a block (an event's size may be drawn per run, so values
broadcast over replicates). Tariff events bypass policies and truces, as a presidential order
does; they are clipped to the country's [floor, cap] like any tariff.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.economy import Economy
from sim.pressure import Param


@dataclass(frozen=True)
class EventKind:
    apply: Callable[..., None]
    params: dict[str, Param]
    needs_partner: bool
    doc: str


def set_tariff(e: Economy, i: int, j: int, value) -> None:
    """Country ``i`` sets its tariff on goods from ``j`` to ``value`` percent."""
    e.tariff[:, i, j] = value


def raise_tariff(e: Economy, i: int, j: int, points) -> None:
    """Country ``i`` raises its tariff on goods from ``j`` by ``points`` (negative: cuts)."""
    e.tariff[:, i, j] += points


def market_shock(e: Economy, i: int, j: int | None, size) -> None:
    """Country ``i``'s market index jumps by the fraction ``size`` (-0.08 = an 8% fall)."""
    e.log_index[:, i] += np.log1p(size)


EVENTS: dict[str, EventKind] = {
    "set_tariff": EventKind(set_tariff, {"value": Param(None, 0.0)}, True, set_tariff.__doc__),
    "raise_tariff": EventKind(raise_tariff, {"points": Param(None)}, True, raise_tariff.__doc__),
    "market_shock": EventKind(
        market_shock, {"size": Param(None, -0.99, 10.0)}, False, market_shock.__doc__
    ),
}
