"""Sweeps: designs, common random numbers, sensitivity, resume, failures, Dask."""

import json

import numpy as np
import pytest
from conftest import SMALL

from sim import sensitivity, sweep
from sim.cli import main
from sim.scenario import ScenarioError, SweepParam, load_text


def settings(method, params, points=8, runs=40, seed=3):
    return sweep.Settings(method, points, runs, tuple(params), seed)


def test_grid_size_and_order():
    s = settings(
        "grid", [SweepParam("a", values=(1.0, 2.0)), SweepParam("b", low=0, high=1, num=3)]
    )
    assert sweep.design(s).tolist() == [[1, 0], [1, 0.5], [1, 1], [2, 0], [2, 0.5], [2, 1]]


@pytest.mark.parametrize("method", ["lhs", "sobol", "random"])
def test_sampled_designs_are_in_bounds_and_reproducible(method):
    params = [SweepParam("a", low=-1.0, high=2.0), SweepParam("b", values=(5.0, 7.0, 9.0))]
    points = sweep.design(settings(method, params, points=16))
    assert len(points) == (16 * 4 if method == "sobol" else 16)  # sobol: n (d + 2)
    assert np.all((points[:, 0] >= -1) & (points[:, 0] <= 2))
    assert set(points[:, 1]) <= {5.0, 7.0, 9.0}
    assert np.array_equal(points, sweep.design(settings(method, params, points=16)))
    assert not np.array_equal(points, sweep.design(settings(method, params, points=16, seed=4)))


def test_latin_hypercube_covers_every_stratum_once():
    points = sweep.design(settings("lhs", [SweepParam("a", low=0.0, high=1.0)], points=10))
    assert sorted(np.floor(points[:, 0] * 10).astype(int)) == list(range(10))


def test_bad_settings_are_clear_errors():
    base = load_text(SMALL, "s.yaml")
    with pytest.raises(ScenarioError, match="power of 2"):
        sweep.settings_for(base, "sobol", 12, None, [SweepParam("seed", low=0, high=1)])
    with pytest.raises(ScenarioError, match="grid needs"):
        sweep.settings_for(base, "grid", None, None, [SweepParam("seed", low=0, high=1)])
    with pytest.raises(ScenarioError, match="nothing to sweep"):
        sweep.settings_for(base)


def sweep_cli(small_path, out, *args):
    return main(["sweep", str(small_path), "--out", str(out), "--quiet", "--workers", "1",
                 "--set", "horizon=12", *args])  # fmt: skip


def read(path):
    return path.read_text().splitlines()


def test_common_random_numbers_identical_points_give_identical_outcomes(small_path, tmp_path):
    out = tmp_path / "s"
    assert sweep_cli(small_path, out, "--method", "grid", "--runs-per-point", "50",
                     "--param", "countries.A.face_cost=[0.1, 0.1, 0.3]") == 0  # fmt: skip
    rows = read(out / "points.csv")
    strip = lambda row: row.split(",", 1)[1]  # noqa: E731  (drop the point number)
    assert strip(rows[1]) == strip(rows[2])
    assert strip(rows[1]) != strip(rows[3])


def test_sensitivity_ranks_the_dominant_parameter_and_zeroes_an_idle_one(small_path, tmp_path):
    out = tmp_path / "s"
    assert sweep_cli(small_path, out, "--method", "sobol", "--points", "32",
                     "--runs-per-point", "200",
                     "--param", "countries.A.pressures.markets.weight=0:1",
                     "--param", "negotiation.talks_lag=0:6") == 0  # fmt: skip
    rows = [r.split(",") for r in read(out / "sensitivity.csv")[1:]]
    total = {(r[0], r[1]): float(r[5] or "nan") for r in rows}
    weight, lag = "countries.A.pressures.markets.weight", "negotiation.talks_lag"
    # who asks first is settled before talks are ever scheduled: the lag cannot matter
    assert total[("p_first_A", lag)] < 0.05
    assert total[("p_first_A", weight)] > 0.5 > total[("p_first_A", lag)]


def test_interrupted_sweep_resumes_to_the_same_files(small_path, tmp_path, monkeypatch):
    args = ("--method", "lhs", "--points", "6", "--runs-per-point", "30", "--runs-detail",
            "--param", "countries.A.face_cost=0:0.4")  # fmt: skip
    whole = tmp_path / "whole"
    assert sweep_cli(small_path, whole, *args) == 0
    cut = tmp_path / "cut"
    real_run = sweep.run

    def stop_after_three(folder, **kw):
        count = []

        def on_point(p):
            kw["on_point"](p)
            count.append(p)
            if len(count) == 3:
                raise KeyboardInterrupt

        return real_run(folder, **{**kw, "on_point": on_point})

    monkeypatch.setattr(sweep, "run", stop_after_three)
    assert sweep_cli(small_path, cut, *args) == 130
    manifest = json.loads((cut / "manifest.json").read_text())
    assert manifest["complete"] is False and len(list((cut / "points").glob("*.json"))) == 3
    monkeypatch.setattr(sweep, "run", real_run)
    assert main(["sweep", "--resume", str(cut), "--quiet", "--workers", "1"]) == 0
    for name in ("points.csv", "runs.csv"):
        assert (cut / name).read_bytes() == (whole / name).read_bytes()
    assert json.loads((cut / "manifest.json").read_text())["complete"] is True


def test_a_failing_point_is_recorded_and_the_rest_complete(small_path, tmp_path, capsys):
    out = tmp_path / "s"
    code = sweep_cli(small_path, out, "--method", "grid", "--runs-per-point", "20",
                     "--param", "countries.A.cap=[180, -5, 190]")  # fmt: skip
    assert code == 2
    rows = [r.split(",") for r in read(out / "points.csv")]
    header = rows[0]
    error, runs = header.index("error"), header.index("runs")
    assert rows[2][error] and "out of range" in rows[2][error] and rows[2][runs] == "0"
    assert rows[1][error] == rows[3][error] == "" and rows[1][runs] == "20"
    assert "1 of 3 points failed" in capsys.readouterr().err


def test_unknown_key_or_bad_spec_fails_before_anything_runs(small_path, tmp_path, capsys):
    out = tmp_path / "s"
    assert sweep_cli(small_path, out, "--param", "countries.A.face_cots=0:1") == 2
    assert "did you mean 'face_cost'" in capsys.readouterr().err
    assert sweep_cli(small_path, out, "--param", "countries.A.face_cost=1:0") == 2
    assert sweep_cli(small_path, out, "--param", "countries.A.face_cost=abc") == 2
    assert not out.exists()


def test_sweep_block_in_the_scenario_and_command_line_wins(small_path, tmp_path):
    small_path.write_text(SMALL + "sweep:\n  method: grid\n  runs_per_point: 10\n"
                          "  parameters:\n    countries.A.face_cost: [0.1, 0.2]\n")  # fmt: skip
    assert sweep_cli(small_path, tmp_path / "a") == 0
    assert len(read(tmp_path / "a" / "points.csv")) == 3
    assert sweep_cli(small_path, tmp_path / "b", "--param", "countries.B.face_cost=[0, 1, 2]") == 0
    assert read(tmp_path / "b" / "points.csv")[0].split(",")[1] == "countries.B.face_cost"


def test_dask_local_cluster_gives_the_local_results(small_path, tmp_path):
    distributed = pytest.importorskip("distributed")
    args = ("--method", "lhs", "--points", "4", "--runs-per-point", "100",
            "--param", "countries.A.face_cost=0:0.4")  # fmt: skip
    assert sweep_cli(small_path, tmp_path / "local", *args) == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=":0") as cluster:  # fmt: skip
        assert sweep_cli(small_path, tmp_path / "dask", *args, "--scheduler",
                         cluster.scheduler_address) == 0  # fmt: skip
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["workers"] == 2 and manifest["scheduler"] == cluster.scheduler_address
    for name in ("points.csv",):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()


def test_sensitivity_files_repeat_exactly_and_match_scipy(small_path, tmp_path):
    from scipy import stats

    args = ("--method", "sobol", "--points", "8", "--runs-per-point", "30",
            "--param", "countries.A.face_cost=0:0.4",
            "--param", "negotiation.cut=10:90")  # fmt: skip
    assert sweep_cli(small_path, tmp_path / "a", *args) == 0
    assert sweep_cli(small_path, tmp_path / "b", *args) == 0
    for name in ("points.csv", "sensitivity.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    rng = np.random.default_rng(1)
    f_A, f_B, f_AB = rng.random((1, 16)), rng.random((1, 16)), rng.random((3, 1, 16))
    ours = sensitivity.saltelli(f_A[0], f_B[0], f_AB[:, 0, :])
    theirs = stats.sobol_indices(func={"f_A": f_A, "f_B": f_B, "f_AB": f_AB}, n=16)
    assert np.allclose(ours[0], theirs.first_order) and np.allclose(ours[1], theirs.total_order)
