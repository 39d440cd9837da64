"""The numpy inference returns the training libraries' own outputs (scikit-learn, torch, arch) to within 1e-6.

The models are fitted here with the training modules on a seeded market, then
evaluated both ways on the same inputs. Inputs include rows the models never
saw and rows far outside the training range, where a wrong branch or gate
would show.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.forecast.artifacts import Artifacts, GarchArtifact, to_bytes
from crypto_advisor.forecast.breakout_rf import fit_breakout
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.forecast.dataset import Dataset, build_dataset
from crypto_advisor.forecast.numpy_inference import (
    forest_proba,
    forest_raw_proba,
    garch_state,
    garch_variance_path,
    linear_predict,
    lstm_forward,
    lstm_network,
    windows,
)
from crypto_advisor.forecast.path_linear import fit_linear
from crypto_advisor.forecast.path_lstm import fit_lstm
from crypto_advisor.forecast.vol_garch import fit_garch

TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def data(planted_candles: list[Candle], config: ForecastConfig) -> Dataset:
    return build_dataset(planted_candles[:1500], config)


@pytest.fixture(scope="module")
def probe(data: Dataset) -> np.ndarray:
    """Rows to predict on: unseen rows, and the same rows pushed far out of range."""
    rows = data.rows[-200:]
    x = data.features[rows]
    return np.vstack([x, x * 5, -x])


def test_forest_traversal_equals_scikit_learn_predict_proba(
    data: Dataset, probe: np.ndarray, config: ForecastConfig
) -> None:
    # Given
    train = data.rows[:1000]
    forest = fit_breakout(data.features[train], data.breakout[train], config)
    artifact = forest.to_artifact()

    # Rows placed on split thresholds (the float64 threshold itself, its float32 rounding, and one float32
    # step either side): a strict "<" for "<=", or comparing in float64 where scikit-learn compares the
    # float32 feature, would send some of them the other way.
    inner = np.flatnonzero(artifact.left >= 0)
    picks = np.random.default_rng(0).choice(inner, 300, replace=False)
    edges = np.repeat(probe[:300], 4, axis=0)
    for i, node in enumerate(picks):
        exact = artifact.threshold[node]
        at = np.float32(exact)
        below, above = np.nextafter(at, np.float32(-np.inf)), np.nextafter(at, np.float32(np.inf))
        for j, value in enumerate((exact, at, below, above)):
            edges[4 * i + j, artifact.feature[node]] = value
    probe = np.vstack([probe, edges])

    # When
    ours = forest_raw_proba(artifact, probe)
    theirs = forest.model.predict_proba(probe)[:, 1]

    # Then
    assert len(artifact.roots) == config.rf_trees
    assert np.abs(ours - theirs).max() <= TOLERANCE
    assert np.abs(forest_proba(artifact, probe) - forest.predict(probe)).max() <= TOLERANCE
    assert theirs.std() > 0.01  # a forest that says the same thing everywhere would prove nothing


def test_forest_probabilities_are_shifted_back_to_the_base_rate(data: Dataset, config: ForecastConfig) -> None:
    """Balanced training inflates breakout odds; on the training rows the shifted mean is near the true rate."""
    train = data.rows[:1000]
    forest = fit_breakout(data.features[train], data.breakout[train], config)
    raw = forest.raw_proba(data.features[train]).mean()
    shifted = forest.predict(data.features[train]).mean()
    assert abs(shifted - forest.base_rate) < abs(raw - forest.base_rate)
    assert shifted == pytest.approx(forest.base_rate, abs=0.1)


def test_linear_equals_scikit_learn_predict(data: Dataset, probe: np.ndarray, config: ForecastConfig) -> None:
    train = data.rows[:1000]
    model = fit_linear(data.features[train], data.path[train], config)
    ours = linear_predict(model.to_artifact(), probe)
    theirs = model.predict(probe)
    assert ours.shape == (len(probe), config.horizon)
    assert np.abs(ours - theirs).max() <= TOLERANCE


def test_numpy_lstm_equals_the_torch_forward_pass(data: Dataset, config: ForecastConfig) -> None:
    # Given
    torch.set_num_threads(1)
    train = data.rows[:1000]
    model = fit_lstm(data.features, train, data.path[train], config)
    artifact = model.to_artifact()
    rows = data.rows[-200:]
    raw = windows(data.features, rows, config.lstm_window)
    standardized = model.x_scaler.transform(raw)
    probe = np.vstack([standardized, standardized * 3])

    # When / Then: the network's own output (standardized, of order 1) ...
    network = lstm_network(artifact, probe)
    assert np.abs(network - model.network_output(probe)).max() <= TOLERANCE
    assert network.std() > 0.01
    # ... and the returns after both scalers
    assert np.abs(lstm_forward(artifact, raw) - model.predict(data.features, rows)).max() <= TOLERANCE


@pytest.fixture(scope="module")
def garch_returns() -> tuple[np.ndarray, np.ndarray]:
    """Candle times and log returns of a GARCH(1,1) process (alpha 0.1, beta 0.85), so the fit has an ARCH term."""
    rng = np.random.default_rng(11)
    omega, alpha, beta = 0.006**2 * 0.05, 0.1, 0.85
    variance, shock = 0.006**2, 0.0
    returns = np.full(1500, np.nan)
    for t in range(1, 1500):
        variance = omega + alpha * shock**2 + beta * variance
        shock = np.sqrt(variance) * rng.standard_normal()
        returns[t] = shock
    return 1_735_689_600_000 + 3_600_000 * np.arange(1500), returns


def test_garch_recursion_equals_arch_forecast_variance(
    garch_returns: tuple[np.ndarray, np.ndarray], config: ForecastConfig
) -> None:
    """Fitted on the first 1,000 candles, carried on through later ones: the same variances as arch forecasts."""
    # Given: arch's fit through candle 1000 and its own forecasts from later origins
    ts, log_returns = garch_returns
    fit_through = 1000
    origins = np.array([fit_through, fit_through + 1, fit_through + 37, fit_through + 400])
    vol = fit_garch(log_returns, fit_through=fit_through, origins=origins, horizon=config.horizon)
    state = GarchArtifact(
        mu=vol.mu,
        omega=vol.omega,
        alpha=vol.alpha,
        beta=vol.beta,
        next_variance=float(vol.variances[fit_through][0]),
        last_ts=int(ts[fit_through]),
        multiplier=1.0,
    )
    assert vol.alpha > 0.05  # a GARCH with no ARCH term would make the recursion trivial

    for origin in origins:
        # When: the light path sees the candles up to the origin
        upto = slice(0, origin + 1)
        next_variance = garch_state(state, ts[upto], log_returns[upto])
        ours = garch_variance_path(state, next_variance, config.horizon)

        # Then
        np.testing.assert_allclose(ours, vol.variances[int(origin)], rtol=TOLERANCE, atol=TOLERANCE)


def test_garch_state_without_its_candle_restarts_from_the_long_run_variance(
    garch_returns: tuple[np.ndarray, np.ndarray], config: ForecastConfig
) -> None:
    # Given: an artifact whose last candle is not in the window (older than the window)
    ts, log_returns = garch_returns
    vol = fit_garch(log_returns, fit_through=1000, origins=np.array([1499]), horizon=config.horizon)
    state = GarchArtifact(vol.mu, vol.omega, vol.alpha, vol.beta, next_variance=1e9, last_ts=-1, multiplier=1.0)
    window = slice(779, 1500)

    # When: 720 candles of recursion from the long-run variance
    restarted = garch_state(state, ts[window], log_returns[window])

    # Then: the start is forgotten (arch ran from the first candle)
    assert vol.alpha + vol.beta < 1
    assert restarted == pytest.approx(vol.variances[1499][0], rel=1e-3)


def test_predict_imports_and_runs_with_training_libraries_blocked(
    tmp_path: Path, planted_artifacts: Artifacts, planted_candles: list[Candle]
) -> None:
    """AnalyzeFunction ships without scikit-learn, torch, arch (or scipy): predict must not need them."""
    # Given: the bundle and a window of candles on disk
    bundle = tmp_path / "bundle.npz"
    bundle.write_bytes(to_bytes(planted_artifacts))
    rows = tmp_path / "rows.npy"
    np.save(rows, np.array([c.as_row() for c in planted_candles[-720:]]))
    script = textwrap.dedent(
        f"""
        import sys
        for name in ("torch", "sklearn", "arch", "scipy", "statsmodels"):
            sys.modules[name] = None  # any import of them now raises ImportError
        import numpy as np
        from crypto_advisor.market.frame import from_rows
        from crypto_advisor.forecast.artifacts import from_bytes
        from crypto_advisor.forecast.predict import predict
        artifacts = from_bytes(open({str(bundle)!r}, "rb").read())
        predictions = predict(artifacts, from_rows(np.load({str(rows)!r}).tolist()))
        print(len(predictions), sorted(p.kind for p in predictions))
        loaded = [m for m in ("torch", "sklearn", "arch", "scipy") if sys.modules.get(m) is not None]
        print("loaded", loaded)
        """
    )

    # When
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )

    # Then
    assert done.returncode == 0, done.stderr
    assert "4 ['breakout', 'interval', 'path', 'path']" in done.stdout
    assert "loaded []" in done.stdout
