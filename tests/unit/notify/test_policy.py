"""The alert policy: which signals become emails, with which firings, and why the others do not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crypto_advisor.contracts.alerts import OverBudget, SentAlert
from crypto_advisor.contracts.market_context import MarketContext
from crypto_advisor.contracts.signal import FiringRecord, Health, Rarity, Signal
from crypto_advisor.contracts.watchlist import AlertPolicy
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.notify.policy import Send, Suppress, cooldown_window
from crypto_advisor.notify.policy import decide as decide_at
from tests.unit.notify.conftest import firing as make_firing

HOUR = 3_600_000
WEEK = 7 * 24 * HOUR
T0 = 1_793_394_000_000
SERIES = "kraken:BTC-USD:1h"
POLICY = AlertPolicy(recipients=("me@example.com",), min_severity=2, cooldown_ms=6 * HOUR)


def decide(*args, bar: float = 0.0, **kwargs):  # type: ignore[no-untyped-def]
    """The policy with no rarity bar unless a test sets one: the checks before and after it are as they were."""
    return decide_at(*args, bar=bar, **kwargs)


def firing(rule: str, severity: int = 2, *, suppressed: bool = False) -> FiringRecord:
    if suppressed:
        return make_firing(rule, severity=severity, suppressed=True, suppressed_reason="gap")
    return make_firing(rule, severity=severity)


def signal(ts: int = T0, *firings: FiringRecord, healthy: bool = True, reasons: tuple[str, ...] = ()) -> Signal:
    return Signal(
        series=SERIES,
        candle_ts=ts,
        close=100.0,
        firings=list(firings),
        health=Health(healthy=healthy, reasons=list(reasons)),
        analyzed_at=ts + HOUR + 60_000,
    )


def test_a_series_no_longer_watched_is_not_emailed():
    decision = decide(signal(T0, firing("rsi_oversold")), None, [])
    assert isinstance(decision, Suppress) and decision.reason == "not_watched"
    assert decision.rules == ("rsi_oversold",)


def test_a_candle_without_firings_is_not_emailed():
    decision = decide(signal(T0), POLICY, [])
    assert isinstance(decision, Suppress) and decision.reason == "no_firings"


def test_unhealthy_data_suppresses_with_the_health_reasons():
    decision = decide(signal(T0, firing("rsi_oversold", 3), healthy=False, reasons=("3 candles missing",)), POLICY, [])
    assert isinstance(decision, Suppress) and decision.reason == "unhealthy_data"
    assert "3 candles missing" in decision.detail


def test_firings_all_suppressed_by_the_analysis_count_as_unhealthy_data():
    decision = decide(signal(T0, firing("rsi_oversold", 3, suppressed=True)), POLICY, [])
    assert isinstance(decision, Suppress) and decision.reason == "unhealthy_data"


def test_unhealthy_data_is_the_reason_even_when_the_firings_are_also_weak():
    decision = decide(signal(T0, firing("sma20_cross", 1), healthy=False, reasons=("stale",)), POLICY, [])
    assert isinstance(decision, Suppress) and decision.reason == "unhealthy_data"


def test_firings_below_the_minimum_severity_are_not_emailed():
    decision = decide(signal(T0, firing("sma20_cross", 1), firing("fib_cross", 1)), POLICY, [])
    assert isinstance(decision, Suppress) and decision.reason == "below_severity"
    assert "1" in decision.detail and "2" in decision.detail


def test_a_firing_at_exactly_the_minimum_severity_is_emailed():
    decision = decide(signal(T0, firing("macd_cross", 2)), POLICY, [])
    assert isinstance(decision, Send) and decision.rules == ("macd_cross",)


def test_weaker_firings_are_left_out_of_an_email_a_stronger_one_triggers():
    decision = decide(signal(T0, firing("macd_cross", 3), firing("sma20_cross", 1)), POLICY, [])
    assert isinstance(decision, Send) and decision.rules == ("macd_cross",)


def test_several_firings_on_one_candle_make_one_email():
    decision = decide(signal(T0, firing("macd_cross"), firing("fib_cross"), firing("volume_spike", 3)), POLICY, [])
    assert isinstance(decision, Send)
    assert set(decision.rules) == {"macd_cross", "fib_cross", "volume_spike"}
    assert decision.recipients == ("me@example.com",)


def test_a_rule_emailed_within_the_cooldown_is_suppressed():
    recent = [SentAlert(T0 - HOUR, ("macd_cross",))]
    decision = decide(signal(T0, firing("macd_cross")), POLICY, recent)
    assert isinstance(decision, Suppress) and decision.reason == "cooldown"
    assert "macd_cross" in decision.detail and "6h" in decision.detail


def test_firings_in_cooldown_are_dropped_when_others_remain():
    recent = [SentAlert(T0 - 2 * HOUR, ("macd_cross",))]
    decision = decide(signal(T0, firing("macd_cross"), firing("fib_cross")), POLICY, recent)
    assert isinstance(decision, Send)
    assert decision.rules == ("fib_cross",) and decision.cooled_rules == ("macd_cross",)


def test_the_cooldown_is_per_rule():
    recent = [SentAlert(T0 - HOUR, ("fib_cross",))]
    decision = decide(signal(T0, firing("macd_cross")), POLICY, recent)
    assert isinstance(decision, Send) and decision.rules == ("macd_cross",)


@pytest.mark.parametrize(
    ("sent_before_ms", "cooled"),
    [(6 * HOUR, False), (6 * HOUR - 1, True), (HOUR, True), (7 * HOUR, False)],
)
def test_the_cooldown_is_judged_in_candle_time(sent_before_ms: int, cooled: bool):
    recent = [SentAlert(T0 - sent_before_ms, ("macd_cross",))]
    decision = decide(signal(T0, firing("macd_cross")), POLICY, recent)
    assert isinstance(decision, Suppress if cooled else Send)


def test_a_newer_candle_already_emailed_cools_an_older_one_processed_late():
    # A stream retry can handle an older candle after a newer one of the same series was emailed.
    recent = [SentAlert(T0 + 2 * HOUR, ("macd_cross",))]
    decision = decide(signal(T0, firing("macd_cross")), POLICY, recent)
    assert isinstance(decision, Suppress) and decision.reason == "cooldown"


def test_the_send_for_this_very_candle_is_not_a_cooldown():
    # That is a redelivery; the notification log's claim is what stops it.
    decision = decide(signal(T0, firing("macd_cross")), POLICY, [SentAlert(T0, ("macd_cross",))])
    assert isinstance(decision, Send)


def test_a_zero_cooldown_never_cools():
    policy = AlertPolicy(recipients=("me@example.com",), cooldown_ms=0)
    decision = decide(signal(T0, firing("macd_cross")), policy, [SentAlert(T0 - HOUR, ("macd_cross",))])
    assert isinstance(decision, Send)


def test_five_candles_firing_the_same_rule_inside_the_cooldown_make_one_email_and_the_next_comes_after_it():
    # Given the same rule firing on five consecutive hourly candles, then again 6 hours after the first
    history: list[SentAlert] = []
    sends = []
    for ts in [T0 + h * HOUR for h in (0, 1, 2, 3, 4, 6)]:
        # When each candle is decided with the sends so far
        decision = decide(signal(ts, firing("rsi_oversold")), POLICY, history)
        if isinstance(decision, Send):
            sends.append(ts)
            history.append(SentAlert(ts, decision.rules))
        else:
            assert decision.reason == "cooldown"
    # Then the first candle and the one after the cooldown were emailed, nothing between
    assert sends == [T0, T0 + 6 * HOUR]


@pytest.mark.parametrize(
    ("timeframe", "cooldown_hours", "written"),
    [("1h", 6, None), ("4h", 8, None), ("1d", 48, None), ("1d", 48, "6h"), ("1h", 2, "0"), ("1d", 72, "3d")],
)
def test_a_series_cooldown_is_never_shorter_than_two_of_its_candles(
    timeframe: str, cooldown_hours: int, written: str | None
):
    # Given a watchlist whose alerts leave the cooldown at its default (6 h) or set it
    alerts = "" if written is None else f"alerts: {{cooldown: '{written}'}}\n"
    text = f"{alerts}series:\n  - {{source: kraken, symbol: BTC/USD, timeframe: {timeframe}}}\n"
    # Then the series' policy holds back at least its next candle: 6 h would hold back no daily candle
    [watched] = parse_watchlist(text).series
    assert watched.alerts.cooldown_ms == cooldown_hours * HOUR


def test_a_market_scans_coins_get_the_same_floor():
    # Given a watchlist whose alerts set no cooldown at all, and a market scan (hourly coins)
    [scan] = parse_watchlist("alerts: {cooldown: '0'}\nseries:\n  - {source: coingecko-markets, top: 20}\n").scans
    # Then a scan coin's next candle after an alert is held back too
    assert scan.alerts.cooldown_ms == 2 * HOUR


def test_a_daily_series_emails_a_rule_again_two_candles_later_not_on_the_next():
    # Given a daily series with the default policy, and one rule firing on three consecutive daily candles
    [watched] = parse_watchlist(
        "alerts: {recipients: [me@example.com]}\nseries:\n  - {source: kraken, symbol: BTC/USD, timeframe: 1d}\n"
    ).series
    day = 24 * HOUR
    history: list[SentAlert] = []
    decisions = []
    for ts in (T0, T0 + day, T0 + 2 * day):
        # When each candle is decided with the sends so far
        decision = decide(signal(ts, firing("rsi_oversold")), watched.alerts, history)
        decisions.append(decision)
        if isinstance(decision, Send):
            history.append(SentAlert(ts, decision.rules))
    # Then the next day's firing is held back as a cooldown, and the one after it is emailed
    first, second, third = decisions
    assert isinstance(first, Send) and isinstance(third, Send)
    assert isinstance(second, Suppress) and second.reason == "cooldown" and "2d" in second.detail


def test_the_watchlist_recipients_win_over_the_stack_default():
    decision = decide(signal(T0, firing("macd_cross")), POLICY, [], default_recipients=("stack@example.com",))
    assert isinstance(decision, Send) and decision.recipients == ("me@example.com",)


def test_the_stack_default_recipients_serve_a_policy_that_names_none():
    policy = AlertPolicy(recipients=())
    decision = decide(signal(T0, firing("macd_cross")), policy, [], default_recipients=("stack@example.com",))
    assert isinstance(decision, Send) and decision.recipients == ("stack@example.com",)


def test_no_recipients_anywhere_suppresses_with_a_hint():
    decision = decide(signal(T0, firing("macd_cross")), AlertPolicy(recipients=()), [])
    assert isinstance(decision, Suppress) and decision.reason == "no_recipients"
    assert "RecipientEmails" in decision.detail


def test_the_recent_sends_are_not_read_when_the_decision_stops_earlier():
    # The notifier reads the log lazily: a signal without firings must cost no Query.
    def unread() -> Iterator[SentAlert]:
        raise AssertionError("recent sends were read")
        yield

    assert decide(signal(T0), POLICY, unread()).reason == "no_firings"  # type: ignore[union-attr]


def test_the_cooldown_window_holds_the_candle_and_every_candle_that_can_cool_it():
    since, until = cooldown_window(T0, 6 * HOUR)
    # Back a full week (the budget's cap counts the sends of the seven days before), forward the cooldown.
    assert since == T0 - WEEK + 1 and until == T0 + 6 * HOUR - 1
    assert cooldown_window(T0, 0) == (T0 - WEEK + 1, T0)
    assert cooldown_window(T0, 9 * 24 * HOUR)[0] == T0 - 9 * 24 * HOUR + 1


# --- issue 10: the rarity bar and the weekly budget -----------------------------------------


def rare(rule: str, score: float, severity: int = 2) -> FiringRecord:
    words = f"the largest hourly move in {score:g} hours"
    return make_firing(rule, severity=severity).model_copy(
        update={"rarity": Rarity(score=score, measure="move", words=words)}
    )


def test_a_firing_under_the_series_bar_is_suppressed_below_threshold_naming_its_rarity():
    decision = decide(signal(T0, rare("fib_cross", 40), rare("sma20_cross", 12)), POLICY, [], bar=100)
    assert isinstance(decision, Suppress) and decision.reason == "below_threshold"
    assert "fib_cross scores 40" in decision.detail and "bar of 100" in decision.detail
    assert decision.rules == ("fib_cross", "sma20_cross")


def test_only_the_firings_that_clear_the_bar_make_the_email():
    decision = decide(signal(T0, rare("fib_cross", 40), rare("volume_spike", 300)), POLICY, [], bar=100)
    assert isinstance(decision, Send) and decision.rules == ("volume_spike",)


def test_a_signal_stored_before_rarity_existed_never_clears_a_bar():
    decision = decide(signal(T0, firing("macd_cross", 3)), POLICY, [], bar=1)
    assert isinstance(decision, Suppress) and decision.reason == "below_threshold"


def test_the_weekly_cap_stops_a_rare_firing_once_the_budget_is_spent():
    policy = AlertPolicy(recipients=("me@example.com",), max_per_week=2)
    sends = [SentAlert(T0 - 3 * 24 * HOUR, ("volume_spike",)), SentAlert(T0 - 5 * 24 * HOUR, ("macd_cross",))]
    decision = decide(signal(T0, rare("fib_cross", 500)), policy, sends, bar=100)
    assert isinstance(decision, Suppress) and decision.reason == "budget_spent"
    assert "2 emails in the 7 days" in decision.detail
    # A send eight days back has left the rolling week: the budget has room again.
    sends[1] = SentAlert(T0 - 8 * 24 * HOUR, ("macd_cross",))
    assert isinstance(decide(signal(T0, rare("fib_cross", 500)), policy, sends, bar=100), Send)


@pytest.mark.parametrize(
    ("sent_before_ms", "counted"),
    [
        pytest.param(WEEK, False, id="exactly-a-week-before"),
        pytest.param(WEEK - 1, True, id="within-the-week"),
        pytest.param(0, False, id="this-very-candle"),
    ],
)
def test_the_weekly_cap_counts_only_the_sends_of_the_seven_days_before_this_candle(sent_before_ms: int, counted: bool):
    # Given a budget of 2 a week, one email three days ago, and another send: exactly a week before the candle (as the
    # budget's calibration drops it), just inside the week, or this very candle's own (a claim left by an invocation
    # that died before sending, which the retry takes over: its email must still go out)
    policy = AlertPolicy(recipients=("me@example.com",), max_per_week=2)
    sends = [SentAlert(T0 - 3 * 24 * HOUR, ("volume_spike",)), SentAlert(T0 - sent_before_ms, ("macd_cross",))]
    # When a rare firing closes
    decision = decide(signal(T0, rare("fib_cross", 500)), policy, sends, bar=100)
    # Then only a send of the seven days before the candle spends the budget
    if counted:
        assert isinstance(decision, Suppress) and decision.reason == "budget_spent"
    else:
        assert isinstance(decision, Send) and decision.rules == ("fib_cross",) and decision.over_budget is None


def test_a_users_own_condition_always_emails_once_per_its_own_cooldown():
    from crypto_advisor.contracts.watchlist import UserCondition

    mine = UserCondition(name="dip", expression="rsi_14 crosses below 25", cooldown_ms=24 * HOUR, severity=1)
    asked = make_firing(mine.rule_id, severity=1)  # severity 1, no rarity: the built-in checks would stop it
    decision = decide(signal(T0, asked, rare("fib_cross", 5)), POLICY, [], bar=100, conditions=(mine,))
    assert isinstance(decision, Send) and decision.rules == (mine.rule_id,)
    # The weekly cap is spent and the condition last emailed 12 hours ago: inside its own 24h cooldown.
    spent = [SentAlert(T0 - k * 24 * HOUR, ("volume_spike",)) for k in (1, 2, 3)] + [
        SentAlert(T0 - 12 * HOUR, (mine.rule_id,))
    ]
    decision = decide(signal(T0, asked), POLICY, spent, bar=100, conditions=(mine,))
    assert isinstance(decision, Suppress) and decision.reason == "cooldown"
    # 25 hours later it emails again, budget or not, and a rare built-in firing stays held back by the spent budget.
    spent[-1] = SentAlert(T0 - 25 * HOUR, (mine.rule_id,))
    decision = decide(signal(T0, asked, rare("volume_spike", 500)), POLICY, spent, bar=100, conditions=(mine,))
    assert isinstance(decision, Send) and decision.rules == (mine.rule_id,)


# --- the follow-up: within the cooldown of an alert, the next one must be rarer --------------


def test_a_follow_up_no_rarer_than_the_alert_an_hour_ago_is_held_back_whatever_its_rule():
    # OBV divergence emailed at 08:00 for the lowest close in 29 days; RSI oversold fires at 09:00 on the same record.
    recent = [SentAlert(T0 - HOUR, ("obv_divergence",), score=696.0)]
    decision = decide(signal(T0, rare("rsi_oversold", 696)), POLICY, recent, bar=100)
    assert isinstance(decision, Suppress) and decision.reason == "cooldown"
    assert "record of 696 candles" in decision.detail and "rsi_oversold, scores 696, no rarer" in decision.detail


def test_a_follow_up_rarer_than_the_alert_before_is_emailed_with_its_other_fresh_firings():
    recent = [SentAlert(T0 - HOUR, ("obv_divergence",), score=200.0)]
    decision = decide(signal(T0, rare("rsi_oversold", 150), rare("volume_spike", 900)), POLICY, recent, bar=100)
    assert isinstance(decision, Send) and set(decision.rules) == {"rsi_oversold", "volume_spike"}
    assert decision.score == 900


def test_a_rule_in_cooldown_that_fires_on_a_rarer_event_than_its_email_carried_is_news_and_heads_the_email():
    # XRP/USD 1d in shape: "rose 10%" emailed the day before (a record of 119 candles); today it rose 44%, its largest
    # daily rise in two years, and RSI crossed 70 on the same candle
    recent = [SentAlert(T0 - HOUR, ("price_change_1h",), score=119.0)]
    decision = decide(signal(T0, rare("price_change_1h", 700), rare("rsi_overbought", 300)), POLICY, recent, bar=10)
    assert isinstance(decision, Send)
    assert set(decision.rules) == {"price_change_1h", "rsi_overbought"} and decision.cooled_rules == ()
    assert decision.score == 700


def test_a_rule_in_cooldown_rarer_than_its_email_emails_on_its_own():
    recent = [SentAlert(T0 - HOUR, ("price_change_1h",), score=119.0)]
    decision = decide(signal(T0, rare("price_change_1h", 700)), POLICY, recent, bar=10)
    assert isinstance(decision, Send) and decision.rules == ("price_change_1h",)


@pytest.mark.parametrize(("score", "cooled"), [(119, True), (200, True), (237, True), (238, False)])
def test_a_rule_in_cooldown_needs_a_record_twice_its_emails_to_come_back(score: float, cooled: bool):
    # A rally lengthens a range record on every candle (the highest close in 10 days, then 11): merely longer is the
    # same news; a record twice as long is half as likely
    recent = [SentAlert(T0 - HOUR, ("price_change_1h",), score=119.0)]
    decision = decide(signal(T0, rare("price_change_1h", score), rare("volume_spike", 400)), POLICY, recent, bar=10)
    assert isinstance(decision, Send)
    assert decision.cooled_rules == (("price_change_1h",) if cooled else ())
    assert decision.rules == (("volume_spike",) if cooled else ("price_change_1h", "volume_spike"))


def test_a_rule_in_cooldown_must_beat_every_email_within_it_that_named_it():
    recent = [
        SentAlert(T0 - 3 * HOUR, ("price_change_1h",), score=800.0),
        SentAlert(T0 - HOUR, ("price_change_1h",), score=119.0),
    ]
    decision = decide(signal(T0, rare("price_change_1h", 700)), POLICY, recent, bar=10)
    assert isinstance(decision, Suppress) and decision.reason == "cooldown"


@pytest.mark.parametrize(("sent_before_ms", "held"), [(6 * HOUR - 1, True), (6 * HOUR, False), (-2 * HOUR, True)])
def test_the_follow_up_reaches_as_far_as_the_cooldown_either_way(sent_before_ms: int, held: bool):
    recent = [SentAlert(T0 - sent_before_ms, ("obv_divergence",), score=500.0)]
    decision = decide(signal(T0, rare("rsi_oversold", 400)), POLICY, recent, bar=100)
    assert isinstance(decision, Suppress if held else Send)


def test_a_market_email_that_covered_the_coin_starts_the_follow_up_but_cools_no_rule_and_spends_no_budget():
    # The market email of the hour before covered this coin's candle (its rarest firing: the lowest close in 696 h)
    market = SentAlert(T0 - HOUR, (), score=696.0, market=True)
    decision = decide(signal(T0, rare("obv_divergence", 696)), POLICY, [market], bar=100)
    assert isinstance(decision, Suppress) and decision.reason == "cooldown"
    assert decision.detail.startswith("the market email within 6h carried a record of 696 candles")
    # A rarer move is news: emailed
    assert isinstance(decide(signal(T0, rare("obv_divergence", 900)), POLICY, [market], bar=100), Send)
    # The series' weekly cap counts its own emails only: two of three spent, plus market emails, leave one
    spent = [SentAlert(T0 - k * 24 * HOUR, ("volume_spike",), score=100.0) for k in (2, 3)]
    covered = [SentAlert(T0 - k * 24 * HOUR, (), score=100.0, market=True) for k in (1, 4, 5)]
    assert isinstance(decide(signal(T0, rare("rsi_oversold", 150)), POLICY, spent + covered, bar=100), Send)


# A record is at most the analysis window (719 hourly candles): two capped records cannot be told apart by their
# scores, so the sizes of the candles' moves (in sigmas of the coin's own volatility) decide.


def capped(rule: str, sigma: float | None, ts: int = T0) -> Signal:
    """A signal at ``ts`` whose one firing is "the lowest close in at least 29 days" (capped at 719 candles), its
    candle having moved ``sigma`` (None: no market context, so the move is not measured)."""
    record = Rarity(score=719, measure="range", words="the lowest close in at least 29 days", capped=True)
    fired = make_firing(rule, severity=2).model_copy(update={"rarity": record})
    market = MarketContext(move=-0.001, move_sigma=sigma) if sigma is not None else None
    return signal(ts, fired).model_copy(update={"market": market})


#: The stablecoin's 0.1% dip at 12:00, emailed: "the lowest close in at least 29 days", 9.6 sigma of its calm.
DIP = SentAlert(T0 - 2 * HOUR, ("rsi_oversold",), score=719.0, capped=True, move_sigma=9.6)


def test_after_a_capped_alert_a_capped_follow_up_whose_candle_moved_far_more_is_emailed():
    # When two hours later the stablecoin collapses 10% (608 sigma), again the lowest close in at least 29 days
    decision = decide(capped("price_change_1h", -608.0), POLICY, [DIP], bar=100)
    # Then it is news: emailed, though its score is no higher than the alert's
    assert isinstance(decision, Send) and decision.rules == ("price_change_1h",)
    # ... and what the log keeps of it for the next follow-up (as the replay keeps it): the cap and the move too
    sent = decision.as_sent(capped("price_change_1h", -608.0))
    assert sent == SentAlert(T0, ("price_change_1h",), 719.0, capped=True, move_sigma=608.0)


def test_after_a_capped_alert_a_capped_follow_up_of_a_similar_move_is_held_back_saying_what_it_compared():
    # When the next candle of the same slide moves about as much (10.2 sigma after 9.6)
    decision = decide(capped("golden_death_cross", -10.2), POLICY, [DIP], bar=100)
    # Then it is held back, and the detail says which records and which moves it compared
    assert isinstance(decision, Suppress) and decision.reason == "cooldown"
    assert decision.detail == (
        "an alert within 6h carried a record of 719 candles (capped); the rarest firing here, golden_death_cross, "
        "scores 719 (capped), and its move of 10.2 sigma is short of the 14.4 needed after that alert's 9.6"
    )


@pytest.mark.parametrize(
    ("told", "short", "needed"),
    [(9.6, 14.3, 14.4), (1.5, 2.4, 2.5)],  # 1.5 times 9.6; after a 1.5-sigma candle, 1 sigma more than it
)
def test_a_capped_follow_up_needs_half_as_many_sigmas_again_and_at_least_one_more(
    told: float, short: float, needed: float
):
    sent = SentAlert(T0 - HOUR, ("rsi_oversold",), score=719.0, capped=True, move_sigma=told)
    assert isinstance(decide(capped("fib_cross", short), POLICY, [sent], bar=100), Suppress)
    assert isinstance(decide(capped("fib_cross", -needed), POLICY, [sent], bar=100), Send)


@pytest.mark.parametrize(
    "sent",
    [
        SentAlert(T0 - 2 * HOUR, ("rsi_oversold",), score=719.0),  # logged before the move was kept
        SentAlert(T0 - 2 * HOUR, ("rsi_oversold",), score=719.0, capped=True),  # its move was not measured
        SentAlert(T0 - 2 * HOUR, ("rsi_oversold",), score=719.0, move_sigma=9.6),  # not a capped record
    ],
)
def test_an_alert_whose_cap_or_move_is_unknown_holds_a_capped_follow_up_back_by_its_score_as_before(sent):
    decision = decide(capped("price_change_1h", -608.0), POLICY, [sent], bar=100)
    assert isinstance(decision, Suppress) and decision.reason == "cooldown"
    assert decision.detail.endswith("the rarest firing here, price_change_1h, scores 719, no rarer")


def test_a_capped_follow_up_whose_own_move_was_not_measured_is_judged_by_its_score_as_before():
    decision = decide(capped("price_change_1h", None), POLICY, [DIP], bar=100)
    assert isinstance(decision, Suppress) and decision.detail.endswith("scores 719, no rarer")


def test_after_the_market_email_a_capped_follow_up_on_a_quiet_candle_is_held_back_and_a_new_plunge_is_not():
    # Given the market email of BTC's 4.4-sigma drop at 05:00, the lowest close in at least 29 days, covered the coin
    market = SentAlert(T0 - 2 * HOUR, (), score=719.0, market=True, capped=True, move_sigma=4.4)
    # When at 07:00 its OBV divergence fires on the same record, on a candle that moved 0.7 sigma
    held = decide(capped("obv_divergence", -0.7), POLICY, [market], bar=100)
    # Then it is held back: one slide, one email
    assert isinstance(held, Suppress) and held.reason == "cooldown"
    assert held.detail.endswith("its move of 0.7 sigma is short of the 6.6 needed after the market email's 4.4")
    # ... while a candle that plunged 8 sigma more is emailed
    assert isinstance(decide(capped("obv_divergence", -8.0), POLICY, [market], bar=100), Send)


def test_a_follow_up_must_be_rarer_than_every_alert_within_the_cooldown():
    # Given the dip's alert and, an hour later, a larger capped move's alert (a follow-up that was news)
    plunge = SentAlert(T0 - HOUR, ("price_change_1h",), score=719.0, capped=True, move_sigma=20.0)
    # When the next capped candle moved more than the dip's but not clearly more than the plunge's
    decision = decide(capped("fib_cross", -25.0), POLICY, [DIP, plunge], bar=100)
    # Then it is held back by the plunge's alert, the one it did not beat
    assert isinstance(decision, Suppress) and decision.detail.endswith(
        "short of the 30.0 needed after that alert's 20.0"
    )


def test_an_alert_logged_without_a_score_holds_no_follow_up_back():
    # An email logged before the score was kept, or one of the user's own conditions only.
    recent = [SentAlert(T0 - HOUR, ("obv_divergence",))]
    assert isinstance(decide(signal(T0, rare("rsi_oversold", 150)), POLICY, recent, bar=100), Send)


def test_a_users_own_condition_is_not_held_back_by_a_rarer_alert_before_it():
    from crypto_advisor.contracts.watchlist import UserCondition

    mine = UserCondition(name="dip", expression="rsi_14 crosses below 25", severity=1)
    recent = [SentAlert(T0 - HOUR, ("volume_spike",), score=5000.0)]
    asked = make_firing(mine.rule_id, severity=1)
    decision = decide(signal(T0, asked, rare("fib_cross", 150)), POLICY, recent, bar=100, conditions=(mine,))
    assert isinstance(decision, Send) and decision.rules == (mine.rule_id,)
    assert decision.score is None  # an email of the user's conditions only holds no later alert back


def test_one_move_over_six_hours_makes_one_email_and_another_only_when_it_turns_rarer():
    # Given a different rule firing each hour as a slide deepens: the record grows in the fifth hour only
    scores = {0: 300, 1: 300, 2: 250, 3: 300, 4: 420, 5: 420}
    history: list[SentAlert] = []
    emailed = []
    for hour, score in scores.items():
        decision = decide(signal(T0 + hour * HOUR, rare(f"rule_{hour}", score)), POLICY, history, bar=100)
        if isinstance(decision, Send):
            emailed.append(hour)
            history.append(SentAlert(T0 + hour * HOUR, decision.rules, decision.score))
    # Then the first hour and the hour it became more unusual were emailed, nothing between
    assert emailed == [0, 4]


# --- over the budget: a move rarer than every alert of the week still emails ------------------------------------------

#: A stablecoin's week: three routine alerts spent the budget of 3 (a capped quiet-candle record among them).
ROUTINE_WEEK = [
    SentAlert(T0 - 5 * 24 * HOUR, ("volume_spike",), score=400.0, move_sigma=3.0),
    SentAlert(T0 - 3 * 24 * HOUR, ("rsi_oversold",), score=719.0, capped=True, move_sigma=9.6),
    SentAlert(T0 - 24 * HOUR, ("bb_breakout",), score=500.0, move_sigma=4.0),
]


def test_a_depeg_after_a_full_week_is_emailed_over_the_budget_saying_so():
    # Given the week's cap of 3 spent, when a 10% depeg (608 sigma, "the lowest close in at least 29 days") closes
    decision = decide(capped("price_change_1h", -608.0), POLICY, ROUTINE_WEEK, bar=100)
    # Then it is emailed all the same, as the 4th of the week over the cap of 3
    assert isinstance(decision, Send) and decision.rules == ("price_change_1h",)
    # ... with the moves it was compared by: this candle's and the largest of the week's
    assert decision.over_budget == OverBudget(nth=4, cap=3, move_sigma=608.0, week_sigma=9.6)
    # A send within the budget carries no marker
    within = decide(capped("price_change_1h", -608.0), POLICY, ROUTINE_WEEK[1:], bar=100)
    assert isinstance(within, Send) and within.over_budget is None


def test_an_escalating_crash_emails_again_over_the_budget_and_a_similar_candle_of_the_slide_does_not():
    depeg = decide(capped("price_change_1h", -608.0), POLICY, ROUTINE_WEEK, bar=100)
    assert isinstance(depeg, Send)
    week = [*ROUTINE_WEEK, depeg.as_sent(capped("price_change_1h", -608.0))]
    # Eight hours later (past the 6h cooldown) a capped candle of the same slide, not 1.5x the depeg's sigmas
    later = T0 + 8 * HOUR
    held = decide(capped("rsi_oversold", -700.0, later), POLICY, week, bar=100)
    assert isinstance(held, Suppress) and held.reason == "budget_spent"
    assert held.detail == "4 emails in the 7 days before this candle; the cap is 3"  # the detail as before
    # A collapse of another order (1.5x the largest of the week's moves, and more) emails again, the 5th
    again = decide(capped("rsi_oversold", -950.0, later), POLICY, week, bar=100)
    assert isinstance(again, Send) and again.over_budget == OverBudget(nth=5, cap=3, move_sigma=950.0, week_sigma=608.0)


def test_a_rare_firing_that_is_not_a_capped_record_is_still_held_back_by_a_spent_budget():
    # Longer than any of the week's records but not capped: the budget was sized on records like it
    decision = decide(signal(T0, rare("volume_spike", 710)), POLICY, ROUTINE_WEEK, bar=100)
    assert isinstance(decision, Suppress) and decision.reason == "budget_spent"
    assert decision.detail == "3 emails in the 7 days before this candle; the cap is 3"


def test_an_alert_of_the_week_that_kept_no_score_keeps_the_cap_in_force():
    # An email of the user's own conditions only, or one logged before scores were kept: it cannot be shown beaten
    week = [*ROUTINE_WEEK[1:], SentAlert(T0 - 2 * 24 * HOUR, ("condition:dip",))]
    decision = decide(capped("price_change_1h", -608.0), POLICY, week, bar=100)
    assert isinstance(decision, Suppress) and decision.reason == "budget_spent"


def test_market_emails_still_spend_none_of_the_budget_the_override_is_judged_against():
    # Two alerts and a market email that covered a larger move: the budget has room, no override is needed
    covered = SentAlert(T0 - 2 * 24 * HOUR, (), score=719.0, market=True, capped=True, move_sigma=900.0)
    decision = decide(capped("price_change_1h", -608.0), POLICY, [*ROUTINE_WEEK[1:], covered], bar=100)
    assert isinstance(decision, Send) and decision.over_budget is None
