"""The trade-war model: one step is one week for every replicate in the block.

A :class:`TradeWarModel` simulates R replicates of a scenario at once; every per-run quantity
is a numpy array over them, so the cost of a week hardly depends on R. One run is R = 1, the
same code. The model knows nothing of files or terminals: it takes a scenario and a seed and
leaves its trajectory in :meth:`TradeWarModel.trajectory`, its discrete events in
:attr:`TradeWarModel.log` and its outcomes in :meth:`TradeWarModel.outcomes`.

A week, in order (docs/model.md gives the equations):

1. scheduled and random events act;
2. every country observes the same economy and updates pressure and anxiety;
3. every country proposes tariffs and chooses whether and how to approach (simultaneous moves);
4. tariffs apply (frozen in a truce); approaches are answered, leaked, denied; truces expire or
   renew; talks open, close deals or collapse;
5. the economy advances one week under the new tariffs.
"""

from __future__ import annotations

import dataclasses

import mesa
import numpy as np

from sim import block_outcomes, economy
from sim import columns as C
from sim.agents import CountryAgent, per_country, tariff_bounds
from sim.diplomacy import Diplomacy
from sim.distributions import realise
from sim.economy import Economy, Structure
from sim.eventlog import EventLog
from sim.events import EVENTS
from sim.negotiation import CONFLICT, PEACE, STATUSES, TRUCE, symmetric
from sim.record import WeeklyRecord
from sim.scenario import Negotiation, Scenario
from sim.schema import Number
from sim.small import either, row, rows
from sim.streams import Streams, stream_seed
from sim.threats import Threats

# The week's uniform draws over ordered pairs, one named stream per decision (docs/model.md
# §4.8); the market shock and the random events have streams of their own.
PAIR_DRAWS = ("choice", "accept", "leak", "deny", "renew", "deal", "truce_talks", "truce_deal")
LONG_AGO = -1e9  # the week of a pair's last escalation when the scenario does not say


def negotiation_terms(negotiation: Negotiation) -> dict[str, np.ndarray]:
    """Every numeric field of :class:`~sim.scenario.Negotiation` by name, as an ``(R, 1, 1)``
    array (``(1, 1, 1)`` when fixed) that broadcasts over pairs.

    Derived from the dataclass's own declaration, so a term added there reaches
    :class:`~sim.diplomacy.Diplomacy` without being listed again.
    """
    return {
        f.name: np.reshape(np.asarray(getattr(negotiation, f.name), dtype=float), (-1, 1, 1))
        for f in dataclasses.fields(negotiation)
        if isinstance(f.metadata.get("spec"), Number)
    }


def child_seed(seed: np.random.SeedSequence, k: int) -> np.random.SeedSequence:
    """The k-th child of ``seed``, without mutating it (``spawn`` would)."""
    return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, k))


class TradeWarModel(mesa.Model):
    """R replicates of a scenario, stepped together.

    Args:
        scenario: a validated :class:`~sim.scenario.Scenario`.
        replicates: R, the number of runs simulated together.
        seed: a ``SeedSequence`` (the runner passes one per block) or an int.
        tile: P, for P parameter points packed in one block (calibration): every random
            stream is drawn for ``replicates // P`` rows and repeated P times, so replicate r
            of each point sees the random numbers it would see simulated alone.
        fixed: per-replicate values, dotted key -> ``(replicates,)`` array, for keys that
            differ between the packed points (they must be numbers in ``scenario``).
    """

    def __init__(self, scenario: Scenario, replicates: int = 1, seed=0, *, tile: int = 1,
                 fixed=None) -> None:  # fmt: skip
        ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        # Mesa gets its own stream: its seeding consumes draws differently across versions.
        super().__init__(rng=stream_seed(ss, "mesa"))
        # Not ``self.scenario``: Mesa 3.5 reserves that name for its own Scenario objects.
        self.trade_scenario = scenario
        if tile < 1 or replicates % tile:
            raise ValueError(f"tile {tile} does not divide {replicates} replicates")
        self.R, self.N, self.tile = replicates, len(scenario.countries), tile
        self.week = 0
        self.streams = Streams(ss)
        realised, self.draws = realise(scenario, replicates, child_seed(ss, 0), tile=tile,
                                      fixed=fixed)  # fmt: skip
        # each country's [floor, cap] on every partner, per run, (R, N, N): clip in one call
        self._bounds = tariff_bounds(realised.countries, replicates)
        self.countries = [CountryAgent(self, i, c, replicates, self._bounds)
                          for i, c in enumerate(realised.countries)]  # fmt: skip
        self.names = realised.country_names()
        self.events, self.random_events = realised.events, realised.random_events
        self.offdiag = ~np.eye(self.N, dtype=bool)
        self._setup_economy(realised)
        self.log = EventLog()
        self.diplomacy = self._setup_diplomacy(realised.negotiation)
        self.seen = self.economy.headline.copy()  # headlines at the last decision
        self.peak_tariff = self.economy.tariff.copy()
        self.last_raise = np.full((replicates, self.N, self.N), LONG_AGO)
        self._start_relations(realised)
        self.threats = Threats(replicates)
        channels = [ch for c in self.countries for ch in c.spec.pressures.items()]
        self.channel_names = list(dict.fromkeys(name for name, _ in channels))
        # the indicators some pressure channel reads: the only ones observed
        self.inputs = list(dict.fromkeys(ch.input for _, ch in channels))
        self.weekly = WeeklyRecord(replicates, self.N, self.channel_names, scenario.horizon)
        # per quantity, a list of (R, ...) arrays, one per week so far
        self.record: dict[str, list[np.ndarray]] = self.weekly.weeks

    @property
    def relations(self):
        return self.diplomacy.rel

    # ------------------------------------------------------------------ setup

    def _setup_economy(self, realised: Scenario) -> None:
        R, cs, names = self.R, realised.countries, realised.country_names()

        def col(get) -> np.ndarray:
            return per_country([get(c) for c in cs], R)

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
        headline = self.clip(pairs("tariff"))
        exempt = np.zeros((R, self.N, self.N))
        for i, c in enumerate(cs):
            for partner, share in c.exempt.items():
                exempt[:, i, names.index(partner)] = share
        drawdown = col(lambda c: c.market.initial_drawdown)
        self.economy = Economy.start(self.structure, headline, exempt, drawdown)

    def _setup_diplomacy(self, n: Negotiation) -> Diplomacy:
        """The block's diplomacy: each side on its own deal terms where it has some."""
        sides = [(n.terms[c].kind, n.terms[c].value) if c in n.terms else ("rule", 0.0)
                 for c in self.names]  # fmt: skip
        return Diplomacy(self.countries, negotiation_terms(n), n.deal_rule, self.log, self.R, sides)

    def _start_relations(self, realised: Scenario) -> None:
        """Week-0 status of every pair: the ``relations:`` block where it speaks, otherwise
        conflict if either side's headline is above its own floor, peace if not."""
        rel, names = self.diplomacy.rel, self.names
        hot = symmetric(self.economy.headline > self._bounds[0] + 1e-9)
        rel.status[:] = np.where(hot | ~self.offdiag, CONFLICT, PEACE)
        for r in realised.relations:
            i, j = names.index(r.between[0]), names.index(r.between[1])
            code = STATUSES.index(r.status)
            rel.status[:, i, j] = rel.status[:, j, i] = code
            if r.last_escalation is not None:
                self.last_raise[:, i, j] = self.last_raise[:, j, i] = r.last_escalation

    # ------------------------------------------------------------------ the week

    def draw(self) -> dict[str, np.ndarray]:
        """The week's random numbers by stream name, every week in the same shapes whatever
        the state, so paired runs share them (docs/model.md §4.8)."""
        s, rows = self.streams, self.R // self.tile
        u = {name: s[name].random((rows, self.N, self.N)) for name in PAIR_DRAWS}
        u["market"] = s["market"].standard_normal((rows, self.N))
        u["events"] = s["events"].random((rows, len(self.random_events)))
        if self.tile > 1:
            u = {k: np.tile(v, (self.tile,) + (1,) * (v.ndim - 1)) for k, v in u.items()}
        return u

    def step(self) -> None:
        t, e, d = self.week, self.economy, self.diplomacy
        u = self.draw()
        self._apply_events(t, u["events"])
        self.agents.do("assess", economy.observe(e, self.structure, self.inputs))
        # Policies answer headline moves (scheduled and threatened raises included); quiet
        # exemptions are not moves to retaliate against.
        moves = e.headline - self.seen
        self.seen = e.headline.copy()
        proposed = [a.propose_tariffs(row(e.headline, a.index), row(e.exempt, a.index),
                                      moves[:, :, a.index]) for a in self.countries]  # fmt: skip
        headline = rows([h for h, _ in proposed])
        exempt = rows([x for _, x in proposed])
        choice = d.choose(t, u["choice"])
        frozen = (d.rel.status == TRUCE) | ~self.offdiag
        self._set_rates(t, np.where(frozen, e.headline, headline),
                        np.where(frozen, e.exempt, exempt), log=True)  # fmt: skip
        d.approaches(t, choice, u["accept"], u["leak"], u["deny"], self.peak_tariff, e.tariff,
                     self.last_raise)  # fmt: skip
        before = e.headline.copy()
        d.truce_talks(t, u["truce_talks"], u["truce_deal"])
        headline = d.truces(t, u["renew"], e.headline)
        headline = d.talks(t, u["deal"], headline, self.clip)
        self._set_rates(t, headline, e.exempt, log=False)
        # Deals, snap-backs and collapses are not moves to retaliate against.
        self.seen += e.headline - before
        quarrel = (d.rel.status != TRUCE) & (d.rel.status != PEACE) & self.offdiag
        e.weeks_in_conflict += either(quarrel, 2)
        economy.advance(e, self.structure, u["market"])
        self.weekly.add(self.week, e, self.countries, d.rel.status)
        self.week += 1

    def _set_rates(self, t: int, headline: np.ndarray, exempt: np.ndarray, log: bool) -> None:
        e = self.economy
        # A headline move of a point or more is an escalation; an effective fall of a point or
        # more is relief; smaller ones are drift: steps.csv has every value, events.csv and the
        # calm_weeks condition see only these.
        raised = headline >= e.headline + 1.0
        if log:
            self.log.add_pairs("escalation", t, raised, v1=e.headline, v2=headline)
            new = economy.effective(headline, exempt)
            self.log.add_pairs("relief", t, new <= e.tariff - 1.0, v1=e.tariff, v2=new)
        if raised.any():  # most weeks see no escalation
            self.last_raise = np.where(raised, t, self.last_raise)
            # an escalation ends a peace: the pair is in conflict from now on
            status = self.diplomacy.rel.status
            status[symmetric(raised) & (status == PEACE)] = CONFLICT
        e.set_rates(headline, exempt)
        np.maximum(self.peak_tariff, e.tariff, out=self.peak_tariff)

    def _apply_events(self, t: int, u_events: np.ndarray) -> None:
        due = self.threats.due(self, t, u_events)
        if not due:
            return
        e = self.economy
        before_h, before_x = e.headline.copy(), e.exempt.copy()
        for ev, hit, chance in due:
            i = self.names.index(ev.country)
            j = self.names.index(ev.partner) if ev.partner is not None else None
            acted = EVENTS[ev.kind].apply(self, i, j, hit, **ev.params)
            hit = hit if acted is None else acted
            first = next(iter(ev.params.values()), np.nan)
            value = np.broadcast_to(np.asarray(first, dtype=float), (self.R,))
            if ev.threat:
                self.threats.settle(self, ev, t, i, j, hit, value)
                continue
            self.log.add(ev.kind, t, np.nonzero(hit)[0], i, -1 if j is None else j,
                         v1=value[hit], v2=chance)  # fmt: skip
        headline, exempt = self.clip(e.headline), e.exempt
        # a raise during a truce is owed on top of the suspended headline at snap-back
        rel = self.diplomacy.rel
        rel.owed += np.where(rel.status == TRUCE, np.maximum(headline - before_h, 0.0), 0.0)
        e.headline, e.exempt = before_h, before_x  # so that _set_rates sees the change
        self._set_rates(t, headline, exempt, log=False)

    # ------------------------------------------------------------------ helpers

    def anxieties(self) -> np.ndarray:
        return self.diplomacy.anxieties()

    def pressures(self) -> np.ndarray:
        return np.stack([a.pressure for a in self.countries], axis=1)

    def clip(self, tariff: np.ndarray) -> np.ndarray:
        """Every country's tariffs within its own [floor, cap]; none on itself."""
        out = np.clip(tariff, *self._bounds)
        diagonal = np.arange(self.N)
        out[:, diagonal, diagonal] = 0.0
        return out

    # ------------------------------------------------------------------ running

    def simulate(self) -> TradeWarModel:
        """Step through the scenario's horizon and return self."""
        while self.week < self.trade_scenario.horizon:
            self.step()
        self.running = False
        return self

    def release(self) -> None:
        """Let the model be freed once the caller drops it: call it last.

        Mesa 3.3 keeps every model alive through a class-level id counter keyed by model
        (mesa issue #3179, fixed in later releases); a worker simulating thousands of blocks
        would grow by megabytes per block.
        """
        self.remove_all_agents()
        getattr(mesa.Agent, "_ids", {}).pop(self, None)
        # The agents, the diplomacy and the event log point back at the model: cycles that
        # only the cyclic collector frees, and numpy-heavy code gives it few reasons to run,
        # so a worker's dead blocks piled up (~170 MB per million runs). Dropping the model's
        # references frees them now; the model is unusable afterwards.
        self.__dict__.clear()

    def trajectory(self) -> dict[str, np.ndarray]:
        """Recorded weekly state, each ``(weeks, R, ...)``: week w is the end of week w."""
        return self.weekly.trajectory()

    def layout(self) -> C.Layout:
        """What this model's result columns expand over (countries, channels, drawn keys)."""
        return C.Layout(tuple(self.names), {a.name: tuple(a.channel_names) for a in self.countries},
                        tuple(self.channel_names), tuple(self.draws),
                        tuple(o.name for o in self.trade_scenario.outcomes))  # fmt: skip

    def outcomes(self) -> dict[str, np.ndarray]:
        """Per-run outcomes, column name -> ``(R,)`` array, in runs.csv order."""
        return block_outcomes.collect(self)
