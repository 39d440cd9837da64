"""A market scan is one alert budget group: its coins share one email per candle hour, the weekly cap and cooldowns."""

from __future__ import annotations

from typing import Any

import pytest

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.market_scan import budget_key
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.contracts.watchlist import AlertPolicy, WatchedSeries
from crypto_advisor.notify.outcomes import AlreadyDecided, Sent, Suppressed
from crypto_advisor.notify.service import Notifier
from tests.fakes.candles import FakeCandles
from tests.fakes.notify import FakeFigures, FakeLog, FakeMailer, FakeWatchlist, RecordingRenderer
from tests.unit.notify.conftest import HOUR

NOW = 1_800_000_000_000
#: the scan's policy: one email a week for the whole scan, no cooldown (the cap alone is under test)
POLICY = AlertPolicy(recipients=("me@example.com",), min_severity=1, cooldown_ms=0, max_per_week=1)
SOL = Series.parse("coingecko-markets:SOL-USD:1h")
PEPE = Series.parse("coingecko-markets:PEPE-USD:1h")


def as_coin(signal: Signal, series: Series, hours_later: int = 0) -> Signal:
    return signal.model_copy(update={"series": series.key, "candle_ts": signal.candle_ts + hours_later * HOUR})


@pytest.fixture
def parts(fired) -> dict[str, Any]:
    candles: tuple[Candle, ...] = fired[0]
    more = [Candle(candles[-1].ts + k * HOUR, 1.0, 1.0, 1.0, 1.0, 1.0) for k in (1, 2, 3)]
    return {
        "watchlist": FakeWatchlist(
            *(WatchedSeries(series=s, backfill_candles=168, alerts=POLICY) for s in (SOL, PEPE))
        ),
        "log": FakeLog(),
        "candles": FakeCandles([*candles, *more]),
        "figures": FakeFigures(),
        "mailer": FakeMailer(),
        "render": RecordingRenderer(),
    }


def notifier(parts: dict[str, Any]) -> Notifier:
    return Notifier(sender="alerts@example.com", **parts)


def test_the_scan_sends_one_email_a_candle_hour_whichever_coin_comes_first(parts, fired):
    # Given two scan coins firing on the same candle hour
    sol, pepe = as_coin(fired[1], SOL), as_coin(fired[1], PEPE)

    # When both are notified
    first = notifier(parts).notify(sol, now_ms=NOW)
    second = notifier(parts).notify(pepe, now_ms=NOW + 1_000)

    # Then one email went out, claimed under the scan's key, and the second coin found the hour taken
    assert isinstance(first, Sent) and isinstance(second, AlreadyDecided)
    assert len(parts["mailer"].sent) == 1
    assert parts["log"].items[(budget_key(SOL.key), sol.candle_ts)]["status"] == "sent"
    assert budget_key(SOL.key) == "scan#USD"


def test_the_weekly_cap_counts_the_whole_scans_emails(parts, fired):
    # Given a scan coin emailed, and another coin firing an hour later
    notifier(parts).notify(as_coin(fired[1], SOL), now_ms=NOW)
    later = as_coin(fired[1], PEPE, hours_later=1)

    # When it is notified
    outcome = notifier(parts).notify(later, now_ms=NOW + HOUR)

    # Then the scan's budget (one a week) is spent: PEPE's firing is held back, recorded under PEPE with the reason
    assert isinstance(outcome, Suppressed) and outcome.suppress.reason == "budget_spent"
    assert parts["log"].items[(PEPE.key, later.candle_ts)]["reason"] == "budget_spent"
    assert len(parts["mailer"].sent) == 1


def test_a_watched_series_keeps_its_own_key():
    assert budget_key("kraken:SOL-USD:1h") == "kraken:SOL-USD:1h"
