"""Reductions over the few countries or channels of a block: one numpy call per element of
the short axis instead of numpy's reduction, which is slow on an axis of length 2 or 3.

The order of the additions is numpy's own (0.0, then each element in turn), so results are
bit-identical to ``x.sum(axis)``, signed zeros included (tests/test_small.py checks it).
"""

from __future__ import annotations

import numpy as np


def _parts(x: np.ndarray, axis: int) -> list[np.ndarray]:
    """The slices of ``x`` along ``axis``, as views (cheaper than ``np.moveaxis`` here)."""
    head = (slice(None),) * axis
    return [x[(*head, k)] for k in range(x.shape[axis])]


def total(x: np.ndarray, axis: int) -> np.ndarray:
    """``x.sum(axis)`` for a float array, in the same rounding."""
    parts = _parts(x, axis)
    out = parts[0] + 0.0  # as numpy does: -0.0 + 0.0 is 0.0
    for part in parts[1:]:
        out += part
    return out


def count(mask: np.ndarray, axis: int) -> np.ndarray:
    """``mask.sum(axis)`` for a boolean array: how many are true, as integers."""
    parts = _parts(mask, axis)
    out = parts[0].astype(np.int64)
    for part in parts[1:]:
        out += part
    return out


def largest(x: np.ndarray, axis: int) -> np.ndarray:
    """``x.max(axis)``."""
    parts = _parts(x, axis)
    out = parts[0].copy()
    for part in parts[1:]:
        np.maximum(out, part, out=out)
    return out


def pairs_count(mask: np.ndarray) -> np.ndarray:
    """``mask.sum(axis=(1, 2))`` of an ``(R, N, N)`` boolean array."""
    return count(np.reshape(mask, (len(mask), -1)), 1)
