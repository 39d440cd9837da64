"""The rarity bar as the daily training run calibrates it: on the trailing :data:`CALIBRATION_DAYS` of candidates.

One function for the live run (:func:`crypto_advisor.training.service.replay_with_bar`), the walk-forward
simulation of the emails (:func:`crypto_advisor.training.email_record.decide_over`, which the run and
``make alert-quality`` share), so the simulated bar cannot drift from the live one.
"""

from __future__ import annotations

from collections.abc import Sequence

from crypto_advisor.analysis.alert_budget import AlertBar, Candidate, calibrate
from crypto_advisor.contracts.units import DAY_MS
from crypto_advisor.contracts.watchlist import AlertPolicy

#: History the rarity bar is calibrated on, live and in ``make alert-quality``: the market as it is now (a
#: year holds every season of volatility), not a calm or wild stretch years ago that a whole archive would weigh in.
CALIBRATION_DAYS = 365


def calibrate_trailing(
    candidates: Sequence[Candidate], *, first_ts: int, end_ts: int, timeframe_ms: int, policy: AlertPolicy
) -> AlertBar:
    """The bar calibrated on the candidates of the :data:`CALIBRATION_DAYS` before ``end_ts`` (none before
    ``first_ts``, the first analysed candle).

    ``end_ts`` is where the history ends (the close of its last candle); the
    span calibrated on is from the window's start to it.
    """
    since = max(end_ts - CALIBRATION_DAYS * DAY_MS, first_ts)
    return calibrate(
        [c for c in candidates if since <= c.ts < end_ts],
        span_ms=end_ts - since,
        timeframe_ms=timeframe_ms,
        max_per_week=policy.max_per_week,
        cooldown_ms=policy.cooldown_ms,
        weekly_cap=policy.weekly_cap,
    )
