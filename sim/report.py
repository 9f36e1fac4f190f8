"""The headline outcomes of a set of runs, with 95% intervals: what ``tradewar run`` prints.

Shares come with Wilson score intervals (Wilson 1927), which keep their coverage near 0 and 1
where the normal approximation fails, via ``scipy.stats.binomtest``.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from sim import columns as C
from sim import outcomes as user


def wilson(k: int, n: int) -> tuple[float, float, float]:
    """Share k/n with its 95% Wilson interval; NaNs when there are no runs."""
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return k / n, float(ci.low), float(ci.high)


def mean_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean with its normal 95% interval (NaNs for no values; a zero-width one for one)."""
    values = np.asarray(values, dtype=float)
    n = values.size
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    half = 1.959963984540054 * float(values.std(ddof=1)) / np.sqrt(n) if n > 1 else 0.0
    return mean, mean - half, mean + half


def mean_from_sums(total: float, squares: float, n: int) -> tuple[float, float, float]:
    """Mean with its normal 95% interval from a running sum and sum of squares of n values."""
    n = max(n, 1)
    mean = total / n
    sd = np.sqrt(max(squares / n - mean**2, 0.0) * n / max(n - 1, 1))
    half = 1.959963984540054 * sd / np.sqrt(n)
    return mean, mean - half, mean + half


def median_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Median with a distribution-free 95% interval from order statistics.

    The interval runs from the l-th to the (n - l + 1)-th order statistic, where l is the
    2.5% quantile of Binomial(n, 1/2) (Conover 1999, sec. 3.2); NaNs when there are no values.
    """
    values = np.sort(np.asarray(values, dtype=float))
    n = values.size
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    rank = int(stats.binom.ppf(0.025, n, 0.5))  # 1-based rank of the lower bound
    low, high = max(rank - 1, 0), min(n - rank, n - 1)
    return float(np.median(values)), float(values[low]), float(values[high])


def median_of_counts(counts: np.ndarray) -> float:
    """The median of values 0, 1, 2, ... given how often each occurs (NaN if none)."""
    n = int(counts.sum())
    if n == 0:
        return float("nan")
    cum = np.cumsum(counts)
    lower, upper = np.searchsorted(cum, [(n - 1) // 2, n // 2], side="right")
    return (lower + upper) / 2


BY_WEEKS = (13, 26, 52)
EVENT_NAMES = {"approach": "first approach", "talks": "talks open", "deal": "deal"}


class Headline:
    """Accumulates, block by block, what the printed summary needs (a few numbers per run)."""

    def __init__(self, names: list[str], horizon: int, outcomes=()) -> None:
        self.names = names
        self.user = user.Tally(outcomes, horizon)  # the scenario's user-defined outcomes
        lay = C.Layout(tuple(names))
        self.approacher = dict.fromkeys(lay.labels(), 0)
        # Weeks are whole numbers below the horizon: a histogram gives exact medians in
        # memory that does not grow with the number of runs.
        self.weeks = {k: np.zeros(horizon, dtype=np.int64) for k in ("approach", "talks", "deal")}
        self.channels: dict[str, int] = {}
        self.counted = C.names((C.APPROACHES, C.LEAKS, C.DENIALS, C.DEALS, C.RENEWALS,
                                C.SNAPBACKS, C.COLLAPSES), lay)  # fmt: skip
        self.sums = {k: np.zeros(2) for k in self.counted}  # sum and sum of squares
        self.runs = 0

    def add(self, outcomes: dict[str, np.ndarray]) -> None:
        self.runs += len(outcomes[C.FIRST_APPROACHER.name()])
        labels, counts = np.unique(outcomes[C.FIRST_APPROACHER.name()], return_counts=True)
        for label, count in zip(labels, counts, strict=True):
            self.approacher[str(label)] += int(count)
        for key, column in (("approach", C.FIRST_APPROACH_WEEK), ("talks", C.TALKS_WEEK),
                            ("deal", C.DEAL_WEEK)):  # fmt: skip
            weeks = np.asarray(outcomes[column.name()], dtype=float)
            weeks = weeks[~np.isnan(weeks)].astype(np.int64)
            self.weeks[key] += np.bincount(weeks, minlength=len(self.weeks[key]))
        channel = outcomes[C.FIRST_APPROACH_CHANNEL.name()]
        labels, counts = np.unique(channel, return_counts=True)
        for label, count in zip(labels, counts, strict=True):
            if label:
                self.channels[str(label)] = self.channels.get(str(label), 0) + int(count)
        for key in self.counted:
            values = np.asarray(outcomes[key], dtype=float)
            self.sums[key] += (values.sum(), np.square(values).sum())
        self.user.add(outcomes)

    def rows(self) -> list[tuple[str, float, float, float]]:
        """(label, estimate, low, high) for each headline share."""
        out = [(f"P(first approach: {label})", *wilson(k, self.runs))
               for label, k in self.approacher.items()]  # fmt: skip
        out += [(f"P(first approach via {label})", *wilson(k, self.runs))
                for label, k in sorted(self.channels.items())]  # fmt: skip
        deals = int(self.weeks["deal"].sum())
        out.append(("P(deal by horizon)", *wilson(deals, self.runs)))
        return out

    def means(self) -> list[tuple[str, float, float, float]]:
        """(column, mean per run, low, high) with a normal 95% interval for the mean."""
        out = []
        for key, (total, squares) in self.sums.items():
            mean, low, high = mean_from_sums(total, squares, self.runs)
            # counts cannot be negative: the normal interval is cut at zero
            out.append((key, mean, max(low, 0.0), high))
        return out

    def medians(self) -> dict[str, tuple[float, int]]:
        """Median week of first approach, talks and deal among runs that had one (and n)."""
        return {key: (median_of_counts(c), int(c.sum())) for key, c in self.weeks.items()}

    def by_week(self) -> dict[str, dict[int, float]]:
        """Share of all runs with a first approach, talks or a deal by week 13, 26, 52 (those
        the horizon reaches; weeks are numbered from 0): the view that covers every run."""
        out = {}
        for key, counts in self.weeks.items():
            cum = np.cumsum(counts) / max(self.runs, 1)
            out[key] = {w: float(cum[min(w, len(cum) - 1)]) for w in BY_WEEKS if w <= len(cum)}
        return out

    def text(self, final_tariffs: dict[str, float]) -> str:
        lines = [f"{self.runs} runs"]
        for label, p, low, high in self.rows():
            lines.append(f"  {label:<32} {p:6.3f}  [{low:.3f}, {high:.3f}]")
        # each median covers only the runs that had the event, a different set for each, so
        # they need not come in order; the shares by week cover every run
        for key, (median, n) in self.medians().items():
            shown = "-" if np.isnan(median) else f"{median:g}"
            lines.append(f"  median week of {EVENT_NAMES[key]:<16} {shown:>6}  "
                         f"(among the {n} of {self.runs} runs that had one)")  # fmt: skip
        for key, shares in self.by_week().items():
            lines.append(f"  share with {EVENT_NAMES[key]:<20} " + "  ".join(
                f"by week {w}: {p:.3f}" for w, p in shares.items()))  # fmt: skip
        for key, value in final_tariffs.items():
            lines.append(f"  median final tariff {key:<12} {value:6.1f}%")
        lines.append("  per run (mean, 95% interval):")
        for key, mean, low, high in self.means():
            lines.append(f"    {key:<30} {mean:6.2f}  [{low:.2f}, {high:.2f}]")
        return "\n".join(lines + self.user.lines())


def point_stats(outcomes: dict[str, np.ndarray], names: list[str], specs=()) -> dict[str, float]:
    """Each outcome of one point with its 95% interval: ``X``, ``X_low``, ``X_high``.

    ``specs`` are the scenario's user-defined outcomes (:mod:`sim.outcomes`), estimated last.
    """
    who = outcomes[C.FIRST_APPROACHER.name()]
    n = len(who)
    lay = C.Layout(tuple(names))
    out: dict[str, float] = {}

    def put(name, triple):
        out[name], out[f"{name}_low"], out[f"{name}_high"] = triple

    for label in lay.labels():
        put(C.P_FIRST.name(label=label), wilson(int(np.sum(who == label)), n))
    deal = outcomes[C.DEAL_WEEK.name()]
    put(C.P_DEAL.name(), wilson(int(np.sum(~np.isnan(deal))), n))
    weeks = outcomes[C.FIRST_APPROACH_WEEK.name()]
    put(C.MEDIAN_FIRST_APPROACH.name(), median_interval(weeks[~np.isnan(weeks)]))
    for i in names:
        for j in names:
            if i != j:
                final = outcomes[C.FINAL_TARIFF.name(i=i, j=j)]
                put(C.MEAN_FINAL_TARIFF.name(i=i, j=j), mean_interval(final))
    for i in names:
        # I's exports lost are its partners' imports lost: a sum of both would count every
        # flow twice and, with two countries, give both the same number
        put(C.MEAN_IMPORT_LOSS.name(i=i), mean_interval(outcomes[C.IMPORT_LOSS.name(i=i)]))
    out.update(user.point_stats(specs, outcomes))
    return out
