"""Issue 11, item 15: a CloudWatch dashboard with the pipeline's health at a glance.

Runs, candles, signals, emails and suppressions by reason, failures, iterator ages, parked records: each must be
on it, read from the translated template's dashboard body.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.unit.operations.conftest import of_type, resolve_sub

#: Functions not graphed, and why: the custom resource runs only while the stack deploys
NOT_GRAPHED = {"DashboardUsersFunction"}


@pytest.fixture(scope="module")
def functions(resources) -> list[str]:
    """Every function of the template: one added later is graphed, or has a stated reason in NOT_GRAPHED."""
    found = sorted(set(of_type(resources, "AWS::Lambda::Function")) - NOT_GRAPHED)
    assert {"IngestFunction", "IngestWorkerFunction", "AnalyzeFunction", "DashboardFunction"} <= set(found)
    return found


@pytest.fixture(scope="module")
def widgets(resources) -> list[dict[str, Any]]:
    [dashboard] = of_type(resources, "AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    return json.loads(resolve_sub(body))["widgets"]


def graphed(widgets: list[dict[str, Any]]) -> set[tuple[str, ...]]:
    """Every metric graphed, as (namespace, name, dimension name, dimension value, ...)."""
    found = set()
    for widget in widgets:
        for row in widget["properties"].get("metrics", []):
            found.add(tuple(part for part in row if isinstance(part, str)))
    return found


def queries(widgets: list[dict[str, Any]]) -> list[str]:
    return [w["properties"]["query"] for w in widgets if w["type"] == "log"]


def test_the_widgets_fit_the_grid_and_name_the_stacks_region(widgets):
    for widget in widgets:
        assert widget["x"] + widget["width"] <= 24
        assert widget["properties"]["region"] == "<AWS::Region>"
        assert widget["properties"]["title"]


def test_it_shows_every_functions_runs(widgets, functions):
    for function in functions:
        assert ("AWS/Lambda", "Invocations", "FunctionName", f"<{function}>") in graphed(widgets)


def test_it_shows_candles_updates_and_signals(widgets):
    assert ("CryptoAdvisor", "CandlesStored", "service", "crypto-advisor") in graphed(widgets)
    assert ("AWS/Kinesis", "IncomingRecords", "StreamName", "<CandleStream>") in graphed(widgets)
    assert ("CryptoAdvisor", "SignalsStored", "service", "crypto-advisor") in graphed(widgets)


def test_it_shows_the_emails_sent_and_what_bounced(widgets):
    for metric in ("EmailsSent", "MarketEmailsSent", "DigestsSent"):
        assert ("CryptoAdvisor", metric, "service", "crypto-advisor") in graphed(widgets)
    for metric in ("Bounce", "Complaint"):
        assert ("AWS/SES", metric, "ses:configuration-set", "<AWS::StackName>-email") in graphed(widgets)


def test_it_counts_the_suppressions_by_reason_from_the_notifiers_log(widgets):
    [query] = [q for q in queries(widgets) if "alert suppressed" in q]
    assert query.startswith("SOURCE '<NotifyLogGroup>'")
    assert "by reason" in query and "no_firings" in query  # the candles where nothing fired are not suppressions


def test_it_shows_every_failure_and_every_functions_errors_and_throttles(widgets, functions):
    for metric in (
        "SeriesFailed",
        "NewsCoinsFailed",
        "TrainSeriesFailed",
        "AlertsFailed",
        "LedgerFailures",
        "PredictionsFailed",
        "ModelRefreshFailed",
    ):
        assert ("CryptoAdvisor", metric, "service", "crypto-advisor") in graphed(widgets)
    for function in functions:
        for metric in ("Errors", "Throttles"):
            assert ("AWS/Lambda", metric, "FunctionName", f"<{function}>") in graphed(widgets)


def test_it_shows_both_stream_consumers_iterator_age(widgets):
    for function in ("AnalyzeFunction", "NotifyFunction"):
        assert ("AWS/Lambda", "IteratorAge", "FunctionName", f"<{function}>") in graphed(widgets)


def test_it_shows_every_parked_record_queue_of_the_template(resources, widgets):
    queues = of_type(resources, "AWS::SQS::Queue")
    assert queues
    for queue in queues:
        assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", f"<{queue}.QueueName>") in graphed(
            widgets
        )


def test_the_stack_outputs_the_dashboards_address(cfn):
    assert "dashboards:name=${PipelineDashboard}" in cfn["Outputs"]["DashboardUrl"]["Value"]["Fn::Sub"]
