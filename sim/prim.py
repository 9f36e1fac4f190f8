"""PRIM, the patient rule induction method (Friedman and Fisher 1999), for scenario discovery.

Given parameter values ``x`` (n, d) and a boolean outcome ``y``, PRIM peels a box: at each step
it removes, from one side of one parameter, the ``alpha`` share of the points still inside
(or, for a parameter with few distinct values, its lowest or highest value), choosing the peel
that leaves the highest share of ``y`` (the density) inside; it stops when the box would hold
fewer than ``min_support`` of all points. The trajectory of boxes trades coverage (the share of
all ``y`` cases inside) for density. Pasting is not done (it rarely changes the box).

No maintained PRIM implementation fits the install: EMA workbench pulls in a large stack, and
the PyPI ``prim`` package is unmaintained; this follows the paper, and a test checks that it
finds a planted box.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FEW = 8  # a parameter with at most this many distinct values is peeled value by value


@dataclass
class Box:
    low: np.ndarray  # per parameter; -inf where not restricted
    high: np.ndarray  # per parameter; +inf where not restricted
    coverage: float
    density: float
    support: float  # share of all points inside

    def restricted(self, x: np.ndarray) -> list[int]:
        """The parameters the box cuts (its bounds lie inside the data's range)."""
        return [k for k in range(len(self.low))
                if self.low[k] > x[:, k].min() or self.high[k] < x[:, k].max()]  # fmt: skip


def peel(x: np.ndarray, y: np.ndarray, alpha: float = 0.05,
         min_support: float = 0.05) -> list[Box]:  # fmt: skip
    """The peeling trajectory, from the whole space to the last box with enough support."""
    x, y = np.asarray(x, float), np.asarray(y, bool)
    n, d = x.shape
    total = max(int(y.sum()), 1)
    inside = np.ones(n, bool)
    low, high = x.min(axis=0), x.max(axis=0)
    boxes = [Box(low.copy(), high.copy(), float(y.sum()) / total, float(y.mean()), 1.0)]
    while True:
        best = None
        for k in range(d):
            for side in ("low", "high"):
                cut = _candidate(x[inside, k], side, alpha)
                if cut is None:
                    continue
                keep = inside & (x[:, k] >= cut if side == "low" else x[:, k] <= cut)
                if keep.sum() < min_support * n or keep.sum() == inside.sum():
                    continue
                density = y[keep].mean()
                if best is None or density > best[0] + 1e-12:
                    best = (density, k, side, cut, keep)
        if best is None:
            return boxes
        density, k, side, cut, inside = best
        if side == "low":
            low = low.copy()
            low[k] = cut
        else:
            high = high.copy()
            high[k] = cut
        boxes.append(Box(low.copy(), high.copy(), float(y[inside].sum()) / total,
                         float(density), float(inside.mean())))  # fmt: skip


def _candidate(values: np.ndarray, side: str, alpha: float):
    """The new bound after peeling ``alpha`` of ``values`` from ``side`` (None: cannot)."""
    distinct = np.unique(values)
    if len(distinct) < 2:
        return None
    if len(distinct) <= FEW:  # drop the edge value
        return distinct[1] if side == "low" else distinct[-2]
    q = np.quantile(values, alpha if side == "low" else 1 - alpha)
    inner = values[values > q] if side == "low" else values[values < q]
    if len(inner) == 0:
        return None
    return inner.min() if side == "low" else inner.max()


def chosen(boxes: list[Box], min_coverage: float = 0.5) -> Box:
    """The densest box on the trajectory that still covers ``min_coverage`` of the cases."""
    ok = [b for b in boxes if b.coverage >= min_coverage] or boxes[:1]
    return max(ok, key=lambda b: (b.density, b.coverage))
