"""The trade-war model: one step is one week for every replicate in the block.

A :class:`TradeWarModel` simulates R replicates of a scenario at once; every per-run quantity
is a numpy array over them, so the cost of a week hardly depends on R. One run is R = 1, the
same code. The model knows nothing of files or terminals: it takes a scenario and a seed and
leaves its trajectory in :attr:`TradeWarModel.record` and its outcomes in
:meth:`TradeWarModel.outcomes`.

A week, in order (docs/model.md gives the equations):

1. scheduled events act;
2. every country observes the same economy and updates pressure and anxiety;
3. every country proposes tariffs and decides whether to approach (simultaneous moves);
4. tariffs apply (frozen in a truce); approaches are answered; talks, deals and truces move on;
5. the economy advances one week under the new tariffs.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim import economy, negotiation
from sim.agents import CountryAgent
from sim.economy import Economy, Structure
from sim.events import EVENTS
from sim.negotiation import CONFLICT, SCHEDULED, TALKS, TRUCE
from sim.scenario import Scenario, realise

NONE, MUTUAL = -1, -2


def child_seed(seed: np.random.SeedSequence, k: int) -> np.random.SeedSequence:
    """The k-th child of ``seed``, without mutating it (``spawn`` would)."""
    return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, k))


def _per_country(values, size: int) -> np.ndarray:
    return np.stack([np.broadcast_to(np.asarray(v, dtype=float), (size,)) for v in values], 1)


class TradeWarModel(mesa.Model):
    """R replicates of a scenario, stepped together.

    Args:
        scenario: a validated :class:`~sim.scenario.Scenario`.
        replicates: R, the number of runs simulated together.
        seed: a ``SeedSequence`` (the runner passes one per block) or an int.
    """

    def __init__(self, scenario: Scenario, replicates: int = 1, seed=0) -> None:
        ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        # Mesa gets its own stream: its seeding consumes draws differently across versions.
        super().__init__(rng=child_seed(ss, 2))
        # Not ``self.scenario``: Mesa 3.5 reserves that name for its own Scenario objects.
        self.trade_scenario = scenario
        self.R, self.N = replicates, len(scenario.countries)
        self.week = 0
        self.gen = np.random.default_rng(child_seed(ss, 1))
        realised, self.draws = realise(scenario, replicates, child_seed(ss, 0))
        self.countries = [
            CountryAgent(self, i, c, replicates) for i, c in enumerate(realised.countries)
        ]
        self.events = realised.events
        self.offdiag = ~np.eye(self.N, dtype=bool)
        self._setup_economy(realised)
        self._setup_relations(realised)

    # ------------------------------------------------------------------ setup

    def _setup_economy(self, realised: Scenario) -> None:
        R, cs, names = self.R, realised.countries, realised.country_names()

        def col(get) -> np.ndarray:
            return _per_country([get(c) for c in cs], R)

        def pairs(attr: str) -> np.ndarray:
            out = np.zeros((R, self.N, self.N))
            for i, c in enumerate(cs):
                for j, partner in enumerate(names):
                    if i != j:
                        out[:, i, j] = getattr(c, attr)[partner]
            return out

        self.structure = Structure(
            gdp=col(lambda c: c.gdp),
            imports0=pairs("imports"),
            elasticity=col(lambda c: c.elasticity),
            adjustment=col(lambda c: c.adjustment),
            pass_through=col(lambda c: c.pass_through),
            inventory_weeks=col(lambda c: c.inventory_weeks),
            restock=col(lambda c: c.restock),
            volatility=col(lambda c: c.market.volatility),
            drift=col(lambda c: c.market.drift),
            trade_sensitivity=col(lambda c: c.market.trade_sensitivity),
            news_sensitivity=col(lambda c: c.market.news_sensitivity),
        )
        tariff = self.clip(pairs("tariff"))
        drawdown = col(lambda c: c.market.initial_drawdown)
        self.economy = Economy.start(self.structure, tariff, drawdown)

    def _setup_relations(self, realised: Scenario) -> None:
        R, N = self.R, self.N
        n = realised.negotiation
        # Negotiation terms as (R, 1, 1) arrays so they broadcast over pairs.
        self.terms = {
            k: np.reshape(np.asarray(getattr(n, k), dtype=float), (-1, 1, 1))
            for k in ("talks_lag", "max_talks_weeks", "deal_rate", "cut", "truce_weeks", "cooldown")
        }
        self.status = np.full((R, N, N), CONFLICT, dtype=np.int8)
        self.clock = np.zeros((R, N, N))  # week talks open / opened, or the truce ends
        self.cooldown_until = np.zeros((R, N, N))
        self.pre_deal = np.zeros((R, N, N))
        self.anxiety_at_deal = np.zeros((R, N, N))
        self.seen = self.economy.tariff.copy()  # tariffs at the last decision
        nan = np.full(R, np.nan)
        self.first = {"approach": nan.copy(), "talks": nan.copy(), "deal": nan.copy()}
        self.first_approacher = np.full(R, NONE, dtype=np.int64)
        self.first_own_approach = np.full((R, N), np.nan)  # each country's first approach
        self.deal_tariff = np.full((R, N, N), np.nan)
        self.peak_tariff = self.economy.tariff.copy()
        self.count = {k: np.zeros((R, N)) for k in ("approaches", "rejections")}
        self.count.update({k: np.zeros(R) for k in ("deals", "collapses", "renewals", "snapbacks")})
        self.record: dict[str, list[np.ndarray]] = {
            k: [] for k in ("tariff", "pressure", "anxiety", "drawdown", "status")
        }

    # ------------------------------------------------------------------ the week

    def step(self) -> None:
        t, e = self.week, self.economy
        self._apply_events(t)
        observation = economy.observe(e, self.structure)
        self.agents.do("assess", observation)
        moves = e.tariff - self.seen
        self.seen = e.tariff.copy()
        proposals = np.stack(
            [
                a.propose_tariffs(e.tariff[:, a.index, :], moves[:, :, a.index])
                for a in self.countries
            ],
            axis=1,
        )
        approach_p = np.stack([a.approach_probability() for a in self.countries], axis=1)
        uniforms = self.gen.random((4, self.R, self.N, self.N))
        shock = self.gen.standard_normal((self.R, self.N))

        frozen = self.status == TRUCE
        e.tariff = np.where(frozen | ~self.offdiag, e.tariff, proposals)
        before = e.tariff.copy()
        self._approaches(t, approach_p, uniforms[0], uniforms[1])
        self._truce_expiry(t, uniforms[3])
        self._talks(t, uniforms[2])
        # Deals and snap-backs are not moves to retaliate against.
        self.seen += e.tariff - before
        np.maximum(self.peak_tariff, e.tariff, out=self.peak_tariff)
        e.weeks_in_conflict += ((self.status != TRUCE) & self.offdiag).any(axis=2)
        economy.advance(e, self.structure, shock)
        self._record()
        self.week += 1

    def _apply_events(self, t: int) -> None:
        names = self.trade_scenario.country_names()
        touched = False
        for ev in self.events:
            if ev.week == t:
                j = names.index(ev.partner) if ev.partner is not None else None
                EVENTS[ev.kind].apply(self.economy, names.index(ev.country), j, **ev.params)
                touched = True
        if touched:
            self.economy.tariff = self.clip(self.economy.tariff)

    def _approaches(self, t: int, approach_p, u_approach, u_accept) -> None:
        eligible = (self.status == CONFLICT) & (t >= self.cooldown_until) & self.offdiag
        approach = eligible & (u_approach < approach_p[:, :, None])
        mutual = approach & approach.transpose(0, 2, 1)
        one_way = approach & ~mutual
        face = np.stack([a.face_cost for a in self.countries], axis=1)  # (R, N) asker's cost
        # accept[r, i, j]: j accepts i's approach; column j comes from agent j.
        accept_p = np.stack([a.acceptance_probability(face) for a in self.countries], axis=2)
        accepted = one_way & (u_accept < accept_p)
        agreed = negotiation.symmetric(mutual | accepted)
        self.status[agreed] = SCHEDULED
        self.clock = np.where(agreed, t + self.terms["talks_lag"], self.clock)
        rejected = one_way & ~accepted
        self.cooldown_until = np.where(
            rejected, t + 1 + self.terms["cooldown"], self.cooldown_until
        )
        self.count["approaches"] += approach.sum(axis=2)
        self.count["rejections"] += rejected.sum(axis=2)
        asked = approach.any(axis=2)  # (R, N)
        new = np.isnan(self.first["approach"]) & asked.any(axis=1)
        who = np.where(asked.sum(axis=1) > 1, MUTUAL, asked.argmax(axis=1))
        self.first_approacher = np.where(new, who, self.first_approacher)
        self.first["approach"][new] = t
        self.first_own_approach[np.isnan(self.first_own_approach) & asked] = t

    def _truce_expiry(self, t: int, u_renew) -> None:
        e = self.economy
        expiring = (self.status == TRUCE) & (t >= self.clock) & self.offdiag
        want = u_renew < np.stack(
            [a.renewal_probability(self.anxiety_at_deal[:, a.index, :]) for a in self.countries],
            axis=1,
        )
        renew = expiring & want & want.transpose(0, 2, 1)
        snap = expiring & ~renew
        self.clock = np.where(renew, self.clock + self.terms["truce_weeks"], self.clock)
        e.tariff = np.where(snap, self.pre_deal, e.tariff)
        self.status[snap] = CONFLICT
        self.count["renewals"] += (renew & self.upper).sum(axis=(1, 2))
        self.count["snapbacks"] += (snap & self.upper).sum(axis=(1, 2))

    def _talks(self, t: int, u_deal) -> None:
        opening = (self.status == SCHEDULED) & (t >= self.clock)
        self.status[opening] = TALKS
        self.clock = np.where(opening, t, self.clock)
        self._first("talks", opening.any(axis=(1, 2)), t)
        in_talks = self.status == TALKS
        anxiety = self.anxieties()
        p_deal = negotiation.deal_probability(
            anxiety[:, :, None], anxiety[:, None, :], self.terms["deal_rate"]
        )
        deal = negotiation.symmetric(in_talks & self.upper & (u_deal < p_deal))
        collapse = in_talks & ~deal & (t - self.clock + 1 >= self.terms["max_talks_weeks"])
        self._strike(t, deal, anxiety)
        self.status[collapse] = CONFLICT
        self.cooldown_until = np.where(
            collapse, t + 1 + self.terms["cooldown"], self.cooldown_until
        )
        self.count["collapses"] += (collapse & self.upper).sum(axis=(1, 2))

    def _strike(self, t: int, deal: np.ndarray, anxiety: np.ndarray) -> None:
        """Apply the deal rule to every pair that settled this week and start its truce."""
        e = self.economy
        rule = negotiation.DEAL_RULES[self.trade_scenario.negotiation.deal_rule]
        cut, _ = rule.func(e.tariff, e.tariff.transpose(0, 2, 1), self.terms["cut"])
        self.pre_deal = np.where(deal, e.tariff, self.pre_deal)
        self.anxiety_at_deal = np.where(deal, anxiety[:, :, None], self.anxiety_at_deal)
        e.tariff = np.where(deal, self.clip(cut), e.tariff)
        self.status[deal] = TRUCE
        self.clock = np.where(deal, t + self.terms["truce_weeks"], self.clock)
        self.deal_tariff = np.where(deal & np.isnan(self.deal_tariff), e.tariff, self.deal_tariff)
        self._first("deal", deal.any(axis=(1, 2)), t)
        self.count["deals"] += (deal & self.upper).sum(axis=(1, 2))

    # ------------------------------------------------------------------ helpers

    @property
    def upper(self) -> np.ndarray:
        return negotiation.upper(self.N)

    def anxieties(self) -> np.ndarray:
        return np.stack([a.anxiety for a in self.countries], axis=1)

    def pressures(self) -> np.ndarray:
        return np.stack([a.pressure for a in self.countries], axis=1)

    def clip(self, tariff: np.ndarray) -> np.ndarray:
        """Every country's tariffs within its own [floor, cap]; none on itself."""
        out = np.stack([a.clip(tariff[:, a.index, :]) for a in self.countries], axis=1)
        out[:, ~self.offdiag] = 0.0
        return out

    def _first(self, key: str, happened: np.ndarray, t: int) -> None:
        self.first[key][np.isnan(self.first[key]) & happened] = t

    def _record(self) -> None:
        e, rec = self.economy, self.record
        rec["tariff"].append(e.tariff.astype(np.float32))
        rec["pressure"].append(self.pressures().astype(np.float32))
        rec["anxiety"].append(self.anxieties().astype(np.float32))
        rec["drawdown"].append(e.drawdown().astype(np.float32))
        rec["status"].append(self.status.copy())

    # ------------------------------------------------------------------ running

    def simulate(self) -> TradeWarModel:
        """Step through the scenario's horizon and return self."""
        while self.week < self.trade_scenario.horizon:
            self.step()
        self.running = False
        return self

    def trajectory(self) -> dict[str, np.ndarray]:
        """Recorded weekly state, each ``(weeks, R, ...)``: week w is the end of week w."""
        return {k: np.stack(v) for k, v in self.record.items()}

    def outcomes(self) -> dict[str, np.ndarray]:
        """Per-run outcomes, column name -> ``(R,)`` array, in runs.csv order."""
        names = self.trade_scenario.country_names()
        labels = np.array([*names, "none", "mutual"])
        code = np.where(self.first_approacher >= 0, self.first_approacher,
                        len(names) - 1 - self.first_approacher)  # fmt: skip
        out = {
            "first_approacher": labels[code],
            "first_approach_week": self.first["approach"],
            "talks_week": self.first["talks"],
            "deal_week": self.first["deal"],
            "final_status": self._final_status(),
        }
        e = self.economy
        for key, arr in (
            ("peak", self.peak_tariff),
            ("final", e.tariff),
            ("deal", self.deal_tariff),
        ):  # noqa: E501
            for i, a in enumerate(names):
                for j, b in enumerate(names):
                    if i != j:
                        out[f"{key}_tariff_{a}_{b}"] = arr[:, i, j]
        for key in ("deals", "collapses", "renewals", "snapbacks"):
            out[key] = self.count[key]
        per_country = {
            "first_approach_week": self.first_own_approach,
            "approaches": self.count["approaches"],
            "rejections": self.count["rejections"],
            "max_drawdown": e.max_drawdown,
            "trade_loss": e.trade_loss,
        }
        for key, arr in per_country.items():
            for i, a in enumerate(names):
                out[f"{key}_{a}"] = arr[:, i]
        out.update(self.draws)
        return out

    def _final_status(self) -> np.ndarray:
        statuses = np.array([*negotiation.STATUSES, "mixed"])
        pairs = self.status[:, self.upper]  # (R, pairs)
        same = (pairs == pairs[:, :1]).all(axis=1)
        return statuses[np.where(same, pairs[:, 0], len(negotiation.STATUSES))]
