"""``tradewar compare DIR_A DIR_B [...]``: run folders side by side, with differences.

Every folder after the first is compared with the first: each headline quantity (a share of
runs or a mean per run) with its difference from the first folder and a 95% interval for it.
Folders made with the same seed, block size and number of runs share their random numbers run
by run (common random numbers), so the difference is taken run by run (a paired interval, far
narrower, and exactly 0 for identical scenarios); otherwise the folders are independent
samples and the interval is Welch's normal one. The printout says which.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np

from sim import columns as C
from sim.reading import Results, load
from sim.report import BY_WEEKS
from sim.results import OutputError

FORMATS = ("table", "csv", "json")
Z95 = 1.959963984540054


def per_run(results: Results) -> dict[str, np.ndarray]:
    """Each headline quantity as one number per run (its mean over runs is the quantity)."""
    runs = results.tables["runs"]
    lay = results.layout
    who = runs[C.FIRST_APPROACHER.name()].astype(str)
    deal = np.asarray(runs[C.DEAL_WEEK.name()], float)
    out = {f"P(first approach: {label})": (who == label).astype(float) for label in lay.labels()}
    out["P(deal by horizon)"] = np.isfinite(deal).astype(float)
    for week in BY_WEEKS:
        if week <= results.horizon:
            out[f"P(deal by week {week})"] = (np.nan_to_num(deal, nan=np.inf) <= week) * 1.0
    for name in C.names((C.FINAL_TARIFF,), lay):
        out[f"mean {name}"] = np.asarray(runs[name], float)
    for name in C.names((C.IMPORT_LOSS, C.DEALS, C.COLLAPSES), lay):
        out[f"mean {name}"] = np.asarray(runs[name], float)
    return out


def paired(a: Results, b: Results) -> bool:
    """Whether run r of ``a`` and of ``b`` drew the same random numbers."""
    keys = ("seed", "block_size", "runs")
    ma, mb = a.manifest or {}, b.manifest or {}
    same = all(ma.get(k) is not None and ma.get(k) == mb.get(k) for k in keys)
    return same and len(a.tables["runs"]) == len(b.tables["runs"])


def difference(x: np.ndarray, y: np.ndarray, pair: bool) -> tuple[float, float, float]:
    """Mean of y minus mean of x with its 95% normal interval (paired or Welch)."""
    if pair:
        d = y - x
        half = Z95 * d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else 0.0
        return float(d.mean()), float(d.mean() - half), float(d.mean() + half)
    diff = float(y.mean() - x.mean())
    var = lambda v: v.var(ddof=1) / len(v) if len(v) > 1 else 0.0  # noqa: E731
    half = Z95 * float(np.sqrt(var(x) + var(y)))
    return diff, diff - half, diff + half


def _load(folder, allow_code: bool) -> Results:
    results = load(folder, pandas=False, allow_code=allow_code)
    if results.kind != "run":
        raise OutputError(
            f"{results.folder}: compare takes run folders, not a {results.kind} folder"
        )
    if not results.complete:
        raise OutputError(f"{results.folder}: incomplete ({results.problem})")
    runs = results.tables.get("runs")
    if runs is None or len(runs) == 0:
        raise OutputError(f"{results.folder}: no finished runs")
    return results


def compare_data(folders: list, allow_code: bool = False) -> dict:
    """The comparison of ``folders`` (the first is the reference) as plain data."""
    if len(folders) < 2:
        raise OutputError("compare needs at least two result folders")
    loaded = [_load(f, allow_code) for f in folders]
    base = loaded[0]
    for other in loaded[1:]:
        if other.layout.names != base.layout.names:
            raise OutputError(f"{other.folder}: countries {', '.join(other.layout.names)} differ "
                              f"from {base.folder}'s ({', '.join(base.layout.names)}); "
                              "compare needs the same countries")  # fmt: skip
    values = [per_run(r) for r in loaded]
    out = {"reference": str(base.folder), "folders": [], "quantities": list(values[0])}
    for r, v in zip(loaded[1:], values[1:], strict=True):
        pair = paired(base, r)
        rows = {}
        for q in values[0]:
            if q in v:
                rows[q] = {"reference": float(values[0][q].mean()), "value": float(v[q].mean()),
                           "difference": difference(values[0][q], v[q], pair)}  # fmt: skip
        out["folders"].append({"folder": str(r.folder), "paired": pair, "runs": len(v[q]),
                               "rows": rows})  # fmt: skip
    out["reference_runs"] = len(next(iter(values[0].values())))
    return out


def compare(folders: list, fmt: str = "table", allow_code: bool = False) -> str:
    """The comparison as text in ``fmt`` (table, csv or json)."""
    data = compare_data(folders, allow_code)
    if fmt == "json":
        return json.dumps(data, indent=2)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["folder", "paired", "quantity", "reference", "value", "difference",
                         "low", "high"])  # fmt: skip
        for f in data["folders"]:
            for q, row in f["rows"].items():
                writer.writerow([f["folder"], int(f["paired"]), q, row["reference"],
                                 row["value"], *row["difference"]])  # fmt: skip
        return buf.getvalue().rstrip("\n")
    return _table(data)


def _table(data: dict) -> str:
    lines = [f"reference A: {data['reference']} ({data['reference_runs']} runs)"]
    for k, f in enumerate(data["folders"]):
        how = ("paired run by run (same seed, block size and runs: common random numbers)"
               if f["paired"] else "independent samples (different seeds or runs; Welch "
               "interval)")  # fmt: skip
        label = chr(ord("B") + k) if k < 25 else f"#{k + 1}"
        lines.append(f"{label}: {f['folder']} ({f['runs']} runs); difference {label} - A, "
                     f"95% interval, {how}")  # fmt: skip
        lines.append(f"  {'':<34} {'A':>9} {label:>9} {label + ' - A':>9}  interval")
        for q, row in f["rows"].items():
            d, lo, hi = row["difference"]
            lines.append(f"  {q:<34} {row['reference']:9.4g} {row['value']:9.4g} {d:+9.4g}  "
                         f"[{lo:+.3g}, {hi:+.3g}]")  # fmt: skip
    return "\n".join(lines)


def figure(folders: list, path, allow_code: bool = False) -> None:
    """The folders' tariff fan charts (median, 25-75% band, 5% and 95% lines) overlaid, a panel
    per ordered pair of countries, written to ``path``."""
    from sim.plots import _dates, _rows, pyplot

    plt = pyplot()
    loaded = [_load(f, allow_code) for f in folders]
    names = loaded[0].layout.names
    pairs = [(a, b) for a in names for b in names if a != b]
    fig, axes = plt.subplots(1, len(pairs), figsize=(6 * len(pairs), 4.2), squeeze=False,
                             sharey=True, layout="constrained")  # fmt: skip
    for ax, (country, partner) in zip(axes[0], pairs, strict=True):
        for k, r in enumerate(loaded):
            rows = _rows(r.tables["summary"], country, C.TARIFF_ON.name(j=partner))
            dates, colour = _dates(rows), f"C{k % 10}"
            ax.fill_between(dates, rows["p25"], rows["p75"], alpha=0.25, color=colour)
            for q in ("p5", "p95"):  # lines, not bands: overlaid bands of several runs blur
                ax.plot(dates, rows[q], color=colour, lw=0.8, ls="--")
            ax.plot(dates, rows["p50"], color=colour, lw=2, label=_short(r.folder, k))
        ax.set_title(f"Tariff levied by {country} on goods from {partner}")
        ax.set_ylabel("additional tariff (%)")
        ax.tick_params(axis="x", labelrotation=30)
    axes[0][0].legend(fontsize="small", title="median; band: 50% of runs; dashed: 90%")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _short(folder, k: int) -> str:
    label = "A" if k == 0 else chr(ord("A") + k) if k < 26 else f"#{k + 1}"
    text = str(folder)
    return f"{label}: {'...' + text[-40:] if len(text) > 43 else text}"
