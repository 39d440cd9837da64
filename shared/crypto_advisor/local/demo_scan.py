"""``make demo``'s market scan: what the hourly scans stored, the digest's section, and the breakout model's card.

The demo's watchlist scans the simulated market's top 12 (its eight large
coins and four long-tail ones, :class:`~crypto_advisor.local.market.SimulatedScanSource`).
After the ticks it prints the newest snapshot and the daily digest's "Market
scan" section as the digest words it, from the documents in the embedded S3.
The demo's scan holds about ten days, too few for the breakout model's
walk-forward test (the training run says so, and so does the digest); so the
demo also fits the model in process over 90 days of the same simulated coins,
the history the daily run has once the archive holds it, and prints its card.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from crypto_advisor.adapters.scan_reports import ScanReports
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.units import DAY_MS, HOUR_MS
from crypto_advisor.contracts.watchlist import Watchlist
from crypto_advisor.digest.scan_section import ScanDay, scan_section
from crypto_advisor.digest.text import scan_text
from crypto_advisor.forecast.card import format_card
from crypto_advisor.forecast.scan_breakout import SCAN_CONFIG, evaluate_scan
from crypto_advisor.local.market import LISTED, LONG_TAIL, SimulatedMarket

#: The in-process fit's history.
MODEL_DAYS = 90


def print_scan(s3_client: object, bucket: str, watchlist: Watchlist) -> list[dict[str, object]]:
    """Each scan's newest snapshot in brief and its digest section, read from the embedded S3."""
    reports = ScanReports(s3_client, bucket)
    printed = []
    for watched in watchlist.scans:
        scan = watched.scan
        snapshot, breakouts = reports.snapshot(scan.vs), reports.breakouts(scan.vs)
        coins = (snapshot or {}).get("coins", [])
        print(
            f"\nmarket scan {scan.name}: {scan.pages} /coins/markets call(s) an hour (simulated), {len(coins)} coins "
            f"stored as coingecko-markets:<COIN>-{scan.vs}:1h (closes only: ATR, ADX, volume spike and OBV skipped)"
        )
        print(scan_text(scan_section(ScanDay(scan.name, snapshot, breakouts))))
        printed.append({"scan": scan.name, "coins": len(coins), "breakouts": breakouts})
    return printed


def print_scan_model(market: SimulatedMarket, until: datetime, top: int = 12) -> dict[str, object]:
    """The breakout model fitted in process over :data:`MODEL_DAYS` of the simulated scan's coins; its card."""
    until_ms = int(until.timestamp() * 1000) // HOUR_MS * HOUR_MS
    since_ms = until_ms - MODEL_DAYS * DAY_MS
    candles: dict[str, list[Candle]] = {}
    for symbol in [*LISTED, *LONG_TAIL][:top]:
        hours = market.hourly(symbol, until_ms)
        hours = hours[hours[:, 0] >= since_ms - DAY_MS]
        rolling = np.convolve(hours[:, 5], np.ones(24), mode="full")[: len(hours)]  # the 24 h volume at each hour
        candles[f"coingecko-markets:{symbol}:1h"] = [
            Candle(int(ts), c, c, c, c, float(v))
            for (ts, c), v in zip(((row[0], float(row[4])) for row in hours), rolling, strict=True)
            if ts >= since_ms
        ]
    result = evaluate_scan(candles, name=f"top {top} USD (simulated, {MODEL_DAYS} days)", config=SCAN_CONFIG)
    print(
        f"\nthe scan's breakout model fitted in process over {MODEL_DAYS} days of the simulated scan's {top} coins "
        "(the demo's own scan holds too few days for its walk-forward test; the daily run fits it once the archive "
        "does):"
    )
    print(format_card(result.card))
    return {"verdict": result.card.verdict, "n": result.card.n}
