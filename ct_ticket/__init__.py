"""ct-ticket: an always-on-top order ticket for NinjaTrader 8 through the CrossTrade API."""

__version__ = "0.1.0"
