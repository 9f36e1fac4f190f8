"""Speed of the explorer: from a slider change to the page updated, at 1,000 runs.

Prints, measured in one process run (these machines are noisy, so compare within a run):

1. the bare simulation of the 1,000 runs (``simulate_block``, best of ``--repeat``);
2. the explorer's server-side work for a change: validate, simulate, figure data, headline;
3. in a real browser (Debian's Chromium through Playwright, if installed): the time from a
   key press on the US face-cost slider to the page showing the new numbers, for ``--changes``
   changes, with its median and its ratio to (1).

Usage: python benchmarks/bench_explore.py [--changes 8] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sim.app import ensemble
from sim.runner import simulate_block
from sim.scenario import load

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "scenarios/us_china_2025.yaml"
KEY = "countries.US.face_cost"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync",
        "--disable-component-update", "--no-first-run", "--disable-quic"]  # fmt: skip
STATUS_JS = """() => {
  function find(root) {
    const hit = root.querySelector('.status');
    if (hit) return hit;
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) { const x = find(el.shadowRoot); if (x) return x; }
    }
    return null;
  }
  const host = find(document);
  return host && host.shadowRoot ? host.shadowRoot.textContent : '';
}"""


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def server_side(repeat: int) -> float:
    from sim.app.figures import Figures, headline_html

    base = ensemble.simulate(load(ROOT / SCENARIO))
    figures = Figures(base, base)

    def change():
        s = load(ROOT / SCENARIO, [f"{KEY}=0.5"])
        result = ensemble.simulate(s)
        figures.update(result, base)
        headline_html(result, base)

    return best(change, repeat)


def in_browser(changes: int) -> list[float] | None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).is_file():
        return None
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", "explore", SCENARIO, "--port", "0"], cwd=ROOT,
            stdout=subprocess.PIPE, stderr=err, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        try:
            url = re.search(r"http://\S+/", proc.stdout.readline()).group(0)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=ARGS)
                try:
                    return _changes(browser.new_page(), url, changes)
                finally:
                    browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            proc.stdout.close()


def _changes(page, url: str, changes: int) -> list[tuple[float, float]]:
    """(browser time, the server's own time from the change's arrival to the update) each."""
    page.set_default_timeout(120_000)
    page.goto(url)
    page.locator(".headline table").wait_for()
    search = page.locator(".search input")
    search.click()
    search.press_sequentially(KEY.split(".", 1)[1], delay=20)
    search.press("ArrowDown")
    search.press("Enter")
    handle = page.locator(f".ctl-{KEY.replace('.', '-')} .noUi-handle")
    handle.focus()
    times = []
    for k in range(changes):
        before = page.evaluate(STATUS_JS)
        start = time.perf_counter()
        handle.press("End" if k % 2 == 0 else "Home")
        changed = f"t !== {before!r} && t.includes('updated')"
        page.wait_for_function(f"() => {{ const t = ({STATUS_JS})(); return {changed}; }}",
                               polling="raf")  # fmt: skip
        elapsed = time.perf_counter() - start
        server = float(re.search(r"updated in ([\d.]+) s", page.evaluate(STATUS_JS)).group(1))
        times.append((elapsed, server))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    s = load(ROOT / SCENARIO)
    bare = best(lambda: simulate_block(s, 0), args.repeat)
    print(f"cores available: {len(os.sched_getaffinity(0))}")
    print(f"bare simulation, {s.runs} runs:            {bare:.3f} s")
    work = server_side(args.repeat)
    print(f"server-side work per change:          {work:.3f} s  ({work / bare:.2f} x bare)")
    times = in_browser(args.changes)
    if times is None:
        print("browser: skipped (needs playwright and /usr/bin/chromium)")
        return
    browser = [b for b, _ in times]
    median = statistics.median(browser)
    print(f"slider change -> page updated, browser: median {median:.3f} s, "
          f"min {min(browser):.3f} s, max {max(browser):.3f} s over {len(times)} changes "
          f"({median / bare:.2f} x bare)")  # fmt: skip
    print(f"  of which the server's (change received -> update sent): median "
          f"{statistics.median(s for _, s in times):.3f} s")  # fmt: skip


if __name__ == "__main__":
    main()
