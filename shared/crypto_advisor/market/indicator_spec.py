"""Which indicators the analysis computes, with what parameters, under what column names.

This is the one place that names indicator columns: :mod:`.indicators` (the fast
path), :mod:`.indicators_reference` (the ``ta`` library, the reference of truth)
and the trigger rules all take their names from here. Names carry the period
they were computed with, built from :class:`IndicatorParams`, so the defaults
give exactly :data:`INDICATOR_COLUMNS`:

``ema_9 ema_21 ema_50 ema_200``, ``sma_5 sma_10 sma_20 sma_50 sma_200``
    exponential (``ta``: span ``n``, not adjusted) and simple moving averages of close.
``rsi_14``
    Wilder's RSI of close.
``mfi_14``
    money flow index: the RSI of typical price weighted by volume; typical prices within
    :data:`TYPICAL_PRICE_TIE` of their sum count as unchanged (no flow), as in TA-Lib.
``macd macd_signal macd_hist``
    EMA(12) - EMA(26) of close, its EMA(9), and their difference.
``bb_upper bb_middle bb_lower bb_pctb bb_width``
    Bollinger bands (SMA(20) +- 2 population standard deviations), %b
    ``(close - lower) / (upper - lower)``, and width ``(upper - lower) / middle * 100``
    (``ta``'s definition: percent of the middle band).
``adx_14 plus_di_14 minus_di_14``
    Wilder's average directional index and directional indicators, as ``ta`` computes them.
``atr_14``
    Wilder's average true range.
``obv``, ``vpt``
    on-balance volume (Granville's: the volume added on a higher close, subtracted on a lower
    one, nothing on an unchanged one) and volume-price trend, cumulative from the first row of
    the frame (their level depends on where the frame starts; their changes do not).
``roc_12``
    rate of change of close over 12 candles, in percent.
``volatility_24``
    sample standard deviation (ddof=1) of the log returns ``ln(close_t / close_t-1)`` of the
    last 24 candles, per candle (not annualised).
``volume_ma_20``
    simple moving average of volume.
``fib_high fib_low fib_236 fib_382 fib_500 fib_618 fib_786``
    Fibonacci retracement levels of the last swing: ``fib_high`` and ``fib_low`` are the
    highest high and the lowest low of the last ``fib_lookback`` candles, candle ``t``
    included, and the level for ratio ``r`` is ``fib_high - r * (fib_high - fib_low)``
    (``fib_236`` is the shallowest retracement from the high, ``fib_786`` the deepest).

Every value at row ``t`` depends only on rows up to ``t``; rows before an
indicator's first full window are NaN.

A missing volume (``None`` in the candle, NaN in the frame) makes every
volume column NaN where it is read: ``volume_ma`` and ``mfi`` over any window
that holds it; ``obv`` and ``vpt`` on that candle, carrying on after it from
the last known level (their changes stay true; their levels across it do not
compare, and the rules do not compare them).

Two references hold these definitions (:func:`definitions`, proved by the unit
tests): ``ta``, whose seeding the fast path reproduces from the first row, and
TA-Lib, which the columns equal after warm-up (TA-Lib seeds its recurrences
from a plain mean, ``ta`` from the first value; the difference decays). Where
the two disagree on a definition, the project follows TA-Lib and the standard
behind it, and says so in :data:`DIFFERS_FROM_TA`.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Candles read per analysis (and per chart): Kraken's cap, enough for SMA 200 plus warm-up. Kept here, away
#: from pandas, so NotifyFunction can size its window without importing it.
WINDOW_CANDLES = 720

#: Retracement ratios, as the ``fib_<ratio * 1000>`` columns name them.
FIB_RATIOS: tuple[float, ...] = (0.236, 0.382, 0.5, 0.618, 0.786)

#: MFI's tie: two typical prices count as equal when they differ by at most this fraction of ``|a| + |b|``
#: (about 90 units in the last place). It is TA-Lib's own test (``TA_IS_ZERO_SCALED``, epsilon 1e-14): typical
#: prices equal in decimal differ in the last bits as floats (4e-12 at BTC's prices), while a real change of one
#: tick on a 0.1-dollar BTC quote is 1e-6 of the price, far outside it.
TYPICAL_PRICE_TIE = 1e-14

#: Where the project deliberately differs from ``ta``, by column family (the column name before its period), and
#: why. TA-Lib and the indicator's author agree with the project on each.
DIFFERS_FROM_TA: dict[str, str] = {
    "obv": (
        "an unchanged close leaves OBV unchanged (Granville, StockCharts, TA-Lib's OBV); ta adds the volume, "
        "so its OBV drifts with every unchanged close (issue 13 counted 916 in a year of hourly BTC candles) "
        "and feeds the "
        "divergence rule a trend that is not there"
    ),
    "mfi": (
        f"typical prices within {TYPICAL_PRICE_TIE:g} of their sum are equal (TA-Lib's MFI); ta compares floats "
        "exactly, so two typical prices equal in decimal can count a whole candle's money flow as outflow "
        "(issue 13: MFI 92.6 for TA-Lib's 100.0 on a real BTC candle)"
    ),
}


@dataclass(frozen=True, slots=True)
class Definition:
    """Which published definition one column follows, for the README and the tests that prove it."""

    #: the TA-Lib function (or expression of them) the column equals after warm-up; None: TA-Lib has none
    talib: str | None
    #: the ``ta`` indicator (or pandas expression) the column equals from its first row, except as :attr:`differs`
    ta: str
    #: where and why the column differs from ``ta`` (:data:`DIFFERS_FROM_TA`), None when it does not
    differs: str | None = None


def column_family(column: str) -> str:
    """The column's name without its period: ``ema_9`` -> ``ema``, ``plus_di_14`` -> ``plus_di``, ``macd`` as is."""
    head, _, tail = column.rpartition("_")
    return head if head and tail.isdigit() else column


@dataclass(frozen=True, slots=True)
class IndicatorParams:
    """Periods and factors of every indicator; the defaults are the project's standard set."""

    ema_periods: tuple[int, ...] = (9, 21, 50, 200)
    sma_periods: tuple[int, ...] = (5, 10, 20, 50, 200)
    rsi: int = 14
    mfi: int = 14
    #: (fast, slow, signal)
    macd: tuple[int, int, int] = (12, 26, 9)
    #: (window, standard deviations)
    bb: tuple[int, float] = (20, 2.0)
    adx: int = 14
    atr: int = 14
    roc: int = 12
    volatility_window: int = 24
    volume_ma: int = 20
    fib_lookback: int = 100

    def __post_init__(self) -> None:
        periods = {
            "rsi": self.rsi,
            "mfi": self.mfi,
            "adx": self.adx,
            "atr": self.atr,
            "roc": self.roc,
            "volume_ma": self.volume_ma,
            "fib_lookback": self.fib_lookback,
            "bb window": self.bb[0],
            **{f"ema {p}": p for p in self.ema_periods},
            **{f"sma {p}": p for p in self.sma_periods},
            **{f"macd {p}": p for p in self.macd},
        }
        for name, value in periods.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} period must be a whole number >= 1, got {value!r}")
        if self.volatility_window < 2:
            raise ValueError(
                f"volatility_window must be >= 2 (a sample standard deviation), got {self.volatility_window}"
            )
        if len(self.macd) != 3 or self.macd[0] >= self.macd[1]:
            raise ValueError(f"macd must be (fast, slow, signal) with fast < slow, got {self.macd}")
        if len(self.bb) != 2 or not self.bb[1] > 0:
            raise ValueError(f"bb must be (window, standard deviations > 0), got {self.bb}")
        names = self.columns
        if len(set(names)) != len(names):
            raise ValueError(f"repeated periods give repeated column names: {names}")

    # One name per column, built from the parameters.

    def ema_column(self, period: int) -> str:
        return f"ema_{period}"

    def sma_column(self, period: int) -> str:
        return f"sma_{period}"

    @staticmethod
    def fib_column(ratio: float) -> str:
        return f"fib_{round(ratio * 1000):03d}"

    @property
    def rsi_column(self) -> str:
        return f"rsi_{self.rsi}"

    @property
    def mfi_column(self) -> str:
        return f"mfi_{self.mfi}"

    @property
    def adx_column(self) -> str:
        return f"adx_{self.adx}"

    @property
    def plus_di_column(self) -> str:
        return f"plus_di_{self.adx}"

    @property
    def minus_di_column(self) -> str:
        return f"minus_di_{self.adx}"

    @property
    def atr_column(self) -> str:
        return f"atr_{self.atr}"

    @property
    def roc_column(self) -> str:
        return f"roc_{self.roc}"

    @property
    def volatility_column(self) -> str:
        return f"volatility_{self.volatility_window}"

    @property
    def volume_ma_column(self) -> str:
        return f"volume_ma_{self.volume_ma}"

    @property
    def columns(self) -> tuple[str, ...]:
        """Every indicator column, in the order the frames carry them."""
        return (
            *(self.ema_column(p) for p in self.ema_periods),
            *(self.sma_column(p) for p in self.sma_periods),
            self.rsi_column,
            self.mfi_column,
            "macd",
            "macd_signal",
            "macd_hist",
            "bb_upper",
            "bb_middle",
            "bb_lower",
            "bb_pctb",
            "bb_width",
            self.adx_column,
            self.plus_di_column,
            self.minus_di_column,
            self.atr_column,
            "obv",
            "vpt",
            self.roc_column,
            self.volatility_column,
            self.volume_ma_column,
            "fib_high",
            "fib_low",
            *(self.fib_column(r) for r in FIB_RATIOS),
        )


#: The standard parameters and the columns they produce.
DEFAULT_PARAMS = IndicatorParams()
INDICATOR_COLUMNS: tuple[str, ...] = DEFAULT_PARAMS.columns

_DEFINITIONS: dict[str, Definition] = {
    "ema": Definition("EMA", "trend.EMAIndicator"),
    "sma": Definition("SMA", "trend.SMAIndicator"),
    "rsi": Definition("RSI", "momentum.RSIIndicator"),
    "mfi": Definition("MFI", "volume.MFIIndicator", DIFFERS_FROM_TA["mfi"]),
    "macd": Definition("MACD (macd)", "trend.MACD.macd"),
    "macd_signal": Definition("MACD (macdsignal)", "trend.MACD.macd_signal"),
    "macd_hist": Definition("MACD (macdhist)", "trend.MACD.macd_diff"),
    "bb_upper": Definition("BBANDS (upper)", "volatility.BollingerBands.bollinger_hband"),
    "bb_middle": Definition("BBANDS (middle)", "volatility.BollingerBands.bollinger_mavg"),
    "bb_lower": Definition("BBANDS (lower)", "volatility.BollingerBands.bollinger_lband"),
    "bb_pctb": Definition("(close - lower) / (upper - lower) of BBANDS", "volatility.BollingerBands.bollinger_pband"),
    "bb_width": Definition("(upper - lower) / middle * 100 of BBANDS", "volatility.BollingerBands.bollinger_wband"),
    "adx": Definition("ADX", "trend.ADXIndicator.adx"),
    "plus_di": Definition("PLUS_DI", "trend.ADXIndicator.adx_pos"),
    "minus_di": Definition("MINUS_DI", "trend.ADXIndicator.adx_neg"),
    "atr": Definition("ATR", "volatility.AverageTrueRange"),
    "obv": Definition("OBV", "volume.OnBalanceVolumeIndicator", DIFFERS_FROM_TA["obv"]),
    "vpt": Definition(None, "volume.VolumePriceTrendIndicator"),
    "roc": Definition("ROC", "momentum.ROCIndicator"),
    "volatility": Definition(
        "STDDEV(LN(ROCR(close, 1))) * sqrt(n / (n - 1))", "pandas: log returns, rolling(n).std(ddof=1)"
    ),
    "volume_ma": Definition("SMA of volume", "pandas: volume.rolling(n).mean()"),
    "fib_high": Definition("MAX of high", "pandas: high.rolling(lookback).max()"),
    "fib_low": Definition("MIN of low", "pandas: low.rolling(lookback).min()"),
    "fib": Definition("MAX - ratio * (MAX - MIN)", "pandas: fib_high - ratio * (fib_high - fib_low)"),
}


def volume_span(column: str, params: IndicatorParams = DEFAULT_PARAMS) -> int | None:
    """How many candles' volumes one value of ``column`` reads (up to its own row); None: it reads no volume.

    OBV and VPT read only their own candle's volume: a missing one blanks that row and they carry on
    (see the module's docstring); MFI reads the volumes of its window's candles.
    """
    family = column_family(column)
    spans = {"volume": 1, "obv": 1, "vpt": 1, "volume_ma": params.volume_ma, "mfi": params.mfi}
    return spans.get(family)


def definitions(params: IndicatorParams = DEFAULT_PARAMS) -> dict[str, Definition]:
    """Every column of ``params`` with the definition it follows (``fib_236`` .. ``fib_786`` share one)."""
    return {column: _DEFINITIONS[column_family(column)] for column in params.columns}
