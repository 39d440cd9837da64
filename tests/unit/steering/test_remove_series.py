"""DELETE /api/v1/settings/series/<key>: only a series of the watchlist is removed; anything else writes nothing.

The real :class:`~crypto_advisor.steering.service.Steering` behind the
resolver the handler uses, over an in-memory watchlist object (versioned as
S3 keeps it) and a settings store that records the history.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from crypto_advisor.api import settings_routes
from crypto_advisor.api.app import resolver
from crypto_advisor.local.http_api import Route, http_event
from crypto_advisor.steering.service import Steering
from tests.fakes.steering import History, Listed, VersionedObject

WATCHLIST = """# my watchlist
series:
  - {source: kraken, symbol: BTC/USD}
  - {source: kraken, symbol: ETH/USD}
  - {source: coingecko-markets, top: 12, vs: usd}
"""


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch) -> tuple[VersionedObject, History]:
    watchlist, history = VersionedObject(WATCHLIST), History()
    steering = Steering(watchlist, history, {"kraken": Listed()})
    monkeypatch.setattr(settings_routes, "steering_of", lambda _router: steering)
    return watchlist, history


def delete(key: str) -> tuple[int, dict[str, Any]]:
    route = Route("ANY", "/api/v1/{proxy+}", "DashboardFunction", None)
    path = f"/api/v1/settings/series/{key}"
    claims = {"email": "trader@example.com"}
    event = http_event(route, {}, method="DELETE", path=path, query="", headers={}, body=b"", claims=claims)
    answer = resolver().resolve(event, {})
    return answer["statusCode"], json.loads(answer["body"])


def test_removing_a_market_scan_coin_is_404_saying_the_scan_holds_it_and_writes_nothing(stored):
    watchlist, history = stored
    # Given a watchlist whose USD scan makes coingecko-markets:SOL-USD:1h a watched coin (found, but no entry)
    # When the Settings page asks to remove that coin
    status, answer = delete("coingecko-markets:SOL-USD:1h")
    # Then it is refused naming why, the object has no new version (its comment kept) and no removal is recorded
    assert status == 404, answer
    assert "market scan" in answer["error"] and "coingecko-markets:SOL-USD:1h" in answer["error"]
    assert watchlist.versions == [WATCHLIST]
    assert history.changes == []


def test_removing_a_series_not_watched_at_all_is_404_and_writes_nothing(stored):
    watchlist, history = stored
    status, answer = delete("kraken:DOGE-USD:1h")
    assert status == 404 and answer["error"] == "kraken:DOGE-USD:1h is not in the watchlist"
    assert watchlist.versions == [WATCHLIST] and history.changes == []


def test_removing_a_series_of_the_watchlist_writes_it_without_that_entry_and_records_it(stored):
    watchlist, history = stored
    status, answer = delete("kraken:ETH-USD:1h")
    assert status == 200 and answer["summary"] == "removed kraken:ETH-USD:1h"
    assert len(watchlist.versions) == 2 and "ETH/USD" not in watchlist.versions[-1]
    assert "BTC/USD" in watchlist.versions[-1] and "coingecko-markets" in watchlist.versions[-1]
    assert [c.summary for c in history.changes] == ["removed kraken:ETH-USD:1h"]
