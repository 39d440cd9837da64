"""What the digest says, worded once, so the text part and the HTML part say the same thing.

:func:`digest_content` turns a :class:`~crypto_advisor.digest.view.DigestView`
into :class:`DigestContent`: plain strings per section, in the order the email
shows them:

1. the volatility forecast of every series (the GARCH range for the next day,
   and the odds of a big move now against a normal day), the figure with real
   out-of-sample skill, so it leads;
2. one row per series: price, 24 h and 7 d change, trend and volatility regime
   (the alert email's own snapshot wording), news mood, the day's activity;
3. the day's firings that did not earn an alert, rarest first, each with its
   rarity in words and why it was held back;
4. the alerts sent that day.

The numbers and words are the alert email's (:mod:`crypto_advisor.notify.format`),
so a price, a change or a mood reads the same in both. Strings are not escaped
here (the HTML layout does that) and every outside string is one line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from crypto_advisor.analysis.firing import SEVERITY_NAMES
from crypto_advisor.contracts.decisions import EMAILED
from crypto_advisor.contracts.digest import LoggedAlert
from crypto_advisor.contracts.news import NewsDigest
from crypto_advisor.contracts.series import timeframe_ms
from crypto_advisor.contracts.signal import FiringRecord, Signal
from crypto_advisor.contracts.units import DAY_MS, WEEK_MS
from crypto_advisor.digest.scan_section import ScanSection, scan_section
from crypto_advisor.digest.view import DigestView, SeriesDay
from crypto_advisor.digest.volatility import (
    MOVE_PCT,
    VolatilityForecast,
    candle_sigma,
    interval_forecast,
    realized_ratio,
)
from crypto_advisor.forecast.prediction import format_price
from crypto_advisor.market.numbers import price
from crypto_advisor.notify.format import (
    FOOTER,
    change_since,
    count,
    in_the_news,
    mood_word,
    one_line,
    rule_title,
    score,
    share,
    signed_pct,
    snapshot,
    stories_phrase,
)
from crypto_advisor.notify.view import AlertView

#: Held-back firings listed by name; the rest are counted. Enough for the day's news, few enough for a phone.
MAX_HELD = 8
#: The span of the sparkline chart and of the "7d" change.
CHART_MS = WEEK_MS
#: How far back the series' "normal" volatility is measured.
NORMAL_MS = 30 * DAY_MS

#: Why a firing did not make an alert, in words, per the notifier's recorded reason.
HELD_REASONS: dict[str, str] = {
    "below_severity": "below the alert severity",
    "too_small": "too small a move to trade on",
    "cooldown": "in cooldown after an earlier alert",
    "below_threshold": "not rare enough for an alert",
    "budget_spent": "the week's alert budget was spent",
    "no_recipients": "nobody to email",
    "not_watched": "no longer watched",
    "in_market_email": "covered by the market email of its candle",
    "muted": "muted",
    "unsubscribed": "every recipient unsubscribed",
}
#: Why a firing is missing from the alert its candle did send. The log keeps only the rules an alert carried, and the
#: policy (notify/policy.py) leaves a firing out of an email that carries others when it is muted, below the alert
#: severity, not rare enough or in cooldown, or (beside a user condition, which always emails) when the week's budget
#: is spent; which of these is not recorded, so the digest names them all rather than guess one.
LEFT_OUT = (
    "left out of that candle's alert, which carried {carried} (why is not recorded: muted, below the alert severity, "
    "not rare enough, in cooldown, or the week's alert budget spent)"
)
#: What an alert whose SES answer was lost says in the list of alerts sent: the reader may not have it.
UNKNOWN_NOTE = " (may not have arrived: SES's answer was lost)"
#: An alert whose send was claimed but not settled when the digest read the log: in flight, or its sender stopped
#: before recording SES's answer (a retry settles it). Listed rather than left out: it is neither held back nor known
#: to be lost.
SENDING_NOTE = " (still being sent when this digest was written)"


@dataclass(frozen=True)
class ForecastLine:
    """One series' volatility forecast: the range, the odds of a big move, and the forecast's own record."""

    label: str
    range: str
    odds: str
    record: str
    #: the range beat historical volatility out of sample; False: for information only
    skilled: bool


@dataclass(frozen=True)
class SeriesRow:
    label: str
    price: str
    change_24h: str
    change_7d: str
    #: +1 up, -1 down, 0 flat or unknown: the colour of the 24 h change
    sign_24h: int
    trend: str
    volatility: str
    news: str
    #: firings held back and alerts sent in the span
    activity: str
    #: why a figure is missing (the stores could not be read, no candle lately), when one is
    note: str | None = None


@dataclass(frozen=True)
class HeldFiring:
    label: str
    when: str
    title: str
    direction: str
    severity_name: str
    #: how unusual it was, in words ("the largest hourly volume in 12 days")
    rarity: str
    #: why it did not make an alert
    held: str


@dataclass(frozen=True)
class SentLine:
    label: str
    when: str
    subject: str


@dataclass(frozen=True)
class DigestContent:
    subject: str
    title: str
    intro: str
    #: the series with a stored forecast, likeliest big move first
    forecasts: tuple[ForecastLine, ...]
    #: the series without one, said in a sentence (None: every series has one)
    no_forecast: str | None
    rows: tuple[SeriesRow, ...]
    held: tuple[HeldFiring, ...]
    #: held-back firings beyond :data:`MAX_HELD`, counted and not listed
    held_more: int
    sent: tuple[SentLine, ...]
    chart_caption: str
    footer: str = FOOTER
    #: one section per market scan, after the markets
    scans: tuple[ScanSection, ...] = ()


def digest_content(view: DigestView) -> DigestContent:
    """Everything the digest says about ``view``, worded."""
    zone = ZoneInfo(view.when.timezone)
    forecasts: list[tuple[float, ForecastLine]] = []
    missing: list[str] = []
    withheld: list[str] = []
    rows: list[SeriesRow] = []
    held: list[tuple[tuple[float, ...], HeldFiring]] = []
    sent: list[tuple[int, SentLine]] = []
    for day in view.rows:
        series = day.watched.series
        label = series.label
        forecast = _forecast(day)
        if forecast is None and day.latest is not None and not day.latest.health.healthy:
            withheld.append(f"{label} ({'; '.join(day.latest.health.reasons) or 'data not healthy'})")
        elif forecast is None:
            missing.append(label)
        else:
            forecasts.append((forecast.odds_now, _forecast_line(label, forecast)))
        day_held = _held(day, zone)
        day_sent = [d for d in day.decisions if d.status in EMAILED]
        held.extend(day_held)
        sent.extend(
            (
                d.candle_ts,
                SentLine(label, local_time(d.candle_ts + series.timeframe_ms, zone), _sent_subject(d, label)),
            )
            for d in day_sent
        )
        rows.append(_row(day, label, len(day_held), len(day_sent), _staleness(day, view.when.until_ms, zone)))
    for timeframe, decision in view.market:
        closed = local_time(decision.candle_ts + timeframe_ms(timeframe), zone)
        sent.append((decision.candle_ts, SentLine("Market", closed, _sent_subject(decision, f"Market {timeframe}"))))
    held.sort(key=lambda pair: pair[0], reverse=True)
    forecasts.sort(key=lambda pair: pair[0], reverse=True)
    alerts = len(sent)
    return DigestContent(
        subject=_subject(view, alerts, len(held)),
        title=f"Daily digest · {view.when.day:%A %d %B %Y}",
        intro=(
            f"Every series you watch, over the day from {local_time(view.when.since_ms, zone)} to "
            f"{local_time(view.when.until_ms, zone)}"
            + ("" if view.when.timezone == "UTC" else f" ({view.when.timezone})")
            + f": {len(rows)} series, {count(alerts, 'alert')} sent, {count(len(held), 'firing')} held back."
        ),
        forecasts=tuple(line for _, line in forecasts),
        no_forecast=_no_forecast(missing, withheld),
        rows=tuple(rows),
        held=tuple(h for _, h in held[:MAX_HELD]),
        held_more=max(0, len(held) - MAX_HELD),
        sent=tuple(line for _, line in sorted(sent, key=lambda pair: pair[0])),
        chart_caption=(
            "Closing prices of the last 7 days, one panel per series, each with its 7-day change; "
            "green when the week ended up, red when down."
        ),
        scans=tuple(scan_section(day) for day in view.scans),
    )


def _no_forecast(missing: Sequence[str], withheld: Sequence[str]) -> str | None:
    """The series without a forecast, said apart by why: none stored yet, or withheld because the latest candle's data
    failed its health check (the models' lagged features would read a gap as one long candle, so a model the
    series has predicts nothing then: "no model yet" would be wrong)."""
    said = []
    if missing:
        said.append(
            f"No volatility forecast stored for {', '.join(missing)} yet: the models are trained daily, once a "
            "series has enough history."
        )
    if withheld:
        said.append(
            f"Forecast withheld for {', '.join(withheld)}: the latest data failed its health check, and the models "
            "do not predict across bad data."
        )
    return " ".join(said) or None


def local_time(ms: int, zone: ZoneInfo) -> str:
    """``Wed 07:00 CET``: a moment on the recipient's clock."""
    return datetime.fromtimestamp(ms / 1000, tz=zone).strftime("%a %H:%M %Z")


def odds(probability: float) -> str:
    """A probability as a whole percentage, with the small ones kept visible: ``14%``, ``<1%``."""
    return "<1%" if 0 < probability < 0.005 else share(probability)


def _subject(view: DigestView, alerts: int, held: int) -> str:
    """``Daily digest Sat 15 Feb: 2 alerts sent, 5 firings held back``.

    Kept under 70 characters: the standard library folds a longer header
    whose value would fit on a line of its own onto the next line, and
    clients then show it with a leading space.
    """
    return f"Daily digest {view.when.day:%a %d %b}: {count(alerts, 'alert')} sent, {count(held, 'firing')} held back"


def _sent_subject(decision: LoggedAlert, label: str) -> str:
    """The alert's subject as emailed (it names the series), or what is known when none was recorded.

    An alert whose SES answer was lost says so, and so does one still in flight:
    the digest is where the reader learns of an alert that may never have
    reached them.
    """
    if decision.subject:
        subject = one_line(decision.subject)
    elif decision.status == "sending":
        subject = f"{label}: an alert"  # the log records the subject when SES accepts the email
    else:
        subject = f"{label}: an alert (its subject was not recorded)"
    return subject + {"unknown": UNKNOWN_NOTE, "sending": SENDING_NOTE}.get(decision.status, "")


# --- the forecast ---------------------------------------------------------------------------


def _forecast(day: SeriesDay) -> VolatilityForecast | None:
    if day.latest is None:
        return None
    tf = day.watched.series.timeframe_ms
    recent = [c for c in day.candles if c.ts >= day.latest.candle_ts - NORMAL_MS]
    return interval_forecast(day.latest.predictions, day.latest.close, candle_sigma(recent, tf))


def _independent(f: VolatilityForecast) -> str:
    """`` (15 non-overlapping 24h periods)``: the outcomes in ``f.n`` candles that share no candle, the sample a reader
    should weigh (the emails say it the same way, :func:`~crypto_advisor.forecast.prediction.sample_label`)."""
    if not f.n or f.horizon <= 1:
        return ""
    return f" ({f.n // f.horizon:,} non-overlapping {f.horizon_label} periods)"


def _forecast_line(label: str, f: VolatilityForecast) -> ForecastLine:
    span = f"the next {f.horizon_label}"
    range_text = (
        f"{share(f.level)} range for {span}: {format_price(f.low)} to {format_price(f.high)} "
        f"({signed_pct(f.low / f.close - 1)} to {signed_pct(f.high / f.close - 1)})."
    )
    # The odds are of where the close lands (the interval's own event), not of touching the level on the way: a
    # move that reaches 5% and comes back is not counted, so "within" would understate how often it is touched.
    odds_text = f"The close {f.horizon_label} from now {MOVE_PCT:g}% or more away, either way: {odds(f.odds_now)} now"
    if f.odds_normal is None:
        odds_text += "; too little history to say what is normal."
    else:
        odds_text += f", against {odds(f.odds_normal)} normally (its last 30 days)."
    if f.coverage is None:
        record = "Its out-of-sample record is unknown"
    else:
        baseline = (
            f" (historical volatility's: {share(f.baseline_coverage)})" if f.baseline_coverage is not None else ""
        )
        sample = f" on {count(f.n, 'candle')}{_independent(f)}" if f.n else ""
        record = f"Out of sample{sample} the range held {share(f.coverage)} of the time{baseline}"
    record += (
        ": better than historical volatility (GARCH)."
        if f.beats_baseline
        else ": no better than historical volatility, for information only (GARCH)."
    )
    return ForecastLine(label, range_text, odds_text, record, f.beats_baseline)


# --- the rows -------------------------------------------------------------------------------


def _row(day: SeriesDay, label: str, held: int, sent: int, note: str | None) -> SeriesRow:
    series = day.watched.series
    activity = f"{count(held, 'firing')} held back, {count(sent, 'alert')} sent"
    if day.error is not None:
        return SeriesRow(label, "n/a", "n/a", "n/a", 0, "n/a", "n/a", "n/a", activity, one_line(day.error))
    last = day.candles[-1] if day.candles else None
    close = last.close if last is not None else day.latest.close if day.latest is not None else None
    change_24h = change_7d = None
    if last is not None:
        change_24h = change_since(day.candles, last.ts, last.close, DAY_MS)
        change_7d = change_since(day.candles, last.ts, last.close, CHART_MS)
    trend, volatility = _regime(day)
    return SeriesRow(
        label=label,
        price=f"{price(close)} {series.quote}" if close is not None else "n/a",
        change_24h=signed_pct(change_24h),
        change_7d=signed_pct(change_7d),
        sign_24h=0 if change_24h is None or change_24h == 0 else int(math.copysign(1, change_24h)),
        trend=trend,
        volatility=volatility,
        news=news_mood(day.latest.news if day.latest is not None else None),
        activity=activity,
        note=note,
    )


def _regime(day: SeriesDay) -> tuple[str, str]:
    """Trend and volatility in the alert email's snapshot words, with the day's swings against the usual ones."""
    if day.latest is None:
        return "n/a (no signal stored yet)", "n/a (no signal stored yet)"
    series = day.watched.series
    view = AlertView(signal=day.latest, series=series, firings=(), candles=day.candles)
    facts = {fact.label.split(" (")[0]: fact for fact in snapshot(view)}
    trend, atr = facts.get("Trend"), facts.get("Volatility")
    trend_text = "n/a" if trend is None or trend.value == "n/a" else f"{trend.note} (ADX {trend.value})"
    volatility = (
        "n/a" if atr is None or atr.value == "n/a" else f"ATR {atr.value}" + (f", {atr.note}" if atr.note else "")
    )
    ratio = realized_ratio(day.candles, series.timeframe_ms, DAY_MS // series.timeframe_ms)
    if ratio is not None:
        volatility += f"; the last day swung {ratio:.1f}x as much as usual: {_swings(ratio)}"
    return trend_text, volatility


def _swings(ratio: float) -> str:
    if ratio < 0.7:
        return "calm"
    if ratio < 1.3:
        return "normal"
    if ratio < 2.0:
        return "elevated"
    return "stormy"


def news_mood(news: NewsDigest | None) -> str:
    """The 24 h mood against the 7-day mood, in the alert email's words, on one line."""
    if news is None:
        return "no news input"
    if news.status == "off":
        return "news is off (no NewsAPI key)"
    if news.status == "unavailable":
        return "news could not be read for this signal"
    mood = news.mood
    if news.status == "no_articles" or mood is None or mood.mean_24h is None:
        return "no articles in the last 24 hours"
    text = f"{score(mood.mean_24h)} {mood_word(mood.mean_24h)} ({stories_phrase(mood.count_24h, mood.articles_24h)})"
    if mood.mean_7d is not None:
        text += f" vs {score(mood.mean_7d)} over 7 days"
    if mood.other_languages_24h:
        text += f"; {count(mood.other_languages_24h, 'article')} in other languages not scored"
    names = in_the_news(news)
    return text + (f"; in the news: {names}" if names else "")


def _staleness(day: SeriesDay, until_ms: int, zone: ZoneInfo) -> str | None:
    """A note when no candle closed in the last two candle lengths of the span: ingest or its source stalled.

    ``until_ms`` is the span's end (the due instant), not the run's time: the row's candles stop there, so a digest
    caught up hours late is not called stale for candles that belong to the next one.
    """
    tf = day.watched.series.timeframe_ms
    if not day.candles:
        return "no candles stored yet"
    closed = day.candles[-1].ts + tf
    if closed + 2 * tf <= until_ms:
        return f"no new candle since the one that closed {local_time(closed, zone)}"
    return None


# --- held-back firings ----------------------------------------------------------------------


def _held(day: SeriesDay, zone: ZoneInfo) -> list[tuple[tuple[float, ...], HeldFiring]]:
    """The day's firings on healthy data that no alert carried, each with its rank key (larger: earlier)."""
    series = day.watched.series
    decisions = {d.candle_ts: d for d in day.decisions}
    out: list[tuple[tuple[float, ...], HeldFiring]] = []
    for signal in day.signals:
        if not signal.health.healthy:
            continue  # bad data never makes news, held back or not
        decision = decisions.get(signal.candle_ts)
        for firing in signal.firings:
            if firing.suppressed:
                continue
            if decision is not None and decision.status in EMAILED and firing.rule_id in decision.rules:
                continue  # the candle's alert carried it
            out.append(
                (
                    _rank(firing, signal.candle_ts),
                    HeldFiring(
                        label=series.label,
                        when=local_time(signal.candle_ts + series.timeframe_ms, zone),
                        title=rule_title(firing.rule_id, firing.direction),
                        direction=firing.direction,
                        severity_name=SEVERITY_NAMES.get(firing.severity, str(firing.severity)),
                        rarity=one_line(firing.rarity.words) if firing.rarity is not None else "rarity not measured",
                        held=_why_held(signal, decision),
                    ),
                )
            )
    return out


def _rank(firing: FiringRecord, candle_ts: int) -> tuple[float, ...]:
    """Rarest first (record length in candles); firings without a rarity after, by severity; newer first on ties."""
    rarity = firing.rarity
    return (1.0 if rarity is not None else 0.0, rarity.score if rarity is not None else 0.0, firing.severity, candle_ts)


def _carried(signal: Signal, decision: LoggedAlert) -> str:
    """The firings the candle's alert carried, by title (``RSI oversold, Volume spike``), as the log names them."""
    titles = [rule_title(f.rule_id, f.direction) for f in signal.firings if f.rule_id in decision.rules]
    return ", ".join(dict.fromkeys(titles)) or "other firings"


def _why_held(signal: Signal, decision: LoggedAlert | None) -> str:
    """Why a firing of ``signal`` made no alert, from what the log recorded about its candle, in words."""
    if decision is None:
        return "no alert decision recorded yet"
    if decision.status in EMAILED:  # the candle's alert carried other firings; the log does not say why not this one
        return LEFT_OUT.format(carried=_carried(signal, decision))
    reason = decision.reason
    return HELD_REASONS.get(reason or "", one_line((reason or "held back").replace("_", " ")))
