"""What steering needs from the outside world; adapters (and the unit tests' fakes) provide it."""

from __future__ import annotations

from typing import Any, Protocol

from crypto_advisor.contracts.steering import Change, Mute, WatchlistText
from crypto_advisor.contracts.watchlist import WatchedSeries


class WatchlistObject(Protocol):
    """The watchlist the functions read (:class:`crypto_advisor.adapters.watchlist_object.WatchlistObject`)."""

    @property
    def uri(self) -> str: ...

    @property
    def editable(self) -> bool: ...

    def read(self) -> WatchlistText: ...

    def write(self, text: str) -> str | None:
        """Store ``text`` as the watchlist; the new version id (the bucket keeps the previous one)."""
        ...


class SymbolSource(Protocol):
    """A market source as the ingest calls it (:class:`crypto_advisor.ingest.ports.MarketSource`): a series whose
    fetch raises :class:`~crypto_advisor.contracts.errors.UnknownSymbolError` is one the source does not list."""

    def fetch_ohlcv(self, watched: WatchedSeries, *, since_ms: int, now_ms: int) -> list[list[Any]]: ...


class SettingsPort(Protocol):
    """The SettingsTable (:class:`crypto_advisor.adapters.settings_store.SettingsStore`)."""

    def all_mutes(self) -> list[Mute]: ...

    def unsubscribed(self) -> frozenset[str]: ...

    def spent(self, nonce: str) -> bool: ...

    def history(self, limit: int = 200) -> list[Change]: ...

    def mute(self, mute: Mute, change: Change, *, spend: tuple[str, int] | None = None) -> None: ...

    def unmute(self, series: str, rule: str | None, change: Change) -> bool: ...

    def unsubscribe(self, address: str, change: Change, *, spend: tuple[str, int] | None = None) -> None: ...

    def resubscribe(self, address: str, change: Change) -> bool: ...

    def record(self, change: Change) -> None: ...
