"""Walk every registry: each named function is vectorised, finite and does what it says."""

import dataclasses

import numpy as np
import pytest
from conftest import SMALL

from sim import negotiation, policies, pressure
from sim.events import EVENTS
from sim.model import TradeWarModel
from sim.policies import POLICIES, TariffView
from sim.pressure import FORMS
from sim.scenario import load_text

X = np.linspace(0.0, 3.0, 301)


def defaults(params: dict, **required) -> dict:
    return {k: (p.default if p.default is not None else required[k]) for k, p in params.items()}


FORM_ARGS = {
    "linear": {"slope": 0.5}, "logistic": {"midpoint": 1.0, "steepness": 4.0},
    "hill": {"half": 1.0}, "exponential": {"rate": 2.0}, "power": {},
    "threshold": {"level": 1.0},
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(FORMS))
def test_every_form_is_vectorised_finite_and_non_decreasing(name):
    assert name in FORM_ARGS, "a new form needs arguments here"
    params = defaults(FORMS[name].params, **FORM_ARGS[name])
    y = pressure.evaluate(name, X, params)
    assert y.shape == X.shape and np.all(np.isfinite(y))
    assert np.all(np.diff(y) >= -1e-12)
    # parameters drawn per run broadcast over replicates
    per_run = {k: np.full(X.shape, v) for k, v in params.items()}
    assert np.allclose(pressure.evaluate(name, X, per_run), y)


def test_form_closed_forms():
    assert np.isclose(pressure.logistic(1.0, 1.0, 7.0), 0.5)
    assert np.isclose(pressure.hill(2.0, 2.0, 3.0), 0.5)
    assert np.isclose(pressure.exponential(np.log(2) / 3.0, 3.0), 0.5)
    assert pressure.threshold(0.99, 1.0, 0.7) == 0.0 and pressure.threshold(1.0, 1.0, 0.7) == 0.7
    assert np.isclose(pressure.power(2.0, 0.5, 2.0), 2.0)


def view(partner_move, anxiety=0.0, resolve=1.0):
    r = len(partner_move)
    return TariffView(
        tariff=np.column_stack([np.zeros(r), np.full(r, 100.0)]), exempt=np.zeros((r, 2)),
        partner_move=np.column_stack([np.zeros(r), partner_move]),
        anxiety=np.full(r, anxiety), resolve=np.full(r, resolve),
    )  # fmt: skip


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_every_policy_keeps_tariffs_when_nothing_happens(name):
    params = defaults(POLICIES[name].params)
    out, exempt = policies.propose(name, view(np.zeros(4)), params)
    assert out.shape == (4, 2) and np.allclose(out[:, 1], 100.0) and np.all(exempt == 0.0)


def test_tit_for_tat_answers_raises_and_cuts_and_respects_its_cap():
    params = {"match": 1.0, "match_cuts": 0.5, "cap": 125.0}
    out, _ = policies.propose("tit_for_tat", view(np.array([10.0, 50.0, -20.0])), params)
    assert np.allclose(out[:, 1], [110.0, 125.0, 90.0])


def test_pressure_relief_widens_exemptions_only_when_anxiety_exceeds_resolve():
    params = {"match": 1.0, "match_cuts": 1.0, "cap": 200.0, "relief": 0.5, "min_tariff": 60.0,
              "max_exempt": 0.5}  # fmt: skip
    calm = policies.propose("pressure_relief", view(np.zeros(2), 0.2, 0.5), params)
    anxious = policies.propose("pressure_relief", view(np.zeros(2), 0.8, 0.5), params)
    # the headline stays; exemptions widen half-way to 1 - 60/100 (min_tariff binds before 0.5)
    assert np.allclose(calm[0][:, 1], 100.0) and np.allclose(anxious[0][:, 1], 100.0)
    assert np.allclose(calm[1][:, 1], 0.0) and np.allclose(anxious[1][:, 1], 0.2)


def test_pressure_relief_never_exempts_more_than_its_cap():
    params = {"match": 1.0, "match_cuts": 1.0, "cap": 200.0, "relief": 1.0, "min_tariff": 0.0,
              "max_exempt": 0.3}  # fmt: skip
    v = view(np.zeros(2), 0.8, 0.5)
    for _ in range(5):
        headline, exempt = policies.propose("pressure_relief", v, params)
        v = dataclasses.replace(v, tariff=headline, exempt=exempt)
    assert np.allclose(exempt[:, 1], 0.3)


def test_deal_probability_rises_with_joint_anxiety():
    p = negotiation.deal_probability(np.array([0.0, 0.2, 0.5]), np.array([0.0, 0.2, 0.5]), 1.0)
    assert p[0] == 0.0 and p[1] < p[2] < 1.0


def per_run_state(model) -> np.ndarray:
    """Everything an event may touch, one row per run."""
    e, r = model.economy, model.R
    parts = [e.headline, e.exempt, e.log_index, e.cover, model.countries[0].resolve[:, None],
             model.relations.status.astype(float)]  # fmt: skip
    return np.concatenate([np.reshape(p, (r, -1)) for p in parts], axis=1)


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_every_event_kind_acts_only_in_the_runs_it_hits(name):
    model = TradeWarModel(load_text(SMALL, "s.yaml"), 4, 0)
    model.economy.cover[:] = 4.0  # room for a supply shock to show
    before = per_run_state(model)
    params = {k: -0.1 if k == "size" else 0.5 if k == "share" else 20.0
              for k in EVENTS[name].params}  # fmt: skip
    EVENTS[name].apply(model, 0, 1, np.array([True, False, True, False]), **params)
    changed = (per_run_state(model) != before).any(axis=1)
    assert changed.tolist() == [True, False, True, False]
