"""Tariff policies: how a country proposes next week's tariffs from this week's observation.

Each policy is a vectorised function in :data:`POLICIES`. It receives a :class:`TariffView` of
one country (arrays over the block's replicates, shape ``(R, N)`` per partner or ``(R,)``) and
the policy's parameters, and returns the proposed headline tariff and exempt share on each
partner, each shape ``(R, N)``. The agent clips the headline to its [floor, cap] and to the
policy's own ``cap``; during a truce the model ignores proposals altogether.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.pressure import Param


@dataclass(frozen=True)
class TariffView:
    """What a policy may read: the same observation every country sees this week."""

    tariff: np.ndarray  # (R, N) headline tariff this country levies on each partner, percent
    exempt: np.ndarray  # (R, N) share of imports from each partner exempt from it
    partner_move: np.ndarray  # (R, N) change in each partner's headline on us since our last move
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


Proposal = tuple[np.ndarray, np.ndarray]  # headline, exempt share


def tit_for_tat(view: TariffView, match, match_cuts, cap) -> Proposal:
    """Answer each partner's tariff move, point for point times ``match`` (Axelrod 1984).

    In April 2025 each side answered the other within 0-2 days, point for point (US 54 -> 104
    -> 145, China 34 -> 84 -> 125), until China declared a ceiling of 125: that is ``match=1``
    with ``cap=125``. Cuts are answered with cuts times ``match_cuts``. Answers are themselves
    moves the partner answers (Axelrod's echo), so with both ratios at 1 a raise spirals to
    the caps and a cut cascades to the floors; ratios below 1 damp the echo.
    """
    return _retaliate(view, match, match_cuts), view.exempt


def pressure_relief(view: TariffView, match, match_cuts, cap, relief, min_tariff,
                    max_exempt) -> Proposal:  # fmt: skip
    """Tit-for-tat on the headline, plus quiet exemptions in weeks when anxiety exceeds resolve.

    Each anxious week exemptions widen by the fraction ``relief`` of the way to
    ``max_exempt`` (the share of imports a government can exempt), and never so far that the
    effective rate falls below ``min_tariff``. The headline stays: the US exempted smartphones,
    computers and chips on 11 April 2025 (about 22% of imports from China) and China exempted
    some pharmaceuticals, chips and jet engines in late April, neither changing its headline.
    """
    anxious = (view.anxiety > view.resolve)[:, None]
    headline = _retaliate(view, match, match_cuts)
    room = np.where(headline > min_tariff, 1.0 - min_tariff / np.maximum(headline, 1e-9), 0.0)
    limit = np.minimum(max_exempt, room)
    widened = view.exempt + relief * np.maximum(limit - view.exempt, 0.0)
    return headline, np.where(anxious, widened, view.exempt)


def fixed(view: TariffView, cap) -> Proposal:
    """Keep tariffs and exemptions where they are; only events and deals move them."""
    return view.tariff, view.exempt


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
            "max_exempt": Param(0.5, 0.0, 1.0),
        },
        pressure_relief.__doc__,
    ),
    "fixed": Policy(fixed, {"cap": Param(1000.0, 0.0, 10_000.0)}, fixed.__doc__),
}


def propose(kind: str, view: TariffView, params: dict) -> Proposal:
    """The tariff policy ``kind``'s proposal: headline and exempt share on each partner.

    The policy's own ``cap`` limits escalation only: a country already above it (say after a
    scheduled event) is not forced to cut.
    """
    headline, exempt = POLICIES[kind].func(view, **params)
    return np.minimum(headline, np.maximum(params["cap"], view.tariff)), np.clip(exempt, 0, 1)
