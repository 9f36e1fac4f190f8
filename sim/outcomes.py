"""User-defined outcomes: the scenario's ``outcomes:`` block, validated and computed.

A scenario may declare extra per-run outcomes from a small vocabulary, with no code::

    outcomes:
      us_below_50: {kind: first_week, quantity: tariff, country: US, partner: CN, below: 50}
      cn_export_loss_26: {kind: value, quantity: export_loss, country: CN, week: 25}
      peak_us_anxiety: {kind: max, quantity: anxiety, country: US, from_week: 0, to_week: 25}
      us_approaches: {kind: count, event: approach, country: US}

Each becomes a runs.csv column of that name (declared by :data:`sim.columns.USER`), a line of
the printed headline and a points.csv outcome of a sweep (:data:`sim.columns.USER_STAT`).
Quantities are the model's weekly record: week ``w`` is the state at the end of week ``w``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, fields

import numpy as np

from sim import columns as C
from sim.eventlog import CODE, KINDS
from sim.schema import Context, Number, Path, Spec, Text, mapping, reject_unknown

# quantity -> whether it is per ordered pair (country on partner) rather than per country
QUANTITIES = {"tariff": True, "pressure": False, "anxiety": False, "drawdown": False,
              "import_loss": False, "export_loss": False}  # fmt: skip
FORMS = ("first_week", "value", "min", "max", "mean", "count")
IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]{0,63}"
NAME_RULE = "an outcome name must be an identifier (letters, digits and _, not a digit first)"
_WEEK = Number(0, 10_000, uncertain=False, integer=True)
_THRESHOLD = Number(uncertain=False)
# the keys each form takes besides ``kind`` (required ones first in the error messages)
KEYS = {
    "first_week": ("quantity", "country", "partner", "below", "above", "from_week", "to_week"),
    "value": ("quantity", "country", "partner", "week"),
    **{k: ("quantity", "country", "partner", "from_week", "to_week") for k in ("min", "max",
                                                                               "mean")},
    "count": ("event", "country", "partner", "from_week", "to_week"),
}  # fmt: skip


@dataclass(frozen=True)
class UserOutcome:
    """One declared outcome; weeks are inclusive, ``None`` meaning the first or last week."""

    name: str
    kind: str
    quantity: str | None = None
    event: str | None = None
    country: str | None = None
    partner: str | None = None
    below: float | None = None
    above: float | None = None
    week: int | None = None
    from_week: int | None = None
    to_week: int | None = None

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name != "name" and getattr(self, f.name) is not None}  # fmt: skip


def parse(name: str, raw, path: Path, ctx: Context) -> UserOutcome:
    """One entry of the ``outcomes:`` block; the checks that need the scenario come later."""
    raw = mapping(raw, path, ctx)
    if "kind" not in raw:
        raise ctx.error((*path, "kind"), f"required key is missing (one of {', '.join(FORMS)})")
    kind = Text(choices=FORMS).convert(raw["kind"], (*path, "kind"), ctx)
    reject_unknown(raw, ("kind", *KEYS[kind]), path, ctx)
    given = {}
    for key, value in raw.items():
        where = (*path, key)
        if key in ("week", "from_week", "to_week"):
            given[key] = _WEEK.convert(value, where, ctx)
        elif key in ("below", "above"):
            given[key] = _THRESHOLD.convert(value, where, ctx)
        elif key == "quantity":
            given[key] = Text(choices=tuple(QUANTITIES)).convert(value, where, ctx)
        elif key == "event":
            given[key] = Text(choices=KINDS).convert(value, where, ctx)
        elif key != "kind":
            given[key] = Text().convert(value, where, ctx)
    required = ["event"] if kind == "count" else ["quantity", "country"]
    for key in required:
        if key not in given:
            raise ctx.error((*path, key), "required key is missing")
    if kind == "first_week" and ("below" in given) == ("above" in given):
        raise ctx.error(path, "give exactly one of below: or above: (the threshold)")
    return UserOutcome(name, kind, **given)


class OutcomesSpec(Spec):
    """The ``outcomes:`` mapping, name -> outcome; a name is an identifier (a column name)."""

    def convert(self, raw, path, ctx):
        out = []
        for name, body in mapping(raw, path, ctx).items():
            with ctx.collecting():  # report every bad outcome, not only the first
                if not isinstance(name, str) or not re.fullmatch(IDENTIFIER, name):
                    raise ctx.error((*path, str(name)), NAME_RULE)
                out.append(parse(name, body, (*path, name), ctx))
        return tuple(out)

    def dump(self, value):
        return {o.name: o.as_dict() for o in value}


def problems(scenario) -> Iterator[tuple[tuple, str]]:
    """Countries, partners and weeks against the scenario, names against built-in columns:
    every problem as (path, message), like :func:`sim.limits.problems`."""
    names = scenario.country_names()
    lay = C.Layout(
        tuple(names),
        {c.name: tuple(c.channels) for c in scenario.countries},
        tuple(dict.fromkeys(k for c in scenario.countries for k in c.pressures)),
    )
    taken = {*C.names(C.RUNS, lay), *C.names(C.SWEEP_RUNS, lay), *C.names(C.POINTS, lay)}
    for o in scenario.outcomes:
        yield from _problems(o, ("outcomes", o.name), taken, names, scenario.horizon)


def _problems(o: UserOutcome, path: tuple, taken: set, names: list[str],
              horizon: int) -> Iterator[tuple[tuple, str]]:  # fmt: skip
    if o.name in taken:
        yield path, f"{o.name!r} is a built-in result column; choose another name"
    if o.country is not None and o.country not in names:
        yield (*path, "country"), f"unknown country {o.country!r}"
    pair = o.quantity is not None and QUANTITIES[o.quantity]
    if pair and o.partner is None:
        yield (*path, "partner"), (f"required key is missing ({o.quantity} is levied by "
                                   "country on partner)")  # fmt: skip
    if o.quantity is not None and not pair and o.partner is not None:
        yield (*path, "partner"), f"{o.quantity} is per country, not per pair"
    if o.partner is not None and (o.partner not in names or o.partner == o.country):
        yield (*path, "partner"), f"{o.partner!r} is not a partner of {o.country}"
    for key in ("week", "from_week", "to_week"):
        week = getattr(o, key)
        if week is not None and week >= horizon:
            yield (*path, key), f"week {week} is past the horizon (weeks 0 to {horizon - 1})"
    if o.from_week is not None and o.to_week is not None and o.to_week < o.from_week:
        yield (*path, "to_week"), "must not be before from_week"


# --------------------------------------------------------------------------- computing


def compute(specs, record: dict, events: dict, names: list[str], horizon: int,
            runs: int) -> dict[str, np.ndarray]:  # fmt: skip
    """Each outcome, name -> ``(runs,)`` array.

    Args:
        specs: the scenario's :class:`UserOutcome` entries.
        record: the model's weekly record, name -> list (per week) of ``(R, ...)`` arrays.
        events: the model's event arrays (:meth:`sim.eventlog.EventLog.arrays`), or that
            method, called only if a ``count`` needs them (sorting the log costs time).
        names: the country names; ``horizon`` the weeks; ``runs`` R.
    """
    out = {}
    stacked: dict[str, np.ndarray] = {}
    for o in specs:
        lo = 0 if o.from_week is None else o.from_week
        hi = horizon - 1 if o.to_week is None else o.to_week
        if o.kind == "count":
            events = events() if callable(events) else events
            out[o.name] = _count(o, events, names, runs, lo, hi)
            continue
        if o.quantity not in stacked:
            stacked[o.quantity] = np.stack(record[o.quantity]).astype(np.float64)
        i = names.index(o.country)
        series = stacked[o.quantity][:, :, i]  # (weeks, R[, N])
        if o.partner is not None:
            series = series[:, :, names.index(o.partner)]
        out[o.name] = _reduce(o, series, lo, hi, horizon)
    return out


def _reduce(o: UserOutcome, series: np.ndarray, lo: int, hi: int, horizon: int) -> np.ndarray:
    if o.kind == "value":
        return _digits(series[horizon - 1 if o.week is None else o.week])
    window = series[lo : hi + 1]
    if o.kind == "first_week":
        hit = window < o.below if o.below is not None else window > o.above
        return np.where(hit.any(axis=0), lo + hit.argmax(axis=0), np.nan)
    return _digits({"min": np.min, "max": np.max, "mean": np.mean}[o.kind](window, axis=0))


def _digits(values: np.ndarray) -> np.ndarray:
    """The model records float32: keep the 7 significant digits it holds, not float noise."""
    return np.array([float(f"{v:.7g}") for v in values], dtype=np.float64)


def _count(o: UserOutcome, events: dict, names: list[str], runs: int, lo: int,
           hi: int) -> np.ndarray:  # fmt: skip
    sel = (events["kind"] == CODE[o.event]) & (events["week"] >= lo) & (events["week"] <= hi)
    if o.country is not None:
        sel &= events["actor"] == names.index(o.country)
    if o.partner is not None:
        sel &= events["partner"] == names.index(o.partner)
    return np.bincount(events["run"][sel], minlength=runs)[:runs].astype(np.int64)


# --------------------------------------------------------------------------- summarising


class Tally:
    """Accumulates user outcomes block by block for the printed headline (a few numbers each).

    A ``first_week`` shows the share of runs that crossed (Wilson interval) and the median
    week among them; any other outcome its mean per run with a normal 95% interval.
    """

    def __init__(self, specs, horizon: int) -> None:
        self.specs = tuple(specs)
        self.hist = {o.name: np.zeros(horizon, dtype=np.int64) for o in self.specs
                     if o.kind == "first_week"}  # fmt: skip
        self.sums = {o.name: np.zeros(2) for o in self.specs if o.kind != "first_week"}
        self.runs = 0

    def add(self, outcomes: dict[str, np.ndarray]) -> None:
        if not self.specs:
            return
        self.runs += len(outcomes[self.specs[0].name])
        for name, hist in self.hist.items():
            weeks = np.asarray(outcomes[name], dtype=float)
            hist += np.bincount(weeks[~np.isnan(weeks)].astype(np.int64), minlength=len(hist))
        for name, sums in self.sums.items():
            values = np.asarray(outcomes[name], dtype=float)
            sums += (values.sum(), np.square(values).sum())

    def rows(self) -> list[tuple[str, float, float, float]]:
        """(label, estimate, low, high): ``P(name)`` and ``median name`` (no interval) for a
        ``first_week``, the mean per run for the others."""
        from sim.report import mean_from_sums, median_of_counts, wilson

        out = []
        for o in self.specs:
            if o.kind == "first_week":
                hist = self.hist[o.name]
                out.append((f"P({o.name})", *wilson(int(hist.sum()), self.runs)))
                out.append((f"median {o.name}", median_of_counts(hist), np.nan, np.nan))
            else:
                out.append((o.name, *mean_from_sums(*self.sums[o.name], self.runs)))
        return out

    def lines(self) -> list[str]:
        if not self.specs:
            return []
        out = ["  user-defined outcomes (estimate, 95% interval):"]
        for label, value, low, high in self.rows():
            if np.isnan(low):
                shown = "-" if np.isnan(value) else f"{value:g}"
                out.append(f"    {label:<34} {shown:>8}")
            else:
                out.append(f"    {label:<34} {value:8.4g}  [{low:.4g}, {high:.4g}]")
        return out


def point_stats(specs, outcomes: dict[str, np.ndarray]) -> dict[str, float]:
    """points.csv's estimate of each user outcome with its interval (:data:`C.USER_STAT`)."""
    from sim.report import mean_interval, median_interval

    out: dict[str, float] = {}
    for o in specs:
        values = np.asarray(outcomes[o.name], dtype=float)
        if o.kind == "first_week":
            triple = median_interval(values[~np.isnan(values)])
        else:
            triple = mean_interval(values)
        name = C.USER_STAT.name(name=o.name)
        out[name], out[f"{name}_low"], out[f"{name}_high"] = triple
    return out
