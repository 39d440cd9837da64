"""What the email says, worded and formatted once, so the text part and the HTML part say the same thing.

:func:`email_content` turns an :class:`~crypto_advisor.notify.view.AlertView`
into :class:`EmailContent`: plain strings per section (the firings with their
track record, the snapshot, the news, predictions, data health, the footer).
:mod:`.text` and :mod:`.html` only lay it out; neither computes a number or
words a sentence. Strings here are *not* escaped: they carry outside text
(headlines, sources, URLs, rule sentences) as it came, and escaping is the HTML
layout's job, done at the one place where text meets markup.

Every outside string is flattened to one line (control characters and line
breaks become spaces) so a headline cannot break the layout of the plain-text
part, and the subject cannot carry a header of its own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crypto_advisor.analysis.edge_verdicts import EDGE, TOO_FEW, WORSE, dropped_by_correction
from crypto_advisor.analysis.firing import SEVERITY_NAMES
from crypto_advisor.analysis.firing_strength import stronger_than
from crypto_advisor.analysis.rule_titles import title_of
from crypto_advisor.contracts.alerts import OverBudget
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.news import Headline, NewsDigest, is_web_url
from crypto_advisor.contracts.signal import FiringRecord
from crypto_advisor.contracts.units import DAY_MS, HOUR_MS, MINUTE_MS, WEEK_MS
from crypto_advisor.market.indicator_spec import DEFAULT_PARAMS
from crypto_advisor.market.numbers import MAX_DECIMALS, num, plain, price, qty
from crypto_advisor.notify.context_words import context_lines, sigmas
from crypto_advisor.notify.grading import CALL_PROBABILITY, LiveRecord
from crypto_advisor.notify.links import EmailLinks
from crypto_advisor.notify.view import AlertView, EmailHorizon, EmailRecord, RuleRecord

FOOTER = "Not financial advice. crypto-advisor reports what its rules and models saw; it can be wrong."

#: Headlines an email lists: enough to see what the mood is about, few enough to read on a phone.
MAX_HEADLINES = 5
#: Longest subject: what a phone's inbox list shows, with room to spare.
MAX_SUBJECT = 120
#: VADER's own convention: a compound score within +-0.05 is neutral.
VADER_NEUTRAL = 0.05
#: ADX below this: no trend; up to TRENDING: a weak one (Wilder's reading of ADX).
ADX_NO_TREND = 20.0
ADX_TRENDING = 25.0
#: How a rule record words the out-of-sample edge test's verdict (anything else: no evidence of an edge).
EDGE_WORDS = {EDGE: "better than chance", WORSE: "worse than chance"}

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\s]+")


# --- numbers and words -------------------------------------------------------------------


def one_line(text: object) -> str:
    """``text`` with every run of whitespace and control characters (CR, LF, NUL...) made one space."""
    return _UNPRINTABLE.sub(" ", str(text)).strip()


def number(x: float | None, significant: int = 4) -> str:
    """A plain number to ``significant`` digits, no trailing zeros: ``26.4``, ``1,234``, ``0.0123``."""
    if x is None or not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    return plain(x, min(max(0, significant - 1 - math.floor(math.log10(abs(x)))), MAX_DECIMALS))


def signed_pct(fraction: float | None) -> str:
    """A change as a signed percentage: ``+1.23%``, ``-0.40%``."""
    if fraction is None or not math.isfinite(fraction):
        return "n/a"
    return f"{fraction * 100:+.2f}%"


def share(fraction: float, decimals: int = 0) -> str:
    """A share as a percentage: ``58%``, or ``42.8%`` with one decimal where a few points are the news."""
    return f"{fraction:.{decimals}%}"


def score(compound: float | None) -> str:
    """A VADER compound score, signed: ``+0.42``."""
    if compound is None or not math.isfinite(compound):
        return "n/a"
    return f"{compound:+.2f}"


def mood_word(compound: float | None) -> str:
    """VADER's reading of a compound score: positive, negative or neutral."""
    if compound is None or not math.isfinite(compound):
        return "no reading"
    if compound >= VADER_NEUTRAL:
        return "positive"
    if compound <= -VADER_NEUTRAL:
        return "negative"
    return "neutral"


def utc(ms: int) -> str:
    """An epoch-milliseconds time as ``2026-01-01 15:00 UTC``."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def utc_date(ms: int) -> str:
    """An epoch-milliseconds time as its UTC day: ``2026-01-01``."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d")


def duration(ms: int) -> str:
    """A length of time in the largest whole unit: ``30 minutes``, ``1 hour``, ``4 days``."""
    for unit_ms, name in ((WEEK_MS, "week"), (DAY_MS, "day"), (HOUR_MS, "hour"), (MINUTE_MS, "minute")):
        if ms >= unit_ms and ms % unit_ms == 0:
            count = ms // unit_ms
            return f"{count} {name}{'' if count == 1 else 's'}"
    return f"{ms / 1000:g} seconds"


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``21st``."""
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def count(n: int, noun: str) -> str:
    """``1 article``, ``12 articles``, ``1,800 candles``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def more_rules(n: int) -> str:
    """``1 more rule``, ``3 more rules``: the firings a subject does not name."""
    return f"{n:,} more rule{'' if n == 1 else 's'}"


def rule_title(rule_id: str, direction: str) -> str:
    """How a rule reads in a subject or a heading; one the analysis does not know (an old Signal's) reads as its id."""
    return title_of(rule_id, direction) or one_line(rule_id)


# --- the content ------------------------------------------------------------------------


@dataclass(frozen=True)
class FiringItem:
    """One firing as the email shows it."""

    title: str
    direction: str
    severity: int
    severity_name: str
    sentence: str
    #: value, threshold and how far past it, in the rule's unit
    figures: str
    #: how unusual the event is on this series ("the largest hourly volume in 12 days"), when measured
    rarity: str | None
    #: the rule's track record on this series, when the replay has one
    history: str | None
    #: why the firing was held back, when it was (the notifier normally sends none of these)
    suppressed: str | None


@dataclass(frozen=True)
class Fact:
    """One line of the snapshot: a label, its value, and what the value means."""

    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class HeadlineItem:
    title: str
    source: str
    when: str
    score: str
    #: the article's address, only when it is an http(s) URL: the only kind that may become a link
    link: str | None
    #: any other address, shown as text and never as a link
    unlinked_url: str | None
    #: how many outlets carried the story: ``3 outlets``; None for one
    outlets: str | None = None


@dataclass(frozen=True)
class NewsContent:
    #: one or two sentences: the mood, or why there is none
    summary: tuple[str, ...]
    headlines: tuple[HeadlineItem, ...]
    #: ``In the news: SEC, BlackRock, El Salvador.``; None when the day's stories name no one
    in_the_news: str | None = None


@dataclass(frozen=True)
class PredictionItem:
    """One prediction as the email shows it: its sentence (the backtest skill is in it) and its live record."""

    text: str
    #: how the model's emailed predictions on this series fared, when some were graded
    live: str | None
    #: the model beat its baseline out of sample; False: shown for information only, never first
    skilled: bool
    #: the prediction the analysis chose to lead with (only ever a skilled one)
    headline: bool = False


#: What a prediction whose model did not beat its baseline says, if its sentence does not already.
INFORMATION_ONLY = "for information only"


@dataclass(frozen=True)
class EmailContent:
    subject: str
    #: ``BTC/USD 1h · Bitcoin``
    title: str
    #: what fired, on which candle
    intro: str
    #: set when the data behind the signal is unhealthy or a firing was suppressed
    warning: str | None
    firings: tuple[FiringItem, ...]
    #: the move against BTC's at the coin's beta, and against the 4h and 1d trends; empty without a context
    context: tuple[str, ...]
    snapshot: tuple[Fact, ...]
    #: alt text of the chart, which shows the same candles
    chart_caption: str
    #: None when the signal carries no news at all
    news: NewsContent | None
    #: skilled predictions first, the headline first of all
    predictions: tuple[PredictionItem, ...]
    footer: str = FOOTER
    #: the series page, the one-click mutes and the unsubscribe of this recipient; None without a dashboard
    links: EmailLinks | None = None
    #: how the series' past alerts fared (:func:`email_record_words`); None: no record, no section
    past_alerts: str | None = None


def email_content(view: AlertView) -> EmailContent:
    """Everything the email says about ``view``, worded."""
    ordered = view.ordered_firings
    tf_ms = view.series.timeframe_ms
    return EmailContent(
        subject=subject(view),
        title=" · ".join(one_line(p) for p in (view.series.label, view.coin_name) if p and one_line(p)),
        intro=_intro(view, len(ordered)),
        warning=_warning(view),
        firings=tuple(_firing_item(f, view.rule_records.get(f.rule_id), tf_ms) for f in ordered),
        context=context_lines(view.series, view.signal.market),
        snapshot=snapshot(view),
        chart_caption=(
            f"Chart of {view.series.label}: price with Bollinger bands and EMAs 9/21/50, "
            "volume, RSI and MACD, the firings marked on the last candle."
        ),
        news=news_content(view.signal.news),
        predictions=predictions(view.signal.predictions, view.live_records),
        links=view.links,
        past_alerts=(
            email_record_words(
                view.email_record,
                view.series.label,
                tf_ms,
                headline_rule=view.headline.rule_id if view.headline is not None else None,
            )
            if view.email_record
            else None
        ),
    )


def subject(view: AlertView) -> str:
    """``BTC/USD 1h: RSI oversold (bullish) at 95,123.45 (+2 more rules)``: one line, at most :data:`MAX_SUBJECT`.

    The count names its noun: after a rarity ("the lowest close in 25 weeks") a bare "and 3 more" read as 3 more
    weeks."""
    ordered = view.ordered_firings
    where = view.series.label
    at = f"at {price(view.signal.close)}"
    if not ordered:
        text = f"{where}: update {at}"
    else:
        first = ordered[0]
        direction = f" ({first.direction})" if first.direction != "neutral" else ""
        more = f" (+{more_rules(len(ordered) - 1)})" if len(ordered) > 1 else ""
        rare = f", {first.rarity.words}" if first.rarity is not None and first.rarity.measure != "none" else ""
        head = one_line(f"{where}: {rule_title(first.rule_id, first.direction)}{direction} {at}{rare}")
        # a long rarity is what is cut, never the count of the other rules, which says the email holds more
        room = MAX_SUBJECT - len(more)
        return (head if len(head) <= room else head[: room - 1].rstrip() + "…") + more
    text = one_line(text)
    return text if len(text) <= MAX_SUBJECT else text[: MAX_SUBJECT - 1].rstrip() + "…"


def _intro(view: AlertView, fired: int) -> str:
    """``2 rules fired on the ... candle``; where more fired than the email carries (weaker, not rare enough, in
    cooldown or muted), it says how many in all and where the rest went, so "1 rule fired" never stands under a
    candle on which three did."""
    closed = utc(view.signal.candle_ts + view.series.timeframe_ms)
    in_all = len({f.rule_id for f in view.signal.active_firings} | {f.rule_id for f in view.firings})
    what = "Nothing fired" if fired == 0 else f"{count(fired, 'rule')} fired"
    if in_all > fired > 0:
        what = f"{what} for this alert ({in_all} in all; the others were weaker, less rare, in cooldown or muted)"
    said = (
        f"{what} on the {view.series.label} candle that closed at {closed} "
        f"({view.series.source}), close {price(view.signal.close)} {view.series.quote}."
    )
    over = over_budget_line(view.series.pair, view.over_budget) if view.over_budget is not None else None
    return f"{said} {over}" if over else said


def over_budget_line(pair: str, over: OverBudget) -> str:
    """Why an alert came although the series' weekly budget was spent, with the figures the policy compared:
    ``Your 4th ETH/USD alert in 7 days, over the weekly budget of 3: this candle moved 12.4 sigma of the coin's own
    volatility, beyond each of them (the largest 4.0 sigma).`` (the over-budget test,
    :func:`~crypto_advisor.analysis.alert_budget.over_budget`). A user who set a few emails a week judges the
    exception by these numbers; without them, "more unusual" was a claim to take on trust."""
    said = f"Your {ordinal(over.nth)} {pair} alert in 7 days, over the weekly budget of {over.cap}: "
    if over.move_sigma is None:
        return said + "this move is more unusual than each of them."
    moved = f"this candle moved {sigmas(over.move_sigma)} of the coin's own volatility, beyond each of them"
    largest = f" (the largest {sigmas(over.week_sigma)})" if over.week_sigma is not None else ""
    return f"{said}{moved}{largest}, on a record as long as the analysis can see."


def _warning(view: AlertView) -> str | None:
    parts = []
    health = view.signal.health
    if not health.healthy:
        reasons = "; ".join(one_line(r) for r in health.reasons) or "no reason given"
        parts.append(f"The data behind this signal is not healthy ({reasons}): the figures may be wrong.")
    held = [f for f in view.firings if f.suppressed]
    if held:
        parts.append(f"{count(len(held), 'firing')} of this email would normally have been held back.")
    return " ".join(parts) or None


def _firing_item(firing: FiringRecord, record: RuleRecord | None, timeframe_ms: int) -> FiringItem:
    past = "past it" if firing.distance >= 0 else "short of it"
    unit = one_line(firing.unit)
    amount = (
        f"{number(abs(firing.distance))}{unit}"
        if unit.startswith(("%", "x "))
        else f"{number(abs(firing.distance))} {unit}"
    )
    return FiringItem(
        title=rule_title(firing.rule_id, firing.direction),
        direction=firing.direction,
        severity=firing.severity,
        severity_name=SEVERITY_NAMES.get(firing.severity, str(firing.severity)),
        sentence=one_line(firing.sentence),
        figures=f"value {number(firing.value, 6)}, threshold {number(firing.threshold, 6)}, {amount} {past}",
        rarity=_rarity_line(firing, record),
        history=track_record(record, firing.direction, timeframe_ms) if record is not None else None,
        suppressed=(one_line(firing.suppressed_reason or "suppressed") if firing.suppressed else None),
    )


def _rarity_line(firing: FiringRecord, record: RuleRecord | None) -> str | None:
    """``How unusual: the largest hourly volume in 12 days (4.2x its average); stronger than 93% of this rule's
    412 past firings on this series.`` or None when neither is known."""
    parts = [firing.rarity.words] if firing.rarity is not None else []
    if record is not None and record.strength is not None:
        n, quantiles = record.strength
        share = stronger_than(firing.distance, quantiles)
        parts.append(f"stronger than {share:.0%} of this rule's {n:,} past firings on this series")
    return f"How unusual: {'; '.join(parts)}." if parts else None


def track_record(record: RuleRecord, direction: str, timeframe_ms: int) -> str:
    """The rule's replay figures in one sentence.

    The hit rate is direction-aware: each firing counts as a hit when the
    price moved the way *that* firing pointed (up after a bullish one, down
    after a bearish one), and the base rate is the same share over every
    candle. A rule that fires both ways therefore has one figure for both, and
    the sentence says "the way it pointed", not "up". Neutral rules (squeeze,
    ATR spike) count a move larger than the median move.

    The verdict is the replay's out-of-sample test
    (:mod:`crypto_advisor.analysis.rule_edge`: walk-forward, t >= 2 over
    non-overlapping firings, kept by Benjamini-Hochberg over every rule and
    horizon), never the gap between the two shares: a gap of several points
    over a few dozen overlapping firings is what chance alone gives. Anything
    short of a significant verdict, including figures from a report that
    predates the test, reads "no evidence of an edge".
    """
    later = candles_later(record.horizon_candles, timeframe_ms)
    if direction == "neutral":
        moved = "price had moved more than its median move"
    else:
        moved = "price had moved the way the rule pointed"
    verdict = EDGE_WORDS.get(record.verdict, "no evidence of an edge")
    blocks = None if record.blocks is None else count(record.blocks, "non-overlapping firing")
    if record.verdict == TOO_FEW and blocks is not None:
        verdict += f" (only {blocks}, too few to test)"
    elif blocks is not None and record.t is not None:
        # a t past the bar that Benjamini-Hochberg did not keep would read as a contradiction: say why
        short = ", short of significance once every rule and horizon tested is counted"
        corrected = short if dropped_by_correction(record.verdict, record.t) else ""
        # the shares above are over every firing, the test over the non-overlapping ones: its own gap says which
        # way they went, so "56% vs 49%" beside "t = -0.1" is not a riddle
        own = ""
        if record.excess is not None:
            own = f": {abs(record.excess) * 100:.1f} points {'above' if record.excess >= 0 else 'below'} any candle"
        verdict += f" (t = {record.t:.1f} over {blocks}{own}{corrected})"
    elif blocks is not None:
        verdict += f" ({blocks})"
    # A directional record counts an unchanged close as half either way (analysis.rule_edge.directional_hits): say
    # so, or a thin pair's 50% would read as a claim about moves that mostly did not happen.
    half = "" if direction == "neutral" else ", counting an unchanged close as half"
    return (
        f"Historically on this series, {later} {moved} {share(record.hit_rate)} of the time "
        f"vs {share(record.base_rate)} for any candle{half} (n={record.firings:,} in "
        f"{count(record.replayed_candles, 'candle')} replayed): {verdict}."
    )


def candles_later(candles: int, timeframe_ms: int) -> str:
    """``24 candles (1 day) later``: a horizon in candles, and in time on this series."""
    return f"{count(candles, 'candle')} ({duration(candles * timeframe_ms)}) later"


#: Why a record starts later than the archive: its replay (and the rules' records) begin after the archive's last gap.
AFTER_GAP = " (after the last gap in its candles)"


def email_record_words(
    record: EmailRecord, label: str, timeframe_ms: int, *, headline_rule: str | None = None
) -> str | None:
    """How the series' past alerts fared, in two sentences; None when no horizon has an outcome.

    A rule's record (:func:`track_record`) cannot tell whether the emails as
    sent point the right way: the policy picks among firings. This is the
    record of those picks, the headlines of every email the live policy would
    have sent (:class:`~crypto_advisor.notify.view.EmailRecord`), so it only
    speaks of the alerts that pointed up or down, whatever this email's own
    headline is. Each horizon's share is over the alerts its test counts, those
    whose outcome windows do not overlap (a burst of alerts on one move is one
    outcome), and says how many: "42.8% of 577" (over all of them the share can
    differ by a few points). As in :func:`track_record`, the verdict is the
    out-of-sample test's and never the gap between the two shares: horizons the
    test backs come first, each with its t; the others are grouped under one
    verdict; a horizon with too few alerts to test gives its count, not its
    share (75% of 4 reads as a claim whatever words follow).

    When the emails headlined by this email's own rule (``headline_rule``) fared better or worse than chance on their
    own, every headline rule and horizon tested together, a last sentence says so: on XRP/USD daily the alerts
    headlined by a 24-hour move went their way a day later 35.6% of the time, which the pooled figure did not tell
    apart from the other rules'. Nothing is said of a rule without such a finding (the pooled sentence stands).
    """
    if not record.horizons:
        return None
    said = _email_record_sentences(record, label, timeframe_ms)
    own = _own_rule_words(record, headline_rule, timeframe_ms)
    return f"{said} {own}" if own else said


def _own_rule_words(record: EmailRecord, rule: str | None, timeframe_ms: int) -> str | None:
    """``Alerts headlined by this email's rule: 1 candle (1 day) later 35.6% of 90 vs 50.0%, worse than chance (t =
    -2.7), ...``; None when the rule has no significant horizon."""
    found = [h for h in record.by_rule.get(rule, ()) if h.verdict in EDGE_WORDS] if rule is not None else []
    if not found:
        return None
    figures = "; ".join(f"{_email_figures(h, timeframe_ms)}, {_significant_words(h)}" for h in found)
    return (
        f"Alerts headlined by this email's rule on their own: {figures}, with every headline rule and horizon "
        "tested together."
    )


def _email_record_sentences(record: EmailRecord, label: str, timeframe_ms: int) -> str:
    """The series-wide record of :func:`email_record_words`."""
    sent = (
        f"With your settings, {count(record.emails, 'alert')} would have been emailed on {one_line(label)} "
        f"from {utc_date(record.from_ts)}{AFTER_GAP if record.after_gap else ''} to {utc_date(record.to_ts)}, "
        f"{record.directional:,} of them pointing up or down"
    )
    judged = [h for h in record.horizons if h.verdict != TOO_FEW]
    too_few = [h for h in record.horizons if h.verdict == TOO_FEW]
    if not judged:
        return f"{sent}: too few non-overlapping emails to judge how they fared yet ({_counts(too_few, named=True)})."
    clauses = [
        f"{', '.join(_email_figures(h, timeframe_ms) for h in group)}, {words}"
        for group, words in _verdict_groups(judged)
    ]
    if too_few:
        clauses.append(f"{', '.join(candles_later(h.candles, timeframe_ms) for h in too_few)}, {_unjudged(too_few)}")
    lead = (
        "How often the price then went their way (an unchanged close counting half; alerts whose outcomes overlap "
        "counted once), against any candle:"
    )
    return f"{sent}. {lead} {'; '.join(clauses)}."


def _verdict_groups(horizons: Sequence[EmailHorizon]) -> list[tuple[list[EmailHorizon], str]]:
    """The judged horizons under their verdict's words: each significant one on its own, then no evidence."""
    groups = [([h], _significant_words(h)) for h in horizons if h.verdict in EDGE_WORDS]
    no_evidence = [h for h in horizons if h.verdict not in EDGE_WORDS]
    if no_evidence:
        groups.append((no_evidence, _no_evidence_words(no_evidence)))
    return groups


def _unjudged(horizons: Sequence[EmailHorizon]) -> str:
    """``too few non-overlapping emails to judge (8 and 5)``, of the horizons named just before it."""
    return f"too few non-overlapping emails to judge ({_counts(horizons)})"


def _counts(horizons: Sequence[EmailHorizon], *, named: bool = False) -> str:
    """The horizons' non-overlapping emails: one count when every horizon has it (a young series' usual case), else
    each horizon's in turn (``8 and 5``), ``named`` with its horizon when no horizon was named before it (``13, 8
    and 2 at 1, 4 and 24 candles``)."""
    blocks = [f"{h.blocks:,}" for h in horizons]
    if len(set(blocks)) == 1:
        return blocks[0]
    listed = f"{', '.join(blocks[:-1])} and {blocks[-1]}"
    if not named:
        return listed
    candles = [str(h.candles) for h in horizons]
    return f"{listed} at {', '.join(candles[:-1])} and {candles[-1]} candles"


def _email_figures(horizon: EmailHorizon, timeframe_ms: int) -> str:
    """``1 candle (1 day) later 42.8% of 577 vs 50.0%``: the share of the alerts the test counts, and of any candle."""
    later = candles_later(horizon.candles, timeframe_ms)
    return f"{later} {share(horizon.hit_rate, 1)} of {horizon.blocks:,} vs {share(horizon.base_rate, 1)}"


def _significant_words(horizon: EmailHorizon) -> str:
    """``worse than chance (t = -3.5)``."""
    return EDGE_WORDS[horizon.verdict] + (f" (t = {horizon.t:.1f})" if horizon.t is not None else "")


def _no_evidence_words(horizons: Sequence[EmailHorizon]) -> str:
    """``no evidence of an edge``, with the edge the weakest of the tests could have missed when all of them say.

    A horizon's detectable edge is the excess at which its t just reaches the
    bar: a smaller edge would not have been detected. So "no evidence" reads
    with what it is worth, from the weakest test of the group (the largest
    detectable edge): a few hundred emails can rule out a 5-point edge, a few
    dozen cannot rule out a 15-point one. Rounded like the CLI's words, "about".
    """
    edges = [h.detectable_edge for h in horizons]
    # a t past the bar that the horizons' joint correction did not keep would read as a contradiction: say why
    past_bar = [h for h in horizons if dropped_by_correction(h.verdict, h.t)]
    short = ""
    if past_bar:
        which = " and ".join(f"{h.candles}-candle" for h in past_bar)
        short = f"; the {which} t of {past_bar[0].t:.1f} falls short once the horizons are tested together"
    if not edges or any(e is None for e in edges):
        return f"no evidence of an edge{short}"
    points = round(max(e for e in edges if e is not None) * 100)
    unseen = f"an edge under about {count(points, 'percentage point')} could have gone unseen"
    return f"no evidence of an edge ({unseen}{short})"


# --- the snapshot ---------------------------------------------------------------------------


def change_since(candles: Sequence[Candle], candle_ts: int, close: float, ago_ms: int) -> float | None:
    """Close-to-close change from the candle that opened ``ago_ms`` before ``candle_ts``, or None.

    By time, not by candle count, so "1h change" means the same on every
    timeframe; None when that candle is not in the window (e.g. 1h on 4h
    candles, or 24h with less than a day of history).
    """
    then = next((c for c in candles if c.ts == candle_ts - ago_ms), None)
    if then is None or not math.isfinite(close):
        return None
    return close / then.close - 1


def snapshot(view: AlertView) -> tuple[Fact, ...]:
    """Close, 1h and 24h change, volume against the candles before it, RSI, trend (ADX) and volatility (ATR).

    A change over less than one of the series' candles is left out: no candle opened an hour before a 4h or daily
    one, so its "1h change" could only ever read n/a."""
    signal, p = view.signal, DEFAULT_PARAMS
    ind = signal.indicators
    candles = view.candles
    close = signal.close
    facts = [Fact("Close", f"{price(close)} {view.series.quote}")]
    for label, ago in (("1h change", HOUR_MS), ("24h change", DAY_MS)):
        if ago >= view.series.timeframe_ms:
            facts.append(Fact(label, signed_pct(change_since(candles, signal.candle_ts, close, ago))))
    facts.append(_volume(candles, signal.candle_ts, p.volume_ma))
    rsi = ind.get(p.rsi_column)
    facts.append(Fact(f"RSI({p.rsi})", number(rsi, 3), _rsi_note(rsi)))
    facts.append(_trend(ind.get(p.adx_column), ind.get(p.plus_di_column), ind.get(p.minus_di_column), p.adx))
    facts.append(_volatility(ind.get(p.atr_column), close, p.atr))
    return tuple(facts)


def _volume(candles: Sequence[Candle], candle_ts: int, period: int) -> Fact:
    """The candle's volume against the average of the ``period`` candles before it, in the volume rule's words.

    The volume spike rule and the rarity line judge a volume against the candles *before* it (a spike must not
    inflate its own baseline); an average that included the candle would put a second, smaller ratio in the same
    email ("5.8x" in the rule, "4.57x" here). The volume reads like the rule's sentence too: ``31.76M``, ``3.18T``.
    """
    label = "Volume"
    at = _index_of(candles, candle_ts)
    if at is None:
        return Fact(label, "n/a")
    current = candles[at].volume
    if current is None:
        return Fact(label, "missing", "the source had no volume for this candle; the volume rules skipped it")
    before = [c.volume for c in candles[max(0, at - period) : at]]
    return Fact(label, qty(current), _against_before(current, before, period))


def volume_ratio(candles: Sequence[Candle], candle_ts: int, period: int) -> float | None:
    """The candle's volume over the average of the ``period`` candles before it, as the email's volume row and the
    volume spike rule read it (the dashboard's overview shows the same ratio); None where the row gives none."""
    at = _index_of(candles, candle_ts)
    current = candles[at].volume if at is not None else None
    if at is None or current is None:
        return None
    average = _average_before([c.volume for c in candles[max(0, at - period) : at]], period)
    return current / average if average is not None else None


def _index_of(candles: Sequence[Candle], candle_ts: int) -> int | None:
    return next((i for i in range(len(candles) - 1, -1, -1) if candles[i].ts == candle_ts), None)


def _average_before(before: Sequence[float | None], period: int) -> float | None:
    """The average volume of ``period`` candles; None with fewer, a missing volume among them, or nothing traded."""
    if len(before) < period or any(v is None for v in before):
        return None
    average = math.fsum(v for v in before if v is not None) / period
    return average if average > 0 else None


def _against_before(current: float, before: Sequence[float | None], period: int) -> str:
    """``5.77x the average of the 20 candles before it, 5.51M``, or why there is no such average (as the rule has
    none: too little history, a missing volume among them, nothing traded)."""
    baseline = f"average of the {period} candles before it"
    average = _average_before(before, period)
    if average is not None:
        return f"{current / average:.2f}x the {baseline}, {qty(average)}"
    if len(before) < period:
        return f"no {baseline} yet: only {count(len(before), 'candle')} of history"
    unknown = sum(v is None for v in before)
    if unknown:
        return f"no {baseline}: {unknown} of them {'has' if unknown == 1 else 'have'} no volume"
    return f"nothing traded in the {period} candles before it"


def _rsi_note(rsi: float | None) -> str:
    if rsi is None or not math.isfinite(rsi):
        return ""
    if rsi <= 30:
        return "oversold: at or below 30"
    if rsi >= 70:
        return "overbought: at or above 70"
    return "between 30 and 70"


def _trend(adx: float | None, plus_di: float | None, minus_di: float | None, period: int) -> Fact:
    """The trend's strength and side on the series' own candles, this one included: the market context's trend line
    is the 4h and 1d trends *before* this candle, so the two can differ on a candle that turned, and the label says
    which this is. The DIs with one decimal, as the ADX ("+DI 9.6 vs -DI 36.5", not "9.59 vs 36.5")."""
    label = f"Trend (ADX {period}, this candle included)"
    if adx is None or not math.isfinite(adx):
        return Fact(label, "n/a")
    di = ""
    side = ""
    if plus_di is not None and minus_di is not None and math.isfinite(plus_di) and math.isfinite(minus_di):
        di = f"+DI {num(plus_di)} vs -DI {num(minus_di)}"
        side = "up" if plus_di > minus_di else "down" if plus_di < minus_di else "sideways"
    if adx < ADX_NO_TREND:
        regime = "no clear trend"
    elif adx < ADX_TRENDING:
        regime = f"weak trend {side}".strip()
    else:
        regime = f"trending {side}".strip()
    return Fact(label, number(adx, 3), f"{regime}, {di}" if di else regime)


def _volatility(atr: float | None, close: float, period: int) -> Fact:
    label = f"Volatility (ATR {period})"
    if atr is None or not math.isfinite(atr):
        return Fact(label, "n/a")
    note = f"{atr / close * 100:.2f}% of the close per candle" if math.isfinite(close) and close > 0 else ""
    return Fact(label, price(atr), note)


# --- news and predictions -------------------------------------------------------------------


def news_content(digest: NewsDigest | None) -> NewsContent | None:
    """The news section: the mood of the last 24 hours against the last 7 days, and the top headlines."""
    if digest is None:
        return None
    if digest.status == "off":
        return NewsContent(("News is off (no NewsAPI key).",), ())
    if digest.status == "unavailable":
        return NewsContent(("News could not be read for this alert.",), ())
    if digest.status == "no_articles":
        return NewsContent(("No articles in the last 24 hours.",), ())
    summary: list[str] = []
    mood = digest.mood
    if mood is None or mood.mean_24h is None:
        summary.append("No articles in the last 24 hours.")
    else:
        line = (
            f"Mood of the last 24 hours: {score(mood.mean_24h)} ({mood_word(mood.mean_24h)}, "
            f"{stories_phrase(mood.count_24h, mood.articles_24h)})"
        )
        if mood.mean_7d is not None:
            line += (
                f" vs {score(mood.mean_7d)} ({mood_word(mood.mean_7d)}) over the last 7 days "
                f"({stories_phrase(mood.count_7d)})"
            )
        summary.append(line + ".")
        summary.append(
            "Scores are VADER compound sentiment of title and description, from -1 to +1; "
            "a story carried by several outlets counts once."
        )
    if mood is not None and mood.other_languages_24h:
        summary.append(
            f"Not scored: {count(mood.other_languages_24h, 'article')} in other languages (VADER reads English only)."
        )
    return NewsContent(
        tuple(summary),
        tuple(_headline(h) for h in digest.headlines[:MAX_HEADLINES]),
        in_the_news=f"In the news: {names}." if (names := in_the_news(digest)) else None,
    )


def stories_phrase(stories: int, articles: int = 0) -> str:
    """``5 stories``, or ``5 stories from 7 articles`` when syndicated copies were grouped."""
    text = f"{stories:,} {'story' if stories == 1 else 'stories'}"
    return text + (f" from {count(articles, 'article')}" if articles > stories else "")


def in_the_news(digest: NewsDigest | None) -> str | None:
    """``SEC, BlackRock, El Salvador``: the names most of the day's stories named, most named first."""
    if digest is None or not digest.in_the_news:
        return None
    return ", ".join(one_line(e.name) for e in digest.in_the_news)


def _headline(headline: Headline) -> HeadlineItem:
    url = headline.url.strip()
    web = is_web_url(url) and one_line(url) == url
    return HeadlineItem(
        title=one_line(headline.title) or "(untitled)",
        source=one_line(headline.source) or "unknown source",
        when=utc(headline.published_ts),
        score=score(headline.compound),
        link=url if web else None,
        unlinked_url=None if web or not url else one_line(url),
        outlets=count(headline.outlets, "outlet") if headline.outlets > 1 else None,
    )


def predictions(
    items: Sequence[Mapping[str, Any]], live: Mapping[str, LiveRecord] | None = None
) -> tuple[PredictionItem, ...]:
    """One item per prediction: its ``text`` when it has one, else its scalar fields as ``key: value``.

    A model that did not beat its baseline is never the headline: the items
    of skilled models come first (the analysis' headline first of all), the
    others after them, each saying it is for information only. A prediction
    that does not state ``beats_baseline`` (an older or foreign shape) counts
    as unproven. Beside each, the model's live record from the forecast
    ledger, when it has one.
    """
    live = live or {}
    shown: list[tuple[int, PredictionItem]] = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        text = item.get("text")
        line = one_line(text) if isinstance(text, str) else ""
        if not line:
            line = ", ".join(
                f"{one_line(k)}: {number(v, 6) if isinstance(v, float) else one_line(v)}"
                for k, v in item.items()
                if isinstance(v, (str, int, float)) and not isinstance(v, bool)
            )
        if not line:
            continue
        skilled = item.get("beats_baseline") is True
        if not skilled and INFORMATION_ONLY not in line:
            line += f"; {INFORMATION_ONLY}"
        record = live.get(str(item.get("model")))
        headline = skilled and item.get("headline") is True
        rank = 0 if headline else 1 if skilled else 2
        shown.append((rank, PredictionItem(line, live_record(record) if record else None, skilled, headline)))
    return tuple(p for _, p in sorted(shown, key=lambda pair: pair[0]))


def live_record(record: LiveRecord) -> str:
    """How a model's emailed predictions fared: ``Live, over the last 30 graded predictions (24 non-overlapping):
    MAE 2.1% vs no-change 2.3%; no evidence it beats no-change (t = 0.9).``

    A claim about the past, worded as DESIGN's alert semantics ask: below
    :data:`~crypto_advisor.notify.grading.MIN_JUDGED` non-overlapping graded
    predictions nothing is judged and no figure is quoted (one prediction's
    error says nothing); above it a verdict word only with the record's t
    behind it. Breakouts are read by the calls a breakout followed and the
    Brier score against the base rate's, never by "called right", which
    always saying no wins with the base rate alone.
    """
    if record.verdict == TOO_FEW:
        return f"Live: too few graded predictions to judge ({_so_far(record)})."
    over = f"over the last {count(record.n, 'graded prediction')}"
    if record.independent < record.n:
        over += f" ({record.independent:,} non-overlapping)"
    if record.kind == "breakout":
        return (
            f"Live, {over}: {_breakout_calls(record)}; Brier {number(record.brier, 2)} vs"
            f" {number(record.brier_reference, 2)} for always the live frequency;"
            f" {_live_verdict(record, 'the base rate')}."
        )
    if record.kind == "path":
        return (
            f"Live, {over}: MAE {_pct(record.mae_pct)} vs no-change {_pct(record.persistence_mae_pct)};"
            f" {_live_verdict(record, 'no-change')}."
        )
    aim = f" (aims at {share(record.level)})" if record.level is not None else ""
    return f"Live, {over}: the close fell inside {record.inside} of {record.n} times{aim}."


def _so_far(record: LiveRecord) -> str:
    """``30 so far, only 5 of them non-overlapping``: the count, and the real sample when overlap shrinks it."""
    text = f"{record.n:,} so far"
    if 0 < record.independent < record.n:
        text += f", only {record.independent:,} of them non-overlapping"
    return text


def _breakout_calls(record: LiveRecord) -> str:
    """The breakout calls and how often a breakout followed them, beside how often one came at all."""
    line = f"P >= {CALL_PROBABILITY:g}"
    if not record.calls:
        return f"no breakout call ({line}); a breakout came {count(record.hits, 'time')}"
    return (
        f"a breakout followed {record.called_hits} of its {count(record.calls, 'breakout call')} ({line})"
        f" and {record.hits} of all {record.n}"
    )


#: A tested live record's verdict; anything short of significance reads as no evidence.
_LIVE_VERDICTS = {EDGE: "better than {reference}", WORSE: "worse than {reference}"}


def _live_verdict(record: LiveRecord, reference: str) -> str:
    """``better than no-change (t = 2.4)`` only at the record's significance; otherwise no evidence."""
    words = _LIVE_VERDICTS.get(record.verdict, "no evidence it beats {reference}").format(reference=reference)
    return words + (f" (t = {record.t:.1f})" if record.t is not None else "")


def _pct(fraction: float | None) -> str:
    return "n/a" if fraction is None or not math.isfinite(fraction) else f"{fraction * 100:.1f}%"
