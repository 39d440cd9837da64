"""The read API (``/api/v1``): the overview, a series, the alert history and an alert's email.

Every route needs the JWT the HTTP API's authorizer checks; its answer is a
model of :mod:`crypto_advisor.dashboard.answers`, validated by the event
handler and listed in ``/openapi.json``.
"""

from __future__ import annotations

import re
from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import AfterValidator

from crypto_advisor.api.context import BEARER, dashboard_of
from crypto_advisor.api.path_params import PathText
from crypto_advisor.contracts.alerts import market_log_key
from crypto_advisor.contracts.market_scan import SCAN_LOG_PREFIX
from crypto_advisor.dashboard.alert_history import ID_SEPARATOR, CursorError, decode_cursor
from crypto_advisor.dashboard.answers import AlertPage, EmailAnswer, Overview, SeriesDetail

router = Router()

_SYMBOL = r"[A-Z0-9]{1,20}"
_TIMEFRAME = r"[0-9]{1,3}[mhdw]"
_SERIES = rf"[a-z]+(-[a-z]+)*:{_SYMBOL}-{_SYMBOL}:{_TIMEFRAME}"
#: ``kraken:BTC-USD:1h``: the series key's shape, checked before any store is read.
SERIES_KEY = rf"^{_SERIES}$"
#: What the alerts list filters by: a series key, a market email's log key (``market#1h``) or a market scan's
#: (``scan#USD``), the keys its decisions are listed under (``AlertDecision.series``); matched whole.
ALERT_LOG_KEY = re.compile(
    rf"{_SERIES}|{re.escape(market_log_key(''))}{_TIMEFRAME}|{re.escape(SCAN_LOG_PREFIX)}{_SYMBOL}"
)
#: The most digits a candle time (epoch milliseconds) has: 13 until 2286-11-20, so a longer one is no time this
#: system wrote. Checked before a store is read: DynamoDB takes at most 38 digits, and boto3 raises
#: ``decimal.Inexact`` (a 500) for a longer key where the answer should be a 422.
MAX_TS_DIGITS = 13
#: ``kraken:BTC-USD:1h@1735707600000`` or ``market:1h@1735707600000``: a key, then the candle time (the
#: id's spelling of a log key, :func:`~crypto_advisor.dashboard.alert_history.alert_id`: a ``#`` routes nowhere).
ALERT_ID = rf"^.+{ID_SEPARATOR}[0-9]{{1,{MAX_TS_DIGITS}}}$"


def _alert_log_key(series: str | None) -> str | None:
    """The alerts list's ``series`` filter, refused (422, naming ``query.series``) if it is no key a decision is
    listed under: it would reach DynamoDB as a partition key."""
    if series is not None and not ALERT_LOG_KEY.fullmatch(series):
        raise ValueError(
            f"{series!r} is no series key (kraken:BTC-USD:1h), market email key ({market_log_key('1h')})"
            f" or market scan key ({SCAN_LOG_PREFIX}USD)"
        )
    return series


def _cursor_time(cursor: str | None) -> str | None:
    """The cursor, refused (422) if the candle time in it is not one: it would reach DynamoDB as a key.

    A cursor that does not decode at all is the history's to refuse, as one this API did not hand out (400).
    """
    if cursor is None:
        return None
    try:
        candle_ts, _ = decode_cursor(cursor)
    except CursorError:
        return cursor
    if not 0 <= candle_ts < 10**MAX_TS_DIGITS:
        raise ValueError(f"its candle time is not epoch milliseconds of at most {MAX_TS_DIGITS} digits")
    return cursor


@router.get("/overview", security=BEARER, tags=["read"], summary="Every watched series, the correlations, the market")
def overview() -> Overview:
    return dashboard_of(router).overview()


@router.get("/series/<key>", security=BEARER, tags=["read"], summary="One series: chart data, records, cards, news")
def series(
    key: Annotated[PathText, Path(pattern=SERIES_KEY, description="the series key, e.g. kraken:BTC-USD:1h")],
    days: Annotated[int, Query(ge=1, le=30, description="days of candles to chart, up to the stored window")] = 7,
) -> SeriesDetail:
    return dashboard_of(router).series(key, days=days)


@router.get("/alerts", security=BEARER, tags=["read"], summary="Every alert decision, newest first, filterable")
def alerts(
    series: Annotated[
        str | None,
        Query(
            max_length=80,
            description="only this series (kraken:BTC-USD:1h), market email (market#1h) or market scan (scan#USD)",
        ),
        AfterValidator(_alert_log_key),
    ] = None,
    rule: Annotated[
        str | None, Query(min_length=1, max_length=80, description="only decisions naming this rule")
    ] = None,
    reason: Annotated[
        str | None, Query(pattern=r"^[a-z_]{1,40}$", description="only suppressions for this reason, e.g. cooldown")
    ] = None,
    cursor: Annotated[
        str | None,
        Query(max_length=200, description="the cursor of the previous page"),
        AfterValidator(_cursor_time),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AlertPage:
    return dashboard_of(router).alerts(limit=limit, cursor=cursor, series=series, rule=rule, reason=reason)


@router.get("/alerts/<alert_id>/email", security=BEARER, tags=["read"], summary="The email of an alert, re-rendered")
def alert_email(
    alert_id: Annotated[
        PathText, Path(max_length=120, pattern=ALERT_ID, description="an alert's id from GET /api/v1/alerts")
    ],
) -> EmailAnswer:
    return dashboard_of(router).email(alert_id)
