"""``tradewar discover DIR --where COND``: which region of the parameters makes COND likely.

For a run folder the parameters are the values each run drew from the scenario's
distributions (runs.csv); for a sweep folder, the swept values of each point (points.csv).
COND is a condition on that table's columns (see :mod:`sim.where`); PRIM (:mod:`sim.prim`)
then peels a box of parameter values inside which COND holds as often as it can, or (``--method
cart``) a shallow classification tree (:mod:`sim.cart`) splits the parameters into leaves, each
a rule with the share of its rows where COND holds.
"""

from __future__ import annotations

import json

import numpy as np

from sim import cart, prim
from sim.reading import Results, load
from sim.results import OutputError
from sim.where import condition

FORMATS = ("table", "json")
METHODS = ("prim", "cart")


def _table(results: Results) -> tuple[dict, list[str]]:
    if results.kind == "sweep":
        table, params = results.tables.get("points"), list(results.params)
        if table is not None:
            table = table[table["error"] == ""]
    else:
        table, params = results.tables.get("runs"), list(results.layout.keys)
    if table is None or len(table) == 0:
        raise OutputError(f"{results.folder}: nothing to discover in (no finished runs or points)")
    if not params:
        raise OutputError(f"{results.folder}: no parameter varies (no value is drawn from a "
                          "distribution); discover needs drawn or swept parameters")  # fmt: skip
    return {name: np.asarray(table[name]) for name in table.dtype.names}, params


def _problem(folder, where: str, allow_code: bool) -> tuple:
    """(results, parameter names, x (n, d), y (n,) bool) for ``where`` in ``folder``."""
    results = load(folder, pandas=False, allow_code=allow_code)
    columns, params = _table(results)
    y = condition(where, columns)
    x = np.column_stack([np.asarray(columns[p], float) for p in params])
    return results, params, x, y


def _head(results, where: str, y: np.ndarray) -> dict:
    return {"folder": str(results.folder), "where": where, "cases": int(y.sum()), "rows": len(y),
            "base_rate": float(y.mean())}  # fmt: skip


def cart_data(folder, where: str, seed: int | None = None, depth: int = cart.DEPTH,
              allow_code: bool = False) -> dict:  # fmt: skip
    """The CART tree's leaves (rules) and top split for ``where`` in ``folder``, as plain data.

    ``seed``: the tree's random_state comes from it (default: the folder's scenario seed).
    """
    return _cart(folder, where, seed, depth, allow_code)[0]


def _cart(folder, where: str, seed: int | None, depth: int, allow_code: bool) -> tuple:
    results, params, x, y = _problem(folder, where, allow_code)
    if seed is None:
        seed = (results.manifest or {}).get("seed", 0)
    model = cart.fit(x, y, seed, depth)
    return {**_head(results, where, y), "method": "cart", "params": params, "seed": seed,
            "depth": depth,
            "min_leaf_rows": int(model.min_samples_leaf),
            "top_split": cart.top_split(model, params),
            "leaves": cart.leaves(model, x, y, params)}, model  # fmt: skip


def discover_data(folder, where: str, alpha: float = 0.05, min_support: float = 0.05,
                  allow_code: bool = False) -> dict:  # fmt: skip
    """PRIM's trajectory and chosen box for ``where`` in ``folder``, as plain data."""
    results, params, x, y = _problem(folder, where, allow_code)
    boxes = prim.peel(x, y, alpha, min_support)
    box = prim.chosen(boxes)
    bounds = {params[k]: [float(box.low[k]), float(box.high[k]),
                          float(x[:, k].min()), float(x[:, k].max())]
              for k in box.restricted(x)}  # fmt: skip
    return {
        **_head(results, where, y), "method": "prim",
        "box": {"coverage": box.coverage, "density": box.density, "support": box.support,
                "bounds": bounds},
        "trajectory": [[b.coverage, b.density, b.support] for b in boxes],
    }  # fmt: skip


def discover(folder, where: str, fmt: str = "table", plot=None, allow_code: bool = False,
             method: str = "prim", seed: int | None = None,
             depth: int = cart.DEPTH) -> str:  # fmt: skip
    """The printout of ``tradewar discover`` (PRIM or CART), and its figure if ``plot``."""
    if method == "cart":
        data, model = _cart(folder, where, seed, depth, allow_code)
        if plot:
            cart.figure(data, model, plot)
        return json.dumps(data, indent=2) if fmt == "json" else cart.text(data, headline(data))
    data = discover_data(folder, where, allow_code=allow_code)
    if plot:
        figure(data, plot)
    if fmt == "json":
        return json.dumps(data, indent=2)
    box = data["box"]
    lines = [headline(data)]
    if data["cases"] == 0:
        return "\n".join([*lines, NEVER])
    lines.append(f"PRIM box (the densest with coverage >= 0.5): density {box['density']:.3f}, "
                 f"coverage {box['coverage']:.3f}, support {box['support']:.3f}")  # fmt: skip
    if not box["bounds"]:
        lines.append("  no parameter restricts it: the condition is as likely everywhere")
    for key, (lo, hi, xmin, xmax) in box["bounds"].items():
        lines.append(f"  {lo:.4g} <= {key} <= {hi:.4g}   (range {xmin:.4g} to {xmax:.4g})")
    lines.append("peeling trajectory (coverage, density, support), every 5th box and the last:")
    trajectory = data["trajectory"]
    for k, (c, d, s) in enumerate(trajectory):
        if k % 5 == 0 or k == len(trajectory) - 1:
            lines.append(f"  {k:3d}  {c:.3f}  {d:.3f}  {s:.3f}")
    return "\n".join(lines)


NEVER = "  the condition never holds: nothing to discover"


def headline(data: dict) -> str:
    return (f"{data['where']}: {data['cases']} of {data['rows']} rows "
            f"(base rate {data['base_rate']:.3f})")  # fmt: skip


def figure(data: dict, path) -> None:
    """The peeling trajectory (coverage against density) and the chosen box's bounds."""
    from sim.plots import pyplot

    plt = pyplot()
    bounds = data["box"]["bounds"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    t = np.array(data["trajectory"])
    axes[0].plot(t[:, 0], t[:, 1], marker="o", ms=3)
    axes[0].plot([data["box"]["coverage"]], [data["box"]["density"]], "r*", ms=12,
                 label="chosen box")  # fmt: skip
    axes[0].set_xlabel("coverage (share of the cases inside the box)")
    axes[0].set_ylabel("density (share of the box's rows that are cases)")
    axes[0].set_title(f"PRIM peeling trajectory: {data['where']}", fontsize="medium")
    axes[0].legend()
    keys = list(bounds)
    for k, key in enumerate(keys):
        lo, hi, xmin, xmax = bounds[key]
        span = (xmax - xmin) or 1.0
        axes[1].barh(k, (hi - lo) / span, left=(lo - xmin) / span, color="C1")
        axes[1].text(1.02, k, f"{lo:.3g} to {hi:.3g}", va="center", fontsize="small")
    axes[1].set_yticks(range(len(keys)), [k.split(".", 1)[-1] for k in keys])
    axes[1].set_xlim(0, 1.35)
    axes[1].set_xlabel("share of the parameter's range (0 = lowest value seen)")
    axes[1].set_title("the chosen box's bounds" if keys else "no parameter restricts the box",
                      fontsize="medium")  # fmt: skip
    fig.savefig(path, dpi=110)
    plt.close(fig)
