"""The economy every pressure reads: trade flows, prices, inventories and a market index.

All state is numpy arrays over the block's replicates: ``(R, N)`` per country and ``(R, N, N)``
per ordered pair, where ``[r, i, j]`` is what country ``i`` does to or gets from partner ``j``
(tariff levied by ``i`` on goods from ``j``; imports of ``i`` from ``j``). The rules are
deterministic except the market index, cheap enough to run 10^7 times.

Tariffs are the headline *additional* ad valorem rates in percent; imports are the pre-war
annual flows (USD bn) observed at zero additional tariff.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from sim.small import total


@dataclass(frozen=True)
class Structure:
    """Per-country economic parameters, broadcast to ``(R, N)`` (pairs: ``(R, N, N)``)."""

    gdp: np.ndarray
    imports0: np.ndarray  # (R, N, N) pre-war imports of i from j, USD bn / year
    elasticity: np.ndarray
    adjustment: np.ndarray
    pass_through: np.ndarray
    inventory_weeks: np.ndarray
    restock: np.ndarray
    volatility: np.ndarray
    drift: np.ndarray
    trade_sensitivity: np.ndarray
    news_sensitivity: np.ndarray

    # Pre-war trade totals, read every week: summed once. (A frozen dataclass still lets
    # cached_property store its value.)
    @functools.cached_property
    def normal_imports(self) -> np.ndarray:
        """(R, N) pre-war imports of each country from all partners."""
        return total(self.imports0, 2)

    @functools.cached_property
    def normal_exports(self) -> np.ndarray:
        """(R, N) pre-war exports of each country to all partners."""
        return total(self.imports0, 1)


@dataclass
class Economy:
    """Mutable economic state of a block of replicates."""

    imports: np.ndarray  # (R, N, N) current annualised imports of i from j
    cover: np.ndarray  # (R, N) weeks of normal imports held in inventory
    log_index: np.ndarray  # (R, N) log of the market index (pre-war peak = 0)
    peak: np.ndarray  # (R, N) running maximum of log_index
    price_rise: np.ndarray  # (R, N) consumer price rise from tariffs, percent
    weeks_in_conflict: np.ndarray  # (R, N) weeks with at least one relationship not in truce
    tariff: np.ndarray  # (R, N, N) effective percent levied by i on goods from j
    headline: np.ndarray  # (R, N, N) the announced rate, percent
    exempt: np.ndarray  # (R, N, N) share of i's imports from j exempt from it, 0-1
    tariff_last: np.ndarray  # (R, N, N) tariffs when the economy last advanced (for news)
    max_drawdown: np.ndarray  # (R, N)
    import_loss: np.ndarray  # (R, N) cumulative imports lost against the pre-war flow, USD bn
    export_loss: np.ndarray  # (R, N) cumulative exports lost, USD bn

    @classmethod
    def start(cls, s: Structure, headline: np.ndarray, exempt: np.ndarray,
              initial_drawdown: np.ndarray) -> Economy:  # fmt: skip
        tariff = effective(headline, exempt)
        log0 = np.log1p(-initial_drawdown)
        zeros = np.zeros_like(s.gdp)
        econ = cls(
            imports=s.imports0.copy(),
            cover=s.inventory_weeks.copy(),
            log_index=log0,
            peak=zeros.copy(),
            price_rise=zeros.copy(),
            weeks_in_conflict=zeros.copy(),
            tariff=tariff.copy(),
            headline=headline.copy(),
            exempt=exempt.copy(),
            tariff_last=tariff.copy(),
            max_drawdown=initial_drawdown.copy(),
            import_loss=zeros.copy(),
            export_loss=zeros.copy(),
        )
        econ.price_rise = consumer_price_rise(s, tariff)
        return econ

    def set_rates(self, headline: np.ndarray, exempt: np.ndarray) -> None:
        """New headline rates and exempt shares; the effective rate follows."""
        self.headline, self.exempt = headline, exempt
        self.tariff = effective(headline, exempt)

    def drawdown(self) -> np.ndarray:
        return -np.expm1(self.log_index - self.peak)


def effective(headline: np.ndarray, exempt: np.ndarray) -> np.ndarray:
    """The rate the economy sees: ``headline x (1 - exempt)``, percent."""
    return headline * (1.0 - exempt)


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """part / whole, and 0 where there is nothing to lose (a country with no trade)."""
    return np.divide(part, whole, out=np.zeros_like(part), where=whole > 0)


def consumer_price_rise(s: Structure, tariff: np.ndarray) -> np.ndarray:
    """Percent rise in consumer prices: pass-through x tariff x import share of GDP.

    The basket weight is the pre-war import share (a Laspeyres index), so substitution away
    from tariffed goods does not hide the rise. Retail pass-through of the 2025 tariffs was
    about 20% in the first months (Cavallo et al. 2025).
    """
    weighted = total(tariff / 100.0 * s.imports0, 2)
    return 100.0 * s.pass_through * _share(weighted, s.gdp)


def import_target(s: Structure, tariff: np.ndarray) -> np.ndarray:
    """Constant-elasticity import demand ``M0 (1 + tau/100)^-eps`` (Armington 1969)."""
    return s.imports0 * np.power(1.0 + tariff / 100.0, -s.elasticity[:, :, None])


def advance(e: Economy, s: Structure, shock: np.ndarray) -> None:
    """Move the economy one week under its current tariffs; ``shock`` is standard normal (R, N).

    Market news is the week's tariff change on and by each country: escalation moves the index
    down, de-escalation up (the S&P 500 rose 3.3% on 12 May 2025 when both sides cut 115 points).
    """
    tariff = e.tariff
    change = tariff - e.tariff_last
    moved = total(change, 2) + total(change, 1)
    e.tariff_last = tariff.copy()
    e.imports += s.adjustment[:, :, None] * (import_target(s, tariff) - e.imports)
    e.price_rise = consumer_price_rise(s, tariff)
    normal = s.normal_imports
    supply = np.where(normal > 0, _share(total(e.imports, 2), normal), 1.0)
    refill = s.restock * supply * (s.inventory_weeks - e.cover)
    e.cover = np.clip(e.cover - (1.0 - supply) + refill, 0.0, s.inventory_weeks)
    gap = s.imports0 - e.imports
    gap_imports, gap_exports = total(gap, 2), total(gap, 1)
    e.import_loss += gap_imports / 52.0
    e.export_loss += gap_exports / 52.0
    lost = gap_imports + gap_exports
    drift = s.drift - s.trade_sensitivity * 100.0 * _share(lost, s.gdp)
    e.log_index += drift + s.volatility * shock - s.news_sensitivity * moved / 100.0
    np.maximum(e.peak, e.log_index, out=e.peak)
    np.maximum(e.max_drawdown, e.drawdown(), out=e.max_drawdown)


def _loss_share(current: np.ndarray, normal: np.ndarray) -> np.ndarray:
    return _share(normal - current, normal)


INDICATORS: dict[str, Callable[[Economy, Structure], np.ndarray]] = {
    "market_drawdown": lambda e, s: e.drawdown(),
    "consumer_price_rise": lambda e, s: e.price_rise,
    "inventory_depletion": lambda e, s: 1.0 - _share(e.cover, s.inventory_weeks),
    "import_loss_share": lambda e, s: _loss_share(total(e.imports, 2), s.normal_imports),
    "export_loss_share": lambda e, s: _loss_share(total(e.imports, 1), s.normal_exports),
    "export_loss_gdp": lambda e, s: 100.0 * _share(total(s.imports0 - e.imports, 1), s.gdp),
    "import_loss_gdp": lambda e, s: 100.0 * _share(total(s.imports0 - e.imports, 2), s.gdp),
    "weeks_in_conflict": lambda e, s: e.weeks_in_conflict,
    "partner_tariff": lambda e, s: _share(total(e.tariff * s.imports0, 1), s.normal_exports),
}
"""Named indicators, each ``(R, N)``: what a pressure channel may read (units in docs/model.md).

``partner_tariff`` is the export-weighted tariff others levy on this country's goods.
"""


def observe(e: Economy, s: Structure, names: Iterable[str] | None = None) -> dict[str, np.ndarray]:
    """The indicators ``names`` (default: every one), computed once per week so all countries
    see the same observation."""
    return {name: INDICATORS[name](e, s) for name in (INDICATORS if names is None else names)}
