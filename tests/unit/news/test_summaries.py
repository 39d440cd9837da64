"""The news run's summaries: what the analysis reads instead of each coin's Query, rewritten when a coin's news
changed, written where a watched coin has none, and a failure kept to its coin."""

from __future__ import annotations

from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.news import SUMMARY_SPAN_MS, Article
from crypto_advisor.news.ports import ArticleStorePort
from crypto_advisor.news.service import END_MS, NewsRunReport, refresh_summaries, run_news
from tests.fakes.news import MemoryArchive, MemoryStore, MemorySummaries, ScriptedSource
from tests.recorded import newsapi

HOUR = 3_600_000
NOW = 1_793_491_200_000  # 2026-11-01T00:00Z
COINS = {"BTC": "Bitcoin", "ETH": "Ethereum", "SOL": "Solana"}


def articles(title: str, start: int, count: int) -> list[dict]:
    return [newsapi.article(f"{title} story {i}", NOW - (start + i) * HOUR) for i in range(count)]


def run(store, summaries, answers, now_ms=NOW):
    return run_news(
        COINS,
        now_ms=now_ms,
        source=ScriptedSource(answers),
        store=store,
        archive=MemoryArchive(),
        summaries=summaries,
        articles=store,
    )


def test_each_coin_s_summary_holds_its_articles_as_the_table_does_those_another_coin_found_included():
    # Given Bitcoin's answer has an article naming Ether too, and Solana's answer is empty
    answers = {
        "Bitcoin": [*articles("Bitcoin", 1, 3), newsapi.article("Bitcoin and Ethereum rally", NOW - 5 * HOUR)],
        "Ethereum": articles("Ethereum", 2, 2),
        "Solana": [],
    }
    store, summaries = MemoryStore(), MemorySummaries()

    # When the run is made
    report = run(store, summaries, answers)

    # Then every watched coin has a summary (Solana's empty), each exactly its articles of the span, in the
    # table's order, the article stored for ETH by Bitcoin's answer among ETH's
    assert report.summaries.written == ["BTC", "ETH", "SOL"] and report.summaries.failed == {}
    for coin in COINS:
        held, from_ms, written_ms = summaries.items[coin]
        assert (from_ms, written_ms) == (NOW - SUMMARY_SPAN_MS, NOW)
        assert held == store.recent(coin, from_ms, NOW)
    assert len(summaries.items["ETH"][0]) == 3 and summaries.items["SOL"][0] == []
    assert report.as_dict()["summaries"] == {"written": 3, "too_large": [], "failed": {}, "unlisted": None}


def test_a_later_run_rewrites_only_the_summaries_whose_news_changed():
    # Given a first run wrote the three summaries
    store, summaries = MemoryStore(), MemorySummaries()
    run(store, summaries, {"Bitcoin": articles("Bitcoin", 1, 3), "Ethereum": [], "Solana": []})

    # When two hours later only Ether has a new article (Bitcoin's are the same again)
    later = NOW + 2 * HOUR
    summaries.writes.clear()
    run(store, summaries, {"Bitcoin": articles("Bitcoin", 1, 3), "Ethereum": articles("Ethereum", -1, 1), "Solana": []},
        now_ms=later)  # fmt: skip

    # Then only ETH's summary was written again, and it holds the new article
    assert summaries.writes == ["ETH"]
    assert [a.title for a in summaries.items["ETH"][0]] == ["Ethereum story 0"]


def test_a_summary_that_fails_is_reported_with_its_coin_and_the_others_are_written():
    # Given the summaries' table throttles ETH's write
    store, summaries = MemoryStore(), MemorySummaries(fail_for="ETH")

    # When the run is made
    report = run(store, summaries, {"Bitcoin": articles("Bitcoin", 1, 2), "Ethereum": articles("Ethereum", 1, 2),
                                    "Solana": []})  # fmt: skip

    # Then ETH's failure is reported and BTC's and SOL's are written; the articles are all stored
    assert report.summaries.written == ["BTC", "SOL"] and list(report.summaries.failed) == ["ETH"]
    assert "throttled" in report.summaries.failed["ETH"] and len(store.items) == 4


def test_with_news_off_the_coins_without_a_summary_get_one_of_what_the_table_holds():
    # Given a table holding BTC's articles from when news was on, and BTC's summary written then
    store, summaries = MemoryStore(), MemorySummaries()
    run(store, summaries, {"Bitcoin": articles("Bitcoin", 1, 2), "Ethereum": [], "Solana": []})
    del summaries.items["SOL"]
    summaries.writes.clear()

    # When a run without a key refreshes the summaries alone
    report = refresh_summaries(COINS, now_ms=NOW + HOUR, articles=store, summaries=summaries)

    # Then only SOL, which had none, gets one
    assert report.written == ["SOL"] and summaries.writes == ["SOL"]


def test_summaries_that_cannot_be_listed_leave_only_the_coins_with_new_articles_rewritten():
    # Given the summaries cannot be read
    store, summaries = MemoryStore(), MemorySummaries(unlisted=True)

    # When a run stores BTC's articles
    report = run(store, summaries, {"Bitcoin": articles("Bitcoin", 1, 2), "Ethereum": [], "Solana": []})

    # Then BTC's summary is rewritten (its old one is behind the table) and the listing's error is reported
    assert report.summaries.written == ["BTC"] and "throttled" in (report.summaries.unlisted or "")


def test_a_later_run_writes_only_what_the_summaries_do_not_hold_and_counts_the_rest_as_duplicates():
    # Given a first run stored Bitcoin's three stories and one naming Ether too (stored for ETH as well)
    answers = {
        "Bitcoin": [*articles("Bitcoin", 1, 3), newsapi.article("Bitcoin and Ethereum rally", NOW - 5 * HOUR)],
        "Ethereum": [],
        "Solana": [],
    }
    store, summaries = MemoryStore(), MemorySummaries()
    run(store, summaries, answers)
    written = len(store.items)

    # When two hours later NewsAPI answers the same four and one newer story
    store.puts.clear()
    later = {**answers, "Bitcoin": [newsapi.article("Bitcoin new story", NOW + HOUR), *answers["Bitcoin"]]}
    report = run(store, summaries, later, now_ms=NOW + 2 * HOUR)

    # Then only the new story is written; the four the summaries hold are duplicates without a write, for ETH too
    assert store.puts == [("BTC", newsapi.article("Bitcoin new story", NOW + HOUR)["url"])]
    assert (report.new, report.duplicates, len(store.items)) == (1, 4, written + 1)
    assert report.coins[0].also_for == {}


def test_summaries_that_cannot_be_read_leave_every_article_to_its_conditional_write():
    # Given a stored first run, and summaries that cannot be read on the second
    answers = {"Bitcoin": articles("Bitcoin", 1, 3), "Ethereum": [], "Solana": []}
    store = MemoryStore()
    run(store, MemorySummaries(), answers)
    store.puts.clear()

    # When the same answer comes again / Then each article is written conditionally, and refused as a duplicate
    report = run(store, MemorySummaries(unlisted=True), answers, now_ms=NOW + 2 * HOUR)
    assert len(store.puts) == 3 and (report.new, report.duplicates) == (0, 3)


def test_a_run_reads_the_summaries_once_for_both_the_skipped_writes_and_the_missing_summaries():
    # Given no summary yet / When a run is made
    summaries = MemorySummaries()
    report = run(MemoryStore(), summaries, {"Bitcoin": articles("Bitcoin", 1, 2), "Ethereum": [], "Solana": []})
    # Then the one read before the coins also told which summaries were missing: every coin got one
    assert summaries.reads == 1 and sorted(report.summaries.written) == ["BTC", "ETH", "SOL"]


class FailsOnWrite(ArticleStorePort):
    """The News table, its ``nth`` conditional write throttled (the ones before and after it stored)."""

    def __init__(self, store: MemoryStore, nth: int) -> None:
        self.store, self.nth, self.calls = store, nth, 0

    def put_once(self, article: Article) -> bool:
        self.calls += 1
        if self.calls == self.nth:
            raise StorageError(f"storing the {article.coin} article: throttled")
        return self.store.put_once(article)


def test_a_coin_failing_part_way_leaves_the_summaries_it_wrote_for_as_the_table_holds_them():
    # Given a first run wrote BTC's and ETH's summaries, empty
    coins = {"BTC": "Bitcoin", "ETH": "Ethereum"}
    store, summaries = MemoryStore(), MemorySummaries()
    run_news(coins, now_ms=NOW, source=ScriptedSource({"Bitcoin": [], "Ethereum": []}), store=store,
             archive=MemoryArchive(), summaries=summaries, articles=store)  # fmt: skip
    # And Bitcoin's next answer has three new stories, the first naming Ether, and the 4th write is throttled
    # (BTC's story, its ETH copy and BTC's second are stored; the third is not)
    later = NOW + HOUR
    answer = [
        newsapi.article("Bitcoin and Ethereum rally hard", later - HOUR),
        newsapi.article("Bitcoin miners expand", later - 2 * HOUR),
        newsapi.article("Bitcoin ETF inflows", later - 3 * HOUR),
    ]

    def news_run(now_ms: int, feed: list[dict], table: ArticleStorePort) -> NewsRunReport:
        source = ScriptedSource({"Bitcoin": feed, "Ethereum": []})
        return run_news(coins, now_ms=now_ms, source=source, store=table, archive=MemoryArchive(),
                        summaries=summaries, articles=store)  # fmt: skip

    # When that run is made
    report = news_run(later, answer, FailsOnWrite(store, nth=4))

    # Then BTC is reported failed, naming the coins it wrote for, and both summaries hold what the table holds
    btc = report.coins[0]
    assert (btc.status, btc.changed_for) == ("failed", ["BTC", "ETH"]) and "throttled" in (btc.error or "")
    assert sorted(report.summaries.written) == ["BTC", "ETH"]
    assert [len(store.recent(c, 0, END_MS)) for c in coins] == [2, 1]
    assert all(summaries.items[c][0] == store.recent(c, later - SUMMARY_SPAN_MS, END_MS) for c in coins)

    # And when the next run answers the two stored stories again, nothing is written and the summaries still match
    report = news_run(later + 2 * HOUR, answer[:2], store)
    assert report.summaries.written == [] and (report.new, report.duplicates) == (0, 2)
    assert all(summaries.items[c][0] == store.recent(c, 0, END_MS) for c in coins)


def test_a_summary_behind_the_table_is_rewritten_when_an_answer_brings_an_article_it_lacks():
    # Given the table holds a BTC article its summary lacks (a write reported failed that landed after all)
    story = newsapi.article("Bitcoin miners expand", NOW - HOUR)
    store, summaries = MemoryStore(), MemorySummaries()
    run(store, summaries, {"Bitcoin": [story], "Ethereum": [], "Solana": []})
    summaries.items["BTC"] = ([], NOW - SUMMARY_SPAN_MS, NOW)
    summaries.writes.clear()

    # When the next run's answer has that article again (its write refused: the table has it)
    report = run(store, summaries, {"Bitcoin": [story], "Ethereum": [], "Solana": []}, now_ms=NOW + 2 * HOUR)

    # Then BTC's summary is rewritten from the table, and holds it
    assert (report.new, report.duplicates) == (0, 1) and summaries.writes == ["BTC"]
    assert [a.title for a in summaries.items["BTC"][0]] == ["Bitcoin miners expand"]
