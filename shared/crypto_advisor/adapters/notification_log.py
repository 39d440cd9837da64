"""The Notifications table: every alert decision, the cooldown's memory, and the exactly-once guard.

One item per (series, candle ts), the same key as the signal it decides about:

=============  ==============================================================
``status``     ``sending`` (claimed, SES not yet confirmed), ``sent``,
               ``unknown`` (SES's answer was lost: it may have the email) or
               ``suppressed``
``reason``     why it was suppressed (:data:`~crypto_advisor.notify.policy.SUPPRESS_REASONS`)
``detail``     the same in words
``rules``      the rules emailed (sent) or that fired (suppressed)
``score``      an alert's rarest built-in firing's rarity score (a follow-up must beat it); a coin's
               ``in_market_email`` decision keeps its own, since that email told the user of its move
``capped``     with ``score``: whether it is a capped record (as long as the analysis window could show)
``move_sigma`` the size of the candle's move in sigmas of the coin's own volatility: what a follow-up must
               clearly exceed when both records are capped (absent: not measured, or logged before it was kept)
``recipients`` ``subject`` ``message_id`` (SES's) of a sent email
``claim_token`` ``claimed_at`` ``decided_at`` ``sent_at`` (epoch ms, wall clock)
``expires_at`` epoch seconds (TTL), :data:`RETENTION_S` after the candle
=============  ==============================================================

How a stream record that is delivered twice (or retried after a failure) sends
one email:

1. :meth:`NotificationLog.claim` puts a ``sending`` item with a fresh token,
   on condition that no item exists for the candle. Only one delivery wins;
   the others read the existing item back and do nothing (``sent`` or
   ``suppressed``) or fail to be retried later (``sending``: someone is at it).
2. The winner sends through SES, then :meth:`NotificationLog.mark_sent` flips
   the item to ``sent``, on condition that it still holds the claim.
3. If SES refused the email (or rendering failed), :meth:`NotificationLog.release`
   deletes the claim, on the same condition, so the retry can claim and send.
4. If SES's answer was lost after the request went out (a read timeout, a
   dropped connection, a 5xx), nobody knows whether the email is out:
   :meth:`NotificationLog.mark_unknown` keeps the claim for good as
   ``unknown``, on the same condition. Nothing sends that email again (a
   redelivery finds the item, as it finds a ``sent`` one): the user gets it
   once or, if SES never took it, not at all, never twice.

A claim left ``sending`` by an invocation that died (timeout, out of memory)
would block the candle forever; after :data:`LEASE_MS` a redelivery may take it
over. The lease is twice NotifyFunction's 60-second timeout: Lambda has
stopped the first invocation by then, so a live sender is never overtaken.

The honest limit: if the process dies after SES accepted the message and
before step 2 is stored (or that one write fails even after botocore's
retries), the record is retried, finds the claim, waits out the lease, takes
it over and sends the email again. That window (one DynamoDB write) is the
only way to get two emails for one signal: the guarantee is exactly-once
except for that failure, at-least-once then. The two copies are not merged
by mail clients: SES replaces the Message-ID (and the Date) of every message
it accepts with its own.

Suppressions are stored with the same ``attribute_not_exists`` condition, so a
redelivery records nothing new; the first decision about a candle stands.

The daily digest keeps its own item kind in the same table, one item per
(recipient, local date) (keys in :mod:`crypto_advisor.contracts.digest`), and
so does the market email, one item per (timeframe, candle) (keys in
:mod:`crypto_advisor.contracts.alerts`); both keep the same discipline:
:meth:`NotificationLog.claim_digest` or :meth:`NotificationLog.claim_market`
(one conditional put with the lease, as an alert's claim), then SES, then
:meth:`NotificationLog.mark_sent`, :meth:`NotificationLog.mark_unknown` when
SES's answer was lost, or :meth:`NotificationLog.release` on a refusal; the
same honest limit applies.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.adapters.query_pages import query_items
from crypto_advisor.contracts.alerts import (
    IN_MARKET_EMAIL,
    LEASE_MS,
    MARKET_KIND,
    Claim,
    Existing,
    SentAlert,
    market_log_key,
)
from crypto_advisor.contracts.digest import DIGEST_KIND, LoggedAlert, day_ts, digest_log_key
from crypto_advisor.contracts.errors import StorageError

SENDING = "sending"
SENT = "sent"
#: SES's answer was lost: the email may be out. Final, like ``sent``: never sent again.
UNKNOWN = "unknown"
SUPPRESSED = "suppressed"

__all__ = ["LEASE_MS", "RETENTION_S", "SENDING", "SENT", "SUPPRESSED", "UNKNOWN", "NotificationLog"]
#: How long decisions are kept (TTL, counted from the candle): longer than any sensible cooldown.
RETENTION_S = 90 * 86_400

_NAMES = {"#ts": "ts", "#status": "status"}
_deserializer = TypeDeserializer()


class NotificationLog:
    def __init__(self, table: Any, *, lease_ms: int = LEASE_MS) -> None:
        """``table`` is a boto3 ``dynamodb.Table`` resource of the Notifications table."""
        self._table = table
        self._lease_ms = lease_ms

    # ----------------------------------------------------------------- reads
    def recent_sends(self, series: str, since_ts: int, until_ts: int) -> list[SentAlert]:
        """Emails of ``series`` for candles in ``[since_ts, until_ts]`` (sent, being sent, or unknown), and the market
        emails that covered its candles (``market``), in one Query.

        A ``sending`` or ``unknown`` claim counts: its email may be out, and an
        alert the user may have received must start the cooldown. Strongly
        consistent: the claim that starts a cooldown (or spends the weekly
        budget) may have been written by the previous record a moment ago.
        """
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("series").eq(series) & Key("ts").between(since_ts, until_ts),
            "FilterExpression": Attr("status").is_in([SENT, SENDING, UNKNOWN]) | Attr("reason").eq(IN_MARKET_EMAIL),
            "ProjectionExpression": "#ts, #rules, #score, #status, #capped, #move_sigma",
            "ExpressionAttributeNames": {
                "#ts": "ts",
                "#rules": "rules",
                "#score": "score",
                "#status": "status",
                "#capped": "capped",
                "#move_sigma": "move_sigma",
            },
            "ConsistentRead": True,
        }
        sends: list[SentAlert] = []
        try:
            while True:
                page = self._table.query(**kwargs)
                sends.extend(_sent_alert(i) for i in page["Items"])
                if "LastEvaluatedKey" not in page:
                    return sends
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"reading the recent alerts of {series}: {exc}") from exc

    # ----------------------------------------------------------------- sending
    def claim(
        self,
        series: str,
        candle_ts: int,
        *,
        now_ms: int,
        rules: Sequence[str],
        recipients: Sequence[str],
        score: float | None = None,
        capped: bool = False,
        move_sigma: float | None = None,
    ) -> Claim | Existing:
        """Take the candle's send for this invocation, or say what is already there; ``score``: the alert's rarest
        built-in firing's rarity score, ``capped`` whether that is a capped record, and ``move_sigma`` the size of its
        candle's move in sigmas, kept for the follow-up check of the next alerts (None: not kept)."""
        told = _told_item(score, capped, move_sigma)
        extra: dict[str, Any] = {"rules": list(rules), "recipients": list(recipients), **told}
        return self._claim(
            series,
            candle_ts,
            extra,
            now_ms=now_ms,
            what=f"the alert of {series} at {candle_ts}",
        )

    def claim_market(
        self,
        timeframe: str,
        candle_ts: int,
        *,
        now_ms: int,
        direction: str,
        covers: Sequence[str],
        recipients: Sequence[str],
    ) -> Claim | Existing:
        """Take the send of the market email of ``timeframe``'s candle at ``candle_ts``, or say what is there.

        One item per (timeframe, candle) (:func:`~crypto_advisor.contracts.alerts.market_log_key`),
        whichever coin's signal claims it first; marked sent or released with
        :meth:`mark_sent` and :meth:`release`, exactly as an alert's.
        """
        extra = {
            "kind": MARKET_KIND,
            "timeframe": timeframe,
            "direction": direction,
            "rules": [],
            "covers": list(covers),
            "recipients": list(recipients),
        }
        return self._claim(
            market_log_key(timeframe),
            candle_ts,
            extra,
            now_ms=now_ms,
            what=f"the market email of {timeframe} at {candle_ts}",
        )

    def _claim(self, key: str, ts: int, extra: dict[str, Any], *, now_ms: int, what: str) -> Claim | Existing:
        """The conditional put every kind of send claims with: a fresh item, or a stale claim taken over."""
        token = uuid.uuid4().hex
        item = {
            "series": key,
            "ts": ts,
            **extra,
            "status": SENDING,
            "claim_token": token,
            "claimed_at": now_ms,
            "expires_at": ts // 1000 + RETENTION_S,
        }
        answer, refused = _conditional(
            f"claiming {what}",
            lambda: self._table.put_item(
                Item=item,
                ConditionExpression="attribute_not_exists(#ts) OR (#status = :sending AND claimed_at < :stale)",
                ExpressionAttributeNames=_NAMES,
                ExpressionAttributeValues={":sending": SENDING, ":stale": now_ms - self._lease_ms},
                ReturnValues="ALL_OLD",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            ),
        )
        if refused is not None:
            return self._existing(key, ts, refused)
        return Claim(key, ts, token, now_ms, took_over=bool(answer.get("Attributes")))

    def mark_sent(self, claim: Claim, *, message_id: str, subject: str, now_ms: int) -> None:
        """Record that SES accepted the email; fails if the claim was lost meanwhile."""
        refused = self._settle(
            claim,
            f"recording SES message {message_id} of {claim.series} at {claim.candle_ts}",
            {"status": SENT, "message_id": message_id, "subject": subject, "sent_at": now_ms, "decided_at": now_ms},
        )
        if refused is not None:
            raise StorageError(
                f"the claim on the alert of {claim.series} at {claim.candle_ts} was taken over before SES "
                f"message {message_id} could be recorded: the other invocation may send it again"
            ) from refused

    def mark_unknown(self, claim: Claim, *, subject: str, detail: str, now_ms: int) -> bool:
        """Keep the claim for good: SES may have the email, so nothing may send it again.

        ``detail`` says what was lost (the timeout, the 5xx). False if the
        claim was no longer ours (taken over after the lease): the invocation
        that holds it decides.
        """
        refused = self._settle(
            claim,
            f"recording the unknown delivery of {claim.series} at {claim.candle_ts}",
            {"status": UNKNOWN, "subject": subject, "detail": detail[:1000], "decided_at": now_ms},
        )
        return refused is None

    def _settle(self, claim: Claim, what: str, attributes: dict[str, Any]) -> ClientError | None:
        """Set ``attributes`` on the claim's item if it still holds ``claim``; the refusal when it does not."""
        names = {f"#{name}": name for name in attributes}
        _, refused = _conditional(
            what,
            lambda: self._table.update_item(
                Key={"series": claim.series, "ts": claim.candle_ts},
                UpdateExpression="SET " + ", ".join(f"#{name} = :{name}" for name in attributes),
                ConditionExpression="#status = :sending AND claim_token = :token",
                ExpressionAttributeNames={"#status": "status", **names},
                ExpressionAttributeValues={
                    ":sending": SENDING,
                    ":token": claim.token,
                    **{f":{name}": value for name, value in attributes.items()},
                },
            ),
        )
        return refused

    def release(self, claim: Claim) -> bool:
        """Give the candle back after a failed send so a retry can claim it; False if the claim was no longer ours."""
        _, refused = _conditional(
            f"releasing the alert of {claim.series} at {claim.candle_ts}",
            lambda: self._table.delete_item(
                Key={"series": claim.series, "ts": claim.candle_ts},
                ConditionExpression="#status = :sending AND claim_token = :token",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":sending": SENDING, ":token": claim.token},
            ),
        )
        return refused is None

    # ----------------------------------------------------------------- suppressing
    def record_suppressed(
        self,
        series: str,
        candle_ts: int,
        *,
        reason: str,
        detail: str,
        rules: Sequence[str],
        now_ms: int,
        score: float | None = None,
        capped: bool = False,
        move_sigma: float | None = None,
    ) -> bool:
        """Record why no email was sent; False if the candle was already decided (a redelivery). ``score``,
        ``capped`` and ``move_sigma`` (as :meth:`claim`'s): kept for the follow-up check when the user heard of the
        candle all the same (``in_market_email``)."""
        item = {
            "series": series,
            "ts": candle_ts,
            "status": SUPPRESSED,
            "reason": reason,
            "detail": detail,
            "rules": list(rules),
            "decided_at": now_ms,
            "expires_at": candle_ts // 1000 + RETENTION_S,
            **_told_item(score, capped, move_sigma),
        }
        _, refused = _conditional(
            f"recording the suppressed alert of {series} at {candle_ts}",
            lambda: self._table.put_item(
                Item=item, ConditionExpression="attribute_not_exists(#ts)", ExpressionAttributeNames={"#ts": "ts"}
            ),
        )
        return refused is None

    # ----------------------------------------------------------------- the daily digest
    def alert_decisions(self, series: str, since_ts: int, until_ts: int) -> list[LoggedAlert]:
        """Every decision about ``series``' candles in ``[since_ts, until_ts]``, oldest first, in one Query."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("series").eq(series) & Key("ts").between(since_ts, until_ts),
            "ProjectionExpression": "#ts, #status, #rules, reason, subject",
            "ExpressionAttributeNames": {"#ts": "ts", "#status": "status", "#rules": "rules"},
        }
        try:
            return [
                LoggedAlert(
                    candle_ts=int(i["ts"]),
                    status=str(i.get("status", "")),
                    rules=tuple(str(r) for r in i.get("rules", ())),
                    reason=i.get("reason"),
                    subject=i.get("subject"),
                )
                for i in query_items(self._table, **kwargs)
            ]
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"reading the alert decisions of {series}: {exc}") from exc

    def digest_entry(self, recipient: str, day: date) -> Existing | None:
        """What the log holds about ``recipient``'s digest of ``day`` (sent, or being sent), or None."""
        key, ts = digest_log_key(recipient), day_ts(day)
        try:
            page = self._table.query(
                KeyConditionExpression=Key("series").eq(key) & Key("ts").eq(ts), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"reading the digest of {day} to {recipient}: {exc}") from exc
        if not page["Items"]:
            return None
        item = page["Items"][0]
        claimed_at = item.get("claimed_at")
        return Existing(
            status=str(item.get("status", "")),
            claimed_at=int(claimed_at) if claimed_at is not None else None,
            message_id=item.get("message_id"),
        )

    def claim_digest(
        self, recipient: str, day: date, *, now_ms: int, series: Sequence[str], timezone: str
    ) -> Claim | Existing:
        """Take the send of ``recipient``'s digest of local date ``day``, or say what is already there.

        The returned claim is marked sent or released with :meth:`mark_sent`
        and :meth:`release`, exactly as an alert's.
        """
        extra = {
            "kind": DIGEST_KIND,
            "day": day.isoformat(),
            "timezone": timezone,
            "rules": [],
            "covers": list(series),
            "recipients": [recipient],
        }
        return self._claim(
            digest_log_key(recipient), day_ts(day), extra, now_ms=now_ms, what=f"the digest of {day} to {recipient}"
        )

    # ----------------------------------------------------------------- helpers
    def _existing(self, series: str, candle_ts: int, exc: ClientError) -> Existing:
        raw = exc.response.get("Item")
        if raw:
            item = {k: _deserializer.deserialize(v) for k, v in raw.items()}
        else:  # an endpoint that does not return the item on a failed condition: read it
            try:
                page = self._table.query(
                    KeyConditionExpression=Key("series").eq(series) & Key("ts").eq(candle_ts), ConsistentRead=True
                )
            except (ClientError, BotoCoreError) as read_exc:
                raise StorageError(f"reading the alert of {series} at {candle_ts}: {read_exc}") from read_exc
            if not page["Items"]:
                raise StorageError(f"the alert of {series} at {candle_ts} changed while being claimed; retry")
            item = page["Items"][0]
        claimed_at = item.get("claimed_at")
        return Existing(
            status=str(item.get("status", "")),
            claimed_at=int(claimed_at) if claimed_at is not None else None,
            reason=item.get("reason"),
            message_id=item.get("message_id"),
        )


def _conditional(what: str, write: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], ClientError | None]:
    """Run a conditional write: its answer, or the refusal when its condition failed; any other error is raised."""
    try:
        return write(), None
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return {}, exc
        raise StorageError(f"{what}: {exc}") from exc
    except BotoCoreError as exc:
        raise StorageError(f"{what}: {exc}") from exc


def _float_or_none(value: Any) -> float | None:
    """A stored number (DynamoDB's Decimal) as a float; None when the item has none."""
    return float(value) if value is not None else None


def _number_item(name: str, value: float | None) -> dict[str, Decimal]:
    """A number attribute of an item (DynamoDB takes no float), or nothing when there is none to keep."""
    return {name: Decimal(repr(value))} if value is not None and math.isfinite(value) else {}


def _told_item(score: float | None, capped: bool, move_sigma: float | None) -> dict[str, Any]:
    """What the follow-up check of the next alerts reads back: ``score`` with ``capped`` (only beside a score: a
    capped flag means nothing without one), and ``move_sigma``; nothing of what is unknown."""
    kept: dict[str, Any] = _number_item("score", score)
    if kept:
        kept["capped"] = capped
    return {**kept, **_number_item("move_sigma", move_sigma)}


def _sent_alert(item: dict[str, Any]) -> SentAlert:
    """A :meth:`NotificationLog.recent_sends` item as the policy reads it: a coin's ``in_market_email`` decision is
    the market email that told the user of its candle, which named none of the coin's rules."""
    market = item.get("status") == SUPPRESSED
    return SentAlert(
        int(item["ts"]),
        () if market else tuple(item.get("rules", ())),
        _float_or_none(item.get("score")),
        market=market,
        capped=bool(item.get("capped", False)),
        move_sigma=_float_or_none(item.get("move_sigma")),
    )
