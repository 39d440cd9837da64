"""Issue 11, item 4: what the stream mappings give up on is kept whole, in S3, and says so; read from the translated
template.

An SQS or SNS on-failure destination of a Kinesis or DynamoDB-stream mapping
receives only which records were given up (the streams keep them 24 hours); an
S3 destination receives the records too, which ``make redrive`` replays.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import REPO
from tests.unit.operations.conftest import alarms, as_list, of_type, role_of, statements

#: function, its event source mapping (as SAM names the one it generates), its failure queue
CONSUMERS = [
    ("AnalyzeFunction", "AnalyzeFunctionCandleUpdates", "AnalyzeFailureQueue"),
    ("NotifyFunction", "NotifyFunctionNewSignals", "NotifyFailureQueue"),
]
BUCKET_ARN = {"Fn::GetAtt": ["ParkedRecordsBucket", "Arn"]}


@pytest.mark.parametrize(("function", "mapping", "queue"), CONSUMERS)
def test_each_stream_mapping_parks_what_it_gives_up_on_in_the_parked_records_bucket(
    resources, function, mapping, queue
):
    destination = resources[mapping]["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination == BUCKET_ARN
    assert resources["ParkedRecordsBucket"]["Type"] == "AWS::S3::Bucket"


def test_no_stream_mapping_parks_in_a_queue_or_a_topic(resources):
    for name, mapping in of_type(resources, "AWS::Lambda::EventSourceMapping").items():
        destination = mapping["Properties"].get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        assert destination is None or destination == BUCKET_ARN, name


@pytest.mark.parametrize(("function", "mapping", "queue"), CONSUMERS)
def test_each_consumer_may_write_only_lambdas_prefix_of_that_bucket_and_list_it(resources, function, mapping, queue):
    # Given every statement of the function's role that names the bucket
    named = [s for s in statements(role_of(resources, function)) if "ParkedRecordsBucket" in str(s["Resource"])]
    rights = {a: s["Resource"] for s in named for a in as_list(s["Action"])}
    # Then: PutObject under aws/lambda/ (where Lambda writes) and ListBucket (which Lambda's guide asks for), no more
    assert rights == {
        "s3:PutObject": {"Fn::Sub": "${ParkedRecordsBucket.Arn}/aws/lambda/*"},
        "s3:ListBucket": BUCKET_ARN,
    }


def test_no_other_role_touches_the_parked_records(resources):
    writers = {
        name
        for name, role in of_type(resources, "AWS::IAM::Role").items()
        if "ParkedRecordsBucket" in str(statements(role))
    }
    assert writers == {"AnalyzeFunctionRole", "NotifyFunctionRole"}


def test_the_bucket_is_private_encrypted_versioned_and_keeps_parked_batches_90_days(resources):
    bucket = resources["ParkedRecordsBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    [rule] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    expiry = {r.get("Prefix"): r.get("ExpirationInDays") for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert (expiry["aws/lambda/"], expiry["redriven/"]) == (90, 30)
    [statement] = resources["ParkedRecordsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def rule_to(resources: dict[str, Any], queue: str) -> tuple[str, dict[str, Any]]:
    [(name, rule)] = [
        (name, r["Properties"])
        for name, r in of_type(resources, "AWS::Events::Rule").items()
        if any(t["Arn"] == {"Fn::GetAtt": [queue, "Arn"]} for t in r["Properties"].get("Targets", []))
    ]
    return name, rule


@pytest.mark.parametrize(("function", "mapping", "queue"), CONSUMERS)
def test_each_parked_batch_puts_a_notice_in_its_functions_failure_queue_whose_alarm_fires(
    resources, function, mapping, queue
):
    # Given the bucket's events on EventBridge, and the rule that targets the function's failure queue
    assert resources["ParkedRecordsBucket"]["Properties"]["NotificationConfiguration"] == {
        "EventBridgeConfiguration": {"EventBridgeEnabled": True}
    }
    name, rule = rule_to(resources, queue)
    # Then it takes the objects created in the bucket under that mapping's own prefix, and nothing else
    pattern = rule["EventPattern"]
    assert (pattern["source"], pattern["detail-type"]) == (["aws.s3"], ["Object Created"])
    assert pattern["detail"]["bucket"]["name"] == [{"Ref": "ParkedRecordsBucket"}]
    assert pattern["detail"]["object"]["key"] == [{"prefix": {"Fn::Sub": f"aws/lambda/${{{mapping}}}/"}}]
    # ... the queue lets that rule alone send to it
    [policy] = of_type(resources, "AWS::SQS::QueuePolicy").values()
    [grant] = [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Resource"] == {"Fn::GetAtt": [queue, "Arn"]}
    ]
    assert grant["Principal"] == {"Service": "events.amazonaws.com"} and grant["Action"] == "sqs:SendMessage"
    assert grant["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [name, "Arn"]}}}
    # ... and the queue's alarm tells the user where the batch is and how to replay it
    [alarm] = [
        a
        for a in alarms(resources).values()
        if a.get("Dimensions") == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]
    ]
    assert "ParkedRecordsBucket" in alarm["AlarmDescription"] and "make redrive" in alarm["AlarmDescription"]


def test_the_stack_names_the_bucket_and_make_redrive_replays_it(cfn):
    assert cfn["Outputs"]["ParkedRecordsBucketName"]["Value"] == {"Ref": "ParkedRecordsBucket"}
    makefile = (REPO / "Makefile").read_text()
    assert "\nredrive: " in makefile and "crypto_advisor.cli.redrive --stack $(STACK)" in makefile
