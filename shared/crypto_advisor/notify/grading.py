"""The forecast ledger's logic: what is stored of a prediction an email showed, how it is graded, the live record.

Pure: prediction dicts, candles and ledger entries in, entries, grades and
records out. The ledger table itself is :mod:`crypto_advisor.adapters.ledger`.

A prediction made at candle ``t`` (its open time) with horizon ``H`` is about
the closes of candles ``t+1 .. t+H``; its *due* candle is ``t + H`` (open time
``candle_ts + H x timeframe``), known once that candle has closed. It is
graded against the real candles exactly as the training labels were built
(:mod:`crypto_advisor.forecast.labels`), so the live record and the backtest
measure the same thing:

- breakout: a hit when the highest close of ``t+1 .. t+H`` is at least
  ``threshold_pct`` above the close at ``t``; a probability at or above
  :data:`CALL_PROBABILITY` is a breakout call;
- path: the absolute error of the forecast close at ``t+H``, and of
  persistence (the close at ``t``) beside it;
- interval: whether the close at ``t+H`` fell inside ``[low, high]``.

An entry is graded only when every candle it needs is in the window the
notifier read; otherwise it stays open (a gap is not a miss).

A live record is a claim about the past, so it is held to the alert
semantics' standard (DESIGN.md): predictions emailed an hour apart share 23 of
their 24 future candles, so only the non-overlapping ones count as evidence;
below :data:`MIN_JUDGED` of them the record is not judged at all, and above it
"better" or "worse" than the reference takes a t over them
(:func:`~crypto_advisor.forecast.significance.one_sample_t`)
whose one-sided p-value on Student's t (independent - 1 degrees of freedom)
is at most what ``|t| >=`` :data:`LIVE_T` means on a large sample (0.02275):
the model cards' reading (:mod:`crypto_advisor.forecast.card`), so 20
predictions need a t of about 2.2, not 2. Never the gap between two averages.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crypto_advisor.analysis.edge_verdicts import EDGE, NO_EVIDENCE, TOO_FEW, WORSE
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.ledger import GRADED, OPEN, Grade, Kind, LedgerEntry
from crypto_advisor.forecast.significance import one_sample_t, one_sided_level, student_t_sf

#: A breakout probability at or above this counts as calling a breakout (the training's default alert line).
CALL_PROBABILITY = 0.5
#: Graded predictions per model a live record covers: the most recent ones.
LIVE_WINDOW = 50
#: Non-overlapping graded predictions a live record needs to be judged at all. Fewer, and the t statistic's normal
#: reading is too rough (the rules' edge test stops at the same 20, ``rule_edge.MIN_BLOCKS``); a breakout model, with
#: a breakout about one day in five, would be judged on some four breakouts; and one lucky day reads as a record.
MIN_JUDGED = 20
#: ``|t|`` a live record needs to be called better or worse than its reference: the model cards' standard
#: (``ForecastConfig.significance_t``) and the rules'.
LIVE_T = 2.0
#: The one-sided p-value ``LIVE_T`` stands for on a large sample, read on Student's t for the record's own size.
LIVE_P = one_sided_level(LIVE_T)


def entries_from(predictions: Iterable[Any], *, close: float, timeframe_ms: int) -> list[LedgerEntry]:
    """The ledger entries of a signal's predictions (``Prediction.as_dict()`` dicts); malformed ones are skipped.

    Skipped rather than refused: the email shows whatever the signal carries,
    and a prediction the ledger cannot grade must not hold back the others.
    """
    entries = []
    for item in predictions:
        entry = _entry(item, close, timeframe_ms)
        if entry is not None:
            entries.append(entry)
    return entries


def _entry(item: Any, close: float, timeframe_ms: int) -> LedgerEntry | None:
    if not isinstance(item, Mapping) or not math.isfinite(close) or close <= 0:
        return None
    try:
        kind = item["kind"]
        horizon = int(item["horizon"])
        candle_ts = int(item["candle_ts"])
        common: dict[str, Any] = {
            "series": str(item["series"]),
            "candle_ts": candle_ts,
            "kind": kind,
            "model": str(item["model"]),
            "horizon": horizon,
            "due_ts": candle_ts + horizon * timeframe_ms,
            "close": float(close),
        }
        if horizon < 1:
            return None
        values: dict[str, Any]
        if kind == "breakout":
            values = {"threshold_pct": float(item["threshold_pct"]), "probability": float(item["probability"])}
        elif kind == "path":
            values = {"price": float(item["price"])}
        elif kind == "interval":
            values = {"level": float(item["level"]), "low": float(item["low"]), "high": float(item["high"])}
        else:
            return None
    except (KeyError, TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for v in values.values()):
        return None
    return LedgerEntry(**common, **values)


def grade(entry: LedgerEntry, closes: Mapping[int, float], timeframe_ms: int) -> Grade | None:
    """The entry's outcome from ``closes`` (candle open time -> close); None while a candle it needs is missing."""
    due = closes.get(entry.due_ts)
    if due is None:
        return None
    if entry.kind == "breakout":
        ahead = [closes.get(entry.candle_ts + k * timeframe_ms) for k in range(1, entry.horizon + 1)]
        if any(c is None for c in ahead) or entry.threshold_pct is None:
            return None
        highest = max(c for c in ahead if c is not None)
        return Grade(actual=due, hit=highest >= entry.close * (1 + entry.threshold_pct / 100))
    if entry.kind == "path" and entry.price is not None:
        return Grade(actual=due, error=abs(entry.price - due), persistence_error=abs(entry.close - due))
    if entry.kind == "interval" and entry.low is not None and entry.high is not None:
        return Grade(actual=due, inside=entry.low <= due <= entry.high)
    return None


def gradable(entries: Iterable[LedgerEntry], candles: Sequence[Candle], timeframe_ms: int) -> list[LedgerEntry]:
    """The open entries whose due candle is in ``candles``, each with its grade (not yet stored)."""
    closes = {c.ts: c.close for c in candles}
    out = []
    for entry in entries:
        if entry.status != OPEN:
            continue
        result = grade(entry, closes, timeframe_ms)
        if result is not None:
            out.append(dataclasses.replace(entry, grade=result))
    return out


@dataclass(frozen=True)
class LiveRecord:
    """How one model's predictions fared since they were emailed: the last ``n`` graded, per kind's measure."""

    model: str
    kind: Kind
    n: int
    #: Of the ``n``, those whose outcome windows do not overlap (:func:`non_overlapping`): the evidence.
    independent: int = 0
    #: t of the model's advantage over its reference (persistence; for breakouts, always the live frequency) over
    #: the ``independent`` predictions; None when not tested (fewer than :data:`MIN_JUDGED`, or an interval).
    t: float | None = None
    #: Breakout: calls (P at or above :data:`CALL_PROBABILITY`), calls a breakout followed, breakouts that came,
    #: Brier score, and the Brier score of always saying the live frequency (the base rate a no-skill forecaster
    #: would quote). "Calls on the right side" is not kept: always saying no scores the base rate's complement.
    calls: int = 0
    called_hits: int = 0
    hits: int = 0
    brier: float | None = None
    brier_reference: float | None = None
    #: Path: mean absolute error as a fraction of the actual close, for the model and for persistence.
    mae_pct: float | None = None
    persistence_mae_pct: float | None = None
    #: Interval: how many times the close fell inside, and the coverage it aims at.
    inside: int = 0
    level: float | None = None

    @property
    def verdict(self) -> str:
        """TOO_FEW below :data:`MIN_JUDGED` independent predictions; EDGE or WORSE when ``t``'s one-sided p-value
        on Student's t is at most :data:`LIVE_P`; else NO_EVIDENCE (an interval's coverage is stated, not tested)."""
        if self.independent < MIN_JUDGED:
            return TOO_FEW
        if self.t is None or not math.isfinite(self.t):
            return NO_EVIDENCE
        df = self.independent - 1
        if student_t_sf(self.t, df) <= LIVE_P:
            return EDGE
        if student_t_sf(-self.t, df) <= LIVE_P:
            return WORSE
        return NO_EVIDENCE


def live_records(entries: Iterable[LedgerEntry], *, window: int = LIVE_WINDOW) -> dict[str, LiveRecord]:
    """Each model's record over its ``window`` most recent graded entries (by candle time)."""
    by_model: dict[str, list[LedgerEntry]] = {}
    for entry in sorted(entries, key=lambda e: e.candle_ts, reverse=True):
        if entry.status == GRADED and entry.grade is not None:
            kept = by_model.setdefault(entry.model, [])
            if len(kept) < window:
                kept.append(entry)
    return {model: _record(model, kept) for model, kept in by_model.items()}


def non_overlapping(entries: Iterable[LedgerEntry]) -> list[LedgerEntry]:
    """The entries kept so that no two outcome windows share a candle: the oldest, then each next one made at or
    after the kept one's due candle.

    The thinning of the rules' edge test (:func:`crypto_advisor.analysis.rule_edge.thin`), on the ledger's own
    times so each entry's window ends at its own ``due_ts``. It depends only on when emails went out, never on
    what followed, so the kept outcomes are as independent as the market makes them.
    """
    kept: list[LedgerEntry] = []
    for entry in sorted(entries, key=lambda e: e.candle_ts):
        if not kept or entry.candle_ts >= kept[-1].due_ts:
            kept.append(entry)
    return kept


def _record(model: str, entries: list[LedgerEntry]) -> LiveRecord:
    kind = entries[0].kind
    n = len(entries)
    independent = non_overlapping(entries)
    grades = [e.grade for e in entries if e.grade is not None]
    if kind == "breakout":
        outcomes = [_outcome(e) for e in entries]
        hits = sum(hit for _, hit in outcomes)
        frequency = hits / n
        calls = [hit for p, hit in outcomes if p >= CALL_PROBABILITY]
        return LiveRecord(
            model=model,
            kind=kind,
            n=n,
            independent=len(independent),
            t=_t([_brier_advantage(*_outcome(e), frequency) for e in independent]),
            calls=len(calls),
            called_hits=sum(calls),
            hits=hits,
            brier=sum((p - hit) ** 2 for p, hit in outcomes) / n,
            brier_reference=frequency * (1 - frequency),
        )
    if kind == "path":
        return LiveRecord(
            model=model,
            kind=kind,
            n=n,
            independent=len(independent),
            t=_t([_error_advantage(e.grade) for e in independent if e.grade is not None]),
            mae_pct=sum((g.error or 0.0) / g.actual for g in grades) / n,
            persistence_mae_pct=sum((g.persistence_error or 0.0) / g.actual for g in grades) / n,
        )
    return LiveRecord(
        model=model,
        kind=kind,
        n=n,
        independent=len(independent),
        inside=sum(bool(g.inside) for g in grades),
        level=entries[0].level,
    )


def _outcome(entry: LedgerEntry) -> tuple[float, bool]:
    """A breakout entry's probability and whether the breakout came."""
    return float(entry.probability or 0.0), bool(entry.grade and entry.grade.hit)


def _brier_advantage(probability: float, hit: bool, frequency: float) -> float:
    """The reference's squared error minus the model's: positive when the model's probability was closer."""
    return (frequency - hit) ** 2 - (probability - hit) ** 2


def _error_advantage(grade: Grade) -> float:
    """Persistence's error minus the model's, as fractions of the actual close: positive when the model was closer."""
    return ((grade.persistence_error or 0.0) - (grade.error or 0.0)) / grade.actual


def _t(advantages: list[float]) -> float | None:
    """The t statistic of the mean advantage over independent predictions (one a block); None below MIN_JUDGED."""
    return one_sample_t(advantages) if len(advantages) >= MIN_JUDGED else None
