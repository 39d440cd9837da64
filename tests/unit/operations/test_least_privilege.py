"""Issue 11, item 16: least privilege, the last mile, read from the translated template.

SAM attaches AWSLambdaKinesisExecutionRole / AWSLambdaDynamoDBExecutionRole to a role it creates for a stream
event: both read every stream in the account. The two stream consumers have roles of their own, whose stream
rights name the one stream each reads.
"""

from __future__ import annotations

import pytest

from tests.unit.operations.conftest import as_list, of_type, role_of, statements

CONSUMERS = [
    # function, its event source mapping, the stream it reads (as the mapping names it), the stream's service
    ("AnalyzeFunction", "AnalyzeFunctionCandleUpdates", {"Fn::GetAtt": ["CandleStream", "Arn"]}, "kinesis"),
    ("NotifyFunction", "NotifyFunctionNewSignals", {"Fn::GetAtt": ["SignalsTable", "StreamArn"]}, "dynamodb"),
]
STREAM_READS = {
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:ListShards",
    "kinesis:SubscribeToShard",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:DescribeStream",
    "dynamodb:ListStreams",
}


def test_no_role_carries_the_account_wide_stream_policies(resources):
    for name, role in of_type(resources, "AWS::IAM::Role").items():
        for arn in role["Properties"].get("ManagedPolicyArns", []):
            text = str(arn)
            assert "KinesisExecutionRole" not in text and "DynamoDBExecutionRole" not in text, name


@pytest.mark.parametrize(("function", "mapping", "stream", "service"), CONSUMERS)
def test_each_consumer_reads_its_one_stream_and_nothing_else(resources, function, mapping, stream, service):
    # Given the mapping and the function's role
    assert resources[mapping]["Properties"]["EventSourceArn"] == stream
    role = role_of(resources, function)
    reads = [s for s in statements(role) if STREAM_READS & set(as_list(s["Action"]))]
    # Then what the mapping needs is granted on that stream alone
    assert reads, f"{function} cannot read its stream"
    for statement in reads:
        assert as_list(statement["Resource"]) == [stream], statement
        assert {a.split(":")[0] for a in as_list(statement["Action"])} == {service}
    granted = {a for s in reads for a in as_list(s["Action"])}
    assert {f"{service}:GetRecords", f"{service}:GetShardIterator", f"{service}:DescribeStream"} <= granted


@pytest.mark.parametrize(("function", "mapping", "stream", "service"), CONSUMERS)
def test_each_consumer_keeps_logs_traces_and_its_on_failure_destination(resources, function, mapping, stream, service):
    role = role_of(resources, function)["Properties"]
    managed = [str(a) for a in role["ManagedPolicyArns"]]
    assert any("AWSLambdaBasicExecutionRole" in a for a in managed)
    assert any("AWSXrayWriteOnlyAccess" in a for a in managed)  # Tracing: Active
    # SAM grants the on-failure destination only to roles it creates: the role must name it
    destination = resources[mapping]["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
    target = destination["Fn::GetAtt"][0] if isinstance(destination, dict) else destination
    assert target in str(statements(role_of(resources, function))), f"{function} cannot park a failed record"


def test_no_role_grants_a_wildcard_action_or_a_stream_read_on_every_resource(resources):
    for name, role in of_type(resources, "AWS::IAM::Role").items():
        for statement in statements(role):
            actions = as_list(statement["Action"])
            assert not any(a == "*" or a.endswith(":*") for a in actions), (name, statement)
            if STREAM_READS & set(actions):
                assert "*" not in as_list(statement["Resource"]), (name, statement)


def test_the_ingest_publishes_one_record_at_a_time_and_may_not_batch(resources):
    actions = {a for s in statements(role_of(resources, "IngestFunction")) for a in as_list(s["Action"])}
    assert "kinesis:PutRecord" in actions and "kinesis:PutRecords" not in actions


def test_the_notifier_reads_only_the_replay_figures_under_stats(resources):
    role = role_of(resources, "NotifyFunction")
    text = str(statements(role))
    assert "stats/replay/*" in text
    assert "/stats/*" not in text and "'stats/*'" not in text


def test_only_the_refit_reads_and_writes_the_training_histories(resources):
    # Given every role's statements that name the training histories' prefix
    naming = {
        name: [s for s in statements(role) if "training/history" in str(s.get("Resource", ""))]
        for name, role in of_type(resources, "AWS::IAM::Role").items()
    }
    train_role = resources["TrainFunction"]["Properties"]["Role"]["Fn::GetAtt"][0]
    # Then TrainFunction's role alone has them: GET and PUT on that prefix, nothing broader
    assert {name for name, found in naming.items() if found} == {train_role}
    [statement] = naming[train_role]
    assert set(as_list(statement["Action"])) == {"s3:GetObject", "s3:PutObject"}
    assert [str(r) for r in as_list(statement["Resource"])] == [
        str({"Fn::Sub": "${ArchiveBucket.Arn}/training/history/*"})
    ]
    # And it may list that prefix, so a series' first run finds no history (404) rather than a refusal (403)
    lists = [s for s in statements(role_of(resources, "TrainFunction")) if "s3:ListBucket" in as_list(s["Action"])]
    assert any("training/history/*" in str(s.get("Condition")) for s in lists)
