"""Calibration targets: observed facts a scenario should reproduce, as data, with tolerances.

A targets file (``scenarios/targets/<scenario>.yaml``) is a mapping ``targets:`` of named
entries, each a statistic of a runs.csv column (or of a weekly quantity) against what was
observed::

    targets:
      talks_open:
        statistic: median            # median | mean | quantile (+ q) | share | weekly_median
        column: talks_week           # a runs.csv column of the scenario (sim/columns.py)
        given: {column: talks_week, present: true}   # optional: the runs it is taken over
        observed: 4
        tolerance: 2                 # half-width; or se: (then tolerance = 1.96 se)
        weight: 1                    # default 1 (for a later fit; unused by the check)
        source: "Geneva talks held 10-11 May 2025 (week 4)"

``share`` takes a condition on the column (``equals: VALUE``, ``below:``/``above:`` a number, or
``present: true|false`` for blank cells); ``weekly_median`` takes ``week`` and ``country`` and
its column is a weekly quantity (``tariff_on_<J>``). A target is *met* when the 95% interval
of the simulated statistic overlaps ``observed +- tolerance`` (docs/calibration.md).

An optional ``priors:`` mapping gives ``tradewar calibrate`` a prior for a key the scenario
holds as a fixed number (``countries.US.face_cost: {dist: uniform, low: 0, high: 0.5}``);
``--set`` on the command line wins over it.
Files are validated like scenarios: a mistake is a ``ScenarioError`` naming file, line and key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path as FilePath

import numpy as np
from scipy import stats

from sim import columns as C
from sim.report import mean_interval, wilson
from sim.schema import Context, Number, ScenarioError, Text, hint, mapping, reject_unknown
from sim.yamlsource import parse_yaml

STATISTICS = ("median", "mean", "quantile", "share", "weekly_median")
TESTS = ("equals", "below", "above", "present")
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Condition:
    """Which runs pass: ``column`` ``test`` ``value`` (a test of :data:`TESTS`)."""

    column: str
    test: str
    value: object

    def mask(self, runs: dict[str, np.ndarray]) -> np.ndarray:
        x = runs[self.column]
        if self.test == "present":
            blank = np.array([_blank(v) for v in x], dtype=bool)
            return ~blank if self.value else blank
        if self.test == "equals":
            return np.array([str(v) == str(self.value) for v in x], dtype=bool)
        values = np.asarray(x, dtype=float)
        with np.errstate(invalid="ignore"):
            return values < self.value if self.test == "below" else values > self.value


def _blank(v) -> bool:
    return v is None or v == "" or (isinstance(v, float) and np.isnan(v))


@dataclass(frozen=True)
class Target:
    name: str
    statistic: str
    column: str
    observed: float
    tolerance: float
    source: str
    weight: float = 1.0
    q: float | None = None
    week: int | None = None
    country: str | None = None
    condition: Condition | None = None  # share: what counts
    given: Condition | None = None  # the runs the statistic is taken over

    def evaluate(self, runs: dict[str, np.ndarray], weekly=None) -> tuple[float, float, float]:
        """The simulated statistic and its 95% interval, ``(estimate, low, high)``.

        Args:
            runs: runs.csv columns by name (one entry per run).
            weekly: for ``weekly_median``, ``{(country, quantity): (weeks, runs) array}``.
        """
        keep = self.given.mask(runs) if self.given is not None else slice(None)
        if self.statistic == "share":
            hit = self.condition.mask(runs)[keep]
            return wilson(int(hit.sum()), int(hit.size))
        if self.statistic == "weekly_median":
            values = np.asarray(weekly[(self.country, self.column)][self.week], dtype=float)[keep]
        else:
            values = np.asarray(runs[self.column], dtype=float)[keep]
        values = values[~np.isnan(values)]
        if self.statistic == "mean":
            return mean_interval(values)
        return quantile_interval(values, 0.5 if self.q is None else self.q)

    def met(self, estimate: tuple[float, float, float]) -> bool:
        """Whether the interval ``estimate[1:]`` overlaps ``observed +- tolerance``."""
        _, low, high = estimate
        return bool(
            low <= self.observed + self.tolerance and high >= self.observed - self.tolerance
        )


def quantile_interval(values: np.ndarray, q: float) -> tuple[float, float, float]:
    """The q-quantile with a distribution-free 95% interval from order statistics (the ranks
    of the 2.5% and 97.5% points of Binomial(n, q)); NaNs for no values."""
    values = np.sort(np.asarray(values, dtype=float))
    n = values.size
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    low = int(stats.binom.ppf(0.025, n, q)) - 1
    high = int(stats.binom.ppf(0.975, n, q))
    return (float(np.quantile(values, q)), float(values[max(low, 0)]),
            float(values[min(high, n - 1)]))  # fmt: skip


# --------------------------------------------------------------------------- loading


def layout_of(scenario) -> C.Layout:
    """The runs.csv layout of ``scenario`` without building a model."""
    from sim.distributions import uncertain

    names = tuple(scenario.country_names())
    channels = {c.name: tuple(c.channels) for c in scenario.countries}
    pressures = tuple(dict.fromkeys(k for c in scenario.countries for k in c.pressures))
    return C.Layout(names, channels, pressures, tuple(k for k, _ in uncertain(scenario)))


# Statistics whose value over a single run is that run's own value (the rest are properties
# of many runs at one point: a share, a tail quantile, a weekly median of steps.csv).
PER_RUN = ("median", "mean")


def load(path: str | FilePath, scenario, per_run: bool = False) -> tuple[Target, ...]:
    """Read and validate a targets file against ``scenario``'s columns.

    Args:
        per_run: each run is compared with the targets on its own (``calibrate --from-runs``):
            only the statistics of :data:`PER_RUN` are allowed.

    Raises:
        ScenarioError: any problem, naming the file, the line and the key.
    """
    top, ctx = _read_file(path)
    reject_unknown(top, ("targets", "priors"), (), ctx)
    entries = mapping(top.get("targets"), ("targets",), ctx)
    if not entries:
        raise ctx.error(("targets",), "no targets")
    lay = layout_of(scenario)
    columns = set(C.names(C.OUTCOMES, lay))
    weekly = {C.TARIFF_ON.name(j=j) for j in lay.names}
    out = tuple(_target(str(name), body, ("targets", str(name)), ctx, columns, weekly, lay)
                for name, body in entries.items())  # fmt: skip
    for t in out if per_run else ():
        if t.statistic not in PER_RUN:
            raise ctx.error(("targets", t.name, "statistic"), (
                f"a {t.statistic} is a statistic of many runs at one parameter point; "
                f"--from-runs compares each run with the targets on its own, so only "
                f"{' and '.join(PER_RUN)} targets (the run's own value) apply"))  # fmt: skip
    return out


def _read_file(path: str | FilePath) -> tuple[dict, Context]:
    """The targets file's top-level mapping and its context for file:line errors."""
    try:
        text = FilePath(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read targets file: {exc}") from None
    raw, lines = parse_yaml(text, str(path))
    ctx = Context(str(path), lines)
    return mapping(raw, (), ctx), ctx


def read_priors(path: str | FilePath) -> dict[str, tuple[str, str]]:
    """The file's ``priors:`` section: dotted key -> (its ``{dist: ...}`` as flow YAML, for
    an override, and ``FILE:LINE`` for errors). A prior is checked against the scenario when
    it is applied (``tradewar calibrate``), as a ``--set`` would be.

    Raises:
        ScenarioError: a prior that is not a ``{dist: ...}`` mapping, naming file and line.
    """
    import yaml

    top, ctx = _read_file(path)
    entries = mapping(top.get("priors"), ("priors",), ctx)
    out = {}
    for key, body in entries.items():
        where = ("priors", str(key))
        if not isinstance(body, dict) or "dist" not in body:
            raise ctx.error(where, "expected a {dist: NAME, ...} mapping (a prior)")
        flow = yaml.safe_dump(body, default_flow_style=True, sort_keys=False).strip()
        out[str(key)] = (flow.removesuffix("\n..."), f"{path}:{ctx.lines.get(where, '?')}")
    return out


KEYS = ("statistic", "column", "observed", "tolerance", "se", "weight", "source", "q", "week",
        "country", "given", *TESTS)  # fmt: skip
NUMBER = Number(uncertain=False)


def _target(name, raw, path, ctx, columns, weekly, lay) -> Target:
    raw = mapping(raw, path, ctx)
    reject_unknown(raw, KEYS, path, ctx)
    for key in ("statistic", "column", "observed", "source"):
        if key not in raw:
            raise ctx.error((*path, key), "required key is missing")
    statistic = Text(choices=STATISTICS).convert(raw["statistic"], (*path, "statistic"), ctx)
    allowed = weekly if statistic == "weekly_median" else columns
    column = _column(raw["column"], (*path, "column"), ctx, allowed)
    observed = NUMBER.convert(raw["observed"], (*path, "observed"), ctx)
    if ("tolerance" in raw) == ("se" in raw):
        raise ctx.error(path, "give exactly one of tolerance (a half-width) or se")
    width = Number(0.0, uncertain=False)
    tolerance = (width.convert(raw["tolerance"], (*path, "tolerance"), ctx) if "tolerance" in raw
                 else Z95 * width.convert(raw["se"], (*path, "se"), ctx))  # fmt: skip
    extra = {
        "weight": Number(0.0, uncertain=False).convert(
            raw.get("weight", 1.0), (*path, "weight"), ctx
        ),  # fmt: skip
        "source": Text().convert(raw["source"], (*path, "source"), ctx),
    }
    if statistic == "quantile":
        extra["q"] = _required(raw, "q", Number(0.0, 1.0, uncertain=False), path, ctx)
    if statistic == "weekly_median":
        extra["week"] = _required(raw, "week", Number(0, 100_000, False, True), path, ctx)
        extra["country"] = _required(raw, "country", Text(choices=lay.names), path, ctx)
    if statistic == "share":
        extra["condition"] = _condition(raw, column, path, ctx)
    elif any(t in raw for t in TESTS):
        raise ctx.error(path, f"a condition ({', '.join(TESTS)}) belongs to a share only")
    if "given" in raw:
        g = mapping(raw["given"], (*path, "given"), ctx)
        reject_unknown(g, ("column", *TESTS), (*path, "given"), ctx)
        if "column" not in g:
            raise ctx.error((*path, "given", "column"), "required key is missing")
        gcol = _column(g["column"], (*path, "given", "column"), ctx, columns)
        extra["given"] = _condition(g, gcol, (*path, "given"), ctx)
    return Target(name, statistic, column, observed, tolerance, **extra)


def _required(raw, key, spec_, path, ctx):
    if key not in raw:
        raise ctx.error((*path, key), "required key is missing")
    return spec_.convert(raw[key], (*path, key), ctx)


def _column(raw, path, ctx, allowed) -> str:
    name = Text().convert(raw, path, ctx)
    if name not in allowed:
        raise ctx.error(path, f"{name!r} is not a column of this scenario" + hint(name, allowed))
    return name


def _condition(raw: dict, column: str, path, ctx) -> Condition:
    given = [t for t in TESTS if t in raw]
    if len(given) != 1:
        raise ctx.error(path, f"give exactly one condition: {', '.join(TESTS)}")
    test = given[0]
    where = (*path, test)
    if test == "present":
        if not isinstance(raw[test], bool):
            raise ctx.error(where, "expected true or false")
        return Condition(column, test, raw[test])
    if test == "equals":
        value = raw[test]
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ctx.error(where, "expected a value")
        return Condition(column, test, value)
    return Condition(column, test, NUMBER.convert(raw[test], where, ctx))
