"""Issue 14, parts 1 and 4: the fan-out's queues as deployed (the translated template). Each source's chunks and the
refit's tasks are read by a mapping that caps its concurrency with the parameter the worker also paces itself by, one
message an invocation with partial failures; each queue parks a message after three receives in a dead-letter queue
whose alarm pages."""

from __future__ import annotations

import pytest

from tests.unit.operations.conftest import alarms_on, of_type

# (mapping as SAM names it, the function, the queue it reads, its dead-letter queue, the concurrency parameter and
# the worker's variable that paces it by the same number, or None)
QUEUES = [
    ("IngestWorkerFunctionKrakenChunks", "IngestWorkerFunction", "IngestKrakenQueue", "IngestDeadLetterQueue",
     "IngestKrakenConcurrency", "INGEST_KRAKEN_CONCURRENCY"),
    ("IngestWorkerFunctionCoingeckoChunks", "IngestWorkerFunction", "IngestCoingeckoQueue", "IngestDeadLetterQueue",
     "IngestCoingeckoConcurrency", "INGEST_COINGECKO_CONCURRENCY"),
    ("TrainFunctionTrainTasks", "TrainFunction", "TrainQueue", "TrainDeadLetterQueue", "TrainConcurrency", None),
]  # fmt: skip
#: How long each dead-letter queue keeps a parked message: one day, so that its alarm (on the visible messages) is OK
#: again a day after the last failure and a new one emails again (with 14 days one parked message hid two weeks of
#: later failures); a training task's is its queue's, and the next daily run overtakes it; an ingest chunk's series
#: are planned again by the next ticks.
DLQ_RETENTION = {"IngestDeadLetterQueue": 86_400, "TrainDeadLetterQueue": 86_400}


@pytest.mark.parametrize(("mapping", "function", "queue", "dlq", "parameter", "variable"), QUEUES)
def test_each_queue_s_mapping_caps_its_concurrency_with_the_parameter_the_worker_paces_by(
    resources, mapping, function, queue, dlq, parameter, variable
):
    props = resources[mapping]["Properties"]
    assert resources[mapping]["Type"] == "AWS::Lambda::EventSourceMapping"
    assert props["EventSourceArn"] == {"Fn::GetAtt": [queue, "Arn"]}
    assert props["FunctionName"] == {"Ref": function}
    assert props["ScalingConfig"] == {"MaximumConcurrency": {"Ref": parameter}}
    # One message an invocation, each failing alone
    assert props["BatchSize"] == 1 and props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    if variable is not None:
        environment = resources[function]["Properties"]["Environment"]["Variables"]
        assert environment[variable] == {"Ref": parameter}, "the worker must pace itself by the mapping's concurrency"


@pytest.mark.parametrize(("mapping", "function", "queue", "dlq", "parameter", "variable"), QUEUES)
def test_each_queue_parks_a_message_after_three_receives_where_an_alarm_pages(
    resources, mapping, function, queue, dlq, parameter, variable
):
    props = resources[queue]["Properties"]
    assert props["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [dlq, "Arn"]}, "maxReceiveCount": 3}
    # Lambda asks a queue it reads to hide a message at least six times the function's timeout
    assert props["VisibilityTimeout"] >= 6 * resources[function]["Properties"]["Timeout"]
    # The dead-letter queue keeps a parked message for the redrive and an alarm pages on the first one
    retention = resources[dlq]["Properties"]["MessageRetentionPeriod"]
    assert retention == DLQ_RETENTION[dlq]
    # SQS keeps a moved message's first enqueue time: a shorter retention would drop it as it arrives
    assert retention >= props["MessageRetentionPeriod"]
    paging = {
        name: alarm
        for name, alarm in alarms_on(resources, "AWS/SQS", "ApproximateNumberOfMessagesVisible").items()
        if alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq, "QueueName"]}}]
    }
    assert len(paging) == 1, f"no single alarm on {dlq}"
    [alarm] = paging.values()
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_every_queue_a_function_reads_is_in_the_table_above(resources):
    read = {
        m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]
        for m in of_type(resources, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0] in of_type(resources, "AWS::SQS::Queue")
    }
    assert read == {queue for _, _, queue, *_ in QUEUES}
