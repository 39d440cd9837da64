"""Trigger rules: what on a just-closed candle is worth telling a trader.

A rule reads an indicator frame (one row per closed candle, oldest first,
``ts open high low close volume`` and the indicator columns) and judges its last
row against the row before. It fires on a *crossing*: the condition holds on the
last candle and did not hold on the one before, so a condition that merely
persists fires once, not on every candle. The notifier's cooldown is the second
line of defence against spam, not the first.

Rules are pure and stateless: the frame is all they know, and they read only
rows up to its last. The one rule that needs memory (RSI hysteresis) reads it
back from the frame's history within a bounded lookback, so replaying the
archive and running live on a window of recent candles give the same answer
once both hold that many candles before the one judged. A rule whose inputs are
missing or NaN on the rows it needs (indicator warm-up) does not apply and
returns ``None``.

Configuration is a mapping ``rule_id -> {param: value}`` of overrides; every
rule is on with its defaults unless overridden, and ``enabled: false`` turns a
rule off. :func:`build_rules` checks it and names what is wrong.

Severity is 1 (info), 2 (notable) or 3 (strong); each rule's docstring says how
it sets it. Magnitude rules (volume, ATR, price change) call a move of at least
twice the threshold strong.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Protocol

import numpy as np
import pandas as pd

from crypto_advisor.analysis.firing import INFO, NOTABLE, STRONG, Direction, Firing
from crypto_advisor.analysis.news_columns import NEWS_COLUMNS
from crypto_advisor.contracts.units import DAY_MS, HOUR_MS

RuleConfig = Mapping[str, Mapping[str, Any]]


#: Volume at least this many times its 20-candle average confirms a breakout.
CONFIRMING_VOLUME = 1.5
#: Fibonacci levels traders watch most; crossing one of them is notable.
KEY_FIB_LEVELS = frozenset({"fib_382", "fib_500", "fib_618"})
FIB_LEVELS: tuple[tuple[str, str], ...] = (
    ("fib_236", "23.6%"),
    ("fib_382", "38.2%"),
    ("fib_500", "50%"),
    ("fib_618", "61.8%"),
    ("fib_786", "78.6%"),
)


class Rule(Protocol):
    """What every rule offers; the concrete rules below are frozen dataclasses."""

    @property
    def id(self) -> str: ...

    @property
    def params(self) -> Any: ...

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None: ...


# --- reading the frame ------------------------------------------------------------------


def _tail(frame: pd.DataFrame, column: str, count: int, rule_id: str) -> np.ndarray | None:
    """The last ``count`` values of ``column``, or None if there are fewer or any is not finite."""
    if column not in frame.columns:
        raise ValueError(f"rule {rule_id!r} needs column {column!r}, which the frame does not have")
    if len(frame) < count:
        return None
    values = frame[column].iloc[len(frame) - count :].to_numpy(dtype=float)
    return values if np.isfinite(values).all() else None


def _cross(a: np.ndarray, b: np.ndarray) -> Direction | None:
    """How line ``a`` crossed line ``b`` between the last two rows: strictly past now, not past before."""
    before, now = a[-2] - b[-2], a[-1] - b[-1]
    if before <= 0 < now:
        return "bullish"
    if before >= 0 > now:
        return "bearish"
    return None


def _pct_past(value: float, threshold: float, direction: Direction) -> float:
    """How far ``value`` is past ``threshold`` in % of it, positive in the rule's direction."""
    pct = (value - threshold) / abs(threshold) * 100.0
    return pct if direction == "bullish" else -pct


# --- numbers a trader reads -------------------------------------------------------------


def _num(x: float, decimals: int = 1) -> str:
    """A plain number: ``30``, ``27.4``, ``0.04``; small values keep two significant digits."""
    if x != 0 and abs(x) < 1:
        decimals = max(decimals, 1 - math.floor(math.log10(abs(x))))
    text = f"{x:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _price(x: float) -> str:
    """A price with five significant digits and at least two decimals: ``95,123.45``, ``2.3456``, ``0.00001234``."""
    if x == 0:
        return "0.00"
    decimals = min(max(2, 4 - math.floor(math.log10(abs(x)))), 12)
    text = f"{x:,.{decimals}f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0").ljust(2, "0")
    return f"{whole}.{frac}"


def _qty(x: float) -> str:
    """A volume-like quantity with a suffix: ``1.23M``, ``4.5K``, ``12.35``."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(x) >= size:
            return f"{_num(x / size, 2)}{suffix}"
    return _num(x, 2)


def _pct(x: float) -> str:
    return f"{_num(x, 2)}%"


# --- params -----------------------------------------------------------------------------


def _require(ok: bool, param: str, message: str) -> None:
    if not ok:
        raise ValueError(f"param {param!r} {message}")


@dataclass(frozen=True, slots=True)
class NoParams:
    """For rules whose inputs are fixed by the indicator columns they read."""


@dataclass(frozen=True, slots=True)
class RsiZoneParams:
    level: float
    hysteresis: float = 5.0
    lookback: int = 200

    def __post_init__(self) -> None:
        _require(0 < self.level < 100, "level", f"must be between 0 and 100, got {self.level}")
        _require(self.hysteresis >= 0, "hysteresis", f"must be >= 0, got {self.hysteresis}")
        _require(self.lookback >= 1, "lookback", f"must be >= 1 candle, got {self.lookback}")


@dataclass(frozen=True, slots=True)
class RsiOversoldParams(RsiZoneParams):
    level: float = 30.0


@dataclass(frozen=True, slots=True)
class RsiOverboughtParams(RsiZoneParams):
    level: float = 70.0


@dataclass(frozen=True, slots=True)
class WindowParams:
    window: int

    def __post_init__(self) -> None:
        _require(self.window >= 2, "window", f"must be >= 2 candles, got {self.window}")


@dataclass(frozen=True, slots=True)
class SqueezeParams(WindowParams):
    window: int = 120


@dataclass(frozen=True, slots=True)
class ObvDivergenceParams(WindowParams):
    window: int = 20


@dataclass(frozen=True, slots=True)
class AdxTrendParams:
    level: float = 25.0

    def __post_init__(self) -> None:
        _require(0 < self.level < 100, "level", f"must be between 0 and 100, got {self.level}")


@dataclass(frozen=True, slots=True)
class VolumeSpikeParams:
    factor: float = 3.0

    def __post_init__(self) -> None:
        _require(self.factor > 1, "factor", f"must be > 1 (times the average), got {self.factor}")


@dataclass(frozen=True, slots=True)
class PriceChangeParams:
    threshold_pct: float

    def __post_init__(self) -> None:
        _require(self.threshold_pct > 0, "threshold_pct", f"must be > 0, got {self.threshold_pct}")


@dataclass(frozen=True, slots=True)
class PriceChange1hParams(PriceChangeParams):
    threshold_pct: float = 3.0


@dataclass(frozen=True, slots=True)
class PriceChange24hParams(PriceChangeParams):
    threshold_pct: float = 8.0


@dataclass(frozen=True, slots=True)
class AtrSpikeParams:
    factor: float = 1.5
    window: int = 50

    def __post_init__(self) -> None:
        _require(self.factor > 1, "factor", f"must be > 1 (times the average), got {self.factor}")
        _require(self.window >= 1, "window", f"must be >= 1 candle, got {self.window}")


@dataclass(frozen=True, slots=True)
class NewsSentimentParams:
    low: float = -0.2
    high: float = 0.2
    min_articles: int = 5
    shift: float = 0.25

    def __post_init__(self) -> None:
        for name in ("low", "high"):
            value = getattr(self, name)
            _require(-1 < value < 1, name, f"must be between -1 and 1 (a VADER compound score), got {value}")
        _require(self.low < self.high, "high", f"must be above low ({self.low}), got {self.high}")
        _require(self.min_articles >= 1, "min_articles", f"must be >= 1 article, got {self.min_articles}")
        _require(0 < self.shift < 2, "shift", f"must be between 0 and 2 (VADER points), got {self.shift}")


# --- the rules --------------------------------------------------------------------------


def _rsi_zone_entry(rule_id: str, frame: pd.DataFrame, p: RsiZoneParams, *, oversold: bool) -> Firing | None:
    """RSI entering a zone, armed again only once it has left the zone by the hysteresis margin.

    Working in "depth" (how far inside the zone, negative outside) makes both
    zones one computation. The state a live detector would keep (armed or not)
    is read back from history: since the last candle inside the zone before this
    entry, did RSI get more than ``hysteresis`` points out? With no visit inside
    the lookback, the rule is armed. A frame that starts inside the zone counts
    as a visit, so a restart does not re-alert a zone already reported.
    """
    if "rsi_14" not in frame.columns:
        raise ValueError(f"rule {rule_id!r} needs column 'rsi_14', which the frame does not have")
    rsi = frame["rsi_14"].iloc[max(0, len(frame) - p.lookback - 1) :].to_numpy(dtype=float)
    if len(rsi) < 2 or not np.isfinite(rsi[-2:]).all():
        return None
    depth = (p.level - rsi) if oversold else (rsi - p.level)
    if not (depth[-2] <= 0 < depth[-1]):
        return None
    history = depth[:-1]
    inside = np.flatnonzero(history > 0)  # NaN compares False: warm-up is neither inside nor out
    if inside.size and not (history[inside[-1] + 1 :] < -p.hysteresis).any():
        return None
    value, distance = float(rsi[-1]), float(depth[-1])
    side, zone, verb = ("below", "oversold", "fell") if oversold else ("above", "overbought", "rose")
    return Firing(
        rule_id=rule_id,
        direction="bullish" if oversold else "bearish",
        severity=STRONG if distance >= 10 else NOTABLE,
        value=value,
        threshold=p.level,
        distance=distance,
        unit="RSI points",
        sentence=(
            f"RSI(14) {verb} to {_num(value)}, {side} the {zone} line at {_num(p.level)} "
            f"({_num(distance)} points past it)."
        ),
    )


@dataclass(frozen=True)
class RsiOversold:
    """RSI(14) crosses below ``level`` (30): oversold, bullish.

    Re-armed only after RSI has been more than ``hysteresis`` (5) points above
    the level (above 35) since it was last below it, looking back at most ``lookback`` (200)
    candles. Severity: notable; strong when RSI lands 10 or more points inside.
    """

    id: ClassVar[str] = "rsi_oversold"
    params: RsiOversoldParams = field(default_factory=RsiOversoldParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        return _rsi_zone_entry(self.id, frame, self.params, oversold=True)


@dataclass(frozen=True)
class RsiOverbought:
    """RSI(14) crosses above ``level`` (70): overbought, bearish.

    Hysteresis, lookback and severity mirror :class:`RsiOversold`.
    """

    id: ClassVar[str] = "rsi_overbought"
    params: RsiOverboughtParams = field(default_factory=RsiOverboughtParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        return _rsi_zone_entry(self.id, frame, self.params, oversold=False)


@dataclass(frozen=True)
class MacdCross:
    """The MACD line crosses its signal line: up is bullish, down bearish.

    Distance is the gap between the lines in price units (MACD's own scale).
    Severity: notable; strong when the cross happens on the far side of the
    zero line (bullish below zero, bearish above), the classic turn from an
    extended move.
    """

    id: ClassVar[str] = "macd_cross"
    params: NoParams = field(default_factory=NoParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        macd, signal = _tail(frame, "macd", 2, self.id), _tail(frame, "macd_signal", 2, self.id)
        if macd is None or signal is None or (direction := _cross(macd, signal)) is None:
            return None
        value, threshold = float(macd[-1]), float(signal[-1])
        far_side = value < 0 if direction == "bullish" else value > 0
        side = "above" if direction == "bullish" else "below"
        zero = "below" if value < 0 else "above" if value > 0 else "at"
        return Firing(
            rule_id=self.id,
            direction=direction,
            severity=STRONG if far_side else NOTABLE,
            value=value,
            threshold=threshold,
            distance=abs(value - threshold),
            unit="price units",
            sentence=(
                f"MACD crossed {side} its signal line {zero} the zero line "
                f"(MACD {_price(value)} vs signal {_price(threshold)}, {_price(abs(value - threshold))} apart)."
            ),
        )


@dataclass(frozen=True)
class BollingerBreakout:
    """The close crosses outside the upper band (bullish) or the lower band (bearish).

    Severity: notable; strong when the candle's volume is at least 1.5 times
    the 20-candle average of the candles before it (a breakout on volume).
    """

    id: ClassVar[str] = "bb_breakout"
    params: NoParams = field(default_factory=NoParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        close = _tail(frame, "close", 2, self.id)
        upper, lower = _tail(frame, "bb_upper", 2, self.id), _tail(frame, "bb_lower", 2, self.id)
        if close is None or upper is None or lower is None:
            return None
        if _cross(close, upper) == "bullish":
            direction: Direction = "bullish"
            band, name = float(upper[-1]), "upper"
        elif _cross(close, lower) == "bearish":
            direction, band, name = "bearish", float(lower[-1]), "lower"
        else:
            return None
        value = float(close[-1])
        distance = _pct_past(value, band, direction)
        volume, average = _tail(frame, "volume", 1, self.id), _tail(frame, "volume_ma_20", 2, self.id)
        on_volume = volume is not None and average is not None and volume[-1] >= CONFIRMING_VOLUME * average[0] > 0
        return Firing(
            rule_id=self.id,
            direction=direction,
            severity=STRONG if on_volume else NOTABLE,
            value=value,
            threshold=band,
            distance=distance,
            unit="%",
            sentence=(
                f"Close {_price(value)} broke {'above' if direction == 'bullish' else 'below'} the {name} "
                f"Bollinger band at {_price(band)} ({_pct(distance)} past it"
                f"{', on heavy volume' if on_volume else ''})."
            ),
        )


@dataclass(frozen=True)
class BollingerSqueeze:
    """Bollinger band width becomes the narrowest of the last ``window`` (120) candles: a squeeze, neutral.

    Fires on the candle that becomes the minimum when the candle before was
    not one, so a squeeze that keeps tightening fires once. The threshold is
    the narrowest width of the other candles in the window. Severity: info;
    notable when the width is also the narrowest of twice the window.
    """

    id: ClassVar[str] = "bb_squeeze"
    params: SqueezeParams = field(default_factory=SqueezeParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        n = self.params.window
        width = _tail(frame, "bb_width", n + 1, self.id)
        if width is None:
            return None
        previous_narrowest = float(width[1:-1].min())
        if not (width[-1] <= previous_narrowest and width[-2] > width[:-2].min()):
            return None
        value = float(width[-1])
        longer = _tail(frame, "bb_width", 2 * n, self.id)
        deep = longer is not None and value <= longer.min()
        return Firing(
            rule_id=self.id,
            direction="neutral",
            severity=NOTABLE if deep else INFO,
            value=value,
            threshold=previous_narrowest,
            distance=previous_narrowest - value,
            unit="% band width",
            sentence=(
                f"Bollinger bands squeezed to {_pct(value)} wide, the narrowest in "
                f"{2 * n if deep else n} candles (previous narrowest {_pct(previous_narrowest)}); "
                "a big move often follows."
            ),
        )


def _price_line_cross(
    rule_id: str,
    frame: pd.DataFrame,
    line: str,
    reference: str,
    describe: Callable[[Direction, float, float, float], str],
    severity: Callable[[Direction], int],
) -> Firing | None:
    a, b = _tail(frame, line, 2, rule_id), _tail(frame, reference, 2, rule_id)
    if a is None or b is None or (direction := _cross(a, b)) is None:
        return None
    value, threshold = float(a[-1]), float(b[-1])
    distance = _pct_past(value, threshold, direction)
    return Firing(
        rule_id=rule_id,
        direction=direction,
        severity=severity(direction),
        value=value,
        threshold=threshold,
        distance=distance,
        unit="%",
        sentence=describe(direction, value, threshold, distance),
    )


def _above(direction: Direction) -> str:
    return "above" if direction == "bullish" else "below"


@dataclass(frozen=True)
class EmaCross:
    """EMA 9 crosses EMA 21: up is bullish, down bearish.

    Severity: info; notable when the close is on the same side of EMA 200
    (the cross goes with the long trend).
    """

    id: ClassVar[str] = "ema_cross"
    params: NoParams = field(default_factory=NoParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        def severity(direction: Direction) -> int:
            close, trend = _tail(frame, "close", 1, self.id), _tail(frame, "ema_200", 1, self.id)
            if close is None or trend is None:
                return INFO
            with_trend = close[0] > trend[0] if direction == "bullish" else close[0] < trend[0]
            return NOTABLE if with_trend else INFO

        return _price_line_cross(
            self.id,
            frame,
            "ema_9",
            "ema_21",
            lambda d, v, t, dist: (
                f"EMA 9 crossed {_above(d)} EMA 21 ({_price(v)} vs {_price(t)}, {_pct(dist)} past it)."
            ),
            severity,
        )


@dataclass(frozen=True)
class GoldenDeathCross:
    """SMA 50 crosses SMA 200: a golden cross (bullish) or a death cross (bearish). Severity: strong, always."""

    id: ClassVar[str] = "golden_death_cross"
    params: NoParams = field(default_factory=NoParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        return _price_line_cross(
            self.id,
            frame,
            "sma_50",
            "sma_200",
            lambda d, v, t, dist: (
                f"{'Golden' if d == 'bullish' else 'Death'} cross: SMA 50 crossed {_above(d)} SMA 200 "
                f"({_price(v)} vs {_price(t)}, {_pct(dist)} past it)."
            ),
            lambda d: STRONG,
        )


@dataclass(frozen=True)
class Sma20Cross:
    """The close crosses SMA 20: up is bullish, down bearish. Severity: info, always (it happens often)."""

    id: ClassVar[str] = "sma20_cross"
    params: NoParams = field(default_factory=NoParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        return _price_line_cross(
            self.id,
            frame,
            "close",
            "sma_20",
            lambda d, v, t, dist: (
                f"Close {_price(v)} crossed {_above(d)} SMA 20 at {_price(t)} ({_pct(dist)} past it)."
            ),
            lambda d: INFO,
        )


@dataclass(frozen=True)
class AdxTrend:
    """ADX(14) rises through ``level`` (25): a trend is gaining strength.

    Direction from the directional indicators on the candle: +DI above -DI
    bullish, below bearish, equal neutral. Severity: notable; strong when +DI
    and -DI are 10 or more points apart (a clear direction).
    """

    id: ClassVar[str] = "adx_trend"
    params: AdxTrendParams = field(default_factory=AdxTrendParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        adx = _tail(frame, "adx_14", 2, self.id)
        plus, minus = _tail(frame, "plus_di_14", 1, self.id), _tail(frame, "minus_di_14", 1, self.id)
        level = self.params.level
        if adx is None or plus is None or minus is None or not (adx[-2] <= level < adx[-1]):
            return None
        pdi, mdi = float(plus[0]), float(minus[0])
        direction: Direction = "bullish" if pdi > mdi else "bearish" if pdi < mdi else "neutral"
        trend = {"bullish": "an uptrend", "bearish": "a downtrend", "neutral": "a trend of unclear direction"}
        value = float(adx[-1])
        return Firing(
            rule_id=self.id,
            direction=direction,
            severity=STRONG if abs(pdi - mdi) >= 10 else NOTABLE,
            value=value,
            threshold=level,
            distance=value - level,
            unit="ADX points",
            sentence=(
                f"ADX(14) rose to {_num(value)}, through the trend line at {_num(level)} "
                f"({_num(value - level)} points past it), with +DI {_num(pdi)} and -DI {_num(mdi)}: "
                f"{trend[direction]} is gaining strength."
            ),
        )


@dataclass(frozen=True)
class VolumeSpike:
    """Volume above ``factor`` (3) times its 20-candle average.

    The baseline is ``volume_ma_20`` of the candle *before*, the average of the
    20 candles preceding this one, so the spike does not inflate its own
    baseline. Crossing: the ratio is above the factor now and was not on the
    candle before (judged against that candle's own baseline). Direction from
    the candle: a close above its open is bullish, below bearish, equal neutral.
    Severity: notable; strong at twice the factor or more.
    """

    id: ClassVar[str] = "volume_spike"
    params: VolumeSpikeParams = field(default_factory=VolumeSpikeParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        volume, average = _tail(frame, "volume", 2, self.id), _tail(frame, "volume_ma_20", 3, self.id)
        candle_open, close = _tail(frame, "open", 1, self.id), _tail(frame, "close", 1, self.id)
        if volume is None or average is None or candle_open is None or close is None or (average[:2] <= 0).any():
            return None
        k = self.params.factor
        ratio, ratio_before = float(volume[-1] / average[1]), float(volume[-2] / average[0])
        if not (ratio > k >= ratio_before):
            return None
        direction: Direction = (
            "bullish" if close[0] > candle_open[0] else "bearish" if close[0] < candle_open[0] else "neutral"
        )
        candle = {"bullish": "a rising", "bearish": "a falling", "neutral": "an unchanged"}[direction]
        return Firing(
            rule_id=self.id,
            direction=direction,
            severity=STRONG if ratio >= 2 * k else NOTABLE,
            value=ratio,
            threshold=k,
            distance=ratio - k,
            unit="x average",
            sentence=(
                f"Volume {_qty(float(volume[-1]))} was {_num(ratio)}x its 20-candle average of "
                f"{_qty(float(average[1]))}, above the {_num(k)}x spike line, on {candle} candle."
            ),
        )


@dataclass(frozen=True)
class _PriceChange:
    """The close changes by more than ``threshold_pct`` over a fixed time window.

    The window is turned into candles with the timeframe (rounded down); a
    timeframe longer than the window means the rule does not apply. Counting
    candles assumes a gap-free frame, which the data-health checks upstream
    guarantee before any rule runs. Up and down are separate lines (+x% and
    -x%): a rise fires when the change is above +x% and was not on the candle
    before, a fall likewise below -x%. Severity: notable; strong at twice the
    threshold or more.
    """

    id: ClassVar[str]
    window_ms: ClassVar[int]
    window_words: ClassVar[str]
    params: PriceChangeParams

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        if timeframe_ms > self.window_ms:
            return None
        n = self.window_ms // timeframe_ms
        close = _tail(frame, "close", n + 2, self.id)
        if close is None:
            return None
        change, change_before = (close[-1] / close[-1 - n] - 1) * 100, (close[-2] / close[-2 - n] - 1) * 100
        x = self.params.threshold_pct
        if change > x >= change_before:
            direction: Direction = "bullish"
        elif change < -x <= change_before:
            direction = "bearish"
        else:
            return None
        value = float(change)
        return Firing(
            rule_id=self.id,
            direction=direction,
            severity=STRONG if abs(value) >= 2 * x else NOTABLE,
            value=value,
            threshold=x if direction == "bullish" else -x,
            distance=abs(value) - x,
            unit="%",
            sentence=(
                f"Price {'rose' if direction == 'bullish' else 'fell'} {_pct(abs(value))} over {self.window_words} "
                f"(from {_price(float(close[-1 - n]))} to {_price(float(close[-1]))}), past the {_pct(x)} line."
            ),
        )


@dataclass(frozen=True)
class PriceChange1h(_PriceChange):
    __doc__ = f"Price change over the last hour beyond 3% by default. {_PriceChange.__doc__}"
    id: ClassVar[str] = "price_change_1h"
    window_ms: ClassVar[int] = HOUR_MS
    window_words: ClassVar[str] = "the last hour"
    params: PriceChange1hParams = field(default_factory=PriceChange1hParams)


@dataclass(frozen=True)
class PriceChange24h(_PriceChange):
    __doc__ = f"Price change over the last 24 hours beyond 8% by default. {_PriceChange.__doc__}"
    id: ClassVar[str] = "price_change_24h"
    window_ms: ClassVar[int] = DAY_MS
    window_words: ClassVar[str] = "the last 24 hours"
    params: PriceChange24hParams = field(default_factory=PriceChange24hParams)


@dataclass(frozen=True)
class FibCross:
    """The close crosses a Fibonacci retracement level (23.6%, 38.2%, 50%, 61.8% or 78.6%).

    Levels are taken from the candle before, the swing as it stood before this
    candle moved: the levels of the last row include this candle's own high and
    low, so a candle making a new swing would otherwise "cross" levels that
    moved under it. When one candle crosses several levels, the one reported is
    the last passed (nearest the close); the sentence names the others.
    Severity: info; notable when a key level (38.2%, 50%, 61.8%) was crossed.
    """

    id: ClassVar[str] = "fib_cross"
    params: NoParams = field(default_factory=NoParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        close = _tail(frame, "close", 2, self.id)
        if close is None:
            return None
        before, now = float(close[-2]), float(close[-1])
        crossed: list[tuple[str, str, float]] = []
        for column, label in FIB_LEVELS:
            level = _tail(frame, column, 2, self.id)
            if level is not None and (before <= level[0] < now or before >= level[0] > now):
                crossed.append((column, label, float(level[0])))
        if not crossed:
            return None
        direction: Direction = "bullish" if now > before else "bearish"
        column, label, level = min(crossed, key=lambda c: abs(now - c[2]))
        others = [c[1] for c in crossed if c[0] != column]
        distance = _pct_past(now, level, direction)
        also = f"; it also crossed the {' and '.join(others)} level{'s' if len(others) > 1 else ''}" if others else ""
        return Firing(
            rule_id=self.id,
            direction=direction,
            severity=NOTABLE if any(c[0] in KEY_FIB_LEVELS for c in crossed) else INFO,
            value=now,
            threshold=level,
            distance=distance,
            unit="%",
            sentence=(
                f"Close {_price(now)} crossed {_above(direction)} the {label} Fibonacci retracement level at "
                f"{_price(level)} ({_pct(distance)} past it{also})."
            ),
        )


@dataclass(frozen=True)
class ObvDivergence:
    """The close makes a new ``window``-candle (20) high that OBV does not confirm, or a low it does not.

    A new high: the close is above every other close of the last ``window``
    candles while OBV is below its own high over them (bearish); a new low with
    OBV above its low is bullish. Crossing: the divergence holds now and did not
    on the candle before, so a run of new highs on fading OBV fires once. Value
    is OBV, threshold the OBV extreme it failed to reach, distance how far short
    it fell (in OBV's volume units). Severity: notable.
    """

    id: ClassVar[str] = "obv_divergence"
    params: ObvDivergenceParams = field(default_factory=ObvDivergenceParams)

    @staticmethod
    def _divergence(close: np.ndarray, obv: np.ndarray) -> Direction | None:
        """Divergence on the last element of equally long windows (the candle and the ones before it)."""
        if close[-1] > close[:-1].max() and obv[-1] < obv[:-1].max():
            return "bearish"
        if close[-1] < close[:-1].min() and obv[-1] > obv[:-1].min():
            return "bullish"
        return None

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        n = self.params.window
        close, obv = _tail(frame, "close", n + 1, self.id), _tail(frame, "obv", n + 1, self.id)
        if close is None or obv is None:
            return None
        direction = self._divergence(close[1:], obv[1:])
        if direction is None or self._divergence(close[:-1], obv[:-1]) == direction:
            return None
        value = float(obv[-1])
        if direction == "bearish":
            threshold, extreme, side = float(obv[1:-1].max()), "high", "below"
        else:
            threshold, extreme, side = float(obv[1:-1].min()), "low", "above"
        return Firing(
            rule_id=self.id,
            direction=direction,
            severity=NOTABLE,
            value=value,
            threshold=threshold,
            distance=abs(threshold - value),
            unit="OBV",
            sentence=(
                f"Close {_price(float(close[-1]))} made a new {n}-candle {extreme} but OBV ({_qty(value)}) stayed "
                f"{side} its {n}-candle {extreme} of {_qty(threshold)}: a {direction} divergence."
            ),
        )


@dataclass(frozen=True)
class AtrSpike:
    """ATR(14) rises above ``factor`` (1.5) times its mean over the previous ``window`` (50) candles; neutral.

    Crossing: above now, not above on the candle before (against that candle's
    own previous-window mean). Severity: notable; strong at twice the factor
    or more.
    """

    id: ClassVar[str] = "atr_spike"
    params: AtrSpikeParams = field(default_factory=AtrSpikeParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        n, k = self.params.window, self.params.factor
        atr = _tail(frame, "atr_14", n + 2, self.id)
        if atr is None:
            return None
        mean, mean_before = float(atr[1:-1].mean()), float(atr[:-2].mean())
        if mean <= 0 or mean_before <= 0:
            return None
        ratio = float(atr[-1]) / mean
        if not (ratio > k >= atr[-2] / mean_before):
            return None
        return Firing(
            rule_id=self.id,
            direction="neutral",
            severity=STRONG if ratio >= 2 * k else NOTABLE,
            value=ratio,
            threshold=k,
            distance=ratio - k,
            unit="x average",
            sentence=(
                f"ATR(14) jumped to {_price(float(atr[-1]))}, {_num(ratio)}x its average of {_price(mean)} "
                f"over the previous {n} candles (spike line {_num(k)}x): volatility is expanding."
            ),
        )


@dataclass(frozen=True)
class NewsSentiment:
    """The news mood turns, judged at each candle's close from the coin's scored articles.

    Fires when the mean VADER compound of the last 24 hours crosses below
    ``low`` (-0.2, bearish) or above ``high`` (0.2, bullish) with at least
    ``min_articles`` (5) articles in those 24 hours; failing that, when the
    24-hour mean moves more than ``shift`` (0.25) away from the 7-day mean (a
    day unusually good or bad for this coin, whatever its usual tone). Crossing,
    as for the other rules: the condition holds at this candle's close and did
    not at the previous one's, both judged on the same articles; a previous
    close with no or too few articles counts as not holding. Reads the
    ``news_*`` columns (:mod:`.news_columns`): a frame without them (an analysis
    without news: the replay, news off) or with no article in the last 24 hours
    means the rule does not apply. Severity: notable; strong at twice the line
    (a mean of -0.4 or below, 0.4 or above; a shift of 0.5 or more).
    """

    id: ClassVar[str] = "news_sentiment"
    params: NewsSentimentParams = field(default_factory=NewsSentimentParams)

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        if len(frame) < 2 or not set(NEWS_COLUMNS) <= set(frame.columns):
            return None
        (mean_before, count_before, week_before), (mean, count, week) = (
            frame[list(NEWS_COLUMNS)].iloc[-2:].to_numpy(dtype=float)
        )
        p = self.params
        if not (np.isfinite(mean) and np.isfinite(week) and count >= p.min_articles):
            return None
        enough_before = count_before >= p.min_articles  # NaN means (no article) compare False below
        n = int(count)
        if mean < p.low and not (enough_before and mean_before < p.low):
            return self._level(mean, p.low, n, "bearish")
        if mean > p.high and not (enough_before and mean_before > p.high):
            return self._level(mean, p.high, n, "bullish")
        shift, shift_before = mean - week, (mean_before - week_before) if enough_before else math.nan
        if shift > p.shift and not shift_before > p.shift:
            return self._shift(shift, mean, week, n, "bullish")
        if shift < -p.shift and not shift_before < -p.shift:
            return self._shift(shift, mean, week, n, "bearish")
        return None

    def _level(self, mean: float, line: float, n: int, direction: Direction) -> Firing:
        distance = abs(mean - line)
        tone, side = ("positive", "above") if direction == "bullish" else ("negative", "below")
        return Firing(
            rule_id=self.id,
            direction=direction,
            severity=STRONG if abs(mean) >= 2 * abs(line) else NOTABLE,
            value=float(mean),
            threshold=line,
            distance=distance,
            unit="VADER score",
            sentence=(
                f"News turned {tone}: the {n} articles of the last 24 hours average a VADER score of "
                f"{_num(mean, 2)}, {side} the {_num(line, 2)} line ({_num(distance, 2)} past it)."
            ),
        )

    def _shift(self, shift: float, mean: float, week: float, n: int, direction: Direction) -> Firing:
        line = self.params.shift
        tone, side = ("positive", "above") if direction == "bullish" else ("negative", "below")
        return Firing(
            rule_id=self.id,
            direction=direction,
            severity=STRONG if abs(shift) >= 2 * line else NOTABLE,
            value=float(shift),
            threshold=line if direction == "bullish" else -line,
            distance=abs(shift) - line,
            unit="VADER score",
            sentence=(
                f"News is unusually {tone}: the {n} articles of the last 24 hours average {_num(mean, 2)}, "
                f"{_num(abs(shift), 2)} {side} the 7-day average of {_num(week, 2)} "
                f"(shift line {_num(line, 2)})."
            ),
        )


# --- configuration and evaluation -------------------------------------------------------

#: Every rule, in the order firings are reported.
RULE_TYPES: tuple[type, ...] = (
    RsiOversold,
    RsiOverbought,
    MacdCross,
    BollingerBreakout,
    BollingerSqueeze,
    EmaCross,
    GoldenDeathCross,
    Sma20Cross,
    AdxTrend,
    VolumeSpike,
    PriceChange1h,
    PriceChange24h,
    FibCross,
    ObvDivergence,
    AtrSpike,
    NewsSentiment,
)
RULES_BY_ID: dict[str, type] = {cls.id: cls for cls in RULE_TYPES}


def _params_type(rule_type: type) -> type:
    return next(f for f in fields(rule_type) if f.name == "params").default_factory  # type: ignore[return-value]


def _coerce(rule_id: str, name: str, raw: Any, default: Any) -> Any:
    """A config value as the type of the param's default (YAML may write ``3`` for ``3.0``)."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise ValueError(f"rule {rule_id!r}: param {name!r} must be a number, got {raw!r}")
    if isinstance(default, int):
        if float(raw) != int(raw):
            raise ValueError(f"rule {rule_id!r}: param {name!r} must be a whole number of candles, got {raw!r}")
        return int(raw)
    if not math.isfinite(raw):
        raise ValueError(f"rule {rule_id!r}: param {name!r} must be finite, got {raw!r}")
    return float(raw)


def _build(rule_id: str, overrides: Any) -> Rule | None:
    rule_type = RULES_BY_ID[rule_id]
    if overrides is None:
        overrides = {}
    if not isinstance(overrides, Mapping):
        raise ValueError(f"rule {rule_id!r}: expected a mapping of params, got {overrides!r}")
    overrides = dict(overrides)
    enabled = overrides.pop("enabled", True)
    if not isinstance(enabled, bool):
        raise ValueError(f"rule {rule_id!r}: 'enabled' must be true or false, got {enabled!r}")
    params_type = _params_type(rule_type)
    defaults = params_type()
    known = [f.name for f in fields(params_type)]
    unknown = [name for name in overrides if name not in known]
    if unknown:
        accepted = f"known params: {', '.join(known)}" if known else "it takes no params"
        raise ValueError(f"rule {rule_id!r}: unknown param {', '.join(map(repr, unknown))} ({accepted}, enabled)")
    values = {name: _coerce(rule_id, name, raw, getattr(defaults, name)) for name, raw in overrides.items()}
    try:
        params = params_type(**values)
    except ValueError as exc:
        raise ValueError(f"rule {rule_id!r}: {exc}") from None
    return rule_type(params) if enabled else None


def build_rules(config: RuleConfig | None = None) -> list[Rule]:
    """Every rule with its defaults, overridden by ``config``; rules with ``enabled: false`` left out.

    Every problem is reported at once, one per line, each naming the rule and
    the param.
    """
    config = {} if config is None else config
    if not isinstance(config, Mapping):
        raise ValueError(f"rule config must be a mapping of rule id to params, got {config!r}")
    problems = [
        f"unknown rule {rule_id!r} (known rules: {', '.join(RULES_BY_ID)})"
        for rule_id in config
        if rule_id not in RULES_BY_ID
    ]
    rules: list[Rule] = []
    for rule_id in RULES_BY_ID:
        try:
            rule = _build(rule_id, config.get(rule_id))
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if rule is not None:
            rules.append(rule)
    if problems:
        raise ValueError("\n".join(problems))
    return rules


def evaluate_all(frame: pd.DataFrame, rules: Iterable[Rule], timeframe_ms: int) -> list[Firing]:
    """The firings of ``rules`` on the last row of ``frame``, in rule order."""
    if isinstance(timeframe_ms, bool) or not isinstance(timeframe_ms, (int, np.integer)) or timeframe_ms <= 0:
        raise ValueError(f"timeframe_ms must be a positive whole number of milliseconds, got {timeframe_ms!r}")
    return [firing for rule in rules if (firing := rule.evaluate(frame, timeframe_ms)) is not None]
