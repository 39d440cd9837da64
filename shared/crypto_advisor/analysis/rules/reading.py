"""How rules read the indicator frame: the last values of a column, a crossing, a distance past a line.

Shared by every rule family so that "not enough rows or a NaN in them" means
the same thing everywhere: the rule does not apply (indicator warm-up), rather
than firing on half an input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crypto_advisor.analysis.firing import Direction


def tail(frame: pd.DataFrame, column: str, count: int, rule_id: str) -> np.ndarray | None:
    """The last ``count`` values of ``column``, or None if there are fewer or any is not finite."""
    if column not in frame.columns:
        raise ValueError(f"rule {rule_id!r} needs column {column!r}, which the frame does not have")
    if len(frame) < count:
        return None
    values = frame[column].iloc[len(frame) - count :].to_numpy(dtype=float)
    return values if np.isfinite(values).all() else None


def cross(a: np.ndarray, b: np.ndarray) -> Direction | None:
    """How line ``a`` crossed line ``b`` between the last two rows: strictly past now, not past before."""
    before, now = a[-2] - b[-2], a[-1] - b[-1]
    if before <= 0 < now:
        return "bullish"
    if before >= 0 > now:
        return "bearish"
    return None


def pct_past(value: float, threshold: float, direction: Direction) -> float:
    """How far ``value`` is past ``threshold`` in % of it, positive in the rule's direction."""
    pct = (value - threshold) / abs(threshold) * 100.0
    return pct if direction == "bullish" else -pct


def side(direction: Direction) -> str:
    """The side of a line a move in ``direction`` ends on."""
    return "above" if direction == "bullish" else "below"
