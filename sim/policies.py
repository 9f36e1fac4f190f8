"""Tariff policies: how a country proposes next week's tariffs from this week's observation.

Each policy is a vectorised function in :data:`POLICIES`. It receives a :class:`TariffView` of
one country (arrays over the block's replicates, shape ``(R, N)`` per partner or ``(R,)``) and
the policy's parameters, and returns the proposed tariff on each partner, shape ``(R, N)``. The
agent clips the proposal to its [floor, cap] and to the policy's own ``cap``; during a truce the
model ignores proposals altogether.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.pressure import Param


@dataclass(frozen=True)
class TariffView:
    """What a policy may read: the same observation every country sees this week."""

    tariff: np.ndarray  # (R, N) tariff this country levies on each partner, percent
    partner_move: np.ndarray  # (R, N) change in each partner's tariff on us since our last move
    anxiety: np.ndarray  # (R,)
    resolve: np.ndarray  # (R,)


@dataclass(frozen=True)
class Policy:
    func: Callable[..., np.ndarray]
    params: dict[str, Param]
    doc: str


def _retaliate(view: TariffView, match, match_cuts) -> np.ndarray:
    """Answer each partner's move in kind: raises times ``match``, cuts times ``match_cuts``."""
    move = view.partner_move
    return view.tariff + np.where(move > 0, match * move, match_cuts * move)


def tit_for_tat(view: TariffView, match, match_cuts, cap) -> np.ndarray:
    """Answer each partner's tariff move, point for point times ``match`` (Axelrod 1984).

    In April 2025 each side answered the other within 0-2 days, point for point (US 54 -> 104
    -> 145, China 34 -> 84 -> 125), until China declared a ceiling of 125: that is ``match=1``
    with ``cap=125``. Cuts are answered with cuts times ``match_cuts``. Answers are themselves
    moves the partner answers (Axelrod's echo), so with both ratios at 1 a raise spirals to
    the caps and a cut cascades to the floors; ratios below 1 damp the echo.
    """
    return _retaliate(view, match, match_cuts)


def pressure_relief(view: TariffView, match, match_cuts, cap, relief, min_tariff) -> np.ndarray:
    """Tit-for-tat, plus quiet partial relief in weeks when anxiety exceeds resolve.

    Relief removes the fraction ``relief`` of the tariff above ``min_tariff`` each anxious week,
    as exemptions do: the US exempted smartphones, computers and chips on 11 April 2025 and
    China exempted some pharmaceuticals, chips and jet engines in late April, both without
    changing the headline rate.
    """
    anxious = (view.anxiety > view.resolve)[:, None]
    base = _retaliate(view, match, match_cuts)
    relieved = base - relief * np.maximum(base - min_tariff, 0.0)
    return np.where(anxious, relieved, base)


def fixed(view: TariffView, cap) -> np.ndarray:
    """Keep tariffs where they are; only events and deals move them."""
    return view.tariff


POLICIES: dict[str, Policy] = {
    "tit_for_tat": Policy(
        tit_for_tat,
        {
            "match": Param(1.0, 0.0, 10.0),
            "match_cuts": Param(1.0, 0.0, 10.0),
            "cap": Param(1000.0, 0.0, 10_000.0),
        },
        tit_for_tat.__doc__,
    ),
    "pressure_relief": Policy(
        pressure_relief,
        {
            "match": Param(1.0, 0.0, 10.0),
            "match_cuts": Param(1.0, 0.0, 10.0),
            "cap": Param(1000.0, 0.0, 10_000.0),
            "relief": Param(0.1, 0.0, 1.0),
            "min_tariff": Param(0.0, 0.0, 10_000.0),
        },
        pressure_relief.__doc__,
    ),
    "fixed": Policy(fixed, {"cap": Param(1000.0, 0.0, 10_000.0)}, fixed.__doc__),
}


def propose(kind: str, view: TariffView, params: dict) -> np.ndarray:
    """The tariff policy ``kind``'s proposal.

    The policy's own ``cap`` limits escalation only: a country already above it (say after a
    scheduled event) is not forced to cut.
    """
    proposal = POLICIES[kind].func(view, **params)
    return np.minimum(proposal, np.maximum(params["cap"], view.tariff))
