"""The news runs' rotation in the News table: the coins the last run did not call, which the next run calls first.

Why: a run ends before its timeout, so a watchlist larger than one run's time
is served over several runs (:mod:`crypto_advisor.news.service`). Without a
memory of where the last run stopped, every run would start at the top of the
watchlist and never reach its last coins.

Layout: one item in its own partition, ``coin = "rotation#news"``, ``sk =
"rotation"`` (a coin's Query never meets it, as for the summaries), holding
``coins`` (the list, in order), ``written_ms`` and ``expires_at`` (30 days, so
a stack whose news is turned off does not keep it forever). Read strongly
consistent: the previous run wrote it two hours earlier, but a run redone
from the same event must see what the first one left.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.adapters.news_store import ARTICLE_TTL_S
from crypto_advisor.contracts.errors import StorageError

ROTATION_KEY = {"coin": "rotation#news", "sk": "rotation"}


class NewsRotation:
    """The rotation item; raises ``StorageError`` naming the item when DynamoDB fails."""

    def __init__(self, table: Any) -> None:
        """``table`` is the News table's boto3 ``dynamodb.Table`` resource."""
        self._table = table

    def read(self) -> list[str]:
        """The coins the last run did not call, in its order; none when no run left any."""
        try:
            item = self._table.get_item(Key=ROTATION_KEY, ConsistentRead=True).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"reading the news rotation ({ROTATION_KEY['coin']}): {exc}") from exc
        return [str(c) for c in (item or {}).get("coins", [])]

    def write(self, coins: Sequence[str], *, now_ms: int) -> None:
        """Replace the list with ``coins`` (this run's not called, in order; empty when it called every coin)."""
        item = {
            **ROTATION_KEY,
            "coins": list(coins),
            "written_ms": now_ms,
            "expires_at": now_ms // 1000 + ARTICLE_TTL_S,
        }
        try:
            self._table.put_item(Item=item)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"writing the news rotation ({ROTATION_KEY['coin']}): {exc}") from exc
