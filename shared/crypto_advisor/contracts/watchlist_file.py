"""The watchlist file: the YAML document read into a :class:`~crypto_advisor.contracts.watchlist.Watchlist`.

The shapes (series entries, the alert policy, the digest, conditions) and what each accepts are
:mod:`crypto_advisor.contracts.watchlist`'s; this module reads the document (its format is that module's docstring)
and collects every problem into one :class:`~crypto_advisor.contracts.watchlist.WatchlistError`: each top-level
section checked on its own, then each series entry, then the CoinGecko month, so one mistake never hides another.
Only the code that reads the file imports YAML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator
from pydantic_core import ErrorDetails

from crypto_advisor.contracts.conditions import MAX_CONDITIONS
from crypto_advisor.contracts.market_scan import SCAN_SOURCE, SCAN_TIMEFRAME, MarketScan, monthly_calls
from crypto_advisor.contracts.rule_params import rule_params
from crypto_advisor.contracts.series import SOURCE_TIMEFRAMES, TIMEFRAME_MS, Series
from crypto_advisor.contracts.watchlist import (
    SCAN_MAX_PER_WEEK,
    AlertPolicy,
    AlertPolicyOverrides,
    ConditionEntry,
    Defaults,
    DigestSettings,
    Entry,
    ScanEntry,
    UserCondition,
    WatchedScan,
    WatchedSeries,
    Watchlist,
    WatchlistError,
    merge_conditions,
    unique_condition_names,
)


class _Sections(BaseModel):
    """The top-level sections beside the series list, each with its default: what the series entries inherit."""

    model_config = ConfigDict(extra="forbid")

    defaults: Defaults = Defaults()
    rules: dict[str, dict[str, Any]] = Field(default_factory=dict)
    alerts: AlertPolicyOverrides | None = None
    digest: DigestSettings = DigestSettings()
    conditions: list[ConditionEntry] | None = Field(default=None, max_length=MAX_CONDITIONS)

    _unique_conditions = field_validator("conditions")(unique_condition_names)


class _File(_Sections):
    """The whole document. Its series entries are checked one by one (:func:`_watch`), not here, so that one bad
    entry, or one bad section, leaves the others to be checked and named in the same error."""

    series: list[Any] = Field(min_length=1)


#: A series entry must be a mapping before anything else can be said about it (pydantic's words for it).
_MAPPING: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, Any])


@dataclass(frozen=True)
class _Inherited:
    """What a series entry takes from the top-level sections (their defaults where a section failed)."""

    #: None when ``defaults:`` failed: the entry's series is then unknown, and guessing it would invent problems
    timeframe: str | None
    backfill_candles: int
    policy: AlertPolicy
    conditions: tuple[UserCondition, ...]


def _where(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "top level"


def _describe(raw: Any) -> str:
    if isinstance(raw, dict) and raw.get("symbol"):
        return f" ({raw.get('source', '?')} {raw.get('symbol')} {raw.get('timeframe') or ''})".replace(" )", ")")
    return ""


def parse_watchlist(text: str, origin: str = "watchlist") -> Watchlist:
    """Parse and validate a watchlist document; raise :class:`WatchlistError` listing every problem.

    Every mistake is named in the one error, so a user fixes them all in one round instead of one deploy or upload
    per mistake: the top-level sections' in the order the file writes them, then the series entries' in theirs,
    then the CoinGecko month (which counts them all).
    """
    document = _document(text, origin)
    sections, entries, problems = _sections(document)
    try:
        rule_params(sections.rules)
    except ValueError as exc:
        problems.setdefault("rules", []).extend(f"rules: {line}" for line in str(exc).splitlines())
    inherited = _Inherited(
        timeframe=None if "defaults" in problems else sections.defaults.timeframe,
        backfill_candles=sections.defaults.backfill_candles,
        policy=AlertPolicy().merged(sections.alerts),
        conditions=tuple(c.parsed() for c in sections.conditions or ()),
    )
    watched, scans, entry_problems = _watch(entries, inherited)
    named = [problem for key in _file_order(document, problems) for problem in problems[key]]
    named.extend(entry_problems)
    named.extend(_allowance_problems(watched, scans))
    if named:
        raise WatchlistError(f"{origin}: " + "; ".join(named))
    return Watchlist(
        series=tuple(watched),
        scans=tuple(scans),
        rules=sections.rules,
        alerts=inherited.policy,
        digest=sections.digest,
        conditions=inherited.conditions,
    )


def _document(text: str, origin: str) -> dict[Any, Any]:
    """The YAML as a mapping; anything else cannot be checked further and is the one problem reported."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise WatchlistError(f"{origin}: not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise WatchlistError(f"{origin}: expected a mapping with a 'series' list, got {type(document).__name__}")
    return document


def _sections(document: dict[Any, Any]) -> tuple[_Sections, list[Any], dict[Any, list[str]]]:
    """The top-level sections, the series entries as written, and the problems by top-level key.

    Each section is checked on its own; one that fails is named and left at its default, so the series entries are
    still checked (against the defaults) instead of the first bad section hiding every other mistake.
    """
    try:
        parsed = _File.model_validate(document)
    except ValidationError as exc:
        problems: dict[Any, list[str]] = {}
        for error in exc.errors():
            problems.setdefault(error["loc"][0], []).append(f"{_where(error['loc'])}: {_message(error)}")
        valid = {key: value for key, value in document.items() if key in _Sections.model_fields and key not in problems}
        entries = list(document["series"]) if "series" not in problems else []
        return _Sections.model_validate(valid), entries, problems
    return parsed, parsed.series, {}


def _file_order(document: dict[Any, Any], problems: dict[Any, list[str]]) -> list[Any]:
    """The keys with problems in the order the file writes them; a missing one (``series``) last."""
    return [key for key in document if key in problems] + [key for key in problems if key not in document]


def _watch(entries: list[Any], inherited: _Inherited) -> tuple[list[WatchedSeries], list[WatchedScan], list[str]]:
    """Every series entry checked on its own, in order: the watched series, the scans, and each entry's problems."""
    watched: list[WatchedSeries] = []
    scans: list[WatchedScan] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(entries):
        where = f"series[{index}]{_describe(raw)}"
        try:
            _MAPPING.validate_python(raw)
        except ValidationError as exc:
            problems.extend(_entry_problems(where, exc))
            continue
        if raw.get("source") == SCAN_SOURCE:
            scan = _scan(raw, where, inherited.policy, seen, problems)
            if scan is not None:
                seen[f"{SCAN_SOURCE}:{scan.scan.vs.lower()}"] = index
                scans.append(scan)
            continue
        try:
            entry = Entry.model_validate(raw)
        except ValidationError as exc:
            problems.extend(_entry_problems(where, exc))
            continue
        series = _watched(index, where, entry, inherited, seen, problems)
        if series is not None:
            watched.append(series)
    return watched, scans, problems


def _watched(
    index: int, where: str, entry: Entry, inherited: _Inherited, seen: dict[str, int], problems: list[str]
) -> WatchedSeries | None:
    """A valid entry with what it inherits applied, or None with its problem added (naming ``where``).

    An entry whose timeframe was to come from a failed ``defaults:`` has no known series: its source's timeframes
    and duplicates are not checked (that failure is already named), only what it holds itself.
    """
    timeframe = entry.timeframe or inherited.timeframe
    series = Series.of(entry.source, entry.symbol, timeframe) if timeframe is not None else None
    if series is not None:
        if series.timeframe not in SOURCE_TIMEFRAMES[series.source]:
            offered = ", ".join(SOURCE_TIMEFRAMES[series.source])
            problems.append(f"{where}: {series.source} has no {series.timeframe} candles; it offers {offered}")
            return None
        if series.key in seen:
            problems.append(f"{where}: duplicate series {series.key} (first at series[{seen[series.key]}])")
            return None
        seen[series.key] = index
    conditions = merge_conditions(inherited.conditions, tuple(c.parsed() for c in entry.conditions or ()))
    if len(conditions) > MAX_CONDITIONS:
        problems.append(
            f"{where}: conditions: {len(conditions)} conditions (the top-level ones and its own), "
            f"at most {MAX_CONDITIONS} per series"
        )
        return None
    if series is None:
        return None
    written = inherited.policy.merged(entry.alerts)
    alerts = written.on_timeframe(series.timeframe_ms)
    return WatchedSeries(
        series=series,
        backfill_candles=entry.backfill_candles or inherited.backfill_candles,
        coingecko_id=entry.coingecko_id,
        name=entry.name,
        alerts=alerts,
        conditions=conditions,
        cooldown_floored=alerts.cooldown_ms > written.cooldown_ms,
    )


def _allowance_problems(watched: list[WatchedSeries], scans: list[WatchedScan]) -> list[str]:
    """The CoinGecko demo key's month, when a scan is watched.

    A watchlist without a scan is not held to the demo key's month: it may use a paid key, as it always could. An
    entry that failed is not counted, so a mistake elsewhere never adds this one.
    """
    if not scans:
        return []
    allowance, arithmetic = monthly_calls(
        (s.scan for s in scans), (w.series.timeframe for w in watched if w.series.source == "coingecko")
    )
    if allowance.fits:
        return []
    return [
        f"the CoinGecko calls exceed the demo key's monthly allowance: {arithmetic}; "
        "scan fewer coins (top:) or watch fewer CoinGecko series"
    ]


def _message(error: ErrorDetails) -> str:
    """pydantic's message without its ``Value error,`` prefix: the words our validators wrote."""
    return error["msg"].removeprefix("Value error, ")


def _entry_problems(where: str, exc: ValidationError) -> list[str]:
    """A series entry's validation errors, each naming the entry and the field."""
    problems = []
    for error in exc.errors():
        field = _where(error["loc"])
        problems.append(f"{where}: {field + ': ' if field != 'top level' else ''}{_message(error)}")
    return problems


def _scan(
    raw: dict[str, Any], where: str, policy: AlertPolicy, seen: dict[str, int], problems: list[str]
) -> WatchedScan | None:
    """A ``coingecko-markets`` entry validated, or None with its problems added (each naming the entry)."""
    where = f"{where.split(' ')[0]} ({SCAN_SOURCE} top {raw.get('top', 250)})"
    try:
        entry = ScanEntry.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_entry_problems(where, exc))
        return None
    key = f"{SCAN_SOURCE}:{entry.vs}"
    if key in seen:
        problems.append(f"{where}: a second {entry.vs} scan (first at series[{seen[key]}]); one scan per currency")
        return None
    scan_policy = (
        AlertPolicy(
            recipients=policy.recipients,
            min_severity=policy.min_severity,
            cooldown_ms=policy.cooldown_ms,
            max_per_week=SCAN_MAX_PER_WEEK,
        )
        .merged(entry.alerts)
        .on_timeframe(TIMEFRAME_MS[SCAN_TIMEFRAME])
    )
    return WatchedScan(scan=MarketScan(top=entry.top, vs=entry.vs.upper()), alerts=scan_policy)
