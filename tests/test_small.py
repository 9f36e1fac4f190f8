"""The reductions over the short country axis are bit-identical to numpy's."""

import numpy as np
import pytest

from sim.small import count, largest, pairs_count, total


@pytest.mark.parametrize("n", [1, 2, 3, 5])
@pytest.mark.parametrize("axis", [1, 2])
def test_total_count_largest_match_numpy(n, axis):
    rng = np.random.default_rng(n)
    x = rng.standard_normal((200, n, n)) * 10.0 ** rng.integers(-8, 8, (200, n, n))
    x[0] = -0.0  # a sum of negative zeros is +0.0 in numpy
    mask = x > 0
    assert total(x, axis).tobytes() == x.sum(axis=axis).tobytes()
    assert np.array_equal(count(mask, axis), mask.sum(axis=axis))
    assert np.array_equal(largest(x, axis), x.max(axis=axis))
    assert np.array_equal(pairs_count(mask), mask.sum(axis=(1, 2)))
