"""The digest's chart: small multiples of every series' closes over the last 7 days, one PNG a phone shows at 600 px.

Two panels a row, each with the series' name, its last close and its 7-day
change in the title, the line green when the week ended up and red when down.
Each panel has its own price scale: the point is the shape of each week, not
a comparison of price levels. Drawn like the alert chart
(:mod:`crypto_advisor.notify.chart`): matplotlib's object-oriented API on the
Agg canvas, the same colours and grid, and its 256-colour PNG encoding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.units import DAY_MS
from crypto_advisor.market.numbers import price
from crypto_advisor.notify.chart import DOWN, GRID, NEUTRAL, UP, _png
from crypto_advisor.notify.format import number, signed_pct

#: 8 inches wide at 150 dpi: 1200 px, shown at 600 px (2x for sharp phone screens).
WIDTH_IN = 8.0
DPI = 150
#: Height of one row of two panels, and of the title above them.
ROW_IN = 2.1
HEADER_IN = 0.55
COLUMNS = 2


@dataclass(frozen=True)
class Panel:
    """One series' panel: its name, its candle length and the candles of the span, oldest first (empty: no data).

    ``span_ms`` is the span the panel means to show: when its first candle is
    that far back the title reads "7d", else it says since when (a series
    with less history, or a hole at the start).
    """

    label: str
    timeframe_ms: int
    candles: tuple[Candle, ...]
    span_ms: int = 7 * DAY_MS


def small_multiples_png(panels: Sequence[Panel], *, title: str) -> bytes:
    """The chart of ``panels``, two a row; a panel without candles says so. Raises ValueError without panels."""
    if not panels:
        raise ValueError("a digest chart needs at least one series")
    rows = math.ceil(len(panels) / COLUMNS)
    height = HEADER_IN + ROW_IN * rows
    figure = Figure(figsize=(WIDTH_IN, height), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(
        rows, COLUMNS, hspace=0.55, wspace=0.28, top=1 - HEADER_IN / height, bottom=0.35 / height, left=0.04, right=0.9
    )
    for index, panel in enumerate(panels):
        _panel(figure.add_subplot(grid[index // COLUMNS, index % COLUMNS]), panel)
    # parse_math=False: a "$" in a name is a dollar sign, not the start of a formula.
    figure.text(0.04, 1 - 0.12 / height, title, fontsize=13, fontweight="bold", va="top", parse_math=False)
    return _png(figure)


def _panel(ax: Axes, panel: Panel) -> None:
    for spine in ax.spines.values():
        spine.set_color(GRID)
    ax.tick_params(labelsize=8)
    if len(panel.candles) < 2:
        ax.set_title(panel.label, fontsize=10, loc="left", fontweight="bold", parse_math=False)
        ax.text(0.5, 0.5, "no data", ha="center", va="center", color=NEUTRAL, transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        return
    first, last = panel.candles[0], panel.candles[-1]
    ts, closes = broken_at_gaps(panel.candles, panel.timeframe_ms)
    change = last.close / first.close - 1
    colour = UP if change > 0 else DOWN if change < 0 else NEUTRAL
    ax.plot(ts, closes, color=colour, linewidth=1.3)
    ax.fill_between(ts, closes, min(c.close for c in panel.candles), color=colour, alpha=0.08, linewidth=0)
    span = "7d" if last.ts - first.ts >= panel.span_ms else f"since {_day(first.ts)}"
    ax.set_title(
        f"{panel.label}  {price(last.close)}  {signed_pct(change)} {span}",
        fontsize=10,
        loc="left",
        fontweight="bold",
        color="#1f2328",
        parse_math=False,
    )
    ax.grid(True, color=GRID, linewidth=0.6)
    ax.margins(x=0.01)
    ax.yaxis.tick_right()
    ax.yaxis.set_major_locator(MaxNLocator(nbins=3))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: number(value, 4)))
    days = [c.ts for c in panel.candles if c.ts % DAY_MS == 0]
    step = max(1, math.ceil(len(days) / 4))
    ax.set_xticks(days[::step], [_day(t) for t in days[::step]])


def broken_at_gaps(candles: Sequence[Candle], timeframe_ms: int) -> tuple[list[float], list[float]]:
    """Open times and closes with a NaN where candles are missing, so the line stops instead of bridging the hole."""
    ts: list[float] = []
    closes: list[float] = []
    for previous, candle in zip((None, *candles), candles, strict=False):
        if previous is not None and candle.ts - previous.ts > timeframe_ms:
            ts.append(previous.ts + timeframe_ms)
            closes.append(math.nan)
        ts.append(candle.ts)
        closes.append(candle.close)
    return ts, closes


def _day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%b %d")
