"""A stored model version and the ``latest`` pointer that serves it.

Data only: the model store (:mod:`crypto_advisor.adapters.model_store`) writes
and reads them; the training gate (:mod:`crypto_advisor.training.service`)
compares versions by their losses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

POINTER_FORMAT = "crypto-advisor/model-pointer"


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """One stored training result: where its objects are and what the gate compares it by."""

    series: str
    version: str
    trained_at: int
    bundle_key: str
    cards_key: str
    cards_text_key: str
    config: dict[str, Any]
    #: ``verdict_loss`` per model (None where the card has no such figure).
    losses: dict[str, float | None]

    def pointer(self) -> dict[str, Any]:
        """The ``latest.json`` body that serves this version."""
        return {
            "format": POINTER_FORMAT,
            "series": self.series,
            "version": self.version,
            "bundle_key": self.bundle_key,
            "cards_key": self.cards_key,
            "trained_at": self.trained_at,
            "config": self.config,
            "losses": self.losses,
        }
