"""The explorer and the report in a real browser: Debian's headless Chromium, driven by Playwright.

Skipped only when the app extra, Playwright or /usr/bin/chromium is missing (.ci/run installs
all three). The explorer runs as ``python -m sim explore`` on a free loopback port, in a
subprocess the fixtures stop; nothing leaves the machine (a request to any other host fails
the test). Screenshots go to each test's temporary folder; with TRADEWAR_SCREENSHOT=PATH the
page-after-a-change screenshot is also written to PATH (docs/figures/explore.png is made so).
"""

import os
import queue
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import ROOT, SCENARIOS, SMALL

pytest.importorskip("bokeh")
sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).is_file():
    pytest.skip("no Chromium (apt-get install chromium)", allow_module_level=True)

from sim.app.controls import controls  # noqa: E402
from sim.cli import main  # noqa: E402
from sim.scenario import load, load_text  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync",
        "--disable-component-update", "--no-first-run", "--disable-quic"]  # fmt: skip
US_CHINA = SCENARIOS / "us_china_2025.yaml"
WAIT = 60_000  # ms: generous "did not hang" bounds, with both cores busy
sync_api.expect.set_options(timeout=WAIT)
FACE = "countries.US.face_cost"


class Explorer:
    """``python -m sim explore TARGET --port 0`` in a subprocess, and the address it printed."""

    def __init__(self, target: Path, logs: Path, *extra: str) -> None:
        self.err = open(logs / "explore-stderr.txt", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sim", "explore", str(target), "--port", "0", *extra],
            stdout=subprocess.PIPE, stderr=self.err, text=True, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.proc.stdout.readline()), daemon=True).start()
        try:
            first = lines.get(timeout=180)
        except queue.Empty:
            first = "nothing within 180 s"
        match = re.search(r"http://127\.0\.0\.1:\d+/", first)
        if match is None:
            self.stop()
            pytest.fail(f"the explorer printed {first!r}, not its address")
        self.url = match.group(0)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=20)
        self.proc.stdout.close()
        self.err.close()


@pytest.fixture(scope="module")
def explorer(tmp_path_factory):
    # relative to the checkout, as a user would type it (and as the README screenshot shows it)
    server = Explorer(US_CHINA.relative_to(ROOT), tmp_path_factory.mktemp("explore"))
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A page with its console errors, failed requests and requests that left the machine."""

    def __init__(self, browser, allowed: tuple[str, ...]) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000},
                                     accept_downloads=True)  # fmt: skip
        self.page.set_default_timeout(WAIT)
        self.errors, self.failed, self.outside = [], [], []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("request", lambda r: None if r.url.startswith(allowed)
                     else self.outside.append(r.url))  # fmt: skip

    def text(self, css: str) -> str:
        """The text of the Bokeh Div (or PreText) with CSS class ``css``."""
        return self.page.locator(f".{css} .bk-clearfix, .{css} pre").first.inner_text()

    def clean(self) -> None:
        assert self.errors == [] and self.failed == [] and self.outside == []


@pytest.fixture
def page(browser, explorer):
    watched = Watched(browser, (explorer, explorer.replace("http", "ws"), "data:", "blob:"))
    watched.page.goto(explorer)
    watched.page.locator(".headline table").wait_for()
    yield watched
    watched.page.close()


def headline(page: Watched, label: str) -> tuple[float, float]:
    """This scenario's and the baseline's estimate in the headline row ``label``."""
    row = page.page.locator(".headline tr", has_text=label).first
    cells = row.locator("td").all_inner_texts()
    return float(cells[1].split()[0]), float(cells[2].split()[0])


def add_control(page: Watched, key: str) -> None:
    search = page.page.locator(".search input")
    search.click()
    search.press_sequentially(key.split(".", 1)[1], delay=20)
    search.press("ArrowDown")
    search.press("Enter")
    page.page.locator(f".ctl-{key.replace('.', '-')} .noUi-handle").wait_for()


def slide_to_end(page: Watched, key: str) -> None:
    """Move the slider of ``key`` to its right end with the keyboard, as a user would."""
    handle = page.page.locator(f".ctl-{key.replace('.', '-')} .noUi-handle")
    handle.focus()
    handle.press("End")
    sync_api.expect(page.page.locator(".status .bk-clearfix")).to_contain_text("updated in")


def test_page_loads_offline_without_errors(page, tmp_path):
    assert page.text("status").startswith("ready")
    # 2 tariff fans, first approach by week and by channel, status, 2 pressure, the run's story
    assert page.page.locator(".bk-Figure").count() == 8
    us, base = headline(page, "P(first approach: US)")
    assert us == base  # before any change, the page shows the file's own values
    page.page.screenshot(path=tmp_path / "loaded.png", full_page=True)
    page.clean()


def test_raising_the_us_face_cost_lowers_p_us_first(page, tmp_path):
    add_control(page, FACE)
    slide_to_end(page, FACE)
    us, base = headline(page, "P(first approach: US)")
    cn, cn_base = headline(page, "P(first approach: CN)")
    assert us < base - 0.1 and cn > cn_base  # baseline and change side by side
    end = controls(load(US_CHINA))[FACE].window()[1]
    command = page.text("command")
    assert command == f"tradewar run scenarios/us_china_2025.yaml --set {FACE}={end:g}"
    page.page.screenshot(path=tmp_path / "changed.png")
    if os.environ.get("TRADEWAR_SCREENSHOT"):
        page.page.screenshot(path=os.environ["TRADEWAR_SCREENSHOT"],
                             clip={"x": 0, "y": 0, "width": 1400, "height": 1000})  # fmt: skip
    page.clean()


def test_yaml_download_is_the_modified_scenario(page, tmp_path):
    add_control(page, FACE)
    slide_to_end(page, FACE)
    with page.page.expect_download() as download:
        page.page.locator(".download button").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    scenario = load_text(saved.read_text(encoding="utf-8"))
    assert scenario.countries[0].face_cost == controls(load(US_CHINA))[FACE].window()[1]
    assert scenario.countries[1].face_cost == load(US_CHINA).countries[1].face_cost
    page.clean()


def test_an_invalid_value_shows_the_scenario_error(page):
    box = page.page.locator(".free-set input")
    box.fill(f"{FACE}=-1")
    box.press("Enter")
    error = page.page.locator(".free-error .bk-clearfix")
    sync_api.expect(error).to_contain_text(f"--set {FACE}: -1 is out of range [0.0, 100.0]")
    assert "invalid value" in page.text("status")
    page.clean()


def test_one_runs_story_is_the_trace_text(page, tmp_path):
    page.page.locator(".story-button button").click()
    story = page.page.locator(".story pre")
    sync_api.expect(story).to_contain_text("run 0 of us-china-2025 (block 0")
    assert "week 51  " in story.inner_text()
    page.page.screenshot(path=tmp_path / "story.png", full_page=True)
    page.clean()


def test_a_long_resimulation_shows_progress_and_is_cancelled(browser, tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    server = Explorer(path, tmp_path, "--runs", "640")  # 10 blocks of 64
    url = server.url
    try:
        page = Watched(browser, (url, url.replace("http", "ws"), "data:", "blob:"))
        page.page.goto(url)
        page.page.locator(".headline table").wait_for()
        box = page.page.locator(".free-set input")
        status = page.page.locator(".status .bk-clearfix")

        def enter(text: str) -> None:
            box.fill(text)
            box.press("Enter")

        enter("horizon=1000")  # 50 times the file's 20 weeks: a long re-simulation
        sync_api.expect(status).to_contain_text(re.compile(r"simulating: [\d,]+ of 640 runs"))
        page.page.locator(".cancel button").click()
        sync_api.expect(status).to_contain_text("cancelled")
        page.page.wait_for_timeout(1500)  # a cancelled job must not overwrite the page later
        assert page.text("status").startswith("cancelled")
        enter("horizon=20")  # the file's value: the baseline, at once (update 2)
        enter("countries.A.face_cost=0.3")  # update 3, cancelled by update 4 if still running
        enter("countries.A.face_cost=0.2")
        sync_api.expect(status).to_contain_text("(update 4)")
        assert page.text("command").endswith("--runs 640 --set countries.A.face_cost=0.2")
        page.clean()
    finally:
        server.stop()


def test_report_opens_from_file_and_shows_every_figure(browser, tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    out = tmp_path / "run"
    assert main(["run", str(path), "--runs", "128", "--workers", "1", "--quiet", "--steps",
                 "--report", "--out", str(out)]) == 0  # fmt: skip
    page = Watched(browser, ("file://", "data:", "blob:"))
    page.page.goto((out / "report.html").as_uri())
    figures = page.page.locator(".bk-Figure")
    sync_api.expect(figures).to_have_count(7)  # 2 fans, 2 first approach, status, 2 pressure
    for k in range(7):
        box = figures.nth(k).locator("canvas").first.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100
    page.page.screenshot(path=tmp_path / "report.png", full_page=True)
    page.clean()


def test_explorer_on_a_result_folder_shows_its_figures(browser, tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    out = tmp_path / "run"
    assert main(["run", str(path), "--runs", "64", "--workers", "1", "--quiet",
                 "--out", str(out)]) == 0  # fmt: skip
    (out / "manifest.json").unlink()  # incomplete: it opens, with a banner
    server = Explorer(out, tmp_path)
    url = server.url
    try:
        page = Watched(browser, (url, url.replace("http", "ws"), "data:", "blob:"))
        page.page.goto(url)
        # no steps.csv, so no pressure: 2 fans, 2 first approach, status, the run's story
        sync_api.expect(page.page.locator(".bk-Figure")).to_have_count(6)
        assert "Incomplete folder" in page.text("banner")
        page.clean()
    finally:
        server.stop()


def test_explorer_on_a_sweep_folder_draws_outcomes_against_a_parameter(browser, tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    out = tmp_path / "sweep"
    assert main(["sweep", str(path), "--method", "lhs", "--points", "5", "--runs-per-point",
                 "20", "--quiet", "--workers", "1", "--param", "countries.A.face_cost=0:0.4",
                 "--out", str(out)]) == 0  # fmt: skip
    server = Explorer(out, tmp_path)
    try:
        page = Watched(browser, (server.url, server.url.replace("http", "ws"), "data:", "blob:"))
        page.page.goto(server.url)
        sync_api.expect(page.page.locator(".bk-Figure")).to_have_count(1)
        assert "Top points by P(deal)" in page.text("sweep")
        assert "countries.A.face_cost" in page.text("sweep")
        page.clean()
    finally:
        server.stop()
