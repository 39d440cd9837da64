"""Two Settings edits at once on the embedded AWS: the watchlist in the stack's versioned bucket keeps both.

The real adapter (:class:`~crypto_advisor.adapters.watchlist_object.WatchlistObject`,
its writes conditional on the ETag read) and the stack's SettingsTable;
:class:`~tests.unit.steering.test_edit_conflicts.Overtaken` makes another edit
between one edit's read and its write, as two browser tabs saving at once do.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import yaml

from crypto_advisor.adapters.settings_store import SettingsStore
from crypto_advisor.adapters.watchlist_object import WatchlistObject
from crypto_advisor.contracts.watchlist import Entry
from crypto_advisor.local.market import SimulatedMarket, simulated_sources
from crypto_advisor.steering.ports import WatchlistObject as WatchlistPort
from crypto_advisor.steering.service import EDIT_ATTEMPTS, EditConflict, PolicyChange, Steering, Who
from crypto_advisor.wiring.steering import FetchedListing
from tests.integration.conftest import WATCHLIST_KEY
from tests.integration.test_notify_function import WATCHLIST
from tests.unit.steering.test_edit_conflicts import Overtaken

TAB = Who("trader@example.com")
OTHER_TAB = Who("partner@example.com")
#: The simulated market lists a symbol by its candles up to the request's time: a time of now.
NOW = int(time.time() * 1000)


class Stack:
    """The deployed stack's watchlist object and SettingsTable, and steering over them as DashboardFunction's."""

    def __init__(self, deployed: Any) -> None:
        deployed.upload_watchlist(WATCHLIST)
        self.s3 = deployed.aws.client("s3")
        self.bucket = deployed.bucket
        self.uri = f"s3://{self.bucket}/{WATCHLIST_KEY}"
        table = deployed.stack.outputs["SettingsTableName"]
        self.store = SettingsStore(deployed.aws.client("dynamodb"), deployed.aws.resource("dynamodb").Table(table))
        sources = simulated_sources(SimulatedMarket(seed=11))
        self.listings = {name: FetchedListing(source) for name, source in sources.items()}

    def object(self) -> WatchlistObject:
        return WatchlistObject(self.uri, self.s3)

    def steering(self, watchlist: WatchlistPort | None = None) -> Steering:
        return Steering(watchlist or self.object(), self.store, self.listings)

    def stored(self) -> dict[str, Any]:
        body = self.s3.get_object(Bucket=self.bucket, Key=WATCHLIST_KEY)["Body"]
        return yaml.safe_load(body.read())

    def versions(self) -> int:
        return len(self.s3.list_object_versions(Bucket=self.bucket, Prefix=WATCHLIST_KEY)["Versions"])


@pytest.fixture
def stack(deployed) -> Stack:
    return Stack(deployed)


def test_two_series_added_at_once_from_two_tabs_are_both_in_the_stored_watchlist(stack):
    other = stack.steering()
    # Given the other tab adds SOL/USD after this tab read the watchlist and before it writes
    tab = stack.steering(
        Overtaken(
            stack.object(), lambda _: other.add_series(Entry(source="kraken", symbol="SOL/USD"), OTHER_TAB, now_ms=NOW)
        )
    )
    # When this tab adds ETH/USD 4h
    done = tab.add_series(Entry(source="kraken", symbol="ETH/USD", timeframe="4h"), TAB, now_ms=NOW)
    # Then the stored watchlist holds both new series, in two new versions of the object
    assert stack.stored()["series"] == [
        {"source": "kraken", "symbol": "BTC/USD"},
        {"source": "kraken", "symbol": "SOL/USD"},
        {"source": "kraken", "symbol": "ETH/USD", "timeframe": "4h"},
    ]
    assert stack.versions() == 3
    # And the history has both, this tab's naming the other tab's version as its previous one
    changes = {c.who: c for c in stack.store.history()}
    assert set(changes) == {TAB.user, OTHER_TAB.user}
    assert changes[TAB.user].detail["previous_version"] == changes[OTHER_TAB.user].detail["version"]
    assert done["previous_version"] == changes[OTHER_TAB.user].detail["version"]


def test_an_edit_the_watchlist_keeps_changing_under_is_refused_naming_it_and_nothing_of_it_is_written(stack):
    other = stack.steering()

    def meanwhile(n: int) -> None:  # a different text each time: S3's ETag is the text's MD5
        other.change_policy(PolicyChange.model_validate({"digest": {"time": f"08:0{n}"}}), OTHER_TAB, now_ms=NOW + n)

    tab = stack.steering(Overtaken(stack.object(), meanwhile, times=EDIT_ATTEMPTS))
    # When this tab adds ETH/USD 4h while another edit writes the watchlist before each of its writes
    with pytest.raises(EditConflict, match=f"the watchlist {stack.uri} was changed by other edits") as refused:
        tab.add_series(Entry(source="kraken", symbol="ETH/USD", timeframe="4h"), TAB, now_ms=NOW)
    # Then it is refused saying nothing was saved; the object holds the other edits only, and the history too
    assert "nothing saved" in str(refused.value)
    assert stack.stored()["series"] == [{"source": "kraken", "symbol": "BTC/USD"}]
    assert stack.stored()["digest"]["time"] == f"08:0{EDIT_ATTEMPTS}"
    assert stack.versions() == 1 + EDIT_ATTEMPTS
    assert [c.who for c in stack.store.history()] == [OTHER_TAB.user] * EDIT_ATTEMPTS
