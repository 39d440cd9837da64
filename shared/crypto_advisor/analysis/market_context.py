"""The market around a closed candle: the coin's move against BTC's at its recent beta, and the trends above it.

A coin that fell 5% on the hour BTC fell 4% did what coins do; one that fell
9% broke away. And a drop inside a daily uptrend reads differently from one
that continues a downtrend. Both are context a trader asks for first, so every
signal carries a :class:`~crypto_advisor.contracts.market_context.MarketContext`
built here, from the window the analysis already holds and, for the beta, the
watchlist's BTC series of the same timeframe (read by the caller through the
same candle port).

**Beta.** The OLS slope (with intercept) of the coin's candle returns on BTC's,
over the common candles of the last :data:`BETA_SPAN_MS` (30 days) *before*
the candle being judged: the beta is what was known when the candle opened,
so a large move does not get to explain itself. Simple returns, from each
candle's close to the next one's, only between consecutive candles (a gap
makes no return), matched by candle time. At least :data:`MIN_BETA_RETURNS`
common returns, else no beta (and a note saying why). The implied move is
``beta * BTC's move`` and the coin's **own move** is the rest; the intercept
is left out of both (over 30 days of hours it is a hundredth of a percent, and
leaving it out keeps "implied" the product the email prints). The own move's
size is measured on the same candles' own moves: in sigmas (their standard
deviation) and as a record length, which the rarity score uses
(:mod:`crypto_advisor.analysis.rarity`'s ``own_move``).

**Trends.** For 4 h and 1 d, the trend as it stood when the candle opened:
the series' closes before the candle grouped into that timeframe's candles
(aligned to UTC, as exchanges align them; each one's close is its last
candle's close, the forming one's the close so far, a bucket with no candle
is skipped), and the last of them against their EMA 20 (alpha 2/21, started
at the first close: pandas' ``ewm(span=20, adjust=False)``): above is up,
below is down. The candle's move agrees with a trend that points its way.
A series on the trend's own timeframe uses its own candles (``resampled`` is
then False); a timeframe shorter than the series' is not shown (a daily
series has no 4 h trend); fewer than 20 of them (a 15-minute window is 7.5
days) gives no direction.

Pure: candles and arrays in, the contract out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crypto_advisor.analysis.rarity import move_sigma, record_length
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.market_context import BetaReading, MarketContext, TrendDirection, TrendReading
from crypto_advisor.contracts.series import TIMEFRAME_MS, Series
from crypto_advisor.contracts.units import DAY_MS

#: How far back the beta looks: a month, the horizon traders quote a coin's beta over.
BETA_SPAN_MS = 30 * DAY_MS
#: Fewer common returns than this make no beta: an OLS slope over a handful of candles is noise.
MIN_BETA_RETURNS = 20
#: The higher timeframes whose trend every alert states.
TREND_TIMEFRAMES: tuple[str, ...] = ("4h", "1d")
#: The EMA the trend's close is held against.
TREND_EMA = 20


@dataclass(frozen=True)
class Reference:
    """The watchlist's BTC series of the candle's timeframe and its stored candles (which may end before the candle)."""

    series: Series
    candles: Sequence[Candle]


@dataclass(frozen=True)
class OwnMoves:
    """The coin's own moves (beyond what BTC implied) over the beta's candles, the judged candle's last.

    What the rarity score's ``own_move`` measure reads; not stored.
    """

    residuals: np.ndarray
    sigma: float | None


@dataclass(frozen=True)
class Context:
    """What :func:`market_context` found: the contract for the Signal, and the own moves for the rarity score."""

    market: MarketContext
    own: OwnMoves | None


def _returns(ts: np.ndarray, closes: np.ndarray, timeframe_ms: int) -> tuple[np.ndarray, np.ndarray]:
    """(candle ts, simple return from the previous candle) for every candle whose previous candle is there."""
    consecutive = np.diff(ts) == timeframe_ms
    return ts[1:][consecutive], (closes[1:] / closes[:-1] - 1.0)[consecutive]


def beta_reading(
    coin_ts: np.ndarray,
    coin_closes: np.ndarray,
    reference: Reference,
    *,
    candle_ts: int,
    timeframe_ms: int,
) -> tuple[BetaReading | None, str | None, OwnMoves | None]:
    """The coin's move at ``candle_ts`` against BTC's at the coin's beta; or None and why not."""
    btc = [c for c in reference.candles if c.ts <= candle_ts]
    if not btc or btc[-1].ts != candle_ts:
        return None, f"BTC's candle of {reference.series.timeframe} was not stored yet when this one was analysed", None
    btc_ts = np.fromiter((c.ts for c in btc), dtype=np.int64, count=len(btc))
    btc_closes = np.fromiter((c.close for c in btc), dtype=np.float64, count=len(btc))
    c_ts, c_ret = _returns(coin_ts, coin_closes, timeframe_ms)
    b_ts, b_ret = _returns(btc_ts, btc_closes, timeframe_ms)
    common, ci, bi = np.intersect1d(c_ts, b_ts, assume_unique=True, return_indices=True)
    if not len(common) or common[-1] != candle_ts:
        return None, "this candle or BTC's has no previous candle to measure a move from", None
    past = common[:-1] >= candle_ts - BETA_SPAN_MS
    y, x = c_ret[ci[:-1][past]], b_ret[bi[:-1][past]]
    if len(x) < MIN_BETA_RETURNS or float(np.var(x)) <= 0:
        return None, f"too few common candles with BTC for a beta ({len(x)}, at least {MIN_BETA_RETURNS})", None
    x_mean, y_mean = float(x.mean()), float(y.mean())
    covariance = float(np.mean((x - x_mean) * (y - y_mean)))
    beta = covariance / float(np.var(x))
    y_std = float(np.std(y))
    correlation = covariance / (float(np.std(x)) * y_std) if y_std > 0 else 0.0
    move, btc_move = float(c_ret[ci[-1]]), float(b_ret[bi[-1]])
    implied = beta * btc_move
    own = move - implied
    residuals = y - beta * x
    spread = float(np.std(residuals, ddof=1))
    sigma = spread if spread > 0 and math.isfinite(spread) else None
    record = record_length(np.append(residuals, own), largest=own > 0) if own != 0 else None
    reading = BetaReading(
        reference=reference.series.key,
        btc_move=btc_move,
        beta=beta,
        correlation=correlation,
        returns=len(x),
        implied_move=implied,
        own_move=own,
        own_sigma=own / sigma if sigma is not None else None,
        own_record=record,
        own_capped=record is not None and record >= len(residuals),
    )
    return reading, None, OwnMoves(np.append(residuals, own), sigma)


def resampled_closes(ts: np.ndarray, closes: np.ndarray, bucket_ms: int) -> np.ndarray:
    """Each ``bucket_ms`` candle's close (its last candle's close), oldest first; buckets without a candle skipped."""
    if not len(ts):
        return closes[:0]
    buckets = ts // bucket_ms
    last_of_bucket = np.append(np.flatnonzero(np.diff(buckets) != 0), len(ts) - 1)
    return closes[last_of_bucket]


def ema_last(values: np.ndarray, span: int) -> float:
    """The last value of the EMA of ``values`` (alpha ``2 / (span + 1)``, started at the first value)."""
    alpha = 2.0 / (span + 1)
    ema = float(values[0])
    for value in values[1:]:
        ema += alpha * (float(value) - ema)
    return ema


def trend_readings(ts: np.ndarray, closes: np.ndarray, *, timeframe_ms: int, move: float) -> list[TrendReading]:
    """The 4 h and 1 d trends when the candle (the last of ``ts``) opened, and whether ``move`` agrees with each."""
    readings = []
    before_ts, before = ts[:-1], closes[:-1]
    for name in TREND_TIMEFRAMES:
        bucket_ms = TIMEFRAME_MS[name]
        if bucket_ms < timeframe_ms:
            continue
        series = resampled_closes(before_ts, before, bucket_ms)
        resampled = bucket_ms != timeframe_ms
        if len(series) < TREND_EMA:
            readings.append(TrendReading(timeframe=name, direction=None, candles=len(series), resampled=resampled))
            continue
        close, ema = float(series[-1]), ema_last(series, TREND_EMA)
        direction: TrendDirection | None = "up" if close > ema else "down" if close < ema else None
        agrees = None if direction is None or move == 0 else (move > 0) == (direction == "up")
        readings.append(
            TrendReading(
                timeframe=name,
                direction=direction,
                candles=len(series),
                resampled=resampled,
                close=close,
                ema=ema,
                agrees=agrees,
            )
        )
    return readings


def market_context(
    ts: np.ndarray,
    closes: np.ndarray,
    *,
    timeframe_ms: int,
    reference: Reference | None,
) -> Context | None:
    """The context of the last candle of ``ts``/``closes`` (the analysis window up to the judged candle).

    None when the candle has no previous candle to measure its move from.
    ``reference`` None: no beta (the watchlist has no BTC of this timeframe,
    or this is BTC).
    """
    if len(ts) < 2 or ts[-1] - ts[-2] != timeframe_ms:
        return None
    candle_ts = int(ts[-1])
    move = float(closes[-1] / closes[-2] - 1.0)
    beta: BetaReading | None = None
    note: str | None = None
    own: OwnMoves | None = None
    if reference is not None:
        beta, note, own = beta_reading(ts, closes, reference, candle_ts=candle_ts, timeframe_ms=timeframe_ms)
    market = MarketContext(
        move=move,
        move_sigma=move_sigma(closes),
        reference=reference.series.key if reference is not None else None,
        beta=beta,
        beta_note=note,
        trends=trend_readings(ts, closes, timeframe_ms=timeframe_ms, move=move),
    )
    return Context(market, own)
