"""sweep --trajectories: exact weekly tariff percentiles per point, resume, load, plots."""

import csv
import json

import numpy as np
import pytest

from sim import api, sweep
from sim import columns as C
from sim.cli import main
from sim.results import load
from sim.trajectoryplots import chosen_points

FLOOR = "countries.A.policy.min_tariff"
GRID = ("--method", "grid", "--param", f"{FLOOR}=[0, 90]")


def sweep_cli(small_path, out, *args, workers="1"):
    return main(["sweep", str(small_path), "--out", str(out), "--quiet", "--workers", workers,
                 "--set", "horizon=12", *args])  # fmt: skip


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_medians_are_exact_over_a_point_spread_across_blocks(small_path, tmp_path):
    """A point of 150 runs spans three 64-run blocks: its median is that of all 150 runs, as
    steps.csv of the same runs gives it (another code path)."""
    out = tmp_path / "s"
    assert sweep_cli(small_path, out, *GRID, "--runs-per-point", "150", "--trajectories") == 0
    assert main(["run", str(small_path), "--out", str(tmp_path / "r"), "--quiet", "--workers",
                 "1", "--steps", "--set", "horizon=12", "--set", "runs=150",
                 "--set", f"{FLOOR}=90.0"]) == 0  # fmt: skip
    steps = [r for r in rows(tmp_path / "r" / "steps.csv") if r["country"] == "A"]
    tariff = np.array([float(r["tariff_on_B"]) for r in steps]).reshape(150, 12)
    point = [r for r in rows(out / "trajectories.csv") if r["point"] == "1"]
    assert [int(r["week"]) for r in point] == list(range(12))
    for k, q in enumerate(C.TRAJECTORY_PERCENTILES):
        got = np.array([float(r[C.TRAJECTORY_TARIFF[k].name(i="A", j="B")]) for r in point])
        assert np.allclose(got, np.percentile(tariff, q, axis=0), rtol=1e-6, atol=1e-6)
    assert point[0]["date"] == "2025-04-12" and point[1]["date"] == "2025-04-19"


def test_one_and_two_workers_give_the_same_bytes_and_the_flag_changes_nothing_else(
    small_path, tmp_path
):
    args = ("--method", "lhs", "--points", "4", "--runs-per-point", "100",
            "--param", f"{FLOOR}=0:90")  # fmt: skip
    assert sweep_cli(small_path, tmp_path / "one", *args, "--trajectories") == 0
    assert sweep_cli(small_path, tmp_path / "two", *args, "--trajectories", workers="2") == 0
    assert sweep_cli(small_path, tmp_path / "plain", *args) == 0
    for name in ("trajectories.csv", "points.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    assert (tmp_path / "one" / "points.csv").read_bytes() == (
        tmp_path / "plain" / "points.csv"
    ).read_bytes()
    plain = tmp_path / "plain"
    assert not (plain / "trajectories.csv").exists()
    assert not list((plain / "points").glob("*.trajectory.csv"))
    assert "trajectories" not in json.loads((plain / "sweep.json").read_text())
    assert json.loads((tmp_path / "one" / "sweep.json").read_text())["trajectories"] is True


def test_a_higher_tariff_floor_gives_higher_median_trajectories(small_path, tmp_path):
    out = tmp_path / "s"
    assert sweep_cli(small_path, out, *GRID, "--runs-per-point", "150", "--trajectories") == 0
    table = load(out, pandas=False).trajectories
    name = C.TRAJECTORY_MEDIAN.name(i="A", j="B")
    low, high = (table[name][table["point"] == p] for p in (0, 1))
    assert high.mean() > low.mean() + 5  # the floor holds A's tariff up for weeks
    assert (high[:6] > low[:6]).all()


def test_resume_keeps_finished_points_and_reruns_a_lost_trajectory(small_path, tmp_path,
                                                                   monkeypatch):  # fmt: skip
    args = ("--method", "lhs", "--points", "4", "--runs-per-point", "30", "--trajectories",
            "--param", f"{FLOOR}=0:90")  # fmt: skip
    whole = tmp_path / "whole"
    assert sweep_cli(small_path, whole, *args) == 0
    cut = tmp_path / "cut"
    real_run = sweep.run

    def stop_after_two(folder, **kw):
        done = []

        def on_point(p):
            done.append(p)
            if len(done) == 2:
                raise KeyboardInterrupt

        return real_run(folder, **{**kw, "on_point": on_point})

    monkeypatch.setattr(sweep, "run", stop_after_two)
    assert sweep_cli(small_path, cut, *args) == 130
    assert len(list((cut / "points").glob("*.trajectory.csv"))) == 2
    monkeypatch.setattr(sweep, "run", real_run)
    (cut / "points" / "000000.trajectory.csv").unlink()  # lost: the point runs again
    assert main(["sweep", "--resume", str(cut), "--quiet", "--workers", "1"]) == 0
    for name in ("trajectories.csv", "points.csv"):
        assert (cut / name).read_bytes() == (whole / name).read_bytes()


def test_resume_refuses_the_flag(small_path, tmp_path, capsys):
    out = tmp_path / "s"
    assert sweep_cli(small_path, out, *GRID, "--runs-per-point", "20") == 0
    capsys.readouterr()
    code = main(["sweep", "--resume", str(out), "--quiet", "--trajectories"])
    assert code == 2 and "--trajectories" in capsys.readouterr().err


def test_a_damaged_flag_in_sweep_json_is_refused(small_path, tmp_path, capsys):
    out = tmp_path / "s"
    assert sweep_cli(small_path, out, *GRID, "--runs-per-point", "20", "--trajectories") == 0
    saved = json.loads((out / "sweep.json").read_text())
    (out / "sweep.json").write_text(json.dumps({**saved, "trajectories": "yes"}))
    (out / "manifest.json").unlink()
    capsys.readouterr()
    assert main(["sweep", "--resume", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "trajectories" in err and "true or false" in err


def test_load_and_the_api_read_the_declared_columns(small_path, tmp_path):
    out = tmp_path / "s"
    assert sweep_cli(small_path, out, *GRID, "--runs-per-point", "20", "--trajectories") == 0
    res = load(out, pandas=False)
    assert list(res.trajectories.dtype.names) == C.names(C.TRAJECTORIES, res.layout)
    assert len(res.trajectories) == 2 * 12
    sw = api.run_sweep(str(small_path), {FLOOR: [0, 90]}, method="grid", runs_per_point=20,
                       trajectories=True)  # fmt: skip
    assert sw.trajectories.shape == (2 * 20, 3 + 3 * 2)  # the scenario's horizon is 20
    assert list(api.load(out).trajectories.columns) == list(res.trajectories.dtype.names)


def test_plot_draws_trajectories_and_fans_only_when_recorded(small_path, tmp_path):
    pytest.importorskip("matplotlib")
    with_, without = tmp_path / "with", tmp_path / "without"
    assert sweep_cli(small_path, with_, *GRID, "--runs-per-point", "20", "--trajectories") == 0
    assert sweep_cli(small_path, without, *GRID, "--runs-per-point", "20") == 0
    assert main(["plot", str(with_)]) == 0
    assert main(["plot", str(without)]) == 0
    assert {"trajectories.png", "fans.png"} <= {p.name for p in (with_ / "plots").iterdir()}
    assert not {"trajectories.png", "fans.png"} & {p.name for p in (without / "plots").iterdir()}


def test_fans_span_the_lowest_to_the_highest_point():
    points = np.zeros(10, dtype=[("point", int), ("x", float)])
    points["point"] = np.arange(10)
    points["x"] = [5, 3, 9, 1, 7, np.nan, 2, 8, 6, 4]
    picks = chosen_points(points, "x", most=4)
    assert picks[0] == (3, "lowest") and picks[-1] == (2, "highest") and len(picks) == 4
    assert chosen_points(points[:2], "x") == [(1, "lowest"), (0, "highest")]


def test_a_swept_horizon_gives_points_of_different_lengths_that_still_plot(small_path, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "s"
    assert sweep_cli(small_path, out, "--method", "grid", "--param", "horizon=[8, 12]",
                     "--runs-per-point", "20", "--trajectories") == 0  # fmt: skip
    table = load(out, pandas=False).trajectories
    assert [int((table["point"] == p).sum()) for p in (0, 1)] == [8, 12]
    assert main(["plot", str(out)]) == 0
    assert (out / "plots" / "fans.png").is_file()


def test_percentiles_are_taken_once_per_point_over_its_own_runs(small_path, tmp_path,
                                                                 monkeypatch):  # fmt: skip
    """Memory is bounded by a point's runs: each point's blocks are gathered, summarised and
    dropped before the next point's."""
    from sim import trajectories

    real, held = trajectories.percentiles, []

    def counting(tariffs):
        held.append(sum(t.shape[1] for t in tariffs))
        return real(tariffs)

    monkeypatch.setattr(trajectories, "percentiles", counting)
    assert sweep_cli(small_path, tmp_path / "s", "--method", "grid", "--runs-per-point", "150",
                     "--param", f"{FLOOR}=[0, 30, 90]", "--trajectories") == 0  # fmt: skip
    assert held == [150, 150, 150]  # three 64-run blocks each, never more than one point


def test_three_countries_get_a_panel_per_pair_and_point(tmp_path):
    pytest.importorskip("matplotlib")
    from conftest import SCENARIOS

    from sim.plots import pyplot
    from sim.trajectoryplots import SPLIT_FANS, trajectory_fans

    out = tmp_path / "s"
    assert main(["sweep", str(SCENARIOS / "three_countries.yaml"), "--out", str(out), "--quiet",
                 "--workers", "1", "--set", "horizon=24", "--method", "lhs", "--points", "5",
                 "--runs-per-point", "10", "--param", "countries.A.face_cost=0:0.6",
                 "--trajectories"]) == 0  # fmt: skip
    plt = pyplot()
    fig = trajectory_fans(plt, load(out, pandas=False))
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    plt.close(fig)
    assert len(titles) == 6 * SPLIT_FANS  # six ordered pairs, a row each
    assert titles[0].startswith("A on B, point") and titles[SPLIT_FANS].startswith("A on C")
