"""User-defined outcomes (the scenario's outcomes: block): each form, errors, files, sweeps."""

import numpy as np
import pytest
from conftest import SMALL

from sim import outcomes
from sim.cli import main
from sim.eventlog import CODE
from sim.reading import load
from sim.runner import run_to_folder
from sim.scenario import ScenarioError, load_text
from sim.summarize import summarize

BLOCK = """\
outcomes:
  a_below_150: {kind: first_week, quantity: tariff, country: A, partner: B, below: 150}
  a_loss_10: {kind: value, quantity: export_loss, country: A, week: 10}
  a_peak_anx: {kind: max, quantity: anxiety, country: A, from_week: 0, to_week: 9}
  a_approaches: {kind: count, event: approach, country: A}
"""


def spec(text: str, horizon: int = 20):
    body = SMALL.replace("horizon: 20", f"horizon: {horizon}")
    return load_text(body + "outcomes:\n  x: " + text + "\n", "s.yaml").outcomes[0]


def test_each_form_on_a_hand_computed_case():
    # two runs, two countries, four weeks; tariff A on B per week: run 0 60 40 30 50, run 1 60s
    tariff = np.zeros((4, 2, 2, 2), dtype=np.float32)
    tariff[:, 0, 0, 1] = [60, 40, 30, 50]
    tariff[:, 1, 0, 1] = 60
    anxiety = np.array([[[0.1, 0], [0.2, 0]], [[0.5, 0], [0.1, 0]], [[0.3, 0], [0.4, 0]],
                        [[0.2, 0], [0.9, 0]]], dtype=np.float32)  # fmt: skip
    record = {"tariff": list(tariff), "anxiety": list(anxiety)}
    kind = np.full(4, CODE["approach"])
    events = {
        "run": np.array([0, 0, 1, 1]),
        "week": np.array([0, 2, 1, 3]),
        "actor": np.array([0, 0, 1, 0]),
        "partner": np.array([1, 1, 0, 1]),
        "kind": kind,
    }
    cases = {
        "{kind: first_week, quantity: tariff, country: A, partner: B, below: 50}": [1, np.nan],
        "{kind: first_week, quantity: tariff, country: A, partner: B, above: 55, "
        "from_week: 1}": [np.nan, 1],
        "{kind: value, quantity: tariff, country: A, partner: B, week: 2}": [30, 60],
        "{kind: value, quantity: anxiety, country: A}": [0.2, 0.9],  # the last week
        "{kind: min, quantity: tariff, country: A, partner: B, from_week: 1, to_week: 3}": [30, 60],
        "{kind: max, quantity: anxiety, country: A, to_week: 2}": [0.5, 0.4],
        "{kind: mean, quantity: anxiety, country: A}": [0.275, 0.4],
        "{kind: count, event: approach, country: A}": [2, 1],
        "{kind: count, event: approach, from_week: 1, to_week: 2}": [1, 1],
        "{kind: count, event: deal}": [0, 0],
    }  # fmt: skip
    for text, want in cases.items():
        got = outcomes.compute([spec(text, horizon=4)], record, events, ["A", "B"], 4, 2)["x"]
        np.testing.assert_allclose(got, want, err_msg=text)


@pytest.mark.parametrize(("entry", "line", "key", "why"), [
    ("{kind: median, quantity: tariff}", 28, "outcomes.x.kind", "not one of"),
    ("{kind: value, quantity: tarif, country: A}", 28, "outcomes.x.quantity", "did you mean"),
    ("{kind: value, quantity: tariff, country: A}", 28, "outcomes.x.partner", "missing"),
    ("{kind: value, quantity: pressure, country: Z}", 28, "outcomes.x.country", "unknown"),
    ("{kind: value, quantity: pressure, country: A, week: 20}", 28, "outcomes.x.week",
     "past the horizon"),
    ("{kind: first_week, quantity: pressure, country: A}", 28, "outcomes.x", "exactly one"),
    ("{kind: max, quantity: pressure, country: A, below: 3}", 28, "outcomes.x.below",
     "unknown key"),
    ("{kind: count, event: coup}", 28, "outcomes.x.event", "not one of"),
    ("{kind: mean, quantity: pressure, country: A, from_week: 5, to_week: 4}", 28,
     "outcomes.x.to_week", "before"),
])  # fmt: skip
def test_an_invalid_outcome_names_file_line_and_key(entry, line, key, why):
    with pytest.raises(ScenarioError) as err:
        load_text(SMALL + "outcomes:\n  x: " + entry + "\n", "s.yaml")
    assert f"s.yaml:{line}: {key}:" in str(err.value) and why in str(err.value)


@pytest.mark.parametrize("name", ["deals", "p_deal", "final_tariff_A_B", "2fast", "run"])
def test_an_outcome_name_must_be_a_new_identifier(name):
    with pytest.raises(ScenarioError, match=f"s.yaml:28: outcomes.{name}"):
        load_text(SMALL + f"outcomes:\n  {name}: {{kind: count, event: deal}}\n", "s.yaml")


def test_code_in_an_outcome_is_refused():
    entry = "{kind: mean, quantity: 'os:system', country: A}"
    with pytest.raises(ScenarioError, match="outcomes.x.quantity"):
        load_text(SMALL + "outcomes:\n  x: " + entry + "\n", "s.yaml", allow_code=True)


def test_outcomes_reach_runs_csv_agreeing_with_steps_and_events(tmp_path):
    scenario = load_text(SMALL + BLOCK, "s.yaml", ["runs=30"])
    headline = run_to_folder(scenario, tmp_path, workers=1, steps=True)
    res = load(tmp_path, pandas=True)
    assert res.complete and "a_peak_anx" in headline and "P(a_below_150)" in headline
    assert summarize(tmp_path) == headline  # the folder summarised says what the run printed
    assert "user_outcome,median a_below_150,0.0,," in summarize(tmp_path, "csv")
    runs, steps, events = res.runs, res.steps, res.events
    a = steps[steps.country == "A"]
    peak = a[a.week <= 9].groupby("run").anxiety.max()
    np.testing.assert_allclose(runs.a_peak_anx, peak.to_numpy(), rtol=1e-6)
    below = a[a.tariff_on_B < 150].groupby("run").week.min()
    np.testing.assert_array_equal(runs.a_below_150.dropna(), below.to_numpy())
    approaches = events[(events.kind == "approach") & (events.actor == "A")].groupby("run").size()
    want = approaches.reindex(range(30), fill_value=0).to_numpy()
    np.testing.assert_array_equal(runs.a_approaches, want)
    assert list(runs.columns[-8:-4]) == ["a_below_150", "a_loss_10", "a_peak_anx", "a_approaches"]


def test_outcomes_are_sweep_outcomes(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(SMALL + BLOCK, encoding="utf-8")
    out = tmp_path / "sweep"
    assert main(["sweep", str(path), "--out", str(out), "--quiet", "--workers", "1",
                 "--method", "grid", "--runs-per-point", "20",
                 "--param", "countries.A.face_cost=[0.1, 0.3]"]) == 0  # fmt: skip
    points = load(out, pandas=True).points
    assert {"a_loss_10", "a_loss_10_low", "a_below_150_high"} <= set(points.columns)
    assert (points.a_loss_10_low <= points.a_loss_10).all()
    values = {"a_below_150": np.array([1.0, np.nan, 3.0]), "a_loss_10": np.array([1.0, 2, 3]),
              "a_peak_anx": np.zeros(3), "a_approaches": np.array([0, 1, 2])}  # fmt: skip
    stats = outcomes.point_stats(load_text(SMALL + BLOCK, "s.yaml").outcomes, values)
    assert stats["a_below_150"] == 2.0 and stats["a_loss_10"] == 2.0  # median, mean
    assert stats["a_approaches_low"] < 1 < stats["a_approaches_high"]


def test_the_block_round_trips_through_the_resolved_scenario():
    from sim.scenario import dump

    scenario = load_text(SMALL + BLOCK, "s.yaml")
    assert load_text(dump(scenario), "again.yaml").outcomes == scenario.outcomes
