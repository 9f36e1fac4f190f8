"""CART for scenario discovery: a shallow classification tree, read as rules.

The alternative to PRIM (``tradewar discover --method cart``): scikit-learn's
``DecisionTreeClassifier`` (Breiman et al. 1984, Gini splits) fits the condition on the
parameters, at most ``depth`` levels deep and with at least ``min_leaf`` of the rows in every
leaf, so that each leaf is a readable rule. Each leaf is reported with its conditions (one
interval per parameter it restricts), its rows, the share of them where the condition holds
and the share of all cases it covers. The tree's ``random_state`` comes from the command's
seed (it breaks ties between equally good splits), so the output is deterministic.

scikit-learn is in the optional ``analysis`` extra; without it the command exits 2 with the
install hint.
"""

from __future__ import annotations

import numpy as np

from sim.extras import require

DEPTH = 3
MAX_DEPTH = 8  # deeper trees are no longer rules one reads
MIN_LEAF = 0.05  # share of the rows every leaf must hold, so no leaf is a handful of rows


def fit(x: np.ndarray, y: np.ndarray, seed: int, depth: int = DEPTH, min_leaf: float = MIN_LEAF):
    """The fitted ``DecisionTreeClassifier`` of ``y`` (bool, n) on ``x`` (n, d)."""
    tree = require("sklearn.tree", "analysis", "discover --method cart needs scikit-learn")
    state = int(np.random.SeedSequence(seed).generate_state(1)[0])  # any seed -> 32 bits
    leaf = max(1, int(np.ceil(min_leaf * len(y))))
    model = tree.DecisionTreeClassifier(max_depth=depth, min_samples_leaf=leaf, random_state=state)
    return model.fit(np.asarray(x, float), np.asarray(y, bool))


def leaves(model, x: np.ndarray, y: np.ndarray, params: list[str]) -> list[dict]:
    """Every leaf as a rule, densest first: its node number (as the figure shows it),
    conditions ``{key: [low, high]}`` (None where a side is open; low exclusive, high
    inclusive, as the tree splits), rows, cases, share and coverage."""
    t = model.tree_
    where = model.apply(np.asarray(x, float))
    y = np.asarray(y, bool)
    total = max(int(y.sum()), 1)
    out = []
    stack = [(0, {})]
    while stack:
        node, bounds = stack.pop()
        left, right = t.children_left[node], t.children_right[node]
        if left == right:  # a leaf
            inside = where == node
            rows, cases = int(inside.sum()), int(y[inside].sum())
            out.append({"node": int(node),
                        "conditions": {params[k]: bounds[k] for k in sorted(bounds)},
                        "rows": rows, "cases": cases, "share": cases / max(rows, 1),
                        "coverage": cases / total})  # fmt: skip
            continue
        k, cut = int(t.feature[node]), float(t.threshold[node])
        low, high = bounds.get(k, [None, None])
        stack.append((right, {**bounds, k: [cut, high]}))
        stack.append((left, {**bounds, k: [low, cut]}))
    return sorted(out, key=lambda leaf: (-leaf["share"], -leaf["rows"]))


def top_split(model, params: list[str]) -> dict | None:
    """The root's split (the parameter that separates the condition best), or None."""
    t = model.tree_
    if t.children_left[0] == t.children_right[0]:
        return None
    return {"parameter": params[int(t.feature[0])], "threshold": float(t.threshold[0])}


def rule(conditions: dict) -> str:
    """A leaf's conditions as text: ``0.2 < key <= 0.5 and other > 3`` (``everywhere`` if
    none)."""
    parts = []
    for key, (low, high) in conditions.items():
        if high is None:
            parts.append(f"{key} > {low:.4g}")
        else:
            parts.append(("" if low is None else f"{low:.4g} < ") + f"{key} <= {high:.4g}")
    return " and ".join(parts) or "everywhere"


def text(data: dict, head: str) -> str:
    """The printout: the condition's base rate, the tree's settings and top split, then each
    leaf as a rule, densest first."""
    lines = [head]
    if data["cases"] == 0:
        return "\n".join([*lines, "  the condition never holds: nothing to discover"])
    top = data["top_split"]
    split = (f"top split {top['parameter']} at {top['threshold']:.4g}" if top
             else "no split: the condition is as likely everywhere")  # fmt: skip
    lines.append(f"CART tree (depth <= {data['depth']}, every leaf >= {data['min_leaf_rows']} "
                 f"rows, seed {data['seed']}): {split}")  # fmt: skip
    lines.append("leaves (node numbers as the figure shows them), by share of rows where the "
                 "condition holds:")  # fmt: skip
    lines.append(f"  {'node':>4}  {'share':>6}  {'rows':>6}  {'cases':>6}  {'coverage':>8}  rule")
    for leaf in data["leaves"]:
        lines.append(f"  {leaf['node']:4d}  {leaf['share']:6.3f}  {leaf['rows']:6d}  "
                     f"{leaf['cases']:6d}  {leaf['coverage']:8.3f}  "
                     f"{rule(leaf['conditions'])}")  # fmt: skip
    return "\n".join(lines)


def figure(data: dict, model, path) -> None:
    """The tree (each node's share of cases) and its leaves' shares against the base rate."""
    from sklearn.tree import plot_tree

    from sim.plots import pyplot

    plt = pyplot()
    params = [p.split(".", 1)[-1] for p in data["params"]]
    fig, axes = plt.subplots(1, 2, figsize=(15, 5.5), layout="constrained",
                             gridspec_kw={"width_ratios": [1.6, 1]})  # fmt: skip
    plot_tree(model, feature_names=params, class_names=["no", "yes"], filled=True,
              impurity=False, proportion=True, precision=3, ax=axes[0], fontsize=7,
              node_ids=True)  # fmt: skip
    axes[0].set_title(f"CART tree for {data['where']} (value: shares of rows where it does "
                      "not / does hold)", fontsize="medium")  # fmt: skip
    leaves = data["leaves"]
    pos = np.arange(len(leaves))[::-1]
    axes[1].barh(pos - 0.15, [leaf["share"] for leaf in leaves], height=0.5, color="C0")
    axes[1].axvline(data["base_rate"], color="k", ls="--", lw=1, label="base rate")
    for k, leaf in zip(pos, leaves, strict=True):
        axes[1].text(0.005, k + 0.22, _short(rule(leaf["conditions"])), fontsize=6.5,
                     va="center")  # fmt: skip
        axes[1].text(leaf["share"] + 0.01, k - 0.15, f"{leaf['share']:.2f} of {leaf['rows']} "
                     "rows", fontsize=7, va="center")  # fmt: skip
    axes[1].set_yticks(pos, [f"node #{leaf['node']}" for leaf in leaves], fontsize="small")
    axes[1].set_xlim(0, 1.15)
    axes[1].set_xlabel("share of the leaf's rows where the condition holds")
    axes[1].set_title("the leaves as rules, densest first", fontsize="medium")
    axes[1].legend(loc="lower right", fontsize="small")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _short(text: str) -> str:
    """A rule with each dotted key's first part (``countries``) dropped, as figures name keys."""
    return text.replace("countries.", "")
