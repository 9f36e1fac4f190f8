"""``tradewar report DIR``: one self-contained HTML file of a result folder.

The file holds the scenario, the headline table with intervals, the folder's figures (Bokeh,
interactive, with BokehJS written inline), a sweep's tables and figures, and the provenance
from the manifest. It opens from disk with no network.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from bokeh.embed import components
from bokeh.resources import Resources

from sim.app.ensemble import from_folder
from sim.app.figures import Figures, headline_html
from sim.app.folderpage import open_folder
from sim.app.layout import TABLE_CSS, figure_grid
from sim.app.tables import (
    banner_html,
    calibration_html,
    escape,
    pngs_html,
    provenance_html,
    sweep_html,
)
from sim.results import OutputError

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title}</title>
{resources}
<style>
body {{ font-family: sans-serif; margin: 20px auto; max-width: 1200px; color: #222; }}
pre {{ background: #f6f6f6; padding: 8px; overflow: auto; max-height: 420px; font-size: 12px; }}
{table_css}
</style>
{script}
</head><body>
{body}
</body></html>
"""


def write_report(folder, out=None, allow_code: bool = False) -> Path:
    """Write the report of ``folder`` to ``out`` (default DIR/report.html); its path."""
    folder = Path(folder)
    results, scenario = open_folder(folder, allow_code)
    out = Path(out) if out is not None else folder / "report.html"
    sections = [f"<h1>{escape(scenario.name)}: {results.kind} results</h1>",
                f"<p>{escape(scenario.description)}</p>" if scenario.description else "",
                banner_html(results)]  # fmt: skip
    script, figures = "", []
    if results.kind == "run":
        ens = from_folder(results, scenario)
        sections += ["<h2>Headline</h2>", headline_html(ens)]
        figures = Figures(ens).figures
        script, div = components(figure_grid(figures))
        sections += ["<h2>Figures</h2>", f'<div class="figures">{div}</div>']
    elif results.kind == "calibrate":
        sections += ["<h2>Calibration</h2>", calibration_html(results), "<h2>Figures</h2>",
                     pngs_html(results)]  # fmt: skip
    else:
        sections += [
            "<h2>Sweep</h2>",
            sweep_html(folder, allow_code),
            "<h2>Figures</h2>",
            pngs_html(results),
        ]
    scenario_text = (folder / "scenario.yaml").read_text(encoding="utf-8")
    sections += ["<h2>Scenario (resolved)</h2>", f"<pre>{html.escape(scenario_text)}</pre>",
                 "<h2>Provenance</h2>", provenance_html(results.manifest)]  # fmt: skip
    page = PAGE.format(title=escape(f"tradewar report: {scenario.name}"),
                       resources=_resources() if figures else "", table_css=TABLE_CSS,
                       script=script, body="\n".join(s for s in sections if s))  # fmt: skip
    _write(out, page)
    return out


def _resources() -> str:
    """BokehJS inline: the figures need only its core, not widgets, tables or MathJax."""
    return Resources(mode="inline", components=["bokeh"]).render()


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write the report: {exc.strerror or exc}") from None
