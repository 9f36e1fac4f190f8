"""The shipped us_china_2025 scenario against its targets (scenarios/targets/): each fact within
its tolerance with 95% confidence, and no headline share of exactly 0 or 1 (issue #11)."""

import sys

import pytest
from conftest import ROOT, SCENARIOS

from sim import targets
from sim.scenario import ScenarioError, load

sys.path.insert(0, str(ROOT / "docs"))
import calibration_figures as figures  # noqa: E402

TARGETS = SCENARIOS / "targets" / "us_china_2025.yaml"


@pytest.fixture(scope="module")
def runs():
    return figures.simulate(2000)


@pytest.mark.parametrize("target", targets.load(TARGETS, load(figures.SCENARIO)),
                         ids=lambda t: t.name)  # fmt: skip
def test_the_shipped_scenario_meets_each_target_with_95_percent_confidence(target, runs):
    estimate = target.evaluate(runs)
    assert target.met(estimate), (target.name, estimate, target.observed, target.tolerance)


def test_no_headline_share_is_near_certain(runs):
    for label, (_, low, high) in figures.shares(runs):
        assert low >= 0.02 and high <= 0.98, label


def test_the_figures_script_prints_every_target(capsys):
    assert figures.main(["--runs", "200"]) == 0
    out = capsys.readouterr().out
    assert all(t.name in out for t in targets.load(TARGETS, load(figures.SCENARIO)))


@pytest.mark.parametrize(
    "body, key",
    [("statistic: median\n    column: talks_wek\n    observed: 4\n    tolerance: 1\n"
      "    source: x", "targets.t.column"),
     ("statistic: mode\n    column: talks_week\n    observed: 4\n    tolerance: 1\n"
      "    source: x", "targets.t.statistic"),
     ("statistic: share\n    column: deal_week\n    observed: 1\n    tolerance: 0.1\n"
      "    source: x", "targets.t"),
     ("statistic: median\n    column: talks_week\n    observed: 4\n    source: x", "targets.t"),
     ("statistic: median\n    column: talks_week\n    observed: 4\n    tolerance: 1",
      "targets.t.source")],
)  # fmt: skip
def test_a_bad_targets_file_names_its_line_and_key(tmp_path, body, key):
    path = tmp_path / "t.yaml"
    path.write_text(f"targets:\n  t:\n    {body}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=rf"^{path}:\d+: {key}: "):
        targets.load(path, load(figures.SCENARIO))


def test_a_share_target_counts_runs_meeting_its_condition_among_the_given_runs():
    import numpy as np

    t = targets.Target("x", "share", "deal_week", 0.5, 0.1, "s",
                       condition=targets.Condition("deal_week", "below", 5),
                       given=targets.Condition("deal_week", "present", True))  # fmt: skip
    est = t.evaluate({"deal_week": np.array([1.0, 7.0, np.nan, 3.0, 9.0])})
    assert est[0] == pytest.approx(0.5)


def test_a_weekly_median_target_reads_the_quantity_at_its_week():
    import numpy as np

    t = targets.Target("w", "weekly_median", "tariff_on_US", 10.0, 1.0, "s", week=1, country="CN")
    weekly = {("CN", "tariff_on_US"): np.array([[125.0, 125.0, 125.0], [10.0, 10.0, 30.0]])}
    est = t.evaluate({}, weekly)
    assert est[0] == 10.0 and t.met(est)
