"""Exogenous events: what happens at a named week (or by chance), whatever anyone wants.

Each kind in :data:`EVENTS` has its parameters and a vectorised ``apply(world, i, j, hit,
**params)``: ``world`` is the model (its ``economy``, ``countries`` and ``relations``), ``i``
the acting country, ``j`` the partner (or None), and ``hit`` a boolean ``(R,)`` mask of the
runs in which the event happens (all of them for a scheduled event; those whose weekly draw
fell under the hazard for a random one). Parameters may be drawn per run, so they broadcast.
``apply`` may return the runs in which the event actually took effect (for the event log);
None means all of ``hit``.

Tariff events move the *headline* rate and bypass policies and truces, as an executive order
does; they are clipped to the country's [floor, cap] like any tariff. A raise during a truce
is owed at snap-back (docs/model.md). An event may carry a condition on its pair (``if:`` /
``unless:`` ``deal``, ``talks`` or ``truce``) and a ``deadline``: the model then treats it as a
threat, announced at ``week`` and carried out or withdrawn run by run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.pressure import Param


@dataclass(frozen=True)
class EventKind:
    apply: Callable[..., None]
    params: dict[str, Param]
    needs_partner: bool
    doc: str


def _per_run(value, hit: np.ndarray) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=float), hit.shape)


def set_tariff(world, i: int, j: int, hit, value) -> None:
    """Country ``i`` sets its headline tariff on goods from ``j`` to ``value`` percent."""
    tariff = world.economy.headline
    tariff[:, i, j] = np.where(hit, _per_run(value, hit), tariff[:, i, j])


def raise_tariff(world, i: int, j: int, hit, points) -> None:
    """Country ``i`` raises its headline tariff on goods from ``j`` by ``points`` (negative:
    cuts)."""
    world.economy.headline[:, i, j] += np.where(hit, _per_run(points, hit), 0.0)


def exemptions(world, i: int, j: int, hit, share) -> None:
    """Country ``i`` exempts the fraction ``share`` of its imports from ``j`` (the exempt share
    becomes ``share``; the headline rate stays).

    As on 11 April 2025, when the US exempted smartphones, computers and chips (~22% of
    imports from China): the effective rate falls by that share.
    """
    exempt = world.economy.exempt
    exempt[:, i, j] = np.where(hit, _per_run(share, hit), exempt[:, i, j])


def threatened_points(world, ev, i: int, j: int) -> np.ndarray:
    """Headline points a tariff event would add to ``i``'s tariff on ``j`` today, ``(R,)``
    (0 for other kinds): what a threat puts at stake."""
    now = world.economy.headline[:, i, j]
    if ev.kind == "set_tariff":
        return np.maximum(_per_run(ev.params["value"], now) - now, 0.0)
    if ev.kind == "raise_tariff":
        return np.maximum(_per_run(ev.params["points"], now), 0.0)
    return np.zeros_like(now)


def market_shock(world, i: int, j: int | None, hit, size) -> None:
    """Country ``i``'s market index jumps by the fraction ``size`` (-0.08 = an 8% fall)."""
    e = world.economy
    e.log_index[:, i] += np.where(hit, np.log1p(_per_run(size, hit)), 0.0)
    np.maximum(e.peak, e.log_index, out=e.peak)  # a rally to a new high is no drawdown


def export_controls(world, i: int, j: int, hit, weeks) -> None:
    """Country ``i`` restricts exports to ``j``: ``j`` loses ``weeks`` of inventory cover.

    A supply-chain shock, as China's rare-earth export controls of 4 April 2025.
    """
    cover = world.economy.cover
    cover[:, j] = np.maximum(cover[:, j] - np.where(hit, _per_run(weeks, hit), 0.0), 0.0)


def resolve_change(world, i: int, j: int | None, hit, delta) -> None:
    """Country ``i``'s resolve moves by ``delta`` (a rally round the flag, an election)."""
    world.countries[i].shift_resolve(np.where(hit, _per_run(delta, hit), 0.0))


def forced_talks(world, i: int, j: int, hit) -> np.ndarray:
    """Talks between ``i`` and ``j`` are scheduled from outside (a summit, a mediator), in
    the runs where the pair is in conflict; returns those runs."""
    return world.relations.force_talks(i, j, hit, world.week)


EVENTS: dict[str, EventKind] = {
    "set_tariff": EventKind(
        set_tariff, {"value": Param(None, 0.0, 10_000.0)}, True, set_tariff.__doc__
    ),
    "raise_tariff": EventKind(
        raise_tariff, {"points": Param(None, -10_000.0, 10_000.0)}, True, raise_tariff.__doc__
    ),
    "exemptions": EventKind(exemptions, {"share": Param(None, 0.0, 1.0)}, True, exemptions.__doc__),
    "market_shock": EventKind(
        market_shock, {"size": Param(None, -0.99, 10.0)}, False, market_shock.__doc__
    ),
    "export_controls": EventKind(
        export_controls, {"weeks": Param(None, 0.0, 520.0)}, True, export_controls.__doc__
    ),
    "resolve_change": EventKind(
        resolve_change, {"delta": Param(None, -100.0, 100.0)}, False, resolve_change.__doc__
    ),
    "forced_talks": EventKind(forced_talks, {}, True, forced_talks.__doc__),
}
