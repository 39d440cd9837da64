"""The overview's figures, from what the stores hold: pure functions of candles, signals and decisions.

Every figure is the one the alert email and the digest already show, computed
by the same code: the changes by :func:`~crypto_advisor.notify.format.change_since`
(by time, so "1h" means the same on every timeframe), trend and volatility in
the email snapshot's words (:func:`~crypto_advisor.notify.format.snapshot`),
RSI and the volume average from the stored signal's indicators (the analysis'
own values, not recomputed). A series' data health (:func:`data_health`) is
the newest signal's, and stale once its feed stopped: a signal judges the data
when its candle is analysed, so one stored before the feed stopped stays
healthy for ever.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from crypto_advisor.contracts.alerts import is_market_key
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.decisions import Decision
from crypto_advisor.contracts.series import Series, SeriesError
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.contracts.units import DAY_MS, HOUR_MS, MINUTE_MS, WEEK_MS
from crypto_advisor.contracts.watchlist import WatchedSeries
from crypto_advisor.dashboard.answers import Correlation, DataHealth, LastAlert, ModelVerdict, SeriesRow
from crypto_advisor.forecast.prediction import format_price
from crypto_advisor.market.indicator_spec import DEFAULT_PARAMS
from crypto_advisor.notify.format import change_since, snapshot, volume_ratio
from crypto_advisor.notify.view import AlertView

#: The correlation matrix's span, and the fewest common returns a coefficient is computed from.
CORRELATION_DAYS = 30
MIN_COMMON_RETURNS = 10
#: A series is stale once its newest candle closed more than this many timeframes before the answer is made...
STALE_TIMEFRAMES = 2
#: ...and at least this long before: the ingest runs every 5 minutes, so a 1m series' newest candle is routinely
#: several timeframes old between two runs without anything being wrong.
STALE_AT_LEAST_MS = 15 * MINUTE_MS


def series_row(
    watched: WatchedSeries,
    candles: Sequence[Candle],
    latest: Signal | None,
    last_alert: Decision | None,
    now: int,
) -> SeriesRow:
    """One overview row: the newest candle's figures, the newest signal's readings, the newest email.

    ``now``: when the answer is made, which the newest candle's age is judged against.
    """
    series = watched.series
    last = candles[-1] if candles else None
    health = data_health(series, last.ts if last is not None else None, latest, now)
    trend = volatility = "n/a"
    rsi = volume_against_before = None
    if latest is not None:
        facts = {f.label.split(" (")[0]: f for f in snapshot(AlertView(latest, series, (), tuple(candles)))}
        trend = _words(facts.get("Trend"))
        volatility = _words(facts.get("Volatility"))
        rsi = _finite(latest.indicators.get(DEFAULT_PARAMS.rsi_column))
        # the email's volume row's ratio: against the candles before this one, as the volume spike rule reads it
        volume_against_before = volume_ratio(candles, latest.candle_ts, DEFAULT_PARAMS.volume_ma)

    def change(ago_ms: int) -> float | None:
        return change_since(candles, last.ts, last.close, ago_ms) if last is not None else None

    return SeriesRow(
        key=series.key,
        source=series.source,
        symbol=series.pair,
        timeframe=series.timeframe,
        name=watched.name,
        last_ts=last.ts if last is not None else None,
        close=last.close if last is not None else None,
        change_1h=change(HOUR_MS),
        change_24h=change(DAY_MS),
        change_7d=change(WEEK_MS),
        rsi=rsi,
        trend=trend,
        volatility=volatility,
        volume_ratio=volume_against_before,
        healthy=health.healthy,
        stale=health.stale,
        health_reasons=health.reasons,
        last_alert=last_alert_of(last_alert),
        verdicts=verdicts(latest.predictions if latest is not None else []),
    )


def data_health(series: Series, last_ts: int | None, latest: Signal | None, now: int | None) -> DataHealth:
    """The newest signal's data health and reasons, unhealthy too once the feed stopped (stale).

    ``last_ts``: the newest stored candle's open time; ``now``: when the answer is made (None: staleness not
    judged). Stale: that candle closed more than :data:`STALE_TIMEFRAMES` timeframes (and at least
    :data:`STALE_AT_LEAST_MS`) before ``now``; a series without any candle is not stale, it is empty.
    """
    tf = series.timeframe_ms
    stale = (
        now is not None and last_ts is not None and now - (last_ts + tf) > max(STALE_TIMEFRAMES * tf, STALE_AT_LEAST_MS)
    )
    signal_healthy = latest.health.healthy if latest is not None else None
    return DataHealth(
        healthy=False if stale else signal_healthy,
        stale=stale,
        reasons=list(latest.health.reasons) if latest is not None else [],
    )


def last_alert_of(decision: Decision | None) -> LastAlert | None:
    if decision is None:
        return None
    return LastAlert(
        candle_ts=decision.candle_ts,
        status=decision.status,  # type: ignore[arg-type]  # the log writes only DecisionStatus values
        subject=decision.subject,
        rules=list(decision.rules),
        timeframe=timeframe_of(decision.key),
    )


def timeframe_of(log_key: str) -> str | None:
    """The timeframe of a notification log key: a series' (``kraken:BTC-USD:1h``) or a market email's (``market#1h``);
    None for another kind (a scan's ``scan#USD``), whose candles the page then names by their open time."""
    if is_market_key(log_key):
        return log_key.partition("#")[2]
    try:
        return Series.parse(log_key).timeframe
    except SeriesError:
        return None


def verdicts(predictions: Sequence[Mapping[str, object]]) -> list[ModelVerdict]:
    """Each model's prediction in the analysis' own sentence, skilled models first (as the email orders them)."""
    out = [
        ModelVerdict(
            model=str(p.get("model", "")),
            kind=p["kind"],  # type: ignore[arg-type]
            text=str(p.get("text", "")),
            label=verdict_label(p),
            beats_baseline=p.get("beats_baseline") is True,
        )
        for p in predictions
        if isinstance(p, Mapping) and p.get("kind") in ("breakout", "path", "interval")
    ]
    return sorted(out, key=lambda v: not v.beats_baseline)


#: The overview's short model names (the series page and the email spell them out).
SHORT_NAMES = {"breakout_rf": "forest", "path_linear": "linear", "path_lstm": "LSTM", "vol_garch": "GARCH"}


def verdict_label(prediction: Mapping[str, object]) -> str:
    """A prediction in a few words for the overview's card (the full sentence is on the series page).

    A phone shows every series' card one under the other: the analysis' sentences (three or four per series,
    with their sample sizes) made the overview seven screens tall. The label keeps what a reader scans for:
    which model, what it predicts, and whether it has shown skill out of sample ("skill: none" unless it beats
    its baseline).
    """
    model = str(prediction.get("model", ""))
    horizon = str(prediction.get("horizon_label", ""))
    numbers = {k: float(v) for k, v in prediction.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    kind = prediction.get("kind")
    what = horizon
    if kind == "breakout" and {"probability", "threshold_pct"} <= numbers.keys():
        what = f"+{numbers['threshold_pct']:g}% in {horizon} {numbers['probability']:.0%}"
    elif kind == "path" and "price" in numbers:
        what = f"{horizon} {format_price(numbers['price'])}"
    elif kind == "interval" and {"low", "high"} <= numbers.keys():
        what = f"{horizon} {format_price(numbers['low'])}–{format_price(numbers['high'])}"
    skill = "beats naive" if prediction.get("beats_baseline") is True else "none"
    return f"{SHORT_NAMES.get(model, model)}: {what} · skill: {skill}"


def correlation(windows: Mapping[str, Sequence[Candle]], until_ms: int) -> Correlation:
    """Pearson correlation of close-to-close log returns over the last :data:`CORRELATION_DAYS` days.

    Returns are aligned by candle time, so series of one timeframe compare
    candle for candle; a pair with fewer than :data:`MIN_COMMON_RETURNS`
    common returns (other timeframes, a new series) is ``null``, not a number
    from too little data. numpy is imported here, on the first call, not with the module, so a cold DashboardFunction
    serving another route does not load it (the log returns stay numpy's, to the last bit of the pandas oracle).
    """
    import numpy as np

    from crypto_advisor.market.windows import pearson

    since = until_ms - CORRELATION_DAYS * DAY_MS
    returns: dict[str, dict[int, float]] = {}
    for key, candles in windows.items():
        closes = dict(sorted({c.ts: c.close for c in candles if c.ts >= since}.items()))
        times = list(closes)
        logs = np.log(np.array(list(closes.values()), dtype=np.float64))
        returns[key] = dict(zip(times[1:], (logs[1:] - logs[:-1]).tolist(), strict=True))
    keys = list(windows)
    rows = sorted({ts for r in returns.values() for ts in r})  # pandas aligns the columns on their sorted union
    matrix = pearson([[returns[k].get(ts, math.nan) for ts in rows] for k in keys], min_periods=MIN_COMMON_RETURNS)
    return Correlation(
        days=CORRELATION_DAYS,
        keys=keys,
        matrix=[[_finite(matrix[i][j]) for j in range(len(keys))] for i in range(len(keys))],
    )


def _words(fact: object) -> str:
    value = getattr(fact, "value", "n/a")
    if fact is None or value == "n/a":
        return "n/a"
    indicator = str(getattr(fact, "label", "")).partition("(")[2].split(" ")[0]  # "Trend (ADX 14, ...)" -> "ADX"
    note = getattr(fact, "note", "")
    return f"{note} ({indicator} {value})" if note else f"{indicator} {value}"


def _finite(x: object) -> float | None:
    return float(x) if isinstance(x, (int, float)) and math.isfinite(x) else None
