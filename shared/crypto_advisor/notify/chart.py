"""The email's chart: one PNG a phone shows at 600 px wide, with what a trader checks before acting.

Four panels over the last :data:`CHART_CANDLES` candles: price as candles with
the Bollinger bands and EMAs 9/21/50, volume with its 20-candle average, RSI
with its 30/70 lines, and MACD with its signal line and histogram. The firings
are marked on the last candle (above it when bearish, below it when bullish)
and listed under the title.

The indicators are the analysis' own (:func:`crypto_advisor.market.indicators.compute`
over the whole window, so the EMA 50 and the bands are warmed up before the
first candle shown): the chart shows exactly the lines the rules judged.

A PNG, not SVG: Gmail and Outlook block SVG. Drawn with matplotlib's
object-oriented API on the Agg canvas (no pyplot, no global state, no
display), at 1200 x 1400 pixels so it stays sharp on a phone's 2x screen, as
a 256-colour palette image without transparency to stay well under 200 KB.

A render takes most of a second, and NotifyFunction retrying a failed send
(a warm Lambda, the same signal) asks for the same chart again: the last few
charts are kept by what they are drawn from (:data:`CACHED_CHARTS`).
"""

from __future__ import annotations

import hashlib
import io
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator
from PIL import Image

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.signal import FiringRecord
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.market.frame import to_frame
from crypto_advisor.market.indicator_spec import DEFAULT_PARAMS
from crypto_advisor.market.indicators import compute
from crypto_advisor.market.numbers import MAX_DECIMALS, plain, price, qty
from crypto_advisor.notify.format import number, rule_title

#: Candles shown: five days of hourly candles, about 5 px per candle on a phone.
CHART_CANDLES = 120
#: 8 x 9.33 inches at 150 dpi: 1200 x 1400 px, shown at 600 px wide (2x for sharp phone screens).
FIGSIZE = (8.0, 9.0 + 1 / 3)
DPI = 150

UP = "#1a7f37"
DOWN = "#cf222e"
NEUTRAL = "#57606a"
DIRECTION_COLOURS = {"bullish": UP, "bearish": DOWN, "neutral": NEUTRAL}
MARKERS = {"bullish": "^", "bearish": "v", "neutral": "o"}
GLYPHS = {"bullish": "▲", "bearish": "▼", "neutral": "●"}
EMA_COLOURS = {9: "#0969da", 21: "#bf8700", 50: "#8250df"}
GRID = "#d0d7de"
#: Steps between time ticks, smallest first: from an hour to a quarter of a year.
TICK_STEPS_MS = tuple(h * HOUR_MS for h in (1, 2, 3, 6, 12, 24, 48, 72, 7 * 24, 14 * 24, 28 * 24, 56 * 24, 91 * 24))
#: Where the panels end (figure fraction): room on the right for price labels as wide as ``95,123.45``.
RIGHT = 0.88
#: Pixels kept clear between the widest right-hand label and the picture's edge.
LABEL_ROOM_PX = 6
#: Charts kept per process: a retried send re-uses its chart; a handful is enough and stays a few hundred KB.
CACHED_CHARTS = 4

_rendered: OrderedDict[str, bytes] = OrderedDict()
_rendered_lock = threading.Lock()


def chart_png(
    candles: Sequence[Candle],
    firings: Sequence[FiringRecord],
    *,
    title: str,
    last: int = CHART_CANDLES,
) -> bytes:
    """The chart of the last ``last`` of ``candles`` (oldest first) with ``firings`` marked on the final candle.

    Needs at least two candles; more history than ``last`` only warms the
    indicators up. Raises ValueError with fewer.
    """
    if len(candles) < 2:
        raise ValueError(f"a chart needs at least 2 candles, got {len(candles)}")
    if last < 2:
        raise ValueError(f"a chart shows at least 2 candles, asked for {last}")
    key = _chart_key(candles, firings, title, last)
    with _rendered_lock:
        if key in _rendered:
            _rendered.move_to_end(key)
            return _rendered[key]
    png = _render(candles, firings, title=title, last=last)
    with _rendered_lock:
        _rendered[key] = png
        _rendered.move_to_end(key)
        while len(_rendered) > CACHED_CHARTS:
            _rendered.popitem(last=False)
    return png


def _chart_key(candles: Sequence[Candle], firings: Sequence[FiringRecord], title: str, last: int) -> str:
    """A digest of everything the chart is drawn from: every candle (the indicators warm up on all of them), the
    firings marked, the title and how many candles are shown. The callers pass lists (not hashable), and a digest
    keeps the cache's keys small where a tuple of a thousand candles would not."""
    digest = hashlib.sha256(f"{title}\x00{last}\x00".encode())
    for candle in candles:
        digest.update(
            f"{candle.ts},{candle.open!r},{candle.high!r},{candle.low!r},{candle.close!r},{candle.volume!r};".encode()
        )
    for firing in firings:
        digest.update(firing.model_dump_json().encode())
    return digest.hexdigest()


def _render(candles: Sequence[Candle], firings: Sequence[FiringRecord], *, title: str, last: int) -> bytes:
    """The chart as :func:`chart_png` describes it, drawn (the slow part: matplotlib's Agg canvas)."""
    return _png(chart_figure(candles, firings, title=title, last=last))


def chart_figure(
    candles: Sequence[Candle], firings: Sequence[FiringRecord], *, title: str, last: int = CHART_CANDLES
) -> Figure:
    """The figure :func:`chart_png` rasterises, on its Agg canvas: its axes carry the labels a trader reads."""
    frame = compute(to_frame(candles)).iloc[-last:].reset_index(drop=True)
    figure = Figure(figsize=FIGSIZE, dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(4, 1, height_ratios=(5.0, 1.3, 1.6, 1.6), hspace=0.08)
    price_ax = figure.add_subplot(grid[0])
    axes = [price_ax] + [figure.add_subplot(grid[i], sharex=price_ax) for i in (1, 2, 3)]
    x = np.arange(len(frame))

    _price_panel(price_ax, frame, x, firings)
    _volume_panel(axes[1], frame, x)
    _rsi_panel(axes[2], frame, x)
    _macd_panel(axes[3], frame, x)

    for ax in axes:
        ax.grid(True, color=GRID, linewidth=0.6)
        ax.tick_params(labelsize=10)
        ax.axvline(x[-1], color=NEUTRAL, linewidth=0.8, linestyle=":")
        ax.margins(x=0.01)
        for spine in ax.spines.values():
            spine.set_color(GRID)
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)
    ticks = _time_ticks(frame["ts"].to_numpy())
    axes[-1].set_xticks(ticks, [_time_label(int(frame["ts"].iloc[i])) for i in ticks])
    price_ax.set_xlim(-1, len(frame) + 2)

    shown_from = _utc(int(frame["ts"].iloc[0]))
    shown_to = _utc(int(frame["ts"].iloc[-1]))
    # parse_math=False: a "$" in a coin name or a rule id is a dollar sign, not the start of a formula.
    figure.text(0.06, 0.99, title, fontsize=15, fontweight="bold", va="top", parse_math=False)
    subtitle = f"{len(frame)} candles, {shown_from} to {shown_to} (UTC, open times)"
    figure.text(0.06, 0.962, subtitle, fontsize=10, color=NEUTRAL, va="top")
    figure.text(0.06, 0.94, _firings_line(firings), fontsize=10.5, va="top", parse_math=False)
    figure.subplots_adjust(left=0.06, right=RIGHT, top=0.905 - 0.016 * _extra_lines(firings), bottom=0.055)
    _fit_right_labels(figure, axes)
    return figure


def _fit_right_labels(figure: Figure, axes: Sequence[Axes]) -> None:
    """Pull the panels' right edge in until every label right of them fits in the picture.

    The labels are as wide as the coin's price scale makes them: ``95,123.45`` fits the usual margin, a
    nano-priced coin's close ``0.000000006146`` and MACD ticks ``-0.0000000003`` do not, and a cut label reads as
    another number. Measuring lays the labels out without drawing the candles.
    """
    renderer = cast(FigureCanvasAgg, figure.canvas).get_renderer()
    boxes = [ax.yaxis.get_tightbbox(renderer) for ax in axes] + [t.get_window_extent(renderer) for t in axes[0].texts]
    widest = max((box.x1 for box in boxes if box is not None), default=0.0)
    overflow = widest + LABEL_ROOM_PX - figure.bbox.x1
    if overflow > 0:
        figure.subplots_adjust(right=RIGHT - overflow / figure.bbox.width)


# --- panels ------------------------------------------------------------------------------


def _price_panel(ax: Axes, frame: pd.DataFrame, x: np.ndarray, firings: Sequence[FiringRecord]) -> None:
    up = (frame["close"] >= frame["open"]).to_numpy()
    colours = np.where(up, UP, DOWN)
    ax.fill_between(x, frame["bb_lower"], frame["bb_upper"], color="#8c959f", alpha=0.12, linewidth=0)
    ax.plot(x, frame["bb_upper"], color="#8c959f", linewidth=0.8, label="Bollinger 20/2")
    ax.plot(x, frame["bb_lower"], color="#8c959f", linewidth=0.8)
    ax.vlines(x, frame["low"], frame["high"], colors=colours.tolist(), linewidth=0.8)
    body = (frame["close"] - frame["open"]).abs().to_numpy()
    floor = float(np.nanmax(frame["high"] - frame["low"])) * 0.004 or 1e-12
    ax.bar(
        x,
        np.maximum(body, floor),
        bottom=np.minimum(frame["open"], frame["close"]),
        width=0.65,
        color=colours,
        linewidth=0,
    )
    for period, colour in EMA_COLOURS.items():
        column = DEFAULT_PARAMS.ema_column(period)
        ax.plot(x, frame[column], color=colour, linewidth=1.2, label=f"EMA {period}")
    _mark_firings(ax, frame, x, firings)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: number(value, 6)))
    ax.yaxis.tick_right()
    ax.legend(loc="upper left", fontsize=9, ncol=4, frameon=True, framealpha=0.85, edgecolor=GRID)
    last_close = float(frame["close"].iloc[-1])
    ax.annotate(
        price(last_close),
        xy=(1.0, last_close),
        xycoords=("axes fraction", "data"),
        xytext=(4, 0),
        textcoords="offset points",
        va="center",
        fontsize=9,
        color="white",
        bbox={"boxstyle": "square,pad=0.25", "facecolor": UP if up[-1] else DOWN, "edgecolor": "none"},
        annotation_clip=False,
    )


def _mark_firings(ax: Axes, frame: pd.DataFrame, x: np.ndarray, firings: Sequence[FiringRecord]) -> None:
    """One marker per firing on the last candle, stacked away from it: bullish below, bearish and neutral above."""
    if not firings:
        return
    high, low = float(frame["high"].iloc[-1]), float(frame["low"].iloc[-1])
    span = float(np.nanmax(frame["high"]) - np.nanmin(frame["low"])) or high * 0.01
    step = span * 0.045
    bearish = sum(f.direction == "bearish" for f in firings)
    placed = {"bullish": 0, "bearish": 0, "neutral": 0}
    for firing in firings:
        k = placed[firing.direction]
        placed[firing.direction] += 1
        if firing.direction == "bearish":
            y = high + step * (k + 1)
        elif firing.direction == "bullish":
            y = low - step * (k + 1)
        else:  # neutral markers above the bearish ones
            y = high + step * (bearish + k + 1)
        ax.plot(
            x[-1],
            y,
            marker=MARKERS[firing.direction],
            markersize=9,
            color=DIRECTION_COLOURS[firing.direction],
            markeredgecolor="white",
            markeredgewidth=0.8,
            linestyle="none",
        )


def _volume_panel(ax: Axes, frame: pd.DataFrame, x: np.ndarray) -> None:
    colours = np.where((frame["close"] >= frame["open"]).to_numpy(), UP, DOWN)
    ax.bar(x, frame["volume"], width=0.65, color=colours, alpha=0.7, linewidth=0)
    average = DEFAULT_PARAMS.volume_ma_column
    ax.plot(x, frame[average], color=NEUTRAL, linewidth=1.0, label=f"Volume, {DEFAULT_PARAMS.volume_ma}-candle avg")
    ax.yaxis.tick_right()
    ax.yaxis.set_major_locator(MaxNLocator(nbins=3))
    ax.yaxis.set_major_formatter(CompactTicks())
    ax.legend(loc="upper left", fontsize=9, frameon=True, framealpha=0.85, edgecolor=GRID)


def _rsi_panel(ax: Axes, frame: pd.DataFrame, x: np.ndarray) -> None:
    ax.axhspan(70, 100, color=DOWN, alpha=0.06, linewidth=0)
    ax.axhspan(0, 30, color=UP, alpha=0.06, linewidth=0)
    for level in (30, 70):
        ax.axhline(level, color=NEUTRAL, linewidth=0.8, linestyle="--")
    ax.plot(x, frame[DEFAULT_PARAMS.rsi_column], color="#8250df", linewidth=1.3, label=f"RSI {DEFAULT_PARAMS.rsi}")
    ax.set_ylim(0, 100)
    ax.set_yticks([30, 70])
    ax.yaxis.tick_right()
    ax.legend(loc="upper left", fontsize=9, frameon=True, framealpha=0.85, edgecolor=GRID)


def _macd_panel(ax: Axes, frame: pd.DataFrame, x: np.ndarray) -> None:
    hist = frame["macd_hist"].to_numpy()
    ax.bar(x, hist, width=0.65, color=np.where(hist >= 0, UP, DOWN), alpha=0.55, linewidth=0)
    ax.plot(x, frame["macd"], color="#0969da", linewidth=1.2, label="MACD 12/26")
    ax.plot(x, frame["macd_signal"], color="#bf8700", linewidth=1.2, label="signal 9")
    ax.axhline(0, color=NEUTRAL, linewidth=0.6)
    ax.yaxis.tick_right()
    ax.yaxis.set_major_locator(MaxNLocator(nbins=3))
    ax.yaxis.set_major_formatter(CompactTicks())
    ax.legend(loc="upper left", fontsize=9, ncol=2, frameon=True, framealpha=0.85, edgecolor=GRID)


# --- labels ------------------------------------------------------------------------------


def _firings_line(firings: Sequence[FiringRecord]) -> str:
    if not firings:
        return "No rule fired on the last candle."
    marks = [f"{GLYPHS[f.direction]} {rule_title(f.rule_id, f.direction)}" for f in firings]
    rows = [", ".join(marks[i : i + 3]) for i in range(0, len(marks), 3)]
    return "Fired on the last candle: " + "\n".join(rows)


def _extra_lines(firings: Sequence[FiringRecord]) -> int:
    return max(0, math.ceil(len(firings) / 3) - 1)


def _time_ticks(ts: np.ndarray, most: int = 6) -> list[int]:
    """Indices of candles on round times (midnight, noon, every 6 hours...), at most ``most`` of them.

    Round times read at a glance where "07:00, 08:00" on successive days
    does not; the step is the smallest round one that keeps the labels apart.
    """
    for step in TICK_STEPS_MS:
        ticks = [i for i, t in enumerate(ts) if int(t) % step == 0]
        if 2 <= len(ticks) <= most:
            return ticks
    return [0, len(ts) - 1]


def _time_label(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%b %d") if moment.hour == moment.minute == 0 else moment.strftime("%b %d\n%H:%M")


def _utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")


class CompactTicks(Formatter):
    """Axis numbers short enough for a narrow panel: ``4T``, ``1.2M``, ``350K`` (volumes as the emails write them),
    ``-0.0000003``; never ``4e+03B`` or ``3e-07``.

    Below a thousand a tick is written with the decimals its axis' step needs (the emails' plain decimals, never
    scientific notation): a micro-priced coin's MACD reads ``0.00000025`` beside ``0.0000005``, and a tick that
    float arithmetic left a hair off zero reads ``0``, which no single value could tell from a real tiny one.
    """

    def __init__(self) -> None:
        super().__init__()
        self.step = 0.0

    def set_locs(self, locs: list[float]) -> None:
        super().set_locs(locs)
        gaps = np.diff(np.sort(np.asarray(locs, dtype=float)))
        gaps = gaps[np.isfinite(gaps) & (gaps > 0)]
        self.step = float(gaps.min()) if gaps.size else 0.0

    def __call__(self, x: float, pos: int | None = None) -> str:
        return compact(x, self.step)


def compact(value: float, step: float = 0.0) -> str:
    """``value`` as an axis label whose ticks are ``step`` apart (0: unknown), as :class:`CompactTicks` writes it."""
    if not math.isfinite(value):
        return ""
    if abs(value) >= 1e3:
        return qty(value)
    if step <= 0 or not math.isfinite(step):
        return number(value, 3)
    return plain(value, min(max(0, 1 - math.floor(math.log10(step))), MAX_DECIMALS))


def _png(figure: Figure) -> bytes:
    """The figure as a 256-colour PNG without alpha: a fraction of the RGBA size, indistinguishable in a mail client."""
    canvas = cast(FigureCanvasAgg, figure.canvas)  # attached in chart_png
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    image = Image.fromarray(rgba[:, :, :3]).quantize(
        colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
