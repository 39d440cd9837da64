"""What CoinGecko's free ``/coins/{id}/ohlc`` answers for a timeframe, and what its errors mean, apart from the
client that asks.

Its candle length follows ``days`` (1-2 days: 30-minute candles, 3-30 days: 4-hour candles), and its data for a
candle is final only some time after the candle's close (:data:`SETTLE_MS`). The ingest's
source (:mod:`.coingecko`, through pycoingecko) and Settings' listing check (:mod:`.listings`, one plain GET)
make the same request for a series and read its errors with the same :func:`answer_error`.
"""

from __future__ import annotations

import json
from typing import Any

from crypto_advisor.contracts.errors import SourceAuthError, SourceError, TransientSourceError, UnknownSymbolError
from crypto_advisor.contracts.series import TIMEFRAME_MS
from crypto_advisor.contracts.units import DAY_MS, MINUTE_MS

_THIRTY_MIN = TIMEFRAME_MS["30m"]
_FOUR_HOURS = TIMEFRAME_MS["4h"]

#: timeframe -> (days to ask /ohlc for, length of the candles that answer carries)
OHLC_REQUEST: dict[str, tuple[int, int]] = {
    "30m": (2, _THIRTY_MIN),
    "1h": (2, _THIRTY_MIN),
    "4h": (30, _FOUR_HOURS),
    "1d": (30, _FOUR_HOURS),
    "1w": (30, _FOUR_HOURS),
}

#: How long after a candle's close CoinGecko's ``/ohlc`` data for it is final, for candles shorter than a day and for
#: a day or longer. CoinGecko's docs ("Coin OHLC Chart by ID", Cache / Update Frequency): the answer is cached and
#: updated "every 15 minutes for all the API plans", and its last row is the candle still forming, stamped with its
#: coming close; so at 13:01 an answer computed at 12:50 ends with a 13:00 row holding prices up to 12:50, and only an
#: answer served from 13:15 on was computed after 13:00. "The last completed UTC day (00:00) is available 35 minutes
#: after midnight on the next UTC day (00:35)": a day (or a week, which ends with one) built from the day's 4-hour rows
#: waits 35 minutes. The ingest stores a candle only once its close is that far in the past (ingest/settling.py).
SETTLE_MS: tuple[int, int] = (15 * MINUTE_MS, 35 * MINUTE_MS)


def settle_ms(timeframe_ms: int) -> int:
    """How long after a ``timeframe_ms`` candle's close CoinGecko's data for it is final (:data:`SETTLE_MS`)."""
    intraday, daily = SETTLE_MS
    return daily if timeframe_ms >= DAY_MS else intraday


def answer_error(detail: str, http_status: int | None, body: Any) -> SourceError:
    """The project's error for a CoinGecko answer that is not data: its HTTP status and its JSON error ``body``.

    The HTTP status and CoinGecko's own error code are told apart: a code such as 10002 ("API Key Missing",
    sent with HTTP 401) is not an HTTP status and must not read as a 5xx.
    """
    api_code = None
    if isinstance(body, dict):
        if "coin not found" in json.dumps(body).lower():
            return UnknownSymbolError(detail)
        status = body.get("status")
        nested = status if isinstance(status, dict) else {}
        api_code = nested.get("error_code") or body.get("error_code")
    codes = [code for code in (http_status, api_code) if isinstance(code, int)]
    if any(code == 429 or 500 <= code < 600 for code in codes):
        return TransientSourceError(detail)
    if 404 in codes:
        return UnknownSymbolError(detail)
    if any(code in (401, 403) or 10000 <= code < 11000 for code in codes):
        return SourceAuthError(detail)
    return SourceError(detail)
