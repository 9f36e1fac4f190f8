"""Every column of the result CSVs, declared once: name template, expansion, kind, unit, meaning.

The writers (``TradeWarModel.outcomes``, ``results.step_columns``, ``weekly``, ``report``,
``sweep``), the readers (``reading``, ``summarize``, ``plots``), the API's dtypes and the column
tables of docs/results.md all derive from the declarations here; nothing parses a column name
back out of a header. A column's ``per`` says how its template expands for a scenario:

* ``one``: a single column;
* ``country`` (``{i}``) / ``partner`` (``{j}``): one per country;
* ``pair`` (``{i}``, ``{j}``): one per ordered pair of different countries;
* ``channel`` (``{i}``, ``{c}``): one per country and approach channel of that country;
* ``pressure`` (``{channel}``): one per pressure channel of any country;
* ``status`` (``{status}``): one per relationship status;
* ``label`` (``{label}``): one per first-approacher label;
* ``key`` (``{key}``): one per drawn (runs.csv) or swept (points.csv) dotted scenario key;
* ``user`` (``{name}``): one per user-defined outcome of the scenario's ``outcomes:`` block.

``python -m sim.docgen --write docs/results.md`` regenerates the doc's column tables from
these declarations; ``--check`` fails when they differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sim.negotiation import STATUSES

NONE, MUTUAL, MIXED = "none", "mutual", "mixed"  # outcome labels, never country names
RESERVED = (NONE, MUTUAL, MIXED)
FINAL_STATUSES = (*STATUSES, MIXED)

KINDS = ("index", "week", "count", "share", "percent", "usd", "number", "label", "text", "date")
TEXT_KINDS = ("label", "text", "date")


@dataclass(frozen=True)
class Column:
    """One declared column (or family of columns, one per country, pair, ...).

    Attributes:
        template: the name, with ``{i}``, ``{j}``, ``{c}``, ``{channel}``, ``{status}``,
            ``{label}`` or ``{key}`` where ``per`` fills them in.
        per: how the template expands (see the module docstring).
        kind: one of :data:`KINDS`: what a cell holds and which values are valid.
        unit: the unit shown in docs/results.md.
        doc: the meaning, and when a cell is blank.
        blank: whether a cell may be blank.
        interval: followed by ``_low`` and ``_high`` columns (a 95% interval).
    """

    template: str
    per: str = "one"
    kind: str = "number"
    unit: str = "–"
    doc: str = ""
    blank: bool = False
    interval: bool = False

    def name(self, **parts: str) -> str:
        return self.template.format(**parts)


@dataclass(frozen=True)
class Layout:
    """What a scenario's columns expand over."""

    names: tuple[str, ...]
    channels: dict[str, tuple[str, ...]] = field(default_factory=dict)  # approach, per country
    pressures: tuple[str, ...] = ()  # pressure channels, in first-seen order
    keys: tuple[str, ...] = ()  # drawn keys (runs.csv) or swept keys (points.csv)
    user: tuple[str, ...] = ()  # user-defined outcomes (the scenario's outcomes: block)

    def labels(self) -> tuple[str, ...]:
        """First-approacher labels, in the order summaries list them."""
        return (*self.names, MUTUAL, NONE)


def _parts(col: Column, lay: Layout, country: str | None) -> list[dict[str, str]]:
    names = lay.names
    per = col.per
    if per == "one":
        return [{}]
    if per == "country":
        return [{"i": a} for a in names]
    if per == "partner":
        return [{"j": b} for b in names if b != country]
    if per == "pair":
        return [{"i": a, "j": b} for a in names for b in names if a != b]
    if per == "channel":
        return [{"i": a, "c": c} for a in names for c in lay.channels.get(a, ())]
    if per == "pressure":
        return [{"channel": c} for c in lay.pressures]
    if per == "status":
        return [{"status": s} for s in STATUSES]
    if per == "label":
        return [{"label": x} for x in lay.labels()]
    if per == "key":
        return [{"key": k} for k in lay.keys]
    if per == "user":
        return [{"name": n} for n in lay.user]
    raise ValueError(f"unknown per {per!r}")


def expand(col: Column, lay: Layout, country: str | None = None) -> list[tuple[str, Column]]:
    """(name, column) for every column ``col`` stands for (with ``_low``/``_high``)."""
    out = []
    for parts in _parts(col, lay, country):
        name = col.name(**parts)
        out.append((name, col))
        if col.interval:
            out += [(f"{name}_low", col), (f"{name}_high", col)]
    return out


Entry = Column | tuple[Column, ...]  # a tuple: columns expanded together, interleaved


def table(entries: tuple[Entry, ...], lay: Layout, country: str | None = None) -> dict:
    """Column name -> declaration, in file order, for ``entries`` expanded over ``lay``."""
    out: dict[str, Column] = {}
    for entry in entries:
        if isinstance(entry, Column):
            out.update(expand(entry, lay, country))
            continue
        for group in zip(*(expand(c, lay, country) for c in entry), strict=True):
            out.update(group)
    return out


def names(entries: tuple[Entry, ...], lay: Layout, country: str | None = None) -> list[str]:
    return list(table(entries, lay, country))


def estimates(entries: tuple[Column, ...], lay: Layout) -> list[str]:
    """The names of ``entries`` without their ``_low`` and ``_high`` bounds."""
    return names(tuple(replace(c, interval=False) for c in entries), lay)


# --------------------------------------------------------------------------- runs.csv

RUN = Column("run", kind="index", doc="run number")
POINT = Column("point", kind="index", doc="design point number (the order points run in)")
FIRST_APPROACHER = Column("first_approacher", kind="label", doc=(
    f"the country that first asked for talks; `{MUTUAL}` if more than one asked that week; "
    f"`{NONE}` if nobody asked"))  # fmt: skip
FIRST_APPROACH_WEEK = Column("first_approach_week", kind="week", unit="week", blank=True,
                             doc="week of the first approach; blank if none")  # fmt: skip
FIRST_APPROACH_CHANNEL = Column("first_approach_channel", kind="label", blank=True, doc=(
    "channel of the first approach; blank if mutual or none"))  # fmt: skip
TALKS_WEEK = Column("talks_week", kind="week", unit="week", blank=True,
                    doc="week the first talks opened; blank if never")  # fmt: skip
DEAL_WEEK = Column("deal_week", kind="week", unit="week", blank=True,
                   doc="week of the first deal; blank if never")  # fmt: skip
FINAL_STATUS = Column("final_status", kind="label", doc=(
    f"status at the horizon ({', '.join(f'`{s}`' for s in STATUSES)}; `{MIXED}` if pairs "
    "differ)"))  # fmt: skip
PEAK_TARIFF = Column("peak_tariff_{i}_{j}", "pair", "percent", "%", doc=(
    "highest tariff levied by I on goods from J during the run (start included)"))  # fmt: skip
FINAL_TARIFF = Column("final_tariff_{i}_{j}", "pair", "percent", "%", doc=(
    "effective tariff levied by I on J at the horizon: headline x (1 - exempt share)"))  # fmt: skip
HEADLINE_TARIFF = Column("headline_tariff_{i}_{j}", "pair", "percent", "%",
                         doc="I's headline (announced) tariff on J at the horizon")  # fmt: skip
EXEMPT_SHARE = Column("exempt_share_{i}_{j}", "pair", "share", "0–1",
                      doc="share of I's imports from J exempt from it at the horizon")  # fmt: skip
DEAL_TARIFF = Column("deal_tariff_{i}_{j}", "pair", "percent", "%", blank=True, doc=(
    "I's headline tariff on J right after the pair's first deal; blank if no deal"))  # fmt: skip
DEALS = Column("deals", kind="count", unit="count", doc="deals struck")
COLLAPSES = Column("collapses", kind="count", unit="count", doc="talks that collapsed")
RENEWALS = Column("renewals", kind="count", unit="count", doc="truces renewed")
EXTENSIONS = Column("extensions", kind="count", unit="count",
                    doc="truces extended by talks held during them")  # fmt: skip
SNAPBACKS = Column("snapbacks", kind="count", unit="count", doc=(
    "truces that lapsed: headlines back to their suspended level plus what was scheduled or "
    "threatened during the truce"))  # fmt: skip
THREATS_CARRIED_OUT = Column("threats_carried_out", kind="count", unit="count",
                             doc="threats (conditional events) carried out")  # fmt: skip
THREATS_WITHDRAWN = Column("threats_withdrawn", kind="count", unit="count",
                           doc="threats withdrawn because their condition failed")  # fmt: skip
OWN_FIRST_APPROACH = Column("first_approach_week_{i}", "country", "week", "week", blank=True,
                            doc="I's own first approach; blank if I never asked")  # fmt: skip
APPROACHES = Column("approaches_{i}", "country", "count", "count",
                    doc="approaches I made (each partner counts)")  # fmt: skip
REJECTIONS = Column("rejections_{i}", "country", "count", "count",
                    doc="I's approaches that were rejected")  # fmt: skip
LEAKS = Column("leaks_{i}", "country", "count", "count",
               doc="I's approaches the partner publicised")  # fmt: skip
DENIALS = Column("denials_{i}", "country", "count", "count",
                 doc="I's public denials of leaked approaches")  # fmt: skip
MAX_DRAWDOWN = Column("max_drawdown_{i}", "country", "share", "0–1",
                      doc="worst fall of I's market index from its running peak")  # fmt: skip
IMPORT_LOSS = Column("import_loss_{i}", "country", "usd", "USD bn",
                     doc="cumulative imports of I lost against pre-war flows")  # fmt: skip
EXPORT_LOSS = Column("export_loss_{i}", "country", "usd", "USD bn",
                     doc="cumulative exports of I lost")  # fmt: skip
CHANNEL_APPROACHES = Column("approaches_{i}_{c}", "channel", "count", "count",
                            doc="I's approaches through channel C")  # fmt: skip
USER = Column("{name}", "user", "number", "the outcome's", blank=True, doc=(
    "each user-defined outcome of the scenario's `outcomes:` block (docs/api.md), in the "
    "block's order; a `first_week` is blank if the threshold was never crossed"))  # fmt: skip
DRAWN = Column("{key}", "key", "number", "the key's", doc=(
    "each value drawn from a distribution for this run, by dotted path, sorted"))  # fmt: skip

OUTCOMES = (FIRST_APPROACHER, FIRST_APPROACH_WEEK, FIRST_APPROACH_CHANNEL, TALKS_WEEK,
            DEAL_WEEK, FINAL_STATUS, PEAK_TARIFF, FINAL_TARIFF, HEADLINE_TARIFF, EXEMPT_SHARE,
            DEAL_TARIFF, DEALS, COLLAPSES, RENEWALS, EXTENSIONS, SNAPBACKS, THREATS_CARRIED_OUT,
            THREATS_WITHDRAWN, OWN_FIRST_APPROACH, APPROACHES, REJECTIONS, LEAKS, DENIALS,
            MAX_DRAWDOWN, IMPORT_LOSS, EXPORT_LOSS, CHANNEL_APPROACHES, USER, DRAWN)  # fmt: skip
RUNS = (RUN, *OUTCOMES)
SWEEP_RUN = Column("run", kind="index",
                   doc="run number within the point (the same seed at every point)")  # fmt: skip
SWEEP_RUNS = (POINT, SWEEP_RUN, *OUTCOMES)

# --------------------------------------------------------------------------- events.csv

WEEK = Column("week", kind="week", unit="week", doc="the week")
DATE = Column("date", kind="date", unit="ISO date", doc="its date")
EVENTS = (
    RUN,
    Column("week", kind="week", unit="week", doc="week of the event"),
    Column("date", kind="date", unit="ISO date", doc="that week's date"),
    ACTOR := Column("actor", kind="label", doc=(
        "the country that acted (the asker for an approach, the answering side for an "
        "acceptance, rejection or leak, the asker for a denial, the pair's first country for "
        "talks, deals, collapses, renewals and snap-backs, the event's country for scenario "
        "events)")),
    Column("kind", kind="text", doc=(
        "`escalation`, `relief` (policy tariff moves of a point or more), `approach`, "
        "`acceptance`, `rejection`, `leak`, `denial`, `talks`, `collapse`, `deal`, `renewal`, "
        "`snapback`, `truce_talks`, `extension`, `threat` (a conditional event announced), "
        "`threat_carried_out`, `threat_withdrawn`, or a scenario event kind (`set_tariff`, "
        "`raise_tariff`, `exemptions`, "
        "`market_shock`, `export_controls`, `resolve_change`, `forced_talks`)")),
    Column("detail", kind="text", unit="text", doc=(
        "what happened, e.g. `asks CN for talks via multiple`, `with CN: US tariff 30%, CN "
        "tariff 10%`; `tradewar trace` prints the same words")),
)  # fmt: skip

# --------------------------------------------------------------------------- summary.csv

PERCENTILES = (5, 25, 50, 75, 95)
COUNTRY = Column("country", kind="label", doc="the country")
TARIFF_ON = Column("tariff_on_{j}", "partner", "percent", "%", blank=True,
                   doc="its tariff on J; blank for itself")  # fmt: skip
PRESSURE = Column("pressure", doc="its pressure this week", blank=True)  # fmt: skip
ANXIETY = Column("anxiety", doc="its anxiety (pressure with memory, plus face shocks)",
                 blank=True)  # fmt: skip
MARKET_DRAWDOWN = Column("market_drawdown", kind="share", unit="0–1", blank=True,
                         doc="its market's fall from its running peak")  # fmt: skip
SHARE = Column("share_{status}", "status", "share", "0–1",
               doc="share of the country's relationships, over runs, in that status")  # fmt: skip
# summary.csv's quantity column: trajectories (mean and percentiles) and status shares (mean)
QUANTITIES = (TARIFF_ON, PRESSURE, ANXIETY, MARKET_DRAWDOWN)
SHARES = (SHARE,)
SUMMARY = (
    WEEK, DATE, COUNTRY,
    QUANTITY := Column("quantity", kind="label", doc=(
        "`tariff_on_<J>` (%, levied on partner J), `pressure`, `anxiety` (dimensionless), "
        "`market_drawdown` (0–1), or `share_<status>` (share of the country's relationships, "
        "over runs, in that status)")),
    Column("mean", unit="the quantity's", doc="mean over runs (for a share: the share)"),
    *(Column(f"p{q}", unit="the quantity's", blank=True, doc=doc) for q, doc in zip(
        PERCENTILES, ("5th percentile over runs; blank for shares", "25th percentile; blank for "
                      "shares", "median; blank for shares", "75th percentile; blank for shares",
                      "95th percentile; blank for shares"), strict=True)),
)  # fmt: skip

# --------------------------------------------------------------------------- steps.csv

STATUS_WITH = Column("status_with_{j}", "partner", "label", blank=True,
                     doc="its relationship with J; blank for itself")  # fmt: skip
CHANNEL = Column("channel_{channel}", "pressure", blank=True, doc=(
    "that pressure channel's weighted contribution to its pressure; blank if the country has "
    "no such channel"))  # fmt: skip
STEPS = (RUN, WEEK, DATE, COUNTRY, PRESSURE, ANXIETY, MARKET_DRAWDOWN, (TARIFF_ON, STATUS_WITH),
         CHANNEL)  # fmt: skip

# --------------------------------------------------------------------------- points.csv

SWEPT = Column("{key}", "key", "number", "the key's", doc="the point's value of each swept key")
POINT_RUNS = Column("runs", kind="count", unit="count", doc="runs at the point; 0 if it failed")
ERROR = Column("error", kind="text", unit="text", blank=True, doc=(
    "why the point's values made the scenario invalid; blank when it ran"))  # fmt: skip
P_FIRST = Column("p_first_{label}", "label", "share", "0–1", blank=True, interval=True, doc=(
    "share of runs whose first approacher is `<label>` (Wilson interval); blank if the point "
    "failed"))  # fmt: skip
P_DEAL = Column("p_deal", kind="share", unit="0–1", blank=True, interval=True,
                doc="share of runs with a deal by the horizon (Wilson interval)")  # fmt: skip
MEDIAN_FIRST_APPROACH = Column("median_first_approach_week", kind="number", unit="week",
                               blank=True, interval=True, doc=(
    "median week of the first approach among runs that had one (order-statistic interval); "
    "blank if none did"))  # fmt: skip
MEAN_FINAL_TARIFF = Column("mean_final_tariff_{i}_{j}", "pair", "percent", "%", blank=True,
                           interval=True, doc=(
    "mean final tariff of I on J (normal interval)"))  # fmt: skip
MEAN_IMPORT_LOSS = Column("mean_import_loss_{i}", "country", "usd", "USD bn", blank=True,
                          interval=True, doc=(
    "mean cumulative imports lost by I (normal interval); each lost flow counts once, on its "
    "importer's side (imports plus exports lost would be the same number for both countries of "
    "a two-country scenario)"))  # fmt: skip
USER_STAT = Column("{name}", "user", "number", "the outcome's", blank=True, interval=True, doc=(
    "each user-defined outcome: for a `first_week`, the median week among runs that crossed "
    "(order-statistic interval; blank if none did); otherwise the mean (normal "
    "interval)"))  # fmt: skip
POINT_STATS = (P_FIRST, P_DEAL, MEDIAN_FIRST_APPROACH, MEAN_FINAL_TARIFF, MEAN_IMPORT_LOSS,
               USER_STAT)  # fmt: skip
POINTS = (POINT, SWEPT, POINT_RUNS, ERROR, *POINT_STATS)
SORTED_BY = P_DEAL  # summarize ranks points by it

# --------------------------------------------------------------------------- trajectories.csv

# a sweep's weekly tariff percentiles per point (``sweep --trajectories``): the band, median
TRAJECTORY_PERCENTILES = (10, 50, 90)
_TRAJECTORY_DOC = {10: "10th percentile over the point's runs (the band's low edge)",
                   50: "median over the point's runs (exact)",
                   90: "90th percentile over the point's runs (the band's high edge)"}  # fmt: skip
TRAJECTORY_TARIFF = tuple(
    Column(f"tariff_{{i}}_{{j}}_p{q}", "pair", "percent", "%",
           doc=f"effective tariff of I on J at the end of the week: {_TRAJECTORY_DOC[q]}")
    for q in TRAJECTORY_PERCENTILES
)  # fmt: skip
TRAJECTORY_MEDIAN = TRAJECTORY_TARIFF[TRAJECTORY_PERCENTILES.index(50)]
TRAJECTORIES = (POINT, WEEK, DATE, TRAJECTORY_TARIFF)

# --------------------------------------------------------------------------- sensitivity.csv

_BOUND = (
    "{} 95% bound (percentile bootstrap); blank with the index, or when the bootstrap is degenerate"
)
_INDEX = "{} index; blank when `note` says the outcome gets none"
SENSITIVITY = (
    OUTCOME := Column("outcome", kind="label", doc="a points.csv outcome"),
    PARAMETER := Column("parameter", kind="label", doc="a swept key"),
    Column("first_order", blank=True, doc=_INDEX.format("first-order")),
    Column("first_order_low", blank=True, doc=_BOUND.format("lower")),
    Column("first_order_high", blank=True, doc=_BOUND.format("upper")),
    Column("total_order", blank=True, doc=_INDEX.format("total")),
    Column("total_order_low", blank=True, doc=_BOUND.format("lower")),
    Column("total_order_high", blank=True, doc=_BOUND.format("upper")),
    VARIANCE := Column(
        "variance",
        blank=True,
        unit="the outcome's, squared",
        doc=(
            "variance of the outcome's point estimates across the design points (what the indices "
            "share out); blank if the outcome is blank at some point"
        ),
    ),
    NOISE := Column(
        "noise",
        unit="the outcome's, squared",
        doc=(
            "Monte Carlo noise: mean squared standard error of a point's estimate, from its 95% "
            "interval"
        ),
    ),
    NOTE := Column(
        "note",
        kind="text",
        unit="text",
        blank=True,
        doc=(
            "blank when the outcome has indices; else why not (`does not vary in this design` "
            "when `variance` is at most twice `noise`)"
        ),
    ),
)

# --------------------------------------------------------------------------- morris.csv

_MORRIS = "in the outcome's unit per full range of the parameter; blank when `note` says why"
MORRIS = (
    OUTCOME, PARAMETER,
    Column("mu_star", blank=True, doc=f"mean absolute elementary effect (screening), {_MORRIS}"),
    Column("mu_star_conf", blank=True, doc="half-width of mu_star's 95% bootstrap interval"),
    Column("mu", blank=True, doc=f"mean signed elementary effect, {_MORRIS}"),
    Column("sigma", blank=True, doc=(
        "standard deviation of the elementary effects (interactions or non-linearity)")),
    VARIANCE, NOISE, NOTE,
)  # fmt: skip

TABLES = {"runs": RUNS, "events": EVENTS, "summary": SUMMARY, "steps": STEPS, "points": POINTS,
          "sensitivity": SENSITIVITY, "morris": MORRIS, "trajectories": TRAJECTORIES}  # fmt: skip

# --------------------------------------------------------------------------- calibrations

PARTICLE = Column("particle", kind="index", doc="the particle's number in the last population")
CALIBRATED = Column("{key}", "key", "number", "the key's", doc="the particle's value of each "
                    "calibrated key")  # fmt: skip
WEIGHT = Column("weight", kind="share", unit="0–1", doc="its normalised importance weight")
DISTANCE = Column("distance", doc="its scaled distance to the targets")
POSTERIOR = (PARTICLE, CALIBRATED, WEIGHT, DISTANCE)
GENERATION = Column("generation", kind="index", doc="the generation (0 draws from the prior)")
TOLERANCE = Column("tolerance", doc="the largest accepted distance (adaptive tolerance)")
ACCEPTANCE = Column("acceptance_rate", kind="share", unit="0–1",
                    doc="share of the generation's proposals accepted")  # fmt: skip
ESS = Column("ess", doc="effective sample size of the accepted weights, 1 / sum w²")
GENERATION_RUNS = Column("runs", kind="count", unit="count", doc="runs simulated")
GENERATIONS = (GENERATION, TOLERANCE, ACCEPTANCE, ESS, GENERATION_RUNS)
FIT = (
    Column("target", kind="label", doc="the target's name in the targets file"),
    Column("observed", doc="the observed value"),
    Column("tolerance", doc="its tolerance (half-width; 1.96 se when given as se)"),
    Column("simulated", blank=True, doc="weighted median over the posterior's particles"),
    Column("simulated_low", blank=True, doc="2.5% weighted quantile over the particles"),
    Column("simulated_high", blank=True, doc="97.5% weighted quantile over the particles"),
    Column("met", kind="label", doc="yes when the interval overlaps observed ± tolerance"),
)

CALIBRATION_TABLES = {"posterior": POSTERIOR, "generations": GENERATIONS, "fit": FIT}
