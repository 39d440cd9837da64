"""The Signal: what the analysis concluded about one closed candle of one series (schema version 1).

One per (series, candle ts), written with a conditional put so a redelivered
Kinesis record changes nothing. It carries every firing with the values that
made it fire, an indicator snapshot, the data-health verdict, the news mood
with its top headlines, and (later) predictions with their measured skill. Firings on unhealthy data are kept,
marked ``suppressed`` with the reason, never dropped.

Every text and list is capped, so that a Signal's item (the whole Signal as
JSON) stays under DynamoDB's 400 KB by construction: the worst case the caps
allow is measured in ``tests/unit/test_item_sizes.py``. The caps are far above
what the analysis writes; its producers keep to them (a user condition's
sentence is cut to :data:`MAX_SENTENCE_CHARS`, the health reasons to
:data:`MAX_HEALTH_REASONS`, a series to :data:`~crypto_advisor.contracts.conditions.MAX_CONDITIONS`
conditions), so a valid input never makes an invalid Signal.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from crypto_advisor.contracts.conditions import MAX_CONDITIONS, MAX_RULE_ID_LENGTH
from crypto_advisor.contracts.market_context import MarketContext
from crypto_advisor.contracts.news import NewsDigest

#: A firing's sentence: a built-in rule's is about 100 characters, a user condition's quotes its expression.
MAX_SENTENCE_CHARS = 600
#: Firings on one candle: the built-in rules (16) and a series' conditions, with room for four new rules.
MAX_FIRINGS = 20 + MAX_CONDITIONS
#: Reasons a window is unhealthy; more are summed up in the last one. A firing's ``suppressed_reason`` quotes
#: them, cut to the same length as one.
MAX_HEALTH_REASONS = 10
MAX_REASON_CHARS = 300
#: Predictions one signal carries: one per target of each served model (four today).
MAX_PREDICTIONS = 8


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis saying so: how a producer keeps a long text within its cap."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


RarityMeasure = Literal["move", "own_move", "volume", "range", "calm", "none"]


class Rarity(BaseModel):
    """How unusual a firing's candle is against this series' own history (the window the analysis saw).

    ``score`` is the record length in candles of the firing's most unusual
    measure: the candle is the most extreme of that measure in ``score``
    candles (the largest move, the largest volume, or the range it broke), so
    larger is rarer and the scale means the same on every coin. Capped at the
    window's length, which ``capped`` then says. ``words`` puts it the way an
    email does ("the largest hourly volume in 12 days", "a 3.1 sigma drop").
    ``own_move`` is the coin's own part of the move, beyond what BTC's move
    implied at the coin's beta (:class:`~crypto_advisor.contracts.market_context.BetaReading`):
    with a reference it stands in for ``move``, so a coin that merely followed
    BTC is not rare for it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    score: float = Field(ge=0)
    measure: RarityMeasure
    words: str = Field(max_length=200)
    capped: bool = False
    #: the candle's close-to-close move in units of the series' recent volatility (signed)
    move_sigma: float | None = None
    #: the candle's volume over its 20-candle average
    volume_multiple: float | None = None
    #: candles since a move as large / a volume as large / the range the close broke (None: not a record at all)
    move_record: int | None = None
    volume_record: int | None = None
    range_record: int | None = None
    #: candles since an own move (beyond what BTC implied) as large the same way; None without a reference
    own_move_record: int | None = None
    own_move_sigma: float | None = None


class FiringRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rule_id: str = Field(max_length=MAX_RULE_ID_LENGTH)
    direction: Literal["bullish", "bearish", "neutral"]
    severity: int = Field(ge=1, le=3)
    value: float
    threshold: float
    distance: float
    unit: str = Field(max_length=20)
    sentence: str = Field(max_length=MAX_SENTENCE_CHARS)
    suppressed: bool = False
    #: "unhealthy data: " and the health reasons
    suppressed_reason: str | None = Field(default=None, max_length=MAX_REASON_CHARS)
    #: how unusual the candle is for this rule's kind of event; None on signals stored before rarity existed
    rarity: Rarity | None = None


class SkippedRule(BaseModel):
    """A rule that did not judge the candle, and why (today: a volume it reads is missing).

    Kept apart from the health verdict: a missing volume silences only the
    rules that read it, never the series' other alerts.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule_id: str = Field(max_length=MAX_RULE_ID_LENGTH)
    reason: str = Field(max_length=MAX_REASON_CHARS)


class Health(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    healthy: bool
    reasons: list[Annotated[str, Field(max_length=MAX_REASON_CHARS)]] = Field(
        default_factory=list, max_length=MAX_HEALTH_REASONS
    )


class Signal(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_name: Literal["crypto-advisor/signal"] = Field(default="crypto-advisor/signal", alias="schema")
    version: Literal[1] = 1
    series: str = Field(max_length=64)
    candle_ts: int
    #: the candle's close: a Signal is never made without its candle (JSON has no NaN: it would be stored as null)
    close: float = Field(gt=0, allow_inf_nan=False)
    firings: list[FiringRecord] = Field(default_factory=list, max_length=MAX_FIRINGS)
    indicators: dict[str, float | None] = Field(default_factory=dict, max_length=64)
    predictions: list[dict] = Field(default_factory=list, max_length=MAX_PREDICTIONS)
    #: The news mood and top headlines at analysis time; None when the analysis had no news input.
    news: NewsDigest | None = None
    #: The move against BTC's and the higher timeframes' trends; None on signals stored before it existed,
    #: and when the candle before this one is not stored (no move to measure).
    market: MarketContext | None = None
    health: Health
    analyzed_at: int
    #: rules that could not judge this candle, with the reason (a missing volume); empty on older signals
    skipped: list[SkippedRule] = Field(default_factory=list, max_length=MAX_FIRINGS)

    @property
    def active_firings(self) -> list[FiringRecord]:
        return [f for f in self.firings if not f.suppressed]

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)

    @classmethod
    def from_json(cls, data: str | bytes) -> Signal:
        return cls.model_validate_json(data)
