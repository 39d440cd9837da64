"""Candles as a pandas frame: the one OHLCV frame shape the analysis works on.

Columns are :data:`~crypto_advisor.contracts.candle.COLUMNS` in that order,
``ts`` as int64 (epoch milliseconds) and the rest float64, on a RangeIndex,
oldest candle first. The frames are built from candles that the candle contract
has already validated; nothing here checks them again. A missing volume
(``None``) is NaN here, the one NaN a frame's inputs may hold; the analysis
tells the rules that need it (:mod:`crypto_advisor.analysis.missing_volume`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crypto_advisor.contracts.candle import COLUMNS, Candle

PRICE_COLUMNS: tuple[str, ...] = COLUMNS[1:]


def to_frame(candles: Sequence[Candle]) -> pd.DataFrame:
    """The frame of a run of candles."""
    return _build(
        np.fromiter((c.ts for c in candles), dtype=np.int64, count=len(candles)),
        np.array(
            [(c.open, c.high, c.low, c.close, np.nan if c.volume is None else c.volume) for c in candles],
            dtype=np.float64,
        ).reshape(-1, 5),
    )


def window_upto(window: Sequence[Candle], candle_ts: int) -> list[Candle]:
    """The candles of ``window`` that an analysis of the candle at ``candle_ts`` may see: it and those before it.

    One definition shared by the rules, the data-health check and the
    predictions, so a series update cuts its window once and every reader sees
    the same candles.
    """
    return [c for c in window if c.ts <= candle_ts]


def from_rows(rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """The frame of raw ``[ts, open, high, low, close, volume]`` rows (ccxt's order); extra fields are ignored."""
    return _build(
        np.fromiter((int(r[0]) for r in rows), dtype=np.int64, count=len(rows)),
        np.array([[*r[1:5], np.nan if r[5] is None else r[5]] for r in rows], dtype=np.float64).reshape(-1, 5),
    )


def _build(ts: np.ndarray, values: np.ndarray) -> pd.DataFrame:
    data: dict[str, np.ndarray] = {"ts": ts}
    for i, name in enumerate(PRICE_COLUMNS):
        data[name] = np.ascontiguousarray(values[:, i])
    return pd.DataFrame(data, index=pd.RangeIndex(len(ts)))
