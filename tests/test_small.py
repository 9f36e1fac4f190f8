"""The reductions over the short country axis are bit-identical to numpy's."""

import numpy as np
import pytest

from sim.small import (
    count,
    either,
    first_true,
    largest,
    pairs_any,
    pairs_count,
    row,
    rows,
    swapped,
    total,
)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_total_count_largest_match_numpy(n, axis):
    rng = np.random.default_rng(n)
    x = rng.standard_normal((200, n, n)) * 10.0 ** rng.integers(-8, 8, (200, n, n))
    x[0] = -0.0  # a sum of negative zeros is +0.0 in numpy
    if axis == 0:  # the short axis first, as in the agents' (channel, partner, run) arrays
        x = np.ascontiguousarray(x.transpose(1, 2, 0))
    mask = x > 0
    assert total(x, axis).tobytes() == x.sum(axis=axis).tobytes()
    assert np.array_equal(count(mask, axis), mask.sum(axis=axis))
    assert count(mask, axis).dtype == mask.sum(axis=axis).dtype
    assert largest(x, axis).tobytes() == x.max(axis=axis).tobytes()
    assert either(mask, axis).tobytes() == mask.any(axis=axis).tobytes()
    flat = x[:, 0, :]  # two-dimensional, reduced over its short axis
    short = 0 if axis == 0 else 1
    assert total(flat, short).tobytes() == flat.sum(axis=short).tobytes()
    assert largest(flat, short).tobytes() == flat.max(axis=short).tobytes()
    assert np.array_equal(pairs_count(mask), mask.sum(axis=(1, 2)))


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_layout_helpers_match_numpy(n):
    rng = np.random.default_rng(n)
    x = rng.standard_normal((50, n, n))
    mask = x > 0.5
    mask[:5] = False  # runs where nothing is true
    assert np.array_equal(either(mask, 2), mask.any(axis=2))
    assert np.array_equal(either(mask, 1), mask.any(axis=1))
    assert np.array_equal(pairs_any(mask), mask.any(axis=(1, 2)))
    for a in (x, mask):
        assert np.array_equal(swapped(a), a.transpose(0, 2, 1))
        assert swapped(a).flags.c_contiguous and swapped(a).dtype == a.dtype
        assert np.array_equal(rows([a[:, i, :] for i in range(n)]), a)
        assert np.array_equal(row(a, n - 1), a[:, n - 1, :])
        assert np.array_equal(row(a, 0, runs_last=True), a[:, 0, :].T)
        assert row(a, 0, runs_last=True).flags.c_contiguous
    assert np.array_equal(first_true(mask[:, 0, :]), mask[:, 0, :].argmax(axis=1))
    assert rows([mask[:, i, :] for i in range(n)]).dtype == np.bool_


def test_bounded_contribution_matches_nan_to_num_then_clip():
    from sim.agents import _bounded
    from sim.pressure import BIG

    x = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e300, -1e300, 3.5, -2.0, 1e6, 1e6 + 1])
    assert _bounded(x).tobytes() == np.clip(np.nan_to_num(x, nan=0.0), -BIG, BIG).tobytes()
