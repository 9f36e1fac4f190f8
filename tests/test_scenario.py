"""Scenario loading and validation: round trips, uncertain leaves, --set, and error messages.

Every error test checks that the ScenarioError names the source file, the 1-based line of the
offending key (computed from the YAML text of the test, never hard-coded) and the dotted key.
"""

import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from conftest import MINI

from sim.distributions import Distribution
from sim.scenario import Scenario, ScenarioError, dump, load, load_text, realise, uncertain

SOURCE = "x.yaml"


MINI_UNCERTAIN = ["countries.CN.resolve", "countries.US.elasticity", "countries.US.resolve"]


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of the only line of ``text`` that contains ``fragment``."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(hits) == 1, f"{fragment!r} is on lines {hits}, expected exactly one"
    return hits[0]


def edit(old: str, new: str, text: str = MINI) -> str:
    """``text`` with the one occurrence of ``old`` replaced by ``new``."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def country(s: Scenario, name: str):
    return next(c for c in s.countries if c.name == name)


def load_error(text: str, overrides=()) -> str:
    with pytest.raises(ScenarioError) as info:
        load_text(text, SOURCE, list(overrides))
    return str(info.value)


# --------------------------------------------------------------------------- valid scenarios


def test_mini_loads_with_values_and_defaults():
    s = load_text(MINI, SOURCE)
    assert s.name == "mini"
    assert s.start_date.isoformat() == "2025-04-12"
    assert (s.horizon, s.runs, s.seed, s.block_size) == (52, 1000, 1, 1000)
    assert s.country_names() == ["US", "CN"]
    us = country(s, "US")
    assert us.gdp == 29200.0 and isinstance(us.gdp, float)
    assert us.tariff == {"CN": 145.0}
    assert us.face_cost == 0.1
    assert us.floor == 0.0  # default
    assert us.market.volatility == 0.04
    assert us.market.drift == 0.0015  # default inside a given mapping
    assert country(s, "CN").market.volatility == 0.025  # default mapping
    assert us.resolve == Distribution("beta", (("a", 4.0), ("b", 4.0)))
    assert us.policy.kind == "pressure_relief" and us.policy.params["cap"] == 245.0
    assert set(us.pressures) == {"markets", "prices", "inventory"}
    assert us.pressures["prices"].params["intercept"] == 0.0  # form parameter default
    assert s.negotiation.cut == 115.0
    assert s.negotiation.talks_lag == 2.0  # default
    assert s.events == ()


def test_load_reads_a_file(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(MINI, encoding="utf-8")
    assert load(path) == load_text(MINI, SOURCE)


def test_load_missing_file_names_the_file(tmp_path):
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(ScenarioError) as info:
        load(path)
    assert str(path) in str(info.value)


EVENTS = """\
events:
  - {week: 4, kind: raise_tariff, country: US, partner: CN, points: 10}
  - {week: 6, kind: market_shock, country: CN, size: {dist: uniform, low: 0.0, high: 0.2}}
"""

ROUND_TRIP_VARIANTS = {
    "mini": (MINI, []),
    "events": (MINI + EVENTS, []),
    "set_distributions": (
        MINI,
        [
            "countries.US.pressures.markets.weight={dist: uniform, low: 0.2, high: 0.8}",
            "countries.CN.face_cost={dist: triang, low: 0, mode: 0.1, high: 0.4}",
            "countries.US.policy.cap={dist: uniform, loc: 200, scale: 45}",
            "countries.US.market.volatility={dist: beta, a: 2, b: 30}",
            "description=round trip",
        ],
    ),
}


@pytest.mark.parametrize("variant", sorted(ROUND_TRIP_VARIANTS))
def test_dump_round_trip(variant):
    text, overrides = ROUND_TRIP_VARIANTS[variant]
    s = load_text(text, SOURCE, overrides)
    dumped = dump(s)
    again = load_text(dumped, "dumped.yaml")
    assert again == s
    assert dump(again) == dumped
    assert uncertain(again) == uncertain(s)
    # Defaults are written out, so the dump stands alone.
    for key in ("block_size:", "drift:", "talks_lag:", "intercept:", "description:"):
        assert key in dumped


# --------------------------------------------------------------------------- uncertainty


def test_uncertain_lists_distribution_leaves_by_dotted_path():
    s = load_text(MINI, SOURCE)
    found = uncertain(s)
    assert [path for path, _ in found] == MINI_UNCERTAIN
    assert dict(found)["countries.US.elasticity"].name == "uniform"


def test_uncertain_paths_of_channel_policy_market_and_event_leaves():
    overrides = [
        "countries.US.pressures.markets.weight={dist: uniform, low: 0.2, high: 0.8}",
        "countries.US.pressures.markets.midpoint={dist: uniform, low: 0.1, high: 0.2}",
        "countries.CN.policy.cap={dist: uniform, low: 100, high: 125}",
        "countries.US.market.volatility={dist: beta, a: 2, b: 30}",
        "negotiation.cut={dist: uniform, low: 50, high: 120}",
    ]
    s = load_text(MINI + EVENTS, SOURCE, overrides)
    paths = [path for path, _ in uncertain(s)]
    assert paths == sorted(
        [
            *MINI_UNCERTAIN,
            "countries.US.pressures.markets.weight",
            "countries.US.pressures.markets.midpoint",
            "countries.CN.policy.cap",
            "countries.US.market.volatility",
            "negotiation.cut",
            "events.1.size",
        ]
    )


def test_no_uncertain_leaves_when_all_fixed():
    overrides = [f"{path}=0.5" for path in MINI_UNCERTAIN]
    s = load_text(MINI, SOURCE, overrides)
    assert uncertain(s) == []
    realised, draws = realise(s, 5, np.random.SeedSequence(1))
    assert draws == {}
    assert realised == s


def test_realise_draws_arrays_for_uncertain_leaves_only():
    s = load_text(MINI, SOURCE)
    realised, draws = realise(s, 5, np.random.SeedSequence(1))
    assert list(draws) == MINI_UNCERTAIN
    for path, values in draws.items():
        assert isinstance(values, np.ndarray), path
        assert values.shape == (5,), path
        assert np.all(np.isfinite(values)), path
    us = country(realised, "US")
    np.testing.assert_array_equal(us.resolve, draws["countries.US.resolve"])
    np.testing.assert_array_equal(us.elasticity, draws["countries.US.elasticity"])
    assert np.all((us.elasticity >= 2.5) & (us.elasticity <= 5.0))
    assert np.all((us.resolve >= 0.0) & (us.resolve <= 1.0))
    assert us.face_cost == 0.1  # fixed leaves stay as they are
    assert us.gdp == 29200.0
    assert isinstance(country(s, "US").resolve, Distribution)  # the input is untouched


def test_realise_same_seed_same_draws_different_seed_different_draws():
    s = load_text(MINI, SOURCE)
    _, first = realise(s, 5, np.random.SeedSequence(1))
    _, again = realise(s, 5, np.random.SeedSequence(1))
    _, other = realise(s, 5, np.random.SeedSequence(2))
    for path in MINI_UNCERTAIN:
        np.testing.assert_array_equal(first[path], again[path])
        assert not np.array_equal(first[path], other[path]), path


def test_realise_leaves_draw_from_their_own_streams():
    s = load_text(MINI, SOURCE)
    _, draws = realise(s, 5, np.random.SeedSequence(1))
    # Two leaves with the same distribution still get different draws.
    assert not np.array_equal(draws["countries.US.resolve"], draws["countries.CN.resolve"])


def test_adding_an_uncertain_parameter_leaves_other_draws_unchanged():
    s = load_text(MINI, SOURCE)
    more = load_text(
        MINI,
        SOURCE,
        ["countries.US.face_cost={dist: uniform, low: 0, high: 0.2}", "seed=99"],
    )
    seed = np.random.SeedSequence(1)
    _, draws = realise(s, 5, seed)
    _, more_draws = realise(more, 5, seed)
    assert set(more_draws) == {*MINI_UNCERTAIN, "countries.US.face_cost"}
    for path in MINI_UNCERTAIN:
        np.testing.assert_array_equal(draws[path], more_draws[path])


# --------------------------------------------------------------------------- --set overrides


@pytest.mark.parametrize(
    ("override", "get", "expected"),
    [
        ("countries.US.face_cost=0.3", lambda s: country(s, "US").face_cost, 0.3),
        ("horizon=10", lambda s: s.horizon, 10),
        ("block_size=50", lambda s: s.block_size, 50),
        ("countries.CN.market.volatility=0.07", lambda s: country(s, "CN").market.volatility, 0.07),
        ("negotiation.deal_rule=reciprocal", lambda s: s.negotiation.deal_rule, "reciprocal"),
        ("countries.US.tariff.CN=100", lambda s: country(s, "US").tariff["CN"], 100.0),
        ("countries.US.resolve=0.4", lambda s: country(s, "US").resolve, 0.4),
        ("countries.US.gdp=1e5", lambda s: country(s, "US").gdp, 1e5),
        ("description=a b c", lambda s: s.description, "a b c"),
    ],
)
def test_set_overrides_a_value(override, get, expected):
    assert get(load_text(MINI, SOURCE, [override])) == expected


def test_set_a_distribution():
    s = load_text(MINI, SOURCE, ["countries.US.resolve={dist: beta, a: 2, b: 3}"])
    assert country(s, "US").resolve == Distribution("beta", (("a", 2.0), ("b", 3.0)))
    assert dict(uncertain(s))["countries.US.resolve"].params == (("a", 2.0), ("b", 3.0))


def test_set_indexes_into_a_list():
    s = load_text(MINI + EVENTS, SOURCE, ["events.0.week=5", "events.1.size=0.3"])
    assert s.events[0].week == 5
    assert s.events[1].params["size"] == 0.3


def test_set_past_the_end_of_a_list():
    message = load_error(MINI + EVENTS, ["events.5.week=3"])
    assert "--set events.5.week" in message
    assert "no item 5" in message


def test_later_set_wins():
    s = load_text(MINI, SOURCE, ["horizon=10", "horizon=12"])
    assert s.horizon == 12


@pytest.mark.parametrize(
    "override",
    [
        "horizon",  # no '='
        "=3",  # no key
        "horizon=[1",  # value is not YAML
        "horizon=abc",  # wrong type
        "horizon=0",  # out of range
        "horizon=true",  # boolean for a number
        "countries.US.face_cost=-1",
        "countries.US.resolv=0.3",  # unknown key
        "horizon.weeks=3",  # key inside a value
        "countries.US.resolve={dist: nope}",
        "countries.US.resolve={dist: norm, loc: 0.5, scale: 0.1}",
        "countries.US.policy.kind=appease",
    ],
)
def test_bad_set_gives_scenario_error_mentioning_set(override):
    message = load_error(MINI, [override])
    assert "--set" in message
    assert SOURCE in message


def test_bad_set_unknown_key_suggests():
    message = load_error(MINI, ["countries.US.resolv=0.3"])
    assert "countries.US.resolv" in message
    assert "did you mean 'resolve'" in message


def test_bad_set_of_a_mapping_blames_set_not_the_file():
    """A bad value inside a mapping given with --set is the --set's fault, not the file's.

    Today the error names the file line of the ``volatility`` key the --set replaced.
    """
    message = load_error(MINI, ["countries.US.market={volatility: abc}"])
    assert "countries.US.market.volatility" in message
    assert "--set" in message


def test_set_into_a_list_that_does_not_exist_blames_set():
    """``events.0.week=3`` without events makes ``events`` a mapping; the error names --set.

    Today: ``x.yaml: events: expected a list, got dict``, with no mention of --set.
    """
    message = load_error(MINI, ["events.0.week=3"])
    assert "--set" in message


# --------------------------------------------------------------------------- errors

EVENT_BLOCK = """\
events:
  - week: 3
    kind: market_shock
    country: {country}
    size: 0.1
"""

CN_BLOCK = MINI[MINI.index("  CN:\n") : MINI.index("negotiation:")]

# id -> (old text, new text, dotted key, fragment of the offending line, message fragment)
ERRORS = {
    "unknown_key": (
        "    resolve: {dist: beta, a: 4, b: 4}",
        "    resolv: {dist: beta, a: 4, b: 4}",
        "countries.US.resolv",
        "resolv:",
        "did you mean 'resolve'",
    ),
    "unknown_top_level_key": (
        "horizon: 52",
        "horizn: 52",
        "horizn",
        "horizn:",
        "did you mean 'horizon'",
    ),
    "unknown_nested_key": (
        "volatility: 0.04}",
        "volatilty: 0.04}",
        "countries.US.market.volatilty",
        "volatilty",
        "did you mean 'volatility'",
    ),
    "string_for_number": (
        "    face_cost: 0.1",
        "    face_cost: high",
        "countries.US.face_cost",
        "face_cost: high",
        "expected a number",
    ),
    "string_for_integer": ("horizon: 52", "horizon: ten", "horizon", "horizon:", "whole number"),
    "fraction_for_integer": ("horizon: 52", "horizon: 5.5", "horizon", "horizon:", "whole"),
    "mapping_for_number": (
        "    gdp: 18700",
        "    gdp: {value: 18700}",
        "countries.CN.gdp",
        "gdp: {value",
        "expected a number",
    ),
    "number_for_mapping": (
        "    market: {initial_drawdown: 0.11, volatility: 0.04}",
        "    market: 0.11",
        "countries.US.market",
        "market: 0.11",
        "expected a mapping",
    ),
    "negative_tariff": (
        "tariff: {CN: 145}",
        "tariff: {CN: -5}",
        "countries.US.tariff.CN",
        "tariff: {CN: -5}",
        "out of range",
    ),
    "negative_gdp": (
        "    gdp: 18700",
        "    gdp: -1",
        "countries.CN.gdp",
        "gdp: -1",
        "out of range",
    ),
    "share_above_one": (
        "    face_cost: 0.2",
        "    face_cost: 0.2\n    pass_through: 1.5",
        "countries.CN.pass_through",
        "pass_through",
        "out of range",
    ),
    "missing_partner_tariff": (
        "tariff: {US: 125}",
        "tariff: {}",
        "countries.CN.tariff",
        "tariff: {}",
        "missing partner 'US'",
    ),
    "missing_partner_imports": (
        "imports: {CN: 438.9}",
        "imports: {}",
        "countries.US.imports",
        "imports: {}",
        "missing partner 'CN'",
    ),
    "unknown_partner": (
        "imports: {CN: 438.9}",
        "imports: {CN: 438.9, JP: 10}",
        "countries.US.imports.JP",
        "JP: 10",
        "not a country",
    ),
    "tariff_on_itself": (
        "tariff: {CN: 145}",
        "tariff: {CN: 145, US: 10}",
        "countries.US.tariff.US",
        "US: 10",
        "itself",
    ),
    "one_country": (
        CN_BLOCK,
        "",
        "countries",
        "countries:",
        "at least two countries",
    ),
    "bad_country_name": (
        "  CN:",
        "  C N:",
        "countries.C N",
        "C N:",
        "must match",
    ),
    "floor_above_cap": (
        "    cap: 245",
        "    cap: 245\n    floor: 300",
        "countries.US.floor",
        "floor: 300",
        "above cap",
    ),
    "start_tariff_above_cap": (
        "tariff: {CN: 145}",
        "tariff: {CN: 300}",
        "countries.US.tariff.CN",
        "CN: 300",
        "outside [floor, cap]",
    ),
    "start_tariff_below_floor": (
        "    cap: 125",
        "    cap: 125\n    floor: 126",
        "countries.CN.floor",
        "floor: 126",
        "above cap",
    ),
    "unknown_distribution": (
        "{dist: uniform, low: 2.5, high: 5}",
        "{dist: unifrom, low: 2.5, high: 5}",
        "countries.US.elasticity",
        "unifrom",
        "unknown distribution 'unifrom'",
    ),
    "bad_distribution_parameters": (
        "resolve: {dist: beta, a: 4, b: 4}",
        "resolve: {dist: beta, a: 4}",
        "countries.US.resolve",
        "resolve: {dist: beta, a: 4}",
        "beta",
    ),
    "distribution_support_outside_range": (
        "resolve: {dist: beta, a: 4, b: 4}",
        "resolve: {dist: norm, loc: 0.5, scale: 0.1}",
        "countries.US.resolve",
        "dist: norm",
        "support",
    ),
    "distribution_for_integer": (
        "horizon: 52",
        "horizon: {dist: uniform, low: 10, high: 20}",
        "horizon",
        "horizon:",
        "whole number",
    ),
    "unknown_pressure_form": (
        "form: linear,",
        "form: linaer,",
        "countries.US.pressures.prices.form",
        "form: linaer",
        "did you mean 'linear'",
    ),
    "unknown_indicator": (
        "input: consumer_price_rise",
        "input: consumer_prices",
        "countries.US.pressures.prices.input",
        "input: consumer_prices",
        "consumer_prices",
    ),
    "unknown_policy_kind": (
        "{kind: pressure_relief, match: 1, cap: 245}",
        "{kind: appease, match: 1, cap: 245}",
        "countries.US.policy.kind",
        "kind: appease",
        "not one of",
    ),
    "unknown_form_parameter": (
        "form: linear, slope: 0.5,",
        "form: linear, slope: 0.5, slop: 1,",
        "countries.US.pressures.prices.slop",
        "slop: 1",
        "unknown key",
    ),
    "missing_form_parameter": (
        "form: linear, slope: 0.5,",
        "form: linear,",
        "countries.US.pressures.prices.slope",
        "prices:",
        "missing",
    ),
    "missing_channel_weight": (
        "steepness: 20, weight: 0.3}",
        "steepness: 20}",
        "countries.CN.pressures.markets.weight",
        "steepness: 20}",
        "missing",
    ),
    "missing_required_key": (
        "    gdp: 18700\n",
        "",
        "countries.CN.gdp",
        "  CN:",
        "required key is missing",
    ),
    "bad_date": (
        "start_date: 2025-04-12",
        "start_date: April 12",
        "start_date",
        "start_date:",
        "YYYY-MM-DD",
    ),
    "unknown_deal_rule": (
        "negotiation: {cut: 115, truce_weeks: 13}",
        "negotiation: {cut: 115, truce_weeks: 13, deal_rule: split}",
        "negotiation.deal_rule",
        "negotiation:",
        "not one of",
    ),
    "event_past_horizon": (
        "negotiation:",
        EVENT_BLOCK.format(country="US").replace("week: 3", "week: 60") + "negotiation:",
        "events.0.week",
        "week: 60",
        "past the horizon",
    ),
    "event_unknown_country": (
        "negotiation:",
        EVENT_BLOCK.format(country="JP") + "negotiation:",
        "events.0.country",
        "country: JP",
        "unknown country 'JP'",
    ),
    "event_unknown_kind": (
        "negotiation:",
        EVENT_BLOCK.format(country="US").replace("market_shock", "earthquake") + "negotiation:",
        "events.0.kind",
        "kind: earthquake",
        "not one of",
    ),
    "event_missing_parameter": (
        "negotiation:",
        EVENT_BLOCK.format(country="US").replace("    size: 0.1\n", "") + "negotiation:",
        "events.0.size",
        "  - week: 3",
        "missing",
    ),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_error_names_file_line_and_key(case):
    old, new, key, fragment, what = ERRORS[case]
    text = edit(old, new)
    message = load_error(text)
    line = line_of(text, fragment)
    assert message.startswith(f"{SOURCE}:{line}: {key}: "), message
    assert what in message


def test_yaml_syntax_error_names_file_and_line():
    text = edit("    face_cost: 0.1", "    face_cost: 0.1: 0.2")
    message = load_error(text)
    assert message.startswith(f"{SOURCE}:{line_of(text, 'face_cost: 0.1: 0.2')}: ")
    assert "YAML syntax error" in message


def test_yaml_syntax_error_unclosed_flow_mapping():
    text = edit("tariff: {US: 125}", "tariff: {US: 125")
    message = load_error(text)
    assert message.startswith(f"{SOURCE}:")
    assert "YAML syntax error" in message


def test_yaml_unsafe_tag_is_rejected():
    text = edit("name: mini", "name: !!python/object/apply:os.getcwd []")
    message = load_error(text)
    assert message.startswith(f"{SOURCE}:1: ")


@pytest.mark.parametrize("text", ["", "- 1\n- 2\n", "just text\n"])
def test_not_a_scenario_mapping(text):
    message = load_error(text)
    assert message.startswith(SOURCE)


def test_missing_name_is_reported():
    text = edit("name: mini\n", "")
    assert "name: required key is missing" in load_error(text)


def test_error_on_a_date_that_does_not_exist():
    """``2025-13-01`` looks like a YAML timestamp; it must be a ScenarioError, not ValueError."""
    text = edit("start_date: 2025-04-12", "start_date: 2025-13-01")
    message = load_error(text)
    assert message.startswith(f"{SOURCE}:{line_of(text, 'start_date')}: ")


def test_error_on_an_integer_too_large_for_a_float():
    """A 400-digit integer is out of range, not an OverflowError."""
    text = edit("    gdp: 29200", "    gdp: 1" + "0" * 400)
    message = load_error(text)
    assert message.startswith(f"{SOURCE}:{line_of(text, 'gdp: 1000')}: countries.US.gdp: ")


# --------------------------------------------------------------------------- number text


@pytest.mark.parametrize(
    ("old", "new", "get", "expected"),
    [
        ("    gdp: 29200", "    gdp: 1e5", lambda s: country(s, "US").gdp, 1e5),
        ("    gdp: 29200", "    gdp: 2.92e4", lambda s: country(s, "US").gdp, 29200.0),
        ("    gdp: 29200", "    gdp: 1E+5", lambda s: country(s, "US").gdp, 1e5),
        ("    face_cost: 0.1", "    face_cost: 3e-1", lambda s: country(s, "US").face_cost, 0.3),
        ("    face_cost: 0.1", "    face_cost: 1.0e-1", lambda s: country(s, "US").face_cost, 0.1),
        ("horizon: 52", "horizon: 1e1", lambda s: s.horizon, 10),
        ("runs: 1000", "runs: 2E3", lambda s: s.runs, 2000),
        ("{CN: 145}", "{CN: 1.45e2}", lambda s: country(s, "US").tariff["CN"], 145.0),
        (
            "slope: 0.5",
            "slope: 5e-1",
            lambda s: country(s, "US").pressures["prices"].params["slope"],
            0.5,
        ),
    ],
)
def test_exponent_numbers_written_as_text_are_numbers(old, new, get, expected):
    value = get(load_text(edit(old, new), SOURCE))
    assert value == expected
    assert type(value) is type(expected)


def test_exponent_numbers_in_distribution_parameters():
    """``{dist: uniform, low: 2.5e0, high: 5e0}``: YAML 1.1 reads these as text, as for leaves."""
    text = edit("low: 2.5, high: 5}", "low: 2.5e0, high: 5e0}")
    s = load_text(text, SOURCE)
    assert country(s, "US").elasticity == load_text(MINI, SOURCE).countries[0].elasticity


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("    face_cost: 0.1", "    face_cost: true", "countries.US.face_cost"),
        ("    gdp: 29200", "    gdp: yes", "countries.US.gdp"),
        ("horizon: 52", "horizon: false", "horizon"),
        ("tariff: {CN: 145}", "tariff: {CN: on}", "countries.US.tariff.CN"),
        (
            "resolve: {dist: beta, a: 4, b: 4}",
            "resolve: {dist: beta, a: true, b: 4}",
            "countries.US.resolve",
        ),
    ],
)
def test_booleans_are_not_numbers(old, new, key):
    text = edit(old, new)
    message = load_error(text)
    assert message.startswith(f"{SOURCE}:{line_of(text, new.strip())}: {key}: ")


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", "1e400"])
def test_non_finite_numbers_are_rejected(value):
    text = edit("    face_cost: 0.1", f"    face_cost: {value}")
    message = load_error(text)
    assert message.startswith(f"{SOURCE}:{line_of(text, 'face_cost: ' + value)}: ")


# --------------------------------------------------------------------------- alias bombs


def alias_bomb(indent: str, levels: int = 9, width: int = 9) -> str:
    """A "billion laughs" YAML block sequence: ``width ** levels`` strings once expanded."""
    items = [f"{indent}- &l0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        items.append(f"{indent}- &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return "\n".join(items) + "\n"


BOMBS = {
    "unknown_top_level_key": ("seed: 1\n", "seed: 1\nbomb:\n" + alias_bomb("  "), "bomb", "bomb:"),
    "unknown_country_key": (
        "    face_cost: 0.1\n",
        "    face_cost: 0.1\n    bomb:\n" + alias_bomb("      "),
        "countries.US.bomb",
        "bomb:",
    ),
    "integer_key": ("horizon: 52\n", "horizon:\n" + alias_bomb("  "), "horizon", "horizon:"),
    "number_key": (
        "    elasticity: {dist: uniform, low: 2.5, high: 5}\n",
        "    elasticity:\n" + alias_bomb("      "),
        "countries.US.elasticity",
        "elasticity:",
    ),
    "text_key": ("name: mini\n", "name:\n" + alias_bomb("  "), "name", "name:"),
    "mapping_key": (
        "negotiation: {cut: 115, truce_weeks: 13}\n",
        "negotiation:\n" + alias_bomb("  "),
        "negotiation",
        "negotiation:",
    ),
}

BOMB_CHILD = """\
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # a bomb fails here, not the machine
from sim.scenario import ScenarioError, load
try:
    load(sys.argv[1])
except ScenarioError as exc:
    print(str(exc)[:500])
    print("length", len(str(exc)))
    sys.exit(0)
print("loaded")
sys.exit(3)
"""


@pytest.mark.parametrize("case", list(BOMBS))
def test_alias_bomb_fails_fast(tmp_path, case):
    """The bomb must fail as a short ScenarioError in bounded time and memory.

    The load runs in a child process so that a regression cannot hang or exhaust the test run.
    """
    old, new, key, fragment = BOMBS[case]
    text = edit(old, new)
    path = tmp_path / "bomb.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        child = subprocess.run(
            [sys.executable, "-c", BOMB_CHILD, str(path)],
            capture_output=True,
            text=True,
            timeout=120,  # it did not hang; a real bomb takes far longer and far more memory
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"loading an alias bomb under {key!r} did not finish within 120 s")
    assert child.returncode == 0, child.stdout + child.stderr
    first, length = child.stdout.splitlines()[:2]
    assert first.startswith(f"{path}:{line_of(text, fragment)}: {key}: ")
    assert int(length.split()[1]) < 2000  # the message does not spell the bomb out


def test_small_alias_bomb_in_process_message_is_short():
    """Same check in-process with a bomb small enough (9**4 leaves) never to hang."""
    text = edit("horizon: 52\n", "horizon:\n" + alias_bomb("  ", levels=4))
    began = time.monotonic()
    message = load_error(text)
    assert time.monotonic() - began < 60  # it did not hang
    assert message.startswith(f"{SOURCE}:{line_of(text, 'horizon:')}: horizon: ")
    assert len(message) < 2000


def test_aliases_for_shared_settings_still_work():
    text = textwrap.dedent(
        """\
        name: shared
        start_date: 2025-04-12
        countries:
          A:
            gdp: 100
            imports: {B: 1}
            tariff: {B: 10}
            market: &m {volatility: 0.03, initial_drawdown: 0.05}
          B:
            gdp: 100
            imports: {A: 1}
            tariff: {A: 10}
            market: *m
        """
    )
    s = load_text(text, SOURCE)
    assert s.countries[0].market == s.countries[1].market
    assert s.countries[1].market.volatility == 0.03
