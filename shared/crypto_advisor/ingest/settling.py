"""When a closed candle may be stored: once its source's data for it is final, not merely once the clock passed it.

A candle is stored once, and its cursor then moves past it for good: a candle
stored from data that was not yet final is never corrected. An exchange
(Kraken) builds its candles from its own trades and sends the one still
forming last, which the clock test (``ts + timeframe <= now``) drops, so its
data is final at the close. CoinGecko's ``/ohlc`` answer is cached up to 15
minutes and its last row is the candle still forming, stamped with its coming
close: at the 13:01 tick, an answer computed at 12:50 makes a 12:00 hour that
looks closed from prices up to 12:50. Such a source says how long after a
candle's close its data is final (:class:`~crypto_advisor.ingest.ports.SettlingSource`;
CoinGecko's margins and the docs' reasons are in
:data:`crypto_advisor.adapters.coingecko_ohlc.SETTLE_MS`), and its candles are
judged by the clock that much behind.

Until then a closed candle is *settling*: not due (the source is not asked),
not stored, and neither a failure, a gap nor a lagging source; the report
names it (``settling``), and the first tick after the margin stores it with
its final values.
"""

from __future__ import annotations

from crypto_advisor.contracts.series import Series
from crypto_advisor.ingest.ports import SettlingSource


def settle_ms(source: object, series: Series) -> int:
    """How long after a candle of ``series`` closes ``source``'s data for it is final (0: at the close)."""
    return source.settle_ms(series) if isinstance(source, SettlingSource) else 0


def settling_candle(series: Series, now_ms: int, cursor: int | None, margin_ms: int) -> int | None:
    """Open time of the newest candle closed by ``now_ms`` whose data is not final (``margin_ms`` after its close) and
    that is not stored yet; None when there is none."""
    tf = series.timeframe_ms
    closed = now_ms // tf * tf - tf
    settled = (now_ms - margin_ms) // tf * tf - tf
    if closed <= settled or (cursor is not None and closed <= cursor):
        return None
    return closed
