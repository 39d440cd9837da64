"""Trained forecast models in the archive bucket: versions, and the ``latest`` pointer the analysis serves.

Layout (Hive-style, like the archive; keys in :mod:`crypto_advisor.contracts.archive_keys`)::

    models/source=kraken/symbol=BTC-USD/timeframe=1h/v=<trained_at_ms>/bundle.npz
                                                     v=<trained_at_ms>/cards.json
                                                     v=<trained_at_ms>/cards.txt
    models/source=kraken/symbol=BTC-USD/timeframe=1h/latest.json

A version is written whole before anything points at it, and versions are
never overwritten by another run (the key is the run's clock), so the pointer
is the only thing that changes what AnalyzeFunction serves: moving it is one
``PutObject``, atomic for readers. Versions the gate did not promote stay for
inspection. The pointer carries the version's configuration and its verdict
losses, so the next training run can re-evaluate the served configuration on
new candles without downloading its bundle.

The store knows keys, objects and the pointer, not the models: what a bundle
holds and how cards are written is the forecast package's
(:class:`crypto_advisor.forecast.bundle_codec.ForecastBundles`), handed in as a
:class:`BundleCodec` by the composition root, so this adapter imports no logic.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from crypto_advisor.adapters.objects import ObjectStore, S3Objects
from crypto_advisor.contracts.archive_keys import (
    model_bundle_key,
    model_cards_key,
    model_cards_text_key,
    model_latest_key,
)
from crypto_advisor.contracts.errors import ArtifactError, StorageError
from crypto_advisor.contracts.model_version import ModelVersion
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.units import HOUR_MS


class BundleCodec(Protocol):
    """What a model version is made of, for the store: bytes for the bundle, JSON and text for the cards."""

    def bundle_bytes(self, artifacts: Any) -> bytes: ...

    def read_bundle(self, body: bytes) -> tuple[Any, list[Any]]:
        """The artifacts and cards of a bundle; ArtifactError, TypeError or ValueError when it is not one."""
        ...

    def cards_json(self, cards: Sequence[Any]) -> list[dict[str, Any]]: ...

    def read_cards(self, items: Any) -> list[Any]:
        """Cards from their JSON form; TypeError or ValueError when they are not cards."""
        ...

    def cards_text(self, cards: Sequence[Any]) -> str: ...

    def losses(self, cards: Sequence[Any]) -> dict[str, float | None]: ...

    def config_dict(self, config: Any) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class LoadedModel:
    """The served version of a series: artifacts and cards as the codec reads them, ready for ``predict``."""

    version: str
    trained_at: int
    artifacts: Any
    cards: list[Any]


class ModelStore:
    """Reads and writes model versions and the ``latest`` pointer; botocore errors become :class:`StorageError`."""

    def __init__(self, s3_client: Any, bucket: str, codec: BundleCodec) -> None:
        self._objects: ObjectStore = S3Objects(s3_client, bucket)
        self._codec = codec

    @classmethod
    def on(cls, objects: ObjectStore, codec: BundleCodec) -> ModelStore:
        """The same store over any object store (``make train`` writes to a folder)."""
        store = cls.__new__(cls)
        store._objects = objects
        store._codec = codec
        return store

    # ------------------------------------------------------------- writing
    def write_version(
        self,
        series: Series,
        trained_at_ms: int,
        artifacts: Any,
        cards: Sequence[Any],
        config: Any,
    ) -> ModelVersion:
        """Store bundle and cards of one training run; the pointer is left alone (the gate decides)."""
        version = str(int(trained_at_ms))
        stored = ModelVersion(
            series=series.key,
            version=version,
            trained_at=int(trained_at_ms),
            bundle_key=model_bundle_key(series, version),
            cards_key=model_cards_key(series, version),
            cards_text_key=model_cards_text_key(series, version),
            config=self._codec.config_dict(config),
            losses=self._codec.losses(cards),
        )
        # Bundle last: a reader that finds the bundle finds the cards beside it.
        self._put(stored.cards_key, _json(self._codec.cards_json(cards)), "application/json")
        self._put(stored.cards_text_key, self._codec.cards_text(cards).encode(), "text/plain")
        self._put(stored.bundle_key, self._codec.bundle_bytes(artifacts), "application/octet-stream")
        return stored

    def move_latest(self, series: Series, version: ModelVersion) -> None:
        """Serve ``version`` from now on (one PutObject: readers see the old pointer or the new, never half)."""
        if version.series != series.key:
            raise ValueError(f"version of {version.series} cannot serve {series.key}")
        self._put(model_latest_key(series), _json(version.pointer()), "application/json")

    # ------------------------------------------------------------- reading
    def latest_pointer(self, series: Series) -> dict[str, Any] | None:
        """The pointer as stored, or None when the series has no model yet."""
        key = model_latest_key(series)
        body = self._get(key)
        if body is None:
            return None
        try:
            pointer = json.loads(body)
        except ValueError as exc:
            raise StorageError(f"{self._objects.where(key)} is not JSON: {exc}") from exc
        if not isinstance(pointer, dict) or not {"version", "bundle_key"} <= pointer.keys():
            raise StorageError(f"{self._objects.where(key)} is not a model pointer (needs version and bundle_key)")
        return pointer

    def load_latest(self, series: Series) -> LoadedModel | None:
        """The served model of ``series``; None if nothing was ever promoted; StorageError if it cannot be read."""
        pointer = self.latest_pointer(series)
        return None if pointer is None else self.load_pointer(pointer)

    def load_pointer(self, pointer: dict[str, Any]) -> LoadedModel:
        """The bundle a pointer names; its cards come from the bundle itself (the ones it was scored with)."""
        key = str(pointer["bundle_key"])
        body = self._get(key)
        if body is None:
            raise StorageError(f"model bundle {self._objects.where(key)} is missing (the pointer names it)")
        try:
            artifacts, cards = self._codec.read_bundle(body)
        except (ArtifactError, TypeError, ValueError) as exc:
            raise StorageError(f"model bundle {self._objects.where(key)} cannot be read: {exc}") from exc
        return LoadedModel(
            version=str(pointer["version"]),
            trained_at=int(pointer.get("trained_at", pointer["version"])),
            artifacts=artifacts,
            cards=cards,
        )

    def read_cards(self, series: Series, version: str) -> list[Any]:
        """The cards of any stored version (for reports and inspection)."""
        key = model_cards_key(series, version)
        body = self._get(key)
        if body is None:
            raise StorageError(f"{self._objects.where(key)} is missing")
        try:
            return self._codec.read_cards(json.loads(body))
        except (ValueError, TypeError) as exc:
            raise StorageError(f"{self._objects.where(key)} holds no model cards: {exc}") from exc

    def _put(self, key: str, body: bytes, content_type: str) -> None:
        self._objects.put(key, body, content_type)

    def _get(self, key: str) -> bytes | None:
        return self._objects.get(key)


def _json(value: Any) -> bytes:
    return json.dumps(value, allow_nan=False, separators=(",", ":")).encode()


def _wall_clock_ms() -> int:
    return int(time.time() * 1000)


@dataclass(slots=True)
class _Entry:
    model: LoadedModel | None
    checked_at: int


@dataclass
class CachedModels:
    """The served model per series, kept for the life of a Lambda container.

    A bundle is a few hundred kilobytes to download and parse, and the
    pointer moves at most once a day, so each series is loaded once, and
    after ``ttl_ms`` only the small pointer is read again; the bundle is
    reloaded only when the pointer names another version. "No model yet" is
    cached the same way, so a series without one costs one GET per TTL.

    If a refresh fails while a model is cached, the cached model keeps
    serving (a stale forecast for an hour beats none) and the failure is kept
    in :attr:`last_error` and passed to ``on_stale`` (AnalyzeFunction logs and
    counts it there, so a broken pointer does not go unnoticed); with nothing cached the
    :class:`StorageError` propagates. Every model served is passed to
    ``on_served`` with its training time and ``now`` (AnalyzeFunction publishes
    its age, so models that stop being refreshed raise an alarm).
    """

    store: ModelStore
    ttl_ms: int = HOUR_MS
    clock: Callable[[], int] = _wall_clock_ms
    last_error: StorageError | None = None
    on_stale: Callable[[Series, StorageError], None] | None = None
    on_served: Callable[[Series, int, int], None] | None = None
    _entries: dict[str, _Entry] = field(default_factory=dict)

    def get(self, series: Series, now_ms: int | None = None) -> LoadedModel | None:
        now = self.clock() if now_ms is None else now_ms
        entry = self._entries.get(series.key)
        if entry is not None and now - entry.checked_at < self.ttl_ms:
            return self._served(series, entry.model, now)
        try:
            pointer = self.store.latest_pointer(series)
            if pointer is None:
                model = None
            elif entry is not None and entry.model is not None and entry.model.version == str(pointer["version"]):
                model = entry.model
            else:
                model = self.store.load_pointer(pointer)
        except StorageError as exc:
            if entry is None or entry.model is None:
                raise
            self.last_error = exc
            if self.on_stale is not None:
                self.on_stale(series, exc)
            model = entry.model
        self._entries[series.key] = _Entry(model=model, checked_at=now)
        return self._served(series, model, now)

    def _served(self, series: Series, model: LoadedModel | None, now: int) -> LoadedModel | None:
        if model is not None and self.on_served is not None:
            self.on_served(series, model.trained_at, now)
        return model
