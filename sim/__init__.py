"""tradewar: an agent-based trade-war negotiation simulator (import name ``sim``)."""

__version__ = "0.1.0"
