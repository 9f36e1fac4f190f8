"""Approaches, answers, leaks, talks, deals and truces: the week's diplomacy for a block.

:class:`Diplomacy` owns the relationships (:class:`~sim.negotiation.Relations`), the counts and
first weeks that become runs.csv outcomes, and writes every discrete event to the model's
:class:`~sim.eventlog.EventLog`. All of it is array code over ``(R, N, N)``; the only Python
loops run over countries.
"""

from __future__ import annotations

import numpy as np

from sim import negotiation
from sim.approaches import Answering, Answers, ApproachTally, all_runs
from sim.eventlog import EventLog
from sim.negotiation import CONFLICT, SCHEDULED, TALKS, TRUCE, Relations, Table, symmetric
from sim.small import pairs_any, pairs_count, row, rows, swapped, total


class Diplomacy:
    """The relationships of a block and what happens to them each week.

    Args:
        agents: the model's CountryAgents, in country order.
        terms: negotiation terms, each an ``(R, 1, 1)`` array (or ``(1, 1, 1)``) by name: kept
            as ``terms`` for arithmetic over pairs, and as ``(R,)`` views in ``per_run``.
        rule: the deal rule's name.
        log: the model's event log.
        replicates: R.
        sides: each country's deal terms ``(kind, value)`` (:func:`negotiation.side_cut`);
            None: every side takes what the rule gives.
    """

    def __init__(self, agents, terms: dict, rule: str, log: EventLog, replicates: int,
                 sides=None) -> None:  # fmt: skip
        R, N = replicates, len(agents)
        self.agents, self.terms, self.log, self.R, self.N = agents, terms, log, R, N
        # every side's terms value and every negotiation term as an (R,) view, for the
        # arithmetic per run (deal hazards, each deal's terms)
        sides = sides if sides is not None else [("rule", 0.0)] * N
        self.sides = [(kind, _per_run(value, R)) for kind, value in sides]
        self.rule = negotiation.DEAL_RULES[rule]
        self.per_run = {k: _per_run(v, R) for k, v in terms.items()}
        self.rel = Relations.start(R, N)
        self.upper = negotiation.upper(N)
        self.pairs = [(int(i), int(j)) for i, j in zip(*np.nonzero(self.upper), strict=True)]
        self.offdiag = ~np.eye(N, dtype=bool)
        self.first = {"talks": np.full(R, np.nan), "deal": np.full(R, np.nan)}
        self.deal_tariff = np.full((R, N, N), np.nan)  # headline right after the first deal
        self.count = {k: np.zeros(R) for k in ("deals", "collapses", "renewals", "snapbacks",
                                               "extensions")}  # fmt: skip
        self.asked = ApproachTally(agents, log, R)  # the approach counts and first approaches

    def _stack(self, values, axis: int = 1) -> np.ndarray:
        return np.stack(list(values), axis=axis)

    def anxieties(self) -> np.ndarray:
        return self._stack(a.anxiety for a in self.agents)

    # ------------------------------------------------------------------ approaches

    def choose(self, t: int, u: np.ndarray) -> np.ndarray:
        """Each country's channel for each partner, ``(R, N, N)``; -1 where it does not ask.

        Every agent chooses on the same observation (simultaneous moves); a partner's leak
        propensity is public knowledge, so each asker weighs it. Only the runs where some pair
        may ask choose (about one run-week in ten in us_china_2025).
        """
        eligible = (self.rel.status == CONFLICT) & (t >= self.rel.cooldown_until) & self.offdiag
        runs = np.flatnonzero(pairs_any(eligible))
        leak = np.stack([a.leak_propensity[runs] for a in self.agents])  # (N, n): runs last
        u = u[runs]
        choice = np.full(eligible.shape, -1, dtype=np.int64)
        for a in self.agents:
            picked = a.choose_channels(leak, row(u, a.index, runs_last=True), runs)
            for j in range(self.N):
                choice[runs, a.index, j] = picked[j]
        return np.where(eligible, choice, -1)

    def _chosen(self, choice: np.ndarray, keys, runs: np.ndarray) -> list[np.ndarray]:
        """The chosen channel's parameter for every ordered pair (0 where none), per key;
        ``choice`` is about the runs ``runs``."""
        runs, asks = runs[:, None], choice >= 0
        # where each agent's chosen channel sits in its flat (C, R) tables: one gather per key
        at = [np.clip(row(choice, a.index), 0, None) * self.R + runs for a in self.agents]
        return [np.where(asks, rows([a.channel[key].reshape(-1)[at[a.index]]
                                     for a in self.agents]), 0.0) for key in keys]  # fmt: skip

    def _rows(self, decide) -> np.ndarray:
        """Each agent ``i``'s ``decide(agent)`` about its partners, as rows ``[r, i, :]``."""
        return rows([decide(a) for a in self.agents])

    def _columns(self, decide) -> np.ndarray:
        """Each agent ``j``'s ``decide(agent)`` about its askers, as columns ``[r, :, j]``."""
        return self._stack((decide(a) for a in self.agents), axis=2)

    def approaches(self, t: int, choice, u_accept, u_leak, u_deny, peak, tariff, last_raise):
        """Answer this week's approaches: mutual ones go ahead, others face the partner.

        Every asked country answers, leaks and every asker denies on the same state; the face
        they lose is felt only once all have decided (docs/model.md §7.9).
        """
        # Approaches are rare (a few runs in a hundred each week): everything is worked out on
        # the runs with one, then written back (what the other runs would add is zero).
        runs = np.flatnonzero(pairs_any(choice >= 0))
        at = lambda x: x[runs]  # noqa: E731
        choice = at(choice)
        asks = choice >= 0
        mutual = asks & swapped(asks)
        one_way = asks & ~mutual
        week = Answering(at(u_accept), at(u_leak), at(u_deny), cut=at(peak) - at(tariff),
                         calm=t - at(last_raise))  # fmt: skip
        answers = self._answer(runs, choice, one_way, week)
        accepted = answers.accepted
        for a in self.agents:
            a.shock(all_runs(runs, total(answers.felt[:, a.index, :], 1), self.R))
        rel = self.rel
        rel.leaks[runs] += answers.leaked
        agreed = symmetric(mutual | accepted)
        # The side that was asked proposes first; a mutual approach puts both on equal terms.
        first = np.where(mutual, 0.5, swapped(accepted).astype(float))
        rel.proposes[runs] = np.where(agreed, first, rel.proposes[runs])
        rel.schedule(all_runs(runs, agreed, self.R), t + self.terms["talks_lag"])
        rejected_all = all_runs(runs, answers.rejected, self.R)
        rel.cooldown_until = np.where(rejected_all, t + 1 + self.terms["cooldown"],
                                      rel.cooldown_until)  # fmt: skip
        self.asked.log_week(t, runs, choice, mutual, answers)
        self.asked.count_week(t, runs, choice, answers)

    def _answer(self, runs, choice, one_way, week: Answering) -> Answers:
        """The answers to the approaches of the runs ``runs`` (every argument is about those
        runs)."""
        face, leak, signal = self._chosen(choice, ("face", "leak", "signal"), runs)
        # mutual approaches cost no face
        paid = np.where(
            one_way, self._rows(lambda a: a.face_price(row(face, a.index), runs=runs)), 0.0
        )
        cut, calm, u_accept, u_leak = week.cut, week.calm, week.u_accept, week.u_leak
        # [r, i, j]: j's answer to i's approach; column j comes from agent j
        answers = [a.answers(paid[..., a.index], signal[..., a.index], cut[..., a.index],
                             calm[..., a.index], u_accept[..., a.index], runs=runs)
                   for a in self.agents]  # fmt: skip
        accepted = one_way & self._stack((yes for yes, _ in answers), axis=2)
        met = self._stack((ok for _, ok in answers), axis=2)
        leaked = one_way & self._columns(
            lambda a: a.leaks(leak[..., a.index], u_leak[..., a.index], runs=runs)
        )
        denied = leaked & self._rows(lambda a: a.denies(row(week.u_deny, a.index), runs=runs))
        # The rest of the face is paid once a back channel is out; a denial saves half of it.
        rest = (1.0 - face) * np.where(denied, 0.5, 1.0)
        late = np.where(leaked, self._rows(lambda a: a.face_price(row(rest, a.index), runs=runs)),
                        0.0)  # fmt: skip
        return Answers(accepted, met, one_way & ~accepted, leaked, denied, paid + late)

    # ------------------------------------------------------------------ talks and truces

    def truce_talks(self, t: int, u_open, u_agree) -> None:
        """Talks during a truce: they open with the weekly chance ``truce_talks_rate``; each
        week they agree with the deal hazard, and agreement extends the truce from this week
        by its (grown) length: a truce renewed at the table rather than by default."""
        rel, upper = self.rel, self.upper
        in_truce = (rel.status == TRUCE) & self.offdiag
        if not in_truce.any():  # the draws are taken whatever the state (model.draw)
            return
        rate = self.per_run["truce_talks_rate"]
        opening = in_truce & ~rel.truce_talks & self._by_pair(u_open, lambda i, j: rate)
        rel.truce_talks |= opening
        self.log.add_pairs("truce_talks", t, opening & upper)
        if not (rel.truce_talks & ~opening).any():
            return
        agree = in_truce & rel.truce_talks & ~opening & self._settle(u_agree, self.anxieties())
        rel.truce_length = np.where(agree, rel.truce_length * self.terms["renewal_growth"],
                                    rel.truce_length)  # fmt: skip
        rel.clock = np.where(agree, t + rel.truce_length, rel.clock)
        rel.truce_talks &= ~agree
        self.log.add_pairs("extension", t, agree & upper, v1=rel.truce_length)
        self.count["extensions"] += pairs_count(agree & upper)

    def truces(self, t: int, u_renew, tariff: np.ndarray) -> np.ndarray:
        """Expiring truces renew if both sides want to, or tariffs snap back; new headlines.

        A snap-back restores the suspended headline plus what was scheduled or threatened to
        take effect during the truce (``owed``), and never lowers a tariff.
        """
        rel = self.rel
        expiring = (rel.status == TRUCE) & (t >= rel.clock) & self.offdiag
        if not expiring.any():
            return tariff.copy()
        # asked in the runs with an expiring truce only (a few in a hundred)
        runs = np.flatnonzero(pairs_any(expiring))
        anxiety_at_deal, u_renew = rel.anxiety_at_deal[runs], u_renew[runs]
        want = all_runs(runs, self._rows(lambda a: a.renews(
            row(anxiety_at_deal, a.index), row(u_renew, a.index), runs=runs)), self.R)  # fmt: skip
        renew = expiring & want & swapped(want)
        snap = expiring & ~renew
        rel.truce_length = np.where(renew, rel.truce_length * self.terms["renewal_growth"],
                                    rel.truce_length)  # fmt: skip
        rel.clock = np.where(renew, rel.clock + rel.truce_length, rel.clock)
        rel.status[snap] = CONFLICT
        rel.truce_talks &= ~snap
        self.log.add_pairs("renewal", t, renew & self.upper, v1=rel.truce_length)
        back = np.maximum(tariff, rel.pre_deal + rel.owed)
        self.log.add_pairs("snapback", t, snap & self.upper, v1=back, v2=back.transpose(0, 2, 1))
        self.count["renewals"] += pairs_count(renew & self.upper)
        self.count["snapbacks"] += pairs_count(snap & self.upper)
        return np.where(snap, back, tariff)

    def talks(self, t: int, u_deal, tariff: np.ndarray, clip) -> np.ndarray:
        """Open scheduled talks, close deals, collapse stale talks; returns new tariffs."""
        rel = self.rel
        opening = (rel.status == SCHEDULED) & (t >= rel.clock)
        rel.status[opening] = TALKS
        rel.clock = np.where(opening, t, rel.clock)
        self.log.add_pairs("talks", t, opening & self.upper)
        self._first("talks", pairs_any(opening), t)
        in_talks = rel.status == TALKS
        anxiety = self.anxieties()
        deal = in_talks & self._settle(u_deal, anxiety)  # in_talks is symmetric
        collapse = in_talks & ~deal & (t - rel.clock + 1 >= self.terms["max_talks_weeks"])
        tariff = self._strike(t, deal, anxiety, tariff, clip)
        rel.status[collapse] = CONFLICT
        rel.cooldown_until = np.where(collapse, t + 1 + self.terms["cooldown"], rel.cooldown_until)
        self.log.add_pairs("collapse", t, collapse & self.upper)
        self.count["collapses"] += pairs_count(collapse & self.upper)
        if collapse.any():  # most weeks of a small block have none: spare the clip
            tariff = np.where(collapse, clip(tariff + self.terms["collapse_escalation"]), tariff)
        return tariff

    def _by_pair(self, u: np.ndarray, chance) -> np.ndarray:
        """``symmetric(upper & (u < p))`` with ``p[:, i, j] = chance(i, j)``, ``(R,)``: each
        unordered pair's draw against its weekly chance, one pair at a time."""
        out = np.zeros(u.shape, dtype=bool)
        for i, j in self.pairs:
            out[:, i, j] = out[:, j, i] = u[:, i, j] < chance(i, j)
        return out

    def _settle(self, u: np.ndarray, anxiety: np.ndarray) -> np.ndarray:
        """Which pairs would strike a deal this week if at the table (symmetric)."""
        rate = self.per_run["deal_rate"]
        return self._by_pair(u, lambda i, j: negotiation.deal_probability(
            anxiety[:, i], anxiety[:, j], rate))  # fmt: skip

    def _strike(self, t, deal, anxiety, tariff, clip) -> np.ndarray:
        """Apply the deal rule to every pair that settles this week and start its truce."""
        if not deal.any():  # nothing below would change
            return tariff
        rel = self.rel
        r, i, j = np.unravel_index(np.flatnonzero(deal & self.upper), deal.shape)
        resolve = self._stack(a.at_table()[1] for a in self.agents)
        table = Table(
            tariff_ij=tariff[r, i, j], tariff_ji=tariff[r, j, i],
            anxiety_i=anxiety[r, i], anxiety_j=anxiety[r, j],
            resolve_i=resolve[r, i], resolve_j=resolve[r, j],
            leaks_i=rel.leaks[r, i, j], leaks_j=rel.leaks[r, j, i],
            i_proposes=rel.proposes[r, i, j], **{k: self.per_run[k][r] for k in self.rule.params},
        )  # fmt: skip
        cut_i, cut_j = self.rule.func(table)
        cut_i = self._side_cuts(r, i, cut_i, tariff[r, i, j])
        cut_j = self._side_cuts(r, j, cut_j, tariff[r, j, i])
        new = tariff.copy()
        new[r, i, j] -= np.maximum(cut_i, 0.0)
        new[r, j, i] -= np.maximum(cut_j, 0.0)
        new = np.minimum(clip(new), tariff)  # a deal never raises a tariff
        rel.leaks = np.where(deal, 0.0, rel.leaks)  # a deal closes the round; leaks are spent
        rel.pre_deal = np.where(deal, tariff, rel.pre_deal)
        rel.owed = np.where(deal, 0.0, rel.owed)
        rel.dealt |= deal
        rel.anxiety_at_deal = np.where(deal, anxiety[:, :, None], rel.anxiety_at_deal)
        rel.status[deal] = TRUCE
        rel.truce_length = np.where(deal, self.terms["truce_weeks"], rel.truce_length)
        rel.clock = np.where(deal, t + rel.truce_length, rel.clock)
        tariff = np.where(deal, new, tariff)
        self.deal_tariff = np.where(deal & np.isnan(self.deal_tariff), tariff, self.deal_tariff)
        self.log.add_pairs("deal", t, deal & self.upper, v1=tariff, v2=tariff.transpose(0, 2, 1))
        self._first("deal", pairs_any(deal), t)
        self.count["deals"] += pairs_count(deal & self.upper)
        return tariff

    def _side_cuts(self, r, side, rule_cut, headline) -> np.ndarray:
        """Each settling side's cut under its own terms (the rule's where it has none)."""
        out = np.array(rule_cut, dtype=float)
        for k, (kind, value) in enumerate(self.sides):
            mine = side == k
            if kind != "rule" and mine.any():
                out[mine] = negotiation.side_cut(kind, value[r[mine]], out[mine], headline[mine])
        return out

    def _first(self, key: str, happened: np.ndarray, t: int) -> None:
        self.first[key][np.isnan(self.first[key]) & happened] = t


def _per_run(value, replicates: int) -> np.ndarray:
    """A number, fixed or drawn per run (any shape of R or 1 elements), as an ``(R,)`` view."""
    return np.broadcast_to(np.reshape(np.asarray(value, dtype=float), -1), (replicates,))
