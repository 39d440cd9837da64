"""How unusual a firing's candle is, measured against this series' own history.

A rule firing says *that* something happened (RSI under 30, a cross, a spike);
on a real hourly market most of that is routine: ``fib_cross`` fires about 35
times a week. What makes an email worth opening is how rare the event is for
*this* series, so every firing carries a :class:`~crypto_advisor.contracts.signal.Rarity`
built here from the window the analysis already holds.

The measure is a **record length**: the candle is the most extreme of its kind
in ``N`` candles. Four kinds, each read off the indicator frame:

- ``move``: the close-to-close move, signed the way the firing points (the
  largest rise for a bullish firing, the largest drop for a bearish one, the
  largest either way for a neutral one), also stated in units of the series'
  recent volatility ("a 3.1 sigma drop");
- ``volume``: the candle's volume ("the largest hourly volume in 12 days");
- ``range``: the close against the closes before it: the range it broke ("the
  highest close in 43 days");
- ``calm``: the Bollinger band width, for the squeeze ("the narrowest band in
  9 days");
- ``own_move``: the coin's own part of the move, beyond what BTC's move on the
  same candle implied at the coin's recent beta
  (:mod:`crypto_advisor.analysis.market_context`), against the own moves of
  the candles the beta was measured on ("the largest hourly drop beyond what
  BTC implied in 12 days"). When the analysis has it (the watchlist has a BTC
  series of this timeframe, and this is not BTC), it **stands in for**
  ``move``: a coin that fell 5% on the hour BTC fell 4% merely followed the
  market, and only what it did on its own is news about it. The market-wide
  move itself is the market email's (:mod:`crypto_advisor.notify.market`).
  Record lengths of any exchangeable sequence share one distribution (a record
  of ``n`` or more has odds ``1/n``), so the bar the training run calibrates
  on the moves of the series alone holds for the own moves too.

Why record lengths rather than z-scores or percentiles of a fitted model: they
need no distribution (crypto returns are fat-tailed, and a normal sigma
understates their tails), they mean the same on every coin and timeframe, they
read as a sentence a trader already uses, and a series' own history says how
often each length occurs, which is what the alert budget calibrates against
(:mod:`crypto_advisor.analysis.alert_budget`). A record can be no longer than
the window the analysis sees (720 candles: 30 days of hourly candles); such a
record is ``capped`` and reads "in at least 30 days".

Which measures speak for which rule: price rules (crosses, oscillators,
breakouts, moves) are judged by the move and the range; volume rules also by
the volume; the squeeze by the calm. A user's own condition, or a rule this
module does not know, by all of move, range and volume. The firing's score is
the longest record among its measures. A series without a candle's own volume
(a CoinGecko series shorter than a day) is measured on a frame whose volume
is blank (:func:`~crypto_advisor.analysis.missing_volume.judged_frame`): its
volume record is None, as for a missing volume, and the other measures speak.

Pure: the indicator frame (pandas, as the rules read it) in, numbers out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crypto_advisor.analysis.firing import Direction
from crypto_advisor.contracts.signal import Rarity, RarityMeasure
from crypto_advisor.contracts.units import DAY_MS, HOUR_MS, MINUTE_MS, WEEK_MS
from crypto_advisor.market.indicator_spec import DEFAULT_PARAMS

#: Returns before the candle that make the volatility its move is measured in (10 days of hourly candles).
SIGMA_LOOKBACK = 240
#: Below this many sigmas a move is not worth naming in sigmas.
SIGMA_WORTH_SAYING = 2.0

_PRICE: tuple[RarityMeasure, ...] = ("move", "range")
_VOLUME: tuple[RarityMeasure, ...] = ("move", "range", "volume")
#: Rule id -> the measures that say how unusual its event is. Unknown ids (user conditions) get :data:`_VOLUME`.
MEASURES_BY_RULE: dict[str, tuple[RarityMeasure, ...]] = {
    "rsi_oversold": _PRICE,
    "rsi_overbought": _PRICE,
    "macd_cross": _PRICE,
    "bb_breakout": _PRICE,
    "bb_squeeze": ("calm",),
    "ema_cross": _PRICE,
    "golden_death_cross": _PRICE,
    "sma20_cross": _PRICE,
    "adx_trend": _PRICE,
    "volume_spike": _VOLUME,
    "price_change_1h": _PRICE,
    "price_change_24h": _PRICE,
    "fib_cross": _PRICE,
    "obv_divergence": _VOLUME,
    "atr_spike": _PRICE,
    "news_sentiment": _VOLUME,
}
#: Rules whose direction is the turn they anticipate, against the candle's move: RSI falls under its oversold line
#: (bullish) on a drop and over its overbought line (bearish) on a rise, and an OBV divergence is bearish on a new
#: high, bullish on a new low. Their rarity is the move's that made them fire (:func:`moved`).
AGAINST_THE_MOVE = frozenset({"rsi_oversold", "rsi_overbought", "obv_divergence"})


@dataclass(frozen=True, slots=True)
class CandleMeasures:
    """The last candle of a window, measured against the candles before it.

    Records are in candles (None: the frame has no usable values for that
    measure); ``*_capped`` says the record reached the start of the window.
    """

    candles_before: int
    rise_record: int | None
    drop_record: int | None
    move_record: int | None
    move_sigma: float | None
    volume_record: int | None
    volume_multiple: float | None
    high_record: int | None
    low_record: int | None
    calm_record: int | None
    #: the own move's records (None: no BTC reference, or the own move is flat) and its size in sigmas
    own_rise_record: int | None = None
    own_drop_record: int | None = None
    own_move_record: int | None = None
    own_sigma: float | None = None
    #: own moves before the candle (the beta's common candles), the cap of the own records
    own_candles_before: int = 0
    #: moves (close-to-close returns) before the candle's: one fewer than the candles, the cap of the move records
    moves_before: int | None = None
    #: Bollinger widths known before the candle's (the first candles have none), the cap of the calm record
    widths_before: int | None = None

    @property
    def has_own(self) -> bool:
        return self.own_move_record is not None

    def capped(self, record: int | None, kind: RarityMeasure = "move") -> bool:
        """Whether ``record`` reached the start of what its measure can see: a move record counts moves, one fewer
        than the candles, so it reached the start at ``candles_before - 1`` (compared with ``candles_before`` it was
        never capped, and the window's largest move read "in 29 days" where the lowest close read "in at least")."""
        before = {
            "own_move": self.own_candles_before,
            "move": self.moves_before,
            "calm": self.widths_before,
        }.get(kind)
        return record is not None and record >= (self.candles_before if before is None else before)


def record_length(values: np.ndarray, *, largest: bool) -> int | None:
    """Candles since a value at least as extreme as the last one (the whole history when there is none).

    A value that is not known (NaN: a missing volume) may have been as extreme, so a record never reaches past it.
    """
    if len(values) < 2 or not math.isfinite(values[-1]):
        return None
    last, before = values[-1], values[:-1]
    unknown = np.isnan(before)
    as_extreme = np.flatnonzero((before >= last) | unknown if largest else (before <= last) | unknown)
    return int(len(before) - as_extreme[-1]) if len(as_extreme) else len(before)


def move_sigma(closes: np.ndarray) -> float | None:
    """The last close-to-close log return in units of the standard deviation of up to :data:`SIGMA_LOOKBACK` before it.

    None with fewer than 20 returns before it, or no spread. One definition for
    the rarity's words, the market context's size of the move and the market
    email's 2-sigma test.
    """
    if len(closes) < 21:
        return None
    returns = np.diff(np.log(closes))
    past = returns[-SIGMA_LOOKBACK - 1 : -1]
    sigma = float(np.std(past, ddof=1))
    return float(returns[-1] / sigma) if sigma > 0 and math.isfinite(sigma) else None


def measure(frame: pd.DataFrame, own: np.ndarray | None = None, own_sigma: float | None = None) -> CandleMeasures:
    """The records and multiples of the frame's last candle (the candle the analysis judges).

    ``own`` are the coin's own moves beyond what BTC implied, the candle's
    last (:class:`~crypto_advisor.analysis.market_context.OwnMoves`), and
    ``own_sigma`` their spread; None without a reference.
    """
    close = frame["close"].to_numpy(dtype=float)
    volume = frame["volume"].to_numpy(dtype=float)
    returns = np.diff(np.log(close)) if len(close) >= 2 else np.array([])
    volume_multiple: float | None = None
    average_column = DEFAULT_PARAMS.volume_ma_column
    if average_column in frame and len(frame) >= 2:
        average = float(frame[average_column].iloc[-2])
        known = math.isfinite(volume[-1]) and math.isfinite(average) and average > 0
        volume_multiple = float(volume[-1] / average) if known else None
    width = frame["bb_width"].to_numpy(dtype=float) if "bb_width" in frame else np.array([])
    width = width[np.isfinite(width)]
    return CandleMeasures(
        candles_before=len(close) - 1,
        rise_record=record_length(returns, largest=True) if len(returns) and returns[-1] > 0 else None,
        drop_record=record_length(returns, largest=False) if len(returns) and returns[-1] < 0 else None,
        move_record=record_length(np.abs(returns), largest=True) if len(returns) else None,
        move_sigma=move_sigma(close),
        volume_record=record_length(volume, largest=True),
        volume_multiple=volume_multiple,
        high_record=record_length(close, largest=True),
        low_record=record_length(close, largest=False),
        calm_record=record_length(width, largest=False) if len(width) >= 2 else None,
        **_own_records(own, own_sigma),
        moves_before=max(len(returns) - 1, 0),
        widths_before=max(len(width) - 1, 0),
    )


def _own_records(own: np.ndarray | None, sigma: float | None) -> dict[str, Any]:
    """The :class:`CandleMeasures` fields of the own moves (none without them)."""
    if own is None or len(own) < 2:
        return {}
    last = float(own[-1])
    return {
        "own_rise_record": record_length(own, largest=True) if last > 0 else None,
        "own_drop_record": record_length(own, largest=False) if last < 0 else None,
        "own_move_record": record_length(np.abs(own), largest=True),
        "own_sigma": last / sigma if sigma else None,
        "own_candles_before": len(own) - 1,
    }


def span(candles: int, timeframe_ms: int) -> str:
    """``candles`` of ``timeframe_ms`` as a trader says it: ``30 hours``, ``12 days``, ``9 weeks``."""
    ms = candles * timeframe_ms
    for unit_ms, name, at_least in (
        (WEEK_MS, "week", 8 * WEEK_MS),
        (DAY_MS, "day", 2 * DAY_MS),
        (HOUR_MS, "hour", HOUR_MS),
        (MINUTE_MS, "minute", 0),
    ):
        if ms >= at_least and ms >= unit_ms:
            n = ms // unit_ms
            return f"{n:,} {name}{'' if n == 1 else 's'}"
    return f"{candles} candles"


def _candle_word(timeframe_ms: int) -> str:
    words = {MINUTE_MS * 15: "15-minute", HOUR_MS: "hourly", 4 * HOUR_MS: "4-hour", DAY_MS: "daily", WEEK_MS: "weekly"}
    return words.get(timeframe_ms, "candle's")


def _the_way(direction: Direction, bullish: int | None, bearish: int | None, either: int | None) -> int | None:
    """The record that speaks for a firing pointing ``direction``: a rise's, a drop's, or one either way."""
    return bullish if direction == "bullish" else bearish if direction == "bearish" else either


def _range_record(m: CandleMeasures, direction: Direction) -> int | None:
    if direction == "bullish":
        return m.high_record
    if direction == "bearish":
        return m.low_record
    return max(m.high_record or 0, m.low_record or 0) or None


def _rose(m: CandleMeasures, kind: RarityMeasure) -> bool:
    """Whether the candle's own move (``kind`` "own_move": its own part) went up.

    Read off the move itself, not its sigma: the sigma is None with fewer
    than 21 closes or flat returns before the candle, and a rise must not read
    as a drop then. The rise record is set exactly when the move is positive.
    """
    return (m.own_rise_record if kind == "own_move" else m.rise_record) is not None


def _words(kind: RarityMeasure, record: int, m: CandleMeasures, direction: Direction, timeframe_ms: int) -> str:
    within = f"in {'at least ' if m.capped(record, kind) else ''}{span(max(record, 1), timeframe_ms)}"
    candle = _candle_word(timeframe_ms)
    if kind in ("move", "own_move"):
        sigma = m.move_sigma if kind == "move" else m.own_sigma
        way = "rise" if _rose(m, kind) else "drop"
        beyond = " beyond what BTC implied" if kind == "own_move" else ""
        text = f"the largest {candle} {way}{beyond} {within}"
        if sigma is not None and abs(sigma) >= SIGMA_WORTH_SAYING:
            text += f" ({abs(sigma):.1f} sigma)"
        return text
    if kind == "volume":
        text = f"the largest {candle} volume {within}"
        if m.volume_multiple is not None:
            text += f" ({m.volume_multiple:.1f}x its average)"
        return text
    if kind == "range":
        high = direction == "bullish" or (direction == "neutral" and (m.high_record or 0) >= (m.low_record or 0))
        return f"the {'highest' if high else 'lowest'} close {within}"
    return f"the narrowest Bollinger band {within}"


def moved(rule_id: str, direction: Direction) -> Direction:
    """The way the candle moved when ``rule_id`` fired pointing ``direction``: the way its rarity is measured.

    Most rules point the way the price went. Those in :data:`AGAINST_THE_MOVE`
    point to the turn they anticipate: an oversold RSI (bullish) fires on a
    drop, so its candle is as rare as that drop, and measured as a rise it
    would always read "a routine candle" and never reach the alert bar.
    """
    if rule_id in AGAINST_THE_MOVE and direction != "neutral":
        return "bearish" if direction == "bullish" else "bullish"
    return direction


def rarity(rule_id: str, direction: Direction, m: CandleMeasures, timeframe_ms: int) -> Rarity:
    """The rarity of a ``rule_id`` firing pointing ``direction`` on the measured candle.

    Measured the way the candle moved (:func:`moved`). With the coin's own move
    measured (a BTC reference), ``own_move`` takes the place of ``move`` among
    the rule's measures.
    """
    measures = MEASURES_BY_RULE.get(rule_id, _VOLUME)
    if m.has_own:
        measures = tuple("own_move" if kind == "move" else kind for kind in measures)
    direction = moved(rule_id, direction)
    records: dict[RarityMeasure, int | None] = {
        "move": _the_way(direction, m.rise_record, m.drop_record, m.move_record),
        "own_move": _the_way(direction, m.own_rise_record, m.own_drop_record, m.own_move_record),
        "volume": m.volume_record,
        "range": _range_record(m, direction),
        "calm": m.calm_record,
    }
    best: tuple[int, RarityMeasure] | None = None
    for kind in measures:
        record = records[kind]
        if record is not None and (best is None or record > best[0]):
            best = (record, kind)

    def rounded(value: float | None) -> float | None:
        return round(value, 3) if value is not None else None

    def said(score: float, kind: RarityMeasure, words: str, capped: bool = False) -> Rarity:
        return Rarity(
            score=score,
            measure=kind,
            words=words,
            capped=capped,
            move_sigma=rounded(m.move_sigma),
            volume_multiple=rounded(m.volume_multiple),
            move_record=records["move"],
            volume_record=m.volume_record,
            range_record=records["range"],
            own_move_record=records["own_move"],
            own_move_sigma=rounded(m.own_sigma),
        )

    if best is None or best[0] < 2:
        return said(float(best[0]) if best else 0.0, "none", "a routine candle")
    record, kind = best
    return said(float(record), kind, _words(kind, record, m, direction, timeframe_ms), m.capped(record, kind))


def rarities(
    firings: Sequence[tuple[str, Direction]],
    frame: pd.DataFrame,
    timeframe_ms: int,
    own: np.ndarray | None = None,
    own_sigma: float | None = None,
) -> list[Rarity]:
    """One :class:`Rarity` per ``(rule_id, direction)``, all measured on the frame's last candle once.

    ``own`` and ``own_sigma``: the coin's own moves beyond what BTC implied (see :func:`measure`).
    """
    if not firings:
        return []
    m = measure(frame, own, own_sigma)
    return [rarity(rule_id, direction, m, timeframe_ms) for rule_id, direction in firings]
