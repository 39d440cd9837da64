"""The SettingsTable: mutes, unsubscribes, the history of every change, and the email links already used.

One table, four item kinds (partition key ``pk``, sort key ``sk``):

=====================  ==========================  ===============================================
``mute#<series key>``  ``*`` or ``rule#<rule id>``  ``until_ms`` ``by`` ``via`` ``created_ms``
``unsubscribed``       the address, lower case      ``at_ms`` ``via``
``history``            ``<at_ms>#<id>``             ``who`` ``via`` ``kind`` ``summary`` ``detail`` (JSON)
``token#<nonce>``      ``spent``                    ``at_ms``: an email link that acted
=====================  ==========================  ===============================================

Every change is written with its history entry in one DynamoDB transaction,
and an email link's change also with its ``token#`` item on condition that
none exists: so a change is never without its record, and a link acts once
(a reused link finds its token spent and the whole transaction, the change
included, is cancelled). Mutes and spent tokens carry ``expires_at`` (TTL, epoch
seconds) so DynamoDB deletes them a day after they stop mattering; the history
and the unsubscribes are kept.

The notifier reads a series' mutes with one strongly consistent Query (a mute
made a second ago silences the next alert), only for signals that could email.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from typing import Any

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.adapters.query_pages import query_items
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.link_token import LinkTokenError
from crypto_advisor.contracts.steering import Change, Mute

_ALL_RULES = "*"
_HISTORY = "history"
_UNSUBSCRIBED = "unsubscribed"
_DAY_S = 86_400
_serializer = TypeSerializer()


def _mute_key(series: str, rule: str | None) -> dict[str, str]:
    return {"pk": f"mute#{series}", "sk": f"rule#{rule}" if rule else _ALL_RULES}


def _item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


class SettingsStore:
    """The SettingsTable through the low-level client (transactions) and the table resource (queries)."""

    def __init__(self, client: Any, table: Any) -> None:
        self._client = client
        self._table = table
        self._name = table.name

    # ---------------------------------------------------------------- reads
    def mutes(self, series: str) -> list[Mute]:
        """The series' mutes, expired ones included (the policy compares them with the candle)."""
        items = self._query(f"mute#{series}")
        return [self._mute(series, item) for item in items]

    def all_mutes(self) -> list[Mute]:
        """Every mute of every series (a Scan: the table holds a person's settings, not market data)."""
        items: list[dict[str, Any]] = []
        try:
            kwargs: dict[str, Any] = {"ConsistentRead": True}
            while True:
                page = self._table.scan(**kwargs)
                items += [i for i in page.get("Items", []) if str(i["pk"]).startswith("mute#")]
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"SettingsTable {self._name}: cannot read the mutes: {exc}") from exc
        return [self._mute(str(i["pk"]).removeprefix("mute#"), i) for i in items]

    def unsubscribed(self) -> frozenset[str]:
        return frozenset(str(item["sk"]) for item in self._query(_UNSUBSCRIBED))

    def spent(self, nonce: str) -> bool:
        """Whether the email link with this nonce has already acted."""
        return bool(self._query(f"token#{nonce}"))

    def history(self, limit: int = 200) -> list[Change]:
        """The newest ``limit`` changes, newest first."""
        try:
            page = self._table.query(
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": _HISTORY},
                ScanIndexForward=False,
                Limit=limit,
                ConsistentRead=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"SettingsTable {self._name}: cannot read the history: {exc}") from exc
        return [
            Change(
                at_ms=int(item["at_ms"]),
                who=str(item["who"]),
                via=item["via"],
                kind=item["kind"],
                summary=str(item["summary"]),
                detail=json.loads(str(item.get("detail") or "{}")),
            )
            for item in page.get("Items", [])
        ]

    # ---------------------------------------------------------------- writes (each with its history entry)
    def mute(self, mute: Mute, change: Change, *, spend: tuple[str, int] | None = None) -> None:
        """Put ``mute`` (replacing one of the same target); ``spend`` = (nonce, expires_ms) of the link that asked."""
        values = {
            **_mute_key(mute.series, mute.rule),
            "until_ms": mute.until_ms,
            "by": mute.by,
            "via": mute.via,
            "created_ms": mute.created_ms,
            "expires_at": mute.until_ms // 1000 + _DAY_S,
        }
        self._transact([{"Put": {"TableName": self._name, "Item": _item(values)}}], change, spend)

    def unmute(self, series: str, rule: str | None, change: Change) -> bool:
        """Delete the mute of that target; False when there was none (nothing written, not even history)."""
        return self._delete(_mute_key(series, rule), change)

    def unsubscribe(self, address: str, change: Change, *, spend: tuple[str, int] | None = None) -> None:
        values = {"pk": _UNSUBSCRIBED, "sk": address.strip().lower(), "at_ms": change.at_ms, "via": change.via}
        self._transact([{"Put": {"TableName": self._name, "Item": _item(values)}}], change, spend)

    def resubscribe(self, address: str, change: Change) -> bool:
        return self._delete({"pk": _UNSUBSCRIBED, "sk": address.strip().lower()}, change)

    def record(self, change: Change) -> None:
        """A change made elsewhere (the watchlist in S3): its history entry alone."""
        self._transact([], change, None)

    # ---------------------------------------------------------------- internals
    def _delete(self, key: dict[str, str], change: Change) -> bool:
        """Delete the item at ``key`` with ``change``'s history entry; False (nothing written) when there is none."""
        delete = {"TableName": self._name, "Key": _item(key), "ConditionExpression": "attribute_exists(pk)"}
        try:
            self._transact([{"Delete": delete}], change, None)
        except _Cancelled:
            return False
        return True

    def _transact(self, effects: Sequence[dict[str, Any]], change: Change, spend: tuple[str, int] | None) -> None:
        history = {
            "pk": _HISTORY,
            "sk": f"{change.at_ms:013d}#{secrets.token_hex(4)}",
            "at_ms": change.at_ms,
            "who": change.who,
            "via": change.via,
            "kind": change.kind,
            "summary": change.summary,
            "detail": json.dumps(change.detail, sort_keys=True, default=str),
        }
        items: list[dict[str, Any]] = [*effects, {"Put": {"TableName": self._name, "Item": _item(history)}}]
        if spend is not None:
            nonce, expires_ms = spend
            token = {"pk": f"token#{nonce}", "sk": "spent", "at_ms": change.at_ms, "expires_at": expires_ms // 1000}
            items.append(
                {
                    "Put": {
                        "TableName": self._name,
                        "Item": _item(token),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise StorageError(f"SettingsTable {self._name}: {change.kind} not saved: {exc}") from exc
            if spend is not None and reasons and reasons[-1] == "ConditionalCheckFailed":
                raise LinkTokenError("spent", "this link was already used") from None
            if "ConditionalCheckFailed" in reasons:
                raise _Cancelled() from None
            raise StorageError(f"SettingsTable {self._name}: {change.kind} not saved: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"SettingsTable {self._name}: {change.kind} not saved: {exc}") from exc

    def _query(self, pk: str) -> list[dict[str, Any]]:
        try:
            return list(
                query_items(
                    self._table,
                    KeyConditionExpression="pk = :pk",
                    ExpressionAttributeValues={":pk": pk},
                    ConsistentRead=True,
                )
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"SettingsTable {self._name}: cannot read {pk}: {exc}") from exc

    @staticmethod
    def _mute(series: str, item: dict[str, Any]) -> Mute:
        sk = str(item["sk"])
        return Mute(
            series=series,
            rule=None if sk == _ALL_RULES else sk.removeprefix("rule#"),
            until_ms=int(item["until_ms"]),
            by=str(item["by"]),
            via=item["via"],
            created_ms=int(item["created_ms"]),
        )


class _Cancelled(Exception):
    """A transaction's condition on the effect itself failed (the mute or address to remove was not there)."""
