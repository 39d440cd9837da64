"""Volatility: GARCH(1,1) on percent log returns, for an interval around the price forecast (training side, arch).

Percent returns because arch's optimiser is tuned for numbers of order 1
(hourly log returns are of order 0.005). The interval over ``H`` candles uses
the sum of the ``H`` one-step variance forecasts (GARCH errors are
uncorrelated), times a multiplier calibrated on the training rows
(:mod:`.intervals`), around the path forecast.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from arch import arch_model

from crypto_advisor.forecast.artifacts import GarchArtifact
from crypto_advisor.forecast.intervals import calibrated_multiplier


@dataclass(frozen=True, slots=True)
class GarchVol:
    """Fitted parameters (percent units) and arch's variance forecasts at the origins asked for."""

    mu: float
    omega: float
    alpha: float
    beta: float
    #: origin row -> (H,) variance forecasts, percent squared.
    variances: dict[int, np.ndarray]

    def horizon_sigma(self, origin: int) -> float:
        """Standard deviation of the ``H``-candle log return forecast at candle ``origin`` (log units, not percent)."""
        return float(np.sqrt(self.variances[origin].sum()) / 100)


def fit_garch(log_returns: np.ndarray, *, fit_through: int, origins: np.ndarray, horizon: int) -> GarchVol:
    """Fit on the returns of candles ``1 .. fit_through`` and forecast ``H`` candles ahead from each of ``origins``.

    ``log_returns[t]`` is the return into candle ``t`` (NaN at row 0). Each
    origin's forecast uses the fitted parameters and the returns up to the
    origin only (arch filters the whole series with fixed parameters).
    """
    pct = 100 * np.asarray(log_returns[1:], dtype=np.float64)
    model = arch_model(pct, mean="Constant", vol="GARCH", p=1, q=1, dist="normal", rescale=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optimiser chatter; what matters is checked below and scored in the card
        result = model.fit(disp="off", last_obs=fit_through, show_warning=False)
    params = result.params
    if not np.isfinite(params.to_numpy()).all():
        raise ValueError(f"GARCH fit gave non-finite parameters: {params.to_dict()}")
    origins = np.asarray(origins, dtype=np.int64)
    variances: dict[int, np.ndarray] = {}
    if len(origins):
        forecast = result.forecast(horizon=horizon, start=int(origins.min()) - 1, reindex=False)
        table = forecast.variance.to_numpy()
        first = int(origins.min()) - 1
        for origin in origins:
            variances[int(origin)] = table[int(origin) - 1 - first]
    return GarchVol(
        mu=float(params["mu"]),
        omega=float(params["omega"]),
        alpha=float(params["alpha[1]"]),
        beta=float(params["beta[1]"]),
        variances=variances,
    )


def garch_artifact(
    log_returns: np.ndarray,
    ts: np.ndarray,
    *,
    rows: np.ndarray,
    center: np.ndarray,
    actual: np.ndarray,
    level: float,
    horizon: int,
) -> GarchArtifact:
    """Fit on every return of the history; keep the state for the candle after the last and the interval multiplier.

    The multiplier is calibrated on ``rows`` (origins with known outcomes),
    from the ``H``-candle ``actual`` log returns and the interval ``center``
    at each (see :mod:`.intervals`), as the evaluation does per fold.
    """
    last = len(log_returns) - 1
    origins = np.r_[np.asarray(rows, dtype=np.int64), last]
    vol = fit_garch(log_returns, fit_through=last, origins=origins, horizon=horizon)
    sigma = np.array([vol.horizon_sigma(int(t)) for t in rows])
    return GarchArtifact(
        mu=vol.mu,
        omega=vol.omega,
        alpha=vol.alpha,
        beta=vol.beta,
        next_variance=float(vol.variances[last][0]),
        last_ts=int(ts[last]),
        multiplier=calibrated_multiplier(actual, center, sigma, level),
    )
