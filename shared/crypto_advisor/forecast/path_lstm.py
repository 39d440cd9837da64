"""Price path: a small LSTM over a window of standardized features, all ``H`` steps at once (training side, PyTorch).

Small on purpose (one layer, 16 hidden units, a dozen epochs, CPU): market
features carry little signal, and a bigger network would fit the noise of a
few thousand candles. Inputs and targets are standardized with statistics of
the training rows only; the seed fixes the initial weights and the batch order,
so a refit on the same data gives the same network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from crypto_advisor.forecast.artifacts import LstmArtifact
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.forecast.numpy_inference import windows
from crypto_advisor.forecast.scaling import Standardizer

#: Epochs without a better held-out loss before training stops.
PATIENCE = 4


class PathNet(nn.Module):
    """LSTM, then a linear map from the last hidden state to the ``H`` standardized returns."""

    def __init__(self, features: int, hidden: int, horizon: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, batch_first=True)
        self.head = nn.Linear(hidden, horizon)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


@dataclass(frozen=True, slots=True)
class LstmPath:
    net: PathNet
    x_scaler: Standardizer
    y_scaler: Standardizer
    window: int

    def network_output(self, standardized: np.ndarray) -> np.ndarray:
        """torch's own forward pass on standardized ``(N, window, F)`` sequences."""
        with torch.no_grad():
            out = self.net(torch.as_tensor(standardized, dtype=torch.float32))
        return out.numpy().astype(np.float64)

    def predict(self, features: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """``(len(rows), H)`` log returns forecast at each of ``rows`` from the feature window ending there."""
        z = self.x_scaler.transform(windows(features, rows, self.window))
        return self.y_scaler.inverse(self.network_output(z))

    def to_artifact(self) -> LstmArtifact:
        state = {k: v.detach().numpy().copy() for k, v in self.net.state_dict().items()}
        return LstmArtifact(
            mean=self.x_scaler.mean,
            scale=self.x_scaler.scale,
            weight_ih=state["lstm.weight_ih_l0"],
            weight_hh=state["lstm.weight_hh_l0"],
            bias_ih=state["lstm.bias_ih_l0"],
            bias_hh=state["lstm.bias_hh_l0"],
            head_weight=state["head.weight"],
            head_bias=state["head.bias"],
            target_mean=self.y_scaler.mean,
            target_scale=self.y_scaler.scale,
        )


def fit_lstm(features: np.ndarray, rows: np.ndarray, y: np.ndarray, config: ForecastConfig) -> LstmPath:
    """Fit on the windows ending at training ``rows`` and their ``(rows, H)`` future log returns ``y``.

    The scalers see the feature rows of ``rows`` and their targets, nothing
    later. Early stopping: the last fifth of the training rows (after a purge
    of ``H`` rows, as between folds) is held out, and the weights of the epoch
    with the lowest loss on it are kept (training stops after
    :data:`PATIENCE` epochs without improvement). On a market with nothing to learn
    that is an early epoch whose forecasts stay near the average, which is
    the honest outcome; a network trained to the end would fit the noise.
    """
    rows = np.asarray(rows, dtype=np.int64)
    x_scaler = Standardizer.fit(features[rows])
    y_scaler = Standardizer.fit(y)
    inputs = torch.as_tensor(x_scaler.transform(windows(features, rows, config.lstm_window)), dtype=torch.float32)
    targets = torch.as_tensor(y_scaler.transform(y), dtype=torch.float32)
    held = max(len(rows) // 5, 1)
    fit_part = torch.as_tensor(np.flatnonzero(rows + config.horizon < rows[-held]))
    held_part = torch.as_tensor(np.arange(len(rows) - held, len(rows)))
    if not len(fit_part):
        fit_part = held_part

    generator = torch.Generator().manual_seed(config.seed)
    with torch.random.fork_rng(devices=[]):  # seeded initial weights without touching the caller's global RNG
        torch.manual_seed(config.seed)
        net = PathNet(features.shape[1], config.lstm_hidden, y.shape[1])
    optimizer = torch.optim.Adam(net.parameters(), lr=config.lstm_lr, weight_decay=1e-4)
    loss_fn = nn.MSELoss()
    best_loss, best_state = _held_loss(net, loss_fn, inputs[held_part], targets[held_part]), _state(net)
    stale = 0
    for _ in range(config.lstm_epochs):
        net.train()
        order = fit_part[torch.randperm(len(fit_part), generator=generator)]
        for start in range(0, len(order), config.lstm_batch):
            batch = order[start : start + config.lstm_batch]
            optimizer.zero_grad()
            loss = loss_fn(net(inputs[batch]), targets[batch])
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimizer.step()
        held_loss = _held_loss(net, loss_fn, inputs[held_part], targets[held_part])
        if held_loss < best_loss:
            best_loss, best_state, stale = held_loss, _state(net), 0
        else:
            stale += 1
            if stale >= PATIENCE:
                break
    net.load_state_dict(best_state)
    net.eval()
    return LstmPath(net=net, x_scaler=x_scaler, y_scaler=y_scaler, window=config.lstm_window)


def _state(net: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in net.state_dict().items()}


def _held_loss(net: nn.Module, loss_fn: nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> float:
    net.eval()
    with torch.no_grad():
        return float(loss_fn(net(inputs), targets))
