"""Numbers as a trader reads them, shared by the rules' sentences, the emails and the chart.

One price formatter, so a close reads the same in a firing's sentence, the
subject and the snapshot of one email. Five significant digits keep a
fraction-of-a-cent coin (``0.000012345``) as legible as BTC (``95,123.45``);
at least two decimals keep prices looking like money (``3.00``).
"""

from __future__ import annotations

import math

#: More decimals than this are noise even for the smallest coins; also keeps ``f"{x:.{n}f}"`` bounded.
MAX_DECIMALS = 12


def price(x: float | None) -> str:
    """A price with five significant digits and at least two decimals: ``95,123.45``, ``2.3456``, ``0.00001234``.

    ``n/a`` when there is no finite price to show.
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0.00"
    decimals = min(max(2, 4 - math.floor(math.log10(abs(x)))), MAX_DECIMALS)
    whole, _, frac = f"{x:,.{decimals}f}".partition(".")
    return f"{whole}.{frac.rstrip('0').ljust(2, '0')}"


def plain(x: float, decimals: int) -> str:
    """``x`` to ``decimals`` places, thousands separated, without the trailing zeros a reader skips: ``27.4``, ``30``.

    The callers choose the decimals (fixed, or from significant digits); the
    trimming is what makes their numbers read alike.
    """
    text = f"{x:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
