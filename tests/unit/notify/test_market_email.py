"""The market email: when one candle moves many watched coins the same way, one email instead of one per coin.

The decision (:mod:`crypto_advisor.notify.market`) on hand-made signals; the
notifier's flow with the fakes of its ports (the notification log keeps the
real one's conditional writes and lease): any order of arrival, redeliveries
and failed sends make exactly one market email, and each covered coin is
recorded ``in_market_email`` once; a coin that did not follow is decided on
its own. The email is the real renderer's, parsed back from its MIME bytes.
"""

from __future__ import annotations

from typing import Any

import pytest

from crypto_advisor.adapters.notification_log import LEASE_MS
from crypto_advisor.contracts.alerts import market_log_key
from crypto_advisor.contracts.errors import DeliveryError, DeliveryUnknownError, StorageError
from crypto_advisor.contracts.market_context import BetaReading, MarketContext, TrendReading
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Health, Rarity, Signal
from crypto_advisor.contracts.steering import Mute
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.contracts.watchlist import AlertPolicy, WatchedSeries
from crypto_advisor.notify.delivery import AlertInFlightError
from crypto_advisor.notify.market import market_move, movers_needed
from crypto_advisor.notify.market_email import market_subject, render_market_email
from crypto_advisor.notify.outcomes import Sent, Suppressed
from crypto_advisor.notify.policy import SUPPRESS_REASONS
from crypto_advisor.notify.ports import SteeringLookup
from crypto_advisor.notify.service import Notifier
from tests.fakes.candles import FakeCandles
from tests.fakes.notify import FakeFigures, FakeLog, FakeMailer, FakeSignalTable, FakeWatchlist
from tests.unit.notify.conftest import bare_signal, firing
from tests.unit.notify.conftest import beta_reading as beta

HOUR = 3_600_000
NOW = 1_800_000_000_000
TS = 1_767_225_600_000  # the candle of bare_signal: 2026-01-01T00:00Z
BTC, ETH, SOL, XRP, HYPE = (
    Series.parse(k)
    for k in (
        "kraken:BTC-USD:1h",
        "kraken:ETH-USD:1h",
        "kraken:SOL-USD:1h",
        "kraken:XRP-USD:1h",
        "coingecko:HYPE-USD:1h",
    )
)
WATCHED = [BTC, ETH, SOL, XRP, HYPE]
POLICY = AlertPolicy(recipients=("me@example.com",), min_severity=1)
TRENDS = [
    TrendReading(timeframe="1d", direction="up", candles=29, resampled=True, close=101.0, ema=100.0, agrees=False)
]


def signal(series: Series, move: float, sigma: float, reading: BetaReading | None = None, **changes: Any) -> Signal:
    """A stored signal of ``series`` at TS whose candle moved ``move`` (``sigma`` of its own volatility)."""
    market = MarketContext(
        move=move,
        move_sigma=sigma,
        reference=None if series == BTC else BTC.key,
        beta=reading,
        trends=TRENDS if series == BTC else [],
    )
    fields = {"series": series.key, "market": market, "firings": [firing("price_change_1h", direction="bearish")]}
    return bare_signal(**{**fields, **changes})


#: The market's candle: BTC -3.9%, ETH as BTC implies, SOL 4 points worse, XRP flat; HYPE's signal not in.
CRASH = {
    BTC.key: signal(BTC, -0.039, -3.2),
    ETH.key: signal(ETH, -0.051, -2.8, beta(-0.0003, -0.1)),
    SOL.key: signal(SOL, -0.09, -4.5, beta(-0.0393, -4.2)),
    XRP.key: signal(XRP, 0.002, 0.1, beta(0.0527, 1.5)),
}


# ------------------------------------------------------------------------------------------------ the decision


@pytest.mark.parametrize(("watched", "needed"), [(1, 2), (2, 2), (3, 2), (4, 2), (5, 3), (6, 3), (40, 3)])
def test_many_means_three_coins_or_half_of_fewer_and_never_one(watched, needed):
    assert movers_needed(watched) == needed


def test_three_of_five_coins_falling_2_sigma_on_one_candle_is_a_market_move():
    move = market_move("1h", TS, WATCHED, CRASH)
    assert move is not None and move.direction == "down"
    assert [c.series for c in move.followed] == [BTC, ETH, SOL]
    assert [(c.series, c.status) for c in move.others] == [(XRP, "did_not_follow"), (HYPE, "not_in_yet")]
    assert move.reference is not None and move.reference.series == BTC
    assert move.covers(SOL.key) and not move.covers(XRP.key)


def test_two_movers_of_five_bad_data_and_small_moves_make_no_market_move():
    sick = {**CRASH, SOL.key: CRASH[SOL.key].model_copy(update={"health": Health(healthy=False, reasons=["gap"])})}
    assert market_move("1h", TS, WATCHED, sick) is None
    mild = {**CRASH, ETH.key: signal(ETH, -0.01, -1.9)}
    assert market_move("1h", TS, WATCHED, mild) is None
    assert market_move("1h", TS, WATCHED, {k: CRASH[k] for k in (ETH.key, SOL.key)}) is None


def test_a_tie_between_the_ways_goes_the_way_btc_moved():
    up = {BTC.key: signal(BTC, 0.03, 2.5), ETH.key: signal(ETH, 0.03, 2.5)}
    down = {SOL.key: signal(SOL, -0.05, -3.0), XRP.key: signal(XRP, -0.05, -3.0)}
    move = market_move("1h", TS, WATCHED[:4], {**up, **down})
    assert move is not None and move.direction == "up" and [c.series for c in move.followed] == [BTC, ETH]


# ------------------------------------------------------------------------------------------------ the email


def test_the_market_email_names_btcs_move_who_followed_and_who_did_not():
    move = market_move("1h", TS, WATCHED, CRASH)
    assert move is not None
    assert market_subject(move) == "Market: BTC -3.9% on the 1h candle, 3 of 5 coins fell together"
    email = render_market_email(move, HOUR)
    text = email.text
    assert "3 of the 5 coins you watch on 1h candles fell by 2 sigma or more" in text
    assert "BTC/USD -3.9% (3.2 sigma) on the candle." in text
    assert "Trend before this candle: the drop goes against the 1d trend (up, 1.0% above its EMA 20)." in text
    assert "- ETH/USD -5.1% (2.8 sigma): about the -5.1% that BTC's -3.9% implies at beta 1.3" in text
    assert "- SOL/USD -9.0% (4.5 sigma): 3.9 points worse than the -5.1% that BTC's -3.9% implies at beta 1.3" in text
    assert "DID NOT FOLLOW" in text and "- XRP/USD +0.2% (0.1 sigma): 5.3 points better than" in text
    assert "- HYPE/USD: no signal for this candle yet" in text
    # A coin that followed still gets its own email when one of the user's conditions fired: the email says so
    assert "no alert of their own for this candle, except where one of your own conditions fired" in text
    [image] = email.images
    assert image.png.startswith(b"\x89PNG") and f'src="cid:{image.cid}"' in email.html
    assert "3.9 points worse than the -5.1% that BTC&#x27;s -3.9% implies" in email.html


# ------------------------------------------------------------------------------------------------ the notifier


@pytest.fixture
def parts() -> dict[str, Any]:
    return {
        "watchlist": FakeWatchlist(*(WatchedSeries(series=s, backfill_candles=720, alerts=POLICY) for s in WATCHED)),
        "log": FakeLog(),
        "candles": FakeCandles([]),
        "figures": FakeFigures(),
        "mailer": FakeMailer(),
        "signals": FakeSignalTable(),
    }


def notifier(parts: dict[str, Any]) -> Notifier:
    return Notifier(sender="alerts@example.com", **parts)


def arrive(parts: dict[str, Any], *keys: str, now_ms: int = NOW) -> list[Any]:
    """The analysis stores the signals of ``keys``, then the stream delivers each to the notifier, in that order."""
    for key in keys:
        parts["signals"].put(CRASH[key])
    return [notifier(parts).notify(CRASH[key], now_ms=now_ms) for key in keys]


def decisions(parts: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    return {key: (item["status"], item.get("reason")) for (key, ts), item in parts["log"].items.items() if ts == TS}


def market_emails(parts: dict[str, Any]) -> list[str]:
    return [m["Subject"] for m in parts["mailer"].messages() if m["Subject"].startswith("Market:")]


@pytest.mark.parametrize(
    "order",
    [
        (BTC.key, ETH.key, SOL.key, XRP.key),
        (XRP.key, SOL.key, ETH.key, BTC.key),
        (SOL.key, XRP.key, BTC.key, ETH.key),
    ],
)
def test_whatever_the_order_of_arrival_one_market_email_covers_the_coins_that_followed(parts, order):
    # Given every coin's signal stored before the stream reaches the notifier, in any order
    for key in order:
        parts["signals"].put(CRASH[key])
    # When each record is handled
    outcomes = {key: notifier(parts).notify(CRASH[key], now_ms=NOW) for key in order}
    # Then exactly one market email went out, sent by the first coin that followed to arrive
    assert market_emails(parts) == ["Market: BTC -3.9% on the 1h candle, 3 of 5 coins fell together"]
    first = next(k for k in order if k != XRP.key)
    assert isinstance(outcomes[first], Suppressed) and outcomes[first].market is not None
    assert outcomes[first].market.covers == (BTC.key, ETH.key, SOL.key)
    # ... every coin that followed is recorded in it, once, and the one that did not was judged on its own
    found = decisions(parts)
    for key in (BTC.key, ETH.key, SOL.key):
        assert found[key] == ("suppressed", "in_market_email")
    assert found[XRP.key] != ("suppressed", "in_market_email")
    assert found[market_log_key("1h")] == ("sent", None)
    assert "in_market_email" in SUPPRESS_REASONS


def test_a_coin_decided_before_the_move_was_market_wide_keeps_its_decision_and_later_ones_join_the_email(parts):
    # Given only ETH's signal stored when its record arrives: one mover of five, not a market move yet
    [eth] = arrive(parts, ETH.key)
    assert not (isinstance(eth, Suppressed) and eth.suppress.reason == "in_market_email")
    # When SOL and then BTC arrive, each stored just before its record is handled
    [sol] = arrive(parts, SOL.key)
    [btc] = arrive(parts, BTC.key)
    # Then the third mover makes the move market-wide and sends the email; the later coin is recorded in it
    assert isinstance(sol, Suppressed) and sol.suppress.reason != "in_market_email"
    assert isinstance(btc, Suppressed) and btc.market is not None and btc.suppress.reason == "in_market_email"
    assert len(market_emails(parts)) == 1
    # ... and a redelivery of ETH's record changes nothing: its first decision stands, no email is sent again
    again = notifier(parts).notify(CRASH[ETH.key], now_ms=NOW + 1_000)
    assert isinstance(again, Suppressed) and not again.recorded and again.market is None
    assert len(market_emails(parts)) == 1


def test_redelivered_records_send_no_second_market_email(parts):
    arrive(parts, BTC.key, ETH.key, SOL.key)
    again = arrive(parts, SOL.key, BTC.key, ETH.key, now_ms=NOW + 5_000)
    assert all(isinstance(o, Suppressed) and not o.recorded and o.market is None for o in again)
    assert len(parts["mailer"].sent) == 1


def test_a_failed_send_releases_the_claim_records_nothing_and_the_retry_sends_once(parts):
    # Given SES throttling the first attempt
    parts["mailer"].fail_with.append(DeliveryError("Throttling", retryable=True))
    for key in (BTC.key, ETH.key, SOL.key):
        parts["signals"].put(CRASH[key])
    # When BTC's record is handled: the error propagates (the record fails), the claim is released, nothing recorded
    with pytest.raises(DeliveryError):
        notifier(parts).notify(CRASH[BTC.key], now_ms=NOW)
    assert decisions(parts) == {}
    # Then its retry (and the other coins) send the market email once
    arrive(parts, BTC.key, ETH.key, SOL.key, now_ms=NOW + 1_000)
    assert len(parts["mailer"].sent) == 1 and decisions(parts)[BTC.key] == ("suppressed", "in_market_email")


def test_a_lost_ses_answer_keeps_the_market_email_unknown_and_the_coins_join_it_never_sending_it_again(parts):
    # Given SES's answer lost for the market email (it may be in the mailboxes)
    parts["mailer"].fail_with.append(DeliveryUnknownError("Read timeout on endpoint URL"))
    # When the coins that followed arrive: the first one sends, and no record fails
    first, *others = arrive(parts, BTC.key, ETH.key, SOL.key)
    # Then the market email is kept unknown, said so in the outcome, and never sent again
    assert isinstance(first, Suppressed) and first.market is not None and first.market.message_id is None
    assert "Read timeout" in (first.market.unknown or "")
    found = decisions(parts)
    assert found[market_log_key("1h")] == ("unknown", None)
    # ... and every coin that followed is recorded in it, as for an email that went out
    assert all(found[key] == ("suppressed", "in_market_email") for key in (BTC.key, ETH.key, SOL.key))
    assert all(isinstance(o, Suppressed) and o.market is None for o in others)
    assert parts["mailer"].sent == []


def test_dying_after_the_email_was_marked_sent_leaves_only_the_coins_record_to_the_retry(parts):
    # Given the coin's own record cannot be written once the market email was sent
    log = parts["log"]
    real = log.record_suppressed
    log.record_suppressed = lambda *a, **k: (_ for _ in ()).throw(StorageError("DynamoDB is down"))
    for key in (BTC.key, ETH.key, SOL.key):
        parts["signals"].put(CRASH[key])
    with pytest.raises(StorageError):
        notifier(parts).notify(CRASH[SOL.key], now_ms=NOW)
    assert len(parts["mailer"].sent) == 1 and SOL.key not in decisions(parts)
    # When the record is retried with the table back
    log.record_suppressed = real
    retried = notifier(parts).notify(CRASH[SOL.key], now_ms=NOW + 1_000)
    # Then the email is not sent again and the coin is recorded in it
    assert isinstance(retried, Suppressed) and retried.recorded and retried.market is None
    assert len(parts["mailer"].sent) == 1 and decisions(parts)[SOL.key] == ("suppressed", "in_market_email")


def test_a_claim_held_by_another_invocation_is_retried_later_and_taken_over_after_its_lease(parts):
    for key in (BTC.key, ETH.key, SOL.key):
        parts["signals"].put(CRASH[key])
    parts["log"].claim_market("1h", TS, now_ms=NOW, direction="down", covers=[], recipients=[])
    with pytest.raises(AlertInFlightError):
        notifier(parts).notify(CRASH[ETH.key], now_ms=NOW + 1_000)
    later = notifier(parts).notify(CRASH[ETH.key], now_ms=NOW + LEASE_MS + 1)
    assert isinstance(later, Suppressed) and later.market is not None and later.market.took_over


def test_a_coin_that_did_not_follow_still_gets_its_own_email_when_it_earns_one(parts):
    # Given XRP rose 3 sigma against the falling market, with a firing rare enough for any bar
    rare = Rarity(score=720, measure="own_move", words="the largest hourly rise beyond what BTC implied in 30 days")
    xrp = signal(XRP, 0.03, 3.0, beta(0.08, 6.0), firings=[firing("price_change_1h", severity=3, rarity=rare)])
    for key in (BTC.key, ETH.key, SOL.key):
        parts["signals"].put(CRASH[key])
    parts["signals"].put(xrp)
    arrive(parts, BTC.key)
    # When its record arrives
    outcome = notifier(parts).notify(xrp, now_ms=NOW)
    # Then it is emailed on its own, beside the market email
    assert isinstance(outcome, Sent) and len(parts["mailer"].sent) == 2


def test_a_candle_that_did_not_move_much_reads_no_other_signal(parts):
    quiet = signal(ETH, 0.001, 0.3)
    notifier(parts).notify(quiet, now_ms=NOW)
    assert parts["signals"].reads == 0 and parts["log"].market_claims == 0


def test_the_market_email_is_one_mime_message_of_text_html_and_chart(parts):
    arrive(parts, BTC.key, ETH.key, SOL.key)
    [(_, recipients, _)] = parts["mailer"].sent
    [message] = parts["mailer"].messages()
    assert recipients == ("me@example.com",) and message.get_content_type() == "multipart/alternative"
    plain, related = message.get_payload()
    assert plain.get_content_type() == "text/plain"
    html, png = related.get_payload()
    assert html.get_content_type() == "text/html" and png.get_content_type() == "image/png"
    assert message["Date"] == "Thu, 01 Jan 2026 01:00:00 +0000"  # the candle's close: a retry is the same message


def test_a_coin_whose_own_condition_fired_gets_its_condition_emailed_not_swallowed_by_the_market_email(parts):
    # Given SOL fell with the market, and the user's own condition on SOL fired on that candle
    mine = firing("condition:sol dip", direction="bearish")
    sol = CRASH[SOL.key].model_copy(update={"firings": [*CRASH[SOL.key].firings, mine]})
    for key in (BTC.key, ETH.key):
        parts["signals"].put(CRASH[key])
    parts["signals"].put(sol)
    # When its record arrives first
    outcome = notifier(parts).notify(sol, now_ms=NOW)
    # Then the condition is emailed (the user asked for exactly that), and the others still make the market email
    assert isinstance(outcome, Sent) and "condition:sol dip" in outcome.send.rules
    arrive(parts, BTC.key, ETH.key)
    assert len(market_emails(parts)) == 1


def test_a_crash_over_several_candles_makes_one_market_email_within_the_cooldown(parts):
    # Given the market email of the crash's first candle went out
    arrive(parts, BTC.key, ETH.key, SOL.key)
    assert len(market_emails(parts)) == 1
    # When the next candle (an hour later, inside the 6h cooldown) moves the same coins as much again
    later = {key: signal.model_copy(update={"candle_ts": TS + HOUR_MS}) for key, signal in CRASH.items()}
    for key in (BTC.key, ETH.key, SOL.key):
        parts["signals"].put(later[key])
    outcomes = [notifier(parts).notify(later[key], now_ms=NOW + HOUR_MS) for key in (BTC.key, ETH.key, SOL.key)]
    # Then no second market email: each coin was judged on its own by the policy
    assert len(market_emails(parts)) == 1
    assert all(not (isinstance(o, Suppressed) and o.suppress.reason == "in_market_email") for o in outcomes)


def test_a_coins_next_alert_within_its_cooldown_after_the_market_email_must_be_rarer_than_its_covered_move(parts):
    # Given BTC's crash candle, the lowest close in 700 hours, covered by the market email
    record = Rarity(score=700.0, measure="move", words="the largest hourly drop in 700 hours")
    crash = firing("price_change_1h", direction="bearish", rarity=record)
    CRASH_RARE = {**CRASH, BTC.key: CRASH[BTC.key].model_copy(update={"firings": [crash]})}
    for key in (BTC.key, ETH.key, SOL.key):
        parts["signals"].put(CRASH_RARE[key])
    for key in (BTC.key, ETH.key, SOL.key):
        notifier(parts).notify(CRASH_RARE[key], now_ms=NOW)
    assert len(market_emails(parts)) == 1 and decisions(parts)[BTC.key] == ("suppressed", "in_market_email")
    # When two hours later BTC's OBV divergence fires on the same record, on a candle that moved nothing else
    quiet = signal(BTC, -0.004, -0.5, candle_ts=TS + 2 * HOUR)

    def obv(score: float) -> Signal:
        rarity = Rarity(score=score, measure="move", words=f"the largest hourly drop in {score:g} hours")
        return quiet.model_copy(update={"firings": [firing("obv_divergence", direction="bearish", rarity=rarity)]})

    held = notifier(parts).notify(obv(700.0), now_ms=NOW + 2 * HOUR)
    # Then it is held back: the user heard of this move from the market email, and it is no more unusual
    assert isinstance(held, Suppressed) and held.suppress.reason == "cooldown"
    assert "the market email within 6h carried a record of 700 candles" in held.suppress.detail
    # And a candle later, a lower close than any in 900 hours is news: BTC's own email goes out
    later = obv(900.0).model_copy(update={"candle_ts": TS + 3 * HOUR})
    assert isinstance(notifier(parts).notify(later, now_ms=NOW + 3 * HOUR), Sent)


def test_after_the_market_email_a_capped_record_on_a_quiet_candle_is_held_back_and_a_new_plunge_is_not(parts):
    # Given BTC's 3.2-sigma crash candle, the lowest close in at least 29 days (a capped record), in the market email
    record = Rarity(score=719.0, measure="range", words="the lowest close in at least 29 days", capped=True)
    crash = firing("price_change_1h", direction="bearish", rarity=record)
    CRASH_CAPPED = {**CRASH, BTC.key: CRASH[BTC.key].model_copy(update={"firings": [crash]})}
    for key in (BTC.key, ETH.key, SOL.key):
        parts["signals"].put(CRASH_CAPPED[key])
    for key in (BTC.key, ETH.key, SOL.key):
        notifier(parts).notify(CRASH_CAPPED[key], now_ms=NOW)
    covered = parts["log"].items[(BTC.key, TS)]
    assert (covered["reason"], covered["score"], covered["capped"], covered["move_sigma"]) == (
        "in_market_email",
        719.0,
        True,
        3.2,
    )

    def obv(sigma: float, hours: int) -> Signal:
        later = signal(BTC, -0.004, sigma, candle_ts=TS + hours * HOUR)
        return later.model_copy(update={"firings": [firing("obv_divergence", direction="bearish", rarity=record)]})

    # When two hours later BTC's OBV divergence fires on the same capped record, on a candle that moved 0.7 sigma
    held = notifier(parts).notify(obv(-0.7, 2), now_ms=NOW + 2 * HOUR)
    # Then it is held back: the user heard of this move from the market email (the demo's 07:00)
    assert isinstance(held, Suppressed) and held.suppress.reason == "cooldown"
    assert held.suppress.detail.endswith(
        "its move of 0.7 sigma is short of the 4.8 needed after the market email's 3.2"
    )
    # And a candle later, a plunge of 6 sigma on the same capped record is news: BTC's own email goes out
    assert isinstance(notifier(parts).notify(obv(-6.0, 3), now_ms=NOW + 3 * HOUR), Sent)


# ------------------------------------------------------------------------------------------------ mutes

# A coin whose whole series is muted takes no part in the market email, and is recorded as the policy records it.

#: When the crash's candle closed: what a mute's end is compared with.
CANDLE_CLOSE = TS + HOUR


class Steering(SteeringLookup):
    """The SettingsTable's mutes: ``muted`` series have a mute of every rule ending at ``until_ms``; nobody left."""

    def __init__(self, *muted: str, until_ms: int = NOW + 7 * 86_400_000) -> None:
        self.muted, self.until_ms = set(muted), until_ms

    def mutes(self, series: str) -> list[Mute]:
        if series not in self.muted:
            return []
        return [Mute(series=series, until_ms=self.until_ms, by="me@example.com", via="dashboard", created_ms=TS)]

    def unsubscribed(self) -> frozenset[str]:
        return frozenset()


def market_text(parts: dict[str, Any]) -> str:
    [message] = [m for m in parts["mailer"].messages() if m["Subject"].startswith("Market:")]
    return str(message.get_body(preferencelist=("plain",)).get_content())


def test_when_every_coin_that_moved_is_muted_no_market_email_goes_out_and_each_is_recorded_muted(parts):
    # Given the whole of BTC, ETH and SOL muted for the week
    parts["steering"] = Steering(BTC.key, ETH.key, SOL.key)
    # When their records arrive
    outcomes = arrive(parts, BTC.key, ETH.key, SOL.key)
    # Then no market email was claimed or sent, and each coin is recorded as the single-coin path records it
    assert market_emails(parts) == [] and parts["log"].market_claims == 0
    assert all(isinstance(o, Suppressed) and o.suppress.reason == "muted" for o in outcomes)
    assert decisions(parts) == {key: ("suppressed", "muted") for key in (BTC.key, ETH.key, SOL.key)}


@pytest.mark.parametrize("order", [(SOL.key, BTC.key, ETH.key), (BTC.key, ETH.key, SOL.key)])
def test_a_muted_coin_is_left_out_and_the_others_still_make_the_market_email(parts, order):
    # Given SOL muted; without it four coins are watched, and two of four moving together is a market move
    parts["steering"] = Steering(SOL.key)
    # When the three coins that fell arrive, in either order
    arrive(parts, *order)
    # Then one market email covers BTC and ETH only, and does not mention SOL
    assert market_emails(parts) == ["Market: BTC -3.9% on the 1h candle, 2 of 4 coins fell together"]
    assert "SOL" not in market_text(parts)
    assert parts["log"].items[("market#1h", TS)]["covers"] == [BTC.key, ETH.key]
    # ... and SOL is recorded muted, the others in the market email
    found = decisions(parts)
    assert found[SOL.key] == ("suppressed", "muted")
    assert found[BTC.key] == found[ETH.key] == ("suppressed", "in_market_email")


def test_a_muted_coin_that_did_not_follow_does_not_appear_in_the_market_email(parts):
    parts["steering"] = Steering(XRP.key)
    parts["signals"].put(CRASH[XRP.key])
    arrive(parts, BTC.key, ETH.key, SOL.key)
    assert market_emails(parts) == ["Market: BTC -3.9% on the 1h candle, 3 of 4 coins fell together"]
    assert "XRP" not in market_text(parts)


def test_a_mute_that_ended_before_the_candle_closed_leaves_the_coin_in_the_market_email(parts):
    parts["steering"] = Steering(SOL.key, until_ms=CANDLE_CLOSE)
    arrive(parts, BTC.key, ETH.key, SOL.key)
    assert market_emails(parts) == ["Market: BTC -3.9% on the 1h candle, 3 of 5 coins fell together"]
    assert decisions(parts)[SOL.key] == ("suppressed", "in_market_email")


def test_whoever_watches_only_a_muted_coin_gets_no_market_email_about_the_others(parts):
    # Given SOL watched by someone who watches nothing else, and muted
    sol_only = POLICY.model_copy(update={"recipients": ("sol-fan@example.com",)})
    watched = [WatchedSeries(series=s, backfill_candles=720, alerts=sol_only if s == SOL else POLICY) for s in WATCHED]
    parts["watchlist"] = FakeWatchlist(*watched)
    parts["steering"] = Steering(SOL.key)
    # When the market email goes out
    arrive(parts, BTC.key, ETH.key, SOL.key)
    # Then it goes to the other coins' recipients only
    [(_, recipients, _)] = parts["mailer"].sent
    assert recipients == ("me@example.com",)
