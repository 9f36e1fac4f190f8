"""A small schema engine: YAML mappings to frozen dataclasses, with file/line/key errors.

Each dataclass field carries a :class:`Spec` in its metadata that converts and checks the raw
YAML value. Errors are :class:`ScenarioError` naming the file, the line and the dotted key,
and a mistyped key gets the nearest valid key as a suggestion. This module knows nothing of
trade wars; :mod:`sim.scenario` declares the scenario with it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import difflib
import math
import re
from dataclasses import MISSING, dataclass, field
from typing import Any

from sim import distributions
from sim.distributions import Distribution, DistributionError, as_number, short

Path = tuple[str | int, ...]


MAX_ERRORS = 20  # validate reports this many problems of one file, then stops


class ScenarioError(ValueError):
    """Bad scenario input; the message names the file, the line and the key.

    A file with several problems gives one message per line, in file order.
    """


class _Reported(ScenarioError):
    """Problems already in ``Context.problems``: the enclosing item failed, carry on."""


class _TooMany(ScenarioError):
    """MAX_ERRORS problems found: stop looking."""


def dotted(path: Path) -> str:
    # A key with a newline or other control character is shown escaped: one problem, one line.
    return ".".join(str(p) if str(p).isprintable() else repr(str(p)) for p in path)


@dataclass
class Context:
    """Where values came from: file name, YAML line of each key path, and overrides.

    ``option`` is the command-line option the overrides came from (``--set``, ``--param``);
    ``problems`` collects the messages of every item that failed, so that one pass reports
    them all.
    """

    source: str
    lines: dict[Path, int] = field(default_factory=dict)
    overridden: set[Path] = field(default_factory=set)
    allow_code: bool = False  # may the scenario name user functions (module:function)?
    option: str = "--set"
    problems: list[str] = field(default_factory=list)

    def error(self, path: Path, message: str) -> ScenarioError:
        key = dotted(path) or "(top level)"
        # Messages quote user text (scipy's too): escape control characters, one line each.
        message = "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
        if any(path[:cut] in self.overridden for cut in range(len(path) + 1)):
            return ScenarioError(f"{self.source}: {self.option} {key}: {message}")
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.lines:
                return ScenarioError(f"{self.source}:{self.lines[path[:cut]]}: {key}: {message}")
        return ScenarioError(f"{self.source}: {key}: {message}")

    @contextlib.contextmanager
    def collecting(self):
        """Record a ScenarioError raised inside and go on with the next item."""
        try:
            yield
        except _TooMany:
            raise
        except _Reported:
            pass
        except ScenarioError as exc:
            self.report(exc)

    def report(self, exc: ScenarioError) -> None:
        self.problems.append(str(exc))
        if len(self.problems) >= MAX_ERRORS:
            raise _TooMany(self.summary())

    def failed_since(self, count: int) -> None:
        """Raise if problems were reported after the first ``count``: the item is invalid."""
        if len(self.problems) > count:
            raise _Reported("\n".join(self.problems[count:]))

    def summary(self) -> str:
        stopped = f"\n(stopped after {MAX_ERRORS} problems)"
        return "\n".join(self.problems) + (stopped if len(self.problems) >= MAX_ERRORS else "")


# --------------------------------------------------------------------------- specs


class Spec:
    """Converts one raw YAML value at ``path``; raise ``ctx.error`` on bad input."""

    def convert(self, raw: Any, path: Path, ctx: Context) -> Any:
        raise NotImplementedError

    def dump(self, value: Any) -> Any:
        return value


@dataclass(frozen=True)
class Number(Spec):
    """A finite number in [low, high], or (when ``uncertain``) a distribution within it."""

    low: float = -math.inf
    high: float = math.inf
    uncertain: bool = True
    integer: bool = False

    def convert(self, raw, path, ctx):
        if isinstance(raw, dict) and "dist" in raw and self.uncertain:
            return self._distribution(raw, path, ctx)
        exact = self.integer and isinstance(raw, int) and not isinstance(raw, bool)
        try:
            number = raw if exact else as_number(raw)  # a seed keeps all its digits
        except OverflowError:
            number = math.inf
        if number is None:
            kind = "a whole number" if self.integer else "a number"
            extra = " or a {dist: ...} mapping" if self.uncertain else ""
            raise ctx.error(path, f"expected {kind}{extra}, got {short(raw)}")
        if not exact and not math.isfinite(number):
            raise ctx.error(path, f"must be finite, got {short(raw)}")
        if self.integer and number != int(number):
            raise ctx.error(path, f"expected a whole number, got {short(raw)}")
        if not self.low <= number <= self.high:
            raise ctx.error(path, f"{short(raw)} is out of range [{self.low}, {self.high}]")
        return int(number) if self.integer else number

    def _distribution(self, raw, path, ctx) -> Distribution:
        try:
            dist = distributions.make(raw)
        except DistributionError as exc:
            name = raw["dist"]
            known = distributions.DISTRIBUTIONS
            unknown = isinstance(name, str) and name not in known
            why = str(exc) + (hint(name, known) if unknown else "")
            raise ctx.error(path, why) from None
        low, high = dist.support()
        if low < self.low or high > self.high:
            raise ctx.error(
                path,
                f"{dist.name} has support [{low}, {high}], outside the allowed range "
                f"[{self.low}, {self.high}] (use a bounded or truncated distribution)",
            )
        return dist

    def dump(self, value):
        return value.as_dict() if isinstance(value, Distribution) else value


@dataclass(frozen=True)
class Text(Spec):
    pattern: str | None = None
    choices: tuple[str, ...] | None = None

    def convert(self, raw, path, ctx):
        if not isinstance(raw, str):
            raise ctx.error(path, f"expected text, got {short(raw)}")
        if self.choices is not None and raw not in self.choices:
            raise ctx.error(
                path,
                f"{short(raw)} is not one of {', '.join(self.choices)}" + hint(raw, self.choices),
            )
        if self.pattern is not None and not re.fullmatch(self.pattern, raw):
            raise ctx.error(path, f"{short(raw)} must match {self.pattern}")
        return raw


@dataclass(frozen=True)
class Date(Spec):
    def convert(self, raw, path, ctx):
        if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            return raw
        if isinstance(raw, str):
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                pass
        raise ctx.error(path, f"expected a date YYYY-MM-DD, got {short(raw)}")

    def dump(self, value):
        return value.isoformat()


@dataclass(frozen=True)
class Nested(Spec):
    cls: type

    def convert(self, raw, path, ctx):
        return build(self.cls, raw, path, ctx)

    def dump(self, value):
        return to_dict(value)


@dataclass(frozen=True)
class MapOf(Spec):
    """A mapping with free keys (partners, channel names) and values of one spec."""

    value: Spec
    key_pattern: str = r"[A-Za-z][A-Za-z0-9_-]*"
    most: int = 1000

    def convert(self, raw, path, ctx):
        raw = mapping(raw, path, ctx)
        if len(raw) > self.most:
            raise ctx.error(path, f"{len(raw):,} entries; at most {self.most:,} are allowed")
        out, before = {}, len(ctx.problems)
        for key, val in raw.items():
            with ctx.collecting():
                if not isinstance(key, str) or not re.fullmatch(self.key_pattern, key):
                    raise ctx.error((*path, str(key)), "names must be letters, digits, _ or -")
                out[key] = self.value.convert(val, (*path, key), ctx)
        ctx.failed_since(before)
        return out

    def dump(self, value):
        return {k: self.value.dump(v) for k, v in value.items()}


@dataclass(frozen=True)
class ListOf(Spec):
    value: Spec
    most: int = 1000

    def convert(self, raw, path, ctx):
        if raw is None:
            return ()
        if not isinstance(raw, list):
            raise ctx.error(path, f"expected a list, got {type(raw).__name__}")
        if len(raw) > self.most:
            raise ctx.error(path, f"{len(raw):,} items; at most {self.most:,} are allowed")
        out, before = [], len(ctx.problems)
        for i, v in enumerate(raw):
            with ctx.collecting():
                out.append(self.value.convert(v, (*path, i), ctx))
        ctx.failed_since(before)
        return tuple(out)

    def dump(self, value):
        return [self.value.dump(v) for v in value]


def spec(s: Spec, default: Any = MISSING, doc: str = "", factory: Any = MISSING) -> Any:
    """A dataclass field described by ``s``, with a default and a one-line doc."""
    return field(default=default, default_factory=factory, metadata={"spec": s, "doc": doc})


# --------------------------------------------------------------------------- building


def hint(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def mapping(raw, path: Path, ctx: Context) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ctx.error(path, f"expected a mapping, got {type(raw).__name__}: {short(raw)}")
    return raw


def reject_unknown(raw: dict, known, path: Path, ctx: Context) -> None:
    for key in raw:
        if key not in known:
            raise ctx.error((*path, str(key)), "unknown key" + hint(key, known))


def build(cls, raw, path: Path, ctx: Context, **given):
    """Build dataclass ``cls`` from the raw mapping, field by field through each Spec."""
    raw = mapping(raw, path, ctx)
    specs = {f.name: f for f in dataclasses.fields(cls) if "spec" in f.metadata}
    before = len(ctx.problems)
    with ctx.collecting():
        reject_unknown(raw, specs, path, ctx)
    values = {}
    for name, f in specs.items():
        with ctx.collecting():
            if name in raw:
                values[name] = f.metadata["spec"].convert(raw[name], (*path, name), ctx)
            elif f.default is MISSING and f.default_factory is MISSING:
                raise ctx.error((*path, name), "required key is missing")
    ctx.failed_since(before)
    return cls(**values, **given)


def build_all(cls, raw, ctx: Context, **given):
    """:func:`build` at the top level: every problem found, in one ScenarioError."""
    try:
        return build(cls, raw, (), ctx, **given)
    except _TooMany:
        raise ScenarioError(ctx.summary()) from None
    except _Reported:
        raise ScenarioError(ctx.summary()) from None


def to_dict(obj) -> dict:
    """The YAML-ready mapping of a dataclass built by :func:`build` (defaults included)."""
    out = {}
    for f in dataclasses.fields(obj):
        if "spec" in f.metadata:
            out[f.name] = f.metadata["spec"].dump(getattr(obj, f.name))
    return out
