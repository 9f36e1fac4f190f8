"""The discrete events of a block of runs: what happened, to whom, in which week.

The model records events as numbers (vectorised: one call per kind per week, whatever the
number of runs); :meth:`EventLog.columns` turns them into the events.csv columns
``run, week, date, actor, kind, detail``, sorted by run and, within a run, in the order they
happened (week by week, and within a week in the order of the model's step).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from sim.events import EVENTS

KINDS = (
    "escalation", "relief", "approach", "acceptance", "rejection", "leak", "denial",
    "talks", "collapse", "deal", "renewal", "snapback", "truce_talks", "extension", "threat",
    "threat_carried_out", "threat_withdrawn", *EVENTS,
)  # fmt: skip
CODE = {kind: k for k, kind in enumerate(KINDS)}


def _kind_name(code: float) -> str:
    """A threat's event kind from its code (stored in v2)."""
    return KINDS[int(code)] if np.isfinite(code) else "?"


class EventLog:
    """Events as parallel arrays: run, week, actor, partner, kind, channel and two values.

    Each call to :meth:`add` keeps its arguments as they come (scalars stay scalars); the
    arrays are built once, by :meth:`arrays`: a block makes a few hundred calls, most of them
    with a single value for every field but the run.
    """

    FIELDS = ("run", "week", "actor", "partner", "kind", "channel", "v1", "v2")

    def __init__(self) -> None:
        self.chunks: list[tuple] = []  # one per add: the fields in FIELDS order

    def add(self, kind: str, week: int, run, actor, partner=-1, channel=-1, v1=np.nan, v2=np.nan):
        """Record events of one kind in one week; array arguments have one entry per event."""
        run = np.asarray(run, dtype=np.int64)
        if run.size == 0:
            return
        self.chunks.append((run, week, actor, partner, CODE[kind], channel, v1, v2))

    def add_pairs(self, kind: str, week: int, mask: np.ndarray, v1=None, v2=None, channel=None,
                  runs=None):  # fmt: skip
        """Record an event for every true ``mask[r, i, j]``: actor i, partner j.

        ``runs``: the runs the rows of ``mask`` (and of the arrays given) are about, in
        increasing order, when not all of them.
        """
        # flatnonzero and unravel: np.nonzero of a 3-d array is several times slower
        flat = np.flatnonzero(mask)
        if flat.size == 0:
            return
        r, i, j = np.unravel_index(flat, mask.shape)
        pick = lambda a: np.nan if a is None else np.asarray(a)[r, i, j]  # noqa: E731
        chan = -1 if channel is None else np.asarray(channel)[r, i, j]
        self.add(kind, week, r if runs is None else runs[r], i, j, chan, pick(v1), pick(v2))

    def arrays(self) -> dict[str, np.ndarray]:
        """All events, sorted by run (stable: within a run, in the order they were added)."""
        sizes = [len(chunk[0]) for chunk in self.chunks]
        cat = {}
        for k, name in enumerate(self.FIELDS):
            dtype = np.float64 if name in ("v1", "v2") else np.int64
            values = [chunk[k] for chunk in self.chunks]
            many = [isinstance(v, np.ndarray) and v.ndim > 0 for v in values]
            for v, n, m in zip(values, sizes, many, strict=True):
                if m and len(v) not in (1, n):
                    raise ValueError(f"event log: {len(v)} {name} values for {n} events")
            if all(m and len(v) == n for v, n, m in zip(values, sizes, many, strict=True)):
                # one entry per event in every chunk (none broadcast): the run, mostly
                cat[name] = np.concatenate([np.zeros(0, dtype), *values], dtype=dtype,
                                           casting="unsafe")  # fmt: skip
                continue
            # single values repeated in one call, then each array written over its stretch
            firsts = [0 if m else v for v, m in zip(values, many, strict=True)]
            cat[name] = column = np.repeat(np.array(firsts, dtype=dtype), sizes)
            end = 0
            for v, n, m in zip(values, sizes, many, strict=True):
                end += n
                if m:
                    column[end - n : end] = v  # a single-value array broadcasts
        order = np.argsort(cat["run"], kind="stable")
        return {f: v[order] for f, v in cat.items()}


def columns(events: dict[str, np.ndarray], first_run: int, keep: int, names: list[str],
            channels: list[list[str]], start: dt.date) -> dict[str, np.ndarray]:  # fmt: skip
    """events.csv columns for the runs below ``keep`` of a block starting at ``first_run``."""
    sel = events["run"] < keep
    ev = {k: v[sel] for k, v in events.items()}
    weeks = ev["week"]
    dates = week_dates(start, int(weeks.max()) + 1 if weeks.size else 0)
    return {
        "run": first_run + ev["run"],
        "week": weeks,
        "date": dates[weeks] if weeks.size else np.zeros(0, dtype=str),
        "actor": np.array(names)[ev["actor"]] if weeks.size else np.zeros(0, dtype=str),
        "kind": np.array(KINDS)[ev["kind"]] if weeks.size else np.zeros(0, dtype=str),
        "detail": details(ev, names, channels),
    }


def details(ev: dict[str, np.ndarray], names: list[str], channels: list[list[str]]) -> np.ndarray:
    """Every event's detail text, as a numpy string array.

    Most events repeat (the same escalation in many runs; a block of thousands of runs has a
    few dozen distinct texts), so each distinct text is formatted once: events are grouped by
    their fields (values by their bits, so that NaN finds NaN) with one stable sort, and the
    texts are gathered by group. Python formatting measured 3x faster than numpy.char here.
    """
    v1, v2 = ev["v1"], ev["v2"]
    if not v1.size:
        return np.zeros(0, dtype=str)
    # kind, actor and partner (-1 for none) in one exact mixed-radix key: one sort key fewer
    radix = len(names) + 1
    who = (ev["kind"] * radix + ev["actor"] + 1) * radix + ev["partner"] + 1
    first, group = _distinct([who, ev["channel"], v1.view(np.int64), v2.view(np.int64)])
    texts = [
        describe(KINDS[ev["kind"][n]], names, channels, int(ev["actor"][n]),
                 int(ev["partner"][n]), int(ev["channel"][n]), v1[n], v2[n])
        for n in first.tolist()
    ]  # fmt: skip
    return np.array(texts)[group]


def _distinct(keys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The first occurrence of each distinct tuple of ``keys`` (equal-length integer arrays),
    and the number of each element's tuple among them."""
    order = np.lexsort(keys[::-1])  # stable: the first of equal tuples comes first
    new = np.zeros(len(order), dtype=bool)
    new[0] = True
    for key in keys:
        ranked = key[order]
        new[1:] |= ranked[1:] != ranked[:-1]
    group = np.empty(len(order), dtype=np.intp)
    group[order] = np.cumsum(new) - 1
    return order[new], group


def week_dates(start: dt.date, weeks: int) -> np.ndarray:
    """ISO dates of weeks 0 .. weeks - 1 from ``start``."""
    return np.array([(start + dt.timedelta(weeks=w)).isoformat() for w in range(weeks)], dtype=str)


def _g(x: float) -> str:
    return f"{x:.4g}"


def describe(kind, names, channels, actor, partner, channel, v1, v2) -> str:
    """One event's detail text; the same function serves events.csv and ``tradewar trace``."""
    other = names[partner] if partner >= 0 else ""
    if kind in ("escalation", "relief"):
        return f"tariff on {other} {_g(v1)}% -> {_g(v2)}%"
    if kind == "approach":
        via = channels[actor][channel]
        return f"asks {other} for talks via {via}" + (" (mutual)" if v1 == 1 else "")
    if kind in ("acceptance", "rejection"):
        reason = " (its conditions unmet)" if kind == "rejection" and v1 == 1 else ""
        return f"{other}'s approach{reason}"
    if kind == "leak":
        return f"publicises {other}'s {channels[partner][channel]} approach"
    if kind == "denial":
        return f"denies asking {other} for talks"
    if kind in ("talks", "collapse"):
        return f"with {other}"
    if kind == "deal":
        return f"with {other}: {names[actor]} tariff {_g(v1)}%, {other} tariff {_g(v2)}%"
    if kind == "renewal":
        return f"truce with {other} renewed for {_g(v1)} weeks"
    if kind == "snapback":
        return f"truce with {other} lapses: tariffs back to {_g(v1)}% and {_g(v2)}%"
    if kind == "truce_talks":
        return f"talks with {other} during the truce"
    if kind == "extension":
        return f"truce with {other} extended at the table for {_g(v1)} weeks"
    if kind == "threat":
        return f"{_kind_name(v2)} on {other} ({_g(v1)}), to act in week {channel}"
    if kind in ("threat_carried_out", "threat_withdrawn"):
        return f"{_kind_name(v2)} on {other}" + (f", {_g(v1)}" if not np.isnan(v1) else "")
    how = "random" if v2 == 1 else "scheduled"
    return (
        f"{how}" + (f", on {other}" if other else "") + (f", {_g(v1)}" if not np.isnan(v1) else "")
    )
