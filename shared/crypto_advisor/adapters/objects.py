"""Whole objects by key: the archive bucket, or a local folder laid out with the bucket's keys.

The model store and the replay figures read and write small whole objects
(a JSON pointer, a bundle, a report). They do it through this one interface so
that the S3 error mapping lives in one place, and so that ``make train`` can
write the very same layout to a folder with the very same code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.contracts.errors import StorageError

#: What S3 answers for an absent key (NoSuchKey, or 404 when the caller may not list the bucket).
_MISSING = {"NoSuchKey", "404", "NotFound"}


class ObjectStore(Protocol):
    def get(self, key: str) -> bytes | None: ...
    def put(self, key: str, body: bytes, content_type: str) -> None: ...
    def where(self, key: str) -> str: ...


class S3Objects:
    """Objects in one bucket; botocore errors become :class:`StorageError`, an absent key is None."""

    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def where(self, key: str) -> str:
        return f"s3://{self._bucket}/{key}"

    def get(self, key: str) -> bytes | None:
        try:
            return self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise StorageError(f"reading {self.where(key)}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"reading {self.where(key)}: {exc}") from exc

    def put(self, key: str, body: bytes, content_type: str) -> None:
        try:
            self._s3.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType=content_type)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"writing {self.where(key)}: {exc}") from exc


class FolderObjects:
    """The same keys as files under one folder (``make train`` writes the bucket's layout locally)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def where(self, key: str) -> str:
        return str(self.root / key)

    def get(self, key: str) -> bytes | None:
        path = self.root / key
        return path.read_bytes() if path.exists() else None

    def put(self, key: str, body: bytes, content_type: str) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)


def read_json_object(objects: ObjectStore, key: str) -> dict[str, Any] | None:
    """A JSON object stored at ``key``, or None when absent; anything else there is a :class:`StorageError`."""
    body = objects.get(key)
    if body is None:
        return None
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise StorageError(f"{objects.where(key)} is not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise StorageError(f"{objects.where(key)} holds a {type(document).__name__}, not a JSON object")
    return document


def write_json_object(objects: ObjectStore, key: str, document: dict[str, Any]) -> str:
    """Store ``document`` as compact JSON at ``key``; returns the key."""
    objects.put(key, json.dumps(document, separators=(",", ":")).encode(), "application/json")
    return key
