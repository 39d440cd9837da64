"""The steering routes in-process, and the demo's use of an alert email's one-click mute.

:class:`SteeringRoutes` answers the dashboard's Settings and email-link routes
(:mod:`crypto_advisor.api.settings_routes`, :mod:`crypto_advisor.api.email_links`)
through DashboardFunction's handler, with the HTTP API's payload v2 events
and the signed-in user's claims as the JWT authorizer passes them.

:func:`mute_from_email` is what ``make demo`` shows: the first alert email's
"Mute ... for 24 hours" link followed as a person would (the GET shows the
confirmation page, the POST mutes), then the same rule firing on the series'
next candle, and NotifyFunction's decision about it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from boto3.dynamodb.conditions import Key

from crypto_advisor.adapters.firing_archive import ArchivingSignalWriter, FiringArchive
from crypto_advisor.adapters.signal_history import SignalHistory
from crypto_advisor.adapters.signal_store import SignalStore
from crypto_advisor.contracts.series import Series
from crypto_advisor.ingest.ports import MarketSource
from crypto_advisor.local.dashboard import API
from crypto_advisor.local.http_api import HttpApi, http_event, http_response
from crypto_advisor.local.runtime import LocalRuntime

#: What a link line of the plain-text part looks like: "Mute RSI oversold alerts on BTC/USD 1h for 24 hours: <url>".
_LINK = re.compile(r"^(.+?): (https?://\S+)\r?$", re.M)
_TITLE = re.compile(r"<h1>(.*?)</h1>.*?<p>(.*?)</p>", re.S)


def email_links_of(message: EmailMessage) -> dict[str, str]:
    """The labelled links of an alert email's plain-text part ("Your alerts"): label -> URL."""
    part = message.get_body(("plain",))
    return dict(_LINK.findall(part.get_content())) if part is not None else {}


class SteeringRoutes:
    """DashboardFunction's routes through the stack's HTTP API as the local runtime serves it, signed in or not.

    Each request becomes the payload v2 event the HTTP API sends (routes from the template), with the user's
    claims as the JWT authorizer passes them on a guarded route; the token itself is not minted here (the local
    HTTP API's own tests check the authorizer). ``sources`` are DashboardFunction's market sources.
    """

    def __init__(self, runtime: LocalRuntime, sources: Mapping[str, MarketSource]) -> None:
        self.runtime = runtime
        self.api = HttpApi.from_stack(runtime.stack, API)
        self.sources = sources

    def request(
        self, method: str, url: str, body: Any = None, *, user: str | None = None, form: str | None = None
    ) -> tuple[int, str, dict[str, str]]:
        """(status, body, headers) of ``method url``; ``user`` signed in (the JWT's email claim) or nobody."""
        parts = urlsplit(url)
        found = self.api.route(method, parts.path)
        if found is None:
            return 404, "", {}
        route, params = found
        if route.authorizer is not None and user is None:
            return 401, '{"message":"Unauthorized"}', {}
        text = form if form is not None else (json.dumps(body) if body is not None else "")
        kind = "application/x-www-form-urlencoded" if form is not None else "application/json"
        event = http_event(
            route,
            params,
            method=method,
            path=parts.path,
            query=parts.query,
            headers={"content-type": kind},
            body=text.encode(),
            claims={"email": user} if route.authorizer is not None else None,
        )
        status, headers, payload = http_response(self.runtime.invoke(route.function, event, sources=self.sources))
        return status, payload.decode(), headers


def page_text(page: str) -> str:
    """A page's title and first paragraph, as one line."""
    found = _TITLE.search(page)
    return f"{found.group(1)}: {found.group(2)}" if found else page[:120]


def mute_from_email(runtime: LocalRuntime, routes: SteeringRoutes, messages: list[EmailMessage]) -> dict[str, Any]:
    """Use the first alert email's 24-hour mute link, then let the same rule fire on the next candle."""
    outputs = runtime.stack.outputs
    for message in messages:
        links = email_links_of(message)
        label = next((k for k in links if k.startswith("Mute ") and k.endswith("for 24 hours")), None)
        if label is not None:
            break
    else:
        print("\nfrom the email: no alert email carried a mute link")
        return {}
    url = links[label]
    target = f"{urlsplit(url).path}?{urlsplit(url).query}"
    print(f"\nfrom the email '{message['Subject']}':")
    print(f"  link   {label}: {url[:90]}...")
    status, page, _ = routes.request("GET", target)
    print(f"  GET    {status}  {page_text(page)}  (a mail scanner's fetch changes nothing)")
    status, page, _ = routes.request("POST", target, form="confirm=yes")
    print(f"  POST   {status}  {page_text(page)}")
    status, page, _ = routes.request("POST", target, form="confirm=yes")
    print(f"  again  {status}  {page_text(page)}")
    # The rule's next firing: the emailed signal's firings on the candle after the series' last one, stored as
    # AnalyzeFunction stores a signal; the notifier then decides about it as about any other.
    key = Series.parse(email_links_of(message)["Open this series on the dashboard"].rpartition("/series/")[2])
    aws = runtime.stack.aws
    log = aws.resource("dynamodb").Table(outputs["NotificationsTableName"])
    signals = aws.resource("dynamodb").Table(outputs["SignalsTableName"])
    decided = log.query(KeyConditionExpression=Key("series").eq(key.key))["Items"]
    sent = next(i for i in decided if i.get("subject") == message["Subject"])
    emailed_ts, rules = int(sent["ts"]), {str(r) for r in sent.get("rules", ())}
    emailed = SignalHistory(signals).at(key.key, emailed_ts)
    assert emailed is not None
    last = max(int(i["ts"]) for i in signals.query(KeyConditionExpression=Key("series").eq(key.key))["Items"])
    shift = last + key.timeframe_ms - emailed_ts
    # Only the emailed rules fire again: the question is what the mute does to them.
    following = emailed.model_copy(
        update={
            "candle_ts": emailed_ts + shift,
            "analyzed_at": emailed.analyzed_at + shift,
            "firings": [f for f in emailed.firings if f.rule_id in rules],
        }
    )
    ArchivingSignalWriter(FiringArchive(aws.client("s3"), outputs["ArchiveBucketName"]), SignalStore(signals)).put_once(
        following
    )
    runtime.deliver_dynamodb_streams("NotifyFunction")
    item = log.get_item(Key={"series": key.key, "ts": following.candle_ts}).get("Item", {})
    print(
        f"  next   {key.key} fires {', '.join(f.rule_id for f in following.active_firings)} again on the candle after "
        f"its last (the emailed firings, moved on): {item.get('status')}, {item.get('reason')}: {item.get('detail')}"
    )
    return {"link": label, "next": {k: str(v) for k, v in item.items() if k in ("status", "reason", "detail")}}
