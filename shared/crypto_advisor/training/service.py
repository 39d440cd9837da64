"""One training run: for every watched series on its own, the replay figures, the models, and the gate.

Per series (a failure stops that series alone and is reported with its error):

1. Read the whole archive of the series.
2. Replay the rules over its **gap-free run at the end** (:func:`trailing_run`:
   the replay's forward returns count candles, and a hole would join two
   distant prices) and store the figures where the notifier reads them
   (``stats/replay/...``), as ``make demo`` does, with the rarity bar
   calibrated on the trailing :data:`~crypto_advisor.training.calibration.CALIBRATION_DAYS` of them
   (:func:`~crypto_advisor.training.calibration.calibrate_trailing`, which ``make alert-quality`` calls too),
   and the series' email record: the emails the live policy would have sent
   over the replay and how their headlines fared (:func:`replay_with_bar`).
3. Train the models on the **whole history, run by run** (:func:`model_candles`):
   the features (lags, EMAs, the LSTM window) assume consecutive candles, so
   the dataset computes features and targets per gap-free run and joins the
   runs (:mod:`crypto_advisor.forecast.dataset`); one hole costs a warm-up's
   and a horizon's rows, not everything before it. Runs too short to hold a
   single usable row (:func:`~crypto_advisor.forecast.dataset.min_run_candles`)
   are dropped and counted (``dropped``; ``used`` and ``segments`` are the
   candles and runs trained on).
4. Train (walk-forward cards, then the final fit) and write the version to
   ``models/.../v=<run time>/``. Too short a history for the folds is
   reported as "too little history: N candles", not as a failure.
5. **The gate** decides whether the ``latest`` pointer moves to the new
   version: "no worse than the current one on the same folds". The pointer
   stores the configuration it was trained with, so the served model is
   re-scored, with today's code, on today's candles and the same folds as the
   new one, and the two are compared model by model by
   :func:`~crypto_advisor.forecast.card.verdict_loss` (Brier score, price
   MAE, interval score: lower is better). The pointer moves when, for every
   model both have, ``new <= current + 1e-12``; otherwise it stays and the
   report names the models that got worse (the new version stays in S3 for
   inspection). Decisions that need no re-scoring:

   - no pointer yet: the first model moves it;
   - a pointer whose bytes are not a pointer (truncated, edited by hand): nothing can be served from it and it
     reads the same tomorrow, so the new version replaces it (a pointer S3 failed to return fails the series
     instead: the next run reads it again);
   - the same configuration: both would be the same fit on the same candles
     (training is seeded), so the new version is simply a refit on more
     history, and it moves;
   - different targets or fold design (horizon, threshold, interval, folds,
     training fraction, lags, LSTM window: anything that changes which rows
     are scored or what is predicted): the losses would measure different
     things and cannot be compared; the new configuration was chosen on
     purpose, so it moves, and the report says the comparison was impossible.
     The same happens when this code cannot read the stored configuration.

   Re-scoring the served configuration on today's candles, rather than
   comparing against the losses stored in its pointer, is what makes the
   comparison fair: yesterday's losses were measured on other folds.

The models themselves (:class:`Forecaster`) are a port: the real one needs
scikit-learn, PyTorch and arch (TrainFunction's image); the unit tests pass
a fake, so the gate is tested without training anything.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from crypto_advisor.analysis.firing_strength import strength_quantiles
from crypto_advisor.analysis.replay import firings_of, replay_report, walk
from crypto_advisor.analysis.rules import Rule, with_conditions
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.errors import CorruptObjectError, StorageError
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.watchlist import AlertPolicy, UserCondition, WatchedSeries
from crypto_advisor.forecast.card import ModelCard, card_losses
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.forecast.dataset import gap_free_runs, min_run_candles
from crypto_advisor.forecast.features import VOLUME_FEATURES
from crypto_advisor.training.calibration import calibrate_trailing
from crypto_advisor.training.email_record import decide_over, email_record
from crypto_advisor.training.ports import Ports

#: Candles of history before the replay's first analysis (the indicators' warm-up), as in ``make demo``.
REPLAY_WARMUP = 200
#: Seconds an inline run keeps, beyond twice a series' estimated time, to hand the series it cannot cover to the
#: training queue (the plan's write and the messages, with room for a slow S3 or SQS answer).
HANDOFF_RESERVE_S = 60.0
#: Seconds a series' training takes per archived candle before one is timed: 1.5 times the slowest measured (a year
#: of hourly ETH/USD, 8,760 candles in 59 s with ``make train`` on the 2-core machine).
PER_CANDLE_GUESS_S = 0.01
AFTER_DEFERRED = "not started: a series before it did not fit in the invocation's time left"
#: Losses within this of each other are equal (float noise between two evaluations of one model).
TOLERANCE = 1e-12
#: Configuration fields that decide which rows are scored and what is predicted: if any differs,
#: two configurations' losses do not measure the same thing.
COMPARABLE_ONLY_IF_EQUAL = (
    "horizon",
    "threshold_pct",
    "interval",
    "folds",
    "min_train_fraction",
    "lags",
    "lstm_window",
)

Status = Literal["trained", "too_little_history", "no_candles", "failed", "deferred"]
PointerMove = Literal["moved", "kept"]


@dataclass
class SeriesTraining:
    series: str
    status: Status
    archived: int = 0
    #: Candles the models were trained on: the gap-free runs long enough for the features, joined.
    used: int = 0
    #: Candles of the gap-free runs too short for the features (a row needs :func:`min_run_candles` in a row).
    dropped: int = 0
    #: Gap-free runs the models were trained on.
    segments: int = 0
    #: The forecast configuration it was trained with (the run's, or its timeframe's defaults).
    config: ForecastConfig | None = None
    #: Candles the replay figures were computed on: the gap-free run at the end.
    replay_candles: int = 0
    first_ts: int | None = None
    last_ts: int | None = None
    replay_key: str | None = None
    version: str | None = None
    cards: list[ModelCard] = field(default_factory=list)
    pointer: PointerMove | None = None
    pointer_reason: str | None = None
    #: verdict_loss per model of the served model re-scored on today's folds (when the gate re-scored it).
    current_losses: dict[str, float | None] | None = None
    error: str | None = None
    error_kind: str | None = None
    #: Old model versions this run deleted (:meth:`~crypto_advisor.training.ports.ModelStorePort.prune_versions`).
    pruned: list[str] = field(default_factory=list)
    #: Why old versions could not be deleted (the series is still trained; the next run tries again).
    prune_error: str | None = None

    @property
    def verdicts(self) -> dict[str, str]:
        return {c.model: c.verdict for c in self.cards}

    def as_dict(self) -> dict[str, Any]:
        return {
            "series": self.series,
            "status": self.status,
            "archived": self.archived,
            "used": self.used,
            "dropped": self.dropped,
            "segments": self.segments,
            "config": self.config.as_dict() if self.config is not None else None,
            "replay_candles": self.replay_candles,
            "first_ts": self.first_ts,
            "last_ts": self.last_ts,
            "replay_key": self.replay_key,
            "version": self.version,
            "verdicts": self.verdicts,
            "losses": card_losses(self.cards),
            "current_losses": self.current_losses,
            "pointer": self.pointer,
            "pointer_reason": self.pointer_reason,
            "error": self.error,
            "error_kind": self.error_kind,
            "pruned": len(self.pruned),
            "prune_error": self.prune_error,
        }


@dataclass
class TrainingReport:
    now_ms: int
    #: the configuration every series was trained with; None: each its timeframe's defaults (its item says which)
    config: ForecastConfig | None
    series: list[SeriesTraining]

    @property
    def failed(self) -> list[SeriesTraining]:
        return [r for r in self.series if r.status == "failed"]

    @property
    def deferred(self) -> list[str]:
        """The series this run's time did not cover (:func:`run_training`'s ``time_left``), in watchlist order."""
        return [r.series for r in self.series if r.status == "deferred"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "now_ms": self.now_ms,
            "config": self.config.as_dict() if self.config is not None else None,
            "trained": sum(1 for r in self.series if r.status == "trained"),
            "moved": sum(1 for r in self.series if r.pointer == "moved"),
            "failed": len(self.failed),
            "deferred": len(self.deferred),
            "series": [r.as_dict() for r in self.series],
        }


def trailing_run(candles: Sequence[Candle], timeframe_ms: int) -> list[Candle]:
    """The candles after the last gap (oldest first): the longest consecutive stretch that reaches the end."""
    start, _ = gap_free_runs([c.ts for c in candles], timeframe_ms)[-1]
    return list(candles[start:])


def model_candles(candles: Sequence[Candle], timeframe_ms: int, config: ForecastConfig) -> tuple[list[Candle], int]:
    """The candles the models train on and how many gap-free runs they make: every run of at least
    :func:`min_run_candles`, oldest first (a shorter one could not give a single usable row)."""
    need = min_run_candles(config)
    runs = [(a, b) for a, b in gap_free_runs([c.ts for c in candles], timeframe_ms) if b - a >= need]
    return [c for a, b in runs for c in candles[a:b]], len(runs)


def run_training(
    watchlist: Iterable[WatchedSeries],
    *,
    now_ms: int,
    config: ForecastConfig | None,
    rules: Sequence[Rule],
    ports: Ports,
    time_left: Callable[[], float] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> TrainingReport:
    """Train every watched series (a watchlist, or a task's share of it); ``now_ms`` names the versions written.

    ``config`` is every series' forecast configuration (the demo's and the tests' smaller models); None trains each
    with its own timeframe's defaults (:meth:`ForecastConfig.for_timeframe`: a daily series is asked about a week
    ahead, an hourly one a day), so one watchlist may mix timeframes.

    With ``time_left`` (seconds left in the invocation), a series is trained only while the time left covers it, once
    its archive is read: twice its estimate (its candles at the slowest rate per candle of the series trained so
    far, or :data:`PER_CANDLE_GUESS_S` before one is) and :data:`HANDOFF_RESERVE_S` to hand the rest on. It and the ones
    after it are then ``deferred``: the scheduled run puts them on the training queue (a series' training grows with
    its archive, so a watchlist that fit in one invocation when deployed stops fitting months later). ``clock`` times
    each series (seconds; a test's clock may be fake, with ``time_left`` read from it).
    """
    report = TrainingReport(now_ms=now_ms, config=config, series=[])
    per_candle_s = PER_CANDLE_GUESS_S
    timed = False
    for watched in watchlist:
        series = watched.series
        if report.deferred:
            report.series.append(SeriesTraining(series=series.key, status="deferred", error=AFTER_DEFERRED))
            continue
        fits = None if time_left is None else _fits(time_left, per_candle_s)
        started = clock()
        item = _train_series(watched, now_ms=now_ms, config=config, rules=rules, ports=ports, fits=fits)
        report.series.append(item)
        # Only a trained series says what training costs: one that stopped at too little history or a failure read
        # its archive and little else, and its rate would make the next large archive look cheap.
        if item.status == "trained" and item.archived:
            rate = (clock() - started) / item.archived
            per_candle_s, timed = (max(per_candle_s, rate) if timed else rate), True
    return report


def _fits(time_left: Callable[[], float], per_candle_s: float) -> Callable[[int], str | None]:
    """Whether a series of ``candles`` archived candles fits in the time left: twice its estimate (the slowest rate
    per candle so far, or :data:`PER_CANDLE_GUESS_S`) and :data:`HANDOFF_RESERVE_S`; None when it does, else why."""

    def fits(candles: int) -> str | None:
        need = HANDOFF_RESERVE_S + 2 * per_candle_s * candles
        left = time_left()
        if left >= need:
            return None
        return (
            f"not started: {candles:,} candles at {per_candle_s * 1000:.1f} ms a candle need {need:.0f} s with the "
            f"handoff's {HANDOFF_RESERVE_S:.0f} s (twice the estimate), and the invocation has {left:.0f} s left"
        )

    return fits


def _train_series(
    watched: WatchedSeries,
    *,
    now_ms: int,
    config: ForecastConfig | None,
    rules: Sequence[Rule],
    ports: Ports,
    fits: Callable[[int], str | None] | None = None,
) -> SeriesTraining:
    """One series trained, or failed with why (one series' failure never stops the others)."""
    series = watched.series
    item = SeriesTraining(series=series.key, status="failed")
    try:
        item.config = own = config if config is not None else ForecastConfig.for_timeframe(series.timeframe)
        judged = with_conditions(rules, watched.conditions)
        _train_one(
            series,
            item,
            now_ms=now_ms,
            config=own,
            rules=judged,
            policy=watched.alerts,
            conditions=watched.conditions,
            ports=ports,
            fits=fits,
        )
    except StorageError as exc:
        item.status, item.error, item.error_kind = "failed", str(exc), "storage"
    except Exception as exc:  # noqa: BLE001 - one series' bug must not stop the others; it is reported
        item.status, item.error, item.error_kind = "failed", f"{type(exc).__name__}: {exc}", "bug"
    return item


def _train_one(
    series: Series,
    item: SeriesTraining,
    *,
    now_ms: int,
    config: ForecastConfig,
    rules: Sequence[Rule],
    policy: AlertPolicy,
    conditions: Sequence[UserCondition],
    ports: Ports,
    fits: Callable[[int], str | None] | None = None,
) -> None:
    archived = ports.archive.read(series)
    item.archived = len(archived)
    if not archived:
        item.status = "no_candles"
        return
    if fits is not None and (why := fits(len(archived))) is not None:
        item.status, item.error = "deferred", why
        return
    replayed = trailing_run(archived, series.timeframe_ms)
    if len(replayed) > REPLAY_WARMUP:
        after_gap = len(replayed) < len(archived)
        figures = replay_with_bar(series, replayed, rules, policy, conditions, after_gap=after_gap)
        item.replay_key = ports.replay_figures.write(series, figures)
        item.replay_candles = len(replayed)
    candles, item.segments = model_candles(archived, series.timeframe_ms, config)
    item.used, item.dropped = len(candles), len(archived) - len(candles)
    if not candles:
        need = min_run_candles(config)
        item.status = "too_little_history"
        item.error = f"too little history: {len(archived)} candles, no gap-free run of the {need} a usable row needs"
        return
    item.first_ts, item.last_ts = candles[0].ts, candles[-1].ts
    try:
        cards, artifacts = ports.forecaster.train(candles, config, series=series.key)
    except ValueError as exc:
        item.status, item.error = "too_little_history", f"too little history: {len(candles)} candles ({exc})"
        if all(c.volume is None for c in candles):
            # Not the length: every row lacks the volume features (a price-only history), however long it is.
            item.error += f"; no candle has a volume, which the features {' and '.join(VOLUME_FEATURES)} need"
        return
    item.cards = cards
    version = ports.models.write_version(series, now_ms, artifacts, cards, config)
    item.version = version.version
    item.status = "trained"
    move, reason = _gate(series, candles, config, cards, ports, item)
    if move:
        ports.models.move_latest(series, version)
    item.pointer, item.pointer_reason = ("moved" if move else "kept"), reason
    _prune_old_versions(series, item, keep=version.version, now_ms=now_ms, ports=ports)


def _prune_old_versions(series: Series, item: SeriesTraining, *, keep: str, now_ms: int, ports: Ports) -> None:
    """Delete the series' model versions past the store's retention, after the gate (the served one and ``keep``,
    the new one, stay); ``item`` records what went, or why nothing could.

    Best effort: the new version is written and, if the gate moved the
    pointer, served; a version left behind costs storage, not a forecast. So a
    failure is reported (``prune_error``, logged by the telemetry) and the
    series stays trained; the next run tries again.
    """
    try:
        item.pruned = ports.models.prune_versions(series, keep=keep, now_ms=now_ms)
    except StorageError as exc:
        item.prune_error = str(exc)


def replay_with_bar(
    series: Series,
    candles: Sequence[Candle],
    rules: Sequence[Rule],
    policy: AlertPolicy,
    conditions: Sequence[UserCondition] = (),
    *,
    after_gap: bool = False,
) -> dict:
    """The replay report of ``candles``, with the series' rarity bar calibrated on the same walk (``alert_bar``) and
    the record of the emails the live policy would have sent over it (``email_record``).

    One walk of the live analysis serves all three: the rules' records, the
    candidates the alert budget is calibrated on (the notifier reads the bar
    from this report), and the emails decided candle by candle with a
    walk-forward bar (:func:`~crypto_advisor.training.email_record.decide_over`, as ``make alert-quality``
    decides them), whose headlines' record the alert email quotes. ``rules``
    include the series' ``conditions`` (:func:`~crypto_advisor.analysis.rules.with_conditions`); the conditions'
    own cooldowns apply to the emails as live. ``after_gap``: ``candles`` are the archive's stretch after its last
    gap, which the email says when it gives the record's dates.
    """
    # Without rules nothing can fire: the walk's signals would hold no firing and make no candidate.
    signals = list(walk(series, candles, rules, first=REPLAY_WARMUP)) if rules else []
    report = replay_report(series, candles, rules, firings_of(signals), warmup=REPLAY_WARMUP)
    # The emails' decisions collect the candidates on their way: the bar the notifier applies is calibrated on them.
    emails = decide_over(series, candles, signals, policy, first=REPLAY_WARMUP, conditions=conditions)
    bar = calibrate_trailing(
        emails.candidates,
        first_ts=candles[REPLAY_WARMUP].ts,
        end_ts=candles[-1].ts + series.timeframe_ms,
        timeframe_ms=series.timeframe_ms,
        policy=policy,
    )
    report["alert_bar"] = bar.as_dict()
    report["strength"] = strength_quantiles(signals)
    if signals:
        report["email_record"] = email_record(emails, after_gap=after_gap)
    return report


def _gate(
    series: Series,
    candles: Sequence[Candle],
    config: ForecastConfig,
    cards: Sequence[ModelCard],
    ports: Ports,
    item: SeriesTraining,
) -> tuple[bool, str]:
    """Whether the new version may be served, and why (see the module docstring)."""
    try:
        pointer = ports.models.latest_pointer(series)
    except CorruptObjectError as exc:
        # Nothing can be served from it (the analysis fails to read it too), and it reads the same tomorrow.
        return True, f"the served pointer cannot be read ({exc}); the new version replaces it"
    if pointer is None:
        return True, "first model of this series"
    try:
        current = ForecastConfig.from_dict(dict(pointer["config"]))
    except (KeyError, TypeError, ValueError) as exc:
        return True, f"the served configuration cannot be read by this code ({exc}); the new one replaces it"
    if current == config:
        return True, f"same configuration as the served version {pointer['version']}: a refit on more history"
    changed = [n for n in COMPARABLE_ONLY_IF_EQUAL if getattr(current, n) != getattr(config, n)]
    if changed:
        detail = ", ".join(f"{n} {getattr(current, n)} -> {getattr(config, n)}" for n in changed)
        return True, f"targets or folds changed ({detail}): losses not comparable; the new configuration replaces it"
    current_losses = card_losses(ports.forecaster.evaluate(candles, current, series=series.key))
    item.current_losses = current_losses
    new_losses = card_losses(cards)
    worse: dict[str, tuple[float, float]] = {}
    for model, loss in new_losses.items():
        old = current_losses.get(model)
        if loss is not None and old is not None and loss > old + TOLERANCE:
            worse[model] = (old, loss)
    if worse:
        detail = ", ".join(f"{m} {new:.6g} vs {old:.6g}" for m, (old, new) in worse.items())
        return False, f"worse than the served version {pointer['version']} on the same folds: {detail}"
    differences = ", ".join(_fields_changed(current, config))
    return True, f"no worse than the served version {pointer['version']} on the same folds ({differences} changed)"


def _fields_changed(old: ForecastConfig, new: ForecastConfig) -> list[str]:
    return [f.name for f in dataclasses.fields(ForecastConfig) if getattr(old, f.name) != getattr(new, f.name)]
