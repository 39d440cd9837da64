"""Numbers as a trader reads them, shared by the rules' sentences, the emails and the chart.

One price formatter, so a close reads the same in a firing's sentence, the
subject and the snapshot of one email, and a forecast's digits are a stated
choice of the same function rather than another function's habit. Five significant digits keep a
fraction-of-a-cent coin (``0.000012345``) as legible as BTC (``95,123.45``);
at least two decimals keep prices looking like money (``3.00``).
"""

from __future__ import annotations

import math

#: More decimals than this are noise even for the smallest coins; also keeps ``f"{x:.{n}f}"`` bounded.
MAX_DECIMALS = 12


def price(x: float | None, *, significant: int = 5, cents: bool = True) -> str:
    """A price to ``significant`` digits, thousands separated, never in scientific notation.

    With ``cents`` (a price that happened: closes, levels, thresholds) at least
    two decimals and no trailing zeros past them: ``95,123.45``, ``2.3456``,
    ``0.00001234``, ``3.00``. Without (a forecast, passed ``significant=4``)
    exactly the digits asked for, rounding to tens where needed: ``91,230``,
    ``2.213``, ``0.1612``; a forecast's interval is hundreds of times wider
    than a cent, and cent-exact digits would claim a precision it does not
    have. ``n/a`` when there is no finite price to show.
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0.00" if cents else "0"
    digits = significant - 1 - math.floor(math.log10(abs(x)))
    if not cents:
        return f"{round(x, digits):,.{max(digits, 0)}f}"
    whole, _, frac = f"{x:,.{min(max(2, digits), MAX_DECIMALS)}f}".partition(".")
    return f"{whole}.{frac.rstrip('0').ljust(2, '0')}"


def prices(*xs: float) -> tuple[str, ...]:
    """Prices compared in one sentence (a close and the level it crossed, two averages, from and to), all with the
    same number of decimals: the most :func:`price` gives any of them ("from 0.72000 to 0.63781", not "from 0.72 to
    0.63781"), more where even those would make two different prices read alike (a stablecoin's EMAs 1.00003 and
    1.00001 both read ``1.00``, and "1.00 vs 1.00" says nothing crossed)."""
    shown = {x for x in xs if math.isfinite(x)}
    decimals = max((len(price(x).partition(".")[2]) for x in shown), default=2)
    while len({f"{x:,.{decimals}f}" for x in shown}) < len(shown) and decimals < MAX_DECIMALS:
        decimals += 1
    return tuple(f"{x:,.{decimals}f}" if math.isfinite(x) else price(x) for x in xs)


def plain(x: float, decimals: int) -> str:
    """``x`` to ``decimals`` places, thousands separated, without the trailing zeros a reader skips: ``27.4``, ``30``.

    The callers choose the decimals (fixed, or from significant digits); the
    trimming is what makes their numbers read alike.
    """
    text = f"{x:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def num(x: float, decimals: int = 1) -> str:
    """A plain number: ``30``, ``27.4``, ``0.04``; small values keep two significant digits."""
    if x != 0 and abs(x) < 1:
        decimals = max(decimals, 1 - math.floor(math.log10(abs(x))))
    return plain(x, decimals)


def qty(x: float) -> str:
    """A volume-like quantity with a suffix: ``1.23M``, ``4.5K``, ``12.35``; ``13.82T`` for a micro-priced coin's
    trillions (``13,816.04B`` read badly). The rules' sentences, the email's volume row and the chart's volume axis
    write volumes with it, so one email reads one volume one way."""
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(x) >= size:
            return f"{num(x / size, 2)}{suffix}"
    return num(x, 2)
