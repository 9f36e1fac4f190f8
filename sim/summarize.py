"""``tradewar summarize DIR``: the headline of a result folder from its CSVs alone.

For a run folder, the same numbers ``tradewar run`` printed (recomputed from runs.csv and
summary.csv, no re-simulation); for a sweep folder, the top points and the sensitivity
ranking. An incomplete folder is summarised as far as it goes and says so first.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

import numpy as np

from sim import columns as C
from sim.reading import Results, load
from sim.report import Headline

FORMATS = ("table", "csv", "json")
TOP = 10


def summarize(folder, fmt: str = "table", allow_code: bool = False) -> str:
    """The summary of ``folder`` as text in ``fmt`` (table, csv or json).

    ``allow_code``: the folder's scenario.yaml may name user functions (see ``load``).
    """
    results = load(folder, pandas=False, allow_code=allow_code)
    data = _sweep(results) if results.kind == "sweep" else _run(results)
    data = {"folder": str(results.folder), "kind": results.kind, "complete": results.complete,
            "problem": results.problem, **data}  # fmt: skip
    if fmt == "json":
        data.pop("_headline", None)
        return json.dumps(data, indent=2, default=_plain)
    if fmt == "csv":
        return _csv(data)
    return _table(data)


def _plain(value):
    return float(value) if isinstance(value, np.floating) else str(value)


def _run(results: Results) -> dict:
    runs = results.tables.get("runs")
    if runs is None or len(runs) == 0:
        return {"runs": 0}
    lay = results.layout
    head = Headline(list(lay.names), results.horizon)
    head.add({name: runs[name] for name in runs.dtype.names})
    return {
        "runs": head.runs,
        "shares": {label: [p, lo, hi] for label, p, lo, hi in head.rows()},
        "median_weeks": {
            k: {"median": m, "runs_with_one": n} for k, (m, n) in head.medians().items()
        },
        "means": {k: [m, lo, hi] for k, m, lo, hi in head.means()},
        "final_tariffs": _final_tariffs(results),
        "_headline": head,
    }


def _final_tariffs(results: Results) -> dict[str, float]:
    summary = results.tables.get("summary")
    if summary is None or len(summary) == 0:
        return {}
    last = summary[summary["week"] == np.max(summary["week"])]
    names, out = results.layout.names, {}
    for a in names:
        for b in names:
            rows = last[(last["country"] == a) & (last["quantity"] == C.TARIFF_ON.name(j=b))]
            if a != b and len(rows):
                out[f"{a} on {b}"] = float(rows["p50"][0])
    return out


def _sweep(results: Results) -> dict:
    points = results.tables.get("points")
    out: dict = {"points": 0, "top_points": [], "sensitivity": {}}
    if points is None or len(points) == 0:
        return out
    lay = replace(results.layout, keys=results.params)
    shown = [*results.params, *C.estimates((C.P_FIRST, C.P_DEAL, C.MEDIAN_FIRST_APPROACH), lay)]
    ranked = C.SORTED_BY.name()
    order = np.argsort(-np.nan_to_num(points[ranked], nan=-1.0), kind="stable")[:TOP]
    out["points"] = len(points)
    out["failed_points"] = int(np.sum(points[C.ERROR.name()] != ""))
    out["top_points"] = [
        {"point": int(points[C.POINT.name()][k]), **{n: float(points[n][k]) for n in shown}}
        for k in order
    ]
    sens = results.tables.get("sensitivity")
    if sens is not None:
        for outcome in dict.fromkeys(sens["outcome"].astype(str)):
            rows = sens[sens["outcome"] == outcome]
            rows = rows[np.argsort(-rows["total_order"], kind="stable")]
            out["sensitivity"][outcome] = [
                [str(r["parameter"]), *(float(r[k]) for k in ("total_order", "total_order_low",
                                                               "total_order_high"))]
                for r in rows
            ]  # fmt: skip
    return out


def _table(data: dict) -> str:
    lines = [] if data["complete"] else [f"INCOMPLETE: {data['folder']}: {data['problem']}"]
    if data["kind"] == "run":
        if data["runs"] == 0:
            return "\n".join([*lines, "no finished runs"])
        lines.append(data["_headline"].text(data["final_tariffs"]))
        return "\n".join(lines)
    lines.append(f"{data['points']} points ({data.get('failed_points', 0)} failed); "
                 f"top {min(TOP, data['points'])} by P(deal):")  # fmt: skip
    for row in data["top_points"]:
        lines.append("  " + "  ".join(f"{k}={v:.4g}" for k, v in row.items()))
    if data["sensitivity"]:
        lines.append("parameters by total Sobol' index [95% interval], per outcome:")
    for outcome, ranked in data["sensitivity"].items():
        lines.append(f"  {outcome}: " + " > ".join(
            f"{p} {t:.2f} [{lo:.2f}, {hi:.2f}]" for p, t, lo, hi in ranked))  # fmt: skip
    return "\n".join(lines)


def _csv(data: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "name", "estimate", "low", "high"])
    writer.writerow(["folder", "complete", int(data["complete"]), "", ""])
    if data["kind"] == "run":
        for label, (p, lo, hi) in data.get("shares", {}).items():
            writer.writerow(["share", label, p, lo, hi])
        for key, med in data.get("median_weeks", {}).items():
            writer.writerow(["median_week", key, med["median"], "", ""])
        for key, (m, lo, hi) in data.get("means", {}).items():
            writer.writerow(["mean_per_run", key, m, lo, hi])
        for key, value in data.get("final_tariffs", {}).items():
            writer.writerow(["median_final_tariff", key, value, "", ""])
    else:
        for row in data["top_points"]:
            for key, value in row.items():
                writer.writerow([f"point {row['point']}", key, value, "", ""])
        for outcome, ranked in data["sensitivity"].items():
            for p, t, lo, hi in ranked:
                writer.writerow([f"total_order {outcome}", p, t, lo, hi])
    return out.getvalue().rstrip("\n")
