"""How a rule's sentence writes its numbers (prices, plain numbers and volumes come from
:mod:`crypto_advisor.market.numbers`, which the emails share).

Sentences round harder than the email's figures line: "RSI(14) fell to 27.4"
reads at a glance, and the exact value is shown beside it anyway.
"""

from __future__ import annotations

from crypto_advisor.market.numbers import num, qty

__all__ = ["num", "pct", "qty"]


def pct(x: float) -> str:
    """A value already in percent: ``3.5%``."""
    return f"{num(x, 2)}%"
