"""Fitted models as plain arrays and JSON, and their byte form: no pickle anywhere.

A pickle of a scikit-learn forest or a torch module ties the reader to those
libraries (and their versions) and executes code when loaded. What
AnalyzeFunction needs is a few arrays: the forest's nodes, the linear
coefficients, the LSTM's weights, four GARCH numbers and the scalers. They
travel as one compressed ``.npz`` (``allow_pickle=False`` both ways) whose
``meta`` entry is UTF-8 JSON: the format name and version, the series, the
configuration, the feature names, the training span and the model cards whose
out-of-sample figures every prediction quotes.
"""

from __future__ import annotations

import io
import json
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

import numpy as np

from crypto_advisor.contracts.errors import ArtifactError
from crypto_advisor.forecast.config import ForecastConfig

FORMAT = "crypto-advisor/forecast-artifacts"
VERSION = 1


@dataclass(frozen=True, slots=True)
class ForestArtifact:
    """Every tree's nodes in flat arrays; ``roots[k]`` is tree ``k``'s root, children are absolute indices (-1: leaf).

    ``leaf_p`` is the tree's probability of a breakout at each node (read at
    leaves only), before the prior-shift correction by ``base_rate`` that maps
    the balanced training back to the real frequency.
    """

    roots: np.ndarray
    left: np.ndarray
    right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    leaf_p: np.ndarray
    base_rate: float
    #: scikit-learn's ``feature_importances_`` (mean decrease in impurity, summing to 1) in ``feature_names``'
    #: order, for the dashboard's model card; empty for a single-class forest and in bundles written before it.
    importances: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass(frozen=True, slots=True)
class LinearArtifact:
    """``returns = ((x - mean) / scale) @ coef.T + intercept``: all ``H`` log returns at once."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray


@dataclass(frozen=True, slots=True)
class LstmArtifact:
    """PyTorch's LSTM weights (gate order i, f, g, o), the linear head, and both standardizers."""

    mean: np.ndarray
    scale: np.ndarray
    weight_ih: np.ndarray
    weight_hh: np.ndarray
    bias_ih: np.ndarray
    bias_hh: np.ndarray
    head_weight: np.ndarray
    head_bias: np.ndarray
    target_mean: np.ndarray
    target_scale: np.ndarray


@dataclass(frozen=True, slots=True)
class GarchArtifact:
    """GARCH(1,1) on percent log returns, and its state after the last training candle.

    ``next_variance`` is the variance forecast for the candle after
    ``last_ts``; inference carries the recursion on through any newer candles.
    """

    mu: float
    omega: float
    alpha: float
    beta: float
    next_variance: float
    last_ts: int
    #: Interval half-width in standard deviations of the H-candle return, calibrated on the training rows.
    multiplier: float


@dataclass(frozen=True, slots=True)
class Artifacts:
    """Everything the light inference needs for one series."""

    series: str
    config: ForecastConfig
    feature_names: tuple[str, ...]
    trained_from_ts: int
    trained_through_ts: int
    candles: int
    forest: ForestArtifact
    linear: LinearArtifact
    lstm: LstmArtifact
    garch: GarchArtifact
    #: The model cards (``ModelCard.to_dict()``) from the walk-forward evaluation of this configuration.
    cards: tuple[dict[str, Any], ...]

    def card(self, model: str) -> dict[str, Any] | None:
        return next((c for c in self.cards if c["model"] == model), None)


_ARRAY_PARTS: dict[str, type] = {"forest": ForestArtifact, "linear": LinearArtifact, "lstm": LstmArtifact}


def to_bytes(artifacts: Artifacts) -> bytes:
    """The bundle as compressed ``.npz`` bytes."""
    arrays: dict[str, np.ndarray] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for part in _ARRAY_PARTS:
        value = getattr(artifacts, part)
        scalars[part] = {}
        for f in fields(value):
            item = getattr(value, f.name)
            if isinstance(item, np.ndarray):
                arrays[f"{part}/{f.name}"] = item
            else:
                scalars[part][f.name] = item
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "series": artifacts.series,
        "config": artifacts.config.as_dict(),
        "feature_names": list(artifacts.feature_names),
        "trained_from_ts": artifacts.trained_from_ts,
        "trained_through_ts": artifacts.trained_through_ts,
        "candles": artifacts.candles,
        "scalars": scalars,
        "garch": {f.name: getattr(artifacts.garch, f.name) for f in fields(GarchArtifact)},
        "cards": list(artifacts.cards),
    }
    arrays["meta"] = np.frombuffer(json.dumps(meta, allow_nan=True).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, allow_pickle=False, **arrays)
    return buffer.getvalue()


def from_bytes(data: bytes) -> Artifacts:
    """Read a bundle written by :func:`to_bytes`; :class:`ArtifactError` for anything else or another version.

    Damaged bytes (an upload cut short, a flipped byte) fail in whichever layer
    first trips on them: ``zipfile.BadZipFile``, ``zlib.error``, ``EOFError``,
    or numpy's header parser (``tokenize.TokenError``, ``SyntaxError``). None of
    those is a programming error here, and a caller can only act on "this is
    not a bundle" (the model cache keeps serving the version it has), so every
    failure to read the archive is that one error.
    """
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        meta = json.loads(arrays.pop("meta").tobytes().decode())
    except Exception as exc:  # every way damaged bytes fail means "not a bundle" (see the docstring)
        raise ArtifactError(f"not a forecast artifact bundle: {type(exc).__name__}: {exc}") from exc
    if not isinstance(meta, dict):
        raise ArtifactError(f"not a forecast artifact bundle: its meta is a {type(meta).__name__}, not an object")
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise ArtifactError(
            f"bundle is {meta.get('format')!r} version {meta.get('version')!r};"
            f" this code reads {FORMAT} version {VERSION}"
        )
    try:
        parts: dict[str, Any] = {}
        for part, cls in _ARRAY_PARTS.items():
            values = dict(meta["scalars"][part])
            for f in fields(cls):
                optional = f.default is not MISSING or f.default_factory is not MISSING
                if f.name not in values and (f"{part}/{f.name}" in arrays or not optional):
                    values[f.name] = arrays[f"{part}/{f.name}"]
            parts[part] = cls(**values)
        return Artifacts(
            series=meta["series"],
            config=ForecastConfig.from_dict(meta["config"]),
            feature_names=tuple(meta["feature_names"]),
            trained_from_ts=meta["trained_from_ts"],
            trained_through_ts=meta["trained_through_ts"],
            candles=meta["candles"],
            garch=GarchArtifact(**meta["garch"]),
            cards=tuple(meta["cards"]),
            **parts,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ArtifactError(f"incomplete or inconsistent forecast bundle: {exc!r}") from exc
