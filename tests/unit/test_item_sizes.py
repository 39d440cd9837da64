"""Every item the analysis and the news store stays under DynamoDB's 400 KB, by construction.

Each text and list of a Signal and an Article has its cap in the contract;
here the largest item those caps allow is built and measured as DynamoDB
counts it (attribute names and values, strings in UTF-8). Publisher text is
taken at its worst for JSON (control characters, six bytes each once escaped);
the firings' text at four bytes a character (the widest UTF-8: the watchlist
refuses control characters in condition names, and the rest is the analysis'
own wording), but for a rule id, whose expression part is ASCII (the
condition grammar's). Before issue 11 nothing capped a URL: three 150 KB URLs in a
Signal's headlines made its item too large and failed that coin's analysis.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from crypto_advisor.adapters.news_store import to_item as article_item
from crypto_advisor.adapters.signal_store import SignalStore
from crypto_advisor.analysis.rules import RULES_BY_ID
from crypto_advisor.contracts import news as news_caps
from crypto_advisor.contracts import signal as caps
from crypto_advisor.contracts.conditions import MAX_CONDITIONS, MAX_EXPRESSION_LENGTH
from crypto_advisor.contracts.market_context import BetaReading, MarketContext, TrendReading
from crypto_advisor.contracts.news import Article, Entity, Headline, NewsDigest, NewsMood
from crypto_advisor.contracts.signal import FiringRecord, Health, Rarity, Signal

ITEM_LIMIT = 400 * 1024
TS = 1_793_394_000_000
#: One character at its widest in the stored JSON: a control character escaped as \\u0001 (publisher text) ...
ESCAPED = "\x01"
#: ... and a four-byte UTF-8 character (the analysis' and the user's own text)
WIDE = "\U0001f680"


def item_size(value: Any) -> int:
    """DynamoDB's size of a value: strings in UTF-8, numbers up to 21 bytes, lists and maps with their overhead."""
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, (int, float, Decimal)):
        return 21
    if isinstance(value, list):
        return 3 + sum(1 + item_size(v) for v in value)
    if isinstance(value, dict):
        return 3 + sum(1 + len(k.encode()) + item_size(v) for k, v in value.items())
    raise TypeError(type(value))


class CapturingTable:
    """Keeps the item a put would write."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def put_item(self, Item: dict[str, Any], **_: Any) -> None:
        self.items.append(Item)


def widest_entity() -> Entity:
    return Entity(name=WIDE * news_caps.MAX_ENTITY_CHARS, kind="place")


def widest_headline() -> Headline:
    url = "https://e.example/" + ESCAPED * (news_caps.MAX_URL_CHARS - len("https://e.example/"))
    return Headline(
        title=ESCAPED * news_caps.MAX_TITLE_CHARS,
        source=ESCAPED * news_caps.MAX_SOURCE_CHARS,
        url=url,
        published_ts=TS,
        compound=-0.123456789,
    )


def widest_firing(index: int) -> FiringRecord:
    return FiringRecord(
        # "condition:" and an expression (ASCII, the grammar's) or a name of at most 100 characters: 510 bytes at most
        rule_id="condition:" + "x" * MAX_EXPRESSION_LENGTH,
        direction="bearish",
        severity=3,
        value=-1.2345678901234567e-10,
        threshold=-1.2345678901234567e-10,
        distance=-1.2345678901234567e-10,
        unit=WIDE * 20,
        sentence=WIDE * caps.MAX_SENTENCE_CHARS,
        suppressed=True,
        suppressed_reason=WIDE * caps.MAX_REASON_CHARS,
        rarity=Rarity(
            score=12345.678,
            measure="own_move",
            words=WIDE * 200,
            capped=True,
            move_sigma=-1.2345678901234567,
            volume_multiple=1.2345678901234567,
            move_record=index,
            volume_record=index,
            range_record=index,
            own_move_record=index,
            own_move_sigma=-1.2345678901234567,
        ),
    )


def widest_prediction() -> dict[str, Any]:
    """A path prediction as the forecast writes it (24 candles ahead by default), its text generous."""
    return {
        "kind": "path",
        "model": "path_lstm",
        "series": "kraken:BTC-USD:1h",
        "candle_ts": TS,
        "horizon": 24,
        "horizon_label": "24h",
        "price": 1.2345678901234567e5,
        "path": [1.2345678901234567e5] * 24,
        "n": 123456,
        "folds": 4,
        "mae_skill": -0.012345678901234567,
        "directional_accuracy": 0.5123456789,
        "beats_baseline": False,
        "headline": False,
        "text": WIDE * 500,
    }


def widest_signal() -> Signal:
    return Signal(
        series="kraken:" + "A" * 15 + "-" + "B" * 15 + ":1h",
        candle_ts=TS,
        close=1.2345678901234567e-10,
        firings=[widest_firing(i) for i in range(caps.MAX_FIRINGS)],
        indicators={f"indicator_{i:02d}": -1.2345678901234567e-10 for i in range(64)},
        predictions=[widest_prediction() for _ in range(caps.MAX_PREDICTIONS)],
        news=NewsDigest(
            coin="C" * news_caps.MAX_COIN_CHARS,
            mood=NewsMood(at_ts=TS, mean_24h=-0.5, count_24h=10_000, mean_7d=-0.5, count_7d=70_000),
            headlines=[widest_headline() for _ in range(news_caps.MAX_HEADLINES)],
            in_the_news=[widest_entity() for _ in range(news_caps.MAX_IN_THE_NEWS)],
        ),
        market=MarketContext(
            move=-0.05,
            move_sigma=-4.2,
            reference="kraken:BTC-USD:1h",
            beta=BetaReading(
                reference="kraken:BTC-USD:1h",
                btc_move=-0.04,
                beta=1.2345678901234567,
                correlation=0.8765432109876543,
                returns=718,
                implied_move=-0.049,
                own_move=-0.001,
                own_sigma=-0.1234567,
                own_record=12,
            ),
            beta_note=WIDE * 100,
            trends=[
                TrendReading(
                    timeframe=tf, direction="down", candles=240, resampled=True, close=1.2, ema=1.3, agrees=True
                )
                for tf in ("4h", "1d")
            ],
        ),
        health=Health(healthy=False, reasons=[WIDE * caps.MAX_REASON_CHARS] * caps.MAX_HEALTH_REASONS),
        analyzed_at=TS,
    )


def test_the_largest_signal_the_caps_allow_fits_in_one_dynamodb_item():
    # Given the largest Signal the contract allows: every list full, every text at its cap and widest
    signal = widest_signal()

    # When the Signals store writes it
    table = CapturingTable()
    SignalStore(table).put_once(signal)

    # Then its item is under DynamoDB's 400 KB, with room to spare
    size = item_size(table.items[0])
    assert size < 0.95 * ITEM_LIMIT, f"{size:,} bytes"


def test_the_caps_hold_every_rule_and_condition_a_series_may_have():
    # Given the built-in rules and the most conditions a watchlist lets a series have
    # Then all of them firing on one candle fit in a Signal
    assert len(RULES_BY_ID) + MAX_CONDITIONS <= caps.MAX_FIRINGS


def test_a_signal_over_a_cap_is_refused_naming_the_field():
    # Given / When a Signal would carry a sixth headline or a URL over its cap / Then the contract refuses it
    with pytest.raises(ValidationError, match="headlines"):
        NewsDigest(coin="BTC", headlines=[widest_headline()] * (news_caps.MAX_HEADLINES + 1))
    with pytest.raises(ValidationError, match="url"):
        Headline(title="t", source="s", url="https://e.example/" + "a" * 150_000, published_ts=TS, compound=0.0)


def test_the_largest_article_the_caps_allow_is_a_small_news_item():
    # Given an Article at every cap, its text at its widest
    article = Article(
        coin="C" * news_caps.MAX_COIN_CHARS,
        url="https://e.example/" + ESCAPED * (news_caps.MAX_URL_CHARS - len("https://e.example/")),
        title=WIDE * news_caps.MAX_TITLE_CHARS,
        description=WIDE * news_caps.MAX_DESCRIPTION_CHARS,
        source=WIDE * news_caps.MAX_SOURCE_CHARS,
        published_ts=TS,
        compound=-0.123456789,
        entities=tuple(widest_entity() for _ in range(news_caps.MAX_ENTITIES)),
        about=tuple("C" * news_caps.MAX_COIN_CHARS for _ in range(news_caps.MAX_ABOUT)),
    )

    # When it becomes a News item / Then it is a few kilobytes, far under the limit
    assert item_size(article_item(article)) < 20_000
