"""A news run ends before its timeout whatever the watchlist's size, and rotates so that every coin is served."""

from __future__ import annotations

from crypto_advisor.news.service import MIN_SUMMARY_RESERVE_S, run_news, run_order, summary_reserve_s
from tests.fakes.news import MemoryArchive, MemoryRotation, MemoryStore, MemorySummaries, ScriptedSource
from tests.recorded import newsapi

HOUR = 3_600_000
NOW = 1_793_491_200_000  # 2026-11-01T00:00Z
NAMES = ["Bitcoin", "Ethereum", "Solana", "Cardano", "Polkadot", "Chainlink", "Litecoin"]
TICKERS = ["BTC", "ETH", "SOL", "ADA", "DOT", "LINK", "LTC"]
COINS = dict(zip(TICKERS, NAMES, strict=True))


class Invocation:
    """A Lambda invocation's clock: ``timeout_s`` long, each NewsAPI call taking ``call_s``."""

    def __init__(self, timeout_s: float, call_s: float) -> None:
        self.now, self.timeout_s, self.call_s = 0.0, timeout_s, call_s

    def clock(self) -> float:
        return self.now

    def time_left(self) -> float:
        return self.timeout_s - self.now


class TimedSource(ScriptedSource):
    """The scripted answers, each call advancing the invocation's clock."""

    def __init__(self, invocation: Invocation) -> None:
        super().__init__({name: [newsapi.article(f"{name} story", NOW - HOUR)] for name in NAMES})
        self.invocation = invocation

    def fetch(self, query, *, from_ms, to_ms):
        self.invocation.now += self.invocation.call_s
        return super().fetch(query, from_ms=from_ms, to_ms=to_ms)


def timed_run(invocation: Invocation, rotation: MemoryRotation, summaries: MemorySummaries | None = None):
    source = TimedSource(invocation)
    store = MemoryStore()
    report = run_news(
        COINS, now_ms=NOW, source=source, store=store, archive=MemoryArchive(), summaries=summaries,
        articles=store if summaries is not None else None, time_left=invocation.time_left, rotation=rotation,
        clock=invocation.clock,
    )  # fmt: skip
    # The coin of each call, by its name: a query may hold the name alone ("Polkadot": news.query)
    called = [next(t for t, n in COINS.items() if query.startswith(f'"{n}"')) for query, _, _ in source.calls]
    return report, called


def test_a_run_calls_the_coins_its_time_covers_keeps_the_reserve_and_defers_the_rest_without_failing():
    # Given a 60 s invocation (15 s kept for the summaries) and NewsAPI taking 10 s a coin
    invocation = Invocation(timeout_s=60, call_s=10)

    # When the seven coins' run is made
    report, called = timed_run(invocation, MemoryRotation(), MemorySummaries())

    # Then it calls four (after the fourth, 20 s are left: not 15 s + 10 s) and defers the other three
    assert called == ["BTC", "ETH", "SOL", "ADA"]
    assert [(c.coin, c.status) for c in report.coins] == [
        ("BTC", "stored"), ("ETH", "stored"), ("SOL", "stored"), ("ADA", "stored"),
        ("DOT", "deferred"), ("LINK", "deferred"), ("LTC", "deferred"),
    ]  # fmt: skip
    # And the deferred coins are not failures (no alarm), the run says why, and it is partial
    assert report.failed == [] and report.deferred == ["DOT", "LINK", "LTC"]
    answer = report.as_dict()
    assert (
        answer["status"] == "partial" and answer["stopped"] == "time" and answer["deferred"] == ["DOT", "LINK", "LTC"]
    )
    assert "20 s" in report.stopped_because and "10.0 s" in report.stopped_because
    # And the summaries are still written for every coin (the reserve's purpose)
    assert report.summaries.written == sorted(TICKERS)


def test_consecutive_runs_rotate_so_every_coin_is_served():
    # Given runs that can each call three coins
    rotation = MemoryRotation()
    served: list[list[str]] = []

    # When three runs are made
    for _ in range(3):
        report, called = timed_run(Invocation(timeout_s=45, call_s=10), rotation)
        served.append(called)
        # Then each run leaves the coins it did not call for the next, in its order
        assert rotation.coins == report.not_called

    # Then the second run starts where the first stopped, and within three runs every coin was called
    assert served == [["BTC", "ETH", "SOL"], ["ADA", "DOT", "LINK"], ["LTC", "BTC", "ETH"]]
    assert set().union(*served) == set(TICKERS)


def test_a_run_with_time_enough_calls_every_coin_and_clears_the_rotation():
    # Given the last run left two coins, and a run with time for all
    rotation = MemoryRotation(["LTC", "LINK"])

    # When it runs / Then those two go first, then the watchlist's order, and nothing is left for the next
    report, called = timed_run(Invocation(timeout_s=900, call_s=1), rotation)
    assert called == ["LTC", "LINK", "BTC", "ETH", "SOL", "ADA", "DOT"]
    assert report.as_dict()["status"] == "done" and rotation.coins == []


def test_coins_skipped_after_a_rate_limit_go_first_in_the_next_run():
    # Given NewsAPI's rate limit answering the third coin
    from crypto_advisor.contracts.errors import RateLimitedError

    answers = {name: [newsapi.article(f"{name} story", NOW - HOUR)] for name in NAMES}
    answers["Solana"] = RateLimitedError("NewsAPI rateLimited")
    rotation = MemoryRotation()

    # When a run is made
    report = run_news(COINS, now_ms=NOW, source=ScriptedSource(answers), store=MemoryStore(),
                      archive=MemoryArchive(), rotation=rotation)  # fmt: skip

    # Then the coins it did not call are remembered, and still count as failed for the alarm (an account problem)
    assert rotation.coins == ["ADA", "DOT", "LINK", "LTC"]
    assert [c.coin for c in report.failed] == ["SOL", "ADA", "DOT", "LINK", "LTC"]


def test_a_rotation_that_cannot_be_read_or_written_leaves_the_watchlist_order_and_loses_no_coin():
    # Given DynamoDB failing the rotation item both ways
    report, called = timed_run(Invocation(timeout_s=900, call_s=1), MemoryRotation(["LTC"], failing=True))

    # Then the run is in watchlist order and every coin is stored
    assert called == TICKERS and [c.status for c in report.coins] == ["stored"] * 7


def test_run_order_puts_the_last_run_s_coins_first_drops_the_unwatched_and_keeps_the_rest_in_order():
    assert list(run_order(COINS, ["LTC", "XMR", "ADA", "LTC"])) == ["LTC", "ADA", "BTC", "ETH", "SOL", "DOT", "LINK"]
    assert run_order(COINS, ["ADA"])["ADA"] == "Cardano"


def test_the_reserve_is_a_quarter_of_the_run_and_never_under_the_minimum():
    assert summary_reserve_s(900) == 225 and summary_reserve_s(40) == MIN_SUMMARY_RESERVE_S
