"""The market email's chart: each watched coin's move on the candle as a bar, with what BTC's move implied for it.

One horizontal bar per coin whose signal is in, in percent, coloured the
market's way (red for a fall, green for a rise) when the coin followed and
grey when it did not; a black tick marks the move BTC's move implied at the
coin's beta, so the gap between the bar's end and the tick is the coin's own
part of the move. BTC's bar is labelled as the reference. Drawn like the alert
chart (:mod:`crypto_advisor.notify.chart`): matplotlib's object-oriented API on
the Agg canvas, its colours and grid and its 256-colour PNG.
"""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from crypto_advisor.notify.chart import DOWN, GRID, NEUTRAL, UP, _png
from crypto_advisor.notify.market import MarketMove

WIDTH_IN = 8.0
DPI = 150
#: Height per coin and around the bars (title, axis).
BAR_IN = 0.5
FRAME_IN = 1.3


def market_png(move: MarketMove, *, title: str) -> bytes:
    """The bars of the coins of ``move`` whose move is known; raises ValueError when there is none."""
    shown = [c for c in move.coins if c.move is not None]
    if not shown:
        raise ValueError("a market chart needs at least one coin with a measured move")
    figure = Figure(figsize=(WIDTH_IN, FRAME_IN + BAR_IN * len(shown)), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    market_colour = UP if move.direction == "up" else DOWN
    labels = []
    for row, coin in enumerate(reversed(shown)):
        assert coin.move is not None
        pct = coin.move * 100
        colour = market_colour if coin.status == "followed" else NEUTRAL
        axes.barh(row, pct, color=colour, height=0.6)
        if coin.beta is not None:
            axes.plot([coin.beta.implied_move * 100] * 2, [row - 0.38, row + 0.38], color="black", linewidth=2)
        reference = " (reference)" if move.reference is not None and coin.series == move.reference.series else ""
        labels.append(f"{coin.series.pair}{reference}")
        axes.annotate(
            f"{pct:+.1f}%",
            (pct, row),
            xytext=(4 if pct >= 0 else -4, 0),
            textcoords="offset points",
            ha="left" if pct >= 0 else "right",
            va="center",
            fontsize=9,
        )
    axes.set_yticks(range(len(shown)), labels, fontsize=10)
    axes.axvline(0, color=NEUTRAL, linewidth=0.8)
    axes.grid(axis="x", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    low, high = axes.get_xlim()
    pad = (high - low) * 0.15
    axes.set_xlim(low - pad, high + pad)
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:+.0f}%" if x else "0"))
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.set_title(title, fontsize=11, loc="left")
    axes.set_xlabel("move on the candle; black tick: what BTC's move implied at the coin's beta", fontsize=8)
    figure.tight_layout()
    return _png(figure)
