"""Issue 13: sensitivity that says what it can tell, sweeps an analyst can read."""

import numpy as np

from sim import sensitivity
from sim.scenario import SweepParam
from sim.sweep import design
from sim.sweepsettings import Settings

# Ishigami (a=7, b=0.1) on U(-pi, pi)^3: its exact indices (Saltelli et al. 2008, "Global
# Sensitivity Analysis: The Primer")
S1 = np.array([0.3139, 0.4424, 0.0])
ST = np.array([0.5576, 0.4424, 0.2437])


def ishigami_columns(n=1024, seed=3):
    keys = [f"x{i}" for i in range(3)]
    s = Settings("sobol", n, 1, tuple(SweepParam(k, low=-np.pi, high=np.pi) for k in keys), seed)
    x = design(s)
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    return keys, {
        "ishigami": y,
        "flat": np.full(len(y), 0.5) + 1e-3 * np.sin(x[:, 0]),
        "flat_low": np.full(len(y), 0.4),
        "flat_high": np.full(len(y), 0.6),
    }


def test_ishigami_indices_through_the_sweep_design_and_estimator():
    keys, columns = ishigami_columns()
    table = sensitivity.sobol_table(columns, ["ishigami"], keys, 1024, seed=3)
    assert np.allclose(table["first_order"], S1, atol=0.05)
    assert np.allclose(table["total_order"], ST, atol=0.05)
    low, high = table["total_order_low"], table["total_order_high"]
    assert np.all(np.isfinite(low) & np.isfinite(high)) and np.all(low <= high)
    assert np.all((low <= ST + 0.02) & (high >= ST - 0.02))
    assert (table["note"] == "").all()


def test_an_outcome_within_its_noise_gets_a_note_not_indices():
    keys, columns = ishigami_columns(64)
    table = sensitivity.sobol_table(columns, ["flat", "ishigami"], keys, 64, seed=3)
    flat = table["outcome"] == "flat"
    assert np.all(np.isnan(table["first_order"][flat])) and np.all(
        np.isnan(table["total_order"][flat])
    )
    assert set(table["note"][flat]) == {sensitivity.FLAT}
    assert table["variance"][flat][0] < table["noise"][flat][0]
    text = sensitivity.ranking(table)
    assert "flat (sd across points" in text and "does not vary in this design" in text
    assert "x1" in text.splitlines()[1]


def test_two_country_sweeps_tell_each_countrys_trade_loss_apart(tmp_path):
    from sim.cli import main

    out = tmp_path / "s"
    assert main(["sweep", "scenarios/us_china_2025.yaml", "--method", "grid", "--quiet",
                 "--runs-per-point", "40", "--param", "countries.CN.face_cost=[0.1]",
                 "--out", str(out)]) == 0  # fmt: skip
    header, row = (out / "points.csv").read_text().splitlines()[:2]
    values = dict(zip(header.split(","), row.split(","), strict=True))
    assert values["mean_import_loss_US"] != values["mean_import_loss_CN"]


def test_headline_medians_say_whom_they_cover_and_shares_by_week_cover_all():
    from sim.report import Headline

    nan = np.nan
    outcomes = {
        "first_approacher": np.array(["A", "B", "none", "none"]),
        "first_approach_week": np.array([40.0, 50.0, nan, nan]),
        "talks_week": np.array([41.0, nan, 10.0, nan]),  # forced talks need no approach
        "deal_week": np.array([nan, nan, 12.0, nan]),
        "first_approach_channel": np.array(["public", "public", "", ""]),
    }
    for key in (
        "approaches_A",
        "approaches_B",
        "leaks_A",
        "leaks_B",
        "denials_A",
        "denials_B",
        "deals",
        "renewals",
        "snapbacks",
        "collapses",
    ):
        outcomes[key] = np.zeros(4)
    head = Headline(["A", "B"], 52)
    head.add(outcomes)
    text = head.text({})
    assert "median week of talks open         25.5  (among the 2 of 4 runs that had one)" in text
    assert head.by_week()["deal"] == {13: 0.25, 26: 0.25, 52: 0.25}
    assert head.by_week()["approach"] == {13: 0.0, 26: 0.0, 52: 0.5}


def _run(out, *extra):
    from sim.cli import main

    assert main(["run", "scenarios/us_china_2025.yaml", "--runs", "300", "--quiet",
                 "--out", str(out), *extra]) == 0  # fmt: skip


def test_compare_identical_folders_gives_exact_zeros_and_a_variant_the_right_sign(tmp_path):
    from sim.compare import compare_data

    _run(tmp_path / "a")
    _run(tmp_path / "b")
    _run(tmp_path / "c", "--set", "countries.CN.face_cost=0.6")  # asking costs China more
    data = compare_data([tmp_path / "a", tmp_path / "b", tmp_path / "c"])
    same, variant = data["folders"]
    assert same["paired"] and variant["paired"]
    assert all(row["difference"] == (0.0, 0.0, 0.0) for row in same["rows"].values())
    d, low, high = variant["rows"]["P(first approach: CN)"]["difference"]
    assert d < 0 and high < 0


def test_compare_refuses_different_countries_and_sweeps(tmp_path, capsys):
    from sim.cli import main

    _run(tmp_path / "a")
    assert main(["run", "scenarios/symmetric_baseline.yaml", "--runs", "50", "--quiet",
                 "--out", str(tmp_path / "sym")]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "sym")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tradewar: error:") and "same countries" in err


def test_prim_finds_a_planted_box():
    from sim import prim

    rng = np.random.default_rng(0)
    x = rng.random((4000, 3))
    y = (x[:, 0] > 0.6) & (x[:, 1] < 0.3)
    box = prim.chosen(prim.peel(x, y))
    assert box.restricted(x) == [0, 1]
    assert abs(box.low[0] - 0.6) < 0.05 and abs(box.high[1] - 0.3) < 0.05
    assert box.density > 0.95 and box.coverage > 0.9


def test_where_is_parsed_never_run_and_bad_conditions_are_clear():
    import pytest

    from sim.scenario import ScenarioError
    from sim.where import condition

    cols = {"who": np.array(["CN", "US", "CN"]), "week": np.array([3.0, np.nan, 10.0]),
            "countries.CN.resolve": np.array([0.1, 0.5, 0.9])}  # fmt: skip
    got = condition("who == 'CN' and not week > 5 or countries.CN.resolve >= 0.5", cols)
    assert got.tolist() == [True, True, True]
    assert condition("2 < week <= 10", cols).tolist() == [True, False, True]
    for bad, why in (
        ("who ==", "not a condition"),
        ("nobody > 1", "no column 'nobody'"),
        ("__import__('os').system('true')", "is not a column name"),
        ("week + 1 > 2", "is not a column name"),
        ("who < 'CN'", "only with =="),
    ):
        with pytest.raises(ScenarioError, match=why):
            condition(bad, cols)


def test_discover_on_a_run_folder_and_its_errors(tmp_path, capsys):
    from sim.cli import main

    _run(tmp_path / "a")
    capsys.readouterr()
    assert main(["discover", str(tmp_path / "a"), "--where", "final_tariff_CN_US > 50",
                 "--plot", str(tmp_path / "d.png")]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert (
        "PRIM box" in out and "countries.CN.resolve" in out and (tmp_path / "d.png").stat().st_size
    )
    assert main(["discover", str(tmp_path / "a"), "--where", "open('x')"]) == 2
    assert capsys.readouterr().err.startswith("tradewar: error: --where")


def test_morris_ranks_a_function_with_a_known_ranking():
    import pytest

    pytest.importorskip("SALib")
    from sim import morris

    unit = morris.unit_design(40, 4, seed=5)
    y = 10 * unit[:, 0] + 3 * unit[:, 1] ** 2 + 0 * unit[:, 2] + unit[:, 3]
    table = morris.morris_table(unit, {"y": y}, ["y"], ["a", "b", "c", "d"], seed=5)
    order = np.argsort(-table["mu_star"])
    assert [table["parameter"][k] for k in order] == ["a", "b", "d", "c"]
    assert np.isclose(table["mu_star"][0], 10) and table["mu_star"][2] == 0


def test_morris_without_salib_is_a_clear_usage_error(small_path, tmp_path, capsys, monkeypatch):
    import builtins

    from sim.cli import main

    real = builtins.__import__

    def no_salib(name, *args, **kwargs):
        if name.startswith("SALib"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_salib)
    monkeypatch.setattr("importlib.import_module", lambda name: no_salib(name))
    assert (
        main(
            [
                "sweep",
                str(small_path),
                "--method",
                "morris",
                "--points",
                "2",
                "--param",
                "countries.A.face_cost=0:0.4",
                "--out",
                str(tmp_path / "m"),
            ]
        )
        == 2
    )
    assert 'pip install -e ".[analysis]"' in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_sensitivity_from_runs_ranks_a_drawn_parameter_above_the_dummy(tmp_path, capsys):
    import pytest

    pytest.importorskip("SALib")
    from sim.cli import main
    from sim.runsens import DUMMY, analyse, targets

    _run(tmp_path / "a", "--runs", "2000")
    data = analyse(tmp_path / "a", ["deal_week"])
    rows = data["outcomes"]["deal_week"]["rows"]
    assert rows["countries.CN.resolve"][1] > rows[DUMMY][2]  # its interval clears the dummy's
    labels = targets({"who": np.array(["US", "CN", "US"])}, "who")
    assert list(labels) == ["who == 'US'", "who == 'CN'"] and labels["who == 'CN'"].sum() == 1
    capsys.readouterr()
    assert main(["sensitivity", str(tmp_path / "a"), "--outcome", "nope"]) == 2
    assert "no outcome 'nope'" in capsys.readouterr().err


def test_a_design_file_runs_exactly_its_points_and_resumes(small_path, tmp_path, capsys):
    from sim.cli import main

    design = tmp_path / "points.csv"
    design.write_text("countries.A.face_cost,negotiation.cut\n0.1,80\n0.3,20\n0.1,80\n")
    out = tmp_path / "s"
    assert main(["sweep", str(small_path), "--design", str(design), "--runs-per-point", "20",
                 "--quiet", "--out", str(out)]) == 0  # fmt: skip
    rows = [r.split(",") for r in (out / "points.csv").read_text().splitlines()[1:]]
    assert [(float(r[1]), float(r[2])) for r in rows] == [(0.1, 80), (0.3, 20), (0.1, 80)]
    assert rows[0][3:] == rows[2][3:]  # the same point, the same random numbers
    (out / "manifest.json").unlink()
    assert main(["sweep", "--resume", str(out), "--quiet"]) == 0
    design.write_text("countries.A.face_cost\nabc\n")
    capsys.readouterr()
    assert (
        main(["sweep", str(small_path), "--design", str(design), "--out", str(tmp_path / "x")]) == 2
    )
    assert f"{design}:2: countries.A.face_cost: expected a number" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_scattered_sweeps_print_effects_sort_by_any_outcome_and_refuse_unknown_ones(
        small_path, tmp_path, capsys):  # fmt: skip
    from sim.cli import main

    out = tmp_path / "s"
    assert main(["sweep", str(small_path), "--method", "lhs", "--points", "8", "--quiet",
                 "--runs-per-point", "20", "--param", "countries.A.face_cost=0:0.5",
                 "--param", "negotiation.cut=[20, 80]", "--out", str(out)]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "per-parameter effect" in printed and "highest at point" in printed
    assert main(["summarize", str(out), "--sort-by", "mean_final_tariff_A_B", "--ascending",
                 "--format", "json"]) == 0  # fmt: skip
    import json

    top = json.loads(capsys.readouterr().out)["top_points"]
    tariffs = [row["mean_final_tariff_A_B"] for row in top]
    assert tariffs == sorted(tariffs)
    assert main(["plot", str(out), "--out", str(tmp_path / "f"), "--outcome", "p_deal"]) == 0
    assert {p.name for p in (tmp_path / "f").iterdir()} == {"heatmap.png"}
    capsys.readouterr()
    for command in (["summarize", str(out), "--outcome", "nope"],
                    ["summarize", str(out), "--sort-by", "nope"],
                    ["plot", str(out), "--outcome", "nope"]):  # fmt: skip
        assert main(command) == 2
        assert "no outcome 'nope' in points.csv" in capsys.readouterr().err
