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


class CountryAgent(mesa.Agent):
    """One country: its temperament, pressure channels and tariff policy.

    Args:
        model: the model holding this agent.
        index: the country's position in the scenario (its row in pair arrays).
        country: the realised ``sim.scenario.Country`` (drawn leaves are ``(R,)`` arrays).
        replicates: R, the number of runs in the block.
    """

    def __init__(self, model: mesa.Model, index: int, country, replicates: int) -> None:
        super().__init__(model)
        self.index = index
        self.name = country.name
        self.spec = country
        shape = (replicates,)
        self.resolve = np.broadcast_to(np.asarray(country.resolve, dtype=float), shape)
        self.face_cost = np.broadcast_to(np.asarray(country.face_cost, dtype=float), shape)
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
        self.contributions = {
            name: ch.weight * pressure.evaluate(ch.form, observation[ch.input][:, i], ch.params)
            for name, ch in self.spec.pressures.items()
        }
        total = sum(self.contributions.values(), np.zeros_like(self.pressure))
        self.pressure = np.broadcast_to(total, self.pressure.shape).copy()
        rho = self.spec.memory if self._assessed else 0.0
        self.anxiety = rho * self.anxiety + (1.0 - rho) * self.pressure
        self._assessed = True

    def propose_tariffs(self, tariff: np.ndarray, partner_move: np.ndarray) -> np.ndarray:
        """This week's proposed tariff on each partner, ``(R, N)``, within [floor, cap]."""
        view = TariffView(tariff, partner_move, self.anxiety, self.resolve)
        proposal = policies.propose(self.spec.policy.kind, view, self.spec.policy.params)
        return self.clip(proposal)

    def clip(self, tariff: np.ndarray) -> np.ndarray:
        floor = np.asarray(self.spec.floor, dtype=float)
        cap = np.asarray(self.spec.cap, dtype=float)
        return np.clip(tariff, np.reshape(floor, (-1, 1)), np.reshape(cap, (-1, 1)))

    def approach_probability(self) -> np.ndarray:
        """P(approach) this week, ``(R,)``: a logit of anxiety over resolve plus face cost.

        Asking costs face (Fearon 1994: audience costs make backing down costly), so a side
        asks only when its anxiety outweighs both its resolve and that cost; logit noise
        (McFadden 1974) turns the comparison into a probability.
        """
        return expit((self.anxiety - self.resolve - self.face_cost) / self.spec.noise)

    def acceptance_probability(self, face_gain: np.ndarray) -> np.ndarray:
        """P(accept) an approach from each partner, ``(R, N)``, given the face each one paid.

        Being asked is a gain in face equal to what the asker paid, so a proud asker makes
        acceptance easier.
        """
        margin = self.anxiety[:, None] + face_gain - self.resolve[:, None]
        return expit(margin / np.reshape(np.asarray(self.spec.noise, dtype=float), (-1, 1)))

    def renewal_probability(self, anxiety_at_deal: np.ndarray) -> np.ndarray:
        """P(renew) an expiring truce with each partner, ``(R, N)``.

        The pressure a side would face after a snap-back is proxied by its anxiety when the
        deal was struck: the state the truce rescued it from.
        """
        margin = anxiety_at_deal - self.resolve[:, None]
        return expit(margin / np.reshape(np.asarray(self.spec.noise, dtype=float), (-1, 1)))
