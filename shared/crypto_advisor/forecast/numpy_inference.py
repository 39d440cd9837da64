"""The fitted models evaluated with numpy alone: what AnalyzeFunction runs instead of the training libraries.

Each function reproduces its library's arithmetic, and the tests hold them to
the library's own output within 1e-6:

- :func:`forest_proba`: scikit-learn's ``predict_proba`` (trees compare the
  feature as float32, as scikit-learn stores ``X``, against a float64
  threshold, going left on ``<=``; the forest averages its trees' leaf
  fractions);
- :func:`lstm_forward`: ``torch.nn.LSTM`` (gates i, f, g, o) followed by the
  linear head on the last hidden state;
- :func:`garch_variance_path`: arch's analytic GARCH(1,1) forecast.

Nothing here may import scikit-learn, torch or arch (a test imports this module
with them blocked).
"""

from __future__ import annotations

import numpy as np

from crypto_advisor.forecast.artifacts import ForestArtifact, GarchArtifact, LinearArtifact, LstmArtifact


def forest_raw_proba(forest: ForestArtifact, x: np.ndarray) -> np.ndarray:
    """The forest's probability of class 1 per row of ``x``, exactly as ``predict_proba(x)[:, 1]``."""
    x32 = np.asarray(x, dtype=np.float32)
    if not len(forest.roots):
        return np.full(len(x32), forest.base_rate)
    rows = np.arange(len(x32))[:, None]
    node = np.broadcast_to(forest.roots, (len(x32), len(forest.roots))).copy()
    while True:
        inner = forest.left[node] >= 0
        if not inner.any():
            break
        feature = np.where(inner, forest.feature[node], 0)
        go_left = x32[rows, feature] <= forest.threshold[node]
        node = np.where(inner, np.where(go_left, forest.left[node], forest.right[node]), node)
    return forest.leaf_p[node].mean(axis=1)


def prior_shift(p: np.ndarray, base_rate: float) -> np.ndarray:
    """Map probabilities learnt on class-balanced training back to the real base rate.

    Balanced class weights make the forest act as if breakouts were half of
    all rows: good for finding them, bad for the probability quoted to a user.
    Bayes' rule with the true prior (Saerens et al., 2002) moves the odds by
    ``base_rate / (1 - base_rate)``; the ranking, hence the AUC, is unchanged.
    """
    p = np.asarray(p, dtype=np.float64)
    if base_rate <= 0 or base_rate >= 1:
        return np.full_like(p, base_rate)
    up = p * base_rate
    return up / (up + (1 - p) * (1 - base_rate))


def forest_proba(forest: ForestArtifact, x: np.ndarray) -> np.ndarray:
    """Probability of a breakout per row, at the real base rate."""
    if not len(forest.roots):
        return np.full(len(x), forest.base_rate)
    return prior_shift(forest_raw_proba(forest, x), forest.base_rate)


def linear_predict(linear: LinearArtifact, x: np.ndarray) -> np.ndarray:
    """The ``H`` log returns per row of ``x``."""
    z = (np.asarray(x, dtype=np.float64) - linear.mean) / linear.scale
    return z @ linear.coef.T + linear.intercept


def windows(features: np.ndarray, rows: np.ndarray, window: int) -> np.ndarray:
    """``(len(rows), window, F)``: the feature rows ``t - window + 1 .. t`` for each ``t`` in ``rows``."""
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) and rows.min() < window - 1:
        raise ValueError(f"row {rows.min()} has fewer than {window} rows of history")
    offsets = np.arange(-window + 1, 1)
    return np.asarray(features, dtype=np.float64)[rows[:, None] + offsets]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(0.5 * x))


def lstm_network(lstm: LstmArtifact, sequences: np.ndarray) -> np.ndarray:
    """The network's output (standardized returns) for already standardized ``(N, T, F)`` sequences."""
    seq = np.asarray(sequences, dtype=np.float64)
    hidden = lstm.weight_hh.shape[1]
    h = np.zeros((len(seq), hidden))
    c = np.zeros((len(seq), hidden))
    w_ih = lstm.weight_ih.astype(np.float64).T
    w_hh = lstm.weight_hh.astype(np.float64).T
    bias = lstm.bias_ih.astype(np.float64) + lstm.bias_hh.astype(np.float64)
    for step in range(seq.shape[1]):
        gates = seq[:, step] @ w_ih + h @ w_hh + bias
        i, f, g, o = np.split(gates, 4, axis=1)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
    return h @ lstm.head_weight.astype(np.float64).T + lstm.head_bias.astype(np.float64)


def lstm_forward(lstm: LstmArtifact, raw_windows: np.ndarray) -> np.ndarray:
    """The ``H`` log returns for each ``(window, F)`` block of raw features."""
    z = (np.asarray(raw_windows, dtype=np.float64) - lstm.mean) / lstm.scale
    return lstm_network(lstm, z) * lstm.target_scale + lstm.target_mean


def garch_filter(garch: GarchArtifact, pct_returns: np.ndarray, start_variance: float) -> float:
    """The next candle's variance after running the GARCH recursion through ``pct_returns`` from ``start_variance``.

    ``start_variance`` is the variance forecast for the first of the returns;
    each return then gives ``v = omega + alpha * (r - mu)^2 + beta * v``.
    """
    v = float(start_variance)
    for r in np.asarray(pct_returns, dtype=np.float64):
        v = garch.omega + garch.alpha * (r - garch.mu) ** 2 + garch.beta * v
    return v


def garch_variance_path(garch: GarchArtifact, next_variance: float, horizon: int) -> np.ndarray:
    """Variance forecasts for candles 1..H ahead (percent squared): ``v_h = omega + (alpha + beta) v_(h-1)``."""
    out = np.empty(horizon)
    v = float(next_variance)
    for h in range(horizon):
        out[h] = v
        v = garch.omega + (garch.alpha + garch.beta) * v
    return out


def garch_state(garch: GarchArtifact, ts: np.ndarray, log_returns: np.ndarray) -> float:
    """The variance forecast for the candle after the last of ``ts``, from the artifact's stored state.

    When the stored state's candle (``last_ts``) is in the window, the
    recursion continues from it through the newer returns: exactly what arch
    would forecast. Otherwise (an artifact older than the window, or a replay
    of earlier history) it is run over the whole window from the model's
    long-run variance, whose influence fades as ``(alpha + beta)^k``.
    """
    ts = np.asarray(ts, dtype=np.int64)
    pct = 100 * np.asarray(log_returns, dtype=np.float64)
    where = np.flatnonzero(ts == garch.last_ts)
    if len(where):
        return garch_filter(garch, pct[where[0] + 1 :], garch.next_variance)
    persistence = garch.alpha + garch.beta
    start = garch.omega / (1 - persistence) if persistence < 1 else garch.next_variance
    finite = pct[np.isfinite(pct)]
    return garch_filter(garch, finite, start)
