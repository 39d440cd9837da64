"""The forecast ledger's records: one prediction an email showed, and its grade once its horizon has passed.

Data only: the ledger table (:mod:`crypto_advisor.adapters.ledger`) stores and
reads them, the notifier's grading logic (:mod:`crypto_advisor.notify.grading`)
makes and grades them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

OPEN = "open"
GRADED = "graded"

Kind = Literal["breakout", "path", "interval"]


@dataclass(frozen=True)
class Grade:
    """The outcome of one prediction against the real candles."""

    #: The close of the due candle.
    actual: float
    #: Breakout: whether the threshold was reached within the horizon.
    hit: bool | None = None
    #: Path: |forecast - actual| and |close at prediction - actual| (persistence), in price units.
    error: float | None = None
    persistence_error: float | None = None
    #: Interval: whether the actual close fell inside it.
    inside: bool | None = None


@dataclass(frozen=True)
class LedgerEntry:
    """One prediction an email showed, as the ledger keeps it; ``grade`` is set once it is graded."""

    series: str
    candle_ts: int
    kind: Kind
    model: str
    horizon: int
    #: Open time of the candle whose close settles the prediction: ``candle_ts + horizon x timeframe``.
    due_ts: int
    #: The close at prediction time (persistence's forecast).
    close: float
    threshold_pct: float | None = None
    probability: float | None = None
    price: float | None = None
    level: float | None = None
    low: float | None = None
    high: float | None = None
    status: str = OPEN
    grade: Grade | None = None
    graded_at: int | None = None

    @property
    def sk(self) -> str:
        """The ledger's sort key: by candle time first, so a Query newest-first reads the latest predictions."""
        return f"{self.candle_ts:013d}#{self.kind}#{self.model}"

    def graded(self, grade: Grade, now_ms: int) -> LedgerEntry:
        return dataclasses.replace(self, status=GRADED, grade=grade, graded_at=now_ms)
