"""The schedule switches really switch: SAM reads any intrinsic given to a Schedule event's ``Enabled`` as true,
so ``Enabled: !If [...]`` deployed every rule ENABLED whatever the parameter said; ``State`` carries the condition
to the EventBridge rule."""

from __future__ import annotations

import pytest

from tests.unit.operations.conftest import translate


@pytest.mark.parametrize(
    ("rule", "condition", "parameter"),
    [
        ("IngestFunctionSchedule", "IngestEnabled", "IngestScheduleEnabled"),
        ("NewsFunctionSchedule", "NewsEnabled", "NewsScheduleEnabled"),
        ("TrainFunctionSchedule", "TrainEnabled", "TrainScheduleEnabled"),
        ("DigestFunctionSchedule", "DigestOn", "DigestEnabled"),
    ],
)
def test_each_schedule_rule_follows_its_parameter(cfn, resources, rule, condition, parameter):
    # Given the EventBridge rule SAM made of the function's Schedule event
    properties = resources[rule]["Properties"]
    # Then its state is the condition on the parameter, not a constant
    assert properties["State"] == {"Fn::If": [condition, "ENABLED", "DISABLED"]}
    assert cfn["Conditions"][condition] == {"Fn::Equals": [{"Ref": parameter}, "true"]}


def test_the_rule_is_disabled_when_the_parameter_says_false():
    # Given a deploy that pauses ingestion
    parameters = {"IngestScheduleEnabled": "false"}
    cfn = translate(**parameters)
    condition, when_true, when_false = cfn["Resources"]["IngestFunctionSchedule"]["Properties"]["State"]["Fn::If"]
    # When the rule's state is resolved as CloudFormation does, from the condition and the parameter
    [left, right] = cfn["Conditions"][condition]["Fn::Equals"]
    holds = parameters[left["Ref"]] == right
    # Then the rule is created DISABLED
    assert (when_true if holds else when_false) == "DISABLED"
