"""Talks, deals and truces between pairs of countries, vectorised over replicates.

The relationship of each unordered pair is an integer status in an ``(R, N, N)`` array, kept
symmetric (``status[r, i, j] == status[r, j, i]``):

* ``CONFLICT``: no talks; either side may approach the other.
* ``SCHEDULED``: an approach was accepted (or both approached at once); talks open after a lag.
* ``TALKS``: each week a deal may close; talks that run too long collapse back into conflict.
* ``TRUCE``: a deal cut tariffs for a term; at expiry both renew or tariffs snap back.
* ``PEACE``: no quarrel (neither side escalated against the other): no approaches, no deals,
  until one side raises its headline tariff on the other.

Deal rules live in :data:`DEAL_RULES`. Each maps a :class:`Table` (what both sides bring to
the table, one entry per pair that settles this week) to the points each side cuts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import elementwise

from sim.small import swapped

CONFLICT, SCHEDULED, TALKS, TRUCE, PEACE = 0, 1, 2, 3, 4
STATUSES = ("conflict", "scheduled", "talks", "truce", "peace")


def deal_probability(anxiety_i, anxiety_j, rate):
    """Weekly probability that talks close a deal: a hazard rising with joint anxiety.

    ``1 - exp(-rate * (A_i + A_j) / 2)``: two calm sides rarely settle, two anxious sides
    settle fast (Geneva, May 2025: talks on 10-11 May, 115-point cuts announced on the 12th).
    """
    joint = np.maximum(0.5 * (anxiety_i + anxiety_j), 0.0)
    return -np.expm1(-rate * joint)


# --------------------------------------------------------------------------- deal rules


@dataclass(frozen=True)
class Table:
    """One entry per settling pair (i, j): what each side brings to the table."""

    tariff_ij: np.ndarray  # i's tariff on j, percent
    tariff_ji: np.ndarray
    anxiety_i: np.ndarray
    anxiety_j: np.ndarray
    resolve_i: np.ndarray
    resolve_j: np.ndarray
    leaks_i: np.ndarray  # how many of i's approaches to j were leaked
    leaks_j: np.ndarray
    i_proposes: np.ndarray  # 1 if i proposes first, 0 if j does, 0.5 for a mutual approach
    # The rule's own parameters (negotiation terms it declares in DealRule.params); a rule
    # that does not declare one gets None.
    cut: np.ndarray | None = None  # points each side cuts (reciprocal); the pie is 2 x cut
    patience: np.ndarray | None = None
    leak_power: np.ndarray | None = None


@dataclass(frozen=True)
class DealRule:
    """A deal rule: its function and the negotiation terms (scenario keys) it reads."""

    func: Callable[[Table], tuple[np.ndarray, np.ndarray]]
    params: tuple[str, ...]
    doc: str


def reciprocal(t: Table) -> tuple[np.ndarray, np.ndarray]:
    """Both sides cut the same number of points, ``cut`` (floors applied by the caller).

    The Geneva joint statement of 12 May 2025 is this rule with ``cut=115``: the US went from
    145% to 30% and China from 125% to 10%.
    """
    return t.cut + 0.0 * t.tariff_ij, t.cut + 0.0 * t.tariff_ji


def rubinstein_share(delta_first, delta_second):
    """The first proposer's share of the pie, ``(1 - d2) / (1 - d1 d2)`` (Rubinstein 1982)."""
    return (1.0 - delta_second) / (1.0 - delta_first * delta_second)


def impatience(t: Table) -> tuple[np.ndarray, np.ndarray]:
    """Discount factors ``delta = exp(-c (A + leak_power x leaks))``: anxiety is impatience,
    and a leaked approach is public proof of it."""
    d_i = np.exp(-t.patience * (t.anxiety_i + t.leak_power * t.leaks_i))
    d_j = np.exp(-t.patience * (t.anxiety_j + t.leak_power * t.leaks_j))
    return np.minimum(d_i, 1 - 1e-9), np.minimum(d_j, 1 - 1e-9)


def rubinstein(t: Table) -> tuple[np.ndarray, np.ndarray]:
    """Split the pie (``2 x cut`` points of cuts) by Rubinstein's alternating-offers shares.

    Side i's share is what it *receives*: the partner cuts ``share_i x pie`` and i cuts the
    rest. The side that was asked proposes first (being asked is the stronger position); a
    mutual approach averages both orders. Agreement is immediate, as in the theory.
    """
    d_i, d_j = impatience(t)
    share_i = t.i_proposes * rubinstein_share(d_i, d_j) + (1 - t.i_proposes) * (
        1.0 - rubinstein_share(d_j, d_i)
    )
    pie = 2.0 * t.cut
    return (1.0 - share_i) * pie, share_i * pie


def _nash_terms(t: Table):
    """Utilities ``u(s) = a s - b (1 - s)^2`` of each side for share s of the pie it receives.

    Relief is the anxiety times the fraction of the partner's tariff removed; the cost of a
    concession is resolve times the squared fraction of one's own tariff given up (first cuts,
    like exemptions, are cheap; deep cuts cost credibility).
    """
    pie = 2.0 * t.cut
    safe = lambda x: np.maximum(x, 1.0)  # noqa: E731
    a_i, a_j = t.anxiety_i * pie / safe(t.tariff_ji), t.anxiety_j * pie / safe(t.tariff_ij)
    b_i, b_j = (
        t.resolve_i * (pie / safe(t.tariff_ij)) ** 2,
        t.resolve_j * (pie / safe(t.tariff_ji)) ** 2,
    )
    return a_i, b_i, a_j, b_j


def nash_utilities(t: Table, share_i):
    a_i, b_i, a_j, b_j = _nash_terms(t)
    return a_i * share_i - b_i * (1 - share_i) ** 2, a_j * (1 - share_i) - b_j * share_i**2


def nash_feasible(t: Table) -> tuple[np.ndarray, np.ndarray]:
    """The shares s where both sides gain, ``(low, high)``; empty where ``low >= high``.

    ``u_i(s) = a_i s - b_i (1 - s)^2`` is positive above the smaller root of its quadratic,
    ``2b / (a + 2b + sqrt(a^2 + 4ab))``; ``u_j(s) = a_j (1 - s) - b_j s^2`` is positive below
    ``2a / (a + sqrt(a^2 + 4ab))``: the usual root formulas rearranged so that nothing cancels
    when a and b differ by orders of magnitude.
    """
    a_i, b_i, a_j, b_j = _nash_terms(t)
    with np.errstate(divide="ignore", invalid="ignore"):
        low = 2 * b_i / (a_i + 2 * b_i + np.sqrt(a_i**2 + 4 * a_i * b_i))
        high = 2 * a_j / (a_j + np.sqrt(a_j**2 + 4 * a_j * b_j))
    return np.clip(np.nan_to_num(low, nan=1.0), 0.0, 1.0), np.clip(np.nan_to_num(high), 0.0, 1.0)


def nash(t: Table) -> tuple[np.ndarray, np.ndarray]:
    """Maximise the Nash (1950) product of both sides' gains over no deal (the disagreement
    point, worth 0), over i's share of the pie, within the shares where both sides gain.

    ``ln u_i + ln u_j`` is concave there, so its maximum is the one root of its derivative,
    found for every settling pair at once, each to its own tolerance, by
    ``scipy.optimize.elementwise.find_root``: a pair's terms never depend on which other runs
    share its block. Where no share leaves both sides better off, the pie is split equally (a
    fallback, not Nash's answer).
    """
    a_i, b_i, a_j, b_j = _nash_terms(t)
    low, high = nash_feasible(t)
    ok = high - low > 1e-9
    share = np.full(a_i.shape, 0.5)
    if ok.any():
        a_i, b_i, a_j, b_j = a_i[ok], b_i[ok], a_j[ok], b_j[ok]
        margin = 1e-9 * (high[ok] - low[ok])

        def slope(s, a_i, b_i, a_j, b_j):  # d/ds [ln u_i + ln u_j], decreasing from +inf
            u_i = a_i * s - b_i * (1 - s) ** 2
            u_j = a_j * (1 - s) - b_j * s**2
            return (a_i + 2 * b_i * (1 - s)) / u_i - (a_j + 2 * b_j * s) / u_j

        bracket = (low[ok] + margin, high[ok] - margin)
        with np.errstate(divide="ignore", invalid="ignore"):  # +-inf at a bracket's ends
            found = elementwise.find_root(slope, bracket, args=(a_i, b_i, a_j, b_j))
        # should the search ever fail, the middle of the shares both sides accept
        share[ok] = np.where(np.isfinite(found.x), found.x, 0.5 * (bracket[0] + bracket[1]))
    pie = 2.0 * t.cut
    return (1.0 - share) * pie, share * pie


DEAL_RULES: dict[str, DealRule] = {
    "reciprocal": DealRule(reciprocal, ("cut",), reciprocal.__doc__),
    "rubinstein": DealRule(rubinstein, ("cut", "patience", "leak_power"), rubinstein.__doc__),
    "nash": DealRule(nash, ("cut",), nash.__doc__),
}

# Per-side deal terms (``negotiation.terms``) override the rule's cut for that side.
TERMS = ("rule", "cut", "to", "suspend")


def side_cut(kind: str, value, rule_cut: np.ndarray, headline: np.ndarray) -> np.ndarray:
    """Points one side cuts from its headline under its terms (never a raise).

    ``cut``: ``value`` points; ``to``: down to ``value`` percent; ``suspend``: nothing (a
    truce that cuts nothing); ``rule``: what the deal rule gave.
    """
    if kind == "cut":
        return np.broadcast_to(np.asarray(value, dtype=float), headline.shape)
    if kind == "to":
        return np.maximum(headline - value, 0.0)
    if kind == "suspend":
        return np.zeros_like(headline)
    return rule_cut


def symmetric(mask: np.ndarray) -> np.ndarray:
    """A pair mask from an ordered one: true for (i, j) and (j, i) when either was true."""
    return mask | swapped(mask)


def upper(n: int) -> np.ndarray:
    """Boolean (N, N) mask of the unordered pairs i < j."""
    return np.triu(np.ones((n, n), dtype=bool), k=1)


# --------------------------------------------------------------------------- relations

# What an event's ``if:`` / ``unless:`` may ask about its pair: a deal was struck (ever, so
# far), talks are scheduled or under way (also in a truce), the pair is in a truce.
CONDITIONS = ("deal", "talks", "truce")


@dataclass
class Relations:
    """The state of every relationship in a block, each ``(R, N, N)``.

    Pair arrays (status, clock, truce_length) are symmetric; ordered arrays ([i, j] is about
    i's side of the pair: its cooldown, its tariff before the deal, its anxiety at the deal,
    its leaked approaches, whether it proposes first) are not.
    """

    status: np.ndarray
    clock: np.ndarray  # week talks open (scheduled), opened (talks), or the truce ends
    truce_length: np.ndarray
    cooldown_until: np.ndarray
    pre_deal: np.ndarray
    anxiety_at_deal: np.ndarray
    leaks: np.ndarray
    proposes: np.ndarray
    owed: np.ndarray  # [i, j]: headline points i added on j during the truce (snap-back adds)
    dealt: np.ndarray  # bool: the pair has struck a deal
    truce_talks: np.ndarray  # bool: talks held during a truce (to extend it)

    @classmethod
    def start(cls, replicates: int, n: int) -> Relations:
        z = np.zeros((replicates, n, n))
        no = np.zeros((replicates, n, n), dtype=bool)
        return cls(np.full((replicates, n, n), CONFLICT, dtype=np.int8), z.copy(), z.copy(),
                   z.copy(), z.copy(), z.copy(), z.copy(), z.copy(), z.copy(), no.copy(),
                   no.copy())  # fmt: skip

    def state(self, name: str) -> np.ndarray:
        """The pair condition ``name`` (:data:`CONDITIONS`) for every ordered pair, bool."""
        if name == "deal":
            return self.dealt
        if name == "talks":
            return (self.status == SCHEDULED) | (self.status == TALKS) | self.truce_talks
        return self.status == TRUCE

    def schedule(self, agreed: np.ndarray, opens) -> None:
        self.status[agreed] = SCHEDULED
        self.clock = np.where(agreed, opens, self.clock)

    def force_talks(self, i: int, j: int, hit: np.ndarray, week: int) -> np.ndarray:
        """Schedule talks for pair (i, j) in the runs ``hit`` where it is in conflict; returns
        those runs."""
        mask = np.zeros(self.status.shape, dtype=bool)
        effective = hit & (self.status[:, i, j] == CONFLICT)
        mask[:, i, j] = mask[:, j, i] = effective
        self.proposes = np.where(mask, 0.5, self.proposes)
        self.schedule(mask, week)
        return effective
