"""How a rule's sentence writes its numbers (prices come from :mod:`crypto_advisor.market.numbers`).

Sentences round harder than the email's figures line: "RSI(14) fell to 27.4"
reads at a glance, and the exact value is shown beside it anyway.
"""

from __future__ import annotations

import math

from crypto_advisor.market.numbers import plain


def num(x: float, decimals: int = 1) -> str:
    """A plain number: ``30``, ``27.4``, ``0.04``; small values keep two significant digits."""
    if x != 0 and abs(x) < 1:
        decimals = max(decimals, 1 - math.floor(math.log10(abs(x))))
    return plain(x, decimals)


def qty(x: float) -> str:
    """A volume-like quantity with a suffix: ``1.23M``, ``4.5K``, ``12.35``; ``13.82T`` for a micro-priced coin's
    trillions (``13,816.04B`` read badly)."""
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(x) >= size:
            return f"{num(x / size, 2)}{suffix}"
    return num(x, 2)


def pct(x: float) -> str:
    """A value already in percent: ``3.5%``."""
    return f"{num(x, 2)}%"
