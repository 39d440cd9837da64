"""Alert views built from real code: the seeded market, the live analysis, news digests as the analysis attaches them.

The candles come from :class:`~crypto_advisor.local.market.SimulatedMarket`
(the demo's market) and the Signal from
:func:`~crypto_advisor.analysis.closed_candle.analyze` with every default rule, so
the emails under test say what a real alert would say.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from crypto_advisor.analysis.closed_candle import analyze
from crypto_advisor.analysis.rules import build_rules
from crypto_advisor.contracts.candle import Candle, screen
from crypto_advisor.contracts.market_context import BetaReading
from crypto_advisor.contracts.news import Headline, NewsDigest, NewsMood
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import FiringRecord, Health, Signal
from crypto_advisor.local.market import SimulatedMarket
from crypto_advisor.market.indicator_spec import WINDOW_CANDLES
from crypto_advisor.notify.view import AlertView, RuleRecord

HOUR = 3_600_000
SERIES = Series.parse("kraken:BTC-USD:1h")
#: Candles of market history the fixtures draw on: a full analysis window plus room to find firings.
HISTORY = 1_000


@pytest.fixture(scope="session")
def market_candles() -> list[Candle]:
    """Closed hourly BTC-USD candles of the seeded demo market, oldest first."""
    market = SimulatedMarket(seed=7)
    end = market.epoch_ms + HISTORY * HOUR
    candles = screen(market.candles(SERIES.symbol, HOUR, end), timeframe_ms=HOUR, now_ms=end).accepted
    assert len(candles) == HISTORY
    return candles


@pytest.fixture(scope="session")
def fired(market_candles: list[Candle]) -> tuple[tuple[Candle, ...], Signal]:
    """The first candle after a full window on which at least two rules fire: its window and its Signal."""
    rules = build_rules(None)
    for index in range(WINDOW_CANDLES, len(market_candles)):
        window = market_candles[index - WINDOW_CANDLES + 1 : index + 1]
        signal = analyze(SERIES, window, candle_ts=window[-1].ts, now_ms=window[-1].ts + HOUR, rules=rules)
        if len(signal.active_firings) >= 2:
            return tuple(window), signal
    raise AssertionError("the seeded market has no candle with two firings; the fixture needs another seed")


@pytest.fixture
def digest(fired: tuple[tuple[Candle, ...], Signal]) -> NewsDigest:
    """A digest with hostile headlines: a script in a title, an attribute break-out in a source, a javascript: link."""
    at = fired[1].candle_ts + HOUR
    return NewsDigest(
        coin="BTC",
        mood=NewsMood(at_ts=at, mean_24h=0.21, count_24h=12, mean_7d=-0.08, count_7d=85),
        headlines=[
            Headline(
                title="Bitcoin <script>alert(1)</script> rallies",
                source='"><img src=x onerror=alert(1)>',
                url="https://news.example.com/btc?a=1&b=2",
                published_ts=at - 2 * HOUR,
                compound=0.42,
            ),
            # The Article contract refuses such a URL; Headline does not check, so the renderer must.
            Headline(
                title="Click me",
                source="Mallory",
                url="javascript:alert(1)",
                published_ts=at - 3 * HOUR,
                compound=-0.31,
            ),
        ],
    )


@pytest.fixture
def make_view(fired: tuple[tuple[Candle, ...], Signal]) -> Callable[..., AlertView]:
    """``make_view(**changes)``: the fired view, with Signal fields (``signal_changes``) or view fields replaced."""
    candles, signal = fired

    def build(signal_changes: dict[str, Any] | None = None, **changes: Any) -> AlertView:
        changed = signal.model_copy(update=signal_changes or {})
        fields: dict[str, Any] = {
            "signal": changed,
            "series": SERIES,
            "firings": tuple(changed.active_firings),
            "candles": candles,
            "coin_name": "Bitcoin",
        }
        fields.update(changes)
        return AlertView(**fields)

    return build


def firing(rule_id: str = "rsi_oversold", **changes: Any) -> FiringRecord:
    """A firing as the analysis stores it; RSI oversold unless changed."""
    fields: dict[str, Any] = {
        "rule_id": rule_id,
        "direction": "bullish",
        "severity": 2,
        "value": 26.4,
        "threshold": 30.0,
        "distance": 3.6,
        "unit": "RSI points",
        "sentence": "RSI(14) fell to 26.4, below the oversold line at 30 (3.6 points past it).",
    }
    fields.update(changes)
    return FiringRecord(**fields)


def bare_signal(firings: list[FiringRecord], *, close: float = 95_123.45, **changes: Any) -> Signal:
    """A Signal with only what the subject and the firings section read."""
    fields: dict[str, Any] = {
        "series": SERIES.key,
        "candle_ts": 1_767_225_600_000,  # 2026-01-01T00:00Z
        "close": close,
        "firings": firings,
        "health": Health(healthy=True),
        "analyzed_at": 1_767_229_260_000,
    }
    fields.update(changes)
    return Signal(**fields)


def record(rule_id: str = "rsi_oversold", **changes: Any) -> RuleRecord:
    fields: dict[str, Any] = {
        "rule_id": rule_id,
        "horizon_candles": 24,
        "hit_rate": 0.58,
        "base_rate": 0.51,
        "firings": 37,
        "replayed_candles": 1_800,
    }
    fields.update(changes)
    return RuleRecord(**fields)


def beta_reading(own_move: float, own_sigma: float | None, implied: float = -0.0507) -> BetaReading:
    """A coin at beta 1.3 to BTC, on the candle BTC fell 3.9%: ``implied`` is 1.3 x -3.9%, ``own_move`` the rest."""
    return BetaReading(
        reference="kraken:BTC-USD:1h",
        btc_move=-0.039,
        beta=1.3,
        correlation=0.81,
        returns=718,
        implied_move=implied,
        own_move=own_move,
        own_sigma=own_sigma,
    )
