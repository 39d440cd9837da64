"""The model store as every function and tool gets it: the S3 (or folder) adapter with the forecast codec."""

from __future__ import annotations

from typing import Any

from crypto_advisor.adapters.model_store import ModelStore
from crypto_advisor.adapters.objects import ObjectStore
from crypto_advisor.forecast.bundle_codec import ForecastBundles


def model_store(s3_client: Any, bucket: str) -> ModelStore:
    """Model versions in the archive bucket, read and written as the forecast package defines them."""
    return ModelStore(s3_client, bucket, ForecastBundles())


def folder_model_store(objects: ObjectStore) -> ModelStore:
    """The same store over another object store (``make train`` writes to a folder)."""
    return ModelStore.on(objects, ForecastBundles())
