"""What DashboardFunction keeps between requests in one warm container, and when it asks the stores again.

A page load used to read 30 days of candles for every series from DynamoDB (the overview: 8.9 s median over
the demo's state). Lambda hands the next request to the same warm container, so what was read can be kept, as
long as each kind of record says when it may have changed. The freshness rules:

- **Candles are exact.** A candle at or before its series' cursor is closed and validated, and is never written
  again with other values; the cursor moves only after newer candles were stored. So every request reads the
  cursors (one BatchGetItem for all series); a series whose cursor has not moved is served from memory, and one
  that moved is asked only for the candles after the newest held.
- **The newest signal is exact.** A signal is written once per (series, candle) (a conditional put); the newest
  signal at or before the cursor is final once it is the cursor's own candle's, and read again until it is.
- **The rest is at most :data:`READ_TTL_S` seconds old**: the alert decisions (a status moves from sending to
  sent), a span of signals, the replay figures and model cards (rewritten by the daily training), the forecast
  ledger, the news and a re-rendered email. Each is read again once its copy is older than that, and a failed
  read is never kept.
- **A whole answer is as fresh as its parts.** The overview and a series page are kept under a key made of what
  is exact (the watched series, their cursors, their newest signals' candles), so a moved cursor or a new signal
  builds them again at once; the rest of what they were built from is memoised, and an answer counts as read
  when its oldest memoised part was (:class:`Memo` tracks it), so it too is at most :data:`READ_TTL_S` old.
  A warm page load then costs the watchlist read and one BatchGetItem of the cursors, not the page's
  computing (the correlation matrix, the indicator panes, the answer's models).

One container serves one request at a time, so nothing here is shared between threads; the memory held is
bounded by the stores' own windows (about 30 days of candles per series) and :data:`MEMO_SIZE` answers.
"""

from __future__ import annotations

import bisect
import functools
import math
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.dashboard.ports import Signals

#: How long an answer that has no exact freshness rule is reused.
READ_TTL_S = 30.0
#: Answers a memo keeps (the least recently used go first).
MEMO_SIZE = 512

T = TypeVar("T")
#: The held cursor of a series never published (no cursor item yet).
NO_CURSOR = -1


class CandleSource(Protocol):
    """The Candles table as :class:`~crypto_advisor.adapters.candle_store.CandleStore` reads it."""

    def window(self, series: Series, *, since_ts: int = 1) -> list[Candle]: ...

    def cursors(self, series: Sequence[Series]) -> dict[str, int | None]: ...


@dataclass
class _Held:
    since: int
    cursor: int
    candles: list[Candle]
    times: list[int]


class HeldCandles:
    """The dashboard's :class:`~crypto_advisor.dashboard.ports.Candles`: candles read once, extended as cursors move."""

    def __init__(self, source: CandleSource) -> None:
        self._source = source
        self._held: dict[str, _Held] = {}

    def cursors(self, series: Sequence[Series]) -> dict[str, int | None]:
        return self._source.cursors(series)

    def cursor(self, series: Series) -> int | None:
        return self._source.cursors([series])[series.key]

    def window(self, series: Series, *, since_ts: int = 1, cursor: int | None = None) -> list[Candle]:
        """Candles from ``since_ts`` on, oldest first; ``cursor`` as just read (None: read it now)."""
        cursor = self.cursor(series) if cursor is None else cursor
        if cursor is None:  # nothing published yet: held as such until a cursor appears
            cursor = NO_CURSOR
        held = self._held.get(series.key)
        if held is None or since_ts < held.since:
            candles = self._source.window(series, since_ts=since_ts)
            held = _Held(since_ts, cursor, candles, [c.ts for c in candles])
        elif cursor != held.cursor:
            newer = self._source.window(series, since_ts=(held.times[-1] + 1) if held.times else held.since)
            candles = held.candles + newer
            held = _Held(held.since, cursor, candles, held.times + [c.ts for c in newer])
        self._held[series.key] = held
        return held.candles[bisect.bisect_left(held.times, since_ts) :]


class HeldSignals:
    """The dashboard's :class:`~crypto_advisor.dashboard.ports.Signals`: the newest signal kept while it is final."""

    def __init__(self, source: Signals, memo: Memo) -> None:
        self._source = source
        self._memo = memo
        self._latest: dict[str, Signal] = {}

    def latest(self, series: str, until_ts: int) -> Signal | None:
        held = self._latest.get(series)
        if held is not None and held.candle_ts == until_ts:
            return held
        found = self._source.latest(series, until_ts)
        if found is not None:
            self._latest[series] = found
        return found

    def between(self, series: str, since_ts: int, until_ts: int) -> list[Signal]:
        return self._memo(
            ("between", series, since_ts, until_ts), lambda: self._source.between(series, since_ts, until_ts)
        )

    def at(self, series: str, candle_ts: int) -> Signal | None:
        return self._memo(("at", series, candle_ts), lambda: self._source.at(series, candle_ts))


class Memo:
    """Answers kept for :data:`READ_TTL_S` seconds by key (at most :data:`MEMO_SIZE`); an exception is never kept.

    Answers nest: one built (inside ``read``) from others of the same memo counts as read when the oldest of
    them was, so it never outlives what it was built from.
    """

    def __init__(self, clock_s: Callable[[], float], ttl_s: float = READ_TTL_S, size: int = MEMO_SIZE) -> None:
        self._clock_s = clock_s
        self._ttl_s = ttl_s
        self._size = size
        self._answers: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        #: for each answer being built (outermost first): when its oldest part so far was read
        self._building: list[float] = []

    def __call__(self, key: Hashable, read: Callable[[], T], keep: Callable[[T], bool] | None = None) -> T:
        """``read()``'s answer, kept under ``key`` unless ``keep`` says not (an answer noting a failed part)."""
        now = self._clock_s()
        kept = self._answers.get(key)
        if kept is not None and now - kept[0] < self._ttl_s:
            self._answers.move_to_end(key)
            self._used(kept[0])
            return cast(T, kept[1])
        self._building.append(now)
        try:
            answer = read()
        finally:
            read_at = self._building.pop()
        if keep is not None and not keep(answer):
            read_at = -math.inf  # not kept, and neither is an answer built from it
        else:
            self._answers[key] = (read_at, answer)
            self._answers.move_to_end(key)
            while len(self._answers) > self._size:
                self._answers.popitem(last=False)
        self._used(read_at)
        return answer

    def _used(self, read_at: float) -> None:
        if self._building:
            self._building[-1] = min(self._building[-1], read_at)


def remembered(store: T, memo: Memo) -> T:
    """``store`` with every method's answer kept by ``memo`` (by the method's name and its arguments)."""
    return cast(T, _Remembered(store, memo))


class _Remembered:
    def __init__(self, store: Any, memo: Memo) -> None:
        self._store = store
        self._memo = memo

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)

        @functools.wraps(method)
        def kept(*args: Any, **kwargs: Any) -> Any:
            key = (id(self), name, args, tuple(sorted(kwargs.items())))
            return self._memo(key, lambda: method(*args, **kwargs))

        return kept
