"""The S3 archive of rule firings, one JSON Lines object per analysed candle that fired (Athena's ``firings``).

The Signals table keeps a signal 180 days and holds it as one JSON body; the
archive keeps every firing for good, one flat row per firing, so "firings per
rule per day" is a query rather than a scan of the table. The Glue table
``firings`` in template.yaml declares these columns; a test reads an archived
object back through them.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.adapters.signal_store import SignalStore
from crypto_advisor.contracts.archive_keys import firings_key
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal


def firing_rows(signal: Signal) -> list[dict[str, Any]]:
    """One flat row per firing, held back or not (Athena's ``firings`` columns, in their order)."""
    return [
        {
            "series": signal.series,
            "ts": signal.candle_ts,
            "rule_id": f.rule_id,
            "direction": f.direction,
            "severity": f.severity,
            "value": f.value,
            "threshold": f.threshold,
            "distance": f.distance,
            "unit": f.unit,
            "suppressed": f.suppressed,
            "suppressed_reason": f.suppressed_reason,
            "close": signal.close,
            "healthy": signal.health.healthy,
        }
        for f in signal.firings
    ]


def encode(signal: Signal) -> bytes:
    lines = (json.dumps(row, separators=(",", ":"), allow_nan=False) for row in firing_rows(signal))
    return gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0)


def decode(body: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in gzip.decompress(body).decode().splitlines()]


class FiringArchive:
    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def put(self, signal: Signal) -> str | None:
        """Archive ``signal``'s firings; the key written, or None when nothing fired (nothing is written)."""
        if not signal.firings:
            return None
        key = firings_key(Series.parse(signal.series), signal.candle_ts)
        try:
            self._s3.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=encode(signal),
                ContentType="application/x-ndjson",
                ContentEncoding="gzip",
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(
                f"archiving the firings of {signal.series} at {signal.candle_ts} to {key}: {exc}"
            ) from exc
        return key


class ArchivingSignalWriter:
    """The analysis's signal writer: archives the firings first, then stores the signal once.

    In that order because the stored signal is what emails (the Signals table's
    stream): a failed archive write fails the record before anything is sent,
    and the retry rewrites the same key; a redelivered update rewrites an
    identical object and finds its signal stored.
    """

    def __init__(self, archive: FiringArchive, store: SignalStore) -> None:
        self._archive = archive
        self._store = store

    def put_once(self, signal: Signal) -> bool:
        self._archive.put(signal)
        return self._store.put_once(signal)
