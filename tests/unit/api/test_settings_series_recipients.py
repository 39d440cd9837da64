"""GET /settings says, per watched series, whom its alerts go to when its own ``alerts.recipients`` override the
top level's: the notifier sends that series' alerts to them, so a page naming only the top level's would mislead.

The real Steering behind the dashboard's resolver, as ``tests/unit/steering/test_who_and_recipients`` drives it; the
stack's RecipientEmails is ``trader@example.com``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.steering.test_who_and_recipients import EMAIL, Site

WATCHLIST = """series:
  - {source: kraken, symbol: BTC/USD}
  - {source: kraken, symbol: ETH/USD, alerts: {recipients: [desk@example.com, me@example.com]}}
  - {source: kraken, symbol: SOL/USD, alerts: {min_severity: 3}}
  - {source: coingecko-markets, top: 12, vs: usd}
"""


def series_of(monkeypatch: pytest.MonkeyPatch, watchlist: str) -> dict[str, dict[str, Any]]:
    status, answer = Site(monkeypatch, watchlist=watchlist).call("GET", "/api/v1/settings")
    assert status == 200, answer
    return {s["key"]: s for s in answer["series"]}


def test_a_series_with_its_own_recipients_names_them_the_others_follow_the_top_level(monkeypatch):
    # Given a watchlist where only ETH/USD names its own recipients (SOL/USD overrides another key)
    # When Settings is read
    series = series_of(monkeypatch, WATCHLIST)
    # Then ETH/USD's alerts go to its own list, and the answer says it is its own
    eth = series["kraken:ETH-USD:1h"]
    assert eth["recipients"] == eth["effective_recipients"] == ["desk@example.com", "me@example.com"]
    # ... and the others name no list of their own, their alerts going to the stack's RecipientEmails
    for key in ("kraken:BTC-USD:1h", "kraken:SOL-USD:1h"):
        assert (series[key]["recipients"], series[key]["effective_recipients"]) == (None, [EMAIL])


def test_a_series_repeating_the_top_levels_recipients_has_none_of_its_own(monkeypatch):
    watchlist = "alerts: {recipients: [desk@example.com]}\n" + WATCHLIST.replace(
        "[desk@example.com, me@example.com]", "[desk@example.com]"
    )
    series = series_of(monkeypatch, watchlist)
    assert all(s["recipients"] is None for s in series.values())
    assert {tuple(s["effective_recipients"]) for s in series.values()} == {("desk@example.com",)}


def test_a_series_emptying_its_recipients_goes_to_the_stacks_not_the_top_levels(monkeypatch):
    # Given a top level naming the desk, and BTC/USD's own empty list (the notifier then sends to RecipientEmails)
    watchlist = "alerts: {recipients: [desk@example.com]}\n" + WATCHLIST.replace(
        "{source: kraken, symbol: BTC/USD}", "{source: kraken, symbol: BTC/USD, alerts: {recipients: []}}"
    )
    btc = series_of(monkeypatch, watchlist)["kraken:BTC-USD:1h"]
    assert (btc["recipients"], btc["effective_recipients"]) == ([], [EMAIL])
