"""The template as CloudFormation receives it: ``template.yaml`` translated by aws-sam-translator, as ``sam deploy``
(and the embedded stack of the local runtime) does, with the parameters a deploy must give."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from crypto_advisor.local.stack import LOCAL_PARAMETERS, load_template, to_cloudformation
from tests.conftest import REPO


def translate(**parameters: str) -> dict[str, Any]:
    return to_cloudformation(load_template(REPO / "template.yaml"), {**LOCAL_PARAMETERS, **parameters})


@pytest.fixture(scope="package")
def cfn() -> dict[str, Any]:
    return translate()


@pytest.fixture(scope="package")
def resources(cfn: dict[str, Any]) -> dict[str, Any]:
    return cfn["Resources"]


def of_type(resources: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in resources.items() if r["Type"] == kind}


def alarms(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: r["Properties"] for k, r in of_type(resources, "AWS::CloudWatch::Alarm").items()}


def alarm_metrics(alarm: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(namespace, metric name, dimensions) of every metric an alarm reads, plain or in its metric math."""
    if "MetricName" in alarm:
        yield alarm["Namespace"], alarm["MetricName"], {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
    for query in alarm.get("Metrics", []):
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            yield metric["Namespace"], metric["MetricName"], dims


def alarms_on(resources: dict[str, Any], namespace: str, metric: str) -> dict[str, dict[str, Any]]:
    return {
        name: alarm
        for name, alarm in alarms(resources).items()
        if any((ns, m) == (namespace, metric) for ns, m, _ in alarm_metrics(alarm))
    }


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    """Every statement of a role's inline policies; both branches of a conditional one."""
    found: list[dict[str, Any]] = []
    for policy in role["Properties"].get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            branches = statement["Fn::If"][1:] if "Fn::If" in statement else [statement]
            found.extend(b for b in branches if b != {"Ref": "AWS::NoValue"})
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_of(resources: dict[str, Any], function: str) -> dict[str, Any]:
    role = resources[function]["Properties"]["Role"]
    return resources[role["Fn::GetAtt"][0]]


_SUB = re.compile(r"\$\{([^}]+)\}")


def resolve_sub(text: str) -> str:
    """``Fn::Sub`` text with every ``${X}`` replaced by ``<X>``: enough to parse and read what it names."""
    return _SUB.sub(lambda m: f"<{m.group(1)}>", text)
