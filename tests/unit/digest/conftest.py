"""A digest's day built from real code: the seeded demo market, the live analysis, the stored shapes.

The candles come from :class:`~crypto_advisor.local.market.SimulatedMarket`,
the latest Signal of each series from
:func:`~crypto_advisor.analysis.closed_candle.analyze` with every default rule
(so the trend and volatility words are the alert email's own), carrying a
GARCH interval shaped as :class:`~crypto_advisor.forecast.prediction.Prediction`
stores it. The day's firings are written out, so each test says which ones
fired and what the notifier decided about them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from crypto_advisor.analysis.closed_candle import analyze
from crypto_advisor.analysis.rules import build_rules
from crypto_advisor.contracts.candle import Candle, screen
from crypto_advisor.contracts.digest import LoggedAlert
from crypto_advisor.contracts.news import NewsDigest, NewsMood
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import FiringRecord, Health, Rarity, Signal
from crypto_advisor.contracts.watchlist import Watchlist
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.digest.service import Digester
from crypto_advisor.forecast.prediction import Prediction
from crypto_advisor.local.market import SimulatedMarket
from crypto_advisor.market.indicator_spec import WINDOW_CANDLES
from tests.fakes.digest import FakeDigestLog, FakeSeriesCandles, FakeSignals
from tests.fakes.notify import FakeMailer

HOUR = 3_600_000
BTC = Series.parse("kraken:BTC-USD:1h")
ETH = Series.parse("kraken:ETH-USD:1h")
ETH_4H = Series.parse("kraken:ETH-USD:4h")
#: The digest run of the tests: 07:05 UTC, five minutes after the default 07:00 UTC digest time came.
AT = datetime(2025, 2, 15, 7, 5, tzinfo=UTC)
AT_MS = int(AT.timestamp() * 1000)
#: The newest hourly candle closed by the run opened at 06:00.
LAST_HOUR = AT_MS // HOUR * HOUR - HOUR
#: The wall clock of the runs (the lease is kept in it), far from the schedule's clock on purpose.
WALL_MS = 1_900_000_000_000
RECIPIENT = "trader@example.com"
SENDER = "alerts@example.com"

WATCHLIST = """
series:
  - {source: kraken, symbol: BTC/USD}
  - {source: kraken, symbol: ETH/USD}
  - {source: kraken, symbol: ETH/USD, timeframe: 4h}
"""


def ms(text: str) -> int:
    """``2026-03-29T05:05Z`` -> epoch ms."""
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def watchlist(text: str = WATCHLIST, **digest: Any) -> Watchlist:
    """The watchlist of ``text``, with a ``digest:`` section of ``digest`` when given."""
    if digest:
        text += (
            "digest: {"
            + ", ".join(f"{k}: {v!r}" if isinstance(v, str) else f"{k}: {v}" for k, v in digest.items())
            + "}\n"
        )
    return parse_watchlist(text)


@pytest.fixture(scope="session")
def market_candles() -> dict[str, list[Candle]]:
    """Closed candles of the seeded demo market up to the run, per series key (45 days of hours)."""
    market = SimulatedMarket(seed=7)
    out = {}
    for series in (BTC, ETH, ETH_4H):
        rows = market.candles(series.symbol, series.timeframe_ms, AT_MS)
        out[series.key] = screen(rows, timeframe_ms=series.timeframe_ms, now_ms=AT_MS).accepted
    return out


def interval(series: Series, candle_ts: int, close: float, *, low: float, high: float, skilled: bool = True) -> dict:
    """The GARCH interval prediction as the analysis stores it in ``Signal.predictions``."""
    return Prediction(
        kind="interval",
        model="vol_garch",
        series=series.key,
        candle_ts=candle_ts,
        horizon=24,
        horizon_label="24h",
        level=0.8,
        low=low * close,
        high=high * close,
        n=374,
        folds=3,
        coverage=0.79,
        baseline_coverage=0.74,
        beats_baseline=skilled,
        headline=skilled,
        text="80% interval for 24h (GARCH volatility)",
    ).as_dict()


@pytest.fixture(scope="session")
def latest_signals(market_candles: dict[str, list[Candle]]) -> dict[str, Signal]:
    """The live analysis of each series' newest closed candle, with news and (BTC, ETH 1h) a GARCH interval."""
    rules = build_rules(None)
    out = {}
    for series, band in ((BTC, (0.95, 1.06)), (ETH, (0.97, 1.03)), (ETH_4H, None)):
        window = market_candles[series.key][-WINDOW_CANDLES:]
        last = window[-1]
        signal = analyze(series, window, candle_ts=last.ts, now_ms=AT_MS, rules=rules)
        news = NewsDigest(
            coin=series.symbol.split("-")[0],
            mood=NewsMood(at_ts=AT_MS, mean_24h=0.21, count_24h=12, mean_7d=-0.08, count_7d=85),
        )
        predictions = [interval(series, last.ts, last.close, low=band[0], high=band[1])] if band else []
        out[series.key] = signal.model_copy(update={"firings": [], "news": news, "predictions": predictions})
    return out


def firing(
    rule_id: str, *, severity: int = 2, score: float | None = None, words: str = "", **changes: Any
) -> FiringRecord:
    """A firing as the analysis stores it, with a rarity when ``score`` is given."""
    fields: dict[str, Any] = {
        "rule_id": rule_id,
        "direction": "bullish",
        "severity": severity,
        "value": 26.4,
        "threshold": 30.0,
        "distance": 3.6,
        "unit": "RSI points",
        "sentence": "RSI(14) fell to 26.4, below the oversold line at 30 (3.6 points past it).",
    }
    if score is not None:
        fields["rarity"] = Rarity(
            score=score, measure="volume", words=words or f"the largest volume in {score:g} hours"
        )
    fields.update(changes)
    return FiringRecord(**fields)


def day_signal(series: Series, candle_ts: int, *firings: FiringRecord, healthy: bool = True) -> Signal:
    """A stored signal of the day with these firings (what the held-back list reads)."""
    health = Health(healthy=True) if healthy else Health(healthy=False, reasons=["3 candles missing"])
    return Signal(
        series=series.key,
        candle_ts=candle_ts,
        close=100.0,
        firings=list(firings),
        health=health,
        analyzed_at=candle_ts + series.timeframe_ms + 60_000,
    )


def sent(candle_ts: int, *rules: str, subject: str = "BTC/USD 1h: RSI oversold (bullish) at 95,123.45") -> LoggedAlert:
    return LoggedAlert(candle_ts, "sent", tuple(rules), subject=subject)


def held(candle_ts: int, reason: str, *rules: str) -> LoggedAlert:
    return LoggedAlert(candle_ts, "suppressed", tuple(rules), reason=reason)


@pytest.fixture
def make_digester(
    market_candles: dict[str, list[Candle]], latest_signals: dict[str, Signal]
) -> Callable[..., tuple[Digester, FakeDigestLog, FakeMailer, FakeSignals]]:
    """``make_digester(watchlist=..., day_signals=..., decisions=...)``: a Digester over the fakes and the market."""

    def build(
        watched: Watchlist | None = None,
        *,
        day_signals: Sequence[Signal] = (),
        decisions: dict[str, list[LoggedAlert]] | None = None,
        candles: dict[str, list[Candle]] | None = None,
        latest: bool = True,
        default_recipients: tuple[str, ...] = (RECIPIENT,),
    ) -> tuple[Digester, FakeDigestLog, FakeMailer, FakeSignals]:
        log = FakeDigestLog(decisions)
        mailer = FakeMailer()
        signals = FakeSignals([*(latest_signals.values() if latest else ()), *day_signals])
        digester = Digester(
            watchlist=watched or watchlist(),
            log=log,
            signals=signals,
            candles=FakeSeriesCandles(market_candles if candles is None else candles),
            mailer=mailer,
            sender=SENDER,
            default_recipients=default_recipients,
        )
        return digester, log, mailer, signals

    return build
