"""GET /api/v1/series/{key} says how the series' past alerts fared (``past_alerts``), in the alert email's words.

The read route with the real resolver (its response validation and OpenAPI document) over the dashboard of
``tests/unit/dashboard/test_past_alerts`` (in-memory stores, the replay report as given); the HTTP API's authorizer
is not in the way (the claims are those it passes on).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from crypto_advisor.api import read_routes
from crypto_advisor.api.app import resolver
from crypto_advisor.local.http_api import Route, http_event
from crypto_advisor.notify.replay_figures import email_record
from tests.unit.dashboard.test_past_alerts import BTC, Figures, board, replay_report, worded
from tests.unit.notify.test_email_record import ltc
from tests.unit.steering.test_who_and_recipients import ACCESS_CLAIMS, ACCESS_TOKEN


def get(monkeypatch: pytest.MonkeyPatch, path: str, report: dict[str, Any] | None = None) -> tuple[int, Any]:
    """``GET path`` as the HTTP API hands it on, the dashboard reading ``report`` as the series' replay report."""
    monkeypatch.setattr(read_routes, "dashboard_of", lambda _router: board(Figures(report)))
    route = Route("ANY", "/api/v1/{proxy+}", "DashboardFunction", None)
    headers = {"authorization": f"Bearer {ACCESS_TOKEN}"}
    event = http_event(route, {}, method="GET", path=path, query="", headers=headers, body=b"", claims=ACCESS_CLAIMS)
    answer = resolver().resolve(event, {})
    return answer["statusCode"], json.loads(answer["body"])


def test_the_series_answer_carries_the_emails_sentence_on_past_alerts(monkeypatch):
    status, detail = get(monkeypatch, f"/api/v1/series/{BTC.key}", replay_report())
    assert status == 200, detail
    assert detail["past_alerts"] == worded(email_record(replay_report()))
    assert [r["rule"] for r in detail["rule_records"]] == ["rsi_oversold"] and detail["notes"] == []


def test_a_series_without_an_email_record_answers_null(monkeypatch):
    status, detail = get(monkeypatch, f"/api/v1/series/{BTC.key}", {"replayed": 2_000, "rules": []})
    assert status == 200, detail
    assert "past_alerts" in detail and detail["past_alerts"] is None


def test_a_malformed_email_record_answers_null_with_a_note_and_the_rules_records(monkeypatch):
    malformed = {**ltc(), "directional": 600}
    status, detail = get(monkeypatch, f"/api/v1/series/{BTC.key}", replay_report(email_record=malformed))
    assert status == 200, detail
    assert detail["past_alerts"] is None
    assert detail["notes"] == ["past alerts unreadable: email_record.directional 600 is more than its 592 emails"]
    assert [r["rule"] for r in detail["rule_records"]] == ["rsi_oversold"]


def test_the_openapi_document_describes_past_alerts_as_text_or_null(monkeypatch):
    status, document = get(monkeypatch, "/openapi.json")
    assert status == 200
    field = document["components"]["schemas"]["SeriesDetail"]["properties"]["past_alerts"]
    assert {kind.get("type") for kind in field["anyOf"]} == {"string", "null"}
    assert "How past alerts on this series fared" in field["description"]
