"""The printed headline: exact medians from week histograms, Wilson intervals."""

import numpy as np

from sim.report import Headline, median_of_counts, wilson


def test_median_of_counts_matches_numpy():
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 10, 11, 1000):
        values = rng.integers(0, 30, n)
        assert median_of_counts(np.bincount(values, minlength=30)) == np.median(values)
    assert np.isnan(median_of_counts(np.zeros(5, dtype=int)))


def test_wilson_interval_closed_form():
    z2 = 1.959963984540054**2
    p, low, high = wilson(0, 10)
    assert p == 0 and low == 0 and np.isclose(high, z2 / (10 + z2))
    p, low, high = wilson(5, 10)
    assert low < p == 0.5 < high and np.isclose(0.5 - low, high - 0.5)


def outcomes(approacher, approach, talks, deal, channel, leaks_a):
    n = len(approacher)
    zeros = np.zeros(n)
    out = {"first_approacher": np.array(approacher), "first_approach_week": np.array(approach),
           "talks_week": np.array(talks), "deal_week": np.array(deal),
           "first_approach_channel": np.array(channel), "leaks_A": np.array(leaks_a)}  # fmt: skip
    for key in ("approaches_A", "approaches_B", "leaks_B", "denials_A", "denials_B", "deals",
                "renewals", "snapbacks", "collapses"):  # fmt: skip
        out[key] = zeros
    return out


def test_headline_counts_blocks_as_they_come():
    nan = np.nan
    h = Headline(["A", "B"], horizon=10)
    h.add(outcomes(["A", "none", "A"], [2.0, nan, 4.0], [5.0, nan, nan], [nan, nan, nan],
                   ["private", "", "public"], [1.0, 0.0, 2.0]))  # fmt: skip
    h.add(outcomes(["mutual"], [1.0], [3.0], [6.0], [""], [3.0]))
    assert h.runs == 4 and h.approacher == {"A": 2, "B": 0, "mutual": 1, "none": 1}
    assert h.medians() == {"approach": (2.0, 3), "talks": (4.0, 2), "deal": (6.0, 1)}
    rows = {r[0]: r[1] for r in h.rows()}
    assert rows["P(deal by horizon)"] == 0.25 and rows["P(first approach via private)"] == 0.25
    means = {m[0]: m[1:] for m in h.means()}
    values = np.array([1.0, 0.0, 2.0, 3.0])
    half = 1.959963984540054 * values.std(ddof=1) / 2
    assert np.allclose(means["leaks_A"], (1.5, 1.5 - half, 1.5 + half))
