"""The replay figures of a series in the archive bucket (``stats/replay/...``), for the email to quote.

They exist once someone ran the replay (``make demo`` does; a deployed user
can upload them); until then an email simply has no track record to show, so a
missing object is an answer (None), not an error.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.adapters.errors import StorageError
from crypto_advisor.contracts.archive_keys import replay_stats_key
from crypto_advisor.contracts.series import Series

_MISSING = {"NoSuchKey", "404", "NotFound"}


class ReplayStats:
    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def read(self, series: Series) -> dict[str, Any] | None:
        """The replay report of ``series`` as stored (the JSON of ``analysis.replay.replay``), or None if absent."""
        key = replay_stats_key(series)
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise StorageError(f"reading s3://{self._bucket}/{key}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"reading s3://{self._bucket}/{key}: {exc}") from exc
        try:
            report = json.loads(body)
        except ValueError as exc:
            raise StorageError(f"s3://{self._bucket}/{key} is not JSON: {exc}") from exc
        if not isinstance(report, dict):
            raise StorageError(f"s3://{self._bucket}/{key} holds a {type(report).__name__}, not a replay report")
        return report

    def write(self, series: Series, report: dict[str, Any]) -> str:
        """Store a replay report (TrainFunction's daily job) where :meth:`read` finds it; returns the key."""
        key = replay_stats_key(series)
        try:
            self._s3.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=json.dumps(report).encode(),
                ContentType="application/json",
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"writing s3://{self._bucket}/{key}: {exc}") from exc
        return key
