"""Every shipped scenario validates, runs, and behaves as its name says."""

import importlib.util

import numpy as np
import pytest
from conftest import ROOT, SCENARIOS

from sim.cli import main
from sim.model import TradeWarModel
from sim.scenario import load

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))


def _regression_script():
    path = ROOT / "tests" / "data" / "make_regression.py"
    spec = importlib.util.spec_from_file_location("make_regression", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REGRESSION = _regression_script()


def test_the_four_scenarios_are_shipped():
    assert {p.stem for p in SHIPPED} >= {
        "us_china_2025", "symmetric_baseline", "mutual_hawks", "face_stalemate",
    }  # fmt: skip


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_scenario_validates_and_runs(path, tmp_path, capsys):
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.startswith("OK")
    out = tmp_path / "out"
    assert main(["run", str(path), "--runs", "50", "--workers", "1", "--quiet",
                 "--out", str(out)]) == 0  # fmt: skip
    assert (out / "manifest.json").exists()


def outcomes(name: str, runs: int = 2000):
    return TradeWarModel(load(SCENARIOS / f"{name}.yaml"), runs, 5).simulate().outcomes()


def test_us_china_2025_matches_its_founding_facts():
    s = load(SCENARIOS / "us_china_2025.yaml")
    us, cn = s.countries
    assert (us.name, cn.name, us.tariff["CN"], cn.tariff["US"]) == ("US", "CN", 145, 125)
    assert (s.horizon, s.runs, s.start_date.isoformat()) == (52, 1000, "2025-04-12")
    out = outcomes("us_china_2025")
    assert np.mean(~np.isnan(out["deal_week"])) > 0.5  # a deal was reached in 2025
    assert np.all(out["peak_tariff_CN_US"] <= 125)  # China's declared ceiling holds


def test_symmetric_baseline_is_a_coin_toss():
    out = outcomes("symmetric_baseline", 4000)
    a = np.mean(out["first_approacher"] == "A")
    b = np.mean(out["first_approacher"] == "B")
    assert abs(a - b) < 0.05


def test_mutual_hawks_spiral_to_the_caps_without_deals():
    out = outcomes("mutual_hawks")
    assert np.median(out["final_tariff_A_B"]) == 300 and np.median(out["final_tariff_B_A"]) == 300
    assert np.mean(~np.isnan(out["deal_week"])) < 0.1


def test_face_stalemate_grinds_on():
    stalemate, baseline = outcomes("face_stalemate"), outcomes("symmetric_baseline")
    assert np.mean(stalemate["first_approacher"] == "none") > 0.7
    assert np.mean(stalemate["final_status"] == "conflict") > 0.7
    assert np.mean(baseline["first_approacher"] == "none") < 0.1


@pytest.mark.parametrize("stem", sorted(REGRESSION.CASES))
def test_regression_against_checked_in_files(tmp_path, stem):
    """runs.csv, events.csv and the first runs of steps.csv against checked-in copies.

    The golden files are written by the same code this test runs; regenerate them after a
    deliberate model change with ``python tests/data/make_regression.py`` and review the diff.
    """
    out = REGRESSION.simulate(stem, tmp_path / "reg")
    for name in REGRESSION.FILES:
        got, want = REGRESSION.rows(out / name), REGRESSION.rows(REGRESSION.GOLDEN / stem / name)
        assert len(got) == len(want) > 0 and got[0].keys() == want[0].keys(), name
        for row, (g, w) in enumerate(zip(got, want, strict=True)):
            for key in w:
                where = f"{stem}/{name} row {row} {key}"
                if w[key] == "" or not _is_number(w[key]):
                    assert g[key] == w[key], where
                else:
                    assert float(g[key]) == pytest.approx(float(w[key]), rel=1e-6, abs=1e-9), where


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
