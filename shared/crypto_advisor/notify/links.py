"""The links an alert email carries: its series on the dashboard, one-click mutes, and the unsubscribe.

The daily digest carries some of them too (:meth:`LinkSigner.digest_links`):
each of its series' pages and the same unsubscribe, which stops the alerts
and the digest alike (one list, one unsubscribe). So does the market email
(:meth:`LinkSigner.market_links`): the dashboard, each covered coin's page and
the unsubscribe, with no mutes, since it reports no one rule.

Each recipient gets links of their own (an unsubscribe removes the one who
clicked, and the history says who muted), so the notifier builds one message
per recipient. A mute link silences the rules the email reports, one pair per
rule: "Mute RSI oversold on BTC/USD 1h for 24 hours / 7 days". Every action
URL carries a token signed for that action alone
(:mod:`crypto_advisor.contracts.link_token`); following it (a GET) shows a
confirmation page and only its POST acts, because mail scanners prefetch
links. The unsubscribe URL is also the RFC 8058 ``List-Unsubscribe`` target:
mail clients POST ``List-Unsubscribe=One-Click`` to it without a page.

The dashboard's paths, which DashboardFunction serves (:mod:`crypto_advisor.api.email_links`):

- ``/#/series/<series key>``: the series page (the web app routes by the fragment);
- ``/email/mute?token=...``: confirm, then POST, a mute;
- ``/email/unsubscribe?token=...``: confirm, then POST (or the one-click POST), an unsubscribe.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from crypto_advisor.analysis.rule_titles import title_of
from crypto_advisor.contracts.link_token import LINK_LIFETIME_MS, LinkClaims, sign
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.units import DAY_MS

#: The mute durations an email offers, with how the link says them.
MUTE_CHOICES: tuple[tuple[int, str], ...] = ((DAY_MS, "24 hours"), (7 * DAY_MS, "7 days"))
MUTE_PATH = "/email/mute"
UNSUBSCRIBE_PATH = "/email/unsubscribe"


def series_page(base_url: str, series: Series) -> str:
    """The dashboard page of ``series``."""
    return f"{base_url.rstrip('/')}/#/series/{quote(series.key, safe=':-')}"


@dataclass(frozen=True)
class ActionLink:
    label: str
    url: str


@dataclass(frozen=True)
class RuleMutes:
    """The mute links of one rule: the words before them and one link per duration."""

    words: str
    choices: tuple[ActionLink, ...]


@dataclass(frozen=True)
class EmailLinks:
    """One recipient's links in one alert email."""

    series_page: str
    mutes: tuple[RuleMutes, ...]
    #: the confirmation page, and the RFC 8058 one-click POST target
    unsubscribe: str


@dataclass(frozen=True)
class DigestLinks:
    """One recipient's links in one digest: the dashboard, each series' page (by series key), the unsubscribe."""

    dashboard: str
    series_pages: dict[str, str]
    #: the confirmation page, and the RFC 8058 one-click POST target
    unsubscribe: str


@dataclass(frozen=True)
class LinkSigner:
    """Signs the links of an email with the stack's link key; a fresh nonce per link (each is single use)."""

    base_url: str
    #: the key, or where to read it each time (a secret re-read every few minutes, so a rotated key takes effect)
    key: bytes | Callable[[], bytes] = field(repr=False)
    lifetime_ms: int = LINK_LIFETIME_MS
    nonce: Callable[[], str] = lambda: secrets.token_urlsafe(18)

    def links(self, series: Series, rules: Sequence[str], recipient: str, *, now_ms: int) -> EmailLinks:
        """The links for ``recipient`` of an email about ``series`` reporting ``rules`` (rule ids)."""
        expires = now_ms + self.lifetime_ms
        mutes = []
        for rule_id in dict.fromkeys(rules):
            # The rule's own title, not a direction's: a mute silences the rule both ways.
            title = title_of(rule_id, "") or rule_id
            choices = tuple(
                ActionLink(
                    label,
                    self._url(
                        MUTE_PATH,
                        LinkClaims(
                            action="mute",
                            recipient=recipient,
                            expires_ms=expires,
                            nonce=self.nonce(),
                            series=series.key,
                            rule=rule_id,
                            duration_ms=duration,
                        ),
                    ),
                )
                for duration, label in MUTE_CHOICES
            )
            mutes.append(RuleMutes(f"Mute {title} alerts on {series.label} for", choices))
        return EmailLinks(series_page(self.base_url, series), tuple(mutes), self._unsubscribe(recipient, expires))

    def digest_links(self, series: Sequence[Series], recipient: str, *, now_ms: int) -> DigestLinks:
        """The links for ``recipient`` of a digest covering ``series``: no mutes (a digest reports no one firing)."""
        return DigestLinks(
            self.base_url.rstrip("/") + "/",
            {s.key: series_page(self.base_url, s) for s in series},
            self._unsubscribe(recipient, now_ms + self.lifetime_ms),
        )

    def market_links(self, covered: Sequence[Series], recipient: str, *, now_ms: int) -> DigestLinks:
        """The links for ``recipient`` of a market email covering ``covered``: a digest's links (the dashboard, each
        coin's page, the unsubscribe), since a market email too reports no one rule a mute could silence."""
        return self.digest_links(covered, recipient, now_ms=now_ms)

    def _unsubscribe(self, recipient: str, expires_ms: int) -> str:
        return self._url(
            UNSUBSCRIBE_PATH,
            LinkClaims(action="unsubscribe", recipient=recipient, expires_ms=expires_ms, nonce=self.nonce()),
        )

    def _url(self, path: str, claims: LinkClaims) -> str:
        key = self.key() if callable(self.key) else self.key
        return f"{self.base_url.rstrip('/')}{path}?{urlencode({'token': sign(claims, key)})}"
