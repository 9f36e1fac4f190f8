"""HTML tables for the explorer and the report: provenance, sweep tables, banners.

The sweep numbers come from :func:`sim.summarize.summarize` (its JSON form), so the page, the
report and ``tradewar summarize`` agree.
"""

from __future__ import annotations

import html
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
