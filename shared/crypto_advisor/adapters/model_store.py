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
inspection, :data:`VERSION_RETENTION_DAYS` days; older ones are deleted by the
next training run (:meth:`ModelStore.prune_versions`), except the served one.
The pointer carries the version's configuration and its verdict losses, so the
next training run can re-evaluate the served configuration on new candles
without downloading its bundle.

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

from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.adapters.objects import ObjectStore, S3Objects
from crypto_advisor.contracts.archive_keys import (
    model_bundle_key,
    model_cards_key,
    model_cards_text_key,
    model_latest_key,
    model_series_prefix,
)
from crypto_advisor.contracts.errors import ArtifactError, CorruptObjectError, StorageError
from crypto_advisor.contracts.model_version import ModelVersion
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.units import DAY_MS, HOUR_MS

#: How long a model version is kept after it was trained, unless the pointer names it.
#:
#: The daily refit writes one version per series per day (about 176 KB: ``make train`` on ETH/USD 1h's bundle and
#: cards), which nothing reads after the next day's gate: kept for ever, about 64 GB a year at 1,000 series. Two weeks
#: leaves room to inspect what the gate refused, or compare a fortnight of refits, and
#: :meth:`ModelStore.prune_versions` never deletes the served version, however old. The archive bucket is versioned
#: with a 30-day noncurrent expiry (template.yaml, ``expire-old-versions``), so a deleted version is still
#: recoverable for 30 days after its deletion (``aws s3api list-object-versions``, then copy the noncurrent version
#: back).
VERSION_RETENTION_DAYS = 14
#: Keys DeleteObjects takes in one request (S3's limit).
DELETE_BATCH = 1000
#: Failures named in the error of a pruning (the rest are counted): a thousand keys refused are one cause.
_ERRORS_SHOWN = 5


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
        self._bucket: _Bucket | None = _Bucket(s3_client, bucket)

    @classmethod
    def on(cls, objects: ObjectStore, codec: BundleCodec) -> ModelStore:
        """The same store over any object store (``make train`` writes to a folder)."""
        store = cls.__new__(cls)
        store._objects = objects
        store._codec = codec
        store._bucket = None
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

    def prune_versions(self, series: Series, *, keep: str, now_ms: int) -> list[str]:
        """Delete the versions of ``series`` trained over :data:`VERSION_RETENTION_DAYS` before ``now_ms``; the
        versions deleted, oldest first.

        Never deleted: ``keep`` (the version the run just wrote) and the one
        the pointer names (the served model, however old: the gate may keep it
        for weeks). The pointer is read before anything is deleted, and a
        pointer that cannot be read deletes nothing (:class:`StorageError`).
        One listing of the series' prefix finds the versions; their objects go
        in DeleteObjects requests of up to :data:`DELETE_BATCH` keys. Every
        request is tried; what S3 refused is one :class:`StorageError` at the
        end, naming the keys and S3's codes. A store over a folder (``make
        train``) deletes nothing: the folder is yours.
        """
        if self._bucket is None:
            return []
        served = self.latest_pointer(series)
        kept = {str(keep)} | ({str(served["version"])} if served is not None else set())
        cutoff = int(now_ms) - VERSION_RETENTION_DAYS * DAY_MS
        by_version = self._bucket.versions(model_series_prefix(series))
        old = sorted((v for v in by_version if v not in kept and int(v) < cutoff), key=int)
        self._bucket.delete([key for version in old for key in by_version[version]])
        return old

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
            raise CorruptObjectError(f"{self._objects.where(key)} is not JSON: {exc}") from exc
        if not isinstance(pointer, dict) or not {"version", "bundle_key"} <= pointer.keys():
            raise CorruptObjectError(
                f"{self._objects.where(key)} is not a model pointer (needs version and bundle_key)"
            )
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


class _Bucket:
    """The listing and deletion the pruning needs, which :class:`ObjectStore` (whole objects by key) does not offer."""

    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._name = bucket

    def versions(self, series_prefix: str) -> dict[str, list[str]]:
        """The keys under each ``v=<trained_at_ms>/`` of ``series_prefix``, by version; anything else is left out."""
        found: dict[str, list[str]] = {}
        try:
            pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self._name, Prefix=series_prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    key = str(item["Key"])
                    version = _version_of(key[len(series_prefix) :])
                    if version is not None:
                        found.setdefault(version, []).append(key)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"listing s3://{self._name}/{series_prefix}: {exc}") from exc
        return found

    def delete(self, keys: Sequence[str]) -> None:
        """Delete ``keys``, :data:`DELETE_BATCH` a request; every batch is tried, then one error names what failed."""
        failures: list[str] = []
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start : start + DELETE_BATCH]
            try:
                answer = self._s3.delete_objects(
                    Bucket=self._name, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
                )
            except (ClientError, BotoCoreError) as exc:
                failures.append(f"{len(batch)} key(s) from {batch[0]}: {exc}")
                continue
            failures += [
                f"{e.get('Key')}: {e.get('Code')} {e.get('Message', '')}".rstrip() for e in answer.get("Errors", [])
            ]
        if failures:
            shown = "; ".join(failures[:_ERRORS_SHOWN]) + ("; ..." if len(failures) > _ERRORS_SHOWN else "")
            raise StorageError(f"deleting old model versions in s3://{self._name}: {len(failures)} failed: {shown}")


def _version_of(relative_key: str) -> str | None:
    """``v=1750000000000/bundle.npz`` -> ``1750000000000``; None for the pointer or any key not of a version."""
    head, slash, _ = relative_key.partition("/")
    name, _, version = head.partition("=")
    return version if slash and name == "v" and version.isdigit() else None


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
