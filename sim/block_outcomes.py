"""The runs.csv outcomes of a simulated block, gathered from the model's parts.

The columns and their order are declared in :mod:`sim.columns`; this module only fills them.
"""

from __future__ import annotations

import numpy as np

from sim import columns as C
from sim.negotiation import STATUSES
from sim.outcomes import compute as user_outcomes


def collect(model) -> dict[str, np.ndarray]:
    """Per-run outcomes of a simulated :class:`~sim.model.TradeWarModel`, column name ->
    ``(R,)`` array, in runs.csv order."""
    d, names, scenario = model.diplomacy, model.names, model.trade_scenario
    labels = np.array([*names, C.NONE, C.MUTUAL])  # first_approacher codes -1, -2 last
    who = d.asked.first_approacher
    code = np.where(who >= 0, who, len(names) - 1 - who)
    out = {
        C.FIRST_APPROACHER.name(): labels[code],
        C.FIRST_APPROACH_WEEK.name(): d.asked.first_week,
        C.FIRST_APPROACH_CHANNEL.name(): _first_channel(model),
        C.TALKS_WEEK.name(): d.first["talks"],
        C.DEAL_WEEK.name(): d.first["deal"],
        C.FINAL_STATUS.name(): _final_status(model),
    }
    out.update(_per_pair(model))
    for col, key in ((C.DEALS, "deals"), (C.COLLAPSES, "collapses"),
                     (C.RENEWALS, "renewals"), (C.EXTENSIONS, "extensions"),
                     (C.SNAPBACKS, "snapbacks")):  # fmt: skip
        out[col.name()] = d.count[key]
    out[C.THREATS_CARRIED_OUT.name()] = model.threats.count["carried_out"]
    out[C.THREATS_WITHDRAWN.name()] = model.threats.count["withdrawn"]
    out.update(_per_country(model))
    out.update(user_outcomes(scenario.outcomes, model.record, model.log.arrays, names,
                             scenario.horizon, model.R))  # fmt: skip
    out.update({C.DRAWN.name(key=k): v for k, v in model.draws.items()})
    # the declaration owns the order (and a column it does not declare is a bug)
    ordered = {name: out.pop(name) for name in C.names(C.OUTCOMES, model.layout())}
    if out:
        raise RuntimeError(f"outcomes not declared in sim/columns.py: {sorted(out)}")
    return ordered


def _per_pair(model) -> dict[str, np.ndarray]:
    e, names = model.economy, model.names
    out = {}
    for col, arr in ((C.PEAK_TARIFF, model.peak_tariff), (C.FINAL_TARIFF, e.tariff),
                     (C.HEADLINE_TARIFF, e.headline), (C.EXEMPT_SHARE, e.exempt),
                     (C.DEAL_TARIFF, model.diplomacy.deal_tariff)):  # fmt: skip
        for i, a in enumerate(names):
            for j, b in enumerate(names):
                if i != j:
                    out[col.name(i=a, j=b)] = arr[:, i, j]
    return out


def _per_country(model) -> dict[str, np.ndarray]:
    asked, e, names = model.diplomacy.asked, model.economy, model.names
    per_country = {
        C.OWN_FIRST_APPROACH: asked.first_own,
        **{col: asked.count[k] for col, k in ((C.APPROACHES, "approaches"),
                                              (C.REJECTIONS, "rejections"), (C.LEAKS, "leaks"),
                                              (C.DENIALS, "denials"))},
        C.MAX_DRAWDOWN: e.max_drawdown,
        C.IMPORT_LOSS: e.import_loss,
        C.EXPORT_LOSS: e.export_loss,
    }  # fmt: skip
    out = {}
    for col, arr in per_country.items():
        for i, a in enumerate(names):
            out[col.name(i=a)] = arr[:, i]
    for a in model.countries:
        for c, channel in enumerate(a.channel_names):
            out[C.CHANNEL_APPROACHES.name(i=a.name, c=channel)] = asked.by_channel[a.index][:, c]
    return out


def _first_channel(model) -> np.ndarray:
    asked = model.diplomacy.asked
    out = np.full(model.R, "", dtype=object)
    for a in model.countries:
        mine = (asked.first_approacher == a.index) & (asked.first_channel >= 0)
        out[mine] = np.array(a.channel_names, dtype=object)[asked.first_channel[mine]]
    return out.astype(str)


def _final_status(model) -> np.ndarray:
    statuses = np.array(C.FINAL_STATUSES)
    pairs = model.relations.status[:, model.diplomacy.upper]  # (R, pairs)
    same = (pairs == pairs[:, :1]).all(axis=1)
    return statuses[np.where(same, pairs[:, 0], len(STATUSES))]
