"""Fuzzed scenario loading and numeric robustness (hypothesis).

Whatever a scenario file holds, loading ends in a valid scenario or a ScenarioError naming the
file, in bounded time, and a valid scenario runs without NaN, inf or broken invariants.
"""

import copy
import dataclasses
import time

import numpy as np
import pytest
import yaml
from conftest import SCENARIOS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.model import TradeWarModel
from sim.scenario import ScenarioError, load_text

SHIPPED = {p.stem: yaml.safe_load(p.read_text()) for p in sorted(SCENARIOS.glob("*.yaml"))}


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, (*prefix, i))


def deep(depth: int):
    node = 1
    for _ in range(depth):
        node = [node]
    return node


VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.lists(st.floats(-1e6, 1e6), max_size=3),
    st.dictionaries(st.text(max_size=6), st.integers(-5, 5), max_size=3),
    st.sampled_from([{"dist": "beta", "a": 2, "b": 3}, {"dist": "norm", "loc": 0, "scale": 1},
                     {"dist": "nope"}, {"dist": "uniform", "low": 5, "high": 1}, deep(40),
                     {"dist": "ksone", "n": 100000}, 10**25, "9999-12-25",
                     "1e5", "ünïcødé ✓", -0.0, 1e308, 5e-324]),
)  # fmt: skip


@st.composite
def mutated(draw):
    raw = copy.deepcopy(SHIPPED[draw(st.sampled_from(sorted(SHIPPED)))])
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(list(paths(raw))[1:]))
        parent = raw
        for key in where[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["delete", "replace", "rename"]))
        if action == "delete" or (action == "rename" and not isinstance(parent, dict)):
            del parent[where[-1]]
        elif action == "replace":
            # A copy: sampled values are shared between examples and later mutations edit them.
            parent[where[-1]] = copy.deepcopy(draw(VALUES))
        else:
            parent[draw(st.text(min_size=1, max_size=8))] = parent.pop(where[-1])
        if not isinstance(raw, dict) or not raw:
            break
    return raw


def check_runs(scenario) -> None:
    short = dataclasses.replace(scenario, horizon=min(scenario.horizon, 8))
    model = TradeWarModel(short, 3, 0).simulate()
    traj = model.trajectory()
    for key in ("tariff", "pressure", "anxiety", "drawdown"):
        assert np.all(np.isfinite(traj[key])), key
    for i, agent in enumerate(model.countries):
        tariffs = traj["tariff"][:, :, i, :]
        assert np.all(tariffs >= np.min(agent.spec.floor) - 1e-9)
        assert np.all(tariffs <= np.max(agent.spec.cap) + 1e-9)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_shipped_scenarios_load_or_fail_cleanly(raw):
    text = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)
    began = time.monotonic()
    try:
        scenario = load_text(text, "fuzz.yaml")
    except ScenarioError as exc:
        lines = str(exc).splitlines()  # one line per problem, at most 20 and a last word
        assert 1 <= len(lines) <= 21 and all(len(line) < 2000 for line in lines)
        assert all(line.startswith("fuzz.yaml") for line in lines[:20])
    else:
        check_runs(scenario)
    assert time.monotonic() - began < 120  # it did not hang (a busy machine is slow)


@pytest.mark.parametrize("text", [
    "[" * 5000 + "]" * 5000,                        # deep nesting
    "a: " + "{b: " * 3000 + "1" + "}" * 3000,
    "name: x\n" + "x" * 10,                          # a syntax error late in a tiny file
    "\x00\x01",
    "countries: &a [*a]",                            # a recursive alias
    "seed: " + "9" * 5000,                           # too many digits for int()
    "name: x\nseed: 1\nbad: \x00\n",                 # a NUL byte
    "~: 1",                                          # a null key
])  # fmt: skip
def test_pathological_yaml_is_a_scenario_error(text):
    with pytest.raises(ScenarioError):
        load_text(text, "bad.yaml")


def test_a_huge_file_is_refused_before_it_is_parsed(tmp_path, capsys):
    path = tmp_path / "huge.yaml"
    path.write_text("junk:\n" + "  - 1\n" * 400_000)
    assert main(["validate", str(path)]) == 2
    # the size check refused it, not the parser (which would name a line, not the limit)
    assert "at most" in capsys.readouterr().err


# --------------------------------------------------------------------------- numeric extremes


def world(n: int, elasticity: float, tariff_at: str, imports: float, horizon: int) -> str:
    names = [f"C{k}" for k in range(n)]
    lines = [f"name: extreme\nstart_date: 2025-01-01\nhorizon: {horizon}\nseed: 1\ncountries:"]
    for me in names:
        others = [o for o in names if o != me]
        tariff = {"floor": 0, "cap": 300}[tariff_at]
        lines += [
            f"  {me}:",
            "    gdp: 1000",
            "    imports: {" + ", ".join(f"{o}: {imports}" for o in others) + "}",
            "    tariff: {" + ", ".join(f"{o}: {tariff}" for o in others) + "}",
            "    cap: 300",
            f"    elasticity: {elasticity}",
            "    resolve: {dist: beta, a: 2, b: 2}",
            "    face_cost: 0.1",
            "    channels: {private: {face: 0.2, leak: 0.5}, public: {face: 1.0}}",
            "    policy: {kind: pressure_relief, match: 1.2, cap: 300}",
            "    pressures:",
            "      m: {input: market_drawdown, form: logistic, midpoint: 0.1, steepness: 30, "
            "weight: 0.5}",
            "      p: {input: consumer_price_rise, form: power, scale: 0.5, exponent: 3, "
            "weight: 1}",
            "      x: {input: export_loss_gdp, form: exponential, rate: 2, weight: 0.5}",
            "      w: {input: weeks_in_conflict, form: threshold, level: 10, weight: 0.2}",
        ]
    lines.append("negotiation: {deal_rule: nash, truce_weeks: 3, talks_lag: 0}")
    return "\n".join(lines) + "\n"


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(2, 10),
    elasticity=st.sampled_from([0.0, 20.0]),
    tariff_at=st.sampled_from(["floor", "cap"]),
    imports=st.sampled_from([0.0, 1e-6, 500.0]),
    replicates=st.integers(1, 3),
)
def test_extreme_but_valid_worlds_stay_finite(n, elasticity, tariff_at, imports, replicates):
    scenario = load_text(world(n, elasticity, tariff_at, imports, 30), "extreme.yaml")
    model = TradeWarModel(scenario, replicates, 3).simulate()
    traj, out = model.trajectory(), model.outcomes()
    for key in ("tariff", "pressure", "anxiety", "drawdown"):
        assert np.all(np.isfinite(traj[key])), key
    assert traj["tariff"].min() >= 0 and traj["tariff"].max() <= 300
    assert np.array_equal(traj["status"], traj["status"].transpose(0, 1, 3, 2))
    for name, column in out.items():
        if column.dtype.kind == "f" and "_week" not in name and "deal_tariff" not in name:
            assert np.all(np.isfinite(column)), name


@pytest.mark.parametrize(("n", "horizon"), [(2, 1), (2, 520), (10, 52)])
def test_one_week_ten_years_ten_countries(n, horizon):
    model = TradeWarModel(load_text(world(n, 3.0, "cap", 100.0, horizon), "e.yaml"), 2, 0)
    traj = model.simulate().trajectory()
    assert traj["tariff"].shape == (horizon, 2, n, n)
    assert all(np.all(np.isfinite(traj[k])) for k in ("tariff", "pressure", "anxiety"))
