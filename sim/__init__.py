"""tradewar: an agent-based trade-war negotiation simulator (import name ``sim``).

The Python API (docs/api.md) is importable from here: ``sim.run``, ``sim.load_scenario``,
``sim.TradeWarModel`` and friends. It loads on first use, so ``import sim`` stays light.
"""

__version__ = "0.1.0"

API = ("CalibrationResults", "OutputError", "Results", "ScenarioError", "SweepResults",
       "TradeWarModel", "batch_run", "load", "load_scenario", "run", "run_sweep", "state",
       "weekly_table")  # fmt: skip


def __getattr__(name: str):
    if name in API:
        from sim import api

        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *API})
