"""The Signals table: one item per (series, candle ts), written once.

The conditional put (``attribute_not_exists``) is what makes a redelivered
Kinesis batch harmless; the table's stream (new images) is the notifier's
outbox, so an email is sent if and only if a signal was stored. The signal is
kept whole as JSON in ``body``; a few top-level attributes let the notifier and
a person filter without parsing it.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.signal import Signal

SIGNAL_TTL_S = 180 * 86_400


class SignalStore:
    def __init__(self, table: Any) -> None:
        self._table = table

    def put_once(self, signal: Signal) -> bool:
        """Store ``signal`` unless one exists for its (series, candle); True if this call stored it."""
        item = {
            "series": signal.series,
            "ts": signal.candle_ts,
            "healthy": signal.health.healthy,
            "rules": [f.rule_id for f in signal.active_firings],
            "firings": len(signal.firings),
            "body": signal.to_json(),
            "expires_at": signal.candle_ts // 1000 + SIGNAL_TTL_S,
        }
        try:
            self._table.put_item(
                Item=item, ConditionExpression="attribute_not_exists(#ts)", ExpressionAttributeNames={"#ts": "ts"}
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise StorageError(f"storing the signal of {signal.series} at {signal.candle_ts}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"storing the signal of {signal.series} at {signal.candle_ts}: {exc}") from exc
        return True
