"""The Ledger table: every prediction an email showed, and how it turned out.

One item per (series, candle, kind, model): partition key ``series``, sort key
``sk = <candle_ts, 13 digits>#<kind>#<model>`` so a newest-first Query reads
the latest predictions first.

=====================  ====================================================
``status``             ``open`` until graded, then ``graded``
``candle_ts``          the candle the prediction was made at (epoch ms)
``kind`` ``model``     breakout / path / interval, and the model's name
``horizon`` ``due_ts`` candles ahead, and the open time of the candle that
                       settles it (``candle_ts + horizon x timeframe``)
``close``              the close at prediction time (persistence)
values                 breakout: ``threshold_pct`` ``probability``; path:
                       ``price``; interval: ``level`` ``low`` ``high``
outcome                ``actual``; breakout ``hit``; path ``error``
                       ``persistence_error``; interval ``inside``;
                       ``graded_at`` (epoch ms, wall clock)
``expires_at``         epoch seconds (TTL), :data:`RETENTION_S` after the candle
=====================  ====================================================

Both writes are conditional, so stream redeliveries change nothing: an entry
is put only if absent (a re-sent email after a lease takeover does not reopen
a graded entry), and grading flips ``open`` to ``graded`` only once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.ledger import GRADED, OPEN, Grade, LedgerEntry

#: How long predictions are kept (TTL, from the candle): long enough for a live record of a rarely emailed series.
RETENTION_S = 365 * 86_400
#: Items one read returns at most: the live window of four models plus their open entries, with room to spare.
READ_LIMIT = 500

_VALUES = ("threshold_pct", "probability", "price", "level", "low", "high")
_OUTCOME = ("actual", "error", "persistence_error")


class ForecastLedger:
    def __init__(self, table: Any) -> None:
        """``table`` is a boto3 ``dynamodb.Table`` resource of the Ledger table."""
        self._table = table

    def read(self, series: str, *, limit: int = READ_LIMIT) -> list[LedgerEntry]:
        """The series' latest entries, newest first, at most ``limit`` (one Query, paged)."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("series").eq(series),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        entries: list[LedgerEntry] = []
        try:
            while len(entries) < limit:
                page = self._table.query(**kwargs)
                entries.extend(_entry(item) for item in page["Items"])
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
                kwargs["Limit"] = limit - len(entries)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"reading the forecast ledger of {series}: {exc}") from exc
        return entries[:limit]

    def put_new(self, entries: Sequence[LedgerEntry], *, now_ms: int) -> int:
        """Store each entry unless it exists already; how many were new."""
        stored = 0
        for entry in entries:
            item: dict[str, Any] = {
                "series": entry.series,
                "sk": entry.sk,
                "status": OPEN,
                "candle_ts": entry.candle_ts,
                "kind": entry.kind,
                "model": entry.model,
                "horizon": entry.horizon,
                "due_ts": entry.due_ts,
                "close": _decimal(entry.close),
                "recorded_at": now_ms,
                "expires_at": entry.candle_ts // 1000 + RETENTION_S,
            }
            item.update({name: _decimal(getattr(entry, name)) for name in _VALUES if getattr(entry, name) is not None})
            stored += self._conditional(
                f"recording the {entry.model} prediction of {entry.series} at {entry.candle_ts}",
                functools.partial(self._table.put_item, Item=item, ConditionExpression="attribute_not_exists(sk)"),
            )
        return stored

    def mark_graded(self, entry: LedgerEntry, grade: Grade, *, now_ms: int) -> bool:
        """Store the outcome on condition the entry is still open; False if it was graded already."""
        names = {"#status": "status"}
        values: dict[str, Any] = {":open": OPEN, ":graded": GRADED, ":now": now_ms}
        sets = ["#status = :graded", "graded_at = :now"]
        for name in (*_OUTCOME, "hit", "inside"):
            value = getattr(grade, name)
            if value is not None:
                names[f"#{name}"] = name
                values[f":{name}"] = value if isinstance(value, bool) else _decimal(value)
                sets.append(f"#{name} = :{name}")
        return self._conditional(
            f"grading the {entry.model} prediction of {entry.series} at {entry.candle_ts}",
            lambda: self._table.update_item(
                Key={"series": entry.series, "sk": entry.sk},
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression="#status = :open",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            ),
        )

    @staticmethod
    def _conditional(what: str, write: Callable[[], Any]) -> bool:
        try:
            write()
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise StorageError(f"{what}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"{what}: {exc}") from exc


def _decimal(value: float) -> Decimal:
    # DynamoDB numbers: through str so 0.1 is stored as 0.1, not its binary expansion.
    return Decimal(repr(float(value)))


def _entry(item: dict[str, Any]) -> LedgerEntry:
    try:
        grade = None
        if item.get("status") == GRADED:
            grade = Grade(
                actual=float(item["actual"]),
                hit=item.get("hit"),
                error=_float(item.get("error")),
                persistence_error=_float(item.get("persistence_error")),
                inside=item.get("inside"),
            )
        return LedgerEntry(
            series=str(item["series"]),
            candle_ts=int(item["candle_ts"]),
            kind=item["kind"],
            model=str(item["model"]),
            horizon=int(item["horizon"]),
            due_ts=int(item["due_ts"]),
            close=float(item["close"]),
            status=str(item["status"]),
            grade=grade,
            graded_at=int(item["graded_at"]) if "graded_at" in item else None,
            **{name: _float(item.get(name)) for name in _VALUES},
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise StorageError(f"unreadable ledger item {item.get('series')} {item.get('sk')}: {exc!r}") from exc


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
