"""The Python API (sim.api, exported from sim): docs/api.md runs, nothing is written unasked."""

import doctest
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import pytest
import yaml
from conftest import ROOT, SMALL

import sim
from sim import api, mesastyle
from sim.cli import main
from sim.results import step_columns
from sim.runner import block_seed, simulate_block


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """An empty folder, the current one, where ``scenarios/`` resolves as in the repository."""
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_examples_in_docs_api_md_run(workdir):
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)
    assert len(blocks) >= 8
    namespace: dict = {}
    for k, block in enumerate(blocks):
        exec(compile(block, f"docs/api.md block {k}", "exec"), namespace)  # noqa: S102
    # only what save() and the calibration made
    assert sorted(os.listdir(workdir)) == ["my-calibration", "my-results", "scenarios"]


def test_the_docstring_examples_run(workdir):
    results = [doctest.testmod(m, optionflags=doctest.ELLIPSIS) for m in (api, mesastyle)]
    assert sum(r.attempted for r in results) >= 15 and sum(r.failed for r in results) == 0


def test_run_without_out_writes_nothing(workdir, small_path, monkeypatch):
    scratch = workdir / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where run() streams, privately
    before = set(os.listdir(workdir))
    res = sim.run(small_path, runs=30)
    assert len(res.runs) == 30 and res.folder is None
    assert set(os.listdir(workdir)) == before and not any(scratch.iterdir())


def test_save_writes_the_files_tradewar_run_writes_byte_for_byte(tmp_path, small_path):
    assert main(["run", str(small_path), "--out", str(tmp_path / "cli"), "--quiet",
                 "--runs", "150", "--seed", "4"]) == 0  # fmt: skip
    saved = sim.run(small_path, runs=150, seed=4).save(tmp_path / "api")
    for name in ("runs.csv", "events.csv", "summary.csv", "scenario.yaml"):
        assert (saved / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    again = sim.load(saved)
    assert again.complete and again.headline().equals(
        sim.run(small_path, runs=150, seed=4).headline()
    )
    assert (again.save(tmp_path / "copy") / "runs.csv").read_bytes() == (
        saved / "runs.csv"
    ).read_bytes()
    with pytest.raises(sim.OutputError, match="not empty"):
        sim.run(small_path, runs=10).save(saved)


def test_results_offer_their_tables_to_tab_completion(tmp_path, small_path):
    res = sim.run(small_path, runs=20, out=tmp_path / "r", steps=True)
    assert {"runs", "summary", "events", "steps"} <= set(dir(res))
    assert {"runs", "summary", "events", "steps"} <= set(dir(sim.load(tmp_path / "r")))
    assert res.folder == tmp_path / "r" and (tmp_path / "r" / "steps.csv").is_file()


def test_load_scenario_from_a_dict_with_overrides_and_errors():
    raw = yaml.safe_load(SMALL)
    scenario = sim.load_scenario(raw, {"runs": 12, "countries.A.face_cost": 0.3})
    assert scenario.runs == 12 and scenario.countries[0].face_cost == 0.3
    block = {
        "z_first": {"kind": "count", "event": "deal"},
        "a_next": {"kind": "count", "event": "leak"},
    }
    assert [o.name for o in sim.load_scenario(raw, {"outcomes": block}).outcomes] == list(block)
    raw["horizon"] = "long"
    with pytest.raises(sim.ScenarioError, match=r"<dict>:\d+: horizon: expected a whole"):
        sim.load_scenario(raw)
    with pytest.raises(sim.ScenarioError, match="runs"):
        sim.run(scenario, runs=0)


def test_batch_run_is_paired_and_puts_parameters_first(small_path):
    same = {"countries.A.face_cost": 0.15}
    df = sim.batch_run(small_path, [same, same, {"countries.A.face_cost": 0.5}], runs=40)
    assert list(df.columns[:2]) == ["countries.A.face_cost", "run"] and len(df) == 120
    first, second = df.iloc[:40].drop(columns="run"), df.iloc[40:80].drop(columns="run")
    assert first.reset_index(drop=True).equals(second.reset_index(drop=True))
    plain = sim.run(small_path, runs=40).runs  # face_cost 0.15 is the file's own value
    np.testing.assert_array_equal(df.iloc[:40]["deal_week"], plain["deal_week"])


def test_a_stepped_model_reads_like_steps_csv(small_path):
    scenario = sim.load_scenario(small_path, {"block_size": 5, "runs": 5})
    model = sim.TradeWarModel(scenario, replicates=5, seed=block_seed(scenario.seed, 0))
    for _ in range(3):
        model.step()
    now = sim.state(model, run=2)
    table = sim.weekly_table(model)
    last = table[(table.week == 2) & (table.run == 2)].reset_index(drop=True)
    for column in now.columns:
        assert (
            now[column].tolist() == pytest.approx(last[column].tolist(), nan_ok=True)
            if now[column].dtype.kind == "f"
            else now[column].tolist() == last[column].tolist()
        )
    model.simulate()
    block = simulate_block(scenario, 0)
    want = step_columns(block, scenario.country_names(), scenario.start_date)
    got = sim.weekly_table(model)
    for name, values in want.items():
        np.testing.assert_array_equal(got[name].to_numpy(), values, err_msg=name)


def test_weekly_table_before_any_step_is_a_clear_error(small_path):
    with pytest.raises(ValueError, match="step"):
        sim.weekly_table(sim.TradeWarModel(sim.load_scenario(small_path)))


def test_import_sim_stays_light():
    code = "import sim, sys; print('pandas' in sys.modules, 'sim.api' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.split() == ["False", "False"]


CALIBRATE = ["calibrate", str(ROOT / "scenarios" / "us_china_2025.yaml"), "--targets",
             str(ROOT / "scenarios" / "targets" / "us_china_2025.yaml"), "--params",
             "countries.CN.resolve", "--particles", "4", "--replicates", "20", "--budget",
             "320", "--workers", "1"]  # fmt: skip


def test_a_calibration_folder_has_a_headline_plot_and_save(tmp_path):
    """headline() used to fail with a bare KeyError: 'runs' on a calibration folder."""
    pytest.importorskip("matplotlib")
    assert main([*CALIBRATE, "--out", str(tmp_path / "c")]) == 0
    cal = sim.load(tmp_path / "c")
    head = cal.headline()
    assert list(head["target"]) == list(cal.fit["target"]) and "met" in head.columns
    again = sim.load(cal.save(tmp_path / "copy"))
    assert again.complete and again.headline().equals(head)
    import matplotlib.pyplot as plt

    figures = cal.plot()
    assert set(figures) == {"posterior_corner", "prior_vs_posterior", "targets_vs_simulated"}
    for fig in figures.values():
        plt.close(fig)


def test_an_unfinished_calibration_says_so_and_still_saves(tmp_path, monkeypatch):
    from sim import calibrate

    def interrupted(self, theta):
        raise KeyboardInterrupt

    monkeypatch.setattr(calibrate.Simulator, "statistics", interrupted)
    assert main([*CALIBRATE, "--out", str(tmp_path / "c")]) == 130
    cal = sim.load(tmp_path / "c")
    for method in (cal.headline, cal.identification, cal.plot):
        with pytest.raises(sim.OutputError, match="incomplete .*calibrate --resume"):
            method()
    assert not sim.load(cal.save(tmp_path / "copy")).complete


def test_a_sweep_without_runs_detail_has_no_headline_and_says_why(small_path):
    sw = sim.run_sweep(small_path, {"countries.A.face_cost": [0.0, 0.3]}, method="grid",
                       runs_per_point=10)  # fmt: skip
    with pytest.raises(sim.OutputError, match="no runs table.*runs_detail"):
        sw.headline()
