"""The local HTTP API hands the function the path as an API Gateway HTTP API does: percent-decoded, the query not."""

from __future__ import annotations

import pytest

from crypto_advisor.local.http_api import BadPath, Route, http_event, request_path


def test_the_path_is_decoded_once_and_a_plus_stays_a_plus() -> None:
    assert request_path("/api/v1/alerts/market%231h@1/email") == "/api/v1/alerts/market#1h@1/email"
    assert request_path("/u/jane%2Balerts@x.com") == "/u/jane+alerts@x.com"
    assert request_path("/u/jane+alerts@x.com") == "/u/jane+alerts@x.com"
    assert request_path("/u/100%2525") == "/u/100%25"


def test_the_event_carries_the_decoded_path_and_the_query_string_as_sent() -> None:
    route = Route("ANY", "/{proxy+}", "DashboardFunction", None)
    path = request_path("/email/mute%21")
    event = http_event(route, {}, method="GET", path=path, query="token=a%2Bb", headers={}, body=b"", claims=None)
    assert event["rawPath"] == event["requestContext"]["http"]["path"] == "/email/mute!"
    assert event["rawQueryString"] == "token=a%2Bb" and event["queryStringParameters"] == {"token": "a+b"}


def test_escapes_that_are_not_utf8_name_the_path() -> None:
    with pytest.raises(BadPath, match="/u/%FF"):
        request_path("/u/%FF")
