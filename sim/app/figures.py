"""Bokeh figures of an :class:`~sim.app.ensemble.Ensemble`, optionally over a baseline.

The same figures serve the live explorer (its sources are refilled on each re-simulation, so the
page updates in place) and the self-contained report (drawn once, no baseline). A figure
whose data the ensemble lacks (pressure without steps.csv) is left out.
"""

from __future__ import annotations

import html

import numpy as np
from bokeh.models import ColumnDataSource, HoverTool, Range1d
from bokeh.palettes import Category10_10
from bokeh.plotting import figure
from bokeh.transform import dodge

from sim.app.ensemble import TARIFF_SERIES, Ensemble
from sim.columns import PERCENTILES
from sim.negotiation import STATUSES
from sim.plots import STATUS_COLORS
from sim.report import wilson

WIDTH, HEIGHT = 500, 290
BASE = "#555555"  # the baseline's colour: grey, dashed, drawn over the modified scenario
TOOLS = "pan,wheel_zoom,box_zoom,reset,save"


def _fig(title: str, **kw):
    p = figure(title=title, width=WIDTH, height=HEIGHT, tools=TOOLS, toolbar_location="above",
               **kw)  # fmt: skip
    p.title.text_font_size = "11pt"
    return p


def _nan(weeks: int) -> np.ndarray:
    return np.full(weeks, np.nan)


class Figures:
    """Every figure of an ensemble; :meth:`update` refills them from new ensembles."""

    def __init__(self, mod: Ensemble, base: Ensemble | None = None) -> None:
        self.compare = base is not None
        self.sources: dict[str, ColumnDataSource] = {}
        self.figures: list = []
        self.pairs = list(mod.fans)
        self.labels = [x for x in mod.headline.approacher if x != "none"]
        self.channels = mod.approach_channels
        for pair in self.pairs:
            self.figures.append(self._fan(pair))
        self.figures += [self._first_week(), self._first_channel(), self._status()]
        if mod.pressure is not None:
            self.figures += [self._pressure(mod, i) for i in range(len(mod.names))]
        self.update(mod, base)

    # ------------------------------------------------------------------ data

    def update(self, mod: Ensemble, base: Ensemble | None = None) -> None:
        """Refill every source from ``mod`` (and the baseline ``base``)."""
        x = mod.dates()
        for pair in self.pairs:
            data = {"x": x}
            for series in TARIFF_SERIES:
                for q, row in zip(PERCENTILES, _fan_rows(mod, pair, series), strict=True):
                    data[f"{series}_p{q}"] = row
                for q, row in zip(PERCENTILES, _fan_rows(base, pair, series, mod.weeks),
                                  strict=True):  # fmt: skip
                    data[f"base_{series}_p{q}"] = row
            self.sources[f"fan {pair}"].data = data
        data = {"x": x}
        for label in self.labels:
            data[label] = np.cumsum(mod.first_week.get(label, _nan(mod.weeks)))
            data[f"base_{label}"] = _weekly(base, "first_week", label, mod.weeks, cumulative=True)
        self.sources["first_week"].data = data
        mod_shares, base_shares = mod.channel_shares(), base.channel_shares() if base else {}
        self.sources["first_channel"].data = {
            "channel": self.channels,
            "mod": [mod_shares.get(c, 0.0) for c in self.channels],
            "base": [base_shares.get(c, np.nan) for c in self.channels],
        }
        data = {"x": x}
        for s in STATUSES:
            data[s], data[f"base_{s}"] = mod.status[s], _weekly(base, "status", s, mod.weeks)
        self.sources["status"].data = data
        for i, name in enumerate(mod.names):
            if f"pressure {name}" in self.sources and mod.pressure is not None:
                self.sources[f"pressure {name}"].data = _pressure_data(mod, base, i, x)

    # ------------------------------------------------------------------ figures

    def _source(self, key: str) -> ColumnDataSource:
        self.sources[key] = ColumnDataSource(data={})
        return self.sources[key]

    def _fan(self, pair):
        src = self._source(f"fan {pair}")
        p = _fig(f"Tariff levied by {pair[0]} on goods from {pair[1]} (%)", x_axis_type="datetime")
        s = TARIFF_SERIES[0]  # the effective rate gets the bands; other series, lines
        p.varea("x", f"{s}_p5", f"{s}_p95", source=src, fill_alpha=0.2, legend_label="90% of runs")
        p.varea("x", f"{s}_p25", f"{s}_p75", source=src, fill_alpha=0.4, legend_label="50% of runs")
        median = p.line("x", f"{s}_p50", source=src, line_width=2, legend_label="median")
        for k, other in enumerate(TARIFF_SERIES[1:], start=1):
            p.line("x", f"{other}_p50", source=src, color=Category10_10[k], legend_label=other)
        if self.compare:
            p.line("x", f"base_{s}_p50", source=src, color=BASE, line_dash="dashed", line_width=2,
                   legend_label="baseline median")  # fmt: skip
            for q in ("p5", "p95"):
                p.line("x", f"base_{s}_{q}", source=src, color=BASE, line_dash="dotted",
                       legend_label="baseline 90%")  # fmt: skip
        p.add_tools(HoverTool(renderers=[median], tooltips=[
            ("week of", "@x{%F}"), ("median", f"@{s}_p50{{0.0}}%"),
            ("90% of runs", f"@{s}_p5{{0.0}} to @{s}_p95{{0.0}}%")],
            formatters={"@x": "datetime"}))  # fmt: skip
        p.y_range.start = 0
        p.yaxis.axis_label = "additional tariff (%)"
        p.legend.location = "top_right"
        p.legend.label_text_font_size = "8pt"
        return p

    def _first_week(self):
        src = self._source("first_week")
        p = _fig("Who asks for talks first, by when (share of runs)", x_axis_type="datetime")
        for k, label in enumerate(self.labels):
            color = Category10_10[k % 10]
            p.line("x", label, source=src, color=color, line_width=2, legend_label=label)
            if self.compare:
                p.line("x", f"base_{label}", source=src, color=color, line_dash="dashed",
                       legend_label=f"{label} (baseline)")  # fmt: skip
        p.y_range = Range1d(0, 1)
        p.yaxis.axis_label = "share of runs, cumulative"
        p.legend.location = "top_left"
        p.legend.label_text_font_size = "8pt"
        return p

    def _first_channel(self):
        src = self._source("first_channel")
        p = _fig("First approach, by channel (share of runs)", x_range=self.channels)
        width = 0.4 if self.compare else 0.7
        offset = -0.2 if self.compare else 0.0
        p.vbar(x=dodge("channel", offset, range=p.x_range), top="mod", width=width, source=src,
               legend_label="this scenario")  # fmt: skip
        if self.compare:
            p.vbar(x=dodge("channel", 0.2, range=p.x_range), top="base", width=width, source=src,
                   color=BASE, alpha=0.6, legend_label="baseline")  # fmt: skip
        p.add_tools(HoverTool(tooltips=[("channel", "@channel"), ("share", "@mod{0.000}"),
                                        ("baseline", "@base{0.000}")]))  # fmt: skip
        p.y_range = Range1d(0, 1)
        p.legend.label_text_font_size = "8pt"
        return p

    def _status(self):
        src = self._source("status")
        p = _fig("Status of relations over time (share of runs)", x_axis_type="datetime")
        for s in STATUSES:
            p.line("x", s, source=src, color=STATUS_COLORS[s], line_width=2, legend_label=s)
            if self.compare:
                p.line("x", f"base_{s}", source=src, color=STATUS_COLORS[s], line_dash="dashed",
                       legend_label=f"{s} (baseline)")  # fmt: skip
        p.y_range = Range1d(0, 1)
        p.legend.location = "center_right"
        p.legend.label_text_font_size = "8pt"
        return p

    def _pressure(self, mod: Ensemble, i: int):
        name = mod.names[i]
        src = self._source(f"pressure {name}")
        used = [c for k, c in enumerate(mod.channels) if np.any(np.isfinite(mod.pressure[:, i, k]))]
        p = _fig(f"{name}: mean pressure by channel", x_axis_type="datetime")
        colors = [Category10_10[mod.channels.index(c) % 10] for c in used]
        p.varea_stack(used, x="x", source=src, color=colors, alpha=0.7,
                      legend_label=list(used))  # fmt: skip
        if self.compare:
            p.line("x", "base_total", source=src, color=BASE, line_dash="dashed", line_width=2,
                   legend_label="baseline total")  # fmt: skip
        p.y_range.start = 0
        p.yaxis.axis_label = "weighted contribution"
        p.legend.location = "top_right"
        p.legend.label_text_font_size = "8pt"
        return p


def _fan_rows(ens: Ensemble | None, pair, series: str, weeks: int | None = None):
    if ens is None or pair not in ens.fans or series not in ens.fans[pair]:
        return [_nan(weeks or 0)] * len(PERCENTILES)
    return list(_fit(ens.fans[pair][series], weeks))


def _fit(rows: np.ndarray, weeks: int | None) -> np.ndarray:
    """Rows cut or padded (NaN) to ``weeks`` columns: a baseline may have another horizon."""
    if weeks is None or rows.shape[-1] == weeks:
        return rows
    out = np.full((*rows.shape[:-1], weeks), np.nan)
    n = min(weeks, rows.shape[-1])
    out[..., :n] = rows[..., :n]
    return out


def _weekly(ens: Ensemble | None, attr: str, key: str, weeks: int, cumulative=False):
    if ens is None or key not in getattr(ens, attr):
        return _nan(weeks)
    values = getattr(ens, attr)[key]
    return _fit(np.cumsum(values) if cumulative else values, weeks)


def _pressure_data(mod: Ensemble, base: Ensemble | None, i: int, x) -> dict:
    data = {"x": x}
    for k, c in enumerate(mod.channels):
        data[c] = np.nan_to_num(mod.pressure[:, i, k])
    total = _nan(mod.weeks)
    if base is not None and base.pressure is not None:
        total = _fit(np.nansum(base.pressure[:, i, :], axis=1), mod.weeks)
    data["base_total"] = total
    return data


# --------------------------------------------------------------------------- numbers


def _cell(p: float, lo: float, hi: float, digits: int = 3) -> str:
    if np.isnan(p):
        return "-"
    return f"{p:.{digits}f} <small>[{lo:.{digits}f}, {hi:.{digits}f}]</small>"


def headline_html(mod: Ensemble, base: Ensemble | None = None) -> str:
    """The headline numbers as an HTML table: estimate [95% interval] (and baseline, change)."""
    head = ["", "this scenario"] + (["baseline", "change"] if base is not None else [])
    rows = []
    mine = {r[0]: r[1:] for r in mod.headline.rows()}
    base_rows = {r[0]: r for r in base.headline.rows()} if base is not None else {}
    for label in dict.fromkeys([*base_rows, *mine]):
        # a channel no run used this time is a share of 0, not a missing row
        p, lo, hi = mine.get(label) or wilson(0, mod.runs)
        rows.append(_row(label, _cell(p, lo, hi), base_rows.get(label), p, 3))
    base_means = {r[0]: r for r in base.headline.means()} if base is not None else {}
    for key, m, lo, hi in mod.headline.means():
        rows.append(_row(f"mean {key} per run", _cell(m, lo, hi, 2), base_means.get(key), m, 2))
    base_med = base.headline.medians() if base is not None else {}
    for key, (median, n) in mod.headline.medians().items():
        other = base_med.get(key, (np.nan, 0))[0]
        rows.append(_row(f"median week of {key}", f"{median:g} <small>({n} runs)</small>",
                         (key, other, other, other), median, 0))  # fmt: skip
    for key, value in mod.final_tariffs.items():
        other = base.final_tariffs.get(key, np.nan) if base is not None else np.nan
        rows.append(_row(f"median final tariff {key} (%)", f"{value:.1f}",
                         (key, other, other, other), value, 1))  # fmt: skip
    body = "".join(
        "<tr>" + "".join(f"<td>{c}</td>" for c in row[: len(head)]) + "</tr>" for row in rows
    )
    header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return (f'<table class="headline"><thead><tr>{header}</tr></thead><tbody>{body}</tbody>'
            f"</table><p><small>{mod.runs} runs; 95% intervals.</small></p>")  # fmt: skip


def _row(label: str, cell: str, base_row, value: float, digits: int) -> list[str]:
    """A table row; ``digits`` 0 prints numbers as they are (median weeks: 12, 12.5)."""
    if base_row is None:
        return [html.escape(label), cell, "-", "-"]
    _, b, blo, bhi = base_row
    spec = "g" if digits == 0 else f".{digits}f"
    shown = _cell(b, blo, bhi, digits) if blo != b or bhi != b else (
        "-" if np.isnan(b) else format(b, spec))  # fmt: skip
    diff = value - b
    change = "-" if np.isnan(diff) else format(diff, "+" + spec)
    if not np.isnan(diff) and abs(diff) > 0:
        change = f"<b>{change}</b>"
    return [html.escape(label), cell, shown, change]
