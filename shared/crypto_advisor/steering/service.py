"""Steering: the changes a user makes from the dashboard's Settings or an email's link, checked, applied, recorded.

- **The alert policy and the digest** (severity, cooldown, the weekly budget,
  the digest's time and zone) and **the series** live in the watchlist, so a
  change edits the watchlist object in S3 (the one every function reads through
  ``WATCHLIST_URI``; the ingest, analysis and notifier read it as they always
  have, at their next cold start). The edited document must pass the watchlist
  check (:func:`~crypto_advisor.contracts.watchlist_file.parse_watchlist`, the one
  every function runs at start): one that would fail it is refused whole with
  the check's message, and nothing is written. A new series must also be listed
  by its source: the source is asked the ingest's own question (a
  :class:`~crypto_advisor.steering.ports.SymbolSource`), and an
  :class:`~crypto_advisor.contracts.errors.UnknownSymbolError` refuses it naming ``symbol``.
  The previous version is kept by the archive bucket's versioning (template.yaml: ``VersioningConfiguration``);
  the history entry names both version ids. The document is written back as YAML from its parsed form:
  what it says is kept, its comments are not. The write is conditional on the version read: when another edit
  wrote the watchlist meanwhile (two tabs, two people, a Settings change while an email's link mutes), the edit
  is made again to what it holds now, checked whole again and written, at most :data:`EDIT_ATTEMPTS` times, then
  refused (:class:`EditConflict`) with nothing written. An edit is a change to make ("add this series"), not a
  document to put back, so no accepted change is lost, and one that no longer applies (removing a series the other
  edit removed) is answered as it would be alone.
- **Mutes** (a rule or a whole series, until a time) and **unsubscribes** live in
  the SettingsTable, which the notifier reads per signal, so they act on the next
  alert, no cold start needed.
- **History**: every change, with who (the signed-in user's email address, or
  the email's recipient for a link), when and what, in the same transaction as
  the change.

A bundled watchlist (``file://``, no ``WatchlistS3Key``) cannot be edited by a
function: those edits are refused (:class:`NotEditable`); mutes still work.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from crypto_advisor.analysis.rule_titles import TITLES
from crypto_advisor.contracts.errors import SourceError, UnknownSymbolError
from crypto_advisor.contracts.link_token import LinkClaims
from crypto_advisor.contracts.market_scan import SCAN_SOURCE
from crypto_advisor.contracts.series import Series, SeriesError
from crypto_advisor.contracts.steering import (
    Change,
    ChangeKind,
    Mute,
    Via,
    WatchlistChanged,
    WatchlistText,
    utc_text,
)
from crypto_advisor.contracts.units import DAY_MS
from crypto_advisor.contracts.watchlist import (
    AlertPolicyOverrides,
    DigestSettings,
    Entry,
    WatchedSeries,
    Watchlist,
    WatchlistError,
    duration_text,
)
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.steering.ports import SettingsPort, SymbolSource, WatchlistObject

#: The longest mute: a year. Longer is removing the series, which says what it means.
MAX_MUTE_MS = 366 * DAY_MS
#: How many times an edit is made to the watchlist as read, when other edits keep writing it first, before it is
#: refused: each attempt is a read, the edit and a conditional write, so a few cover people editing at once.
EDIT_ATTEMPTS = 3
#: Where the alerts' recipients come from: the watchlist, the stack's parameter, or nowhere (no alert email goes out).
RecipientsFrom = Literal["alerts.recipients", "RecipientEmails", "none"]


class SettingsRejected(ValueError):
    """A change that may not be made; ``field`` names what is wrong (an API answer's ``loc``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFound(LookupError):
    """The series, mute or address to change is not there."""


class NotEditable(RuntimeError):
    """The watchlist is the bundled file: set WatchlistS3Key to edit it from the dashboard."""


class EditConflict(RuntimeError):
    """Other edits wrote the watchlist each time this one was about to (:data:`EDIT_ATTEMPTS`): nothing saved."""


class SourceUnavailable(RuntimeError):
    """The source could not say whether it lists the symbol (network, rate limit): nothing saved; try again."""


@dataclass(frozen=True)
class Who:
    """Who makes a change: the signed-in user's email address (the settings routes look it up when the token names
    the user only by id) or an email link's recipient."""

    user: str
    via: Via = "dashboard"


def _digest_field(name: str, value: Any) -> Any:
    """``value`` checked by the watchlist's own digest validators (one rule for a time or a zone, not two)."""
    try:
        DigestSettings.model_validate({name: value})
    except ValidationError as exc:
        raise ValueError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
    return value


class DigestChange(BaseModel):
    """The digest's settings to change; a field left out keeps its value."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    time: str | None = Field(default=None, examples=["07:30"])
    timezone: str | None = Field(default=None, examples=["Europe/Berlin"])

    @field_validator("time", "timezone")
    @classmethod
    def _as_the_watchlist_checks(cls, value: str | None, info: Any) -> str | None:
        return None if value is None else _digest_field(info.field_name, value)


class PolicyChange(BaseModel):
    """``PUT /api/v1/settings/policy``: the top-level ``alerts:`` keys and ``digest:`` keys to change."""

    model_config = ConfigDict(extra="forbid")

    alerts: AlertPolicyOverrides | None = None
    digest: DigestChange | None = None


class MuteRequest(BaseModel):
    """``POST /api/v1/settings/mutes``: mute ``rule`` (or, without one, every rule) of ``series`` until ``until``."""

    model_config = ConfigDict(extra="forbid")

    series: str = Field(min_length=5, max_length=120, examples=["kraken:BTC-USD:1h"])
    rule: str | None = Field(default=None, min_length=1, max_length=140, examples=["rsi_oversold"])
    until: datetime = Field(examples=["2026-12-03T06:00:00Z"])

    @field_validator("series")
    @classmethod
    def _series_key(cls, value: str) -> str:
        try:
            return Series.parse(value).key
        except (SeriesError, ValueError) as exc:
            raise ValueError(f"not a series key such as kraken:BTC-USD:1h: {exc}") from None

    @field_validator("until")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.utcoffset() is None:
            raise ValueError("until needs a time zone, e.g. 2026-12-03T06:00:00Z")
        return value


class Steering:
    """The steering use case: reads and changes settings through its ports; no clock (``now_ms`` comes in)."""

    def __init__(self, watchlist: WatchlistObject, store: SettingsPort, sources: Mapping[str, SymbolSource]) -> None:
        self._watchlist = watchlist
        self._store = store
        self._sources = sources

    # ---------------------------------------------------------------- reads
    def current(self) -> Watchlist:
        text = self._watchlist.read().text
        try:
            return parse_watchlist(text, origin=self._watchlist.uri)
        except WatchlistError as exc:  # the functions refuse it too; say so rather than show half of it
            raise SettingsRejected("watchlist", str(exc)) from None

    def settings(self, *, now_ms: int, default_recipients: Sequence[str]) -> dict[str, Any]:
        """What the Settings page shows: the policy, the digest, the series, the mutes in force, the unsubscribed.

        ``default_recipients`` are the stack's RecipientEmails, which the notifier and the digest send to when the
        watchlist names no ``alerts.recipients``: the answer says whom the alerts go to and why
        (:func:`recipients_in_effect`), not only what the watchlist says, which is nobody by default.
        """
        watchlist = self.current()
        policy = watchlist.alerts
        effective, source = recipients_in_effect(policy.recipients, default_recipients)
        return {
            "alerts": {
                "recipients": list(policy.recipients),
                "effective_recipients": list(effective),
                "recipients_from": source,
                "min_severity": policy.min_severity,
                "cooldown": duration_text(policy.cooldown_ms),
                "max_per_week": policy.max_per_week,
            },
            "digest": watchlist.digest.model_dump(),
            "series": [
                {
                    "key": w.series.key,
                    "source": w.series.source,
                    "symbol": w.series.pair,
                    "timeframe": w.series.timeframe,
                    "name": w.coin_name,
                    "rules": sorted(TITLES) + [c.rule_id for c in w.conditions],
                    # A series' own ``alerts.recipients`` replace the top level's for its alerts: without them the
                    # page would name only the top level's, and one series' alerts going elsewhere would not show.
                    "recipients": list(w.alerts.recipients) if w.alerts.recipients != policy.recipients else None,
                    "effective_recipients": list(recipients_in_effect(w.alerts.recipients, default_recipients)[0]),
                    **_cooldown_in_effect(w, policy.cooldown_ms),
                }
                for w in watchlist
            ],
            "mutes": [_mute_json(m) for m in self._store.all_mutes() if m.until_ms > now_ms],
            "unsubscribed": sorted(self._store.unsubscribed()),
            "watchlist": {"uri": self._watchlist.uri, "editable": self._watchlist.editable},
        }

    def history(self, limit: int = 200) -> list[dict[str, Any]]:
        return [change.model_dump() for change in self._store.history(limit)]

    # ---------------------------------------------------------------- the watchlist
    def change_policy(self, change: PolicyChange, who: Who, *, now_ms: int) -> dict[str, Any]:
        alerts = change.alerts.model_dump(exclude_none=True) if change.alerts is not None else {}
        digest = change.digest.model_dump(exclude_none=True) if change.digest is not None else {}
        if not alerts and not digest:
            raise SettingsRejected("body", "nothing to change: give alerts and/or digest keys")

        def edit(document: dict[str, Any]) -> list[str]:
            said = []
            for section, values in (("alerts", alerts), ("digest", digest)):
                if not values:
                    continue
                current = dict(document.get(section) or {})
                for key, value in values.items():
                    said.append(f"{section}.{key}: {current.get(key, '(default)')} -> {value}")
                    current[key] = value
                document[section] = current
            return said

        kind: ChangeKind = "alert_policy" if alerts else "digest"
        return self._edit(edit, who, kind, {"alerts": alerts, "digest": digest}, now_ms=now_ms, field="body")

    def add_series(self, entry: Entry, who: Who, *, now_ms: int) -> dict[str, Any]:
        raw = entry.model_dump(exclude_none=True)
        raw["symbol"] = raw["symbol"].replace("-", "/")

        def edit(document: dict[str, Any]) -> list[str]:
            document["series"] = [*(document.get("series") or []), raw]
            return [f"added {entry.source} {raw['symbol']} {entry.timeframe or '(default timeframe)'}"]

        return self._edit(edit, who, "series_added", {"entry": raw}, now_ms=now_ms, field="body", listed=True)

    def remove_series(self, key: str, who: Who, *, now_ms: int) -> dict[str, Any]:
        """Remove the watchlist's entry for ``key``; NotFound (nothing written) for a key with no entry of its own.

        Only the watchlist's series are entries: a market scan's coin is found by ``Watchlist.find`` but is the
        scan's answer of the hour, so removing it would write the watchlist back unchanged (its comments lost)
        and record a removal that did not happen.
        """
        watchlist = self.current()
        if not any(w.series.key == key for w in watchlist.series):
            raise NotFound(_not_an_entry(watchlist, key))

        def edit(document: dict[str, Any]) -> list[str]:
            default_tf = (document.get("defaults") or {}).get("timeframe", "1h")
            entries = document.get("series") or []
            kept = [raw for raw in entries if _raw_key(raw, default_tf) != key]
            if len(kept) == len(entries):  # another edit removed it since: write nothing rather than a no-op
                raise NotFound(_not_an_entry(watchlist, key))
            document["series"] = kept
            return [f"removed {key}"]

        return self._edit(edit, who, "series_removed", {"series": key}, now_ms=now_ms, field="key")

    def _edit(
        self,
        edit: Callable[[dict[str, Any]], list[str]],
        who: Who,
        kind: ChangeKind,
        detail: dict[str, Any],
        *,
        now_ms: int,
        field: str,
        listed: bool = False,
    ) -> dict[str, Any]:
        """Apply ``edit`` to the watchlist, check it whole, write it, record the change; nothing on a refusal.

        The write is over the version read only: if another edit wrote first, ``edit`` is applied again to the
        watchlist as it is now (its refusals then answer for that), up to :data:`EDIT_ATTEMPTS` times.
        """
        if not self._watchlist.editable:
            raise NotEditable(
                f"the watchlist is {self._watchlist.uri}, bundled with the deployment: set the WatchlistS3Key "
                "parameter to edit it from the dashboard"
            )
        for _attempt in range(EDIT_ATTEMPTS):
            before = self._watchlist.read()
            text, said = self._edited(before, edit, now_ms=now_ms, field=field, listed=listed)
            try:
                version = self._watchlist.write(text, replacing=before)
            except WatchlistChanged:
                continue
            break
        else:
            raise EditConflict(
                f"the watchlist {self._watchlist.uri} was changed by other edits each of the {EDIT_ATTEMPTS} times "
                "this change was about to be saved: nothing saved; reload Settings and try again"
            )
        summary = "; ".join(said)
        self._store.record(
            Change(
                at_ms=now_ms,
                who=who.user,
                via=who.via,
                kind=kind,
                summary=summary,
                detail={**detail, "previous_version": before.version, "version": version},
            )
        )
        return {"summary": summary, "previous_version": before.version, "version": version}

    def _edited(
        self,
        before: WatchlistText,
        edit: Callable[[dict[str, Any]], list[str]],
        *,
        now_ms: int,
        field: str,
        listed: bool,
    ) -> tuple[str, list[str]]:
        """The watchlist ``before`` with ``edit`` made, checked whole (and its new series' listings), as YAML; and
        what ``edit`` said it did."""
        document = yaml.safe_load(before.text)
        if not isinstance(document, dict):
            raise SettingsRejected("watchlist", f"{self._watchlist.uri} is not a watchlist mapping")
        edited = copy.deepcopy(document)
        said = edit(edited)
        text = yaml.safe_dump(edited, sort_keys=False, allow_unicode=True, default_flow_style=None)
        try:
            parsed = parse_watchlist(text, origin=self._watchlist.uri)
        except WatchlistError as exc:
            raise SettingsRejected(field, str(exc)) from None
        if listed:
            self._check_listed(parsed, parse_watchlist(before.text, origin=self._watchlist.uri), now_ms)
        return text, said

    def _check_listed(self, after: Watchlist, before: Watchlist, now_ms: int) -> None:
        """Ask each new series' source whether it lists the symbol (the ingest's request): unlisted means refused."""
        for watched in after:
            if before.find(watched.series.key) is not None:
                continue
            source = self._sources.get(watched.series.source)
            if source is None:
                raise SettingsRejected("source", f"no {watched.series.source} source is configured")
            try:
                source.check_listed(watched, now_ms=now_ms)
            except UnknownSymbolError as exc:
                raise SettingsRejected(
                    "symbol", f"{watched.series.source} does not list {watched.series.pair}: {exc}"
                ) from None
            except SourceError as exc:
                raise SourceUnavailable(
                    f"could not ask {watched.series.source} whether it lists {watched.series.pair}; nothing saved, "
                    f"try again: {exc}"
                ) from exc

    # ---------------------------------------------------------------- mutes and unsubscribes
    def mute(self, request: MuteRequest, who: Who, *, now_ms: int) -> dict[str, Any]:
        until_ms = int(request.until.timestamp() * 1000)
        if until_ms <= now_ms:
            raise SettingsRejected("until", f"{utc_text(until_ms)} has passed")
        if until_ms > now_ms + MAX_MUTE_MS:
            raise SettingsRejected("until", "at most a year ahead; remove the series to stop it for good")
        watched = self.current().find(request.series)
        if watched is None:
            raise SettingsRejected("series", f"{request.series} is not in the watchlist")
        if request.rule is not None and request.rule not in TITLES and watched.condition(request.rule) is None:
            raise SettingsRejected("rule", f"{request.rule!r} is neither a rule nor a condition of {request.series}")
        mute = Mute(
            series=request.series, rule=request.rule, until_ms=until_ms, by=who.user, via=who.via, created_ms=now_ms
        )
        self._store.mute(mute, _change(who, now_ms, "mute", mute.words(), _mute_json(mute)))
        return _mute_json(mute)

    def unmute(self, series: str, rule: str | None, who: Who, *, now_ms: int) -> None:
        target = f"{rule} on {series}" if rule else f"every rule on {series}"
        change = _change(who, now_ms, "unmute", f"{target} unmuted", {"series": series, "rule": rule})
        if not self._store.unmute(series, rule, change):
            raise NotFound(f"no mute of {target}")

    def resubscribe(self, address: str, who: Who, *, now_ms: int) -> None:
        change = _change(who, now_ms, "resubscribe", f"{address} subscribed again", {"address": address})
        if not self._store.resubscribe(address, change):
            raise NotFound(f"{address} is not unsubscribed")

    def link_used(self, claims: LinkClaims) -> bool:
        """Whether this link already acted (its confirmation page then says so instead of offering the button)."""
        return self._store.spent(claims.nonce)

    def act_on_link(self, claims: LinkClaims, *, now_ms: int) -> str:
        """Do what a verified email link's token says, once (its nonce is spent with the change); the outcome in words.

        Raises :class:`~crypto_advisor.contracts.link_token.LinkTokenError` (``spent``) for a link already used.
        """
        who = Who(claims.recipient, "email")
        spend = (claims.nonce, claims.expires_ms)
        if claims.action == "unsubscribe":
            said = f"{claims.recipient} unsubscribed from the alert emails and the daily digest"
            self._store.unsubscribe(
                claims.recipient, _change(who, now_ms, "unsubscribe", said, {"address": claims.recipient}), spend=spend
            )
            return said
        if claims.series is None or claims.duration_ms is None:
            raise SettingsRejected("token", "a mute link without its series or duration")
        mute = Mute(
            series=claims.series,
            rule=claims.rule,
            until_ms=now_ms + claims.duration_ms,
            by=claims.recipient,
            via="email",
            created_ms=now_ms,
        )
        self._store.mute(mute, _change(who, now_ms, "mute", mute.words(), _mute_json(mute)), spend=spend)
        return mute.words()


def recipients_in_effect(
    configured: Sequence[str], default_recipients: Sequence[str]
) -> tuple[tuple[str, ...], RecipientsFrom]:
    """Whom the alerts go to, and where that list comes from: the watchlist's ``alerts.recipients``, else the
    stack's RecipientEmails (the notifier's rule, :func:`crypto_advisor.notify.policy.decide`), else nobody."""
    if configured:
        return tuple(configured), "alerts.recipients"
    if default_recipients:
        return tuple(default_recipients), "RecipientEmails"
    return (), "none"


def _change(who: Who, now_ms: int, kind: ChangeKind, summary: str, detail: dict[str, Any]) -> Change:
    return Change(at_ms=now_ms, who=who.user, via=who.via, kind=kind, summary=summary, detail=detail)


def _mute_json(mute: Mute) -> dict[str, Any]:
    return {**mute.model_dump(), "until": utc_text(mute.until_ms)}


def _not_an_entry(watchlist: Watchlist, key: str) -> str:
    """Why ``key`` cannot be removed: a market scan's coin goes with its scan; any other key is not watched."""
    scan = watchlist.scan_of(key)
    if scan is None:
        return f"{key} is not in the watchlist"
    return (
        f"{key} is a coin of the market scan ({SCAN_SOURCE} {scan.scan.name}), not a series of the watchlist: "
        "change the scan's top or vs to stop watching it"
    )


def _raw_key(raw: Any, default_timeframe: str) -> str | None:
    """The series key of a watchlist entry as written (None for one that is not an entry)."""
    if not isinstance(raw, dict):
        return None
    try:
        return Series.of(str(raw.get("source")), str(raw.get("symbol")), raw.get("timeframe") or default_timeframe).key
    except (SeriesError, ValueError):
        return None


def _cooldown_in_effect(watched: WatchedSeries, top_ms: int) -> dict[str, str | None]:
    """A series' cooldown where it differs from the top level's (None: it follows it), and why: the floor of two of
    its candles (a daily series under the default 6 h waits 2 days,
    :meth:`~crypto_advisor.contracts.watchlist.AlertPolicy.on_timeframe`), or its own ``alerts.cooldown``, so the
    Settings page does not show 6 h for a series that waits two days."""
    own_ms = watched.alerts.cooldown_ms
    if own_ms == top_ms:
        return {"cooldown": None, "cooldown_from": None}
    return {
        "cooldown": duration_text(own_ms),
        "cooldown_from": "two candles" if watched.cooldown_floored else "alerts.cooldown",
    }
