"""One run's story in the explorer: the ``tradewar trace`` text beside the run's trajectories."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from bokeh.layouts import column, row
from bokeh.models import Button, ColumnDataSource, PreText, Spinner
from bokeh.palettes import Category10_10
from bokeh.plotting import figure

from sim import trace
from sim.app.ensemble import week_dates
from sim.results import OutputError
from sim.runner import simulate_model
from sim.scenario import ScenarioError


@dataclass
class RunPath:
    """One run's weekly trajectories: tariff per ordered pair, anxiety per country."""

    dates: np.ndarray  # datetime64
    lines: dict[str, np.ndarray]  # label -> (weeks,)


def live_story(scenario, run: int, where: str = "") -> tuple[list[str], RunPath]:
    """The trace text of run ``run`` of ``scenario`` and its trajectories (one simulation)."""
    if not 0 <= run < scenario.runs:
        trace.tell(scenario, run, where=where)  # raises the trace's own error
    block, k = divmod(run, scenario.block_size)
    model = simulate_model(scenario, block)
    try:
        text = trace.tell(scenario, run, model, where)
        traj, names = model.trajectory(), model.names
    finally:
        model.release()
    lines = {}
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i != j:
                lines[f"tariff {a} on {b} (%)"] = traj["tariff"][:, k, i, j]
    for i, a in enumerate(names):
        lines[f"anxiety {a} (x100)"] = 100 * traj["anxiety"][:, k, i]
    return text, RunPath(week_dates(scenario.start_date, scenario.horizon), lines)


def folder_story(folder: Path, run: int, allow_code: bool) -> tuple[list[str], RunPath]:
    """The same for run ``run`` of a run folder (re-simulates its block, like trace)."""
    _, scenario = trace.load_folder(folder, allow_code)
    return live_story(scenario, run, str(folder))


class StoryPanel:
    """A run picker, the story text and the run's trajectories."""

    def __init__(self, runs: int, tell: Callable[[int], tuple[list[str], RunPath]]) -> None:
        self.tell = tell
        self.run = Spinner(title="run", low=0, high=max(runs - 1, 0), step=1, value=0, width=110,
                           css_classes=["story-run"])  # fmt: skip
        button = Button(label="Tell this run's story", css_classes=["story-button"], width=180)
        button.on_click(self.show)
        self.text = PreText(
            text="pick a run and press the button", width=680, height=340,
            styles={"overflow": "auto"}, css_classes=["story"],
        )  # fmt: skip
        self.source = ColumnDataSource({"xs": [], "ys": [], "label": [], "color": []})
        fig = figure(title="This run, week by week", width=520, height=340,
                     x_axis_type="datetime", tools="pan,wheel_zoom,reset,save")  # fmt: skip
        fig.multi_line("xs", "ys", color="color", legend_field="label", source=self.source,
                       line_width=2)  # fmt: skip
        fig.legend.label_text_font_size = "8pt"
        self.layout = column(row(self.run, button), row(self.text, fig))

    def show(self) -> None:
        try:
            text, path = self.tell(int(self.run.value))
        except (OutputError, ScenarioError) as exc:
            self.text.text = f"error: {exc}"
            return
        self.text.text = "\n".join(text)
        labels = list(path.lines)
        self.source.data = {
            "xs": [path.dates] * len(labels),
            "ys": [path.lines[k].astype(float) for k in labels],
            "label": labels,
            "color": [Category10_10[k % 10] for k in range(len(labels))],
        }
