"""What a scenario may ask for, and the checks that span several keys.

The limits keep a small file from asking for unbounded memory or time; each is documented in
docs/model.md ("Limits") and named in the message that enforces it. :func:`problems` lists
every inconsistency between keys of a built scenario, as (path, message) pairs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from sim.distributions import Distribution
from sim.schema import hint

if TYPE_CHECKING:
    from sim.scenario import Scenario

MAX_COUNTRIES = 100
MAX_EVENTS = 1000  # scheduled events, and again random events
MAX_ENTRIES = 100  # pressure channels, or approach channels, of one country
MAX_RUNS = 10**8  # runs of one `tradewar run`
# Replicates x countries^2 x weeks that one block may hold: a block keeps its trajectory,
# measured at 20-50 bytes per replicate, ordered pair and week (more with fewer countries), so
# the largest block allowed needs up to about 1.5 GB. The default block of 1000 replicates of
# two countries fits even at the longest horizon (5200 weeks: 2.08e7 cells).
MAX_BLOCK_CELLS = 3 * 10**7


def span(value) -> tuple[float, float]:
    """The lowest and highest value a number or distribution can take."""
    if isinstance(value, Distribution):
        return value.support()
    return value, value


def problems(s: Scenario) -> Iterator[tuple[tuple, str]]:
    """Every inconsistency between keys of ``s``: (path, message), in file order."""
    names = s.country_names()
    try:
        s.start_date + dt.timedelta(weeks=s.horizon)
    except OverflowError:
        yield ("start_date",), (f"{s.start_date} plus {s.horizon} weeks is past the last "
                                f"date there is ({dt.date.max})")  # fmt: skip
    cells = block_cells(s, effective_block(s))
    if cells > MAX_BLOCK_CELLS:
        yield (
            ("block_size",),
            (
                f"a block of {effective_block(s):,} replicates x {len(names)}^2 country pairs x "
                f"{s.horizon} weeks = {cells:,} cells; at most {MAX_BLOCK_CELLS:,} fit in memory "
                "(lower block_size, or runs, countries or horizon)"
            ),
        )
    for c in s.countries:
        yield from _country(c, names)
    timed = [(("events", k), ev) for k, ev in enumerate(s.events)]
    timed += [(("random_events", k), ev) for k, ev in enumerate(s.random_events)]
    for base, ev in timed:
        yield from _event(base, ev, names, s.horizon)


def _country(c, names: list[str]) -> Iterator[tuple[tuple, str]]:
    base = ("countries", c.name)
    others = [n for n in names if n != c.name]
    if not c.channels:
        yield (*base, "channels"), "needs at least one way to ask for talks"
    for field_name in ("imports", "tariff"):
        given = getattr(c, field_name)
        for partner in given:
            if partner == c.name:
                yield (*base, field_name, partner), "a country cannot trade with itself"
            elif partner not in others:
                yield (*base, field_name, partner), ("not a country in this scenario"
                                                     + hint(partner, others))  # fmt: skip
        for partner in others:
            if partner not in given:
                yield (*base, field_name), f"missing partner {partner!r}"
    # A distribution is checked by its support: refused when it can never satisfy the bound.
    floor, cap = span(c.floor), span(c.cap)
    if floor[0] > cap[1]:
        yield (*base, "floor"), f"floor {_show(c.floor)} is above cap {_show(c.cap)}"
        return
    for partner, t in c.tariff.items():
        low, high = span(t)
        if low > cap[1] or high < floor[0]:
            yield (*base, "tariff", partner), (f"{_show(t)} is outside [floor, cap] = "
                                               f"[{_show(c.floor)}, {_show(c.cap)}]")  # fmt: skip


def _show(value) -> str:
    if isinstance(value, Distribution):
        low, high = value.support()
        return f"{value.name} on [{low:g}, {high:g}]"
    return str(value)


def _event(base: tuple, ev, names: list[str], horizon: int) -> Iterator[tuple[tuple, str]]:
    if ev.country not in names:
        yield (*base, "country"), f"unknown country {ev.country!r}" + hint(ev.country, names)
    if ev.partner is not None and (ev.partner not in names or ev.partner == ev.country):
        yield (*base, "partner"), f"{ev.partner!r} is not a partner of {ev.country}"
    if ev.week is not None and ev.week >= horizon:
        yield (*base, "week"), f"week {ev.week} is past the horizon ({horizon})"
    if ev.week is None and ev.from_week >= horizon:
        yield (*base, "from_week"), f"week {ev.from_week} is past the horizon"
    if ev.to_week is not None and ev.to_week <= ev.from_week:
        yield (*base, "to_week"), "must be after from_week"


def effective_block(s: Scenario) -> int:
    """Replicates per block: ``block_size``, or the runs when a full block would not fit.

    A block never needs more replicates than the runs asked for, but a smaller block draws
    different random numbers; so a block that fits in :data:`MAX_BLOCK_CELLS` is kept whole,
    and run k stays the same whatever the number of runs (README, "Reproducibility"). Only a
    block too big to simulate at all shrinks to the runs, which changes no result that could
    be had before.
    """
    if block_cells(s, s.block_size) <= MAX_BLOCK_CELLS:
        return s.block_size
    return min(s.block_size, s.runs)


def block_cells(s: Scenario, block: int) -> int:
    return block * len(s.countries) ** 2 * s.horizon


def resolved(s: Scenario) -> Scenario:
    """``s`` as it will run, with the block size of :func:`effective_block`."""
    return dataclasses.replace(s, block_size=effective_block(s))
