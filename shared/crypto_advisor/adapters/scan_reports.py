"""The market scan's two small documents in S3: the newest snapshot (the ingest's) and the breakout model's report.

``reports/scan/vs=USD/latest.json`` is rewritten by every hour's scan: the
coins it holds, in market-cap order, with each coin's close and 24 h change
read from its stored candles. ``reports/scan/vs=USD/breakouts.json`` is
rewritten by every training run: the model's walk-forward card and each
coin's probability at its newest hour. Both are whole documents (one PUT, one
GET): the training run and the digest read one object rather than a
thousand series.
"""

from __future__ import annotations

from typing import Any

from crypto_advisor.adapters.objects import S3Objects, read_json_object, write_json_object
from crypto_advisor.contracts.archive_keys import scan_breakouts_key, scan_snapshot_key


class ScanReports:
    def __init__(self, s3_client: Any, bucket: str) -> None:
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
