"""The S3 archive of NewsAPI answers: what was received, kept so any score or mood can be recomputed."""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.contracts.archive_keys import news_key
from crypto_advisor.contracts.errors import StorageError


def encode(document: Mapping[str, Any]) -> bytes:
    """Compact JSON, gzip-compressed with a fixed mtime so the same answer gives the same bytes."""
    return gzip.compress(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode(), mtime=0)


def decode(body: bytes) -> dict[str, Any]:
    return json.loads(gzip.decompress(body))


class NewsArchive:
    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def put(self, coin: str, run_ms: int, document: Mapping[str, Any]) -> str:
        """Archive one coin's answer of one run under :func:`news_key`; returns the key."""
        key = news_key(coin, run_ms)
        try:
            self._s3.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=encode(document),
                ContentType="application/json",
                ContentEncoding="gzip",
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"archiving the news answer of {coin} to {key}: {exc}") from exc
        return key
