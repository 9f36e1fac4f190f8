"""The explorer's page for a result folder: its figures, interactively, without re-simulating.

A run folder shows the same figures as a live scenario (from summary.csv, runs.csv and, when
present, steps.csv) and the story of any run; a sweep folder shows each outcome against a
chosen swept parameter and the sweep's tables; a calibration folder its fit, posterior and
generations tables and its figures. An incomplete folder opens with a banner.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from bokeh.layouts import column, row
from bokeh.models import ColumnDataSource, Div, HoverTool, Select, Whisker
from bokeh.plotting import figure

from sim.app.ensemble import from_folder
from sim.app.figures import Figures, headline_html
from sim.app.layout import figure_grid, table_style
from sim.app.story import StoryPanel, folder_story
from sim.app.tables import (
    banner_html,
    calibration_html,
    escape,
    pngs_html,
    provenance_html,
    sweep_html,
)
from sim.reading import Results
from sim.results import OutputError, load
from sim.scenario import load as load_scenario
from sim.sweepplots import sweep_parts

KINDS = ("run", "sweep", "calibrate")


def open_folder(folder: Path, allow_code: bool = False):
    """The results and scenario of ``folder``; refuses kinds the explorer cannot show."""
    results = load(folder, pandas=False, allow_code=allow_code)
    kind = (results.manifest or {}).get("kind", results.kind)
    if kind not in KINDS:
        raise OutputError(f"{folder}: a {kind!r} folder; explore and report show run, sweep "
                          "and calibrate folders")  # fmt: skip
    return results, load_scenario(folder / "scenario.yaml", allow_code=allow_code)


class FolderPage:
    """Builds the page of one result folder for each browser session."""

    def __init__(self, folder: Path, allow_code: bool = False) -> None:
        self.folder, self.allow_code = Path(folder), allow_code
        self.results, self.scenario = open_folder(self.folder, allow_code)
        self.ensemble = from_folder(self.results, self.scenario) if self.results.kind == "run" \
            else None  # fmt: skip

    def __call__(self, doc) -> None:
        r = self.results
        parts = [Div(text=f"<h2>{escape(self.scenario.name)}: {r.kind} folder "
                          f"{escape(self.folder)}</h2>")]  # fmt: skip
        if not r.complete:
            parts.append(Div(text=banner_html(r), stylesheets=[table_style()], width=900,
                             css_classes=["banner"]))  # fmt: skip
        if self.ensemble is not None:
            parts += self._run_parts()
        elif r.kind == "calibrate":
            parts += [Div(text=calibration_html(r), width=1000, stylesheets=[table_style()],
                          css_classes=["calibration"]),
                      Div(text=pngs_html(r), width=1000, css_classes=["figures"])]  # fmt: skip
        else:
            parts += [
                sweep_view(r),
                Div(
                    text=sweep_html(self.folder, self.allow_code),
                    width=1000,
                    stylesheets=[table_style()],
                    css_classes=["sweep"],
                ),
            ]
        parts.append(Div(text=provenance_html(r.manifest), stylesheets=[table_style()],
                         width=900))  # fmt: skip
        doc.add_root(column(*parts))
        doc.title = f"tradewar explore: {self.folder.name}"

    def _run_parts(self) -> list:
        ens = self.ensemble
        figs = Figures(ens)
        story = StoryPanel(ens.runs, lambda k: folder_story(self.folder, k, self.allow_code))
        return [Div(text=headline_html(ens), stylesheets=[table_style()], width=620,
                    css_classes=["headline"]),
                figure_grid(figs.figures), story.layout]  # fmt: skip


def sweep_view(results: Results):
    """Each outcome against a chosen swept parameter, with its 95% interval."""
    points, params, outcomes = sweep_parts(results)
    if points is None or not params or not outcomes:
        return Div(text="<p>No finished points to draw.</p>")
    src = ColumnDataSource()
    fig = figure(width=700, height=380, tools="pan,wheel_zoom,box_zoom,reset,save")
    fig.scatter("x", "y", source=src, size=7)
    fig.add_layout(Whisker(base="x", lower="low", upper="high", source=src))
    fig.add_tools(
        HoverTool(
            tooltips=[
                ("point", "@point"),
                ("x", "@x{0.000}"),
                ("value", "@y{0.000} [@low{0.000}, @high{0.000}]"),
            ]
        )
    )
    names = set(points.dtype.names)
    x = Select(title="swept parameter", options=params, value=params[0], width=340)
    y = Select(title="outcome", options=outcomes, value=outcomes[0], width=240)

    def refill() -> None:
        src.data = {
            "x": points[x.value],
            "y": points[y.value],
            "low": points[f"{y.value}_low"] if f"{y.value}_low" in names else points[y.value],
            "high": points[f"{y.value}_high"] if f"{y.value}_high" in names else points[y.value],
            "point": points["point"].astype(np.int64),
        }
        fig.title.text = f"{y.value} against {x.value} (whiskers: 95% intervals)"
        fig.xaxis.axis_label = x.value

    x.on_change("value", lambda attr, old, new: refill())
    y.on_change("value", lambda attr, old, new: refill())
    refill()
    return column(row(x, y), fig)
