"""The daily refit's read of a series' archive, in a number of S3 requests that does not grow with the archive's age.

Why: the ingest writes one archive object per series, UTC day and ingest
write (``contracts.archive_keys``), so an hourly series gains about 24 objects
a day, and :meth:`CandleArchive.read` GETs every one of them: after a year,
8,760 GETs per series and run, millions for a top-1,000 scan, which no
15-minute invocation finishes.

How: TrainFunction keeps, per series, a **training history**: every candle
read so far, compacted into one gzip JSON Lines object
(:func:`~crypto_advisor.contracts.archive_keys.training_history_key`, outside
``raw/``). A run GETs it, lists the archive from the UTC day of its last candle
on (``ListObjectsV2`` with ``StartAfter``: one LIST page, not a year's), GETs
those objects, lays their candles over the history's (the later object wins
on a ``ts``, exactly as the full read de-duplicates), and writes the result
back when it changed. Per series and run: 1 GET of the history, 1 LIST, the
objects of the history's last day and of the days since (about 48 for an
hourly series refitted daily), 1 PUT: bounded by the days between two runs,
not by the archive's age.

Why this reads exactly what the full read does: a candle lives only in the
objects of its own UTC day (``CandleArchive.put`` splits by day), and the
ingest only appends, writing candles after the series' cursor (a gap is
reported, never filled later), so no object of a day before the history's
last day is written after the history was. Every day from the history's last
on is re-read whole, in the same key order, so rewritten or overlapping
objects of those days, and a day that spans the history's end, resolve as in
the full read. (Rewriting an older day by hand, a repair, must delete the
series' history object: the next run then reads everything.) The archive
stays the source of truth; nothing in ``raw/`` is moved or deleted. The
alternative, compacting closed days into one object per day, would also help
Athena, but would delete archive objects, the one copy of data no source
serves again.

When the history cannot be trusted, the run falls back to the full read and
rewrites it, and says why (``on_full_read``): there is none yet (a new series,
or the first run of this code), it cannot be read (S3 error, not gzip JSON
Lines, a candle of another series, ``ts`` not strictly increasing), or it holds
a candle of a re-read day that no archive object holds any more (objects were
deleted). A history that cannot be written is reported the same way and the
run goes on: its candles are right, and the next run starts from the older
history (or reads everything).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from crypto_advisor.adapters.archive import CandleArchive, encode
from crypto_advisor.adapters.objects import S3Objects
from crypto_advisor.contracts.archive_keys import training_history_key, utc_date
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.series import Series

NO_HISTORY = "no history yet"
#: Called with the series, the reason and whether it is unexpected whenever the history is not used (a full read)
#: or not written (expected: only "no history yet").
Report = Callable[[Series, str, bool], None]


def _ignore(series: Series, reason: str, unexpected: bool) -> None:
    """The default :data:`Report`: tests and tools that do not log."""


class TrainingHistory:
    """:class:`~crypto_advisor.training.ports.ArchivePort` for the daily refit: the history plus the days since."""

    def __init__(self, s3_client: Any, bucket: str, *, on_full_read: Report = _ignore) -> None:
        self.archive = CandleArchive(s3_client, bucket)
        self._objects = S3Objects(s3_client, bucket)
        self._report = on_full_read

    def read(self, series: Series) -> list[Candle]:
        """Every archived candle of ``series``, de-duplicated on ``ts``, oldest first: what the full read returns."""
        history, problem = self._history(series)
        if history is not None:
            from_day = utc_date(history[-1].ts)
            fresh = self.archive.read_objects(self.archive.keys(series, from_date=from_day))
            lost = [c.ts for c in history if c.ts >= _day_start_ms(from_day) and c.ts not in fresh]
            if not lost:
                merged = _merge(history, fresh)
                if merged != history:
                    self._write(series, merged)
                return merged
            problem = (
                f"the history holds {len(lost)} candles from {from_day} on that no archive object holds "
                f"(the first at ts {lost[0]}): objects were deleted"
            )
        self._report(series, f"full archive read: {problem}", history is not None or problem != NO_HISTORY)
        candles = self.archive.read(series)
        if candles:
            self._write(series, candles)
        return candles

    def _history(self, series: Series) -> tuple[list[Candle] | None, str]:
        key = training_history_key(series)
        try:
            body = self._objects.get(key)
        except StorageError as exc:
            return None, f"the history cannot be read ({exc})"
        if body is None:
            return None, NO_HISTORY
        try:
            return decode_history(series, body), ""
        except ValueError as exc:
            return None, f"the history at {self._objects.where(key)} is unusable ({exc})"

    def _write(self, series: Series, candles: list[Candle]) -> None:
        try:
            self._objects.put(training_history_key(series), encode(series, candles), "application/x-ndjson")
        except StorageError as exc:
            said = f"history not written (the next run starts from the one stored before, or reads everything): {exc}"
            self._report(series, said, True)


def decode_history(series: Series, body: bytes) -> list[Candle]:
    """The candles of a history object; ``ValueError`` saying what is wrong when it is not one of ``series``."""
    try:
        rows = [json.loads(line) for line in gzip.decompress(body).decode().splitlines()]
        candles = [
            Candle(int(r["ts"]), r["open"], r["high"], r["low"], r["close"], r["volume"])
            for r in rows
            if r["series"] == series.key
        ]
    except (OSError, EOFError, UnicodeDecodeError, KeyError, TypeError) as exc:  # a bad gzip is an OSError
        raise ValueError(f"not gzip JSON Lines of candles: {type(exc).__name__}: {exc}") from exc
    if len(candles) != len(rows):
        raise ValueError(f"{len(rows) - len(candles)} of its {len(rows)} candles are of another series")
    if not candles:
        raise ValueError("no candles")
    if any(b.ts <= a.ts for a, b in pairwise(candles)):
        raise ValueError("its candles are not in strictly increasing ts")
    return candles


def _merge(history: list[Candle], fresh: dict[int, Candle]) -> list[Candle]:
    by_ts = {c.ts: c for c in history}
    by_ts.update(fresh)
    return [by_ts[ts] for ts in sorted(by_ts)]


def _day_start_ms(day: str) -> int:
    return int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).timestamp() * 1000)
