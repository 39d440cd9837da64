"""NotifyFunction's market email against the embedded AWS: one candle moving many watched coins, one email.

The signals are the real analysis' of the ingested candles, their market
context replaced by the moves the test needs, stored through the real
SignalStore; the stream reaches NotifyFunction as its event source mapping
would, and the function reads the other coins' signals back from the Signals
table with the permissions template.yaml gives it. Emails are counted in the
embedded SES itself.
"""

from __future__ import annotations

from boto3.dynamodb.conditions import Key

from crypto_advisor.adapters.candle_store import CandleStore
from crypto_advisor.adapters.signal_store import SignalStore
from crypto_advisor.analysis.closed_candle import analyze
from crypto_advisor.analysis.rules import build_rules
from crypto_advisor.contracts.alerts import market_log_key
from crypto_advisor.contracts.market_context import MarketContext
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.local.outbox import accepted_emails, verify_sender
from crypto_advisor.local.runtime import LocalRuntime
from crypto_advisor.market.indicator_spec import WINDOW_CANDLES
from tests.conftest import REPO
from tests.integration.test_notify_function import LAST, firing, ingested, parsed
from tests.unit.notify.conftest import firing as routine

HOUR = 3_600_000
WATCHLIST = """
defaults: {timeframe: 1h, backfill_candles: 240}
series:
  - {source: kraken, symbol: BTC/USD}
  - {source: kraken, symbol: ETH/USD}
  - {source: kraken, symbol: SOL/USD}
  - {source: kraken, symbol: XRP/USD}
alerts: {recipients: [me@example.com], min_severity: 1}
"""
BTC, ETH, SOL, XRP = (Series.parse(f"kraken:{s}-USD:1h") for s in ("BTC", "ETH", "SOL", "XRP"))
#: The candle's move of each coin, in sigmas: BTC, ETH and SOL fall together, XRP does not follow.
MOVES = {BTC: (-0.039, -3.2), ETH: (-0.051, -2.8), SOL: (-0.09, -4.5), XRP: (0.002, 0.1)}


def store(deployed, series: Series, ts: int) -> Signal:
    """The real analysis of ``series``' candle at ``ts``, with a firing and the move the test needs, stored."""
    window = CandleStore(deployed.table, hot_window=0).window(series, since_ts=ts - (WINDOW_CANDLES - 1) * HOUR)
    analysed = analyze(series, window, candle_ts=ts, now_ms=ts + HOUR + 60_000, rules=build_rules(None))
    move, sigma = MOVES[series]
    # XRP, which did not follow, has a routine firing: judged on its own, it stays under the rarity bar.
    fired = routine("price_change_1h") if series == XRP else firing("price_change_1h")
    signal = analysed.model_copy(update={"firings": [fired], "market": MarketContext(move=move, move_sigma=sigma)})
    table = deployed.aws.resource("dynamodb").Table(deployed.stack.outputs["SignalsTableName"])
    assert SignalStore(table).put_once(signal)
    return signal


def test_a_candle_that_moved_three_of_four_coins_sends_one_market_email_and_covers_them(deployed):
    # Given four watched coins ingested, the sender verified, and the signals of one candle stored by the analysis
    notify = ingested(deployed, WATCHLIST)
    verify_sender(deployed.stack)
    before = len(accepted_emails())
    for series in MOVES:
        store(deployed, series, LAST)
    # When the Signals stream is delivered to NotifyFunction, and then again from its start (a redelivery)
    first = notify.deliver()
    again = LocalRuntime(deployed.stack, repo_root=REPO).deliver_dynamodb_streams("NotifyFunction")
    # Then every record succeeded, and SES accepted one email: the market's
    assert all(r == {"batchItemFailures": []} for r in first + again)
    [email] = accepted_emails()[before:]
    message = parsed(email)
    assert message["Subject"] == "Market: BTC -3.9% on the 1h candle, 3 of 4 coins fell together"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "- SOL/USD -9.0% (4.5 sigma)" in text and "- XRP/USD +0.2% (0.1 sigma)" in text
    # ... the log holds it once, sent, and each coin's decision: in the market email, or its own
    table = notify.notifications_table
    [market] = table.query(KeyConditionExpression=Key("series").eq(market_log_key("1h")))["Items"]
    assert (market["status"], int(market["ts"]), market["kind"]) == ("sent", LAST, "market")
    assert sorted(market["covers"]) == sorted(s.key for s in (BTC, ETH, SOL))
    assert market["message_id"] == email.message_id
    for series in (BTC, ETH, SOL):
        assert notify.decisions(series)[LAST]["reason"] == "in_market_email"
    assert notify.decisions(XRP)[LAST]["reason"] != "in_market_email"
