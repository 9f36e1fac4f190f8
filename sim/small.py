"""Array operations over the few countries or channels of a block, one numpy call per element
of the short axes instead of one call over the whole array.

numpy is slow on ``(R, N, N)`` arrays whenever the innermost loop it can find is the short
country axis: reductions over it, a row ``x[:, i, :]`` combined with anything, or a
transposed view combined with an untransposed one all run an inner loop of length N = 2 per
run (measured 10-30x slower than the same number of elements in one stride at R = 5,000).
A slice ``x[:, i, j]`` is one long stride, so these helpers work element by element of the
short axes.

The order of the additions is numpy's own (0.0, then each element in turn), so results are
bit-identical to ``x.sum(axis)``, signed zeros included (tests/test_small.py checks every
helper against the numpy expression it replaces).
"""

from __future__ import annotations

import numpy as np


def _parts(x: np.ndarray, axis: int) -> list[np.ndarray]:
    """The slices of ``x`` along ``axis``, as views (cheaper than ``np.moveaxis`` here)."""
    head = (slice(None),) * axis
    return [x[(*head, k)] for k in range(x.shape[axis])]


def _reduce(x: np.ndarray, axis: int, start, op) -> np.ndarray:
    """Fold the slices of ``x`` along ``axis`` in order: ``start(first)``, then
    ``op(out, part, out=out)`` for each further part (numpy's own order).

    An ``(R, N, M)`` array reduced over axis 1 goes one column ``[:, :, j]`` at a time: the
    rows ``x[:, k, :]`` it would combine otherwise are the slow layout.
    """
    if x.ndim == 3 and axis == 1:
        columns = [_reduce(x[:, :, j], 1, start, op) for j in range(x.shape[2])]
        out = np.empty((x.shape[0], x.shape[2]), dtype=columns[0].dtype)
        for j, column in enumerate(columns):
            out[:, j] = column
        return out
    parts = _parts(x, axis)
    out = start(parts[0])
    for part in parts[1:]:
        op(out, part, out=out)
    return out


def total(x: np.ndarray, axis: int) -> np.ndarray:
    """``x.sum(axis)`` for a float array, in the same rounding."""
    # as numpy does: -0.0 + 0.0 is 0.0
    return _reduce(x, axis, lambda first: first + 0.0, np.add)


def count(mask: np.ndarray, axis: int) -> np.ndarray:
    """``mask.sum(axis)`` for a boolean array: how many are true, as integers."""
    return _reduce(mask, axis, lambda first: first.astype(np.int64), np.add)


def largest(x: np.ndarray, axis: int) -> np.ndarray:
    """``x.max(axis)``."""
    return _reduce(x, axis, lambda first: first.copy(), np.maximum)


def either(mask: np.ndarray, axis: int) -> np.ndarray:
    """``mask.any(axis)``."""
    return _reduce(mask, axis, lambda first: first.copy(), np.bitwise_or)


def pairs_count(mask: np.ndarray) -> np.ndarray:
    """``mask.sum(axis=(1, 2))`` of an ``(R, N, N)`` boolean array."""
    return count(np.reshape(mask, (len(mask), -1)), 1)


def pairs_any(mask: np.ndarray) -> np.ndarray:
    """``mask.any(axis=(1, 2))`` of an ``(R, N, N)`` boolean array."""
    return either(np.reshape(mask, (len(mask), -1)), 1)


def swapped(x: np.ndarray) -> np.ndarray:
    """``x.transpose(0, 2, 1)`` of an ``(R, N, N)`` array, as a new C-ordered array."""
    out = np.empty(x.shape, dtype=x.dtype)
    for i in range(x.shape[1]):
        for j in range(x.shape[2]):
            out[:, i, j] = x[:, j, i]
    return out


def rows(parts) -> np.ndarray:
    """``np.stack(parts, axis=1)`` of ``(R, M)`` arrays: part ``i`` is row ``[:, i, :]``."""
    parts = [np.asarray(p) for p in parts]
    out = np.empty((len(parts[0]), len(parts), parts[0].shape[1]), dtype=np.result_type(*parts))
    for i, part in enumerate(parts):
        for j in range(part.shape[1]):
            out[:, i, j] = part[:, j]
    return out


def row(x: np.ndarray, i: int, runs_last: bool = False) -> np.ndarray:
    """``x[:, i, :]`` as a new C-ordered ``(R, M)`` array (fast to compute with); with
    ``runs_last``, ``x[:, i, :].T`` as a new C-ordered ``(M, R)`` array."""
    R, M = x.shape[0], x.shape[2]
    out = np.empty((M, R) if runs_last else (R, M), dtype=x.dtype)
    columns = out.T if runs_last else out  # an (R, M) view either way
    for j in range(M):
        columns[:, j] = x[:, i, j]
    return out


def first_true(mask: np.ndarray) -> np.ndarray:
    """``mask.argmax(axis=1)`` of an ``(R, M)`` boolean array: the first true column (0 if
    none)."""
    out = np.zeros(len(mask), dtype=np.intp)
    for k in range(mask.shape[1] - 1, -1, -1):
        out[mask[:, k]] = k
    return out
