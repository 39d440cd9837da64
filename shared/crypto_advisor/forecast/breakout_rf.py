"""Breakout probability: a random forest on the scale-free features (training side, scikit-learn).

Breakouts are the minority class, so each tree's bootstrap is reweighted to
balance the classes (``class_weight="balanced_subsample"``) and the
probabilities are mapped back to the real base rate by the prior shift of
:func:`~crypto_advisor.forecast.numpy_inference.prior_shift`. Trees are shallow and
leaves large: the signal in market features is weak, deep trees would learn
the noise, and the artifact stays small.

Each tree draws at most :data:`MAX_TREE_ROWS` rows (its bootstrap sample), not
as many as the training set holds. A series' model trains on a few thousand
rows and is unaffected; the market scan's pools every coin's hours, about two
million at a top-1,000 scan, where full-size bootstraps took 566 s of CPU for
the walk-forward and the final fit (``make bench-scan-train``), most of
TrainFunction's 900 s. A depth-6 tree has at most 64 leaves of at least 20 rows:
a quarter of a million rows estimate them as well as two million, and the
forest's 60 trees still see different rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import RandomForestClassifier

from crypto_advisor.forecast.artifacts import ForestArtifact
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.forecast.numpy_inference import prior_shift

#: The most rows one tree's bootstrap draws (see the module docstring).
MAX_TREE_ROWS = 250_000


@dataclass(frozen=True, slots=True)
class BreakoutForest:
    """The fitted forest (None when training saw a single class) and the training base rate."""

    model: RandomForestClassifier | None
    base_rate: float

    def raw_proba(self, x: np.ndarray) -> np.ndarray:
        """scikit-learn's own ``predict_proba`` for class 1, before the prior shift."""
        if self.model is None:
            return np.full(len(x), self.base_rate)
        return self.model.predict_proba(x)[:, 1]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Probability of a breakout per row, at the real base rate."""
        if self.model is None:
            return np.full(len(x), self.base_rate)
        return prior_shift(self.raw_proba(x), self.base_rate)

    def to_artifact(self) -> ForestArtifact:
        """The trees' nodes in flat arrays, for :func:`~crypto_advisor.forecast.numpy_inference.forest_proba`."""
        if self.model is None:
            empty_i, empty_f = np.zeros(0, dtype=np.int32), np.zeros(0)
            return ForestArtifact(empty_i, empty_i, empty_i, empty_i, empty_f, empty_f, self.base_rate)
        roots, left, right, feature, threshold, leaf_p = [], [], [], [], [], []
        offset = 0
        for estimator in self.model.estimators_:
            tree = estimator.tree_
            value = tree.value[:, 0, :]
            leaf = tree.children_left < 0
            roots.append(offset)
            left.append(np.where(leaf, -1, tree.children_left + offset))
            right.append(np.where(leaf, -1, tree.children_right + offset))
            feature.append(np.where(leaf, -1, tree.feature))
            threshold.append(np.where(leaf, 0.0, tree.threshold))
            leaf_p.append(value[:, 1] / value.sum(axis=1))
            offset += tree.node_count
        return ForestArtifact(
            roots=np.asarray(roots, dtype=np.int32),
            left=np.concatenate(left).astype(np.int32),
            right=np.concatenate(right).astype(np.int32),
            feature=np.concatenate(feature).astype(np.int16),
            threshold=np.concatenate(threshold).astype(np.float64),
            leaf_p=np.concatenate(leaf_p).astype(np.float64),
            base_rate=self.base_rate,
            importances=np.asarray(self.model.feature_importances_, dtype=np.float64),
        )


def fit_breakout(x: np.ndarray, y: np.ndarray, config: ForecastConfig) -> BreakoutForest:
    """Fit on training rows ``x`` (features) and ``y`` (1.0 breakout / 0.0 not)."""
    y = np.asarray(y, dtype=np.float64)
    rate = float(y.mean())
    if rate in (0.0, 1.0):
        return BreakoutForest(model=None, base_rate=rate)
    model = RandomForestClassifier(
        n_estimators=config.rf_trees,
        max_depth=config.rf_max_depth,
        min_samples_leaf=config.rf_min_leaf,
        max_features="sqrt",
        class_weight="balanced_subsample",
        max_samples=MAX_TREE_ROWS if len(x) > MAX_TREE_ROWS else None,
        random_state=config.seed,
        n_jobs=1,
    )
    model.fit(x, y.astype(np.int64))
    return BreakoutForest(model=model, base_rate=rate)
