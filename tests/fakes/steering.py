"""Fakes of the steering ports (``crypto_advisor.steering.ports``), keeping the real adapters' contracts.

The watchlist object versions every write and accepts one only over the version read, as S3's versioning and
``If-Match`` on the read's ETag do (``adapters/watchlist_object.py``); the settings keep mutes, unsubscriptions, spent
link nonces and the history as the SettingsTable does (``adapters/settings_store.py``: a mute replaces one of the same
target, an unmute or a resubscribe of nothing writes nothing, not even history). The adapters themselves run against
the embedded AWS in tests/integration.
"""

from __future__ import annotations

from typing import final

from crypto_advisor.contracts.steering import Change, Mute, WatchlistChanged, WatchlistText
from crypto_advisor.contracts.watchlist import WatchedSeries
from crypto_advisor.steering.ports import SettingsPort, SymbolSource, WatchlistObject


@final
class VersionedObject(WatchlistObject):
    """The watchlist object: every write is a new version, as the archive bucket's versioning keeps it, and only
    over the version read, as S3's ``If-Match`` on the read's ETag allows it (the version's number stands for it)."""

    def __init__(self, text: str) -> None:
        self.versions = [text]

    @property
    def uri(self) -> str:
        return "s3://archive/config/watchlist.yaml"

    @property
    def editable(self) -> bool:
        return True

    def read(self) -> WatchlistText:
        return WatchlistText(self.versions[-1], str(len(self.versions)), f"etag-{len(self.versions)}")

    def write(self, text: str, *, replacing: WatchlistText) -> str | None:
        if replacing.etag != f"etag-{len(self.versions)}":
            raise WatchlistChanged(f"{self.uri} is version {len(self.versions)}, not {replacing.version}")
        self.versions.append(text)
        return str(len(self.versions))


@final
class History(SettingsPort):
    """The SettingsTable in memory: ``changes`` is its history, oldest first."""

    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.mutes: dict[tuple[str, str | None], Mute] = {}
        self.unsubscribers: set[str] = set()
        self.nonces: set[str] = set()

    def all_mutes(self) -> list[Mute]:
        return list(self.mutes.values())

    def unsubscribed(self) -> frozenset[str]:
        return frozenset(self.unsubscribers)

    def spent(self, nonce: str) -> bool:
        return nonce in self.nonces

    def history(self, limit: int = 200) -> list[Change]:
        return self.changes[::-1][:limit]

    def mute(self, mute: Mute, change: Change, *, spend: tuple[str, int] | None = None) -> None:
        self.mutes[(mute.series, mute.rule)] = mute
        self._written(change, spend)

    def unmute(self, series: str, rule: str | None, change: Change) -> bool:
        if self.mutes.pop((series, rule), None) is None:
            return False
        self._written(change, None)
        return True

    def unsubscribe(self, address: str, change: Change, *, spend: tuple[str, int] | None = None) -> None:
        self.unsubscribers.add(address.strip().lower())
        self._written(change, spend)

    def resubscribe(self, address: str, change: Change) -> bool:
        if address.strip().lower() not in self.unsubscribers:
            return False
        self.unsubscribers.discard(address.strip().lower())
        self._written(change, None)
        return True

    def record(self, change: Change) -> None:
        self._written(change, None)

    def _written(self, change: Change, spend: tuple[str, int] | None) -> None:
        self.changes.append(change)
        if spend is not None:
            self.nonces.add(spend[0])


@final
class Listed(SymbolSource):
    """A market source that lists every series."""

    def check_listed(self, watched: WatchedSeries, *, now_ms: int) -> None:
        return None
