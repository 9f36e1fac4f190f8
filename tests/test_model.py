"""The model's invariants, closed forms and directional properties."""

import dataclasses

import numpy as np
import pytest
from conftest import SCENARIOS, SMALL

from sim import economy
from sim.agents import CountryAgent
from sim.model import PAIR_DRAWS, TradeWarModel
from sim.negotiation import STATUSES
from sim.scenario import Negotiation, load, load_text
from sim.schema import Number
from sim.streams import Streams


def simulate(overrides=(), runs=2000, seed=11, text=SMALL):
    return TradeWarModel(load_text(text, "small.yaml", list(overrides)), runs, seed).simulate()


@pytest.mark.parametrize("seed", range(6))
def test_invariants_hold_over_many_seeds(seed):
    model = simulate(runs=300, seed=seed)
    traj, out = model.trajectory(), model.outcomes()
    tariff = traj["tariff"]
    assert np.all(tariff >= 0.0) and np.all(tariff <= 200.0)
    assert np.all(tariff[:, :, [0, 1], [0, 1]] == 0.0)  # no tariff on oneself
    for key in ("pressure", "anxiety", "drawdown"):
        assert np.all(np.isfinite(traj[key]))
    status = traj["status"]
    assert set(np.unique(status)) <= set(range(len(STATUSES)))
    assert np.array_equal(status, status.transpose(0, 1, 3, 2))  # a relationship is mutual
    for name, column in out.items():
        if column.dtype.kind == "f" and "_week" not in name and "deal_tariff" not in name:
            assert np.all(np.isfinite(column)), name
    first, talks, deal = out["first_approach_week"], out["talks_week"], out["deal_week"]
    assert np.all(~np.isnan(talks) <= ~np.isnan(first))  # no talks without an approach
    ok = ~np.isnan(deal)
    assert np.all(first[ok] <= talks[ok]) and np.all(talks[ok] <= deal[ok])


def test_us_china_invariants_and_no_nan():
    model = TradeWarModel(load(SCENARIOS / "us_china_2025.yaml"), 500, 3).simulate()
    traj = model.trajectory()
    us_cn, cn_us = traj["tariff"][:, :, 0, 1], traj["tariff"][:, :, 1, 0]
    assert us_cn.max() <= 245 and cn_us.max() <= 125 and traj["tariff"].min() >= 0
    assert all(np.all(np.isfinite(v)) for k, v in traj.items() if k != "channels")
    # a channel's contribution is blank only for the country that lacks that channel
    has = np.array([[name in c.spec.pressures for name in model.channel_names]
                    for c in model.countries])  # fmt: skip
    assert np.array_equal(np.isfinite(traj["channels"]).all(axis=(0, 1)), has)


def first_approach_share(model, country: str) -> float:
    return float(np.mean(model.outcomes()["first_approacher"] == country))


def test_more_market_pressure_makes_a_side_approach_first_more_often():
    base = simulate()
    pressed = simulate(["countries.A.pressures.markets.weight=0.8"])  # same seed: paired
    assert first_approach_share(pressed, "A") > first_approach_share(base, "A") + 0.05


def test_higher_face_cost_delays_a_sides_first_approach():
    def mean_week(model):
        week = model.outcomes()["first_approach_week_A"]
        return np.nanmean(np.where(np.isnan(week), model.trade_scenario.horizon, week))

    low = simulate(["countries.A.face_cost=0.0"])
    high = simulate(["countries.A.face_cost=0.4"])
    assert mean_week(high) > mean_week(low) + 1.0


def test_symmetric_countries_blink_first_equally_often():
    model = simulate(runs=4000)
    a, b = first_approach_share(model, "A"), first_approach_share(model, "B")
    assert abs(a - b) < 0.05


def test_imports_follow_the_constant_elasticity_target():
    # With full adjustment in one week, imports equal M0 (1 + tau/100)^-eps exactly.
    model = TradeWarModel(load_text(SMALL, "s.yaml", [
        "countries.A.adjustment=1", "countries.A.elasticity=3", "countries.A.policy={kind: fixed}",
        "countries.B.policy={kind: fixed}",
        "countries.A.resolve=5", "countries.B.resolve=5",
    ]), 10, 0)  # fmt: skip
    model.step()
    assert np.allclose(model.economy.imports[:, 0, 1], 300 * 2.0**-3)
    expected_price = 100 * 0.2 * (100 / 100) * 300 / 10000  # pass-through x tariff x share
    assert np.allclose(model.economy.price_rise[:, 0], expected_price)


def test_pressure_is_the_weighted_sum_of_channels():
    model = TradeWarModel(load_text(SMALL, "s.yaml"), 50, 0)
    model.step()
    agent = model.countries[0]
    assert np.allclose(agent.pressure, sum(agent.contributions.values()))
    assert set(agent.contributions) == {"markets", "prices", "exports"}


def test_scheduled_event_happens_in_its_week():
    text = (
        SMALL + "events:\n  - {week: 5, kind: raise_tariff, country: A, partner: B, points: 30}\n"
    )
    fixed = ["countries.A.policy={kind: fixed}", "countries.B.policy={kind: fixed}",
             "countries.A.resolve=5", "countries.B.resolve=5"]  # fmt: skip
    model = TradeWarModel(load_text(text, "s.yaml", fixed), 20, 0).simulate()
    a_on_b = model.trajectory()["tariff"][:, :, 0, 1]
    assert np.all(a_on_b[:5] == 100) and np.all(a_on_b[5:] == 130)


def test_tit_for_tat_answers_a_raise_and_the_hawks_spiral_to_the_caps():
    model = TradeWarModel(load(SCENARIOS / "mutual_hawks.yaml"), 200, 0).simulate()
    b_on_a = model.trajectory()["tariff"][:, :, 1, 0]
    assert np.all(b_on_a[0] == 25) and np.all(b_on_a[1] == 25 + 1.25 * 10)
    assert np.median(b_on_a[-1]) == 300


def test_one_replicate_runs_the_same_code():
    model = simulate(runs=1)
    assert model.trajectory()["tariff"].shape == (20, 1, 2, 2)
    assert len(model.outcomes()["first_approacher"]) == 1


def test_agents_are_mesa_agents_one_per_country():
    model = TradeWarModel(load_text(SMALL, "s.yaml"), 5, 0)
    assert len(model.agents) == 2
    assert all(isinstance(a, CountryAgent) for a in model.agents)
    assert [a.name for a in model.countries] == ["A", "B"]


def test_every_indicator_is_finite_on_a_fresh_economy():
    model = TradeWarModel(load_text(SMALL, "s.yaml"), 5, 0)
    observed = economy.observe(model.economy, model.structure)
    assert set(observed) == set(economy.INDICATORS)
    assert all(v.shape == (5, 2) and np.all(np.isfinite(v)) for v in observed.values())


def test_every_kind_of_parameter_may_be_drawn_per_run():
    # a distribution on a policy, a pressure form, a channel, a condition, an event, a term
    text = SMALL + "events:\n  - {week: 2, kind: raise_tariff, country: A, partner: B, points: 5}\n"
    draw = "{dist: uniform, low: 0.1, high: 0.9}"
    overrides = [f"countries.A.policy.relief={draw}",
                 f"countries.A.pressures.markets.midpoint={draw}",
                 f"countries.A.channels={{public: {{face: {draw}, signal: {draw}}}}}",
                 f"countries.B.conditions.min_cut={draw}", f"events.0.points={draw}",
                 f"negotiation.cut={draw}", f"countries.B.market.volatility={draw}"]  # fmt: skip
    model = TradeWarModel(load_text(text, "s.yaml", overrides), 50, 0).simulate()
    assert len(model.draws) == 2 + 2 + len(overrides) + 1  # A/B resolve and elasticity too
    traj = model.trajectory()
    assert all(np.all(np.isfinite(traj[k])) for k in ("tariff", "pressure", "anxiety"))


def test_adding_a_named_stream_leaves_every_other_streams_draws_unchanged():
    seed = np.random.SeedSequence(20250412, spawn_key=(3,))
    names = [*PAIR_DRAWS, "market", "events"]
    plain, more = Streams(seed), Streams(seed)
    more["a_new_decision"].random(5)  # used first, before any existing stream
    for name in names:
        more["another_one"].random(3)  # and between them
        assert np.array_equal(plain[name].random(10), more[name].random(10)), name
    # distinct names, distinct streams
    first = {name: Streams(seed)[name].random(4).tobytes() for name in (*names, "mesa")}
    assert len(set(first.values())) == len(first)


class ExtraDraw(TradeWarModel):
    """The model with one more decision drawing from a stream of its own every week."""

    def draw(self):
        self.streams["a_new_decision"].random((self.R, self.N, self.N))
        return super().draw()


def test_a_model_with_one_more_stream_simulates_the_same_runs():
    text = SMALL + "random_events:\n  - {kind: market_shock, country: A, hazard: 0.1, size: -0.1}\n"
    scenario = load_text(text, "s.yaml")
    base = TradeWarModel(scenario, 200, 4).simulate()
    more = ExtraDraw(scenario, 200, 4).simulate()
    got, want = more.trajectory(), base.trajectory()
    for key, value in want.items():
        assert np.array_equal(got[key], value, equal_nan=True), key
    got, want = more.outcomes(), base.outcomes()
    for key, value in want.items():
        assert np.array_equal(got[key], value, equal_nan=value.dtype.kind == "f"), key


def test_every_numeric_negotiation_field_reaches_the_diplomacy_terms():
    numeric = [f.name for f in dataclasses.fields(Negotiation)
               if isinstance(f.metadata["spec"], Number)]  # fmt: skip
    others = {"deal_rule", "terms"}  # the rule's name and the per-side terms are not numbers
    assert not others & set(numeric)
    assert len(numeric) == len(dataclasses.fields(Negotiation)) - len(others)
    # a distinct value per term, valid for every bound (shares get values below 1)
    specs = {f.name: f.metadata["spec"] for f in dataclasses.fields(Negotiation)}
    value = {name: (1.0 + k / 8 if specs[name].high > 1 else k / 100)
             for k, name in enumerate(numeric)}  # fmt: skip
    overrides = [f"negotiation.{name}={v}" for name, v in value.items()]
    model = TradeWarModel(load_text(SMALL, "s.yaml", overrides), 3, 0)
    assert set(model.diplomacy.terms) == set(numeric)
    for name, v in value.items():
        assert np.all(model.diplomacy.terms[name] == v), name


def test_stepping_past_the_horizon_keeps_recording_every_week():
    model = simulate(runs=5)
    horizon = model.week
    for _ in range(horizon + 2):  # past the room made for the horizon, twice over
        model.step()
    traj = model.trajectory()
    assert traj["tariff"].shape == (2 * horizon + 2, 5, 2, 2)
    for key, weeks in model.record.items():
        assert len(weeks) == 2 * horizon + 2
        assert np.array_equal(traj[key], np.stack(weeks), equal_nan=key != "status")
    assert traj["status"].dtype == np.int8 and traj["pressure"].dtype == np.float32
