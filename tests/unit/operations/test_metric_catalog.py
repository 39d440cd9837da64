"""Issue 11, item 18 (the metrics part): every custom metric is one an alarm or the dashboard reads.

Each EMF metric name and dimension set is a billed custom metric; ``telemetry/catalog.py`` lists the ones
published, every ``add_metric`` in ``telemetry/`` names one of them, and the translated template reads each.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from crypto_advisor.telemetry import catalog
from tests.conftest import REPO
from tests.unit.operations.conftest import alarm_metrics, alarms, of_type, resolve_sub

TELEMETRY = REPO / "shared" / "crypto_advisor" / "telemetry"


def add_metric_names(path: Path) -> list[ast.expr]:
    """The ``name=`` argument of every ``add_metric`` call in a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_metric":
            [name] = [k.value for k in node.keywords if k.arg == "name"]
            found.append(name)
    return found


def read_by_the_template(resources) -> set[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """(namespace, metric, dimensions) of everything an alarm or the dashboard reads."""
    read = set()
    for alarm in alarms(resources).values():
        for namespace, metric, dims in alarm_metrics(alarm):
            read.add((namespace, metric, tuple(sorted((k, str(v)) for k, v in dims.items()))))
    for dashboard in of_type(resources, "AWS::CloudWatch::Dashboard").values():
        body = json.loads(resolve_sub(dashboard["Properties"]["DashboardBody"]["Fn::Sub"]))
        for widget in body["widgets"]:
            for row in widget["properties"].get("metrics", []):
                namespace, metric, *dims = [part for part in row if isinstance(part, str)]
                read.add((namespace, metric, tuple(sorted(zip(dims[::2], dims[1::2], strict=True)))))
    return read


def test_every_metric_published_is_named_in_the_catalog():
    constants = {name for name, value in vars(catalog).items() if isinstance(value, catalog.CustomMetric)}
    modules = sorted(TELEMETRY.glob("*.py"))
    calls = [name for module in modules for name in add_metric_names(module)]
    assert calls
    for name in calls:
        # name=<CONSTANT>.name, the constant imported from the catalog: never a string of its own
        assert isinstance(name, ast.Attribute) and name.attr == "name", ast.unparse(name)
        assert isinstance(name.value, ast.Name) and name.value.id in constants, ast.unparse(name)
    used = {name.value.id for name in calls if isinstance(name, ast.Attribute) and isinstance(name.value, ast.Name)}
    assert used == {name for name, value in vars(catalog).items() if value in catalog.EMITTED}


def test_every_metric_in_the_catalog_is_read_by_an_alarm_or_the_dashboard(resources):
    read = read_by_the_template(resources)
    dimensions = tuple(sorted(catalog.DIMENSIONS))
    for metric in catalog.EMITTED:
        assert (catalog.NAMESPACE, metric.name, dimensions) in read, f"{metric.name} is billed and read by nothing"
    for name in catalog.SES_EVENT_METRICS:
        assert any(ns == "AWS/SES" and m == name for ns, m, _ in read)


def test_the_template_reads_no_custom_metric_that_is_not_published(resources):
    published = {m.name for m in catalog.EMITTED}
    for namespace, metric, _ in read_by_the_template(resources):
        if namespace == catalog.NAMESPACE:
            assert metric in published, f"{metric} is read but nothing publishes it"


def test_the_functions_publish_in_the_catalogs_namespace_and_dimension(cfn):
    for resource in of_type(cfn["Resources"], "AWS::Lambda::Function").values():
        variables = resource["Properties"]["Environment"]["Variables"]
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == catalog.NAMESPACE
        assert ("service", variables["POWERTOOLS_SERVICE_NAME"]) in catalog.DIMENSIONS


def test_the_catalog_keeps_the_bill_small():
    # 15 EMF metrics, down from about 37: each costs up to 0.30 USD a month
    assert len(catalog.EMITTED) == len({m.name for m in catalog.EMITTED}) <= 15
