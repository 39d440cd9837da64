"""The read API's answers: the JSON shapes the dashboard's pages are built on, one pydantic model each.

These models are the contract with the web app: the event handler validates
every answer against them and lists them in ``/openapi.json``, and the README
("The dashboard's API") describes them. Times are epoch milliseconds UTC (the
candle contract's unit); changes are fractions (0.012 is +1.2%), never
pre-formatted strings, so the page formats them for the reader's locale; a
value that cannot be known yet is ``null``, never a made-up zero.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crypto_advisor.contracts.candle import Candle

#: What every alert decision may say (the notification log's statuses).
DecisionStatus = Literal["sent", "sending", "unknown", "suppressed"]

#: A series' data health, on the overview's row and the series page alike (:func:`.overview.data_health`).
HEALTHY = (
    "false when the newest signal's data was unhealthy or the series is stale; null: neither a signal nor a candle"
    " to judge"
)
STALE = (
    "the newest candle closed more than 2 timeframes (and at least 15 minutes) before the answer was made: the feed"
    " stopped"
)
HEALTH_REASONS = "why the newest signal's data was unhealthy (a gap, a late feed), in the analysis' words"


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LastAlert(_Answer):
    """The newest alert decision of a series that sent (or may have sent) an email."""

    candle_ts: int
    status: DecisionStatus
    subject: str | None = None
    rules: list[str] = Field(default_factory=list)
    timeframe: str | None = Field(
        default=None, description="the candle's timeframe (its series' or the market email's), to name its close"
    )


class ModelVerdict(_Answer):
    """One model's latest prediction in a line, and whether it beats its baseline out of sample."""

    model: str
    kind: Literal["breakout", "path", "interval"]
    text: str
    label: str = Field(description="the prediction in a few words, e.g. 'forest: +2% in 24h 62% · skill: none'")
    beats_baseline: bool


class SeriesRow(_Answer):
    """One watched series on the overview. ``volume_ratio`` is the last candle's volume over its 20-candle mean."""

    key: str = Field(description="the series key, e.g. kraken:BTC-USD:1h")
    source: str
    symbol: str
    timeframe: str
    name: str | None = None
    last_ts: int | None = Field(default=None, description="open time of the newest stored closed candle")
    close: float | None = None
    change_1h: float | None = None
    change_24h: float | None = None
    change_7d: float | None = None
    rsi: float | None = None
    trend: str = Field(description="the alert email's trend words (ADX with +DI/-DI), or n/a")
    volatility: str = Field(description="the alert email's volatility words (ATR), or n/a")
    volume_ratio: float | None = None
    healthy: bool | None = Field(default=None, description=HEALTHY)
    stale: bool = Field(default=False, description=STALE)
    health_reasons: list[str] = Field(default_factory=list, description=HEALTH_REASONS)
    last_alert: LastAlert | None = None
    verdicts: list[ModelVerdict] = Field(default_factory=list)
    error: str | None = Field(
        default=None, description="why this series could not be read (the rest of the page still is)"
    )


class Correlation(_Answer):
    """Pearson correlation of the series' close-to-close returns over the last 30 days (pairwise complete)."""

    days: int
    keys: list[str]
    matrix: list[list[float | None]] = Field(description="matrix[i][j] for keys[i], keys[j]; null: too little overlap")


class MarketState(_Answer):
    """The market-wide state: BTC's trends and the newest market email, if any."""

    reference: str | None = Field(default=None, description="the series the market is read from (BTC's)")
    trend_4h: str | None = None
    trend_1d: str | None = None
    lines: list[str] = Field(default_factory=list, description="the market context in the alert email's words")
    last_market_email: LastAlert | None = None


class Overview(_Answer):
    generated_at: int
    series: list[SeriesRow]
    correlation: Correlation
    market: MarketState


class LinePoint(_Answer):
    ts: int
    value: float


class Indicators(_Answer):
    """Indicator lines over the candles, computed by the analysis' own code (``market/indicators.py``)."""

    ema: dict[str, list[LinePoint]] = Field(description="ema_9, ema_21, ema_50")
    bollinger: dict[str, list[LinePoint]] = Field(description="bb_upper, bb_middle, bb_lower")
    volume_ma: list[LinePoint]
    rsi: list[LinePoint]
    macd: dict[str, list[LinePoint]] = Field(description="macd, macd_signal, macd_hist")


#: What became of a rule's firing: see :class:`Marker`'s ``outcome``.
FiringOutcome = Literal["emailed", "left_out", "held_back", "suppressed", "undecided"]


class Marker(_Answer):
    """A rule that fired on a candle, or an email that went out about it, with its candle's alert decision."""

    ts: int
    kind: Literal["firing", "email"]
    rule: str | None = None
    direction: Literal["bullish", "bearish", "neutral"] | None = None
    severity: int | None = None
    text: str
    suppressed: bool = False
    status: DecisionStatus | None = Field(
        default=None, description="the notification log's status for the candle; null: no decision recorded"
    )
    outcome: FiringOutcome | None = Field(
        default=None,
        description="a firing's fate: emailed (its candle's email named it); left_out (its candle's email went"
        " without it: in cooldown, muted or under the bar, the log keeps only the rules emailed); held_back (no"
        " email, reason says why); suppressed (bad data); undecided (no decision recorded yet). Null on an email",
    )
    reason: str | None = Field(
        default=None, description="held_back: the log's reason (cooldown, in_market_email, below_threshold, ...)"
    )


class RuleRecordAnswer(_Answer):
    """A rule's replayed record on this series (the training run's replay, the emails' own sentence)."""

    rule: str
    title: str
    sentence: str


class ModelCardAnswer(_Answer):
    model: str
    kind: str
    horizon: int
    verdict: str
    n: int
    folds: int
    baseline: str
    scores: dict[str, dict[str, float | None]]
    feature_importances: dict[str, float] | None = Field(
        None, description="the forest's mean decrease in impurity per feature (breakout model only)"
    )


class LiveRecordAnswer(_Answer):
    """How a model's emailed predictions fared once graded (the forecast ledger)."""

    model: str
    kind: str
    n: int
    text: str


class NewsArticle(_Answer):
    published_ts: int
    title: str
    source: str
    url: str
    score: float | None = Field(description="VADER compound, -1 to +1; null for an article not in English (not scored)")


class NewsAnswer(_Answer):
    mood: str = Field(description="the 24 h mood against the 7-day mood, in the alert email's words")
    articles: list[NewsArticle]


class DataHealth(_Answer):
    """Whether a series' newest data can be trusted, when the answer was made."""

    healthy: bool | None = Field(default=None, description=HEALTHY)
    stale: bool = Field(default=False, description=STALE)
    reasons: list[str] = Field(default_factory=list, description=HEALTH_REASONS)


class SeriesDetail(_Answer):
    key: str
    name: str | None = None
    timeframe: str
    candles: list[Candle] = Field(description="closed candles {ts, open, high, low, close, volume}, oldest first")
    indicators: Indicators
    markers: list[Marker]
    predictions: list[dict[str, Any]] = Field(description="the newest signal's predictions (forecast/prediction.py)")
    past_alerts: str | None = Field(
        default=None,
        description="how the series' past alerts fared: the alert email's own sentence (its section 'How past alerts"
        " on this series fared', from the replay report's email_record); null when the training run has not judged"
        " the emails yet or none has an outcome",
    )
    rule_records: list[RuleRecordAnswer]
    model_cards: list[ModelCardAnswer]
    live_records: list[LiveRecordAnswer]
    news: NewsAnswer
    health: DataHealth = Field(default_factory=DataHealth, description="the newest data's health, and staleness")
    notes: list[str] = Field(default_factory=list, description="parts that could not be read, and why")


class AlertDecision(_Answer):
    """One alert decision: an email sent (or possibly sent), or suppressed with the reason."""

    id: str = Field(description="<series key>@<candle ts>: the key of GET /api/v1/alerts/{id}/email")
    series: str
    candle_ts: int
    kind: Literal["alert", "market"]
    status: DecisionStatus
    reason: str | None = None
    detail: str | None = None
    rules: list[str] = Field(default_factory=list)
    subject: str | None = None
    decided_at: int | None = None


class AlertFilters(_Answer):
    """What the Alerts page's Series and Rule filters offer, whatever page of decisions is loaded: read from the
    watchlist the list is read with, so the page needs no second request (GET /settings) to offer them."""

    series: list[str] = Field(
        default_factory=list,
        description="every watched series' key, then the market emails' keys of their timeframes (market#1h) and the"
        " market scans' (scan#USD)",
    )
    rules: list[str] = Field(
        default_factory=list,
        description="every built-in rule's id, then the watchlist's conditions' (condition:<name>)",
    )


class AlertPage(_Answer):
    alerts: list[AlertDecision]
    cursor: str | None = Field(default=None, description="pass as ?cursor= for the next (older) page; null at the end")
    filters: AlertFilters = Field(
        default_factory=AlertFilters, description="the keys and rules the list can be filtered by"
    )


class EmailAnswer(_Answer):
    """The email of an alert decision, as HTML (images inlined as data: URLs) and text."""

    id: str
    source: Literal["archived", "re-rendered"] = Field(
        description="archived: the MIME message as the notifier handed it to SES; re-rendered (an email sent before"
        " the messages were archived): from the stored signal, candles and figures, without the chart"
    )
    status: DecisionStatus
    subject: str
    html: str
    text: str
    note: str


class Tokens(_Answer):
    """Cognito's tokens: send ``access_token`` as ``Authorization: Bearer``; keep them in memory or sessionStorage."""

    access_token: str
    id_token: str
    refresh_token: str | None = None
    expires_in: int
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 (the scheme's name, not a secret)


class Challenge(_Answer):
    """Cognito asks for a new password (first sign-in with the emailed temporary one)."""

    challenge: Literal["NEW_PASSWORD_REQUIRED"]
    session: str
    email: str
