"""Talks, deals and truces between pairs of countries, vectorised over replicates.

The relationship of each unordered pair is an integer status in an ``(R, N, N)`` array, kept
symmetric (``status[r, i, j] == status[r, j, i]``):

* ``CONFLICT``: no talks; either side may approach the other.
* ``SCHEDULED``: an approach was accepted (or both approached at once); talks open after a lag.
* ``TALKS``: each week a deal may close; talks that run too long collapse back into conflict.
* ``TRUCE``: a deal cut tariffs for a fixed term; at expiry both renew or tariffs snap back.

Deal rules live in :data:`DEAL_RULES`: each maps the two tariffs of a pair to the tariffs the
deal sets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

CONFLICT, SCHEDULED, TALKS, TRUCE = 0, 1, 2, 3
STATUSES = ("conflict", "scheduled", "talks", "truce")


def deal_probability(anxiety_i, anxiety_j, rate):
    """Weekly probability that talks close a deal: a hazard rising with joint anxiety.

    ``1 - exp(-rate * (A_i + A_j) / 2)``: two calm sides rarely settle, two anxious sides
    settle fast (Geneva, May 2025: talks on 10-11 May, 115-point cuts announced on the 12th).
    """
    joint = np.maximum(0.5 * (anxiety_i + anxiety_j), 0.0)
    return -np.expm1(-rate * joint)


@dataclass(frozen=True)
class DealRule:
    func: Callable[..., tuple[np.ndarray, np.ndarray]]
    doc: str


def reciprocal(tariff_ij, tariff_ji, cut):
    """Both sides cut the same number of points, ``cut`` (floors applied by the caller).

    The Geneva joint statement of 12 May 2025 is this rule with ``cut=115``: the US went from
    145% to 30% and China from 125% to 10%.
    """
    return tariff_ij - cut, tariff_ji - cut


DEAL_RULES: dict[str, DealRule] = {
    "reciprocal": DealRule(reciprocal, reciprocal.__doc__),
}


def symmetric(mask: np.ndarray) -> np.ndarray:
    """A pair mask from an ordered one: true for (i, j) and (j, i) when either was true."""
    return mask | mask.transpose(0, 2, 1)


def upper(n: int) -> np.ndarray:
    """Boolean (N, N) mask of the unordered pairs i < j."""
    return np.triu(np.ones((n, n), dtype=bool), k=1)
