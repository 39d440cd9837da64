"""One alarm sees DynamoDB throttling on every table of the stack (template.yaml's DynamoDbThrottlesAlarm).

On-demand tables still throttle (a hot partition key, the account's per-table quota), and a throttled write in
AnalyzeFunction is a signal lost until its batch is replayed. ``ThrottledRequests`` is published per table and
operation only (no per-table aggregate), so the alarm is one Metrics Insights query over that schema, its WHERE
naming each table: a table added to the template and not to the query fails here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.unit.operations.conftest import alarms, of_type, translate

#: ``TableName = '${LogicalId}'`` in the query's Fn::Sub text.
_TABLE = re.compile(r"TableName\s*=\s*'\$\{(\w+)\}'")
#: What CloudWatch takes in one alarm's Metrics (metric math and queries alike).
MAX_METRICS = 10


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return translate()["Resources"]


def throttle_alarms(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The alarms whose queries read AWS/DynamoDB's ThrottledRequests."""
    found = {}
    for name, alarm in alarms(resources).items():
        for query in alarm.get("Metrics", []):
            expression = query.get("Expression", {})
            text = expression.get("Fn::Sub", "") if isinstance(expression, dict) else expression
            if "ThrottledRequests" in text and '"AWS/DynamoDB"' in text:
                found[name] = {"alarm": alarm, "query": " ".join(text.split())}
    return found


def test_one_alarm_reads_dynamodb_throttling_and_emails_the_alarm_topic(resources):
    [alarm] = throttle_alarms(resources).values()
    props = alarm["alarm"]
    assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    assert (props["Threshold"], props["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert props["TreatMissingData"] == "notBreaching"
    assert len(props["Metrics"]) <= MAX_METRICS
    assert [q.get("ReturnData") for q in props["Metrics"]] == [True]


def test_the_query_sums_every_operation_of_each_table(resources):
    # ThrottledRequests has no per-table series: a query (or a MetricStat) by TableName alone would find no data
    [alarm] = throttle_alarms(resources).values()
    query = alarm["query"]
    assert query.startswith('SELECT SUM(ThrottledRequests) FROM SCHEMA("AWS/DynamoDB", Operation, TableName) WHERE ')
    assert "GROUP BY" not in query, "an alarm's query must return one time series"


def test_every_dynamodb_table_of_the_template_is_in_the_alarms_query(resources):
    # Given the stack's tables as CloudFormation creates them
    tables = set(of_type(resources, "AWS::DynamoDB::Table"))
    assert len(tables) >= 6
    # Then each is named in the query's WHERE, and nothing else is
    [alarm] = throttle_alarms(resources).values()
    named = _TABLE.findall(alarm["query"])
    assert sorted(named) == sorted(tables), "add the new table to DynamoDbThrottlesAlarm's WHERE"
    where = alarm["query"].split(" WHERE ", 1)[1]
    assert where == " OR ".join(f"TableName = '${{{t}}}'" for t in named)
