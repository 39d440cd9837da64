"""The dashboard's read use case: the overview, a series, the alert history and an alert's email.

Reads only; each answer is built from the stores by the pure functions of
:mod:`.overview`, :mod:`.series_view`, :mod:`.alert_history` and
:mod:`.email_view`. A store that cannot be read for one series fails that
series' part of the answer (its row says why, or the series page lists it in
``notes``), never the whole page: the overview of ten coins still shows nine.

:mod:`.overview`, :mod:`.series_view` (numpy, the chart's lines) and :mod:`.email_view` (the notifier's email
rendering) are imported by the one route each serves, on its first call, not with this module: a cold
DashboardFunction answers the web app's files, sign-in, the settings, the alerts list and an email's mute link
without them, and each page loads only its own (issue 9's cold import; the README's "Cold start" has the figures).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from crypto_advisor.analysis.rule_titles import TITLES
from crypto_advisor.contracts.alerts import is_market_key, market_log_key
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.decisions import EMAILED, Decision
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.news import Article
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.contracts.units import DAY_MS, MINUTE_MS, WEEK_MS
from crypto_advisor.contracts.watchlist import WatchedSeries, Watchlist
from crypto_advisor.dashboard.alert_history import history, parse_alert_id
from crypto_advisor.dashboard.answers import (
    AlertFilters,
    AlertPage,
    EmailAnswer,
    MarketState,
    Overview,
    SeriesDetail,
    SeriesRow,
)
from crypto_advisor.dashboard.ports import (
    Candles,
    Decisions,
    Ledger,
    ModelCards,
    News,
    ReplayFigures,
    SentEmails,
    Signals,
    WatchlistReader,
)
from crypto_advisor.dashboard.read_cache import Memo
from crypto_advisor.market.indicator_spec import WINDOW_CANDLES

if TYPE_CHECKING:
    from crypto_advisor.notify.grading import LiveRecord
    from crypto_advisor.notify.view import EmailRecord, RuleRecord

#: Decisions read back per series for the overview's "last alert" (the newest email is usually among them).
LAST_ALERT_SCAN = 50
#: How far back the series page shows news.
NEWS_DAYS = 7
#: The archived email's note when its one-click links were removed (:func:`.email_view.archived_email` says why).
LINKS_REMOVED = (
    " Its one-click links (mute, unsubscribe) were that recipient's own (signed for them) and are removed here; their"
    " text is kept."
)

T = TypeVar("T")


class NotFoundError(LookupError):
    """The series or alert asked for does not exist (a 404, naming it)."""


@dataclass(frozen=True)
class Dashboard:
    watchlist: WatchlistReader
    candles: Candles
    signals: Signals
    decisions: Decisions
    figures: ReplayFigures
    models: ModelCards
    ledger: Ledger
    news: News
    clock_ms: Callable[[], int]
    #: keeps re-rendered emails (:mod:`.read_cache`'s freshness rule); None: render on every request
    memo: Memo | None = None
    #: the notifier's sent messages; None: every email is re-rendered
    sent: SentEmails | None = None

    # ------------------------------------------------------------------ overview
    def overview(self) -> Overview:
        from crypto_advisor.dashboard import overview  # on first use: see the module's docstring (cold start)

        now = self.clock_ms()
        watchlist = self.watchlist()
        try:
            cursors = self.candles.cursors([w.series for w in watchlist])
        except StorageError as exc:  # every row says why; the page still answers
            return Overview(
                generated_at=now,
                series=[_unreadable(w, str(exc)) for w in watchlist],
                correlation=overview.correlation({}, now),
                market=self._market_state(watchlist, {}, now),
            )
        # What is exact (read_cache.py) keys the kept answer: the series, their cursors and newest signals.
        latest_of: dict[str, Signal | StorageError | None] = {}
        for watched in watchlist:
            key = watched.series.key
            cursor = cursors.get(key)
            try:
                # No signal is newer than the cursor's candle (the analysis runs on published candles only), and
                # a series with no cursor has none yet.
                latest_of[key] = None if cursor is None else self.signals.latest(key, cursor)
            except StorageError as exc:
                latest_of[key] = exc
        exact = tuple(
            (w.series.key, w.name, cursors.get(w.series.key), _signal_ts(latest_of[w.series.key])) for w in watchlist
        )
        answer = self._kept(
            ("overview", exact),
            lambda: self._overview(watchlist, cursors, latest_of, now),
            keep=lambda o: all(row.error is None for row in o.series),
        )
        return answer if answer.generated_at == now else answer.model_copy(update={"generated_at": now})

    def _overview(
        self,
        watchlist: Watchlist,
        cursors: dict[str, int | None],
        latest_of: dict[str, Signal | StorageError | None],
        now: int,
    ) -> Overview:
        from crypto_advisor.dashboard import overview

        rows: list[SeriesRow] = []
        windows: dict[str, list[Candle]] = {}
        signals: dict[str, Signal] = {}
        for watched in watchlist:
            series = watched.series
            try:
                latest = latest_of[series.key]
                if isinstance(latest, StorageError):
                    raise latest
                cursor = cursors.get(series.key)
                since = (cursor or now) - max(WEEK_MS, overview.CORRELATION_DAYS * DAY_MS) - series.timeframe_ms
                candles = self.candles.window(series, since_ts=since, cursor=cursor)
                rows.append(overview.series_row(watched, candles, latest, self._last_email(series.key, now), now))
            except StorageError as exc:
                rows.append(_unreadable(watched, str(exc)))
                continue
            windows[series.key] = candles
            if latest is not None:
                signals[series.key] = latest
        return Overview(
            generated_at=now,
            series=rows,
            correlation=overview.correlation(windows, max((w[-1].ts for w in windows.values() if w), default=now)),
            market=self._market_state(watchlist, signals, now),
        )

    def _kept(self, key: Hashable, build: Callable[[], T], keep: Callable[[T], bool] | None = None) -> T:
        """``build()``, kept by the memo under ``key`` (read_cache.py: as fresh as its parts); without one, built."""
        return build() if self.memo is None else self.memo(key, build, keep)

    def _last_email(self, key: str, now: int) -> Decision | None:
        emailed = [
            d
            for d in self.decisions.page(key, before_ts=_read_bound(now), limit=LAST_ALERT_SCAN)
            if d.status in EMAILED
        ]
        return emailed[0] if emailed else None

    def _market_state(self, watchlist: Watchlist, latest_of: dict[str, Signal], now: int) -> MarketState:
        """BTC's trends (from its newest signal's market context) and the newest market email of any timeframe."""
        from crypto_advisor.dashboard import overview
        from crypto_advisor.notify.context_words import context_lines

        timeframes = sorted({w.series.timeframe for w in watchlist})
        newest = None
        for timeframe in timeframes:
            emailed = [
                d
                for d in self.decisions.page(market_log_key(timeframe), before_ts=_read_bound(now), limit=5)
                if d.status in EMAILED
            ]
            if emailed and (newest is None or emailed[0].candle_ts > newest.candle_ts):
                newest = emailed[0]
        reference = next((w for w in watchlist if w.coin == "BTC"), None)
        signal = latest_of.get(reference.series.key) if reference is not None else None
        context = signal.market if signal is not None else None
        trends = {t.timeframe: t for t in (context.trends if context is not None else [])}

        def trend(timeframe: str) -> str | None:
            reading = trends.get(timeframe)
            return None if reading is None or reading.direction is None else reading.direction

        return MarketState(
            reference=reference.series.key if reference is not None else None,
            trend_4h=trend("4h"),
            trend_1d=trend("1d"),
            lines=list(context_lines(reference.series, context)) if reference is not None else [],
            last_market_email=overview.last_alert_of(newest),
        )

    # ------------------------------------------------------------------ one series
    def series(self, key: str, *, days: int) -> SeriesDetail:
        watched = self._watched(key)
        now = self.clock_ms()
        # The newest published candle, not the clock: a series whose feed stalled still shows its last days.
        cursor = self.candles.cursor(watched.series)
        anchor = cursor or now
        latest = self.signals.latest(key, anchor)
        return self._kept(
            ("series", key, watched.name, days, anchor, _signal_ts(latest)),
            lambda: self._series(watched, days=days, cursor=cursor, anchor=anchor, latest=latest, now=now),
            keep=lambda detail: not detail.notes,
        )

    def _series(
        self, watched: WatchedSeries, *, days: int, cursor: int | None, anchor: int, latest: Signal | None, now: int
    ) -> SeriesDetail:
        from crypto_advisor.dashboard import overview, series_view  # on first use: the module's docstring (cold start)
        from crypto_advisor.notify.grading import live_records

        series = watched.series
        key = series.key
        shown_from = anchor - days * DAY_MS
        warm_up = WINDOW_CANDLES * series.timeframe_ms
        notes: list[str] = []
        candles = self.candles.window(series, since_ts=max(1, shown_from - warm_up), cursor=cursor)
        signals = self.signals.between(key, shown_from, anchor)
        decisions = [
            d for d in self.decisions.page(key, before_ts=_read_bound(now), limit=1000) if d.candle_ts >= shown_from
        ]
        report = _or_note(notes, "rule records and past alerts", lambda: self.figures.read(series), None)
        records, past = _replay_parts(report, notes)
        no_cards: tuple[Sequence[Any], dict[str, float] | None] = ((), None)
        cards, importances = _or_note(notes, "model cards", lambda: self.models.served_cards(series), no_cards)
        live: dict[str, LiveRecord] = _or_note(
            notes, "forecast ledger", lambda: live_records(self.ledger.read(key)), {}
        )
        articles: list[Article] = _or_note(
            notes, "news", lambda: self.news.recent(watched.coin, anchor - NEWS_DAYS * DAY_MS, _read_bound(now)), []
        )
        return SeriesDetail(
            key=key,
            name=watched.name,
            timeframe=series.timeframe,
            candles=[c for c in candles if c.ts >= shown_from],
            indicators=series_view.indicator_lines(candles, shown_from),
            markers=series_view.markers(signals, decisions),
            predictions=list(latest.predictions) if latest is not None else [],
            past_alerts=series_view.past_alerts(past, series),
            rule_records=series_view.rule_record_answers(records, series),
            model_cards=series_view.card_answers(cards, importances),
            live_records=series_view.live_answers(live),
            news=series_view.news_answer(watched.coin, articles, anchor),
            health=overview.data_health(series, cursor, latest, now),
            notes=notes,
        )

    # ------------------------------------------------------------------ alerts
    def alerts(
        self,
        *,
        limit: int,
        cursor: str | None = None,
        series: str | None = None,
        rule: str | None = None,
        reason: str | None = None,
    ) -> AlertPage:
        """Every decision (sent, or suppressed and why), the market emails with them unless a series is asked for.

        A market scan's emails are listed under the scan's key (``scan#USD``, which ``series`` may also name, as it may
        a market email's, ``market#1h``); a scan
        coin held back is recorded under the coin's own key and is not listed: a top-1,000 scan would make every page
        a thousand reads.
        """
        watchlist = self.watchlist()
        scans = sorted({w.scan.log_key for w in watchlist.scans})
        markets = [market_log_key(t) for t in sorted({w.series.timeframe for w in watchlist})]
        offered = [w.series.key for w in watchlist] + markets + scans
        if series is not None:  # a watched series, or a market email's key (market#1h) or a scan's (scan#USD)
            keys = [series] if series in scans or series in markets else [self._watched(series, watchlist).series.key]
        else:
            keys = offered
        page = history(self.decisions, keys, limit=limit, cursor=cursor, rule=rule, reason=reason)
        return page.model_copy(update={"filters": _alert_filters(watchlist, offered)})

    def email(self, alert_id: str) -> EmailAnswer:
        """The alert's email as it was sent (archived: one S3 read, every time, so a message archived after a first
        look is shown), else re-rendered without its chart, which a warm container keeps as long as
        :mod:`.read_cache` keeps the records it is rendered from."""
        key, candle_ts = parse_alert_id(alert_id)
        decision = self.decisions.get(key, candle_ts)
        if decision is None:
            raise NotFoundError(f"no alert decision {alert_id}")
        if decision.status not in EMAILED:
            raise NotFoundError(f"alert {alert_id} sent no email: it was suppressed ({decision.reason})")
        from crypto_advisor.dashboard import email_view  # on first use: see the module's docstring (cold start)

        unreadable = ""
        try:
            mime = self.sent.get(key, candle_ts) if self.sent is not None else None
        except StorageError as exc:  # the kept message cannot be read now: the re-rendering still answers
            mime, unreadable = None, f" The archived message could not be read: {exc}"
        if mime is not None:
            kept = email_view.archived_email(mime)
            return EmailAnswer(
                id=alert_id,
                source="archived",
                status=decision.status,  # type: ignore[arg-type]
                subject=kept.subject or decision.subject or "",
                html=kept.html,
                text=kept.text,
                note=f"The message as it was handed to SES{f' on {kept.date}' if kept.date else ''}, the copy sent to"
                f" {kept.to}.{LINKS_REMOVED if kept.links_removed else ''}",
            )
        if self.memo is None:
            return self._rerendered(alert_id, decision, unreadable)
        return self.memo(("email", alert_id), lambda: self._rerendered(alert_id, decision, unreadable))

    def _rerendered(self, alert_id: str, decision: Decision, unreadable: str) -> EmailAnswer:
        from crypto_advisor.dashboard import email_view
        from crypto_advisor.notify.grading import live_records

        key, candle_ts = parse_alert_id(alert_id)
        watchlist = self.watchlist()
        left_out: list[str] = []
        if is_market_key(key):
            timeframe = key.partition("#")[2]
            peers = [w.series for w in watchlist.of_timeframe(timeframe)]
            found = {p.key: s for p in peers if (s := self.signals.at(p.key, candle_ts)) is not None}
            rendered = email_view.market_email(timeframe, candle_ts, peers, found)
            if rendered is None:
                raise NotFoundError(f"the signals of market email {alert_id} are no longer stored")
        else:
            watched = self._watched(key, watchlist)
            signal = self.signals.at(key, candle_ts)
            if signal is None:
                raise NotFoundError(f"the signal of alert {alert_id} is no longer stored")
            series = watched.series
            candles = self.candles.window(series, since_ts=candle_ts - (WINDOW_CANDLES - 1) * series.timeframe_ms)
            records, past = _replay_parts(self.figures.read(series), left_out)
            rendered = email_view.alert_email(
                watched, signal, decision, candles, records, live_records(self.ledger.read(key)), past
            )
        return EmailAnswer(
            id=alert_id,
            source="re-rendered",
            status=decision.status,  # type: ignore[arg-type]
            subject=decision.subject or rendered.subject,
            html=email_view.inline_images(rendered),
            text=rendered.text,
            note=email_view.NOTE + unreadable + "".join(f" Left out: {part}." for part in left_out),
        )

    def _watched(self, key: str, watchlist: Watchlist | None = None) -> WatchedSeries:
        watched = (watchlist or self.watchlist()).find(key)
        if watched is None:
            raise NotFoundError(f"series {key!r} is not in the watchlist")
        return watched


def _alert_filters(watchlist: Watchlist, offered: Sequence[str]) -> AlertFilters:
    """What the alerts list can be filtered by, as Settings names it: the ``offered`` keys (the watched series, then
    the market emails' and scans'); the built-in rules and each watched series' conditions (a top-level one once)."""
    conditions = dict.fromkeys(c.rule_id for w in watchlist for c in w.conditions)
    return AlertFilters(
        series=list(offered),
        rules=sorted(TITLES) + list(conditions),
    )


def _signal_ts(signal: Signal | StorageError | None) -> int | str | None:
    """What identifies a newest signal in a kept answer's key (a signal is written once per candle)."""
    if isinstance(signal, StorageError):
        return "unreadable"
    return None if signal is None else signal.candle_ts


def _read_bound(now: int) -> int:
    """The exclusive upper bound of a read "up to now": the next minute's start.

    Candles (and so decisions) open on whole minutes, so it selects exactly what ``now + 1`` does; news published
    in the minute's rest is no harm. Being the same for a minute, it lets :mod:`.read_cache` keep the answer.
    """
    return (now // MINUTE_MS + 1) * MINUTE_MS


def _or_note(notes: list[str], what: str, read: Callable[[], T], default: T) -> T:
    """``read()``, or ``default`` with a note saying why: one unreadable part never fails the page."""
    try:
        return read()
    except StorageError as exc:
        notes.append(f"{what} unreadable: {exc}")
        return default


def _replay_parts(
    report: Mapping[str, Any] | None, notes: list[str]
) -> tuple[dict[str, RuleRecord], EmailRecord | None]:
    """The rules' records and the series' email record from one read of its replay report (None: none written yet),
    as the notifier reads them for the email it sends (:func:`~crypto_advisor.notify.replay_figures.replay_parts`):
    a malformed part is left out with a note in ``notes``, and the other is still shown."""
    from crypto_advisor.notify.replay_figures import replay_parts

    parts = replay_parts(report)
    errors = (("rule records", parts.rules_error), ("past alerts", parts.email_error))
    notes.extend(f"{what} unreadable: {why}" for what, why in errors if why)
    return parts.rule_records, parts.email_record


def _unreadable(watched: WatchedSeries, error: str) -> SeriesRow:
    series = watched.series
    return SeriesRow(
        key=series.key,
        source=series.source,
        symbol=series.pair,
        timeframe=series.timeframe,
        name=watched.name,
        trend="n/a",
        volatility="n/a",
        error=error,
    )
