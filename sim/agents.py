"""Country agents: observe, feel pressure, choose tariffs, choose to approach, respond.

A :class:`CountryAgent` is one country across all replicates of a block: every attribute that
differs between runs is a numpy array of shape ``(R,)`` (per partner ``(R, N)``). Agents only
*decide*; the model applies every decision after all agents have decided on the same
observation (simultaneous moves).
"""

from __future__ import annotations

import mesa
import numpy as np
from scipy.special import expit

from sim import policies, pressure
from sim.policies import TariffView
from sim.pressure import BIG
from sim.small import largest, row, total


class CountryAgent(mesa.Agent):
    """One country: its temperament, pressure channels and tariff policy.

    Args:
        model: the model holding this agent.
        index: the country's position in the scenario (its row in pair arrays).
        country: the realised ``sim.scenario.Country`` (drawn leaves are ``(R,)`` arrays).
        replicates: R, the number of runs in the block.
        bounds: every country's ``[floor, cap]`` from :func:`tariff_bounds`; the agent keeps
            its own row.
    """

    def __init__(self, model: mesa.Model, index: int, country, replicates: int,
                 bounds) -> None:  # fmt: skip
        super().__init__(model)
        self.index = index
        self.name = country.name
        self.spec = country
        shape = (replicates,)
        per_run = lambda v: np.broadcast_to(np.asarray(v, dtype=float), shape)  # noqa: E731
        self.resolve = per_run(country.resolve)
        self.face_cost = per_run(country.face_cost)
        self.noise = per_run(country.noise)
        self.leak_propensity = per_run(country.leak_propensity)
        self.denial = per_run(country.denial)
        self.min_cut = per_run(country.conditions.min_cut)
        self.calm_weeks = per_run(country.conditions.calm_weeks)
        # Policy parameters drawn per run are (R,): as (R, 1) they act on every partner.
        self.policy_params = {k: np.reshape(v, (-1, 1)) if np.ndim(v) else v
                              for k, v in country.policy.params.items()}  # fmt: skip
        self.channel_names = list(country.channels)
        # (C, R), a row per channel option: face share paid, leakiness, signal strength
        self.channel = {
            key: np.stack([per_run(getattr(c, key)) for c in country.channels.values()])
            for key in ("face", "leak", "signal")
        }
        # (R, N) each, C-ordered: clipping against a row of the (R, N, N) bounds is slow
        self.bounds = [row(b, index) for b in bounds]
        self.pressure = np.zeros(shape)
        self.anxiety = np.zeros(shape)
        self.contributions: dict[str, np.ndarray] = {}
        self._assessed = False

    def assess(self, observation: dict[str, np.ndarray]) -> None:
        """Pressure ``p = sum_c w_c f_c(x_c)`` and anxiety ``A <- rho A + (1 - rho) p``.

        At the first assessment anxiety starts at the pressure itself: the crisis is already
        under way at week 0.
        """
        i = self.index
        # Extreme but valid settings can overflow a form (x^10 of a huge indicator): each
        # contribution is bounded, so decisions stay defined and outputs finite.
        with np.errstate(over="ignore", invalid="ignore"):
            self.contributions = {
                name: _bounded(ch.weight * pressure.evaluate(
                    ch.form, observation[ch.input][:, i], ch.params))
                for name, ch in self.spec.pressures.items()
            }  # fmt: skip
        total = sum(self.contributions.values(), np.zeros_like(self.pressure))
        self.pressure = np.broadcast_to(total, self.pressure.shape).copy()
        rho = self.spec.memory if self._assessed else 0.0
        self.anxiety = rho * self.anxiety + (1.0 - rho) * self.pressure
        self._assessed = True

    def propose_tariffs(self, tariff: np.ndarray, exempt: np.ndarray,
                        partner_move: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """This week's proposed headline tariff (within [floor, cap]) and exempt share on each
        partner, each ``(R, N)``."""
        view = TariffView(tariff, exempt, partner_move, self.anxiety, self.resolve)
        headline, share = policies.propose(self.spec.policy.kind, view, self.policy_params)
        return self.clip(headline), share

    def shock(self, amount: np.ndarray) -> None:
        """Add ``amount`` (R,) to anxiety: face paid is felt at once, not through a channel."""
        self.anxiety = self.anxiety + amount

    def clip(self, tariff: np.ndarray) -> np.ndarray:
        """This country's ``(R, N)`` tariffs within its own [floor, cap]."""
        return np.clip(tariff, *self.bounds)

    def choose_channels(self, partner_leak: np.ndarray, u: np.ndarray, runs=None) -> np.ndarray:
        """Whether and how to ask each partner for talks: a channel index, or -1 for not now.

        Each channel's value is anxiety over resolve, plus its signal, minus the face it is
        expected to cost: ``face_cost x (face + leak x partner_leak x (1 - face))``, since a
        leaked back channel costs full face after all. Asking is costly (Fearon 1994:
        audience costs), so a side asks only when the best channel's value is positive;
        multinomial logit noise (McFadden 1974) over {not now, each channel} turns values
        into probabilities. With a single public channel this is
        ``P(ask) = expit((A - resolve - face_cost) / noise)``.

        Computed runs-last, ``(channel, partner, run)``, on C-ordered arrays: every operation
        then runs along the long run axis, where ``(R, N, C)`` would loop over the two or three
        channels of each run.

        Args:
            partner_leak: ``(N, n)`` each partner's propensity to leak.
            u: ``(N, n)`` uniform draws, one per partner.
            runs: the n runs to choose for (indices), or None for all R.

        Returns:
            ``(N, n)`` the channel index for each partner, or -1.
        """
        at = slice(None) if runs is None else runs
        ch = {k: v[:, None, at] for k, v in self.channel.items()}  # (C, 1, n)
        face, leak = ch["face"], ch["leak"]
        expected_face = face + leak * partner_leak * (1.0 - face)  # (C, N, n)
        value = (self.anxiety[at] - self.resolve[at]) + ch["signal"]
        value = value - self.face_cost[at] * expected_face
        z = value / self.noise[at]
        top = np.maximum(largest(z, 0), 0.0)
        weight = np.exp(z - top)
        p = weight / (np.exp(-top) + total(weight, 0))
        # count(u >= cumsum(p)) over channels, the running sum added in cumsum's order
        running = p[0]
        picked = (u >= running).astype(np.int64)
        for c in range(1, len(p)):
            running = running + p[c]
            picked += u >= running
        return np.where(picked < len(p), picked, -1)

    # The decisions below take ``(R, N)`` arrays, or ``(n, N)`` ones about the n runs ``runs``
    # only (indices; the model answers approaches only in the runs that have one).

    def face_price(self, share: np.ndarray, runs=None) -> np.ndarray:
        """The anxiety a side feels on showing ``share`` of its face to each partner, ``(R, N)``.

        ``face_cost x share``: asking first is costly in face (Fearon 1994: audience costs).
        """
        return _column(self.face_cost, runs) * share

    def answers(self, face_gain, signal, cut_by_asker, calm_weeks, u, runs=None) -> tuple:
        """This country's answer to an approach from each partner: ``(accepted, conditions
        met)``, each a boolean ``(R, N)``.

        It accepts when the asker has met its reciprocity conditions (:meth:`conditions_met`)
        and the draw ``u`` falls under :meth:`acceptance_probability`.

        Args:
            face_gain: ``(R, N)`` the face each asker visibly paid.
            signal: ``(R, N)`` the signal of each asker's channel.
            cut_by_asker: ``(R, N)`` points each asker has cut from its peak tariff.
            calm_weeks: ``(R, N)`` weeks since each asker last raised a tariff.
            u: ``(R, N)`` uniform draws, one per partner.
        """
        met = self.conditions_met(cut_by_asker, calm_weeks, runs)
        return met & (u < self.acceptance_probability(face_gain, signal, runs)), met

    def leaks(self, channel_leak: np.ndarray, u: np.ndarray, runs=None) -> np.ndarray:
        """Whether this country publicises each partner's approach, ``(R, N)``.

        An approach leaks with probability ``channel leak x leak_propensity``: a back channel
        leaks only as far as its own leakiness and the receiver's taste for publicity allow.
        """
        return u < channel_leak * _column(self.leak_propensity, runs)

    def denies(self, u: np.ndarray, runs=None) -> np.ndarray:
        """Whether this country denies a leaked approach to each partner, ``(R, N)``."""
        return u < _column(self.denial, runs)

    def renews(self, anxiety_at_deal: np.ndarray, u: np.ndarray, runs=None) -> np.ndarray:
        """Whether this country wants to renew an expiring truce with each partner, ``(R, N)``;
        ``u`` is one uniform draw per partner (:meth:`renewal_probability`)."""
        return u < self.renewal_probability(anxiety_at_deal, runs)

    def at_table(self) -> tuple[np.ndarray, np.ndarray]:
        """What this side brings to a deal: its anxiety (impatience) and its resolve, ``(R,)``."""
        return self.anxiety, self.resolve

    def shift_resolve(self, delta: np.ndarray) -> None:
        """Move resolve by ``delta`` (R,), never below zero (an exogenous event)."""
        self.resolve = np.maximum(self.resolve + delta, 0.0)

    def acceptance_probability(self, face_gain: np.ndarray, signal: np.ndarray,
                               runs=None) -> np.ndarray:  # fmt: skip
        """P(accept) an approach from each partner, ``(R, N)``.

        Being asked is a gain in face equal to what the asker visibly paid, and a louder
        approach (several channels at once) adds its signal, so both ease acceptance.
        """
        margin = _column(self.anxiety, runs) + face_gain + signal - _column(self.resolve, runs)
        return expit(margin / _column(self.noise, runs))

    def conditions_met(self, cut_by_asker: np.ndarray, calm_weeks: np.ndarray,
                       runs=None) -> np.ndarray:  # fmt: skip
        """Whether each partner has met this country's reciprocity conditions, ``(R, N)``.

        China asked for talks that are "fair, respectful and reciprocal": a gesture first.
        """
        return (cut_by_asker >= _column(self.min_cut, runs)) & (
            calm_weeks >= _column(self.calm_weeks, runs)
        )

    def renewal_probability(self, anxiety_at_deal: np.ndarray, runs=None) -> np.ndarray:
        """P(renew) an expiring truce with each partner, ``(R, N)``.

        The pressure a side would face after a snap-back is proxied by its anxiety when the
        deal was struck: the state the truce rescued it from.
        """
        margin = anxiety_at_deal - _column(self.resolve, runs)
        return expit(margin / _column(self.noise, runs))


def per_country(values, replicates: int) -> np.ndarray:
    """One value (scalar or ``(R,)``) per country as an ``(R, N)`` array."""
    shape = (replicates,)
    return np.stack([np.broadcast_to(np.asarray(v, dtype=float), shape) for v in values], 1)


def tariff_bounds(countries, replicates: int) -> list[np.ndarray]:
    """Each country's ``[floor, cap]`` on every partner, per run: two ``(R, N, N)`` arrays, row
    ``i`` country ``i``'s. The model clips all pairs against them and each agent its own row.

    Args:
        countries: the realised ``sim.scenario.Country`` list, in scenario order.
        replicates: R.
    """
    n = len(countries)
    return [np.repeat(per_country([getattr(c, k) for c in countries], replicates)[:, :, None], n,
                      axis=2) for k in ("floor", "cap")]  # fmt: skip


def _bounded(x: np.ndarray) -> np.ndarray:
    """``x`` within [-BIG, BIG], NaN as 0: ``np.clip(np.nan_to_num(x, nan=0.0), -BIG, BIG)``
    bit for bit (infinities clip to the bounds either way), in three numpy calls."""
    return np.clip(np.where(np.isnan(x), 0.0, x), -BIG, BIG)


def _column(values: np.ndarray, runs) -> np.ndarray:
    """A per-run ``(R,)`` parameter as a column against partners: ``(R, 1)``, or ``(n, 1)`` for
    the runs ``runs``."""
    return (values if runs is None else values[runs])[:, None]
