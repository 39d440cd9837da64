"""The forecast bundle as the model store keeps it: artifacts as bytes, cards as JSON and as text.

The model store (:class:`crypto_advisor.adapters.model_store.ModelStore`) is
handed this codec by the composition root, so the adapter knows keys and
objects and this package knows what a model is made of.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crypto_advisor.forecast.artifacts import Artifacts, from_bytes, to_bytes
from crypto_advisor.forecast.card import ModelCard, card_losses, format_card
from crypto_advisor.forecast.config import ForecastConfig


class ForecastBundles:
    """:class:`~crypto_advisor.adapters.model_store.BundleCodec` for this package's artifacts and cards."""

    def bundle_bytes(self, artifacts: Artifacts) -> bytes:
        return to_bytes(artifacts)

    def read_bundle(self, body: bytes) -> tuple[Artifacts, list[ModelCard]]:
        """The cards come from the bundle itself: the ones its models were scored with."""
        artifacts = from_bytes(body)
        return artifacts, [ModelCard.from_dict(c) for c in artifacts.cards]

    def cards_json(self, cards: Sequence[ModelCard]) -> list[dict[str, Any]]:
        return [c.to_dict() for c in cards]

    def read_cards(self, items: Any) -> list[ModelCard]:
        return [ModelCard.from_dict(c) for c in items]

    def cards_text(self, cards: Sequence[ModelCard]) -> str:
        return "\n\n".join(format_card(c) for c in cards) + "\n"

    def losses(self, cards: Sequence[ModelCard]) -> dict[str, float | None]:
        return card_losses(cards)

    def config_dict(self, config: ForecastConfig) -> dict[str, Any]:
        return config.as_dict()
