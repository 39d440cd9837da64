"""The replay figures of a series in the archive bucket (``stats/replay/...``), for the email to quote.

TrainFunction writes them daily (``make demo`` runs it after the backfill);
until its first run an email simply has no track record to show, so a missing
object is an answer (None), not an error.
"""

from __future__ import annotations

import json
from typing import Any

from crypto_advisor.adapters.objects import ObjectStore, S3Objects, read_json_object
from crypto_advisor.contracts.archive_keys import replay_figures_key
from crypto_advisor.contracts.series import Series


class ReplayFiguresStore:
    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._objects: ObjectStore = S3Objects(s3_client, bucket)

    @classmethod
    def on(cls, objects: ObjectStore) -> ReplayFiguresStore:
        """The same figures over any object store (``make train`` writes to a folder)."""
        stats = cls.__new__(cls)
        stats._objects = objects
        return stats

    def read(self, series: Series) -> dict[str, Any] | None:
        """The replay report of ``series`` as stored (the JSON of ``analysis.replay.replay``), or None if absent."""
        return read_json_object(self._objects, replay_figures_key(series))

    def write(self, series: Series, report: dict[str, Any]) -> str:
        """Store a replay report (TrainFunction's daily job) where :meth:`read` finds it; returns the key."""
        key = replay_figures_key(series)
        self._objects.put(key, json.dumps(report).encode(), "application/json")
        return key
