"""What steering needs from the outside world; adapters (and the unit tests' fakes) provide it."""

from __future__ import annotations

from typing import Protocol

from crypto_advisor.contracts.steering import Change, Mute, WatchlistText
from crypto_advisor.contracts.watchlist import WatchedSeries


class WatchlistObject(Protocol):
    """The watchlist the functions read (:class:`crypto_advisor.adapters.watchlist_object.WatchlistObject`)."""

    @property
    def uri(self) -> str: ...

    @property
    def editable(self) -> bool: ...

    def read(self) -> WatchlistText: ...

    def write(self, text: str, *, replacing: WatchlistText) -> str | None:
        """Store ``text`` in place of ``replacing`` (what was read); the new version id (the bucket keeps the previous
        one). Raise :class:`~crypto_advisor.contracts.steering.WatchlistChanged`, writing nothing, if the object is no
        longer ``replacing``: two edits that read the same version must not both write over it, or one is lost."""
        ...


class SymbolSource(Protocol):
    """Whether a market source lists a series (:mod:`crypto_advisor.adapters.listings`): the source's answer to
    the ingest's own request, without its client library."""

    def check_listed(self, watched: WatchedSeries, *, now_ms: int) -> None:
        """Return if the source lists ``watched``; raise :class:`~crypto_advisor.contracts.errors.UnknownSymbolError`
        if it does not, another :class:`~crypto_advisor.contracts.errors.SourceError` if it cannot tell now. ``now_ms``
        is the request's time (a simulated market answers as of it)."""
        ...


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
