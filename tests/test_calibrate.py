"""tradewar calibrate (issue #12): the ABC core against closed forms, recovery of known
parameters, reproducibility across workers and resume, and bad input."""

import csv
import json

import numpy as np
import pytest
from conftest import SCENARIOS
from scipy import stats

from sim import abc, calibrate, targets
from sim.cli import main
from sim.results import load as load_results
from sim.scenario import load

SCENARIO = SCENARIOS / "us_china_2025.yaml"
TARGETS = SCENARIOS / "targets" / "us_china_2025.yaml"
OUTPUTS = ("posterior.csv", "generations.csv", "fit.csv", "calibrated.yaml")

# A normal mean: prior N(0, 1), summary ybar ~ N(mu, 1/4), observed ybar = 1, so the posterior
# is N(0.8, 0.2) exactly.
PRIOR = abc.Prior((stats.norm(0, 1),))
EXACT_MEAN, EXACT_SD = 0.8, np.sqrt(0.2)


def _toy(theta, rng):
    return np.abs(theta[:, 0] + rng.normal(0, 0.5, len(theta)) - 1.0)


def _moments(theta, w):
    mean = np.sum(w * theta[:, 0]) / np.sum(w)
    return mean, np.sqrt(np.sum(w * (theta[:, 0] - mean) ** 2) / np.sum(w))


def test_rejection_matches_the_closed_form_posterior_of_a_normal_mean():
    [gen] = abc.smc(PRIOR, _toy, keep=1000, proposals=40_000, generations=1, seed=3)
    mean, sd = _moments(gen.theta, gen.weights)
    assert abs(mean - EXACT_MEAN) < 0.05 and abs(sd / EXACT_SD - 1) < 0.1


def test_smc_weights_match_the_closed_form_posterior_of_a_normal_mean():
    gens = abc.smc(PRIOR, _toy, keep=2000, proposals=4000, generations=5, seed=3)
    mean, sd = _moments(gens[-1].theta, gens[-1].weights)
    assert gens[-1].tolerance < gens[0].tolerance / 4
    assert abs(mean - EXACT_MEAN) < 0.05 and abs(sd / EXACT_SD - 1) < 0.1
    assert 100 < gens[-1].ess <= 2000


def test_smc_runs_with_fewer_particles_than_keys():
    """Three particles in four dimensions: the kernel covariance is singular, and used to
    stop the calibration with a LinAlgError."""
    prior = abc.Prior(tuple(stats.uniform(0, 1) for _ in range(4)))

    def far(theta, rng):
        return np.abs(theta.sum(axis=1) - 2.0)

    gens = abc.smc(prior, far, keep=3, proposals=6, generations=3, seed=1)
    assert all(np.isfinite(g.weights).all() and g.weights.sum() == pytest.approx(1) for g in gens)


def _collinear():
    """Ten particles of two keys that moved together (the second twice the first): more
    particles than keys, and still a singular population covariance."""
    x = np.linspace(0.2, 0.8, 10)
    return np.column_stack([x, 2 * x]), np.full(10, 0.1)


def test_a_collinear_population_gets_a_positive_definite_kernel_and_sampling_works():
    prior = abc.Prior((stats.uniform(0, 1), stats.uniform(0, 2)))
    theta, w = _collinear()
    cov = abc.kernel_cov(theta, w)
    assert np.linalg.eigvalsh(cov).min() > 0
    np.linalg.cholesky(cov)
    plain = 2 * np.cov(theta, rowvar=False, aweights=w, ddof=0)
    assert np.allclose(cov, plain, rtol=0, atol=2e-6 * plain.max())  # a ridge of ~1e-6 of each
    moved = abc.propose(prior, theta, w, 400, np.random.default_rng(1))
    assert np.isfinite(prior.logpdf(moved)).all()
    assert np.ptp(moved[:, 1] - 2 * moved[:, 0]) > 0  # off the line too
    weights = abc.importance_weights(prior, moved, theta, w)
    assert np.isfinite(weights).all() and weights.sum() == pytest.approx(1)


def test_a_well_conditioned_population_gets_no_ridge():
    theta = np.random.default_rng(2).uniform(size=(20, 3))
    w = np.full(20, 0.05)
    plain = 2 * np.cov(theta, rowvar=False, aweights=w, ddof=0) + 1e-12 * np.eye(3)
    assert np.array_equal(abc.kernel_cov(theta, w), plain)


def test_smc_weights_undo_the_proposal():
    """A flat kernel mixture over a wide population gives weights proportional to the prior."""
    prior = abc.Prior((stats.norm(0, 1),))
    prev = abc.Generation(np.array([[-1.0], [0.0], [1.0]]), np.full(3, 1 / 3), np.zeros(3),
                          np.arange(3), 0.0, 1.0, 3.0)  # fmt: skip
    theta = np.array([[0.0], [0.5]])
    w = abc.importance_weights(prior, theta, prev.theta, prev.weights)
    cov = abc.kernel_cov(prev.theta, prev.weights)[0, 0]
    mix = [np.mean(stats.norm(prev.theta[:, 0], np.sqrt(cov)).pdf(t)) for t in theta[:, 0]]
    expected = stats.norm.pdf(theta[:, 0]) / np.array(mix)
    assert np.allclose(w, expected / expected.sum())


def _cli(tmp_path, name, *extra):
    out = tmp_path / name
    params = ["countries.US.face_cost"] if "--set" in extra else []
    argv = ["calibrate", str(SCENARIO), "--targets", str(TARGETS), "--out", str(out),
            "--params", "countries.CN.resolve", "negotiation.deal_rate", *params,
            "--particles", "4", "--replicates", "20", "--budget", "320", *extra]  # fmt: skip
    return main(argv), out


def test_same_seed_gives_identical_files_for_one_and_two_workers(tmp_path, capsys, monkeypatch):
    assert _cli(tmp_path, "one", "--workers", "1")[0] == 0
    assert "talks_open" in capsys.readouterr().out
    monkeypatch.setattr(calibrate, "TASK_RUNS", 40)  # four packed blocks a generation
    assert _cli(tmp_path, "two", "--workers", "2")[0] == 0
    for name in OUTPUTS:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_a_resumed_calibration_equals_an_uninterrupted_one(tmp_path, monkeypatch):
    assert _cli(tmp_path, "whole", "--workers", "1")[0] == 0
    real = calibrate.Simulator.statistics
    calls = []

    def interrupted(self, theta):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, theta)

    monkeypatch.setattr(calibrate.Simulator, "statistics", interrupted)
    code, out = _cli(tmp_path, "cut", "--workers", "1")
    assert code == 130 and not (out / "posterior.csv").exists()
    assert json.loads((out / "manifest.json").read_text())["complete"] is False
    cut = load_results(out, pandas=False)  # read back as an unfinished calibration
    assert cut.kind == "calibrate" and not cut.complete and "no posterior.csv" in cut.problem
    monkeypatch.setattr(calibrate.Simulator, "statistics", real)
    assert main(["calibrate", "--resume", str(out), "--workers", "1"]) == 0
    for name in OUTPUTS:
        assert (tmp_path / "whole" / name).read_bytes() == (out / name).read_bytes()


def test_summarize_prints_a_calibration_report_and_refuses_other_formats(tmp_path, capsys):
    assert _cli(tmp_path, "c", "--workers", "1")[0] == 0
    capsys.readouterr()
    assert main(["summarize", str(tmp_path / "c")]) == 0
    assert capsys.readouterr().out == (tmp_path / "c" / "report.txt").read_text() + "\n"
    assert main(["summarize", str(tmp_path / "c"), "--format", "csv"]) == 2
    assert "a calibration folder: its tables are already CSV files" in capsys.readouterr().err
    assert main(["compare", str(tmp_path / "c"), str(tmp_path / "c")]) == 2
    assert "compare takes run folders, not a calibrate folder" in capsys.readouterr().err


def test_calibrated_yaml_replaces_each_key_with_a_distribution_on_the_prior_support(tmp_path):
    assert _cli(tmp_path, "c", "--workers", "1")[0] == 0
    scenario = load(tmp_path / "c" / "calibrated.yaml")
    resolve = scenario.countries[1].resolve
    assert resolve.name == "beta" and resolve.support() == pytest.approx((0.0, 0.4))


def test_a_fixed_key_takes_its_prior_from_the_command_line(tmp_path):
    prior = "countries.US.face_cost={dist: uniform, low: 0, high: 0.5}"
    code, out = _cli(tmp_path, "p", "--workers", "1", "--set", prior)
    assert code == 0
    face = load(out / "calibrated.yaml").countries[0].face_cost
    assert face.name == "beta" and face.support() == pytest.approx((0.0, 0.5))


def test_plot_draws_the_calibration_figures(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert _cli(tmp_path, "c", "--workers", "1")[0] == 0
    assert main(["plot", str(tmp_path / "c")]) == 0
    names = {p.name for p in (tmp_path / "c" / "plots").iterdir()}
    assert names == {"posterior_corner.png", "prior_vs_posterior.png", "targets_vs_simulated.png"}


@pytest.mark.parametrize(
    "target, extra, message",
    [("statistic: median\n    column: talks_wek\n    observed: 4\n    tolerance: 1\n"
      "    source: x", (), "talks_wek"),
     ("statistic: median\n    column: talks_week\n    observed: soon\n    tolerance: 1\n"
      "    source: x", (), "observed"),
     (None, ("--params", "countries.CN.resolve", "countries.US.face_cost"), "no prior"),
     (None, ("--budget", "100"), "--budget")],
)  # fmt: skip
def test_bad_input_is_a_clear_error_with_exit_2_and_nothing_written(tmp_path, capsys, target,
                                                                    extra, message):  # fmt: skip
    path = TARGETS
    if target is not None:
        path = tmp_path / "t.yaml"
        path.write_text(f"targets:\n  t:\n    {target}\n", encoding="utf-8")
    out = tmp_path / "out"
    argv = ["calibrate", str(SCENARIO), "--targets", str(path), "--out", str(out), *extra]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("tradewar: error: ") and message in err and "Traceback" not in err
    assert not out.exists()


def test_recovery_of_known_parameters(tmp_path):
    """Targets made by the model at known values: the identified key's 95% interval holds the
    truth and is narrower than the prior; a key no target depends on stays as wide."""
    truth = {"negotiation.deal_rate": 1.0}
    base = load(SCENARIO, ["runs=100", "block_size=100", *(f"{k}={v}" for k, v in truth.items())])
    from sim.runner import simulate_block

    runs = simulate_block(base, 0, False).outcomes
    gap = runs["deal_week"] - runs["talks_week"]
    observed = float(np.nanmedian(runs["deal_week"]))
    path = tmp_path / "targets.yaml"
    path.write_text(
        "targets:\n  deal_week:\n    statistic: median\n    column: deal_week\n"
        f"    given: {{column: deal_week, present: true}}\n    observed: {observed}\n"
        "    tolerance: 0.5\n    source: the model at deal_rate 1\n", encoding="utf-8")  # fmt: skip
    assert np.nanmedian(gap) >= 0
    argv = ["calibrate", str(SCENARIO), "--targets", str(path), "--out", str(tmp_path / "r"),
            "--params", "negotiation.deal_rate", "negotiation.truce_talks_rate",
            "--particles", "20", "--replicates", "50", "--budget", "8000",
            "--workers", "1"]  # fmt: skip
    assert main(argv) == 0
    with (tmp_path / "r" / "posterior.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    w = np.array([float(r["weight"]) for r in rows])
    for key, identified in (("negotiation.deal_rate", True),
                            ("negotiation.truce_talks_rate", False)):  # fmt: skip
        x = np.array([float(r[key]) for r in rows])
        low, high = abc.weighted_quantile(x, w, [0.025, 0.975])
        prior = dict(calibrate.uncertain(load(SCENARIO)))[key].frozen()
        ratio = (high - low) / np.diff(prior.ppf([0.025, 0.975]))[0]
        if identified:
            assert low <= truth[key] <= high and ratio < 0.8, (low, high, ratio)
        else:
            assert ratio > 0.6, ratio


def test_targets_are_per_point_statistics_over_the_replicates():
    s = calibrate.Settings(("countries.CN.resolve",), "smc", 400, 2, 50, 11)
    tlist = targets.load(TARGETS, load(SCENARIO))
    _, prior, _ = calibrate.prior_of(load(SCENARIO), s.keys)
    sim = calibrate.Simulator(SCENARIO.read_text(), s, tlist, prior)
    stats_ = sim.statistics(np.array([[0.2], [0.2]]))
    assert stats_.shape == (2, len(tlist)) and np.array_equal(stats_[0], stats_[1])


def test_packed_points_give_exactly_what_each_point_gives_alone():
    """Points packed in one block (tiled random numbers, per-replicate keys) simulate each
    point's runs exactly as a block of its own would: every outcome, and so every statistic.
    Two of the six uncertain keys are calibrated, so the other four are drawn (and tiled)."""
    from sim.model import TradeWarModel
    from sim.runner import block_seed, simulate_block

    keys, reps = ("countries.CN.resolve", "negotiation.deal_rate"), 30
    theta = np.array([[0.1, 0.5], [0.3, 2.0], [0.2, 1.0]])
    weekly = targets.Target("w", "weekly_median", "tariff_on_CN", 30.0, 1.0, "s", week=8,
                            country="US")  # fmt: skip
    tlist = (*targets.load(TARGETS, load(SCENARIO)), weekly)
    point = load(SCENARIO, [f"{k}=0.2" for k in keys] + ["seed=5"])
    packed = calibrate.simulate_points(point, keys, theta, reps, tlist)
    size = len(theta) * reps
    fixed = {k: np.repeat(theta[:, j], reps) for j, k in enumerate(keys)}
    model = TradeWarModel(point, size, block_seed(5, 0), tile=len(theta), fixed=fixed)
    together = model.simulate().outcomes()
    for p, row in enumerate(theta):
        alone = load(SCENARIO, [*(f"{k}={float(v)!r}" for k, v in zip(keys, row, strict=True)),
                                f"runs={reps}", f"block_size={reps}", "seed=5"])  # fmt: skip
        block = simulate_block(alone, 0, True, with_events=False)
        runs = block.outcomes
        assert runs.keys() == together.keys()
        for column, values in runs.items():
            mine = together[column][p * reps : (p + 1) * reps]
            assert values.dtype == mine.dtype and values.tobytes() == mine.tobytes(), column
        names = alone.country_names()
        us_on_cn = block.trajectory["tariff"][:, :, names.index("US"), names.index("CN")]
        expected = [t.evaluate(runs, {("US", "tariff_on_CN"): us_on_cn})[0] for t in tlist]
        assert np.array_equal(packed[p], expected, equal_nan=True)
    assert not np.array_equal(packed[0], packed[1], equal_nan=True)


PER_RUN_TARGETS = """targets:
  talks_open:
    statistic: median
    column: talks_week
    given: {column: talks_week, present: true}
    observed: 4
    tolerance: 1.5
    source: Geneva talks, week 4
  deal_week:
    statistic: mean
    column: deal_week
    observed: 5
    tolerance: 2
    source: Geneva deal, week 4
"""


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("from_runs") / "runs"
    assert main(["run", str(SCENARIO), "--runs", "300", "--quiet", "--workers", "1",
                 "--out", str(out)]) == 0  # fmt: skip
    return out


def test_from_runs_keeps_the_runs_closest_to_the_targets(tmp_path, run_folder, capsys):
    path = tmp_path / "t.yaml"
    path.write_text(PER_RUN_TARGETS, encoding="utf-8")
    keys = ["countries.CN.resolve", "negotiation.deal_rate"]
    argv = ["calibrate", "--from-runs", str(run_folder), "--targets", str(path), "--params",
            *keys, "--particles", "20", "--out", str(tmp_path / "c")]  # fmt: skip
    assert main(argv) == 0
    assert "talks_open" in capsys.readouterr().out
    with (run_folder / "runs.csv").open(encoding="utf-8") as f:
        runs = list(csv.DictReader(f))
    talks = np.array([float(r["talks_week"] or "nan") for r in runs])
    deal = np.array([float(r["deal_week"] or "nan") for r in runs])
    d = np.sqrt(((talks - 4) / 1.5) ** 2 + ((deal - 5) / 2) ** 2)
    d = np.where(np.isnan(d), np.inf, d)
    best = np.argsort(d, kind="stable")[:20]
    with (tmp_path / "c" / "posterior.csv").open(encoding="utf-8") as f:
        post = list(csv.DictReader(f))
    assert [float(r["distance"]) for r in post] == pytest.approx(d[best].tolist())
    for key in keys:
        assert [float(r[key]) for r in post] == pytest.approx([float(runs[i][key]) for i in best])
    assert {r["weight"] for r in post} == {"0.05"}
    settings = json.loads((tmp_path / "c" / "settings.json").read_text())
    assert settings["budget"] == 300 and settings["replicates"] == 1


@pytest.mark.parametrize(
    "targets_file, extra, message",
    [(TARGETS, (), "deal_reached.statistic: a share is a statistic of many runs"),
     (None, ("--method", "smc"), "not with --method smc"),
     (None, ("--budget", "100"), "not with --budget")],
)  # fmt: skip
def test_from_runs_refuses_per_point_targets_and_simulation_options(
    tmp_path, run_folder, capsys, targets_file, extra, message
):
    if targets_file is None:
        targets_file = tmp_path / "t.yaml"
        targets_file.write_text(PER_RUN_TARGETS, encoding="utf-8")
    out = tmp_path / "c"
    argv = ["calibrate", "--from-runs", str(run_folder), "--targets", str(targets_file),
            "--out", str(out), *extra]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("tradewar: error: ") and message in err
    assert not out.exists()


def _with_prior(tmp_path, prior: str):
    path = tmp_path / "targets.yaml"
    path.write_text(TARGETS.read_text(encoding="utf-8") + f"priors:\n  {prior}\n",
                    encoding="utf-8")  # fmt: skip
    return path


def _face_cost_calibration(tmp_path, targets_file, *extra):
    out = tmp_path / "c"
    argv = ["calibrate", str(SCENARIO), "--targets", str(targets_file), "--out", str(out),
            "--params", "countries.CN.resolve", "countries.US.face_cost", "--particles", "4",
            "--replicates", "20", "--budget", "320", "--workers", "1", *extra]  # fmt: skip
    return main(argv), out


def test_a_fixed_key_takes_its_prior_from_the_targets_file_and_set_wins(tmp_path):
    path = _with_prior(tmp_path, "countries.US.face_cost: {dist: uniform, low: 0, high: 0.5}")
    code, out = _face_cost_calibration(tmp_path, path)
    assert code == 0
    face = load(out / "calibrated.yaml").countries[0].face_cost
    assert face.name == "beta" and face.support() == pytest.approx((0.0, 0.5))
    narrower = "countries.US.face_cost={dist: uniform, low: 0, high: 0.3}"
    code, out = _face_cost_calibration(tmp_path / "set", path, "--set", narrower)
    assert code == 0
    assert load(out / "calibrated.yaml").countries[0].face_cost.support() == pytest.approx(
        (0.0, 0.3)
    )


@pytest.mark.parametrize(
    "prior, message",
    [("countries.US.face_cost: {dist: uniform, low: 0, high: -1}",
      ":63: priors.countries.US.face_cost: parameters"),
     ("countries.US.face_cost: 0.3", ":63: priors.countries.US.face_cost: expected a {dist"),
     ("countries.US.cap: {dist: uniform, low: 0, high: 0.5}",
      ":63: priors.countries.US.cap: " + str(SCENARIO) + ":"),
     ("countries.CN.cap: {dist: uniform, low: 200, high: 300}", "face_cost: no prior")],
)  # fmt: skip
def test_a_bad_or_missing_prior_in_the_targets_file_exits_2_with_nothing_written(
    tmp_path, capsys, prior, message
):
    code, out = _face_cost_calibration(tmp_path, _with_prior(tmp_path, prior))
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("tradewar: error: ") and message in err, err
    assert not out.exists()


def test_calibrate_on_a_dask_local_cluster_gives_the_local_bytes(tmp_path, monkeypatch):
    """Locally each generation is one packed block; on the cluster, four blocks of two."""
    distributed = pytest.importorskip("distributed")
    assert _cli(tmp_path, "local", "--workers", "1")[0] == 0
    monkeypatch.setattr(calibrate, "TASK_RUNS", 40)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=":0") as cluster:  # fmt: skip
        address = cluster.scheduler_address
        assert _cli(tmp_path, "dask", "--scheduler", address)[0] == 0
    for name in OUTPUTS:
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes()
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["workers"] == 2 and manifest["scheduler"] == address


# A distribution inside negotiation.terms: uncertain() used to name it ...terms.A.value, a key
# --set refuses, so calibrating it failed after the result folder had been written.
UNCERTAIN_CUT = "A: {cut: {dist: uniform, low: 0, high: 20}}"
TALKS_TARGET = ("targets:\n  t:\n    statistic: median\n    column: talks_week\n"
                "    given: {column: talks_week, present: true}\n    observed: 4\n"
                "    tolerance: 1\n    source: x\n")  # fmt: skip


def _uncertain_terms(tmp_path):
    text = (SCENARIOS / "truce_talks.yaml").read_text(encoding="utf-8")
    assert "A: {cut: 10}" in text
    scenario = tmp_path / "my_truce.yaml"
    scenario.write_text(text.replace("A: {cut: 10}", UNCERTAIN_CUT), encoding="utf-8")
    targets_file = tmp_path / "talks.yaml"
    targets_file.write_text(TALKS_TARGET, encoding="utf-8")
    return scenario, targets_file


def test_every_uncertain_key_is_a_key_set_takes(tmp_path):
    scenario, _ = _uncertain_terms(tmp_path)
    keys = [k for k, _ in calibrate.uncertain(load(scenario))]
    assert "negotiation.terms.A.cut" in keys
    for key in keys:
        assert calibrate.uncertain(load(scenario, [f"{key}=3"])) != calibrate.uncertain(
            load(scenario)
        )


def test_a_distribution_in_negotiation_terms_calibrates(tmp_path, capsys):
    scenario, targets_file = _uncertain_terms(tmp_path)
    out = tmp_path / "c"
    argv = ["calibrate", str(scenario), "--targets", str(targets_file), "--out", str(out),
            "--particles", "4", "--replicates", "10", "--budget", "400",
            "--workers", "1"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    assert "negotiation.terms.A.cut" in capsys.readouterr().out
    cut = load(out / "calibrated.yaml").negotiation.terms["A"]
    assert cut.kind == "cut" and cut.value.support() == pytest.approx((0.0, 20.0))


def _no_folder_refusal(tmp_path, capsys, scenario, targets_file, *extra):
    out = tmp_path / "refused"
    argv = ["calibrate", str(scenario), "--targets", str(targets_file), "--out", str(out),
            "--particles", "2", "--workers", "1", *extra]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("tradewar: error: ") and "Traceback" not in err
    assert not out.exists()
    return err


def test_a_block_too_big_for_memory_is_refused_before_anything_is_written(tmp_path, capsys):
    err = _no_folder_refusal(tmp_path, capsys, SCENARIO, TARGETS, "--replicates", "1000000",
                             "--budget", "8000000")  # fmt: skip
    assert "--replicates 1000000" in err and "fit in memory" in err


def test_a_key_the_point_cannot_take_is_refused_naming_the_users_file(tmp_path, capsys,
                                                                       monkeypatch):  # fmt: skip
    """Whatever the parameter point refuses is refused before the folder is made."""
    scenario, targets_file = _uncertain_terms(tmp_path)
    real = calibrate.uncertain

    def with_bogus(s):
        found = real(s)
        return [*found, *((k.replace(".cut", ".bogus"), d) for k, d in found if k.endswith(".cut"))]

    monkeypatch.setattr(calibrate, "uncertain", with_bogus)
    err = _no_folder_refusal(tmp_path, capsys, scenario, targets_file, "--params",
                             "negotiation.terms.A.bogus", "--budget", "400",
                             "--replicates", "10")  # fmt: skip
    assert err.startswith(f"tradewar: error: {scenario}: ") and "terms.A.bogus" in err
