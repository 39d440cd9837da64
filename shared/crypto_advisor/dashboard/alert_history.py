"""The alert history: every decision of the watched series, the market emails and the scans' emails, newest first.

Decisions of different series share candle times (every hourly series decides
about the same hour), so the order is (candle time descending, key ascending)
and the cursor is the last decision shown, ``<ts>~<key>`` in URL-safe base64:
the next page is what sorts after it. Filters (series, rule, reason) apply
while reading, so a page holds ``limit`` matching decisions whatever the
filter skips.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import itertools
from collections.abc import Callable, Iterator, Sequence

from crypto_advisor.contracts.alerts import is_market_key
from crypto_advisor.contracts.decisions import Decision
from crypto_advisor.dashboard.answers import AlertDecision, AlertPage
from crypto_advisor.dashboard.ports import Decisions

#: Decisions read per Query while a filter skips most of them.
READ_BATCH = 50
#: Separates an alert id's series key from its candle time (a series key never holds one).
ID_SEPARATOR = "@"
#: How an alert id spells the ``#`` of a log key of its own kind (``market#1h``, ``scan#USD``): ``market:1h``.
#:
#: API Gateway HTTP APIs hand Lambda the path percent-decoded, so an id's ``%23`` arrives as ``#``, which
#: Powertools' route pattern refuses: every market and scan email would be a 404. ``:`` routes, and cannot
#: collide: a series key is ``source:PAIR:timeframe`` (two ``:``, no ``#``), a log key ``kind#name`` (no ``:``),
#: so an id key with exactly one ``:`` is a log key's.
_KIND_SEPARATOR = ("#", ":")


class CursorError(ValueError):
    """A cursor this API did not hand out."""


def alert_id(key: str, candle_ts: int) -> str:
    """The id the API hands out for the decision of ``key`` (a series key or a log key) at ``candle_ts``."""
    log_sep, id_sep = _KIND_SEPARATOR
    return f"{key.replace(log_sep, id_sep, 1)}{ID_SEPARATOR}{candle_ts}"


def parse_alert_id(value: str) -> tuple[str, int]:
    """``kraken:BTC-USD:1h@1735707600000`` -> (key, ts), ``market:1h@...`` -> (``market#1h``, ts); ValueError
    naming what is wrong. The form ids had before (``market#1h@...``) is still read: a caller may hold one."""
    key, sep, ts = value.rpartition(ID_SEPARATOR)
    if not sep or not key or not ts.isdigit():
        raise ValueError(f"alert id {value!r} is not <series key>@<candle ts in ms>")
    return _log_key(key), int(ts)


def _log_key(id_key: str) -> str:
    """The notification log's key an id's key names (the inverse of :func:`alert_id`'s spelling)."""
    log_sep, id_sep = _KIND_SEPARATOR
    return id_key.replace(id_sep, log_sep) if id_key.count(id_sep) == 1 else id_key


def encode_cursor(decision: Decision) -> str:
    return base64.urlsafe_b64encode(f"{decision.candle_ts}~{decision.key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        ts, _, key = text.partition("~")
        return int(ts), key
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise CursorError(f"cursor {cursor!r} was not handed out by this API") from None


def history(
    decisions: Decisions,
    keys: Sequence[str],
    *,
    limit: int,
    cursor: str | None = None,
    rule: str | None = None,
    reason: str | None = None,
) -> AlertPage:
    """One page of the decisions of ``keys`` that match ``rule`` and ``reason``, after ``cursor``."""
    after = decode_cursor(cursor) if cursor else None

    def keep(d: Decision) -> bool:
        if after is not None and (-d.candle_ts, d.key) <= (-after[0], after[1]):
            return False
        return (rule is None or rule in d.rules) and (reason is None or d.reason == reason)

    streams = [_newest_first(decisions, key, after[0] + 1 if after else None, keep) for key in keys]
    merged = heapq.merge(*streams, key=lambda d: (-d.candle_ts, d.key))
    page = list(itertools.islice(merged, limit + 1))
    shown = page[:limit]
    return AlertPage(
        alerts=[answer(d) for d in shown],
        cursor=encode_cursor(shown[-1]) if len(page) > limit else None,
    )


def answer(d: Decision) -> AlertDecision:
    return AlertDecision(
        id=alert_id(d.key, d.candle_ts),
        series=d.key,
        candle_ts=d.candle_ts,
        kind="market" if is_market_key(d.key) else "alert",
        status=d.status,  # type: ignore[arg-type]  # the log writes only DecisionStatus values
        reason=d.reason,
        detail=d.detail,
        rules=list(d.covers if is_market_key(d.key) else d.rules),
        subject=d.subject,
        decided_at=d.decided_at,
    )


def _newest_first(
    decisions: Decisions, key: str, before_ts: int | None, keep: Callable[[Decision], bool]
) -> Iterator[Decision]:
    before = before_ts if before_ts is not None else 2**63 - 1
    while True:
        batch = decisions.page(key, before_ts=before, limit=READ_BATCH)
        yield from (d for d in batch if keep(d))
        if len(batch) < READ_BATCH:
            return
        before = batch[-1].candle_ts
