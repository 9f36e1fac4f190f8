"""Conditional events: which events act this week, in which runs, and threats.

A scheduled event with an ``if:``/``unless:`` condition on its pair or a ``deadline`` is a
*threat* (docs/model.md §7.14): announced in its week (logged, and priced by both markets as
news of the threatened headline points), then carried out in the runs where its condition holds
in its acting week and withdrawn in the others (the announcement's news reversed). ``world`` is
the model, as for :mod:`sim.events`.
"""

from __future__ import annotations

import numpy as np

from sim.eventlog import CODE
from sim.events import threatened_points


class Threats:
    """The threats of a block: their pending market news and how each ended, per run."""

    def __init__(self, replicates: int) -> None:
        self.count = {k: np.zeros(replicates) for k in ("carried_out", "withdrawn")}
        self.news: dict[int, np.ndarray] = {}

    def due(self, world, t: int, u_events: np.ndarray) -> list:
        """The events acting this week as (event, runs, 1 if random else 0); announces the
        threats made this week."""
        horizon, due = world.trade_scenario.horizon, []
        for ev in world.events:
            if ev.threat and ev.week == t:
                self.announce(world, ev, t)
            act = ev.deadline if ev.deadline is not None else ev.week
            if act == t:
                due.append((ev, self.holds(world, ev), 0.0))
        for k, ev in enumerate(world.random_events):
            if ev.from_week <= t < (ev.to_week if ev.to_week is not None else horizon):
                due.append((ev, (u_events[:, k] < ev.hazard) & self.holds(world, ev), 1.0))
        return due

    def holds(self, world, ev) -> np.ndarray:
        """The runs in which ``ev``'s condition on its pair holds (all runs if it has none)."""
        cond = ev.condition()
        if cond is None:
            return np.ones(world.R, dtype=bool)
        state, must = cond
        i, j = world.names.index(ev.country), world.names.index(ev.partner)
        now = world.diplomacy.rel.state(state)[:, i, j]
        return now if must else ~now

    def announce(self, world, ev, t: int) -> None:
        """A threat is made: logged, and priced by both markets as news of the threatened
        raise (the raise itself is news again if carried out; withdrawal reverses this)."""
        i, j = world.names.index(ev.country), world.names.index(ev.partner)
        points = threatened_points(world, ev, i, j)
        self.news[id(ev)] = points
        shock(world, i, j, -points)
        value = np.broadcast_to(
            np.asarray(next(iter(ev.params.values()), np.nan), float), (world.R,)
        )
        act = ev.deadline if ev.deadline is not None else ev.week
        world.log.add("threat", t, np.arange(world.R), i, j, channel=act, v1=value,
                      v2=CODE[ev.kind])  # fmt: skip

    def settle(self, world, ev, t: int, i: int, j: int, hit, value) -> None:
        """A threat's acting week: carried out in the runs ``hit``, withdrawn (and its market
        news reversed) in the others; both logged and counted."""
        withdrawn = ~hit
        points = self.news.pop(id(ev), np.zeros(world.R))
        shock(world, i, j, np.where(withdrawn, points, 0.0))
        for kind, mask in (("threat_carried_out", hit), ("threat_withdrawn", withdrawn)):
            world.log.add(kind, t, np.nonzero(mask)[0], i, j, v1=value[mask], v2=CODE[ev.kind])
        self.count["carried_out"] += hit
        self.count["withdrawn"] += withdrawn


def shock(world, i: int, j: int, points: np.ndarray) -> None:
    """Both markets of a threatened pair move as on news of ``points`` headline points."""
    e, news = world.economy, world.structure.news_sensitivity
    for k in (i, j):
        e.log_index[:, k] += news[:, k] * points / 100.0
    np.maximum(e.peak, e.log_index, out=e.peak)
