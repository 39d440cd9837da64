"""The watchlist: which series to watch, validated before anything runs.

Format (YAML, documented in the README)::

    defaults:
      timeframe: 1h            # used by entries that name none
      backfill_candles: 720    # history fetched for a series seen for the first time
    series:
      - {source: kraken, symbol: BTC/USD}
      - {source: kraken, symbol: ETH/USD, timeframe: 4h}
      - {source: coingecko, symbol: HYPE/USD, coingecko_id: hyperliquid}
    rules:                     # optional: parameter overrides per trigger rule (contracts/rule_params.py)
      rsi_oversold: {level: 25}
    alerts:                    # optional: who gets emails and when (the alert policy)
      recipients: [me@example.com]   # default: the stack's RecipientEmails parameter
      min_severity: 2          # 1 info, 2 notable, 3 strong
      cooldown: 6h             # per series and rule; m, h or d
      max_per_week: 3          # the alert budget per series: only firings rare enough to fit it email
    digest:                    # optional: one email a day covering every series (the daily digest)
      enabled: true
      time: "07:00"            # local time of day, HH:MM
      timezone: UTC            # an IANA name, e.g. Europe/Berlin
    conditions:                # optional: your own alerts, on every series (language: contracts/conditions.py)
      - rsi_14 crosses below 25 and volume > 3 * volume_sma_20     # named by its text
      - {name: Deep dip, when: "close < bb_lower and rsi_14 < 20", cooldown: 12h, severity: 3, direction: bullish}

A series entry may carry its own ``alerts:`` (any of its keys, the rest
inherited), its own ``conditions:`` (added to the top-level ones; one with the
same name replaces the top-level one for that series) and a ``name:`` for the
news query (default: a built-in name for common tickers, else the CoinGecko id,
else the ticker).

A condition fires on the candle where it becomes true (true on the candle just
closed, false on the one before), so one that stays true fires once; its firing
(rule id ``condition:<name>``) is always emailed, at most once per ``cooldown``
(default 6h, the condition's own, whatever ``alerts.cooldown`` says). Severity
defaults to 2, direction to neutral. A condition that does not parse or names an
unknown column is refused here, with the position and what was expected or the
nearest known column names.

Every problem is reported at once, each naming the entry (``series[2]``) and,
when it can be told, the series it would have been. This is the one check of
everything the functions read from the watchlist, ``rules:`` included
(:func:`crypto_advisor.contracts.rule_params.rule_params`): every function runs
it at start, so a mistake the analysis would trip on stops the ingest too.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from crypto_advisor.contracts.conditions import (
    MAX_EXPRESSION_LENGTH,
    ConditionError,
    condition_rule_id,
    normalize_expression,
    parse_condition,
)
from crypto_advisor.contracts.market_scan import (
    MAX_TOP,
    SCAN_SOURCE,
    SPARKLINE_HOURS,
    MarketScan,
)
from crypto_advisor.contracts.series import (
    SOURCES,
    TIMEFRAME_MS,
    Series,
    SeriesError,
    normalize_symbol,
)
from crypto_advisor.contracts.units import DAY_MS, HOUR_MS, MINUTE_MS

_COINGECKO_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: The address rule, for the watchlist's recipients, the functions' settings and template.yaml's SenderEmail and
#: RecipientEmails patterns (a test holds the template to it): a bare address, no display name, brackets, quotes
#: or separators, so ``"CEO"<ceo@bank.com>`` and ``ops@example.com>`` are refused wherever an address is read.
EMAIL_ADDRESS = r"""[^@\s<>"',;]+@[^@\s<>"',;]+\.[^@\s<>"',;]+"""
_EMAIL = re.compile(f"^{EMAIL_ADDRESS}$")
_DURATION = re.compile(r"^(\d+)\s*([mhd])$")
_TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_UNIT_MS = {"m": MINUTE_MS, "h": HOUR_MS, "d": DAY_MS}

#: Names the news query uses for common tickers (NewsAPI matches words, and
#: "BTC" alone misses most articles about Bitcoin).
KNOWN_COIN_NAMES: dict[str, str] = {
    "BTC": "Bitcoin",
    "XBT": "Bitcoin",
    "ETH": "Ethereum",
    "SOL": "Solana",
    "XRP": "XRP",
    "ADA": "Cardano",
    "DOGE": "Dogecoin",
    "DOT": "Polkadot",
    "LTC": "Litecoin",
    "AVAX": "Avalanche",
    "LINK": "Chainlink",
    "HYPE": "Hyperliquid",
}


def not_addresses(addresses: list[str]) -> list[str]:
    """The entries of ``addresses`` that are not an address by :data:`EMAIL_ADDRESS` (surrounding blanks allowed)."""
    return [a for a in addresses if not isinstance(a, str) or not _EMAIL.match(a.strip())]


def parse_duration_ms(text: str) -> int:
    """``30m``, ``6h``, ``2d`` -> milliseconds; ``0`` means none."""
    value = str(text).strip().lower()
    if value in ("0", "0m", "0h", "0d"):
        return 0
    match = _DURATION.match(value)
    if not match:
        raise ValueError(f"malformed duration {text!r}; expected a number and m, h or d, e.g. 6h")
    return int(match.group(1)) * _UNIT_MS[match.group(2)]


def duration_text(ms: int) -> str:
    """Milliseconds as the watchlist writes a duration: ``6h``, ``2d``, ``90m`` (the largest unit that divides)."""
    for unit in ("d", "h", "m"):
        if ms % _UNIT_MS[unit] == 0:
            return f"{ms // _UNIT_MS[unit]}{unit}"
    return f"{ms} ms"


#: The most recipients one ``alerts:`` may name: alerts are for the owner and a few people. Any signed-in dashboard user
#: may edit the recipients, and a list with no end would let one send the owner's SES identity to strangers, whose
#: bounces and complaints pause the owner's sending.
MAX_RECIPIENTS = 25


class AlertPolicyOverrides(BaseModel):
    """The ``alerts:`` mapping as written (top level or per series): every key optional."""

    model_config = ConfigDict(extra="forbid")

    recipients: list[str] | None = Field(default=None, max_length=MAX_RECIPIENTS)
    min_severity: int | None = Field(default=None, ge=1, le=3)
    cooldown: str | None = None
    max_per_week: float | None = Field(default=None, gt=0, le=168)

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        bad = not_addresses(value)
        if bad:
            raise ValueError(f"not an email address: {', '.join(repr(b) for b in bad)}")
        return [v.strip() for v in value]

    @field_validator("cooldown")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration_ms(value)
        return value


#: The shortest cooldown of a series, in its candles: the next candle after an alert is always held to the follow-up
#: rule (see :meth:`AlertPolicy.on_timeframe`).
MIN_COOLDOWN_CANDLES = 2


class AlertPolicy(BaseModel):
    """Who gets an email about a series, and when.

    ``recipients`` empty means the stack's default (the RecipientEmails
    parameter). ``cooldown_ms`` is measured in candle time (between the candles'
    open times), not wall-clock, so a replay or a late redelivery decides the
    same way as the live run.
    """

    model_config = ConfigDict(frozen=True)

    recipients: tuple[str, ...] = ()
    min_severity: int = 2
    #: Never shorter than :data:`MIN_COOLDOWN_CANDLES` of the series once resolved for it (:meth:`on_timeframe`).
    cooldown_ms: int = 6 * HOUR_MS
    #: The alert budget: emails a week this series may send on average (the bar a firing's rarity must clear
    #: is set so that the series' own history fits it), and at most in any rolling week (the hard cap).
    max_per_week: float = 3.0

    def on_timeframe(self, timeframe_ms: int) -> AlertPolicy:
        """The policy of a series of this timeframe: its cooldown at least :data:`MIN_COOLDOWN_CANDLES` candles.

        A cooldown holds back a candle less than ``cooldown_ms`` after an emailed one. Six hours hold back the next
        five hourly candles, and the next 4h candle; on daily candles they hold back nothing, so one slide was
        emailed on consecutive days, the same rule again (on ETH/USD 1d 2015-2023, 120 of 599 emails came the day
        after another). Two candles hold back the next one at any timeframe; with the default 6 h, hourly and 4h
        series hold back the same candles as before (a 4h series' cooldown reads 8 h), and a cooldown written under
        two candles (``0``, ``1h`` on hourly candles) reads two candles.
        """
        floor = MIN_COOLDOWN_CANDLES * timeframe_ms
        return self if self.cooldown_ms >= floor else self.model_copy(update={"cooldown_ms": floor})

    def merged(self, overrides: AlertPolicyOverrides | None) -> AlertPolicy:
        if overrides is None:
            return self
        return AlertPolicy(
            recipients=tuple(overrides.recipients) if overrides.recipients is not None else self.recipients,
            min_severity=overrides.min_severity if overrides.min_severity is not None else self.min_severity,
            cooldown_ms=parse_duration_ms(overrides.cooldown) if overrides.cooldown is not None else self.cooldown_ms,
            max_per_week=overrides.max_per_week if overrides.max_per_week is not None else self.max_per_week,
        )

    @property
    def weekly_cap(self) -> int:
        """The most emails any rolling 7 days may hold: the budget rounded up, at least one."""
        return max(1, math.ceil(self.max_per_week))


class DigestSettings(BaseModel):
    """The ``digest:`` mapping: one email a day per recipient, covering every watched series.

    ``time`` is the local time of day in ``timezone`` (an IANA name) at which the
    digest is due; the digest schedule runs hourly and sends it in the first run
    at or after that time, once per local day and recipient.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    time: str = "07:00"
    timezone: str = "UTC"

    @field_validator("time")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        text = str(value).strip()
        if not _TIME_OF_DAY.match(text):
            raise ValueError(f"malformed time {value!r}; expected HH:MM on a 24-hour clock, e.g. 07:00")
        return text

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; expected an IANA name, e.g. Europe/Berlin") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def hour(self) -> int:
        return int(self.time[:2])

    @property
    def minute(self) -> int:
        return int(self.time[3:])


#: The cooldown of a user condition that names none: its own, not the series' ``alerts.cooldown``.
CONDITION_COOLDOWN_MS = 6 * HOUR_MS


def _checked_duration(value: str) -> str:
    parse_duration_ms(value)
    return value


class ConditionEntry(BaseModel):
    """One item of a ``conditions:`` list as written: the expression alone, or a mapping that names it.

    The expression is parsed here (:func:`~crypto_advisor.contracts.conditions.parse_condition`),
    so a condition that does not parse or names an unknown column stops the
    watchlist check, naming the item.
    """

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    when: str = Field(min_length=1, max_length=MAX_EXPRESSION_LENGTH)
    cooldown: Annotated[str, AfterValidator(_checked_duration)] | None = None
    severity: int = Field(default=2, ge=1, le=3)
    direction: Literal["bullish", "bearish", "neutral"] = "neutral"

    @model_validator(mode="before")
    @classmethod
    def _expression_alone(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"when": value}
        if not isinstance(value, dict):
            raise ValueError(
                f"expected the condition's text, or a mapping with when: (and name, cooldown, severity, direction), "
                f"got {value!r}"
            )
        return value

    @field_validator("name")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        # The name is an email's title and part of every firing's sentence: control characters have no place there.
        if value is not None and any(unicodedata.category(c) == "Cc" and not c.isspace() for c in value):
            raise ValueError(f"name {value!r} holds control characters")
        return value

    @model_validator(mode="after")
    def _parses(self) -> ConditionEntry:
        try:
            parse_condition(normalize_expression(self.when))
        except ConditionError as exc:
            raise ValueError(f"{normalize_expression(self.when)!r}: {exc}") from None
        return self

    def parsed(self) -> UserCondition:
        expression = normalize_expression(self.when)
        return UserCondition(
            name=" ".join(self.name.split()) if self.name else expression,
            expression=expression,
            cooldown_ms=parse_duration_ms(self.cooldown) if self.cooldown is not None else CONDITION_COOLDOWN_MS,
            severity=self.severity,
            direction=self.direction,
        )


def unique_condition_names(entries: list[ConditionEntry] | None) -> list[ConditionEntry] | None:
    first: dict[str, int] = {}
    for index, entry in enumerate(entries or ()):
        name = entry.parsed().name
        if name in first:
            raise ValueError(f"duplicate name {name!r} at conditions[{index}] (first at conditions[{first[name]}])")
        first[name] = index
    return entries


class UserCondition(BaseModel):
    """A user condition as the analysis and the alert policy use it.

    Its firings carry :attr:`rule_id` (``condition:<name>``); the policy emails
    them whenever they fire, at most once per :attr:`cooldown_ms` (candle time).
    """

    model_config = ConfigDict(frozen=True)

    name: str
    #: the expression, white space normalized (the language: :mod:`crypto_advisor.contracts.conditions`)
    expression: str
    cooldown_ms: int = CONDITION_COOLDOWN_MS
    severity: int = 2
    direction: Literal["bullish", "bearish", "neutral"] = "neutral"

    @property
    def rule_id(self) -> str:
        return condition_rule_id(self.name)


def merge_conditions(common: tuple[UserCondition, ...], own: tuple[UserCondition, ...]) -> tuple[UserCondition, ...]:
    """A series' conditions: the top-level ones, then its own; its own replaces a top-level one of the same name."""
    merged = {c.name: c for c in common}
    merged.update({c.name: c for c in own})
    return tuple(merged.values())


class WatchlistError(ValueError):
    """The watchlist cannot be used; the message lists every problem and where it is."""


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timeframe: str = "1h"
    backfill_candles: int = Field(default=720, ge=1, le=5000)

    @field_validator("timeframe")
    @classmethod
    def _known_timeframe(cls, value: str) -> str:
        if value not in TIMEFRAME_MS:
            raise ValueError(f"unknown timeframe {value!r}; expected one of {', '.join(TIMEFRAME_MS)}")
        return value


class Entry(BaseModel):
    """One line of the watchlist as written."""

    model_config = ConfigDict(extra="forbid")

    source: str
    symbol: str
    timeframe: str | None = None
    coingecko_id: str | None = None
    backfill_candles: int | None = Field(default=None, ge=1, le=5000)
    name: str | None = Field(default=None, min_length=1, max_length=60)
    alerts: AlertPolicyOverrides | None = None
    conditions: list[ConditionEntry] | None = None

    _unique_conditions = field_validator("conditions")(unique_condition_names)

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        if value not in SOURCES:
            raise ValueError(f"unknown source {value!r}; expected one of {', '.join(SOURCES)}")
        return value

    @field_validator("symbol")
    @classmethod
    def _well_formed_symbol(cls, value: str) -> str:
        try:
            return normalize_symbol(value)
        except SeriesError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("timeframe")
    @classmethod
    def _known_timeframe(cls, value: str | None) -> str | None:
        if value is not None and value not in TIMEFRAME_MS:
            raise ValueError(f"unknown timeframe {value!r}; expected one of {', '.join(TIMEFRAME_MS)}")
        return value

    @model_validator(mode="after")
    def _coingecko_needs_id(self) -> Entry:
        if self.source == "coingecko":
            if not self.coingecko_id:
                raise ValueError("coingecko entries need coingecko_id (the coin's API id, e.g. 'bitcoin')")
            if not _COINGECKO_ID.match(self.coingecko_id):
                raise ValueError(f"malformed coingecko_id {self.coingecko_id!r}")
        return self


#: The market scan's alert budget when its ``alerts:`` names none: for the whole scan, not per coin (three a day).
SCAN_MAX_PER_WEEK = 21.0
_CURRENCY = re.compile(r"^[a-z]{3,5}$")


class ScanEntry(BaseModel):
    """A ``coingecko-markets`` line as written: the market scan (:mod:`crypto_advisor.contracts.market_scan`)."""

    model_config = ConfigDict(extra="forbid")

    source: Literal["coingecko-markets"]
    top: int = Field(default=250, ge=1, le=MAX_TOP)
    vs: str = "usd"
    #: the scan's alert policy; ``max_per_week`` is the budget of the whole scan (default :data:`SCAN_MAX_PER_WEEK`)
    alerts: AlertPolicyOverrides | None = None

    @field_validator("vs")
    @classmethod
    def _currency(cls, value: str) -> str:
        text = str(value).strip().lower()
        if not _CURRENCY.match(text):
            raise ValueError(f"malformed vs currency {value!r}; expected a CoinGecko vs_currency such as usd or eur")
        return text


class WatchedSeries(BaseModel):
    """A validated entry with the defaults applied."""

    model_config = ConfigDict(frozen=True)

    series: Series
    backfill_candles: int
    coingecko_id: str | None = None
    name: str | None = None
    alerts: AlertPolicy = AlertPolicy()
    #: the user's conditions on this series: the top-level ones and its own (analysis/rules/conditions.py)
    conditions: tuple[UserCondition, ...] = ()
    #: whether its cooldown is the floor of two of its candles, longer than the one the watchlist gives it
    #: (:meth:`AlertPolicy.on_timeframe`): what the Settings page says of it
    cooldown_floored: bool = False

    def condition(self, rule_id: str) -> UserCondition | None:
        """The user condition whose firings carry ``rule_id``; None for a built-in rule or a condition since removed."""
        return next((c for c in self.conditions if c.rule_id == rule_id), None)

    @property
    def coin(self) -> str:
        """The base ticker, e.g. ``BTC``: the key of the coin's news."""
        return self.series.symbol.split("-", 1)[0]

    @property
    def coin_name(self) -> str:
        """The name the news query uses: the entry's ``name``, a known name, the CoinGecko id, or the ticker."""
        if self.name:
            return self.name
        if self.coin in KNOWN_COIN_NAMES:
            return KNOWN_COIN_NAMES[self.coin]
        if self.coingecko_id:
            return self.coingecko_id.replace("-", " ").title()
        return self.coin


class WatchedScan(BaseModel):
    """A validated market scan with its alert policy, whose budget covers every coin of the scan together."""

    model_config = ConfigDict(frozen=True)

    scan: MarketScan
    alerts: AlertPolicy

    def watched(self, series: Series) -> WatchedSeries:
        """One coin of the scan as a watched series: seven days of backfill (the sparkline), the scan's policy."""
        return WatchedSeries(series=series, backfill_candles=SPARKLINE_HOURS, alerts=self.alerts)


class Watchlist(BaseModel):
    model_config = ConfigDict(frozen=True)

    series: tuple[WatchedSeries, ...]
    #: the market scans (``source: coingecko-markets`` entries); their coins are not in ``series``
    scans: tuple[WatchedScan, ...] = ()
    #: rule id -> parameter overrides for the trigger rules, checked here (``contracts.rule_params``)
    rules: dict[str, dict[str, Any]] = Field(default_factory=dict)
    #: the top-level alert policy (each series' own is in ``WatchedSeries.alerts``)
    alerts: AlertPolicy = AlertPolicy()
    #: when the daily digest is due
    digest: DigestSettings = DigestSettings()
    #: the top-level conditions (each series' full set, these included, is in ``WatchedSeries.conditions``)
    conditions: tuple[UserCondition, ...] = ()

    def __iter__(self) -> Iterator[WatchedSeries]:  # type: ignore[override]
        return iter(self.series)

    def __len__(self) -> int:
        return len(self.series)

    def find(self, series_key: str) -> WatchedSeries | None:
        """The watched series with this key, or None (a signal for a series since removed).

        A market scan's coin is found by its key's form (``coingecko-markets:SOL-USD:1h`` while a USD scan is
        watched): which coins the scan holds is the market's answer of the hour, not the watchlist's.
        """
        found = next((w for w in self.series if w.series.key == series_key), None)
        if found is not None:
            return found
        scan = self.scan_of(series_key)
        return scan.watched(Series.parse(series_key)) if scan is not None else None

    def scan_of(self, series_key: str) -> WatchedScan | None:
        """The market scan a series key belongs to, or None."""
        if not series_key.startswith(SCAN_SOURCE + ":"):
            return None
        try:
            series = Series.parse(series_key)
        except SeriesError:
            return None
        return next((s for s in self.scans if s.scan.covers(series)), None)

    def of_timeframe(self, timeframe: str) -> tuple[WatchedSeries, ...]:
        """The watched series of ``timeframe``, in the watchlist's order: the coins one market email is about."""
        return tuple(w for w in self.series if w.series.timeframe == timeframe)

    def coins(self) -> dict[str, str]:
        """Ticker -> news query name, one per coin however many series it has (first entry wins)."""
        names: dict[str, str] = {}
        for watched in self.series:
            names.setdefault(watched.coin, watched.coin_name)
        return names

    def given_names(self) -> dict[str, str]:
        """Ticker -> the ``name:`` the coin's first entry gives (as :meth:`coins`), for the coins whose entry gives
        one: the news searches that name alone, without the ticker (:mod:`crypto_advisor.news.query`)."""
        first: dict[str, str | None] = {}
        for watched in self.series:
            first.setdefault(watched.coin, watched.name)
        return {coin: name for coin, name in first.items() if name}
