"""The explorer's page for a scenario: controls, live re-simulation, baseline, story.

One :class:`Live` holds what every browser page of a scenario shares (the file, its controls,
the baseline ensemble, one worker thread); one :class:`Session` per page holds that page's
changes. A change is validated at once by :func:`sim.scenario.load` (an invalid value shows
the ScenarioError text under its control) and re-simulated on the worker thread; a newer
change or the Cancel button cancels the one in flight between blocks.
"""

from __future__ import annotations

import html
import shlex
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from bokeh.layouts import column, row
from bokeh.models import (
    AutocompleteInput,
    Button,
    ColumnDataSource,
    CustomJS,
    Div,
    HelpButton,
    PreText,
    Select,
    Slider,
    TextInput,
    Tooltip,
)

from sim.app import ensemble, story
from sim.app.controls import Control, controls, default_keys, format_value
from sim.app.figures import Figures, headline_html
from sim.app.layout import css_name, figure_grid, table_style
from sim.scenario import ScenarioError, dump, load

DOWNLOAD_JS = """
const blob = new Blob([src.data.text[0]], {type: 'text/yaml'});
const a = document.createElement('a');
a.href = URL.createObjectURL(blob);
a.download = src.data.name[0];
document.body.appendChild(a);
a.click();
a.remove();
"""


class Live:
    """What every page of one scenario shares: the file, its controls, the baseline."""

    def __init__(self, path: Path, runs: int | None, allow_code: bool, progress=None) -> None:
        self.path, self.allow_code = Path(path), allow_code
        file_runs = load(self.path, allow_code=allow_code).runs
        self.runs = runs or file_runs
        self.fixed = [f"runs={self.runs}"] if runs is not None else []
        self.base = load(self.path, self.fixed, allow_code)
        self.controls = controls(self.base)
        self.shown = default_keys(self.base, self.controls)
        self.baseline = ensemble.simulate(self.base, progress)
        self.worker = ThreadPoolExecutor(1, thread_name_prefix="tradewar-explore")

    def scenario(self, changes: dict[str, object]):
        """The scenario with ``changes`` applied (raises ScenarioError for a bad value)."""
        return load(self.path, [*self.fixed, *self.overrides(changes)], self.allow_code)

    def overrides(self, changes: dict[str, object]) -> list[str]:
        return [self.controls[k].override(v) if k in self.controls else f"{k}={format_value(v)}"
                for k, v in changes.items()]  # fmt: skip

    def command(self, changes: dict[str, object]) -> str:
        words = ["tradewar", "run", str(self.path)]
        if self.fixed:
            words += ["--runs", str(self.runs)]
        for item in self.overrides(changes):
            words += ["--set", item]
        return shlex.join(words)

    def close(self) -> None:
        self.worker.shutdown(wait=False, cancel_futures=True)


class Session:
    """One browser page: its changes, its widgets, its re-simulations."""

    def __init__(self, live: Live, doc) -> None:
        self.live, self.doc = live, doc
        self.changes: dict[str, object] = {}
        # each change is a generation; a job whose generation is no longer the newest, or was
        # cancelled, stops at its next block and is never shown
        self.generation, self.cancelled_gen, self.shown_gen = 0, -1, 0
        self.scenario = live.base
        self.widgets: dict[str, object] = {}
        self.errors: dict[str, Div] = {}
        self.figures = Figures(live.baseline, live.baseline)
        self._build()
        doc.on_session_destroyed(lambda ctx: self.cancel())

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        live = self.live
        self.status = Div(text="ready: the file's own values (baseline)", css_classes=["status"])
        cancel = Button(label="Cancel", width=80, css_classes=["cancel"])
        cancel.on_click(self.cancel)
        reset = Button(label="Back to the file's values", width=200)
        reset.on_click(self.reset)
        self.search = AutocompleteInput(
            title="add a control (any dotted key)", completions=list(live.controls),
            search_strategy="includes", case_sensitive=False, min_characters=2, width=320,
            css_classes=["search"],
        )  # fmt: skip
        self.search.on_change("value", lambda attr, old, new: self.add_control(new))
        self.free = TextInput(title="or set KEY=VALUE (YAML, e.g. a distribution)", width=320,
                              css_classes=["free-set"])  # fmt: skip
        self.free.on_change("value", lambda attr, old, new: self.set_text(new))
        self.free_error = Div(
            text="", styles={"color": "#b00000"}, width=320, css_classes=["free-error"]
        )
        self.column = column(*[self._control(live.controls[k]) for k in live.shown])
        self.headline = Div(text=headline_html(live.baseline, live.baseline),
                            css_classes=["headline"], width=620,
                            stylesheets=[table_style()])  # fmt: skip
        self.command = PreText(text=live.command({}), width=620, css_classes=["command"])
        self.yaml = ColumnDataSource({"text": [dump(live.base)], "name": [self._yaml_name()]})
        download = Button(label="Download this scenario as YAML", css_classes=["download"])
        download.js_on_click(CustomJS(args={"src": self.yaml}, code=DOWNLOAD_JS))
        self.story = story.StoryPanel(live.runs, self.tell)
        controls = column(Div(text=f"<b>{live.base.name}</b>: {live.runs} runs per change"),
                          reset, self.search, self.free, self.free_error, self.column,
                          width=340)  # fmt: skip
        title = Div(text="<b>What reproduces this</b>")
        numbers = column(row(self.status, cancel), self.headline, title, self.command, download)
        body = column(numbers, figure_grid(self.figures.figures), self.story.layout)
        self.doc.add_root(row(controls, body))
        self.doc.title = f"tradewar explore: {live.base.name}"

    def _yaml_name(self) -> str:
        return f"{self.live.base.name}-explored.yaml"

    def _control(self, c: Control):
        if c.kind == "choice":
            widget = Select(title=c.key, value=str(c.value), options=list(c.choices), width=280)
            widget.on_change("value", lambda attr, old, new: self.change(c.key, new))
        else:
            lo, hi, step = c.window()
            widget = Slider(title=c.key, start=lo, end=hi, step=step, value=float(c.value),
                            width=280, format="0[.][0000]")  # fmt: skip
            widget.on_change("value_throttled", lambda attr, old, new: self.change(c.key, new))
        widget.css_classes = ["control", f"ctl-{css_name(c.key)}"]
        help_ = HelpButton(tooltip=Tooltip(content=c.hover(), position="right"))
        self.widgets[c.key] = widget
        self.errors[c.key] = Div(text="", styles={"color": "#b00000"}, width=300,
                                 css_classes=[f"err-{css_name(c.key)}"])  # fmt: skip
        return column(row(widget, help_), self.errors[c.key])

    def add_control(self, text: str) -> None:
        """Show the control of the key ``text`` names (exactly, or as its only match)."""
        text = text.strip()
        found = [text] if text in self.live.controls else [
            k for k in self.live.controls if text.lower() in k.lower()]  # fmt: skip
        if not text or len(found) != 1:
            self.free_error.text = (
                html.escape(f"{len(found)} keys match {text!r}; pick one") if text else ""
            )
            return
        self.free_error.text = ""
        if found[0] not in self.widgets:
            control = self._control(self.live.controls[found[0]])
            self.column.children = [control, *self.column.children]

    # ------------------------------------------------------------------ changes

    def set_text(self, text: str) -> None:
        key, sep, value = text.partition("=")
        if not sep:
            self.free_error.text = "expected KEY=VALUE" if text.strip() else ""
            return
        self.change(key.strip(), value.strip(), self.free_error)

    def change(self, key: str, value, error: Div | None = None) -> None:
        """Validate the page's changes with ``key`` set to ``value``, then re-simulate."""
        changes = dict(self.changes)
        original = self.live.controls.get(key)
        if original is not None and _same(original.value, value):
            changes.pop(key, None)
        else:
            changes[key] = value
        error = error or self.errors.get(key) or self.free_error
        try:
            scenario = self.live.scenario(changes)
        except ScenarioError as exc:
            error.text = html.escape(str(exc))  # a Div shows HTML: the message is text
            self.status.text = html.escape(f"invalid value for {key}: not simulated")
            return
        for div in (*self.errors.values(), self.free_error):
            div.text = ""
        self.changes, self.scenario = changes, scenario
        self._sync_slider(key, value)
        self.command.text = self.live.command(changes)
        self.yaml.data = {"text": [dump(scenario)], "name": [self._yaml_name()]}
        self.resimulate()

    def _sync_slider(self, key: str, value) -> None:
        """A value typed as KEY=VALUE moves the key's slider too, when it fits (no callback)."""
        slider = self.widgets.get(key)
        try:
            number = float(value)
        except (TypeError, ValueError):
            return
        if isinstance(slider, Slider) and slider.start <= number <= slider.end:
            slider.value = number

    def resimulate(self) -> None:
        self.generation += 1
        gen, scenario, began = self.generation, self.scenario, time.perf_counter()
        self.status.text = f"simulating {scenario.runs} runs ..."
        if not self.changes:  # the file's own values: the baseline is the answer
            self._show(gen, self.live.baseline, began)
            return

        def progress(done, total):
            self.doc.add_next_tick_callback(partial(self._progress, gen, done, total))

        def job():
            try:
                result = ensemble.simulate(scenario, progress, lambda: self._stale(gen))
            except ensemble.Cancelled:
                return
            except Exception as exc:  # a bug or an extreme value: say so on the page
                self.doc.add_next_tick_callback(partial(self._failed, gen, exc))
                return
            self.doc.add_next_tick_callback(partial(self._show, gen, result, began))

        self.live.worker.submit(job)

    def _stale(self, gen: int) -> bool:
        return gen != self.generation or gen == self.cancelled_gen

    def _progress(self, gen: int, done: int, total: int) -> None:
        if not self._stale(gen) and done < total:
            self.status.text = f"simulating: {done:,} of {total:,} runs ... (Cancel stops it)"

    def _show(self, gen: int, result, began: float) -> None:
        if self._stale(gen):
            return
        self.shown_gen = gen
        self.figures.update(result, self.live.baseline)
        self.headline.text = headline_html(result, self.live.baseline)
        which = f"{len(self.changes)} change(s)" if self.changes else "the file's own values"
        seconds = time.perf_counter() - began
        self.status.text = f"updated in {seconds:.2f} s (update {gen}): {which}"

    def _failed(self, gen: int, exc: Exception) -> None:
        if not self._stale(gen):
            self.shown_gen = gen
            self.status.text = html.escape(f"simulation failed: {type(exc).__name__}: {exc}")

    def cancel(self) -> None:
        """Stop the simulation in flight, if there is one."""
        if self.shown_gen != self.generation and self.cancelled_gen != self.generation:
            self.cancelled_gen = self.generation
            self.status.text = "cancelled: the figures show the last finished simulation"

    def reset(self) -> None:
        for key, widget in self.widgets.items():
            c = self.live.controls[key]
            if isinstance(widget, Slider):
                widget.value = float(c.value)
        self.changes, self.scenario = {}, self.live.base
        for key, widget in self.widgets.items():
            if isinstance(widget, Select):
                widget.value = str(self.live.controls[key].value)  # its callback finds no change
        self.command.text = self.live.command({})
        self.yaml.data = {"text": [dump(self.live.base)], "name": [self._yaml_name()]}
        self.resimulate()

    def tell(self, run: int) -> tuple[list[str], object]:
        return story.live_story(self.scenario, run)


def _same(original, value) -> bool:
    """Whether a control's new value is its file value (typed text ``20`` is the number 20)."""
    try:
        return float(original) == float(value)
    except (TypeError, ValueError):
        return str(original) == str(value)
