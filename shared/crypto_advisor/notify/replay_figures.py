"""The replay report (``stats/replay/...`` in S3) read as the per-rule figures an email quotes.

:func:`crypto_advisor.analysis.replay.replay` reports, per rule, the share of
firings followed by a move in the firing's direction at 1, 4 and 24 candles,
against the same share over every candle. An email quotes one horizon per rule:
24 candles when the replay has data for it (a day of hourly candles, long
enough to act on), otherwise the longest horizon that has data. A rule that
never fired, or whose firings are too recent to have an outcome, has no figure
worth quoting and is left out rather than shown as 0%.

The verdict quoted with the figures is the report's out-of-sample edge test
(:mod:`crypto_advisor.analysis.rule_edge`): ``verdict``, ``t`` and ``blocks``
per horizon. A report written before that test existed has none of them, and
its figures read as no evidence of an edge: the old in-sample margin is never
turned into a claim.

:func:`email_record` reads the report's ``email_record``: how the emails the
live policy would have sent on the series fared, tested the same way. A report
written before the training run judged the emails has none, and the email then
quotes none.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crypto_advisor.analysis.edge_verdicts import NO_EVIDENCE, VERDICTS
from crypto_advisor.analysis.firing_strength import read_strength
from crypto_advisor.notify.view import PREFERRED_HORIZON, EmailHorizon, EmailRecord, RuleRecord

#: Where the replay report keeps the series' email record, and how its errors name it.
EMAIL_RECORD = "email_record"


def rule_records(report: Mapping[str, Any]) -> dict[str, RuleRecord]:
    """``rule_id -> RuleRecord`` for every rule of ``report`` with data at some horizon.

    ``report`` is the dict ``replay()`` returns, or the same read back from its
    JSON (horizon keys are strings there; integers are accepted too). A report
    of an unexpected shape raises ValueError naming what is wrong, so a
    corrupt S3 object is noticed instead of silently quoted.
    """
    rules = report.get("rules")
    if not isinstance(rules, list):
        raise ValueError(f"replay report has no 'rules' list (keys: {sorted(report)})")
    replayed = report.get("replayed")
    if isinstance(replayed, bool) or not isinstance(replayed, int):
        raise ValueError(f"replay report's 'replayed' is {replayed!r}, not a count of candles")
    strengths = report.get("strength") or {}
    if not isinstance(strengths, Mapping):
        raise ValueError(f"replay report's 'strength' is not a mapping of rule ids: {strengths!r:.80}")
    records: dict[str, RuleRecord] = {}
    for rule in rules:
        rule_id = rule.get("rule_id") if isinstance(rule, Mapping) else None
        horizons = rule.get("horizons") if isinstance(rule, Mapping) else None
        if not isinstance(rule_id, str) or not rule_id or not isinstance(horizons, Mapping):
            raise ValueError(f"malformed rule entry in replay report: {rule!r:.120}")
        usable = {_horizon(key): stats for key, stats in horizons.items() if _has_data(stats)}
        if not usable:
            continue
        horizon = PREFERRED_HORIZON if PREFERRED_HORIZON in usable else max(usable)
        stats = usable[horizon]
        records[rule_id] = RuleRecord(
            rule_id=rule_id,
            horizon_candles=horizon,
            hit_rate=float(stats["hit_rate"]),
            base_rate=float(stats["base_rate"]),
            firings=int(stats["n"]),
            replayed_candles=replayed,
            strength=read_strength(strengths.get(rule_id)),
            **_verdict(rule_id, stats),
        )
    return records


def _verdict(rule_id: str, stats: Mapping[str, Any]) -> dict[str, Any]:
    """The edge test's verdict, t, blocks and excess of one horizon; no evidence when the report predates the test."""
    if "verdict" not in stats:
        return {"verdict": NO_EVIDENCE, "t": None, "blocks": None, "excess": None}
    verdict, t, blocks, excess = stats["verdict"], stats.get("t"), stats.get("blocks"), stats.get("excess")
    if not isinstance(verdict, str) or verdict not in VERDICTS:
        raise ValueError(f"{rule_id}: unknown edge verdict {verdict!r} in replay report")
    if t is not None and (isinstance(t, bool) or not isinstance(t, (int, float))):
        raise ValueError(f"{rule_id}: edge t {t!r} is not a number")
    if isinstance(blocks, bool) or not isinstance(blocks, int) or blocks < 0:
        raise ValueError(f"{rule_id}: edge blocks {blocks!r} is not a count of firings")
    if excess is not None and (isinstance(excess, bool) or not isinstance(excess, (int, float))):
        raise ValueError(f"{rule_id}: edge excess {excess!r} is not a number")
    return {
        "verdict": verdict,
        "t": None if t is None else float(t),
        "blocks": blocks,
        "excess": None if excess is None else float(excess),
    }


def _horizon(key: object) -> int:
    try:
        horizon = int(key)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ValueError(f"replay horizon {key!r} is not a number of candles") from None
    if horizon < 1:
        raise ValueError(f"replay horizon {key!r} is not a positive number of candles")
    return horizon


def _has_data(stats: object) -> bool:
    """A horizon is quotable when some firing had an outcome and both rates exist."""
    if not isinstance(stats, Mapping):
        return False
    n = stats.get("n")
    return (
        isinstance(n, int)
        and n > 0
        and isinstance(stats.get("hit_rate"), (int, float))
        and isinstance(stats.get("base_rate"), (int, float))
    )


def email_record(report: Mapping[str, Any]) -> EmailRecord | None:
    """The series' email record (``report["email_record"]``), or None when the report has none.

    Only horizons with an outcome (``n > 0``) and both rates are kept: one
    without them has nothing to quote. Anything of an unexpected shape raises
    ValueError naming the field and what is wrong, as :func:`rule_records`
    does, so the notifier can leave the record out and say why while the
    rules' records are still quoted. A null record reads as none, like an
    absent one: it says nothing was judged.
    """
    raw = report.get(EMAIL_RECORD)
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ValueError(f"{EMAIL_RECORD} is {raw!r:.80}, not a mapping")
    emails = _count(raw, "emails", EMAIL_RECORD)
    directional = _count(raw, "directional", EMAIL_RECORD)
    if directional > emails:
        raise ValueError(f"{EMAIL_RECORD}.directional {directional} is more than its {emails} emails")
    from_ts, to_ts = _int(raw, "from_ts", EMAIL_RECORD), _int(raw, "to_ts", EMAIL_RECORD)
    if from_ts > to_ts:
        raise ValueError(f"{EMAIL_RECORD}.from_ts {from_ts} is after its to_ts {to_ts}")
    horizons = raw.get("horizons")
    if not isinstance(horizons, Mapping):
        raise ValueError(f"{EMAIL_RECORD}.horizons is {horizons!r:.80}, not a mapping of horizons")
    kept = [h for key, stats in horizons.items() if (h := _email_horizon(key, stats, directional)) is not None]
    after_gap = raw.get("after_gap", False)  # absent in the reports written before it
    if not isinstance(after_gap, bool):
        raise ValueError(f"{EMAIL_RECORD}.after_gap is {after_gap!r}, not true or false")
    by_rule = _by_rule(raw.get("by_rule", {}), directional)  # absent in the reports written before it
    ordered = tuple(sorted(kept, key=lambda h: h.candles))
    return EmailRecord(emails, directional, from_ts, to_ts, ordered, after_gap, by_rule)


def _by_rule(raw: object, directional: int) -> dict[str, tuple[EmailHorizon, ...]]:
    """``email_record.by_rule``: each headline rule's horizons with an outcome, shortest first."""
    where = f"{EMAIL_RECORD}.by_rule"
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where} is {raw!r:.80}, not a mapping of rules")
    out: dict[str, tuple[EmailHorizon, ...]] = {}
    for rule, horizons in raw.items():
        if not isinstance(horizons, Mapping):
            raise ValueError(f"{where}[{rule!r}] is {horizons!r:.80}, not a mapping of horizons")
        kept = [
            h
            for key, stats in horizons.items()
            if (h := _email_horizon(key, stats, directional, within=f"{where}[{rule!r}]")) is not None
        ]
        out[str(rule)] = tuple(sorted(kept, key=lambda h: h.candles))
    return out


def _email_horizon(
    key: object, stats: object, directional: int, *, within: str = f"{EMAIL_RECORD}.horizons"
) -> EmailHorizon | None:
    """One horizon of the email record (or of one headline rule's, ``within`` it); None when it has no outcome."""
    where = f"{within}[{key!r}]"
    try:
        candles = _horizon(key)
    except ValueError as exc:
        raise ValueError(f"{within}: {exc}") from None
    if not isinstance(stats, Mapping):
        raise ValueError(f"{where} is {stats!r:.80}, not a mapping")
    n, blocks = _count(stats, "n", where), _count(stats, "blocks", where)
    if n > directional:
        raise ValueError(f"{where}.n {n} is more than the record's {directional} directional emails")
    if blocks > n:
        raise ValueError(f"{where}.blocks {blocks} is more than its n {n}")
    verdict = stats.get("verdict")
    if not isinstance(verdict, str) or verdict not in VERDICTS:
        raise ValueError(f"{where}.verdict {verdict!r:.40} is not one of {sorted(VERDICTS)}")
    hit_rate, base_rate = _share(stats, "hit_rate", where), _share(stats, "base_rate", where)
    t, edge = _number(stats, "t", where), _share(stats, "detectable_edge", where)
    if n == 0 or hit_rate is None or base_rate is None:
        return None
    return EmailHorizon(candles, n, blocks, hit_rate, base_rate, verdict, t, edge)


def _int(fields: Mapping[str, Any], name: str, where: str) -> int:
    value = fields.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{where}.{name} is {value!r:.40}, not an integer")
    return value


def _count(fields: Mapping[str, Any], name: str, where: str) -> int:
    value = _int(fields, name, where)
    if value < 0:
        raise ValueError(f"{where}.{name} is {value}, not a count (negative)")
    return value


def _number(fields: Mapping[str, Any], name: str, where: str) -> float | None:
    """A finite number, or None when the field is null or absent."""
    value = fields.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{where}.{name} is {value!r:.40}, not a number or null")
    return float(value)


def _share(fields: Mapping[str, Any], name: str, where: str) -> float | None:
    """A share in [0, 1], or None when the field is null or absent."""
    value = _number(fields, name, where)
    if value is not None and not 0 <= value <= 1:
        raise ValueError(f"{where}.{name} is {value!r}, not a share in [0, 1]")
    return value


@dataclass(frozen=True)
class ReplayParts:
    """What an email (sent or re-rendered) and the series page quote from one replay report, each part read apart.

    A malformed part (a newer or broken training run wrote it) is left out with why (``rules_error``,
    ``email_error``: the ValueError's message naming the field) and the other part is still quoted.
    """

    rule_records: dict[str, RuleRecord] = field(default_factory=dict)
    email_record: EmailRecord | None = None
    rules_error: str | None = None
    email_error: str | None = None


def replay_parts(report: Mapping[str, Any] | None) -> ReplayParts:
    """The rules' records and the series' email record of ``report`` (None: no report written yet: neither)."""
    if report is None:
        return ReplayParts()
    records: dict[str, RuleRecord] = {}
    record = rules_error = email_error = None
    try:
        records = rule_records(report)
    except ValueError as exc:
        rules_error = str(exc)
    try:
        record = email_record(report)
    except ValueError as exc:
        email_error = str(exc)
    return ReplayParts(records, record, rules_error, email_error)
