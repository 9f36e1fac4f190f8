"""The explorer's controls, generated from the scenario schema: one per settable dotted key.

Every numeric leaf becomes a :class:`Control` of kind ``number`` with the bounds its schema
field declares; a distribution leaf becomes one control per parameter
(``countries.US.resolve.a``); a text field with choices (``negotiation.deal_rule``) becomes a
``choice``. The keys are the ones ``--set`` takes, so a control's change is an override and is
validated by :func:`sim.scenario.load` like any other. No web library is needed here.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from sim.distributions import Distribution
from sim.events import EVENTS
from sim.kinds import EventSpec, PolicySpec, PressureSpec
from sim.policies import POLICIES
from sim.pressure import FORMS, USER_FORM
from sim.scenario import CountriesSpec, Scenario, uncertain
from sim.schema import ListOf, MapOf, Nested, Number, Text

# Set by the explorer itself (runs, block size, seed keep common random numbers) or not a
# model parameter at all.
SKIPPED = ("runs", "seed", "block_size", "sweep", "name", "description", "start_date")


@dataclass(frozen=True)
class Control:
    """One settable key: its current value, its declared bounds and its doc text."""

    key: str
    kind: str  # "number" or "choice"
    value: float | str
    doc: str = ""
    low: float = -math.inf
    high: float = math.inf
    integer: bool = False
    choices: tuple[str, ...] = ()
    span: tuple[float, float] | None = None  # a sweep's range for this key, when it has one

    def window(self) -> tuple[float, float, float]:
        """The slider's (start, end, step): the declared bounds, cut to a usable window.

        Declared bounds can be huge (a tariff may go to 10,000%); the slider spans the sweep's
        range when the scenario has one, else up to three times the value either way, always
        within the bounds. Any value within the bounds can still be typed (``key=value``).
        """
        v = float(self.value)
        if self.span is not None:
            lo, hi = min(self.span[0], v), max(self.span[1], v)
        else:
            reach = 2.0 * max(abs(v), 1.0)
            # no declared floor (a distribution's parameter): most are positive; keep it so
            lo, hi = (
                (max(v - reach, 0.0) if self.low == -math.inf and v >= 0 else v - reach),
                v + reach,
            )
        lo, hi = max(lo, self.low), min(hi, self.high)
        if hi <= lo:
            hi = lo + 1.0
        step = 1.0 if self.integer else _nice_step((hi - lo) / 200.0)
        return lo, hi, step

    def hover(self) -> str:
        """The tooltip: the key, its doc text (with its unit where the schema gives one)."""
        if self.kind == "choice":
            bounds = f" One of: {', '.join(self.choices)}."
        elif math.isinf(self.low) and math.isinf(self.high):
            bounds = " Checked by the distribution on each change."
        else:
            bounds = f" Allowed: [{_fmt(self.low)}, {_fmt(self.high)}]."
        doc = f"{self.doc[0].upper()}{self.doc[1:]}." if self.doc else ""
        return f"{self.key}. {doc}{bounds}"

    def override(self, value) -> str:
        """The ``--set`` text that gives this key ``value``."""
        return f"{self.key}={format_value(value)}"


def format_value(value) -> str:
    if isinstance(value, str):
        return value
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.10g}"


def _fmt(x: float) -> str:
    return "-inf" if x == -math.inf else "inf" if x == math.inf else f"{x:g}"


def _nice_step(raw: float) -> float:
    """The largest of 1, 2 or 5 times a power of ten not above ``raw``."""
    if raw <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    return max(m * power for m in (1, 2, 5) if m * power <= raw * 1.000001)


def controls(s: Scenario) -> dict[str, Control]:
    """Every control of scenario ``s`` by dotted key, in the scenario's own order."""
    spans = {p.key: (p.low, p.high) for p in s.sweep.parameters if p.low is not None}
    spans.update({p.key: (min(p.values), max(p.values))
                  for p in s.sweep.parameters if p.values is not None})  # fmt: skip
    out: dict[str, Control] = {}
    _walk(s, (), out)
    return {k: dataclasses.replace(c, span=spans.get(k)) if k in spans else c
            for k, c in out.items()}  # fmt: skip


def default_keys(s: Scenario, found: dict[str, Control]) -> list[str]:
    """The keys shown at first: the scenario's swept keys, then its drawn ones."""
    keys = [p.key for p in s.sweep.parameters]
    for path, _ in uncertain(s):
        keys += [k for k in found if k.startswith(path + ".")]
    return [k for k in dict.fromkeys(keys) if k in found]


def _walk(obj, path: tuple, out: dict) -> None:
    for f in dataclasses.fields(obj):
        if "spec" not in f.metadata or (not path and f.name in SKIPPED):
            continue
        _value(getattr(obj, f.name), f.metadata["spec"], (*path, f.name),
               f.metadata.get("doc", ""), out)  # fmt: skip


def _value(value, spec, path: tuple, doc: str, out: dict) -> None:
    """Controls for one field's value, by the kind of its spec."""
    if isinstance(spec, Number):
        _number(value, path, doc, spec.low, spec.high, spec.integer, out)
    elif isinstance(spec, Text) and spec.choices:
        key = ".".join(path)
        out[key] = Control(key, "choice", value, doc, choices=tuple(spec.choices))
    elif isinstance(spec, Nested):
        _walk(value, path, out)
    elif isinstance(spec, CountriesSpec):
        for country in value:
            _walk(country, (*path, country.name), out)
    elif isinstance(spec, MapOf):
        for key, item in value.items():
            _value(item, spec.value, (*path, key), doc or key, out)
    elif isinstance(spec, PressureSpec):
        _pressure(value, path, out)
    elif isinstance(spec, PolicySpec):
        for name, p in POLICIES[value.kind].params.items():
            _number(value.params[name], (*path, name), f"{value.kind} {name}", p.low, p.high,
                    False, out)  # fmt: skip
    elif isinstance(spec, ListOf) and isinstance(spec.value, EventSpec):
        for k, event in enumerate(value):
            _event(event, (*path, str(k)), out)
    # other lists (relations: a pair's starting status) and mappings of other specs have no
    # numeric leaves worth a slider; the key search still takes them as KEY=VALUE


def _pressure(channel, path: tuple, out: dict) -> None:
    what = f"pressure channel {path[-1]} ({channel.input} through {channel.form})"
    _number(channel.weight, (*path, "weight"), f"{what}: weight", 0.0, math.inf, False, out)
    if USER_FORM.fullmatch(channel.form):
        return  # a user function's parameters have no declared bounds to offer
    for name, p in FORMS[channel.form].params.items():
        _number(channel.params[name], (*path, name), f"{what}: {name}", p.low, p.high, False,
                out)  # fmt: skip


def _event(event, path: tuple, out: dict) -> None:
    what = f"event {event.kind} of {event.country}"
    if event.hazard is not None:
        _number(event.hazard, (*path, "hazard"), f"{what}: weekly chance", 0.0, 1.0, False, out)
    for name, p in EVENTS[event.kind].params.items():
        _number(event.params[name], (*path, name), f"{what}: {name}", p.low, p.high, False, out)


def _number(value, path: tuple, doc: str, low, high, integer: bool, out: dict) -> None:
    key = ".".join(str(p) for p in path)
    if isinstance(value, Distribution):
        # The distribution's own parameters: their bounds are scipy's, checked on load.
        for name, v in value.params:
            what = f"{doc} (drawn per run: {value.name}, its {name})"
            out[f"{key}.{name}"] = Control(f"{key}.{name}", "number", float(v), what)
        return
    out[key] = Control(key, "number", float(value), doc, float(low), float(high), integer)
