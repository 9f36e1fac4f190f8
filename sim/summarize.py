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
from sim.results import OutputError
from sim.sensitivity import ranking

FORMATS = ("table", "csv", "json")
TOP = 10


def summarize(folder, fmt: str = "table", allow_code: bool = False, sort_by: str | None = None,
              ascending: bool = False, outcomes: list[str] | None = None) -> str:  # fmt: skip
    """The summary of ``folder`` as text in ``fmt`` (table, csv or json).

    ``allow_code``: the folder's scenario.yaml may name user functions (see ``load``).
    A sweep's points are ranked by ``sort_by`` (default P(deal)); ``outcomes`` limits the
    points' columns and the sensitivity shown.
    """
    results = load(folder, pandas=False, allow_code=allow_code)
    if results.kind == "calibrate":
        return _calibration(results, fmt)
    if results.kind == "sweep":
        data = _sweep(results, sort_by, ascending, outcomes)
    else:
        data = _run(results)
    data = {"folder": str(results.folder), "kind": results.kind, "complete": results.complete,
            "problem": results.problem, **data}  # fmt: skip
    if fmt == "json":
        data.pop("_headline", None)
        data.pop("_ranking", None)
        return json.dumps(data, indent=2, default=_plain)
    if fmt == "csv":
        return _csv(data)
    return _table(data)


def _calibration(results: Results, fmt: str) -> str:
    """A calibration's printed report (report.txt); its tables are its CSV files."""
    report = results.folder / "report.txt"
    if fmt != "table":
        raise OutputError(f"{results.folder}: a calibration folder: its tables are already "
                          "CSV files (posterior.csv, generations.csv, fit.csv)")  # fmt: skip
    if not results.complete or not report.is_file():
        raise OutputError(f"{results.folder}: incomplete calibration ({results.problem}); "
                          "finish it with tradewar calibrate --resume")  # fmt: skip
    return report.read_text(encoding="utf-8")


def _plain(value):
    return float(value) if isinstance(value, np.floating) else str(value)


def _run(results: Results) -> dict:
    runs = results.tables.get("runs")
    if runs is None or len(runs) == 0:
        return {"runs": 0}
    lay = results.layout
    head = Headline(list(lay.names), results.horizon, results.outcomes)
    head.add({name: runs[name] for name in runs.dtype.names})
    return {
        "runs": head.runs,
        "shares": {label: [p, lo, hi] for label, p, lo, hi in head.rows()},
        "median_weeks": {
            k: {"median": m, "runs_with_one": n, "share_by_week": head.by_week()[k]}
            for k, (m, n) in head.medians().items()
        },
        "means": {k: [m, lo, hi] for k, m, lo, hi in head.means()},
        "final_tariffs": _final_tariffs(results),
        "user_outcomes": {k: [m, lo, hi] for k, m, lo, hi in head.user.rows()},
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


def _sweep(results: Results, sort_by: str | None, ascending: bool,
           outcomes: list[str] | None) -> dict:  # fmt: skip
    points = results.tables.get("points")
    out: dict = {"points": 0, "top_points": [], "sensitivity": {}, "sorted_by": ""}
    if points is None or len(points) == 0:
        return out
    recorded = outcome_names(results)
    for name in [*(outcomes or []), *([sort_by] if sort_by else [])]:
        if name not in recorded:
            raise OutputError(f"{results.folder}: no outcome {name!r} in points.csv (one of "
                              f"{', '.join(recorded)})")  # fmt: skip
    ranked = sort_by or C.SORTED_BY.name()
    lay = replace(results.layout, keys=results.params)
    default = C.estimates((C.P_FIRST, C.P_DEAL, C.MEDIAN_FIRST_APPROACH), lay)
    shown = [*results.params, *dict.fromkeys([ranked, *(outcomes or default)])]
    key = np.asarray(points[ranked], dtype=float)
    key = np.where(np.isnan(key), np.inf if ascending else -np.inf, key)
    order = np.argsort(key if ascending else -key, kind="stable")[:TOP]
    out["points"] = len(points)
    out["sorted_by"] = f"{ranked} ({'ascending' if ascending else 'descending'})"
    out["failed_points"] = int(np.sum(points[C.ERROR.name()] != ""))
    out["top_points"] = [
        {"point": int(points[C.POINT.name()][k]), **{n: float(points[n][k]) for n in shown}}
        for k in order
    ]
    elementary = results.tables.get("morris")
    if elementary is not None:
        from sim.morris import ranking as morris_ranking

        out["_ranking"] = morris_ranking(elementary, outcomes)
    sens = results.tables.get("sensitivity")
    if sens is not None:
        out["_ranking"] = (
            "parameters by total Sobol' index [95% interval], per outcome:\n"
            + ranking(sens, outcomes)
        )
        for outcome in dict.fromkeys(sens["outcome"].astype(str)):
            if outcomes and outcome not in outcomes:
                continue
            rows = sens[sens["outcome"] == outcome]
            rows = rows[np.argsort(-np.nan_to_num(rows["total_order"], nan=-1), kind="stable")]
            out["sensitivity"][outcome] = {
                "variance": float(rows["variance"][0]), "noise": float(rows["noise"][0]),
                "note": str(rows["note"][0]),
                "total_order": [[str(r["parameter"]), *(float(r[k]) for k in (
                    "total_order", "total_order_low", "total_order_high"))] for r in rows],
            }  # fmt: skip
    return out


def outcome_names(results: Results) -> list[str]:
    """The outcomes points.csv records (estimates, without their bounds)."""
    points = results.tables["points"]
    fixed = {C.POINT.name(), C.POINT_RUNS.name(), C.ERROR.name(), *results.params}
    return [n for n in points.dtype.names
            if n not in fixed and not n.endswith(("_low", "_high"))]  # fmt: skip


def _table(data: dict) -> str:
    lines = [] if data["complete"] else [f"INCOMPLETE: {data['folder']}: {data['problem']}"]
    if data["kind"] == "run":
        if data["runs"] == 0:
            return "\n".join([*lines, "no finished runs"])
        lines.append(data["_headline"].text(data["final_tariffs"]))
        return "\n".join(lines)
    lines.append(f"{data['points']} points ({data.get('failed_points', 0)} failed); "
                 f"top {min(TOP, data['points'])} by {data['sorted_by']}:")  # fmt: skip
    for row in data["top_points"]:
        lines.append("  " + "  ".join(f"{k}={v:.4g}" for k, v in row.items()))
    if data.get("_ranking"):
        lines.append(data["_ranking"])
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
            writer.writerow(["runs_with_one", key, med["runs_with_one"], "", ""])
            for week, share in med["share_by_week"].items():
                writer.writerow([f"share_by_week_{week}", key, share, "", ""])
        for key, (m, lo, hi) in data.get("means", {}).items():
            writer.writerow(["mean_per_run", key, m, lo, hi])
        for key, value in data.get("final_tariffs", {}).items():
            writer.writerow(["median_final_tariff", key, value, "", ""])
        for key, values in data.get("user_outcomes", {}).items():  # a median has no interval
            writer.writerow(["user_outcome", key, *("" if np.isnan(v) else v for v in values)])
    else:
        for row in data["top_points"]:
            for key, value in row.items():
                writer.writerow([f"point {row['point']}", key, value, "", ""])
        for outcome, sens in data["sensitivity"].items():
            writer.writerow([f"variance {outcome}", sens["note"], sens["variance"],
                             sens["noise"], ""])  # fmt: skip
            for p, t, lo, hi in sens["total_order"]:
                writer.writerow([f"total_order {outcome}", p, t, lo, hi])
    return out.getvalue().rstrip("\n")
