"""The market scan's two small documents in S3: the newest snapshot (the ingest's) and the breakout model's report;
and which coins the scan has archived, its record of the coins it held.

``reports/scan/vs=USD/latest.json`` is rewritten by every hour's scan: the
coins it holds, in market-cap order, with each coin's close and 24 h change
read from its stored candles. ``reports/scan/vs=USD/breakouts.json`` is
rewritten by every training run: the model's walk-forward card and each
coin's probability at its newest hour. Both are whole documents (one PUT, one
GET): the training run and the digest read one object rather than a
thousand series.

The snapshot holds this hour's coins only, and no older snapshot is kept (the
bucket's versions of ``latest.json`` expire in 30 days, and TrainFunction may not
read them). The archive is the older record: a coin's series is archived only
while the scan holds it (a coin that leaves stops growing), so the scan's coins
of any past day are the series under ``raw/ohlcv/source=coingecko-markets/``
with an object of that day or later. The breakout model's training reads them
(:func:`~crypto_advisor.training.scan.read_universe`) so that the coins that
left the scan are not left out of its history (survivorship).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.adapters.objects import S3Objects, read_json_object, write_json_object
from crypto_advisor.contracts.archive_keys import (
    OHLCV_PREFIX,
    scan_breakouts_key,
    scan_snapshot_key,
    series_prefix,
    utc_date,
)
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.market_scan import SCAN_SOURCE, SCAN_TIMEFRAME
from crypto_advisor.contracts.series import Series, SeriesError

#: Where the archive keeps the scan's coins, one ``symbol=<COIN>-<VS>/`` partition each.
SCAN_ARCHIVE_PREFIX = f"{OHLCV_PREFIX}/source={SCAN_SOURCE}/"


class ScanReports:
    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket
        self._objects = S3Objects(s3_client, bucket)

    def put_snapshot(self, vs: str, snapshot: dict[str, Any]) -> str:
        return write_json_object(self._objects, scan_snapshot_key(vs), snapshot)

    def snapshot(self, vs: str) -> dict[str, Any] | None:
        """The newest scan's snapshot, or None before the first scan."""
        return read_json_object(self._objects, scan_snapshot_key(vs))

    def put_breakouts(self, vs: str, report: dict[str, Any]) -> str:
        return write_json_object(self._objects, scan_breakouts_key(vs), report)

    def breakouts(self, vs: str) -> dict[str, Any] | None:
        """The newest breakout model report, or None before the first training run."""
        return read_json_object(self._objects, scan_breakouts_key(vs))

    def archived_coins(self, vs: str) -> list[Series]:
        """Every coin the ``vs`` scan has ever archived candles of, held now or not, in the archive's order.

        One LIST (``Delimiter="/"``) a thousand coins, whatever their age: the coins' partitions, not their
        objects. A partition that is not a scan series' (only a hand-made object can make one: the ingest writes
        a validated series) is not a coin, and is passed over.
        """
        paginator = self._s3.get_paginator("list_objects_v2")
        try:
            partitions = [
                common["Prefix"]
                for page in paginator.paginate(Bucket=self._bucket, Prefix=SCAN_ARCHIVE_PREFIX, Delimiter="/")
                for common in page.get("CommonPrefixes", [])
            ]
        except (ClientError, BotoCoreError) as exc:
            where = f"s3://{self._bucket}/{SCAN_ARCHIVE_PREFIX}"
            raise StorageError(f"listing the {vs} scan's coins under {where}: {exc}") from exc
        coins = (_scan_series(partition) for partition in partitions)
        return [series for series in coins if series is not None and series.quote == vs]

    def archived_since(self, series: Series, since_ms: int) -> bool:
        """Whether ``series`` has an archive object of ``since_ms``'s UTC day or later: one LIST of one key.

        ``StartAfter=.../date=<day>`` skips the older days' keys unread, as ``CandleArchive.keys`` does; a day
        is the archive's finest partition, so a coin whose last candle is earlier on that day counts too (its
        read then holds no candle of the window, and the training leaves it out).
        """
        prefix = series_prefix(series)
        try:
            answer = self._s3.list_objects_v2(
                Bucket=self._bucket, Prefix=prefix, StartAfter=f"{prefix}date={utc_date(since_ms)}", MaxKeys=1
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"listing the archive of {series.key} since {utc_date(since_ms)}: {exc}") from exc
        return bool(answer.get("Contents"))


def _scan_series(partition: str) -> Series | None:
    """The scan series of an archive partition ``raw/ohlcv/source=coingecko-markets/symbol=SOL-USD/``, or None."""
    symbol = partition.removeprefix(SCAN_ARCHIVE_PREFIX).removesuffix("/").removeprefix("symbol=")
    try:
        series = Series.of(SCAN_SOURCE, symbol, SCAN_TIMEFRAME)
    except SeriesError:
        return None
    return series if series_prefix(series).startswith(partition) else None
