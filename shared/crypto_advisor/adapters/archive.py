"""The S3 archive of candles: the source of truth every table and model can be rebuilt from."""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from itertools import groupby
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.contracts.archive_keys import ohlcv_key, series_prefix, utc_date
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.series import Series


def encode(series: Series, candles: Sequence[Candle]) -> bytes:
    """JSON Lines, one candle per line with its series, gzip-compressed (Athena reads it as is).

    A missing volume is ``"volume":null`` (JSON has no NaN; null is what Athena reads as missing).
    """
    lines = (json.dumps({"series": series.key, **c.as_dict()}, separators=(",", ":")) for c in candles)
    return gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0)


def decode(body: bytes) -> list[Candle]:
    candles = []
    for line in gzip.decompress(body).decode().splitlines():
        row = json.loads(line)
        candles.append(Candle(row["ts"], row["open"], row["high"], row["low"], row["close"], row["volume"]))
    return candles


class CandleArchive:
    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def put(self, series: Series, candles: Sequence[Candle]) -> list[str]:
        """Archive candles, one object per UTC day; returns the keys written."""
        keys = []
        for _, day in groupby(candles, key=lambda c: utc_date(c.ts)):
            chunk = list(day)
            key = ohlcv_key(series, chunk[0].ts, chunk[-1].ts)
            try:
                self._s3.put_object(
                    Bucket=self._bucket,
                    Key=key,
                    Body=encode(series, chunk),
                    ContentType="application/x-ndjson",
                    ContentEncoding="gzip",
                )
            except (ClientError, BotoCoreError) as exc:
                raise StorageError(f"archiving {len(chunk)} candles of {series.key} to {key}: {exc}") from exc
            keys.append(key)
        return keys

    def keys(self, series: Series, *, from_date: str | None = None) -> list[str]:
        """The keys of ``series``' objects in S3's order (by day, then by first candle), all or from a UTC day on.

        ``from_date`` (``YYYY-MM-DD``) lists only the objects of that day and later, with ListObjectsV2's
        ``StartAfter``: ``.../date=2026-11-20`` sorts before every key of that day's partition and after every
        key of the days before, so S3 never returns, nor bills, the pages of the older days.
        """
        paginator = self._s3.get_paginator("list_objects_v2")
        prefix = series_prefix(series)
        start = {"StartAfter": f"{prefix}date={from_date}"} if from_date else {}
        try:
            return [
                obj["Key"]
                for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix, **start)
                for obj in page.get("Contents", [])
            ]
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"listing the archive of {series.key}: {exc}") from exc

    def read_objects(self, keys: Sequence[str]) -> dict[int, Candle]:
        """The candles of ``keys`` by ``ts``; where two objects hold the same ``ts``, the later key's wins."""
        by_ts: dict[int, Candle] = {}
        for key in keys:
            try:
                body = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
            except (ClientError, BotoCoreError) as exc:
                raise StorageError(f"reading {key}: {exc}") from exc
            for candle in decode(body):
                by_ts[candle.ts] = candle
        return by_ts

    def read(self, series: Series) -> list[Candle]:
        """Every archived candle of ``series``, de-duplicated on ``ts``, oldest first.

        One GET per object ever archived: the daily refit reads through
        :class:`~crypto_advisor.adapters.training_history.TrainingHistory` instead, whose requests do not grow
        with the archive's age, and which falls back to this read.
        """
        by_ts = self.read_objects(self.keys(series))
        return [by_ts[ts] for ts in sorted(by_ts)]
