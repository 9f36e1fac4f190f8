"""Scenario files: frozen dataclasses built from ``yaml.safe_load``, validated once at load.

After :func:`load` returns, the rest of the program trusts the scenario. Every numeric leaf
whose field allows it may be a distribution (see :mod:`sim.distributions`); :func:`uncertain`
lists those leaves by dotted path and :func:`realise` replaces them with per-run draws.
The dotted paths (``countries.US.pressures.markets.weight``) are the same ones ``--set``
takes and the same ones that head the drawn-parameter columns of runs.csv.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from dataclasses import dataclass
from pathlib import Path as FilePath

import yaml

from sim.columns import RESERVED
from sim.distributions import Distribution, realise, uncertain
from sim.kinds import Event, EventSpec, Kinded, PolicySpec, PressureChannel, PressureSpec
from sim.limits import MAX_COUNTRIES, MAX_ENTRIES, MAX_EVENTS, MAX_RUNS, problems, resolved
from sim.negotiation import DEAL_RULES, TERMS
from sim.outcomes import OutcomesSpec, UserOutcome
from sim.outcomes import problems as outcome_problems
from sim.schema import (
    Context,
    Date,
    ListOf,
    MapOf,
    Nested,
    Number,
    Path,
    ScenarioError,
    Spec,
    Text,
    build,
    build_all,
    hint,
    mapping,
    reject_unknown,
    spec,
    to_dict,
)
from sim.yamlsource import apply_overrides, parse_yaml

__all__ = ["Scenario", "ScenarioError", "load", "load_text", "realise", "uncertain", "dump"]

Num = float | Distribution
NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}"
COUNTRY = r"[A-Za-z][A-Za-z0-9_]{0,31}"
WEEKS = Number(0.0, 10_000.0)
SHARE = Number(0.0, 1.0)
# Generous bounds that keep every quantity finite in float32 output: tariffs up to 10,000%,
# anxiety-scale quantities (resolve, face cost, ...) up to 100 (pressure channels are ~0-1).
TARIFF = Number(0.0, 10_000.0)
ANXIETY = Number(0.0, 100.0)


@dataclass(frozen=True)
class Market:
    """A stock market index as a random walk with trade-loss drift and tariff-news jumps."""

    initial_drawdown: Num = spec(Number(0.0, 0.99), 0.0, "fall from the pre-war peak at week 0")
    volatility: Num = spec(Number(0.0, 1.0), 0.025, "weekly s.d. of log returns")
    drift: Num = spec(Number(-1.0, 1.0), 0.0015, "weekly log drift in normal times")
    trade_sensitivity: Num = spec(
        Number(0.0, 1.0), 0.002, "weekly drift lost per % of GDP of trade"
    )
    news_sensitivity: Num = spec(Number(0.0, 10.0), 0.015, "log fall per 100 points of escalation")


@dataclass(frozen=True)
class ApproachChannel:
    """A way of asking for talks: how much face it costs, how leaky it is, how loud.

    A back channel costs little face but may leak (then the asker pays the rest); a public
    approach costs full face and cannot leak; several channels at once ("via multiple
    channels") signal more, so they are accepted more readily, and leak more.
    """

    face: Num = spec(SHARE, 1.0, "share of the face cost paid when used")
    leak: Num = spec(SHARE, 0.0, "chance the approach can be leaked by a partner who wants to")
    signal: Num = spec(ANXIETY, 0.0, "added to the partner's acceptance margin")


PUBLIC = {"public": ApproachChannel()}


@dataclass(frozen=True)
class Conditions:
    """What a country demands of an asker before it accepts talks (reciprocity)."""

    min_cut: Num = spec(TARIFF, 0.0, "points the asker must have cut from its peak tariff")
    calm_weeks: Num = spec(WEEKS, 0.0, "weeks the asker must have gone without escalating")


@dataclass(frozen=True)
class Country:
    """One country's economy, temperament, tariff policy and pressure channels."""

    name: str
    gdp: Num = spec(Number(1e-9, 1e9), doc="GDP, USD bn")
    imports: dict[str, Num] = spec(
        MapOf(Number(0.0, 1e9)), doc="pre-war imports by partner, USD bn/yr"
    )
    tariff: dict[str, Num] = spec(MapOf(TARIFF), doc="headline tariff on each partner at week 0, %")
    exempt: dict[str, Num] = spec(
        MapOf(SHARE), factory=dict, doc="share of imports from each partner exempt at week 0"
    )
    floor: Num = spec(TARIFF, 0.0, "lowest tariff this country will levy, %")
    cap: Num = spec(TARIFF, 1000.0, "highest tariff this country can levy, %")
    elasticity: Num = spec(Number(0.0, 50.0), 3.0, "import demand elasticity")
    adjustment: Num = spec(SHARE, 0.1, "share of the gap to target imports closed each week")
    pass_through: Num = spec(SHARE, 0.2, "share of a tariff passed to consumer prices")
    inventory_weeks: Num = spec(Number(0.01, 520.0), 8.0, "weeks of normal imports in stock")
    restock: Num = spec(SHARE, 0.25, "share of the inventory gap refilled each normal week")
    market: Market = spec(Nested(Market), factory=Market, doc="stock market")
    resolve: Num = spec(ANXIETY, 0.5, "anxiety this country can bear before it gives way")
    face_cost: Num = spec(ANXIETY, 0.0, "anxiety-equivalent cost of being seen to ask")
    memory: Num = spec(Number(0.0, 0.999), 0.6, "anxiety memory rho: A <- rho A + (1-rho) p")
    noise: Num = spec(Number(1e-6, 100.0), 0.05, "logit noise of approach, acceptance, renewal")
    policy: Kinded = spec(PolicySpec(), Kinded("fixed", {"cap": 1000.0}), "tariff policy")
    pressures: dict[str, PressureChannel] = spec(
        MapOf(PressureSpec(), most=MAX_ENTRIES), factory=dict, doc=""
    )
    channels: dict[str, ApproachChannel] = spec(
        MapOf(Nested(ApproachChannel), most=MAX_ENTRIES),
        factory=lambda: dict(PUBLIC),
        doc="ways to ask",
    )
    leak_propensity: Num = spec(SHARE, 0.5, "chance it publicises a leakable approach")
    denial: Num = spec(SHARE, 0.5, "chance it publicly denies a leaked approach of its own")
    conditions: Conditions = spec(Nested(Conditions), factory=Conditions, doc="reciprocity")


@dataclass(frozen=True)
class DealTerms:
    """One side's terms in every deal it strikes: ``kind`` is one of
    :data:`~sim.negotiation.TERMS` (``rule``: what the deal rule gives)."""

    kind: str = "rule"
    value: Num = 0.0

    def yaml_key(self, field: str) -> str:
        """The key a field is written under: the value under its kind (``{cut: 115}``), so
        that a distribution here is named ``negotiation.terms.US.cut``, as ``--set`` names it."""
        return self.kind if field == "value" else field


class TermsSpec(Spec):
    """``{cut: 115}`` (points), ``{to: 30}`` (a level, %), or ``{suspend: true}``."""

    def convert(self, raw, path, ctx):
        raw = mapping(raw, path, ctx)
        reject_unknown(raw, TERMS[1:], path, ctx)
        if len(raw) != 1:
            raise ctx.error(path, "give exactly one of cut, to or suspend")
        ((kind, value),) = raw.items()
        if kind == "suspend":
            if value is not True:
                raise ctx.error((*path, kind), "write suspend: true")
            return DealTerms("suspend", 0.0)
        return DealTerms(kind, TARIFF.convert(value, (*path, kind), ctx))

    def dump(self, value):
        if value.kind == "suspend":
            return {"suspend": True}
        return {value.yaml_key("value"): Number().dump(value.value)}


@dataclass(frozen=True)
class Negotiation:
    """How approaches turn into talks, talks into deals, and deals into truces."""

    talks_lag: Num = spec(WEEKS, 2.0, "weeks from an accepted approach to the first round")
    max_talks_weeks: Num = spec(Number(1.0, 10_000.0), 12.0, "talks collapse after this")
    deal_rate: Num = spec(Number(0.0, 1000.0), 1.0, "weekly deal hazard per unit of mean anxiety")
    deal_rule: str = spec(Text(choices=tuple(DEAL_RULES)), "reciprocal", "deal rule")
    cut: Num = spec(TARIFF, 50.0, "points each side cuts (reciprocal); pie = 2 x cut")
    patience: Num = spec(Number(0.0, 1000.0), 1.0, "c in the impatience delta = exp(-c A)")
    leak_power: Num = spec(ANXIETY, 0.2, "anxiety-equivalent bargaining handicap per leak")
    truce_weeks: Num = spec(Number(1.0, 10_000.0), 13.0, "length of a truce, weeks")
    renewal_growth: Num = spec(Number(0.1, 10.0), 1.0, "each renewal's length vs the last")
    cooldown: Num = spec(WEEKS, 4.0, "weeks before a rejected side may approach again")
    collapse_escalation: Num = spec(TARIFF, 0.0, "points each side adds when talks fail")
    truce_talks_rate: Num = spec(
        SHARE, 0.0, "weekly chance that talks open during a truce (to extend it)"
    )
    terms: dict[str, DealTerms] = spec(
        MapOf(TermsSpec()), factory=dict, doc="per-country deal terms, overriding the rule's cut"
    )


RELATION_STATUSES = ("conflict", "peace")


@dataclass(frozen=True)
class Relation:
    """A pair's state at week 0: ``status``, and the week either side last escalated against
    the other (``None``: long before week 0, so no calm-weeks condition binds)."""

    between: tuple[str, str]
    status: str
    last_escalation: float | None = None


class RelationSpec(Spec):
    STATUS = Text(choices=RELATION_STATUSES)
    WEEK = Number(-10_000, 0, uncertain=False)

    def convert(self, raw, path, ctx):
        raw = mapping(raw, path, ctx)
        reject_unknown(raw, ("between", "status", "last_escalation"), path, ctx)
        pair = raw.get("between")
        if not (isinstance(pair, list) and len(pair) == 2):
            raise ctx.error((*path, "between"), "expected two country names, e.g. [US, CN]")
        pair = tuple(Text(pattern=COUNTRY).convert(c, (*path, "between", k), ctx)
                     for k, c in enumerate(pair))  # fmt: skip
        if "status" not in raw:
            raise ctx.error((*path, "status"), "required key is missing (conflict or peace)")
        status = self.STATUS.convert(raw["status"], (*path, "status"), ctx)
        last = raw.get("last_escalation")
        if last is not None:
            last = self.WEEK.convert(last, (*path, "last_escalation"), ctx)
        return Relation(pair, status, last)

    def dump(self, value):
        out = {"between": list(value.between), "status": value.status}
        if value.last_escalation is not None:
            out["last_escalation"] = value.last_escalation
        return out


class CountriesSpec(Spec):
    def convert(self, raw, path, ctx):
        raw = mapping(raw, path, ctx)
        if len(raw) < 2:
            raise ctx.error(path, "a trade war needs at least two countries")
        if len(raw) > MAX_COUNTRIES:
            raise ctx.error(path, f"{len(raw):,} countries; at most {MAX_COUNTRIES} are allowed")
        out, before = [], len(ctx.problems)
        for name, body in raw.items():
            with ctx.collecting():
                Text(pattern=COUNTRY).convert(name, (*path, str(name)), ctx)
                if name in RESERVED:
                    raise ctx.error((*path, name), f"{name!r} is reserved for outcomes; rename it")
                out.append(build(Country, body, (*path, name), ctx, name=name))
        ctx.failed_since(before)
        return tuple(out)

    def dump(self, value):
        return {c.name: to_dict(c) for c in value}


@dataclass(frozen=True)
class SweepParam:
    """One swept parameter: a list of values, or a range [low, high] (``num`` points on a grid)."""

    key: str
    values: tuple[float, ...] | None = None
    low: float | None = None
    high: float | None = None
    num: int | None = None


def parse_sweep_param(key: str, raw, path: Path, ctx: Context) -> SweepParam:
    """A sweep parameter from YAML (``[a, b]`` or ``{low, high, num}``) or ``low:high[:num]``."""
    if isinstance(raw, str) and ":" in raw:
        parts = raw.split(":")
        if len(parts) not in (2, 3):
            raise ctx.error(path, f"expected low:high or low:high:num, got {raw!r}")
        raw = dict(zip(("low", "high", "num"), parts, strict=False))
    if isinstance(raw, list):
        if not raw:
            raise ctx.error(path, "an empty list of values")
        number = Number(uncertain=False)  # a swept value is a value, not a distribution
        values = tuple(number.convert(v, (*path, i), ctx) for i, v in enumerate(raw))
        return SweepParam(key, values=values)
    raw = mapping(raw, path, ctx)
    reject_unknown(raw, ("low", "high", "num"), path, ctx)
    for name in ("low", "high"):
        if name not in raw:
            raise ctx.error((*path, name), "required key is missing")
    low = Number(uncertain=False).convert(raw["low"], (*path, "low"), ctx)
    high = Number(uncertain=False).convert(raw["high"], (*path, "high"), ctx)
    if high < low:
        raise ctx.error(path, f"high {high:g} is below low {low:g}")
    num = None
    if "num" in raw:
        num = Number(1, 10**6, uncertain=False, integer=True).convert(
            raw["num"], (*path, "num"), ctx
        )
    return SweepParam(key, low=low, high=high, num=num)


class SweepParamsSpec(Spec):
    def convert(self, raw, path, ctx):
        return tuple(parse_sweep_param(str(k), v, (*path, str(k)), ctx)
                     for k, v in mapping(raw, path, ctx).items())  # fmt: skip

    def dump(self, value):
        return {p.key: (list(p.values) if p.values is not None else
                        {"low": p.low, "high": p.high, **({"num": p.num} if p.num else {})})
                for p in value}  # fmt: skip


METHODS = ("grid", "lhs", "sobol", "random", "morris", "design")
# A sweep's bounds, wherever its settings come from (sweep: block, command line, sweep.json):
# ``points`` and the design's total points (n (d + 2) for sobol, the product for a grid),
# replicates per point, and the runs of the whole design.
MAX_POINTS, MAX_RUNS_PER_POINT, MAX_SWEEP_RUNS = 10**6, 10**7, 10**9


@dataclass(frozen=True)
class SweepBlock:
    """Default settings of ``tradewar sweep`` for this scenario (the command line wins)."""

    method: str = spec(Text(choices=METHODS), "lhs", "design")
    points: int = spec(Number(1, MAX_POINTS, uncertain=False, integer=True), 64, "design points")
    runs_per_point: int = spec(
        Number(1, MAX_RUNS_PER_POINT, uncertain=False, integer=True), 200, "runs"
    )
    parameters: tuple[SweepParam, ...] = spec(SweepParamsSpec(), (), "swept keys and ranges")


@dataclass(frozen=True)
class Scenario:
    """A whole scenario: what runs, for how long, from which seed."""

    name: str = spec(Text(pattern=NAME), doc="names the results folder")
    start_date: dt.date = spec(Date(), doc="calendar date of week 0")
    countries: tuple[Country, ...] = spec(CountriesSpec(), doc="two or more countries")
    description: str = spec(Text(), "", "free text")
    horizon: int = spec(Number(1, 5200, uncertain=False, integer=True), 52, "weeks simulated")
    runs: int = spec(Number(1, MAX_RUNS, uncertain=False, integer=True), 1000, "repeated runs")
    seed: int = spec(Number(0, 2**63 - 1, uncertain=False, integer=True), 0, "master seed")
    block_size: int = spec(
        Number(1, 10**6, uncertain=False, integer=True), 1000, "replicates simulated together"
    )
    negotiation: Negotiation = spec(Nested(Negotiation), factory=Negotiation, doc="talks")
    events: tuple[Event, ...] = spec(ListOf(EventSpec(), MAX_EVENTS), (), "scheduled events")
    random_events: tuple[Event, ...] = spec(
        ListOf(EventSpec(random=True), MAX_EVENTS), (), "events with a weekly hazard"
    )
    sweep: SweepBlock = spec(Nested(SweepBlock), factory=SweepBlock, doc="sweep defaults")
    outcomes: tuple[UserOutcome, ...] = spec(OutcomesSpec(), (), "user-defined outcomes")
    relations: tuple[Relation, ...] = spec(
        ListOf(RelationSpec(), MAX_EVENTS),
        (),
        "pairs' status at week 0 (default: conflict if either "
        "side's tariff is above its floor, else peace)",
    )

    def country_names(self) -> list[str]:
        return [c.name for c in self.countries]


# --------------------------------------------------------------------------- loading


NOT_REGULAR = "cannot read scenario file: not a regular file (a folder, device or pipe)"
MAX_BYTES = 1 << 20  # a scenario is a page or two; a bigger file is a mistake or an attack


def load(path: str | FilePath, overrides: list[str] = (), allow_code: bool = False) -> Scenario:
    """Read, override and validate a scenario file.

    ``allow_code`` lets pressure channels name user functions (``form: module:function``);
    without it such a scenario is refused, since importing a module runs its code.

    Raises:
        ScenarioError: any problem, naming the file, the line and the key.
    """
    text = read_text(path)
    return load_text(text, str(path), overrides, allow_code)


def read_text(path: str | FilePath) -> str:
    """The text of a regular file of at most MAX_BYTES; never blocks, never reads more."""
    try:
        # Devices and pipes report size 0 and may never end (/dev/zero) or block in open()
        # (a FIFO with no writer): only a regular file is read, opened without blocking.
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise ScenarioError(f"{path}: {NOT_REGULAR}")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):  # replaced since the stat above
                raise ScenarioError(f"{path}: {NOT_REGULAR}")
            data = handle.read(MAX_BYTES + 1)  # never more, whatever the size says
        if len(data) > MAX_BYTES:
            size = max(info.st_size, len(data))
            raise ScenarioError(f"{path}: the file is {size:,} bytes; a scenario may be at most "
                                f"{MAX_BYTES:,} (is this the right file?)")  # fmt: skip
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read scenario file: {exc}") from None


def load_text(text: str, source: str = "<string>", overrides: list[str] = (),
              allow_code: bool = False, option: str = "--set") -> Scenario:  # fmt: skip
    """Parse, override (``option`` names where overrides came from) and validate."""
    if len(text) > MAX_BYTES:
        raise ScenarioError(f"{source}: {len(text):,} characters; a scenario may be at most "
                            f"{MAX_BYTES:,}")  # fmt: skip
    raw, lines = parse_yaml(text, source)
    ctx = Context(source, lines, allow_code=allow_code, option=option)
    raw = apply_overrides(mapping(raw, (), ctx), overrides, ctx)
    scenario = build_all(Scenario, raw, ctx)
    try:
        for where, message in (
            *problems(scenario),
            *outcome_problems(scenario),
            *episode_problems(scenario),
        ):
            ctx.report(ctx.error(where, message))
    except ScenarioError:  # MAX_ERRORS reached
        pass
    if ctx.problems:
        raise ScenarioError(ctx.summary())
    return resolved(scenario)


def dump(s: Scenario) -> str:
    """The resolved scenario as YAML (defaults filled in); loading it gives ``s`` back."""
    return yaml.safe_dump(to_dict(s), sort_keys=False, allow_unicode=True)


def episode_problems(s: Scenario):
    """Problems with threats, deal terms and relations, as (key path, message) pairs."""
    names = s.country_names()
    for base, ev in [(("events", k), ev) for k, ev in enumerate(s.events)] + [
        (("random_events", k), ev) for k, ev in enumerate(s.random_events)
    ]:
        yield from _check_threat(ev, base, s)
    for country in s.negotiation.terms:
        if country not in names:
            yield (("negotiation", "terms", country),
                   "not a country in this scenario" + hint(country, names))  # fmt: skip
    yield from _check_relations(s, names)


def _check_threat(ev: Event, base, s: Scenario):
    conditioned = ev.unless is not None or ev.when is not None or ev.deadline is not None
    if conditioned and ev.partner is None:
        yield ((*base, "kind"), f"a condition needs a pair; {ev.kind} has no partner")
    if ev.deadline is None:
        return
    if ev.deadline < ev.week:
        yield ((*base, "deadline"), f"week {ev.deadline} is before the event's week "
                        f"({ev.week})")  # fmt: skip
    if ev.deadline >= s.horizon:
        yield ((*base, "deadline"), f"week {ev.deadline} is past the horizon")


def _check_relations(s: Scenario, names: list[str]):
    seen: set[frozenset] = set()
    for k, rel in enumerate(s.relations):
        path = ("relations", k, "between")
        for c in rel.between:
            if c not in names:
                yield (path, f"unknown country {c!r}" + hint(c, names))
        if rel.between[0] == rel.between[1]:
            yield (path, "a pair needs two different countries")
        key = frozenset(rel.between)
        if key in seen:
            yield (path, f"the pair {'-'.join(rel.between)} is given twice")
        seen.add(key)
