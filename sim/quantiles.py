"""Mean and percentiles over runs of many (quantity, week) series, in bounded memory.

:class:`Exact` keeps every value (float32) and gives numpy's percentiles; :class:`Binned`
keeps, per series, a histogram with fixed bin edges and each bin's count, smallest and
largest value, and an exact sum of the values. Both give the same result whatever order the
blocks are added in: counts and sums are integers, minima and maxima commute.

Binned resolution (docs/results.md, "summary.csv"): a value ``x`` falls in bin
``floor((asinh(x / SCALE) + U) / width)``, ``U = asinh(LIMIT / SCALE)``, clipped to the end
bins; ``width = 2 U / bins``. With ``bins = MAX_BINS`` that is about 1% of ``|x|`` (and
``SCALE`` times 1% near zero). A percentile's order statistics are read off the bin that holds
them: exact when the bin holds a single value (a tariff level, say), otherwise interpolated
between the bin's smallest and largest value by rank, so never further off than the bin is
wide. The mean is exact (the float32 values summed without rounding, divided once).
"""

from __future__ import annotations

import math

import numpy as np

SCALE = 1e-3  # below this, bins are about SCALE * 1% wide (absolute, not relative)
LIMIT = 1e6  # values beyond +-LIMIT share the end bins (their min/max stay exact)
MAX_BINS = 4096
MIN_BINS = 64
BUDGET = 96 << 20  # bytes of histogram at most, unless MIN_BINS need more
BIN_BYTES = 16  # count (int64), smallest and largest value (float32 each)
EXACT_BYTES = 128 << 20  # below this many bytes of float32 values, keep them all
# np.frexp of a float32 gives an exponent in [-148, 128] and a mantissa of 24 bits
_EMIN, _EXPONENTS, _MANTISSA = -149, 279, 24


def bins_for(series: int) -> int:
    """Bins per series so that ``series`` histograms fit :data:`BUDGET` (a power of two)."""
    fit = BUDGET // (BIN_BYTES * max(series, 1))
    return int(min(MAX_BINS, max(MIN_BINS, 1 << max(fit, 1).bit_length() - 1)))


def estimator(quantities: int, weeks: int, runs: int) -> Exact | Binned:
    """Exact while every value fits in :data:`EXACT_BYTES` (or takes less than the
    histograms would), else binned."""
    bins = bins_for(quantities * weeks)
    if 4 * runs <= max(EXACT_BYTES // max(quantities * weeks, 1), BIN_BYTES * bins):
        return Exact(quantities, weeks, runs)
    return Binned(quantities, weeks, bins)


class Exact:
    """Every value kept: numpy's mean and (linear) percentiles."""

    def __init__(self, quantities: int, weeks: int, runs: int) -> None:
        self.data = np.zeros((quantities, weeks, runs), dtype=np.float32)

    def add(self, first_run: int, values: np.ndarray) -> None:
        """Add runs ``first_run`` onward: ``values`` is (quantity, week, run)."""
        self.data[:, :, first_run : first_run + values.shape[2]] = values

    def stats(self, q: int, percentiles) -> tuple[np.ndarray, np.ndarray]:
        """Mean (week,) and percentiles (percentile, week) of quantity ``q``."""
        step = max(1, (1 << 22) // max(self.data.shape[2], 1))
        means, pcts = [], []
        for w0 in range(0, self.data.shape[1], step):
            values = np.asarray(self.data[q, w0 : w0 + step], dtype=np.float64)
            means.append(values.mean(axis=1))
            pcts.append(np.percentile(values, percentiles, axis=1))
        return np.concatenate(means), np.concatenate(pcts, axis=1)

    @property
    def nbytes(self) -> int:
        return self.data.nbytes


class Binned:
    """Per-series histograms with fixed edges; memory depends on the series, not the runs."""

    def __init__(self, quantities: int, weeks: int, bins: int) -> None:
        self.shape, self.bins = (quantities, weeks), bins
        series = quantities * weeks
        self.half = math.asinh(LIMIT / SCALE)
        self.width = 2 * self.half / bins
        self.count = np.zeros(series * bins, dtype=np.int64)
        self.low = np.full(series * bins, np.inf, dtype=np.float32)
        self.high = np.full(series * bins, -np.inf, dtype=np.float32)
        self.sums = np.zeros(series * _EXPONENTS, dtype=np.int64)  # mantissas by exponent
        self.bad = np.zeros(series, dtype=np.int64)  # NaN or infinite values

    def add(self, first_run: int, values: np.ndarray) -> None:
        """Add a block of runs: ``values`` is (quantity, week, run); ``first_run`` unused."""
        values = np.asarray(values, dtype=np.float32)
        series = np.arange(values.shape[0] * values.shape[1]).reshape(*values.shape[:2], 1)
        ok = np.isfinite(values)
        self.bad += (~ok).sum(axis=2).reshape(-1)
        x, series = values[ok], np.broadcast_to(series, values.shape)[ok]
        key = series * self.bins + self.bin_of(x)
        self.count += np.bincount(key, minlength=self.count.size)
        np.minimum.at(self.low, key, x)
        np.maximum.at(self.high, key, x)
        mantissa, exponent = np.frexp(x)
        where = series * _EXPONENTS + (exponent.astype(np.int64) - _EMIN)
        # integers below 2**24 summed over a block: exact in float64
        whole = np.ldexp(mantissa.astype(np.float64), _MANTISSA)
        self.sums += np.bincount(where, whole, self.sums.size).astype(np.int64)

    def bin_of(self, x: np.ndarray) -> np.ndarray:
        """The bin of each value (see the module's docstring)."""
        u = (np.arcsinh(x.astype(np.float64) / SCALE) + self.half) / self.width
        return np.clip(np.floor(u), 0, self.bins - 1).astype(np.int64)

    def stats(self, q: int, percentiles) -> tuple[np.ndarray, np.ndarray]:
        """Mean (week,) and percentiles (percentile, week) of quantity ``q``."""
        weeks = self.shape[1]
        rows = slice(q * weeks, (q + 1) * weeks)
        count = self.count.reshape(-1, self.bins)[rows]
        low, high = self.low.reshape(-1, self.bins)[rows], self.high.reshape(-1, self.bins)[rows]
        n = count.sum(axis=1)
        sums = self.sums.reshape(-1, _EXPONENTS)[rows]
        scale = np.arange(_EXPONENTS) + _EMIN - _MANTISSA
        mean = np.array([math.fsum(math.ldexp(float(s), int(e)) for s, e in
                                   zip(row[row != 0], scale[row != 0], strict=True))
                         for row in sums]) / np.maximum(n, 1)  # fmt: skip
        cum = np.cumsum(count, axis=1)
        pcts = []
        for p in percentiles:
            h = (n - 1) * (p / 100)
            k = np.floor(h).astype(np.int64)
            below = _order(cum, count, low, high, k)
            above = _order(cum, count, low, high, np.minimum(k + 1, n - 1))
            pcts.append(below + (h - k) * (above - below))
        bad = (self.bad[rows] > 0) | (n == 0)
        pct = np.where(bad, np.nan, np.array(pcts))
        return np.where(bad, np.nan, mean), pct

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.count, self.low, self.high, self.sums, self.bad))


def _order(cum, count, low, high, rank) -> np.ndarray:
    """The ``rank``-th smallest value (0-based) of each row, as well as the bins tell."""
    rank = np.maximum(rank, 0)
    b = np.minimum((cum <= rank[:, None]).sum(axis=1), cum.shape[1] - 1)
    rows = np.arange(len(b))
    c, lo, hi = count[rows, b], low[rows, b].astype(np.float64), high[rows, b].astype(np.float64)
    within = rank - (cum[rows, b] - c)
    return lo + (hi - lo) * np.where(c > 1, within / np.maximum(c - 1, 1), 0.0)
