"""What the week's approaches leave behind: their events in the log, the per-country counts and
the first approach of each run (the runs.csv outcomes about approaches).

:class:`~sim.diplomacy.Diplomacy` works an approach out on the few runs that have one; the
helpers here take arrays about those runs (indices ``runs``) and write them back over all R.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.eventlog import EventLog
from sim.small import count, either, first_true, largest, row, swapped

NONE, MUTUAL = -1, -2  # first_approacher codes: nobody asked; both sides asked the same week


class Answering(NamedTuple):
    """What the asked sides answer on, each ``(n, N, N)`` about the runs with an approach: the
    week's draws and the askers' record (``[r, i, j]`` is about i's approach to j)."""

    u_accept: np.ndarray
    u_leak: np.ndarray
    u_deny: np.ndarray
    cut: np.ndarray  # points i has cut from its peak tariff on j
    calm: np.ndarray  # weeks since i last raised its tariff on j


class Answers(NamedTuple):
    """The answers to the week's approaches, each ``(n, N, N)`` about the runs with one:
    ``[r, i, j]`` is about i's approach to j."""

    accepted: np.ndarray
    met: np.ndarray  # j's conditions met by i
    rejected: np.ndarray  # asked one way and not accepted
    leaked: np.ndarray  # by j
    denied: np.ndarray  # by i, once leaked
    felt: np.ndarray  # the face i pays


def all_runs(runs: np.ndarray, values: np.ndarray, replicates: int) -> np.ndarray:
    """``values`` about the runs ``runs`` as an array over all R runs, zero elsewhere."""
    out = np.zeros((replicates, *values.shape[1:]), dtype=values.dtype)
    out[runs] = values
    return out


class ApproachTally:
    """The approach outcomes of a block: counts per country and channel, and who asked first,
    when and how.

    Args:
        agents: the model's CountryAgents, in country order.
        log: the model's event log.
        replicates: R.
    """

    def __init__(self, agents, log: EventLog, replicates: int) -> None:
        R, N = replicates, len(agents)
        self.agents, self.log = agents, log
        self.count = {k: np.zeros((R, N)) for k in ("approaches", "rejections", "leaks", "denials")}
        self.by_channel = [np.zeros((R, len(a.channel_names))) for a in agents]
        self.first_week = np.full(R, np.nan)
        self.first_approacher = np.full(R, NONE, dtype=np.int64)
        self.first_channel = np.full(R, -1, dtype=np.int64)
        self.first_own = np.full((R, N), np.nan)

    def log_week(self, t: int, runs, choice, mutual, answers: Answers) -> None:
        """Log the week's approaches (``choice``: each asker's channel, or -1) and answers;
        every array is about the runs ``runs``."""
        add, swap = (lambda *args, **kw: self.log.add_pairs(*args, **kw, runs=runs)), swapped
        unmet = answers.rejected & ~answers.met
        add("approach", t, choice >= 0, v1=mutual.astype(float), channel=choice)
        add("acceptance", t, swap(answers.accepted))
        add("rejection", t, swap(answers.rejected), v1=swap(unmet).astype(float))
        add("leak", t, swap(answers.leaked), channel=swap(choice))
        add("denial", t, answers.denied)

    def count_week(self, t: int, runs, choice, answers: Answers) -> None:
        """Count the week's approaches; every array is about the runs ``runs``."""
        asks = choice >= 0
        for key, mask in (("approaches", asks), ("rejections", answers.rejected),
                          ("leaks", answers.leaked), ("denials", answers.denied)):  # fmt: skip
            self.count[key][runs] += count(mask, 2)
        for a in self.agents:
            mine = row(choice, a.index)
            for c in range(len(a.channel_names)):
                self.by_channel[a.index][runs, c] += count(mine == c, 1)
        asked = either(asks, 2)  # (n, N)
        new = np.isnan(self.first_week[runs]) & either(asked, 1)
        single = count(asked, 1) == 1
        asker = first_true(asked)
        who = np.where(single, asker, MUTUAL)
        channel = largest(choice[np.arange(len(runs)), asker], 1)
        self.first_approacher[runs] = np.where(new, who, self.first_approacher[runs])
        self.first_channel[runs] = np.where(new & single, channel, self.first_channel[runs])
        self.first_week[runs[new]] = t
        own = self.first_own[runs]
        own[np.isnan(own) & asked] = t
        self.first_own[runs] = own
