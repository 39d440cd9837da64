"""The News table: each coin's scored articles, each URL stored once, kept about a month.

Items: ``coin`` (the ticker, partition key), ``sk`` =
``<published ms, 13 digits>#<first 16 hex digits of sha256(url)>`` (sort key),
the article's fields (``compound`` as ``Decimal``, absent for an article not
in English, which is stored unscored; ``entities`` as a list of
``{name, kind}`` maps) and ``expires_at`` (epoch
seconds, the TTL) 30 days after publication. The sort key starts with the
publication time, so the analysis reads a coin's last week in one Query with
``between``; it ends with a hash of the URL, so the same article fetched again
by a later (overlapping) run has the same key, and the conditional put stores
it once. 64 bits of hash make a collision between two URLs of one coin
published in the same millisecond practically impossible.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.news import ENGLISH, Article, Entity

#: How long an article stays in the table after its publication (the mood needs 7 days; the rest is slack
#: for a later look at what an alert's news was).
ARTICLE_TTL_S = 30 * 86_400


def sort_key(published_ts: int, url: str) -> str:
    return f"{published_ts:013d}#{hashlib.sha256(url.encode()).hexdigest()[:16]}"


def to_item(article: Article) -> dict[str, Any]:
    item: dict[str, Any] = {
        "coin": article.coin,
        "sk": sort_key(article.published_ts, article.url),
        "url": article.url,
        "title": article.title,
        "description": article.description,
        "source": article.source,
        "published_ts": article.published_ts,
        "language": article.language,
        "entities": [{"name": e.name, "kind": e.kind} for e in article.entities],
        "about": list(article.about),
        "off_topic": article.off_topic,
        "expires_at": article.published_ts // 1000 + ARTICLE_TTL_S,
    }
    if article.compound is not None:
        item["compound"] = Decimal(str(article.compound))
    return item


def from_item(item: dict[str, Any]) -> Article:
    """The Article an item holds; an item stored before languages and entities reads as English, on topic."""
    compound = item.get("compound")
    return Article(
        coin=item["coin"],
        url=item["url"],
        title=item["title"],
        description=item.get("description", ""),
        source=item.get("source", ""),
        published_ts=int(item["published_ts"]),
        compound=None if compound is None else float(compound),
        language=item.get("language", ENGLISH),
        entities=tuple(Entity(name=e["name"], kind=e["kind"]) for e in item.get("entities", ())),
        about=tuple(item.get("about", (item["coin"],))),
        off_topic=bool(item.get("off_topic", False)),
    )


#: Told of an item that does not read as an Article: (coin, sort key, why).
UnreadableItem = Callable[[str, str, str], None]


class NewsStore:
    def __init__(self, table: Any, *, on_unreadable: UnreadableItem | None = None) -> None:
        """``table`` is a boto3 ``dynamodb.Table`` resource; ``on_unreadable`` is where skipped items are reported
        (the composition root passes a log line; the adapter itself does no logging)."""
        self._table = table
        self._on_unreadable = on_unreadable

    def put_once(self, article: Article) -> bool:
        """Store ``article`` unless its URL is already stored for its coin; True if this call stored it."""
        item = to_item(article)
        try:
            self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(sk)")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise StorageError(f"storing the {article.coin} article {item['sk']}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"storing the {article.coin} article {item['sk']}: {exc}") from exc
        return True

    def recent(self, coin: str, since_ms: int, until_ms: int) -> list[Article]:
        """``coin``'s articles published in ``[since_ms, until_ms]``, oldest first (one paginated Query).

        An item that no longer reads as an Article (edited by hand, an older
        format) is skipped and reported to ``on_unreadable`` with its key, never
        failing the read.
        """
        condition = Key("coin").eq(coin) & Key("sk").between(f"{since_ms:013d}", f"{until_ms:013d}#~")
        kwargs: dict[str, Any] = {"KeyConditionExpression": condition}
        articles: list[Article] = []
        try:
            while True:
                page = self._table.query(**kwargs)
                for item in page["Items"]:
                    try:
                        articles.append(from_item(item))
                    except (KeyError, TypeError, ValueError, ValidationError) as exc:
                        if self._on_unreadable is not None:
                            self._on_unreadable(coin, str(item.get("sk")), f"{type(exc).__name__}: {exc}"[:300])
                if "LastEvaluatedKey" not in page:
                    return articles
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"reading the news of {coin}: {exc}") from exc
