"""The Notifications table read back a page at a time, newest first: the dashboard's alert history.

The notifier writes the items (:mod:`.notification_log`); this reads every
attribute a person asks about (status, reason, detail, rules, subject), never
the claim's bookkeeping. A page is one Query with ``ScanIndexForward=False``
and a ``Limit``, so the history of a series costs what is shown, however long
the table's 90 days of decisions are. Eventually consistent: a decision made a
second ago may show on the next refresh.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.contracts.decisions import Decision
from crypto_advisor.contracts.errors import StorageError

_PROJECTION = "#k, #ts, #status, #rules, reason, detail, subject, decided_at, covers"
_NAMES = {"#k": "series", "#ts": "ts", "#status": "status", "#rules": "rules"}


class DecisionPages:
    def __init__(self, table: Any) -> None:
        """``table`` is a boto3 ``dynamodb.Table`` resource of the Notifications table."""
        self._table = table

    def page(self, key: str, *, before_ts: int, limit: int) -> list[Decision]:
        """Up to ``limit`` decisions of ``key`` for candles before ``before_ts``, newest first."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("series").eq(key) & Key("ts").lt(before_ts),
            "ProjectionExpression": _PROJECTION,
            "ExpressionAttributeNames": _NAMES,
            "ScanIndexForward": False,
            "Limit": limit,
        }
        try:
            return [_decision(i) for i in self._table.query(**kwargs)["Items"]]
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"reading the alert decisions of {key}: {exc}") from exc

    def get(self, key: str, candle_ts: int) -> Decision | None:
        """The decision about ``key``'s candle at ``candle_ts``, or None."""
        try:
            item = self._table.get_item(
                Key={"series": key, "ts": candle_ts}, ProjectionExpression=_PROJECTION, ExpressionAttributeNames=_NAMES
            ).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"reading the alert decision of {key} at {candle_ts}: {exc}") from exc
        return None if item is None else _decision(item)


def _decision(item: dict[str, Any]) -> Decision:
    decided = item.get("decided_at")
    return Decision(
        key=str(item["series"]),
        candle_ts=int(item["ts"]),
        status=str(item.get("status", "")),
        rules=tuple(str(r) for r in item.get("rules", ())),
        reason=item.get("reason"),
        detail=item.get("detail"),
        subject=item.get("subject"),
        decided_at=int(decided) if decided is not None else None,
        covers=tuple(str(c) for c in item.get("covers", ())),
    )
