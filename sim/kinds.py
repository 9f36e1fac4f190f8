"""Scenario entries of a registered kind: tariff policies, pressure forms and events.

Each is written in YAML as its kind plus that kind's own parameters, flat
(``{kind: tit_for_tat, match: 1.0, cap: 125}``, ``{input: ..., form: logistic, midpoint: 0.1,
steepness: 20, weight: 0.4}``); the registries (:data:`sim.policies.POLICIES`,
:data:`sim.pressure.FORMS`, :data:`sim.events.EVENTS`) say which parameters each kind takes,
with their defaults and ranges.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.distributions import Distribution
from sim.economy import INDICATORS
from sim.events import EVENTS
from sim.negotiation import CONDITIONS
from sim.policies import POLICIES
from sim.pressure import BIG, FORMS, USER_FORM, user_form
from sim.schema import Context, Number, Path, Spec, Text, mapping, reject_unknown

Num = float | Distribution
SHARE = Number(0.0, 1.0)


@dataclass(frozen=True)
class Kinded:
    """A registered kind (pressure form, policy) with its own parameters, flattened in YAML."""

    kind: str
    params: dict[str, Num]


@dataclass(frozen=True)
class PressureChannel:
    """One pressure channel: an indicator through a form, times a weight."""

    input: str
    form: str
    weight: Num
    params: dict[str, Num]


def _kinded(raw, path: Path, ctx: Context, kind_key: str, registry: dict, fixed: dict[str, Spec],
            optional=()):  # fmt: skip
    raw = mapping(raw, path, ctx)
    if kind_key not in raw:
        raise ctx.error(
            (*path, kind_key), f"required key is missing (one of {', '.join(registry)})"
        )
    kind = Text(choices=tuple(registry)).convert(raw[kind_key], (*path, kind_key), ctx)
    param_specs = registry[kind].params
    reject_unknown(raw, {kind_key, *fixed, *param_specs}, path, ctx)
    out_fixed = {}
    for name, s in fixed.items():
        if name in raw:
            out_fixed[name] = s.convert(raw[name], (*path, name), ctx)
        elif name not in optional:
            raise ctx.error((*path, name), "required key is missing")
    params = {}
    for name, p in param_specs.items():
        if name in raw:
            params[name] = Number(p.low, p.high).convert(raw[name], (*path, name), ctx)
        elif p.default is None:
            raise ctx.error((*path, name), f"required by {kind} and missing")
        else:
            params[name] = p.default
    return kind, out_fixed, params


class PolicySpec(Spec):
    def convert(self, raw, path, ctx):
        kind, _, params = _kinded(raw, path, ctx, "kind", POLICIES, {})
        return Kinded(kind, params)

    def dump(self, value):
        return {"kind": value.kind, **{k: Number().dump(v) for k, v in value.params.items()}}


class PressureSpec(Spec):
    FIXED = {"input": Text(choices=tuple(INDICATORS)), "weight": Number(0.0, BIG)}

    def convert(self, raw, path, ctx):
        raw = mapping(raw, path, ctx)
        form = raw.get("form")
        if isinstance(form, str) and USER_FORM.fullmatch(form):
            return self._user(raw, form, path, ctx)
        form, fixed, params = _kinded(raw, path, ctx, "form", FORMS, self.FIXED)
        return PressureChannel(fixed["input"], form, fixed["weight"], params)

    def _user(self, raw: dict, form: str, path, ctx) -> PressureChannel:
        """A user function ``module:function``: refused unless code was allowed."""
        where = (*path, "form")
        if not ctx.allow_code:
            raise ctx.error(
                where,
                f"{form!r} names user code, which a scenario file may not run "
                "unless you pass --allow-code (do so only for files you trust)",
            )
        try:
            user_form(form)
        except (ImportError, AttributeError) as exc:
            raise ctx.error(where, f"cannot use {form!r}: {exc}") from None
        fixed = {}
        for name, spec_ in self.FIXED.items():
            if name not in raw:
                raise ctx.error((*path, name), "required key is missing")
            fixed[name] = spec_.convert(raw[name], (*path, name), ctx)
        params = {k: Number().convert(v, (*path, str(k)), ctx)
                  for k, v in raw.items() if k not in ("form", *self.FIXED)}  # fmt: skip
        return PressureChannel(fixed["input"], form, fixed["weight"], params)

    def dump(self, value):
        params = {k: Number().dump(v) for k, v in value.params.items()}
        return {
            "input": value.input,
            "form": value.form,
            "weight": Number().dump(value.weight),
            **params,
        }


@dataclass(frozen=True)
class Event:
    """An exogenous event: ``kind`` acts for ``country`` (on ``partner``).

    A scheduled event happens in ``week``; a random one happens in any week from
    ``from_week`` up to (not including) ``to_week`` with probability ``hazard``, independently
    in each run.
    """

    kind: str
    country: str
    partner: str | None
    params: dict[str, Num]
    week: int | None = None
    hazard: Num | None = None
    from_week: int = 0
    to_week: int | None = None
    unless: str | None = None  # acts only in runs where the pair's condition does not hold
    when: str | None = None  # (YAML ``if``) acts only in runs where it holds
    deadline: int | None = None  # a threat: announced at ``week``, carried out at ``deadline``

    @property
    def threat(self) -> bool:
        """A scheduled event with a condition or a deadline: announced, then carried out or
        withdrawn run by run."""
        return self.hazard is None and (
            self.unless is not None or self.when is not None or self.deadline is not None
        )

    def condition(self) -> tuple[str, bool] | None:
        """(state, must hold) for the runs the event acts in; a bare deadline means
        ``unless: deal``."""
        if self.when is not None:
            return self.when, True
        if self.unless is not None:
            return self.unless, False
        return ("deal", False) if self.deadline is not None else None


WEEK = Number(0, 100_000, uncertain=False, integer=True)
STATE = Text(choices=CONDITIONS)


@dataclass(frozen=True)
class EventSpec(Spec):
    random: bool = False

    def convert(self, raw, path, ctx):
        raw = mapping(raw, path, ctx)
        timing = {"hazard": SHARE, "from_week": WEEK, "to_week": WEEK} if self.random else {
            "week": WEEK}  # fmt: skip
        fixed = {**timing, "country": Text()}
        kind = raw.get("kind")
        if isinstance(kind, str) and kind in EVENTS and EVENTS[kind].needs_partner:
            fixed["partner"] = Text()
        conditions = {"unless": STATE, "if": STATE}
        if not self.random:
            conditions["deadline"] = WEEK
        fixed.update(conditions)
        optional = ("from_week", "to_week", *conditions)
        kind, f, params = _kinded(raw, path, ctx, "kind", EVENTS, fixed, optional)
        if "if" in f and "unless" in f:
            raise ctx.error((*path, "unless"), "give if or unless, not both")
        if "if" in f:
            f["when"] = f.pop("if")
        return Event(kind, f.pop("country"), f.pop("partner", None), params, **f)

    def dump(self, value):
        out = {"kind": value.kind, "country": value.country}
        if value.partner is not None:
            out["partner"] = value.partner
        if self.random:
            out.update(hazard=Number().dump(value.hazard), from_week=value.from_week)
            if value.to_week is not None:
                out["to_week"] = value.to_week
        else:
            out["week"] = value.week
        for key, field_value in (("unless", value.unless), ("if", value.when),
                                 ("deadline", value.deadline)):  # fmt: skip
            if field_value is not None:
                out[key] = field_value
        return {**out, **{k: Number().dump(v) for k, v in value.params.items()}}
