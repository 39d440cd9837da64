"""Two watchlist edits at once (two tabs, two people): the one that writes second is made again, never lost.

Each edit reads the watchlist object, edits it and writes it only over the
version it read (S3's ``If-Match``); :class:`Overtaken` makes another edit
between one edit's read and its write, so both read the same version before
either writes. The real :class:`~crypto_advisor.steering.service.Steering`, over
the versioned in-memory object of ``test_remove_series``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from crypto_advisor.api import settings_routes
from crypto_advisor.api.app import resolver
from crypto_advisor.contracts.steering import WatchlistText
from crypto_advisor.contracts.watchlist import Entry
from crypto_advisor.local.http_api import Route, http_event
from crypto_advisor.steering.ports import WatchlistObject
from crypto_advisor.steering.service import EDIT_ATTEMPTS, NotFound, PolicyChange, Steering, Who
from tests.fakes.steering import History, Listed, VersionedObject
from tests.unit.steering.test_remove_series import WATCHLIST

TAB = Who("trader@example.com")
OTHER_TAB = Who("partner@example.com")


class Overtaken(WatchlistObject):
    """``inner``, with ``meanwhile`` (another edit) made after a read and before each of the next ``times`` writes."""

    def __init__(self, inner: WatchlistObject, meanwhile: Callable[[int], object], *, times: int = 1) -> None:
        self._inner = inner
        self._meanwhile = meanwhile
        self._times = times
        self.writes = 0

    @property
    def uri(self) -> str:
        return self._inner.uri

    @property
    def editable(self) -> bool:
        return self._inner.editable

    def read(self) -> WatchlistText:
        return self._inner.read()

    def write(self, text: str, *, replacing: WatchlistText) -> str | None:
        self.writes += 1
        if self.writes <= self._times:
            self._meanwhile(self.writes)
        return self._inner.write(text, replacing=replacing)


def kraken(symbol: str) -> Entry:
    return Entry(source="kraken", symbol=symbol)


@pytest.fixture
def stored() -> tuple[VersionedObject, History, Steering]:
    """The watchlist object, the history, and the other tab's steering (writing the object directly)."""
    watchlist, history = VersionedObject(WATCHLIST), History()
    return watchlist, history, Steering(watchlist, history, {"kraken": Listed()})


def tab_of(watchlist: WatchlistObject, history: History) -> Steering:
    return Steering(watchlist, history, {"kraken": Listed()})


def stored_series(watchlist: VersionedObject) -> list[str]:
    return [raw.get("symbol") for raw in yaml.safe_load(watchlist.versions[-1])["series"]]


def test_two_series_added_at_once_are_both_in_the_watchlist_and_the_history(stored):
    watchlist, history, other = stored
    # Given the other tab adds SOL/USD after this tab read the watchlist and before it writes
    tab = tab_of(Overtaken(watchlist, lambda _: other.add_series(kraken("SOL/USD"), OTHER_TAB, now_ms=1)), history)
    # When this tab adds XRP/USD
    done = tab.add_series(kraken("XRP/USD"), TAB, now_ms=2)
    # Then the watchlist holds both, each written once over the version before it, and the history has both
    assert stored_series(watchlist) == ["BTC/USD", "ETH/USD", None, "SOL/USD", "XRP/USD"]
    assert len(watchlist.versions) == 3
    assert (done["previous_version"], done["version"]) == ("2", "3")
    assert [(c.who, c.summary) for c in history.changes] == [
        ("partner@example.com", "added kraken SOL/USD (default timeframe)"),
        ("trader@example.com", "added kraken XRP/USD (default timeframe)"),
    ]
    assert history.changes[1].detail["previous_version"] == history.changes[0].detail["version"] == "2"


def test_a_policy_change_made_again_keeps_the_other_tabs_change_and_says_the_value_it_replaced(stored):
    watchlist, history, other = stored

    def meanwhile(_: int) -> None:
        change = PolicyChange.model_validate({"alerts": {"max_per_week": 5}, "digest": {"time": "08:15"}})
        other.change_policy(change, OTHER_TAB, now_ms=1)

    tab = tab_of(Overtaken(watchlist, meanwhile), history)
    done = tab.change_policy(PolicyChange.model_validate({"alerts": {"max_per_week": 2}}), TAB, now_ms=2)
    document = yaml.safe_load(watchlist.versions[-1])
    assert (document["alerts"]["max_per_week"], document["digest"]["time"]) == (2, "08:15")
    assert done["summary"] == "alerts.max_per_week: 5.0 -> 2.0"


def test_removing_a_series_another_tab_removed_meanwhile_is_not_found_and_writes_nothing(stored):
    watchlist, history, other = stored
    tab = tab_of(Overtaken(watchlist, lambda _: other.remove_series("kraken:ETH-USD:1h", OTHER_TAB, now_ms=1)), history)
    # When both tabs remove ETH/USD, the other one first
    with pytest.raises(NotFound, match="kraken:ETH-USD:1h is not in the watchlist"):
        tab.remove_series("kraken:ETH-USD:1h", TAB, now_ms=2)
    # Then this tab's answer is the one it would get alone, and only the other tab's removal is written and recorded
    assert len(watchlist.versions) == 2 and stored_series(watchlist) == ["BTC/USD", None]
    assert [c.who for c in history.changes] == ["partner@example.com"]


def post_series(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    route = Route("ANY", "/api/v1/{proxy+}", "DashboardFunction", None)
    event = http_event(
        route,
        {},
        method="POST",
        path="/api/v1/settings/series",
        query="",
        headers={"content-type": "application/json"},
        body=json.dumps(body).encode(),
        claims={"email": TAB.user},
    )
    answer = resolver().resolve(event, {})
    return answer["statusCode"], json.loads(answer["body"])


def test_an_edit_overtaken_every_time_is_409_naming_the_watchlist_and_nothing_of_it_is_saved(stored, monkeypatch):
    watchlist, history, other = stored

    def meanwhile(n: int) -> None:  # a different digest time each time: a new object each time, as S3 sees it
        other.change_policy(PolicyChange.model_validate({"digest": {"time": f"08:0{n}"}}), OTHER_TAB, now_ms=n)

    overtaken = Overtaken(watchlist, meanwhile, times=EDIT_ATTEMPTS)
    monkeypatch.setattr(settings_routes, "steering_of", lambda _router: tab_of(overtaken, history))
    # When the Settings page adds XRP/USD while other edits write the watchlist before each of its writes
    status, answer = post_series({"source": "kraken", "symbol": "XRP/USD"})
    # Then it is refused with 409 naming the watchlist, after EDIT_ATTEMPTS writes were each refused
    assert status == 409, answer
    assert "s3://archive/config/watchlist.yaml" in answer["error"] and "nothing saved" in answer["error"]
    assert overtaken.writes == EDIT_ATTEMPTS
    # And the watchlist holds the other edits only, and the history records nothing of this one
    assert len(watchlist.versions) == 1 + EDIT_ATTEMPTS and "XRP/USD" not in "".join(watchlist.versions)
    assert [c.who for c in history.changes] == ["partner@example.com"] * EDIT_ATTEMPTS


def test_an_edit_overtaken_fewer_times_than_the_attempts_is_saved(stored):
    watchlist, history, other = stored

    def meanwhile(n: int) -> None:
        other.change_policy(PolicyChange.model_validate({"digest": {"time": f"08:0{n}"}}), OTHER_TAB, now_ms=n)

    overtaken = Overtaken(watchlist, meanwhile, times=EDIT_ATTEMPTS - 1)
    done = tab_of(overtaken, history).add_series(kraken("XRP/USD"), TAB, now_ms=9)
    assert overtaken.writes == EDIT_ATTEMPTS and done["version"] == str(EDIT_ATTEMPTS + 1)
    assert stored_series(watchlist)[-1] == "XRP/USD"
    assert yaml.safe_load(watchlist.versions[-1])["digest"]["time"] == f"08:0{EDIT_ATTEMPTS - 1}"
