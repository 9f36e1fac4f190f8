"""The explorer and the report without a browser: controls, ensembles, pages, report, CLI errors.

The controls and the ensemble data need no web library; the pages and the report need Bokeh
(the ``app`` extra) and are skipped without it. tests/test_browser.py drives a real browser.
"""

import json
import socket
import sys

import numpy as np
import pytest
from conftest import MINI, SCENARIOS, SMALL

from sim.app import ensemble
from sim.app.controls import controls, default_keys
from sim.cli import main
from sim.results import load as load_results
from sim.scenario import dump, load

US_CHINA = SCENARIOS / "us_china_2025.yaml"


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """A run folder (with steps.csv) and a sweep folder of the small scenario."""
    tmp = tmp_path_factory.mktemp("app")
    scenario = tmp / "small.yaml"
    scenario.write_text(SMALL, encoding="utf-8")
    run = tmp / "run"
    assert main(["run", str(scenario), "--runs", "150", "--workers", "1", "--quiet", "--steps",
                 "--out", str(run)]) == 0  # fmt: skip
    sweep = tmp / "sweep"
    assert main(["sweep", str(scenario), "--method", "lhs", "--points", "6", "--runs-per-point",
                 "30", "--quiet", "--workers", "1", "--param", "countries.A.face_cost=0:0.4",
                 "--out", str(sweep)]) == 0  # fmt: skip
    return {"scenario": scenario, "run": run, "sweep": sweep}


# --------------------------------------------------------------------------- controls


def test_controls_cover_the_schema_with_bounds_docs_and_menus():
    s = load(US_CHINA)
    found = controls(s)
    face = found["countries.US.face_cost"]
    assert (face.kind, face.value, face.low, face.high) == ("number", 0.15, 0.0, 100.0)
    assert "face cost" in face.hover().lower() or "seen to ask" in face.hover()
    lo, hi, step = face.window()
    assert 0.0 <= lo < 0.15 < hi <= 100.0 and step > 0
    rule = found["negotiation.deal_rule"]
    assert rule.kind == "choice" and set(rule.choices) == {"reciprocal", "rubinstein", "nash"}
    # a distribution gives its parameters; a policy and a pressure form their registered ones
    assert {
        "countries.US.resolve.a",
        "countries.US.resolve.b",
        "countries.US.resolve.scale",
    } <= set(found)
    assert found["countries.US.policy.relief"].high == 1.0
    assert found["countries.US.pressures.markets.midpoint"].value == 0.10
    assert not any(k.split(".")[0] in ("runs", "seed", "block_size", "sweep") for k in found)


def test_default_controls_are_the_swept_and_drawn_keys():
    s = load(US_CHINA)
    found = controls(s)
    shown = default_keys(s, found)
    assert shown[:3] == [p.key for p in s.sweep.parameters]
    assert "countries.CN.elasticity.low" in shown and "countries.US.resolve.a" in shown
    assert "countries.US.face_cost" not in shown  # added through the search box
    # a swept key's slider spans the sweep's range
    assert found["countries.CN.face_cost"].window()[:2] == (0.0, 0.5)


def test_every_control_is_a_valid_override_of_its_own_value():
    s = load(US_CHINA)
    found = controls(s)
    overrides = [c.override(c.value) for c in found.values()]
    assert dump(load(US_CHINA, overrides)) == dump(s)


# --------------------------------------------------------------------------- ensembles


def test_ensemble_matches_the_run_folder_of_the_same_scenario(folders):
    s = load(folders["scenario"], ["runs=150"])
    live = ensemble.simulate(s)
    saved = ensemble.from_folder(load_results(folders["run"], pandas=False), s)
    assert live.headline.rows() == saved.headline.rows()
    assert live.headline.means() == saved.headline.means()
    for pair, series in live.fans.items():
        np.testing.assert_allclose(series["effective"], saved.fans[pair]["effective"], rtol=1e-5)
    for status, share in live.status.items():
        np.testing.assert_allclose(share, saved.status[status], atol=1e-6)
    for label, share in live.first_week.items():
        np.testing.assert_allclose(share, saved.first_week[label])
    np.testing.assert_allclose(live.pressure, saved.pressure, rtol=1e-4, atol=1e-6)


def test_ensemble_progress_blocks_and_cancel(folders):
    s = load(folders["scenario"], ["runs=150"])  # blocks of 64: three of them
    seen = []
    ensemble.simulate(s, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(64, 150), (128, 150), (150, 150)]
    asked = []

    def cancel_after_one():
        asked.append(1)
        return len(asked) > 1

    with pytest.raises(ensemble.Cancelled):
        ensemble.simulate(s, cancelled=cancel_after_one)
    assert len(asked) == 2


def test_common_random_numbers_show_the_parameter_not_noise():
    base = ensemble.simulate(load(US_CHINA))
    again = ensemble.simulate(load(US_CHINA))
    assert base.headline.rows() == again.headline.rows()
    shy = ensemble.simulate(load(US_CHINA, ["countries.US.face_cost=1.0"]))
    p_us = {r[0]: r[1] for r in base.headline.rows()}["P(first approach: US)"]
    p_us_shy = {r[0]: r[1] for r in shy.headline.rows()}["P(first approach: US)"]
    assert p_us_shy < p_us - 0.1


# --------------------------------------------------------------------------- pages (Bokeh)


def test_live_page_validates_and_reproduces(tmp_path):
    pytest.importorskip("bokeh")
    from bokeh.document import Document

    from sim.app.page import Live, Session

    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    live = Live(path, 100, False)
    try:
        session = Session(live, Document())
        session.add_control("A.face_c")  # the search box: a unique part of a key will do
        session.change("countries.A.face_cost", -1.0)
        assert "countries.A.face_cost" in session.errors["countries.A.face_cost"].text
        assert "out of range" in session.errors["countries.A.face_cost"].text
        assert session.changes == {}
        session.change("countries.A.face_cost", 0.4)
        command = session.command.text
        assert command.endswith("--runs 100 --set countries.A.face_cost=0.4")
        session.set_text("negotiation.deal_rule=nash")
        assert session.changes == {"countries.A.face_cost": 0.4, "negotiation.deal_rule": "nash"}
        saved = session.yaml.data["text"][0]
        assert saved == dump(load(path, ["runs=100", "countries.A.face_cost=0.4",
                                         "negotiation.deal_rule=nash"]))  # fmt: skip
        session.set_text("negotiation.deal_rule=fair")
        assert "is not one of" in session.free_error.text
        session.set_text("countries.A.face_cost=<b>")
        assert "&lt;b&gt;" in session.free_error.text  # the page shows it as text, not HTML
        session.cancel()  # the last change's job is in flight (never shown: no server here)
        assert session.status.text.startswith("cancelled")
        session.reset()
        assert session.changes == {} and session.command.text.endswith("--runs 100")
        assert session.yaml.data["text"][0] == dump(live.base)
    finally:
        live.close()


def test_folder_pages_build_for_run_and_sweep_folders(folders):
    pytest.importorskip("bokeh")
    from bokeh.document import Document

    from sim.app.folderpage import FolderPage

    for kind in ("run", "sweep"):
        doc = Document()
        FolderPage(folders[kind])(doc)
        assert doc.roots and kind in doc.title or folders[kind].name in doc.title


def test_story_of_a_live_run_is_the_trace_of_the_same_run(folders):
    pytest.importorskip("bokeh")
    from sim.app.story import folder_story, live_story
    from sim.trace import story

    s = load(folders["run"] / "scenario.yaml")
    text, path = live_story(s, 70)
    assert text == story(folders["run"], 70)
    assert text == folder_story(folders["run"], 70, False)[0]
    assert len(path.dates) == s.horizon and "tariff A on B (%)" in path.lines


# --------------------------------------------------------------------------- report


def test_report_is_one_self_contained_file(folders, tmp_path):
    pytest.importorskip("bokeh")
    out = tmp_path / "r.html"
    assert main(["report", str(folders["run"]), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "<script src=" not in text and "<link " not in text  # everything inline
    for part in ("P(first approach: A)", "Provenance", "Scenario (resolved)", "block_size: 64"):
        assert part in text
    for title in (
        "Tariff levied by A on goods from B",
        "Who asks for talks first",
        "First approach, by channel",
        "Status of relations",
        "A: mean pressure",
    ):
        assert title in text  # every figure, pressure included since steps.csv is there
    assert out.stat().st_size < 3_000_000


def test_report_of_a_sweep_has_its_tables(folders, tmp_path):
    pytest.importorskip("bokeh")
    out = tmp_path / "s.html"
    assert main(["report", str(folders["sweep"]), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "Top points by P(deal)" in text and "countries.A.face_cost" in text
    pytest.importorskip("matplotlib")
    assert "data:image/png;base64," in text


def test_report_of_an_incomplete_folder_has_a_banner(folders, tmp_path, capsys):
    pytest.importorskip("bokeh")
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(folders["run"], broken)
    (broken / "manifest.json").unlink()
    summary = (broken / "summary.csv").read_bytes()
    (broken / "summary.csv").write_bytes(summary[: len(summary) // 3])  # killed mid-write
    assert main(["report", str(broken)]) == 0
    assert "Incomplete folder" in (broken / "report.html").read_text(encoding="utf-8")


def test_run_report_writes_the_report_after_the_run(tmp_path, capsys):
    pytest.importorskip("bokeh")
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    out = tmp_path / "run"
    assert main(["run", str(path), "--runs", "64", "--workers", "1", "--quiet", "--report",
                 "--out", str(out)]) == 0  # fmt: skip
    assert f"report: {out / 'report.html'}" in capsys.readouterr().out
    assert (out / "report.html").is_file()


def test_unknown_folder_kinds_are_refused(folders, tmp_path, capsys):
    pytest.importorskip("bokeh")
    import shutil

    odd = tmp_path / "odd"
    shutil.copytree(folders["run"], odd)
    manifest = json.loads((odd / "manifest.json").read_text())
    (odd / "manifest.json").write_text(json.dumps({**manifest, "kind": "forecast"}))
    assert main(["report", str(odd)]) == 2
    err = capsys.readouterr().err
    assert "'forecast' folder; explore and report show run, sweep and calibrate folders" in err


@pytest.fixture(scope="module")
def calibration(tmp_path_factory):
    out = tmp_path_factory.mktemp("app_calibration") / "c"
    assert main(["calibrate", str(US_CHINA), "--targets",
                 str(SCENARIOS / "targets" / "us_china_2025.yaml"), "--params",
                 "countries.CN.resolve", "negotiation.deal_rate", "--particles", "4",
                 "--replicates", "20", "--budget", "320", "--workers", "1",
                 "--out", str(out)]) == 0  # fmt: skip
    return out


def test_folder_page_and_report_show_a_calibration_folder(calibration, tmp_path, capsys):
    pytest.importorskip("bokeh")
    pytest.importorskip("matplotlib")
    from bokeh.document import Document
    from bokeh.models import Div

    from sim.app.folderpage import FolderPage

    doc = Document()
    FolderPage(calibration)(doc)
    divs = [m.text for m in doc.roots[0].select({"type": Div})]
    text = "".join(divs)
    assert "calibrate folder" in text and "Targets at the posterior" in text
    assert "talks_open" in text and "countries.CN.resolve" in text and "Generations" in text
    assert text.count("data:image/png;base64,") == 3  # the three calibration figures
    assert main(["report", str(calibration), "--out", str(tmp_path / "r.html")]) == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Targets at the posterior" in page and page.count('alt="posterior_corner"') == 1


# --------------------------------------------------------------------------- CLI errors


@pytest.fixture
def no_bokeh(monkeypatch):
    monkeypatch.setitem(sys.modules, "bokeh", None)  # import bokeh now raises ImportError


@pytest.mark.parametrize("argv", [["explore"], ["report", "somewhere"],
                                  ["run", "x.yaml", "--report"]])  # fmt: skip
def test_without_the_app_extra_commands_say_how_to_get_it(no_bokeh, argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert 'needs Bokeh, the app extra: pip install -e ".[app]"' in err and "Traceback" not in err


def test_explore_names_a_port_in_use(tmp_path, capsys):
    pytest.importorskip("bokeh")
    path = tmp_path / "mini.yaml"
    path.write_text(MINI, encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["explore", str(path), "--port", str(port)]) == 2
    assert f"tradewar: error: port {port} is in use on 127.0.0.1" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["--host", "192.0.2.1"], "cannot listen on 192.0.2.1:0: 192.0.2.1 is not an address"),
    (["--port", "70000"], "a port is 0 to 65535"),
])  # fmt: skip
def test_explore_bad_addresses_are_one_line(tmp_path, argv, message, capsys):
    pytest.importorskip("bokeh")
    path = tmp_path / "mini.yaml"
    path.write_text(MINI, encoding="utf-8")
    assert main(["explore", str(path), "--port", "0", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_explore_bad_scenario_or_missing_target(tmp_path, capsys):
    pytest.importorskip("bokeh")
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINI.replace("face_cost: 0.1", "face_cost: lots"), encoding="utf-8")
    assert main(["explore", str(bad), "--port", "0"]) == 2
    assert "countries.US.face_cost: expected a number" in capsys.readouterr().err
    assert main(["explore", str(tmp_path / "nothing.yaml"), "--port", "0"]) == 2
    assert "no such scenario file or result folder" in capsys.readouterr().err
    assert main(["explore", str(tmp_path), "--port", "0", "--runs", "10"]) == 2
    assert "--runs is for a scenario; a result folder shows its own runs" in capsys.readouterr().err


def test_a_block_without_events_is_the_same_block(folders):
    from sim.runner import simulate_block

    s = load(folders["scenario"])
    full, lean = simulate_block(s, 1), simulate_block(s, 1, with_events=False)
    assert lean.events == {} and len(full.events["run"]) > 0
    for key, value in full.trajectory.items():
        np.testing.assert_array_equal(value, lean.trajectory[key])
    for key, value in full.outcomes.items():
        np.testing.assert_array_equal(value, lean.outcomes[key])
