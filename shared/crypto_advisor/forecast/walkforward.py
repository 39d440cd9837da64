"""Expanding-window walk-forward folds with a purge of H candles between training and test.

A training row ``t`` carries a label built from candles ``t+1 .. t+H``. If a
training row sat within ``H`` candles before the test block, its label would be
made of test-period candles and the model would be scored on what it had been
shown. So every training row ``t`` of a fold satisfies ``t + H < first test
row``: the ``H`` rows before each test block are dropped from that fold's
training set (purged), never the test rows. Folds are in time order and the
training window only grows, as it would live.

Scalers and models are fitted per fold from the training rows alone (see
:mod:`.evaluate`); nothing here looks at values, only at row positions.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Fold:
    """Row positions (into the candle arrays) to fit on and to score on."""

    number: int
    train: np.ndarray
    test: np.ndarray


def walk_forward_folds(
    rows: np.ndarray, *, folds: int, horizon: int, min_train_fraction: float, min_train_rows: int = 50
) -> list[Fold]:
    """Split the usable ``rows`` (increasing candle positions) into expanding-window folds.

    The first ``min_train_fraction`` of the rows only ever train; the rest is
    cut into ``folds`` consecutive test blocks of (nearly) equal size. Raises
    ``ValueError`` when the history is too short for every fold to train on
    ``min_train_rows`` rows and test on at least one block of ``horizon`` rows.
    """
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) and np.any(np.diff(rows) <= 0):
        raise ValueError("rows must be strictly increasing")
    first_test = int(len(rows) * min_train_fraction)
    tested = len(rows) - first_test
    if tested < folds * horizon:
        raise ValueError(
            f"{len(rows)} usable rows leave {tested} to test: too few for {folds} folds of at least {horizon}"
        )
    edges = first_test + np.linspace(0, tested, folds + 1).round().astype(int)
    out: list[Fold] = []
    for number, (start, end) in enumerate(itertools.pairwise(edges), start=1):
        test = rows[start:end]
        train = rows[rows + horizon < test[0]]
        if len(train) < min_train_rows:
            raise ValueError(f"fold {number} would train on {len(train)} rows, fewer than {min_train_rows}")
        out.append(Fold(number=number, train=train, test=test))
    return out
