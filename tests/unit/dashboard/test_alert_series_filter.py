"""The alerts list's ``series`` filter takes every key a decision is listed under, and refuses anything else.

A market email's decisions are listed under ``market#<timeframe>`` and a market scan's under ``scan#<quote>``: the
email page's "alerts of this series" link and the Series filter name them, so the API must take them as it takes a
series key. Anything else is a 422 naming ``query.series`` before the dashboard (and DynamoDB) is asked.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from crypto_advisor.api import read_routes
from crypto_advisor.contracts.alerts import market_log_key
from crypto_advisor.contracts.market_scan import MarketScan
from crypto_advisor.dashboard.answers import AlertPage
from tests.unit.dashboard.test_api_inputs import call


class Filtered:
    """The dashboard, recording the series filter each alerts request handed it."""

    def __init__(self) -> None:
        self.series: list[str | None] = []

    def alerts(self, **query: Any) -> AlertPage:
        self.series.append(query["series"])
        return AlertPage(alerts=[], cursor=None)


@pytest.fixture
def filtered(monkeypatch: pytest.MonkeyPatch) -> Filtered:
    fake = Filtered()
    monkeypatch.setattr(read_routes, "dashboard_of", lambda _router: fake)
    return fake


@pytest.mark.parametrize(
    "key",
    [market_log_key("1h"), market_log_key("4h"), MarketScan(top=12, vs="USD").log_key, "kraken:BTC-USD:1h"],
)
def test_the_alerts_list_is_filtered_by_a_market_email_or_scan_key_as_by_a_series_key(filtered, key):
    # Given the key a market email, a scan's email or a series' decisions are listed under
    # When the alerts list is asked for that key's decisions (the query string as the web app encodes it)
    status, answer = call("GET", "/api/v1/alerts", urlencode({"series": key}))
    # Then the dashboard is asked for exactly that key's decisions
    assert status == 200, answer
    assert filtered.series == [key]


@pytest.mark.parametrize(
    "garbage",
    [
        "market:1h",  # an alert id's spelling of the key, not the key
        "market#1x",
        "market#",
        "scan#usd",
        "BTC",
        "kraken:BTC-USD:1h#x",
        f"{market_log_key('1h')}\n",
        "x" * 81,
    ],
)
def test_a_series_filter_that_is_no_listed_key_is_a_422_naming_the_parameter(filtered, garbage):
    # Given a series filter no decision is listed under
    # When the alerts list is asked for it
    status, answer = call("GET", "/api/v1/alerts", urlencode({"series": garbage}))
    # Then the answer is a 422 naming the parameter, and no store is read
    assert status == 422, answer
    assert [f["field"] for f in answer["fields"]] == ["query.series"], answer
    assert filtered.series == []


def test_the_refusal_says_which_keys_the_filter_takes(filtered):
    status, answer = call("GET", "/api/v1/alerts", urlencode({"series": "market:1h"}))
    assert status == 422
    message = answer["fields"][0]["message"]
    assert "'market:1h'" in message and "kraken:BTC-USD:1h" in message and "market#1h" in message
    assert "scan#USD" in message
