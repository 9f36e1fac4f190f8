"""Shared fixtures: paths to shipped scenarios and a small two-country scenario text."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

SMALL = """\
name: small
start_date: 2025-04-12
horizon: 20
runs: 200
seed: 7
block_size: 64
countries:
  A: &c
    gdp: 10000
    imports: {B: 300}
    tariff: {B: 100}
    cap: 200
    elasticity: {dist: uniform, low: 2.5, high: 5.0}
    market: {initial_drawdown: 0.05, volatility: 0.03}
    resolve: {dist: beta, a: 2, b: 2, scale: 0.6}
    face_cost: 0.15
    policy: {kind: pressure_relief, match: 1.0, match_cuts: 0.5, cap: 200, min_tariff: 60}
    pressures:
      markets: {input: market_drawdown, form: logistic, midpoint: 0.1, steepness: 20, weight: 0.4}
      prices: {input: consumer_price_rise, form: linear, slope: 0.3, weight: 1.0}
      exports: {input: export_loss_gdp, form: hill, half: 1.5, n: 2, weight: 0.4}
  B:
    <<: *c
    imports: {A: 300}
    tariff: {A: 100}
negotiation: {talks_lag: 1, cut: 80, truce_weeks: 6, max_talks_weeks: 4}
"""


# A two-country scenario close to the founding situation, for loading and CLI-error tests.
MINI = """\
name: mini
start_date: 2025-04-12
horizon: 52
runs: 1000
seed: 1
countries:
  US:
    gdp: 29200
    imports: {CN: 438.9}
    tariff: {CN: 145}
    cap: 245
    elasticity: {dist: uniform, low: 2.5, high: 5}
    resolve: {dist: beta, a: 4, b: 4}
    face_cost: 0.1
    market: {initial_drawdown: 0.11, volatility: 0.04}
    policy: {kind: pressure_relief, match: 1, cap: 245}
    pressures:
      markets: {input: market_drawdown, form: logistic, midpoint: 0.15, steepness: 20, weight: 0.5}
      prices: {input: consumer_price_rise, form: linear, slope: 0.5, weight: 1}
      inventory: {input: inventory_depletion, form: hill, half: 0.5, n: 2, weight: 0.3}
  CN:
    gdp: 18700
    imports: {US: 143.5}
    tariff: {US: 125}
    cap: 125
    resolve: {dist: beta, a: 5, b: 4}
    face_cost: 0.2
    policy: {kind: pressure_relief, match: 1, cap: 125}
    pressures:
      exports: {input: export_loss_gdp, form: hill, half: 1.5, n: 2, weight: 0.6}
      markets: {input: market_drawdown, form: logistic, midpoint: 0.15, steepness: 20, weight: 0.3}
negotiation: {cut: 115, truce_weeks: 13}
"""


@pytest.fixture
def small_path(tmp_path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.fixture
def ctrl_c_at_block(monkeypatch):
    """``ctrl_c_at_block(k)`` makes the runner's block k raise KeyboardInterrupt (as a Ctrl-C
    there would) until ``ctrl_c_at_block(None)`` puts the real block function back."""
    from sim import runner

    real = runner._guarded

    def arm(stop: int | None) -> None:
        def stopping(scenario, block, detail=True):
            if block == stop:
                raise KeyboardInterrupt
            return real(scenario, block, detail)

        monkeypatch.setattr(runner, "_guarded", real if stop is None else stopping)

    return arm
