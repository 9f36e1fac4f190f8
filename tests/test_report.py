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


def test_headline_counts_blocks_as_they_come():
    h = Headline(["A", "B"], horizon=10)
    h.add({"first_approacher": np.array(["A", "none", "A"]),
           "first_approach_week": np.array([2.0, np.nan, 4.0]),
           "talks_week": np.array([5.0, np.nan, np.nan]),
           "deal_week": np.array([np.nan, np.nan, np.nan])})  # fmt: skip
    h.add({"first_approacher": np.array(["mutual"]), "first_approach_week": np.array([1.0]),
           "talks_week": np.array([3.0]), "deal_week": np.array([6.0])})  # fmt: skip
    assert h.runs == 4 and h.approacher == {"A": 2, "B": 0, "mutual": 1, "none": 1}
    assert h.medians() == {"approach": (2.0, 3), "talks": (4.0, 2), "deal": (6.0, 1)}
    assert dict((r[0], r[1]) for r in h.rows())["P(deal by horizon)"] == 0.25
