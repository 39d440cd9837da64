"""Scale-free features at each candle, built from the analysis' indicator frame.

Only ratios, oscillators and log returns: a model trained on BTC at 60,000 must
read BTC at 90,000 (or DOGE at 0.16) the same way, so no raw price level, no
moving average in price units, no cumulative volume enters. Every indicator is
causal (:mod:`crypto_advisor.market.indicators`), and the features add only
trailing operations on top, so the feature row at ``t`` depends on candles up to
``t`` alone; the leakage test changes every later candle to prove it.

Periods longer than 50 candles (EMA/SMA 200, the 100-candle Fibonacci swing)
are left out on purpose: their warm-up would cost a 720-candle window a third
of its rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crypto_advisor.market.indicators import compute

#: Features that do not depend on the number of lags, in column order.
BASE_FEATURES: tuple[str, ...] = (
    "ema_9_gap",
    "ema_21_gap",
    "ema_50_gap",
    "bb_pctb",
    "bb_width",
    "rsi",
    "mfi",
    "macd_rel",
    "macd_hist_rel",
    "adx",
    "di_spread",
    "atr_rel",
    "roc",
    "volatility",
    "volume_ratio",
    "range",
    "return_24",
)


#: The features read off the candles' volume: a history without volume has none of its rows usable.
VOLUME_FEATURES: tuple[str, ...] = ("mfi", "volume_ratio")


def feature_names(lags: int) -> tuple[str, ...]:
    """The feature columns for ``lags`` log-return lags, in the order models see them."""
    return (*BASE_FEATURES, *(f"return_lag_{k}" for k in range(1, lags + 1)))


def build_features(ohlcv: pd.DataFrame, *, lags: int) -> pd.DataFrame:
    """One row per candle of ``ohlcv`` (the :mod:`crypto_advisor.market.frame` shape), NaN where not yet defined.

    For a caller that has only candles (the training dataset); one that already
    holds the standard indicator frame calls :func:`features_from_indicators`.
    """
    return features_from_indicators(compute(ohlcv), lags=lags)


def features_from_indicators(ind: pd.DataFrame, *, lags: int) -> pd.DataFrame:
    """The features of an indicator frame computed with the standard parameters (``DEFAULT_PARAMS``).

    Takes the frame rather than the candles so that a series update, which
    builds it once for its rules, does not build it again for its predictions.
    ``return_lag_1`` is the log return into candle ``t`` itself (close t over
    close t-1), ``return_lag_k`` the one ``k - 1`` candles earlier.
    """
    close = ind["close"].to_numpy(dtype=np.float64)
    high = ind["high"].to_numpy(dtype=np.float64)
    low = ind["low"].to_numpy(dtype=np.float64)
    volume = ind["volume"].to_numpy(dtype=np.float64)

    def col(name: str) -> np.ndarray:
        return ind[name].to_numpy(dtype=np.float64)

    log_close = np.log(close)
    returns = _lagged(log_close, 1)
    volume_ma = col("volume_ma_20")
    with np.errstate(divide="ignore", invalid="ignore"):
        # Zero volume (a quiet CoinGecko bucket) is read as a hundredth of the average, not minus infinity.
        ratio = np.where(volume_ma > 0, np.maximum(volume, 0.01 * volume_ma) / volume_ma, 1.0)
        ratio = np.where(np.isnan(volume_ma), np.nan, ratio)
        values: dict[str, np.ndarray] = {
            "ema_9_gap": close / col("ema_9") - 1,
            "ema_21_gap": close / col("ema_21") - 1,
            "ema_50_gap": close / col("ema_50") - 1,
            "bb_pctb": col("bb_pctb"),
            "bb_width": col("bb_width") / 100,
            "rsi": col("rsi_14") / 100,
            "mfi": col("mfi_14") / 100,
            "macd_rel": col("macd") / close,
            "macd_hist_rel": col("macd_hist") / close,
            "adx": col("adx_14") / 100,
            "di_spread": (col("plus_di_14") - col("minus_di_14")) / 100,
            "atr_rel": col("atr_14") / close,
            "roc": col("roc_12") / 100,
            "volatility": col("volatility_24"),
            "volume_ratio": np.log(ratio),
            "range": np.log(high / low),
            "return_24": _lagged(log_close, 24),
        }
    for k in range(1, lags + 1):
        values[f"return_lag_{k}"] = _shift(returns, k - 1)
    return pd.DataFrame({name: values[name] for name in feature_names(lags)}, index=ind.index)


def _lagged(x: np.ndarray, k: int) -> np.ndarray:
    """``x[t] - x[t - k]``, NaN for the first ``k`` rows."""
    out = np.full(len(x), np.nan)
    if len(x) > k:
        out[k:] = x[k:] - x[:-k]
    return out


def _shift(x: np.ndarray, k: int) -> np.ndarray:
    """``x[t - k]`` at row ``t``: only ever looks back."""
    if k == 0:
        return x.copy()
    out = np.full(len(x), np.nan)
    if len(x) > k:
        out[k:] = x[:-k]
    return out
