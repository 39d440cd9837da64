"""Which firing of a candle makes an alert's headline: the order the email, the subject and the simulations share.

Apart from :mod:`crypto_advisor.notify.view` so that the daily training run, which replays the notifier's decisions
(:mod:`crypto_advisor.training.email_record`), imports the order and not the email's view and links.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from crypto_advisor.contracts.signal import FiringRecord

#: Which rule makes the headline when several of the same severity fire on one candle: moves of the price
#: itself first, then the classic signals traders act on, then context (trend strength, volatility, news),
#: then the noisiest level crossings.
HEADLINE_ORDER: tuple[str, ...] = (
    "price_change_24h",
    "price_change_1h",
    "bb_breakout",
    "golden_death_cross",
    "rsi_oversold",
    "rsi_overbought",
    "macd_cross",
    "volume_spike",
    "ema_cross",
    "obv_divergence",
    "adx_trend",
    "atr_spike",
    "bb_squeeze",
    "news_sentiment",
    "sma20_cross",
    "fib_cross",
)


_RANK = {rule_id: i for i, rule_id in enumerate(HEADLINE_ORDER)}


def headline_order(firings: Iterable[FiringRecord]) -> tuple[FiringRecord, ...]:
    """Most important first: the rarest (record length, :mod:`crypto_advisor.analysis.rarity`), then the highest
    severity, then :data:`HEADLINE_ORDER`.

    Rarity leads because it is the one measure comparable across rules: what
    the email is news about is the most unusual event. Distances are not
    compared: they are in different units (price, %, RSI points, VADER
    points). Firings without a rarity (signals stored before it) tie at 0.
    Unknown rules come last, by id, so the same inputs always give the same
    subject.

    A capped record ("in at least 30 days") says only that the event is the
    most extreme its measure could see, so records longer than the shortest
    capped one on the candle cannot be ranked against it: they tie with it,
    and severity and :data:`HEADLINE_ORDER` decide. Records can be capped
    short: a coin's own move beyond BTC's is measured over the candles its
    beta was (30 on daily candles), and a -10% day's capped "largest daily
    drop beyond what BTC implied in at least 30 days" lost the headline to a
    37-day volume record that read "OBV divergence (bullish)".
    """
    listed = tuple(firings)
    cap = min((f.rarity.score for f in listed if f.rarity is not None and f.rarity.capped), default=math.inf)

    def key(f: FiringRecord) -> tuple[float, int, int, str, float]:
        score = min(f.rarity.score, cap) if f.rarity is not None else 0.0
        return (-score, -f.severity, _RANK.get(f.rule_id, len(_RANK)), f.rule_id, -f.distance)

    return tuple(sorted(listed, key=key))
