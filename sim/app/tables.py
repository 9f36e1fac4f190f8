"""HTML tables for the explorer and the report: provenance, sweep tables, banners.

The sweep numbers come from :func:`sim.summarize.summarize` (its JSON form), so the page, the
report and ``tradewar summarize`` agree.
"""

from __future__ import annotations

import base64
import html
import io
import json

from sim.reading import Results
from sim.summarize import summarize


def escape(value) -> str:
    return html.escape(str(value))


def table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return escape(value)


def banner_html(results: Results) -> str:
    """A warning banner for an incomplete folder ("" for a complete one)."""
    if results.complete:
        return ""
    return (f'<div class="banner"><b>Incomplete folder</b>: {escape(results.problem)}. '
            "What is shown covers the runs that finished.</div>")  # fmt: skip


PROVENANCE = ("scenario", "kind", "command", "seed", "runs", "runs_done", "block_size",
              "horizon", "workers", "started_utc", "wall_time_s", "complete", "error")  # fmt: skip


def provenance_html(manifest: dict | None) -> str:
    """The manifest's facts as a two-column table (versions on one line)."""
    if not manifest:
        return "<p>No manifest.json: provenance unknown.</p>"
    rows = [[k, manifest[k]] for k in PROVENANCE if k in manifest]
    if "versions" in manifest and isinstance(manifest["versions"], dict):
        rows.append(["versions", ", ".join(f"{k} {v}" for k, v in manifest["versions"].items())])
    if "sweep" in manifest:
        rows.append(["sweep", json.dumps(manifest["sweep"])])
    return table(["manifest", ""], rows)


def sweep_html(folder, allow_code: bool = False) -> str:
    """The top points by P(deal) and the Sobol' ranking of a sweep folder."""
    data = json.loads(summarize(folder, "json", allow_code))
    out = [f"<p>{data['points']} points ({data.get('failed_points', 0)} failed).</p>"]
    top = data.get("top_points") or []
    if top:
        header = list(top[0])
        out.append("<h3>Top points by P(deal)</h3>")
        out.append(table(header, [[row[k] for k in header] for row in top]))
    for outcome, ranked in (data.get("sensitivity") or {}).items():
        out.append(f"<h3>Sensitivity of {escape(outcome)} (total Sobol' index, 95% interval)</h3>")
        out.append(table(["parameter", "total", "low", "high"], ranked))
    return "".join(out)


def calibration_html(results: Results) -> str:
    """A calibration folder's fit table, what the posterior says of each key (with the
    posterior/prior width ratio) and the generations, as ``tradewar calibrate`` reports them."""
    from sim.calibration_out import IDENTIFICATION, folder_identification

    out = []
    tables = results.tables
    if "fit" in tables:
        out += ["<h3>Targets at the posterior</h3>", _array_table(tables["fit"])]
    if "posterior" in tables:
        rows = [[_plain(v) for v in row] for row in folder_identification(results)]
        out += [f"<h3>Posterior of each key ({len(tables['posterior'])} particles)</h3>",
                table(list(IDENTIFICATION), rows)]  # fmt: skip
    if "generations" in tables:
        out += ["<h3>Generations</h3>", _array_table(tables["generations"])]
    return "".join(out) or "<p>No result files yet: the calibration has not finished.</p>"


def _array_table(array) -> str:
    """A numpy structured array (a table read with ``pandas=False``) as an HTML table."""
    header = list(array.dtype.names)
    return table(header, [[_plain(array[h][i]) for h in header] for i in range(len(array))])


def _plain(value):
    """A numpy scalar as the Python value :func:`table` formats."""
    return value.item() if hasattr(value, "item") else value


def pngs_html(results: Results) -> str:
    """The figures ``tradewar plot`` makes of a sweep or calibration folder, as inline PNGs
    (they need matplotlib)."""
    from sim import plots

    try:
        plt = plots.pyplot()
    except plots.PlotError as exc:
        return f"<p>No figures: {escape(exc)}</p>"
    out = []
    for name, maker in plots.figure_makers(results):
        try:
            fig = maker(plt, results)
        except (OSError, KeyError, ValueError, IndexError):  # a calibration not yet finished
            fig = None
        if fig is None:
            continue
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
        plt.close(fig)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        out.append(f'<div class="figure"><img alt="{name}" src="data:image/png;base64,{data}">'
                   "</div>")  # fmt: skip
    return "".join(out) or "<p>No figures: nothing finished yet.</p>"
