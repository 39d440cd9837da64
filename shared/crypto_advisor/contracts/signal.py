"""The Signal: what the analysis concluded about one closed candle of one series (schema version 1).

One per (series, candle ts), written with a conditional put so a redelivered
Kinesis record changes nothing. It carries every firing with the values that
made it fire, an indicator snapshot, the data-health verdict, the news mood
with its top headlines, and (later) predictions with their measured skill. Firings on unhealthy data are kept,
marked ``suppressed`` with the reason, never dropped.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from crypto_advisor.contracts.market_context import MarketContext
from crypto_advisor.contracts.news import NewsDigest

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
    words: str
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

    rule_id: str
    direction: Literal["bullish", "bearish", "neutral"]
    severity: int = Field(ge=1, le=3)
    value: float
    threshold: float
    distance: float
    unit: str
    sentence: str
    suppressed: bool = False
    suppressed_reason: str | None = None
    #: how unusual the candle is for this rule's kind of event; None on signals stored before rarity existed
    rarity: Rarity | None = None


class Health(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    healthy: bool
    reasons: list[str] = Field(default_factory=list)


class Signal(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_name: Literal["crypto-advisor/signal"] = Field(default="crypto-advisor/signal", alias="schema")
    version: Literal[1] = 1
    series: str
    candle_ts: int
    #: the candle's close: a Signal is never made without its candle (JSON has no NaN: it would be stored as null)
    close: float = Field(gt=0, allow_inf_nan=False)
    firings: list[FiringRecord] = Field(default_factory=list)
    indicators: dict[str, float | None] = Field(default_factory=dict)
    predictions: list[dict] = Field(default_factory=list)
    #: The news mood and top headlines at analysis time; None when the analysis had no news input.
    news: NewsDigest | None = None
    #: The move against BTC's and the higher timeframes' trends; None on signals stored before it existed,
    #: and when the candle before this one is not stored (no move to measure).
    market: MarketContext | None = None
    health: Health
    analyzed_at: int

    @property
    def active_firings(self) -> list[FiringRecord]:
        return [f for f in self.firings if not f.suppressed]

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)

    @classmethod
    def from_json(cls, data: str | bytes) -> Signal:
        return cls.model_validate_json(data)
