"""AnalyzeFunction's use case: one CandleUpdate in, at most one new Signal stored.

The signal is for the newest candle the update names. Older candles in the same
update (a first backfill, a catch-up after downtime) are history: alerting on
them now would be late, so they feed the indicators and nothing else.

With a news reader, the coin's articles of the 7 days before the candle's close
(plus one candle, for the news rule's previous row) are read and passed to the
analysis. News is an extra, never a dependency: when the News table cannot be
read, the signal is made without news, its digest says ``unavailable`` (not
``off``, which is a stack without a NewsAPI key: the email must not send the
reader to set a key that is there), and the outcome carries the error for the
log.

With a model source, the signal also carries the series' model predictions
(:func:`crypto_advisor.forecast.predict.predict` on the same window, at the
same candle). The window is cut at the candle once and its indicator frame
built once, and both go to the rules and to the predictions: the indicators
are most of an update's cost, and one frame means both read the same numbers.
The rules are the built-in ones (the same for every series) plus the series'
own conditions from the watchlist (``conditions``, by series key, built by
:func:`crypto_advisor.analysis.rules.conditions.condition_rules`), reported after them.

With ``references`` (the watchlist's BTC series per timeframe,
:func:`~crypto_advisor.contracts.market_context.market_reference`), an update
of any other series also reads BTC's window of the same candles through the
same port (one more Query; :class:`RememberedWindows` lets a batch of updates
for the same candle read it once), and the signal's market context carries
the move against BTC's at the coin's beta. BTC's candle may not be stored yet
(the ingest stores series one after another): the context then says so and
has no beta, and the rarity is the series' own. A BTC window that cannot be
read is treated the same way, with the error in the outcome; never a failed update.

The candle itself is not optional: an update whose candle is not in the
window read (the Candles table behind the stream) raises
:class:`~crypto_advisor.analysis.closed_candle.CandleNotInWindow` before
anything else is read, and stores nothing, so the stream retries the record
rather than a Signal without its candle standing for good. The window is read
strongly consistent (:class:`~crypto_advisor.adapters.candle_store.CandleStore`),
so a candle written before its update was published is there.

Predictions are an extra too, and the signal is what must not be lost: no
model yet means no predictions (the normal state before the first training
run), and a model that cannot be loaded or fails to predict leaves the signal
without predictions and the error in the outcome. A window with unhealthy data
gets no predictions: the models' lagged features would read a gap as one long
candle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from crypto_advisor.analysis.closed_candle import analyze, require_candle
from crypto_advisor.analysis.market_context import Reference
from crypto_advisor.analysis.ports import ModelSource, NewsReader, SignalWriter, WindowReader
from crypto_advisor.analysis.rules import Rule
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.candle_update import CandleUpdate
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.market_context import is_reference_coin
from crypto_advisor.contracts.news import MOOD_LONG_MS, Article, NewsDigest
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.forecast.predict import predict
from crypto_advisor.market.frame import window_upto
from crypto_advisor.market.indicator_spec import WINDOW_CANDLES
from crypto_advisor.market.indicators import IndicatorFrame, indicator_frame


@dataclass(frozen=True)
class Outcome:
    signal: Signal
    stored: bool  # False: a signal for this candle already existed (a redelivery)
    news_error: str | None = None  # why the news could not be read (the signal was made without it)
    #: The model version that predicted, when one did.
    model_version: str | None = None
    #: Why a served model gave no predictions (the signal was stored without them).
    predictions_error: str | None = None
    #: Why BTC's window could not be read (the signal was made without the move against BTC's).
    reference_error: str | None = None


@dataclass
class RememberedWindows(WindowReader):
    """A window reader that reads each (series, since) once: one per invocation, so a batch reads BTC's window once.

    Made afresh for every invocation: across invocations the table moves on.
    """

    candles: WindowReader
    _read: dict[tuple[str, int], list[Candle]] = field(default_factory=dict, init=False)

    def window(self, series: Series, *, since_ts: int = 1) -> list[Candle]:
        key = (series.key, since_ts)
        if key not in self._read:
            self._read[key] = self.candles.window(series, since_ts=since_ts)
        return self._read[key]


def analyze_update(
    update: CandleUpdate,
    *,
    candles: WindowReader,
    signals: SignalWriter,
    rules: Sequence[Rule],
    news: NewsReader | None = None,
    models: ModelSource | None = None,
    conditions: Mapping[str, Sequence[Rule]] | None = None,
    references: Mapping[str, Series] | None = None,
) -> Outcome:
    series = Series.parse(update.series)
    candle_ts = update.last_ts
    since = candle_ts - (WINDOW_CANDLES - 1) * series.timeframe_ms
    window = candles.window(series, since_ts=since)
    upto = window_upto(window, candle_ts)
    require_candle(upto, series, candle_ts)
    indicators = indicator_frame(upto)
    articles: list[Article] | None = None
    news_error: str | None = None
    if news is not None:
        close = candle_ts + series.timeframe_ms
        try:
            articles = news.recent(series.base, close - MOOD_LONG_MS - series.timeframe_ms, close)
        except StorageError as exc:
            news_error = str(exc)
    reference: Reference | None = None
    reference_error: str | None = None
    btc = (references or {}).get(series.timeframe)
    if btc is not None and not is_reference_coin(series):
        try:
            reference = Reference(btc, candles.window(btc, since_ts=since))
        except StorageError as exc:
            reference, reference_error = Reference(btc, ()), str(exc)
    signal = analyze(
        series,
        upto,
        candle_ts=candle_ts,
        now_ms=update.ingested_at,
        rules=[*rules, *(conditions or {}).get(series.key, ())],
        reported_gaps=update.gaps,
        articles=articles,
        indicators=indicators,
        reference=reference,
    )
    if news_error is not None:
        signal = signal.model_copy(update={"news": NewsDigest(coin=series.base, status="unavailable")})
    if reference_error is not None and signal.market is not None:
        note = {"beta_note": "BTC's candles could not be read when this one was analysed"}
        signal = signal.model_copy(update={"market": signal.market.model_copy(update=note)})
    version: str | None = None
    predictions_error: str | None = None
    if models is not None and signal.health.healthy:
        try:
            predictions, version = _predictions(models, series, indicators, update.ingested_at)
            signal = signal.model_copy(update={"predictions": predictions})
        except Exception as exc:  # noqa: BLE001 - any failure of the optional part must leave the signal intact
            predictions_error = f"{type(exc).__name__}: {exc}"
    return Outcome(
        signal=signal,
        stored=signals.put_once(signal),
        news_error=news_error,
        model_version=version,
        predictions_error=predictions_error,
        reference_error=reference_error,
    )


def _predictions(
    models: ModelSource, series: Series, indicators: IndicatorFrame, now_ms: int
) -> tuple[list[dict], str | None]:
    """The served model's predictions at the update's candle as the Signal stores them, and its version.

    ``indicators`` is the frame the rules read. ``now_ms`` is the update's
    ingest time, not the wall clock, so the cache's expiry follows the same
    clock as the rest of the analysis (and the local runtime's simulated one).
    """
    served = models.get(series, now_ms)
    if served is None:
        return [], None
    if served.artifacts.series != series.key:
        raise ValueError(f"the model served for {series.key} was trained for {served.artifacts.series}")
    return [p.as_dict() for p in predict(served.artifacts, indicators)], served.version
