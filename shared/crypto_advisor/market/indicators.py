"""Every indicator of :mod:`.indicator_spec`, fast: numpy and pandas' compiled windows, no Python loops.

Each indicator reproduces ``ta``'s definition, seeding included, so that the
unit tests can prove it equal to ``ta`` itself (``tests/oracles``) to 1e-9
relative, and equal to TA-Lib after warm-up; OBV and MFI follow TA-Lib and
the standard where ``ta`` departs from it (an unchanged close, a tie of
typical prices: :data:`.indicator_spec.DIFFERS_FROM_TA`). Where ``ta`` uses a
Python loop (ATR, ADX) or a Python callback per window (MFI) this module uses
the same recurrence in a vectorised form:

- Wilder smoothing ``s_t = s_t-1 * (n - 1) / n + x_t / n`` is pandas'
  ``ewm(alpha=1/n, adjust=False)`` (compiled). ``ta`` starts ATR and ADX from
  the plain mean of their first ``n`` inputs; here that mean is placed at the
  seed row with NaN before it, and ``ewm`` (which starts at its first
  observation) carries on from it.
- ``ta``'s +DI/-DI smooth *sums* (``S_t = S_t-1 - S_t-1 / n + x_t``), which is
  ``n`` times the Wilder average; the factor cancels in the ratio +DM / TR.
- Rolling windows are trailing windows over ``sliding_window_view``: row ``t``
  reads rows ``t - window + 1 .. t`` and nothing else.

No value at row ``t`` depends on a row after ``t`` (no centred windows, no
backfill); rows before an indicator's first full window are NaN, including
the rows where ``ta`` writes a placeholder ``0.0`` (see the reference module).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crypto_advisor.contracts.candle import COLUMNS, Candle
from crypto_advisor.market.frame import to_frame
from crypto_advisor.market.indicator_spec import DEFAULT_PARAMS, FIB_RATIOS, TYPICAL_PRICE_TIE, IndicatorParams
from crypto_advisor.market.windows import rolling as _rolling
from crypto_advisor.market.windows import shift as _shift


@dataclass(frozen=True, slots=True)
class IndicatorFrame:
    """What :func:`compute` returned, labelled with the parameters it was computed with.

    An indicator frame is built once per series update and read by the rules
    and by the forecast features. The label is what makes that sharing safe:
    some columns (``bb_pctb``, ``macd``, the ``fib_*`` levels) do not name the
    periods behind them, so a reader that needs the standard set checks
    ``params`` instead of trusting the column names.
    """

    frame: pd.DataFrame
    params: IndicatorParams = DEFAULT_PARAMS


def indicator_frame(candles: Sequence[Candle], params: IndicatorParams = DEFAULT_PARAMS) -> IndicatorFrame:
    """The indicator frame of a run of candles (oldest first), for every reader of one series update."""
    return IndicatorFrame(compute(to_frame(candles), params), params)


def compute(df: pd.DataFrame, params: IndicatorParams = DEFAULT_PARAMS) -> pd.DataFrame:
    """The input columns followed by every indicator column of ``params``.

    ``df`` is an OHLCV frame (:mod:`.frame`), oldest candle first; it is not
    modified. Input columns named like an indicator are replaced. The index of
    ``df`` is kept.
    """
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"frame lacks columns {missing}")
    high, low, close, volume = (df[c].to_numpy(dtype=np.float64) for c in ("high", "low", "close", "volume"))
    with np.errstate(divide="ignore", invalid="ignore"):
        values = _indicators(high, low, close, volume, params)
    names = params.columns
    block = np.column_stack([values[n] for n in names]) if len(close) else np.empty((0, len(names)))
    indicators = pd.DataFrame(block, columns=list(names), index=df.index)
    replaced = [c for c in names if c in df.columns]
    return pd.concat([df.drop(columns=replaced) if replaced else df, indicators], axis=1)


def _indicators(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, volume: np.ndarray, p: IndicatorParams
) -> dict[str, np.ndarray]:
    rows = len(close)
    out: dict[str, np.ndarray] = {}
    prev_close = _shift(close, 1)

    emas: dict[int, np.ndarray] = {}

    def ema(span: int) -> np.ndarray:
        if span not in emas:
            emas[span] = _ewm(close, span=span, min_periods=span)
        return emas[span]

    for period in p.ema_periods:
        out[p.ema_column(period)] = ema(period)
    for period in p.sma_periods:
        out[p.sma_column(period)] = _rolling(close, period, np.mean)

    fast, slow, sign = p.macd
    macd = ema(fast) - ema(slow)
    signal = _ewm(macd, span=sign, min_periods=sign)
    out["macd"] = macd
    out["macd_signal"] = signal
    out["macd_hist"] = macd - signal

    # Everything Wilder-smoothed goes through one ewm call per period (pandas' cost is per call).
    # RSI: ta's diff is NaN on row 0, which its `where` turns into a 0.0 gain and loss.
    diff = close - prev_close
    gain = np.where(diff > 0, diff, 0.0)
    loss = -np.where(diff < 0, diff, 0.0)
    true_range = np.maximum(high, prev_close) - np.minimum(low, prev_close)
    if rows:
        true_range[0] = high[0] - low[0]  # ta's ATR: no previous close, the range alone
    up = high - _shift(high, 1)
    down = _shift(low, 1) - low
    plus_dm = np.where((up > down) & (up > 0), up, 0.0)
    minus_dm = np.where((down > up) & (down > 0), down, 0.0)
    inputs: dict[str, tuple[np.ndarray, int]] = {"gain": (gain, p.rsi), "loss": (loss, p.rsi)}
    if rows >= p.atr:
        inputs["atr"] = (_seeded(true_range, first=0, n=p.atr), p.atr)
    if rows > p.adx:
        # ta's ADX seeds from rows 1 .. n: row 0 has no previous candle.
        inputs["tr"] = (_seeded(true_range, first=1, n=p.adx), p.adx)
        inputs["plus_dm"] = (_seeded(plus_dm, first=1, n=p.adx), p.adx)
        inputs["minus_dm"] = (_seeded(minus_dm, first=1, n=p.adx), p.adx)
    smooth = _wilder(inputs)

    avg_gain, avg_loss = smooth["gain"], smooth["loss"]
    avg_gain[: p.rsi - 1] = np.nan  # ta's min_periods=n
    avg_loss[: p.rsi - 1] = np.nan
    out[p.rsi_column] = np.where(avg_loss == 0, 100.0, 100 - 100 / (1 + avg_gain / avg_loss))
    out[p.mfi_column] = _mfi(high, low, close, volume, p.mfi)

    window, devs = p.bb
    middle = _rolling(close, window, np.mean)
    spread = devs * _rolling_std(close, window, ddof=0)
    upper = middle + spread
    lower = middle - spread
    width = upper - lower
    out["bb_upper"] = upper
    out["bb_middle"] = middle
    out["bb_lower"] = lower
    out["bb_pctb"] = (close - lower) / np.where(upper != lower, width, np.nan)
    out["bb_width"] = width / middle * 100

    out.update(_adx(smooth, rows, p))
    out[p.atr_column] = smooth.get("atr", np.full(rows, np.nan))

    out["obv"] = _obv(close, prev_close, volume)
    vpt = np.full(rows, np.nan)
    vpt[1:] = _cumulative((close[1:] / close[:-1] - 1) * volume[1:], volume[1:])
    out["vpt"] = vpt
    before = _shift(close, p.roc)
    out[p.roc_column] = (close - before) / before * 100

    log_returns = np.log(close / prev_close)
    volatility = np.full(rows, np.nan)
    volatility[1:] = _rolling_std(log_returns[1:], p.volatility_window, ddof=1)
    out[p.volatility_column] = volatility
    out[p.volume_ma_column] = _rolling(volume, p.volume_ma, np.mean)

    swing_high = _rolling(high, p.fib_lookback, np.max)
    swing_low = _rolling(low, p.fib_lookback, np.min)
    out["fib_high"] = swing_high
    out["fib_low"] = swing_low
    swing = swing_high - swing_low
    for ratio in FIB_RATIOS:
        out[p.fib_column(ratio)] = swing_high - ratio * swing
    return out


def _adx(smooth: dict[str, np.ndarray], rows: int, p: IndicatorParams) -> dict[str, np.ndarray]:
    """ADX, +DI and -DI as ta computes them, from the Wilder-smoothed TR, +DM and -DM.

    ta seeds the smoothed TR, +DM and -DM at row ``n`` from rows ``1 .. n``,
    writes +DI/-DI from row ``n + 1`` on (it leaves row ``n`` unset), and seeds
    ADX at row ``2n - 1`` with the mean of DX over rows ``n .. 2n - 1``. A zero
    smoothed TR gives DI 0, and DI+ + DI- = 0 gives DX 0, as in ta.
    """
    n = p.adx
    adx, plus, minus = np.full(rows, np.nan), np.full(rows, np.nan), np.full(rows, np.nan)
    if "tr" in smooth:
        tr = smooth["tr"]
        plus_di = np.where(tr != 0, 100 * smooth["plus_dm"] / tr, 0.0)
        minus_di = np.where(tr != 0, 100 * smooth["minus_dm"] / tr, 0.0)
        plus[n + 1 :] = plus_di[n + 1 :]
        minus[n + 1 :] = minus_di[n + 1 :]
        if rows >= 2 * n:
            total = plus_di + minus_di
            dx = np.where(total != 0, 100 * np.abs(plus_di - minus_di) / total, 0.0)
            adx = _wilder({"dx": (_seeded(dx, first=n, n=n), n)})["dx"]
    return {p.adx_column: adx, p.plus_di_column: plus, p.minus_di_column: minus}


def _seeded(x: np.ndarray, *, first: int, n: int) -> np.ndarray:
    """``x`` made ready for Wilder smoothing seeded at row ``first + n - 1`` with the mean of ``x[first : first + n]``.

    Rows before the seed row become NaN: ewm starts at its first observation,
    which is then the seed. Needs ``len(x) >= first + n``.
    """
    seed = first + n - 1
    seeded = x.copy()
    seeded[:seed] = np.nan
    seeded[seed] = x[first : seed + 1].mean()
    return seeded


def _wilder(inputs: dict[str, tuple[np.ndarray, int]]) -> dict[str, np.ndarray]:
    """Wilder's average (``ewm(alpha=1/n, adjust=False)``) of each ``name: (values, n)``, one pandas call per ``n``."""
    out: dict[str, np.ndarray] = {}
    for n in sorted({n for _, n in inputs.values()}):
        names = [name for name, (_, period) in inputs.items() if period == n]
        block = pd.DataFrame(np.column_stack([inputs[name][0] for name in names]))
        smoothed = block.ewm(alpha=1 / n, adjust=False).mean().to_numpy()
        for i, name in enumerate(names):
            out[name] = smoothed[:, i].copy()
    return out


def _ewm(x: np.ndarray, **kwargs: float) -> np.ndarray:
    """pandas' exponentially weighted mean, not adjusted (a plain recurrence), starting at the first non-NaN."""
    return pd.Series(x).ewm(adjust=False, **kwargs).mean().to_numpy()


def _obv(close: np.ndarray, prev_close: np.ndarray, volume: np.ndarray) -> np.ndarray:
    """Granville's on-balance volume: the volume added on a higher close, taken on a lower one, not on an equal one.

    ``ta`` adds the volume on an unchanged close; Granville, StockCharts and
    TA-Lib leave OBV where it was, which is what a trader reading OBV expects
    (issue 13 measured ``ta``'s OBV drifting 1.9% from TA-Lib's over 1,000
    real hourly BTC candles). Closes are compared exactly: an unchanged close is the same
    quoted price, which parses to the same float. Row 0 is the first volume, as
    in TA-Lib and ``ta``.
    """
    step = np.where(close > prev_close, volume, np.where(close < prev_close, -volume, 0.0))
    if len(step):
        step[0] = volume[0]
    return _cumulative(step, volume)


def _cumulative(step: np.ndarray, volume: np.ndarray) -> np.ndarray:
    """The running sum of ``step``, NaN on a candle whose volume is missing, carrying on from the last known level.

    A missing volume (NaN in the frame: :mod:`crypto_advisor.contracts.candle`)
    is an unknown step: the level after it is known only up to that step, so
    the changes of OBV and VPT stay true on either side of it while a
    comparison of levels across it is not (the rules never make one: they skip
    a candle whose window holds a missing volume, :mod:`crypto_advisor.analysis.missing_volume`).
    The sum never turns NaN for good: one missing volume would otherwise blank
    OBV for the whole window.
    """
    missing = np.isnan(volume)
    total = np.cumsum(np.where(missing, 0.0, step))
    total[missing] = np.nan
    return total


def _mfi(high: np.ndarray, low: np.ndarray, close: np.ndarray, volume: np.ndarray, n: int) -> np.ndarray:
    """The money flow index; row 0 (no previous typical price) counts as a flat candle, as in ta.

    Typical prices closer than :data:`TYPICAL_PRICE_TIE` of their sum count
    as equal (no flow that candle), as in TA-Lib: two candles whose typical
    prices are equal in decimal (``(1.03 + 1.00 + 1.03) / 3`` and
    ``(1.02 + 1.02 + 1.02) / 3``) differ in the last bit as floats, and exact
    equality (``ta``'s) would count a whole candle's money flow as outflow.
    """
    typical = (high + low + close) / 3.0
    before = _shift(typical, 1)
    tie = TYPICAL_PRICE_TIE * (np.abs(typical) + np.abs(before))
    change = typical - before
    direction = np.where(change > tie, 1, np.where(change < -tie, -1, 0))
    flow = typical * volume * direction
    unknown = np.isnan(volume)  # a missing volume: the window's flow is not known (NaN), never taken as none
    inflow = _rolling(np.where(unknown, np.nan, np.where(flow >= 0.0, flow, 0.0)), n, np.sum)
    outflow = np.abs(_rolling(np.where(unknown, np.nan, np.where(flow < 0.0, flow, 0.0)), n, np.sum))
    return 100 - 100 / (1 + inflow / outflow)


def _rolling_std(x: np.ndarray, window: int, *, ddof: int) -> np.ndarray:
    """pandas' rolling standard deviation (what ta uses): the same online algorithm, so the same last bits."""
    return pd.Series(x).rolling(window, min_periods=window).std(ddof=ddof).to_numpy()
