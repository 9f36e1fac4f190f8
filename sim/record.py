"""The weekly record of a block: the state at the end of every week, for steps.csv, the
trajectory plots and the user's outcomes.

Each quantity is kept in one ``(weeks, R, ...)`` array filled in place, with room for the
scenario's horizon made up front (no stacking at the end).
"""

from __future__ import annotations

import numpy as np


class WeeklyRecord:
    """Room for the weekly state of R runs, and the weeks recorded so far.

    Args:
        replicates: R.
        countries: N.
        channels: the distinct pressure channel names, in column order.
        weeks: the weeks to make room for (the horizon); stepping past them makes more.

    Attributes:
        weeks: per quantity, a list of ``(R, ...)`` arrays, one per week so far, each a view
            into the array being filled.
    """

    def __init__(self, replicates: int, countries: int, channels: list, weeks: int) -> None:
        R, N, C = replicates, countries, len(channels)
        self.channel_names = channels
        self.shapes = {"tariff": (R, N, N), "pressure": (R, N), "anxiety": (R, N),
                       "drawdown": (R, N), "status": (R, N, N), "channels": (R, N, C),
                       "import_loss": (R, N), "export_loss": (R, N)}  # fmt: skip
        self._room = {k: self._make(k, weeks) for k in self.shapes}
        self._first_week = 0  # the week in row 0 of self._room
        self.weeks: dict[str, list[np.ndarray]] = {k: [] for k in self.shapes}

    def _make(self, key: str, weeks: int) -> np.ndarray:
        """Room for ``weeks`` weeks of the recorded quantity ``key``: status is the int8 code,
        the others float32; channels a country does not have stay NaN."""
        dtype = np.int8 if key == "status" else np.float32
        shape = (weeks, *self.shapes[key])
        return np.full(shape, np.nan, dtype) if key == "channels" else np.empty(shape, dtype)

    def add(self, week: int, economy, agents, status: np.ndarray) -> None:
        """Record the state at the end of ``week`` (the next one).

        Args:
            week: the week just stepped.
            economy: the model's ``sim.economy.Economy``.
            agents: the CountryAgents, in country order.
            status: ``(R, N, N)`` the relationship codes.
        """
        now = self._next(week)
        now["tariff"][:] = economy.tariff  # assignment casts to float32 as astype does
        for a in agents:
            now["pressure"][:, a.index] = a.pressure
            now["anxiety"][:, a.index] = a.anxiety
        now["drawdown"][:] = economy.drawdown()
        now["status"][:] = status
        for a in agents:
            for name, value in a.contributions.items():
                now["channels"][:, a.index, self.channel_names.index(name)] = value
        now["import_loss"][:] = economy.import_loss
        now["export_loss"][:] = economy.export_loss

    def _next(self, week: int) -> dict[str, np.ndarray]:
        """The rows to fill for ``week``, by quantity, each ``(R, ...)``."""
        if week - self._first_week == len(self._room["tariff"]):
            # stepped past the horizon: room for as many weeks again
            self._room = {k: self._make(k, max(week, 1)) for k in self.shapes}
            self._first_week = week
        now = {k: v[week - self._first_week] for k, v in self._room.items()}
        for k, v in now.items():
            self.weeks[k].append(v)
        return now

    def trajectory(self) -> dict[str, np.ndarray]:
        """Recorded weekly state, each ``(weeks, R, ...)``: week w is the end of week w."""
        if self._first_week == 0:
            return {k: v[: len(self.weeks[k])] for k, v in self._room.items()}
        return {k: np.stack(v) for k, v in self.weeks.items()}
