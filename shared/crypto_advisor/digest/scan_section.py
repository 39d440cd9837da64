"""The digest's "Market scan" section: the scan's top movers of the day, how many broke out, and the breakout
model's likeliest coins (the breakouts it expects next).

Read from the scan's two stored documents (:mod:`crypto_advisor.adapters.scan_reports`):
the newest hourly snapshot (each coin's close and its 24 h change, from the
stored candles) and the newest breakout report of the daily training run (the
walk-forward card and each coin's P(+X% within H hours)).

The model's record comes with its figures, out of sample: when its card says
"no skill" (no significant advantage over the base rate), the section says so
in words before any probability, and the probabilities read as what they are
(no better than the base rate); a scan too young to test says that instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crypto_advisor.contracts.series import Series
from crypto_advisor.forecast.verdicts import BEATS
from crypto_advisor.market.numbers import price
from crypto_advisor.notify.format import signed_pct

#: Coins listed per list (risers, fallers, breakout odds): a phone's screenful.
LISTED = 5


@dataclass(frozen=True)
class ScanDay:
    """One scan as the digest read it: its snapshot and breakout report (None: not written yet), or why not."""

    name: str
    snapshot: Mapping[str, Any] | None = None
    breakouts: Mapping[str, Any] | None = None
    error: str | None = None


@dataclass(frozen=True)
class ScanSection:
    title: str
    intro: str
    risers: tuple[str, ...]
    fallers: tuple[str, ...]
    #: the model's record in a sentence (skill or none, with its figures)
    record: str
    breakouts: tuple[str, ...]


def _coin(key: str, names: Mapping[str, str]) -> str:
    try:
        ticker = Series.parse(key).base
    except ValueError:
        return key
    name = names.get(key)
    return f"{name} ({ticker})" if name and name.upper() != ticker else ticker


def scan_section(day: ScanDay) -> ScanSection:
    """The section's words for one scan."""
    title = f"Market scan · {day.name}"
    if day.error is not None:
        return ScanSection(title, f"The scan's data could not be read: {day.error}", (), (), "", ())
    if day.snapshot is None:
        return ScanSection(title, "No scan stored yet: the first one runs at the next closed hour.", (), (), "", ())
    coins = [c for c in day.snapshot.get("coins", []) if isinstance(c, Mapping)]
    names = {str(c.get("series")): str(c.get("name") or "") for c in coins}
    moved = sorted(
        (c for c in coins if isinstance(c.get("change_24h_pct"), (int, float))),
        key=lambda c: float(c["change_24h_pct"]),
    )

    def line(c: Mapping[str, Any]) -> str:
        change = signed_pct(float(c["change_24h_pct"]) / 100)
        return f"{_coin(str(c['series']), names)}: {change} at {price(c.get('close'))}"

    risers = tuple(line(c) for c in reversed(moved[-LISTED:]) if float(c["change_24h_pct"]) > 0)
    fallers = tuple(line(c) for c in moved[:LISTED] if float(c["change_24h_pct"]) < 0)
    refused = len(day.snapshot.get("refused", []))
    intro = (
        f"{len(coins)} coins in the newest scan, their change over the 24 hours to the last closed hour"
        + (
            f" ({refused} listed coins could not be stored, each with its reason in the ingest's report)"
            if refused
            else ""
        )
        + "."
        + _broke_out(moved, day.breakouts)
    )
    record, breakouts = _model(day.breakouts, names)
    return ScanSection(title, intro, risers, fallers, record, breakouts)


def _broke_out(moved: list[Mapping[str, Any]], report: Mapping[str, Any] | None) -> str:
    """The day's breakouts as they happened: how many coins rose by the model's breakout size (its +X%) over the 24
    hours, when the model's horizon is those 24 hours (the snapshot's change is close to close, so a coin that
    touched +X% and fell back is not counted). The model's own odds, below, are the breakouts it expects."""
    if not report or report.get("horizon_hours") != 24 or not isinstance(report.get("threshold_pct"), (int, float)):
        return ""
    size = float(report["threshold_pct"])
    rose = sum(1 for c in moved if float(c["change_24h_pct"]) >= size)
    return f" Broke out (+{size:g}% or more over the 24 hours, the breakout model's size): {rose} of them."


def _model(report: Mapping[str, Any] | None, names: Mapping[str, str]) -> tuple[str, tuple[str, ...]]:
    """The breakout model's record in words, and its likeliest coins (probability against the base rate)."""
    if report is None:
        return "No breakout model yet: the daily training run fits it once the scan has stored a few weeks.", ()
    if "error" in report or "card" not in report:
        return f"No breakout model yet ({report.get('error', 'no card')}).", ()
    names = {**names, **{str(k): str(v) for k, v in report.get("names", {}).items()}}
    card = report["card"]
    target = f"+{report['threshold_pct']:g}% within {report['horizon_hours']} h"
    observed = card["scores"]["observed"]["rate"]
    model = card["scores"]["model"]
    t = card["advantage_t"].get("base_rate", 0.0)
    auc = model.get("auc")
    figures = (
        f"out of sample over {card['n']:,} coin-hours in {card['folds']} walk-forward folds: Brier skill "
        f"{signed_pct(model.get('brier_skill'))} against the base rate {observed:.1%}, AUC "
        f"{'n/a' if auc is None else f'{auc:.2f}'}, t = {t:.1f} counted in hours"
    )
    if card["verdict"] == BEATS:
        record = f"Breakout model (P of {target}): beats the base rate, {figures}."
    else:
        record = (
            f"Breakout model (P of {target}): no evidence of skill, {figures}. Its odds below are no better than "
            "the base rate: not a reason to act."
        )
    latest = sorted(
        ((str(k), float(v["probability"])) for k, v in report.get("latest", {}).items() if isinstance(v, Mapping)),
        key=lambda pair: pair[1],
        reverse=True,
    )
    lines = tuple(
        f"{_coin(key, names)}: {p:.0%} (base rate {observed:.0%})" for key, p in latest[:LISTED] if p > observed
    )
    return record, lines
