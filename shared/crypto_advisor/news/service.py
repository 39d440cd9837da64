"""One news run: every coin of the watchlist on its own, reported one by one.

Per coin: one NewsAPI query (name OR ticker, or the name alone: see
:mod:`.query`) over the last ``lookback_ms``, the raw answer archived to S3
first (the source of truth, as for candles),
then each article checked, its language detected (only English is scored;
the others are stored unscored and counted), and stored unless an earlier run
stored it (the News table's key holds a hash of the URL; the write is
conditional). Overlapping windows between runs are therefore harmless, and a
run redone from the same event stores nothing new. An article that names
other watched coins is stored for each of them too (a story about Bitcoin and
Ether counts for ETH, whichever query found it); one that names none of them
is stored off topic, out of every mood, and counted.

A coin that fails (NewsAPI down after retries, a storage error, even a bug) is
reported with its error; the other coins go on. Two answers stop the whole
run instead, because every further call would get the same answer and spend
the day's quota: NewsAPI's rate limit (``rateLimited``, HTTP 429) and a key it
refuses (``apiKeyInvalid`` and friends). The coins not yet called are
reported as skipped with the reason.

Before the coins, the run reads what the summaries hold (one request per 100
coins): an article a coin's summary already holds is stored, so it is counted
as a duplicate without a write. Each run asks for the last 48 hours every two
hours, so nearly every article of an answer was stored by an earlier run; the
conditional write alone would refuse it all the same, at a request and a
write unit each.

After the coins, the run rewrites the news summary (what the analysis reads
instead of each coin's Query: :mod:`crypto_advisor.adapters.news_summary`) of
every coin whose stored articles may have changed, and of every watched coin
that has no summary yet; a summary that cannot be written is reported with its
coin and never stops the others (its coin's analysis falls back to the Query).
A coin's articles may have changed when a write for it stored an article
(those stored for it by another coin's answer included), failed (it may have
landed, and the articles written before it in a coin that failed part-way
stand), or was refused while the coin's summary, read before the coins, lacks
the article (the summary is behind the table). So a coin that fails part-way
leaves no summary older than the table, its own or that of a coin its
articles name: the analysis reads a summary whose span covers its window as
it is, and a stale one would stand until the coin's next new article.
:func:`refresh_summaries` runs alone too, when news is off.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from crypto_advisor.contracts.errors import RateLimitedError, SourceAuthError, SourceError, StorageError
from crypto_advisor.contracts.news import SUMMARY_SPAN_MS, Article
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.news.language import language
from crypto_advisor.news.parse import Detector, Rejection, Scorer, parse_articles
from crypto_advisor.news.ports import (
    ArticleReaderPort,
    ArticleStorePort,
    NewsArchivePort,
    NewsRotationPort,
    NewsSource,
    NewsSummaryPort,
)
from crypto_advisor.news.query import news_query
from crypto_advisor.news.scoring import compound

#: How far back each run asks. NewsAPI's free plan shows articles 24 hours late, so a 48-hour window sees
#: the newest day it can; overlapping runs cost nothing (articles are stored once).
LOOKBACK_MS = 48 * HOUR_MS
#: Far enough ahead that a summary holds every article stored, whatever its publication time.
END_MS = 9_999_999_999_999

#: The time a run keeps for the summaries after its coins, at least (see :func:`summary_reserve_s`).
MIN_SUMMARY_RESERVE_S = 15.0
#: ... or this share of the run's time, when larger: a run's first summaries write every watched coin's.
SUMMARY_RESERVE_SHARE = 0.25

#: stored: fetched; failed: its call or storage failed; skipped: not called after a stop (rate limit, key);
#: deferred: not called because the run's time would not cover it (first in the next run).
CoinStatus = Literal["stored", "failed", "skipped", "deferred"]
StopReason = Literal["rate_limited", "auth", "time"]
#: Seconds left in the invocation (``context.get_remaining_time_in_millis() / 1000``).
TimeLeft = Callable[[], float]


@dataclass
class CoinReport:
    coin: str
    status: CoinStatus
    query: str = ""
    fetched: int = 0
    new: int = 0
    duplicates: int = 0
    #: stored unscored: not in English
    other_languages: int = 0
    #: stored out of the mood: names none of the watched coins
    off_topic: int = 0
    #: copies stored for the other watched coins the articles name, e.g. {"ETH": 2}
    also_for: dict[str, int] = field(default_factory=dict)
    #: the coins whose stored articles this coin's writes may have changed (see the module docstring), failed
    #: part-way included: their summaries are rewritten
    changed_for: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    archive_key: str | None = None
    incomplete: str | None = None
    error: str | None = None
    error_kind: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "coin": self.coin,
            "status": self.status,
            "query": self.query,
            "fetched": self.fetched,
            "new": self.new,
            "duplicates": self.duplicates,
            "other_languages": self.other_languages,
            "off_topic": self.off_topic,
            "also_for": dict(self.also_for),
            "changed_for": list(self.changed_for),
            "rejected": [r.as_dict() for r in self.rejected],
            "archive_key": self.archive_key,
            "incomplete": self.incomplete,
            "error": self.error,
            "error_kind": self.error_kind,
        }


@dataclass
class SummaryReport:
    """The summaries a run rewrote: ``written`` coins (``too_large`` among them: written without their articles),
    and the coins whose summary failed, with why (their analysis reads their articles' Query meanwhile)."""

    written: list[str] = field(default_factory=list)
    too_large: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    #: why the existing summaries could not be listed (only the touched coins' were rewritten)
    unlisted: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "written": len(self.written),
            "too_large": list(self.too_large),
            "failed": dict(self.failed),
            "unlisted": self.unlisted,
        }


@dataclass
class NewsRunReport:
    now_ms: int
    coins: list[CoinReport]
    #: Why the run stopped calling NewsAPI before its last coin, if it did.
    stopped: StopReason | None = None
    stopped_because: str | None = None
    summaries: SummaryReport = field(default_factory=SummaryReport)

    @property
    def touched(self) -> set[str]:
        """The coins whose stored articles this run may have changed: new articles (an article stored for another
        coin it names included), and every coin a coin's writes may have changed, one that failed part-way too."""
        stored = {c.coin for c in self.coins if c.new} | {o for c in self.coins for o, n in c.also_for.items() if n}
        return stored | {o for c in self.coins for o in c.changed_for}

    @property
    def failed(self) -> list[CoinReport]:
        """Coins whose news this run did not get: failed, or skipped after a stop (not the deferred ones)."""
        return [c for c in self.coins if c.status in ("failed", "skipped")]

    @property
    def deferred(self) -> list[str]:
        """The coins the run's time did not reach: called first by the next run."""
        return [c.coin for c in self.coins if c.status == "deferred"]

    @property
    def not_called(self) -> list[str]:
        """The coins this run did not call (deferred, or skipped after a stop), in its order: the next run's first."""
        return [c.coin for c in self.coins if c.status in ("deferred", "skipped")]

    @property
    def new(self) -> int:
        return sum(c.new for c in self.coins)

    @property
    def duplicates(self) -> int:
        return sum(c.duplicates for c in self.coins)

    @property
    def rejected(self) -> int:
        return sum(len(c.rejected) for c in self.coins)

    @property
    def other_languages(self) -> int:
        return sum(c.other_languages for c in self.coins)

    def as_dict(self) -> dict[str, Any]:
        return {
            # partial: the run's time ended before its last coins (deferred to the next run), not a failure
            "status": "done" if not self.stopped else "partial" if self.stopped == "time" else "stopped",
            "now_ms": self.now_ms,
            "new": self.new,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "other_languages": self.other_languages,
            "failed": [c.coin for c in self.failed],
            "deferred": self.deferred,
            "stopped": self.stopped,
            "stopped_because": self.stopped_because,
            "coins": [c.as_dict() for c in self.coins],
            "summaries": self.summaries.as_dict(),
        }


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def news_for_coin(
    coin: str,
    query: str,
    *,
    now_ms: int,
    source: NewsSource,
    store: ArticleStorePort,
    archive: NewsArchivePort,
    lookback_ms: int = LOOKBACK_MS,
    score: Scorer = compound,
    detect: Detector = language,
    watched: Mapping[str, str] | None = None,
    known: Mapping[str, set[str]] | None = None,
) -> CoinReport:
    """Fetch, archive, check, score and store one coin's news; raises the adapters' errors.

    ``watched`` (ticker -> name, default: this coin alone) are the coins an article may be attributed to.
    ``known`` (coin -> URLs its summary holds) are articles the table already has: counted as duplicates without
    a write (each run asks for 48 hours every 2, so most of an answer was stored by the runs before).
    """
    held = known or {}
    from_ms = now_ms - lookback_ms
    answer = source.fetch(query, from_ms=from_ms, to_ms=now_ms)
    raws = answer.articles
    report = CoinReport(coin, "stored", query=query, fetched=len(raws), incomplete=answer.note)
    if answer.pages:
        report.archive_key = archive.put(
            coin,
            now_ms,
            {
                "coin": coin,
                "query": query,
                "from": _iso(from_ms),
                "to": _iso(now_ms),
                "run_ms": now_ms,
                "complete": answer.complete,
                "note": answer.note,
                "pages": answer.pages,
            },
        )
    articles, report.rejected = parse_articles(coin, raws, now_ms=now_ms, score=score, detect=detect, watched=watched)
    seen: set[str] = set()
    for article in articles:
        if article.url in seen:  # the same URL twice in one answer: one item
            report.duplicates += 1
            continue
        seen.add(article.url)
        report.other_languages += article.compound is None
        report.off_topic += article.off_topic
        if article.url not in held.get(coin, ()) and store.put_once(article):
            report.new += 1
        else:
            report.duplicates += 1
        for other in article.about:
            if other != coin and article.url not in held.get(other, ()) and _store_for(other, article, store):
                report.also_for[other] = report.also_for.get(other, 0) + 1
    return report


def _store_for(other: str, article: Article, store: ArticleStorePort) -> bool:
    """Store ``article`` for another watched coin it names; True if that coin did not have it yet."""
    return store.put_once(article.model_copy(update={"coin": other, "off_topic": False}))


def summary_reserve_s(run_s: float) -> float:
    """The seconds a run of ``run_s`` keeps for its summaries after the coins.

    A summary is a Query and a write (tens of milliseconds each on Lambda), and a run's first rewrites every
    watched coin's: 1,000 coins take about 40 s. A quarter of the run (225 s of a 900 s timeout), and never
    under 15 s, covers that with room; a summary left unwritten would leave the analysis reading news older
    than the table.
    """
    return max(MIN_SUMMARY_RESERVE_S, SUMMARY_RESERVE_SHARE * run_s)


def run_order(coins: Mapping[str, str], first: Iterable[str]) -> dict[str, str]:
    """``coins`` (ticker -> name) with ``first`` (the coins the last run did not call, still watched) in front,
    in their order, then the rest in watchlist order."""
    ahead = [c for c in dict.fromkeys(first) if c in coins]
    return {c: coins[c] for c in ahead} | {c: n for c, n in coins.items() if c not in ahead}


def run_news(
    coins: Mapping[str, str],
    *,
    now_ms: int,
    source: NewsSource,
    store: ArticleStorePort,
    archive: NewsArchivePort,
    lookback_ms: int = LOOKBACK_MS,
    score: Scorer = compound,
    detect: Detector = language,
    summaries: NewsSummaryPort | None = None,
    articles: ArticleReaderPort | None = None,
    time_left: TimeLeft | None = None,
    rotation: NewsRotationPort | None = None,
    clock: Callable[[], float] = time.monotonic,
    named: Mapping[str, str] | None = None,
) -> NewsRunReport:
    """The news of every coin (ticker -> name, as ``Watchlist.coins()`` gives); one failing coin stops no other.

    With ``summaries`` (and ``articles``, the store's reader), the coins' summaries are refreshed after them.
    With ``time_left``, the coins the run's time does not cover are deferred (see the module docstring); with
    ``rotation``, the coins the last run did not call go first and this run's are remembered for the next.
    ``clock`` times each coin (seconds; a test's clock may be fake, with ``time_left`` read from it).
    ``named`` (ticker -> the name its watchlist entry gives, ``name:``): a coin searched by that name is searched by
    it alone, not with its ticker (:func:`~crypto_advisor.news.query.news_query`).
    """
    run = NewsRunReport(now_ms=now_ms, coins=[])
    reserve_s = summary_reserve_s(time_left()) if time_left is not None else 0.0
    slowest_s = 0.0
    watched = coins
    if rotation is not None:
        coins = run_order(coins, _last_not_called(rotation))
    # One read of the summaries serves both the writes skipped below and the summaries missing after the coins.
    known = _stored_urls(summaries, watched)
    calls = {"now_ms": now_ms, "source": source, "archive": archive, "lookback_ms": lookback_ms, "named": named or {}}
    for coin, name in coins.items():
        if not run.stopped and time_left is not None and time_left() < reserve_s + slowest_s:
            run.stopped = "time"
            run.stopped_because = (
                f"the run's time left ({time_left():.0f} s) would not cover another coin ({slowest_s:.1f} s at "
                f"most so far) and the summaries ({reserve_s:.0f} s); first in the next run"
            )
        if run.stopped:
            status: CoinStatus = "deferred" if run.stopped == "time" else "skipped"
            run.coins.append(CoinReport(coin, status, error=f"not called: {run.stopped_because}", error_kind="Skipped"))
            continue
        started = clock()
        run.coins.append(
            _one_coin(coin, name, run, **calls, store=store, score=score, detect=detect, watched=watched, known=known)
        )
        slowest_s = max(slowest_s, clock() - started)
    if rotation is not None:
        _remember_not_called(rotation, run)
    if summaries is not None and articles is not None:
        run.summaries = refresh_summaries(
            watched, run.touched, now_ms=now_ms, articles=articles, summaries=summaries, present=known
        )
    return run


def _stored_urls(summaries: NewsSummaryPort | None, coins: Iterable[str]) -> dict[str, set[str]] | None:
    """What the summaries say the table holds per coin (every coin with a summary); None when they cannot be read
    (every article is then written conditionally, as before: the table still stores each once)."""
    if summaries is None:
        return None
    try:
        return summaries.stored_urls(coins)
    except StorageError:
        return None


def _last_not_called(rotation: NewsRotationPort) -> list[str]:
    """The last run's coins not called; none when they cannot be read (this run is in watchlist order)."""
    try:
        return rotation.read()
    except StorageError:
        return []


def _remember_not_called(rotation: NewsRotationPort, run: NewsRunReport) -> None:
    """Best effort: a failed write only puts the next run in watchlist order (its coins are still all tried)."""
    with contextlib.suppress(StorageError):
        rotation.write(run.not_called, now_ms=run.now_ms)


@dataclass
class _Writes:
    """The store, noting each coin whose stored articles a write may have changed: it stored the article, it failed
    (a write that timed out may have landed), or it was refused while the coin's summary lacks the article (a write
    is attempted only for an article the summary does not hold, so the summary is behind the table).

    Noted as the writes go, so that a coin failing part-way still names the coins it wrote for.
    """

    store: ArticleStorePort
    #: the coins whose summary was read before the coins (with the URLs it holds)
    summarised: Collection[str]
    changed: set[str] = field(default_factory=set)

    def put_once(self, article: Article) -> bool:
        if article.coin in self.summarised:
            self.changed.add(article.coin)
        try:
            stored = self.store.put_once(article)
        except Exception:
            self.changed.add(article.coin)
            raise
        if stored:
            self.changed.add(article.coin)
        return stored


def _one_coin(
    coin: str,
    name: str,
    run: NewsRunReport,
    *,
    store: ArticleStorePort,
    known: Mapping[str, set[str]] | None,
    **kwargs: Any,
) -> CoinReport:
    """One coin's news as its report, naming the coins its writes may have changed even when it failed part-way."""
    writes = _Writes(store, known or {})
    report = _called(coin, name, run, store=writes, known=known, **kwargs)
    report.changed_for = sorted(writes.changed)
    return report


def _called(coin: str, name: str, run: NewsRunReport, *, named: Mapping[str, str], **kwargs: Any) -> CoinReport:
    """One coin's news as its report; a stop (rate limit, refused key) is marked on ``run``.

    ``named``: run_news's (ticker -> the name its entry gives); a coin searched by that name is searched by it alone.
    """
    try:
        query = news_query(name, coin, name_given=named.get(coin) == name)
    except ValueError as exc:
        return CoinReport(coin, "failed", error=str(exc), error_kind="BadQuery")
    try:
        return news_for_coin(coin, query, **kwargs)
    except RateLimitedError as exc:
        run.stopped, run.stopped_because = "rate_limited", "NewsAPI rate limit reached earlier in this run"
        return CoinReport(coin, "failed", query=query, error=str(exc), error_kind=type(exc).__name__)
    except SourceAuthError as exc:
        run.stopped, run.stopped_because = "auth", "NewsAPI refused the key earlier in this run"
        return CoinReport(coin, "failed", query=query, error=str(exc), error_kind=type(exc).__name__)
    except (SourceError, StorageError) as exc:
        return CoinReport(coin, "failed", query=query, error=str(exc), error_kind=type(exc).__name__)
    except Exception as exc:  # noqa: BLE001 - a bug in one coin must not starve the others; reported
        return CoinReport(coin, "failed", query=query, error=f"{type(exc).__name__}: {exc}", error_kind="Bug")


def refresh_summaries(
    coins: Iterable[str],
    touched: Iterable[str] = (),
    *,
    now_ms: int,
    articles: ArticleReaderPort,
    summaries: NewsSummaryPort,
    present: Iterable[str] | None = None,
) -> SummaryReport:
    """Rewrite the summaries of the ``touched`` coins, and write those of the watched ``coins`` that have none.

    Each from its coin's articles as the table holds them now (one Query and one write a coin); a coin whose
    summary fails is reported and the others go on. When the summaries cannot even be listed, only the touched
    coins are rewritten: their old summaries are known to be behind. ``present``: the coins that have a summary,
    when the caller has read them already (the news run, before its coins); None reads them here.
    """
    report = SummaryReport()
    watched = set(coins)
    try:
        missing = watched - set(summaries.read(watched) if present is None else present)
    except StorageError as exc:
        missing, report.unlisted = set(), str(exc)[:500]
    from_ms = now_ms - SUMMARY_SPAN_MS
    for coin in sorted(missing | set(touched)):
        try:
            held = summaries.write(coin, articles.recent(coin, from_ms, END_MS), from_ms=from_ms, now_ms=now_ms)
        except StorageError as exc:
            report.failed[coin] = str(exc)[:500]
            continue
        report.written.append(coin)
        if not held:
            report.too_large.append(coin)
    return report
