"""What the dashboard's read side needs from the stores; the adapters in ``adapters/`` implement them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.decisions import Decision
from crypto_advisor.contracts.ledger import LedgerEntry
from crypto_advisor.contracts.news import Article
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.contracts.watchlist import Watchlist


class WatchlistReader(Protocol):
    def __call__(self) -> Watchlist:
        """The watchlist as it is now (read on every request: a settings change shows at once)."""
        ...


class Candles(Protocol):
    def window(self, series: Series, *, since_ts: int = 1, cursor: int | None = None) -> list[Candle]:
        """Candles from ``since_ts`` on, oldest first; ``cursor``: the series' cursor as just read (None: read it)."""
        ...

    def cursor(self, series: Series) -> int | None:
        """The newest published candle's open time: the page's "now" for that series (a stalled feed still shows)."""
        ...

    def cursors(self, series: Sequence[Series]) -> dict[str, int | None]:
        """:meth:`cursor` of many series in one read, by series key."""
        ...


class Signals(Protocol):
    def between(self, series: str, since_ts: int, until_ts: int) -> list[Signal]: ...

    def latest(self, series: str, until_ts: int) -> Signal | None: ...

    def at(self, series: str, candle_ts: int) -> Signal | None: ...


class Decisions(Protocol):
    def page(self, key: str, *, before_ts: int, limit: int) -> list[Decision]:
        """The decisions of ``key`` (a series key or ``market#<timeframe>``) older than ``before_ts``, newest first."""
        ...

    def get(self, key: str, candle_ts: int) -> Decision | None: ...


class SentEmails(Protocol):
    """The notifier's sent messages (:class:`crypto_advisor.adapters.sent_emails.SentEmails`)."""

    def get(self, log_key: str, candle_ts: int) -> bytes | None: ...


class ReplayFigures(Protocol):
    def read(self, series: Series) -> dict[str, Any] | None: ...


class ModelCards(Protocol):
    def served_cards(self, series: Series) -> tuple[Sequence[Any], dict[str, float] | None]:
        """The served model's cards and the forest's feature importances (None: no forest); ((), None): no model."""
        ...


class Ledger(Protocol):
    def read(self, series: str) -> list[LedgerEntry]: ...


class News(Protocol):
    def recent(self, coin: str, since_ms: int, until_ms: int) -> list[Article]: ...
