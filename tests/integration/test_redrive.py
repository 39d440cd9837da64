"""``make redrive`` against the embedded AWS: parked stream batches replayed through the function that gave them up.

The stack is created from template.yaml; the local runtime parks what an event
source mapping gives up on in ParkedRecordsBucket as Lambda does (the batch in
``payload``), moto's S3 and EventBridge put a notice in the function's failure
queue, and the command's own code (:func:`crypto_advisor.cli.redrive.stack_redrive`,
reading the stack's outputs) replays it, through the local runtime instead of
the Lambda API.
"""

from __future__ import annotations

import contextlib
import io
import json
import uuid

import boto3
from botocore.exceptions import ClientError

from crypto_advisor.cli.redrive import (
    PARKED_PREFIX,
    REDRIVEN_PREFIX,
    Invoke,
    Redrive,
    local_invoker,
    main,
    stack_redrive,
)
from crypto_advisor.local.outbox import verify_sender
from crypto_advisor.local.stack import CREDENTIALS, REGION
from tests.integration.test_notify_function import HOUR, LAST, Notify, firing, ingested


def parked_signals(deploy_stack, *hours_back: int) -> Notify:
    """A stack whose sender nobody has verified yet, with an alerting signal per ``hours_back`` parked after retries."""
    # An address of its own: the embedded SES outlives the stack, and another test verifies its sender.
    deployed = deploy_stack(SenderEmail=f"verified-later-{uuid.uuid4().hex[:8]}@example.org")
    notify = ingested(deployed)
    for back in hours_back:
        notify.store(LAST - back * HOUR, firing("rsi_oversold"))
    notify.deliver()
    assert notify.emails() == [] and deployed.runtime.parked
    return notify


def redrive_of(notify: Notify, monkeypatch) -> Redrive:
    """What ``make redrive STACK=<the stack>`` builds, with the stack's functions invoked by the local runtime."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", notify.aws.endpoint)
    session = boto3.session.Session(region_name=REGION, **CREDENTIALS)
    return stack_redrive(session, notify.deployed.stack.name, local_invoker(notify.runtime))


def notices(notify: Notify) -> int:
    sqs = notify.aws.client("sqs")
    attributes = sqs.get_queue_attributes(
        QueueUrl=notify.outputs["NotifyFailureQueueUrl"], AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def test_a_parked_signal_is_sent_once_by_the_redrive_after_the_cause_is_fixed(deploy_stack, monkeypatch):
    # Given an alert parked because SES refused its sender, with its notice in NotifyFailureQueue
    notify = parked_signals(deploy_stack, 0)
    redrive = redrive_of(notify, monkeypatch)
    [batch] = redrive.parked()
    assert (batch.function, batch.records, batch.condition) == (
        notify.deployed.stack.physical_ids["NotifyFunction"],
        1,
        "RetryAttemptsExhausted",
    )
    assert notices(notify) == 1
    # When the user verifies the sender and runs the redrive
    verify_sender(notify.deployed.stack)
    [result] = redrive.run()
    # Then NotifyFunction sent the alert, once, the batch moved under redriven/, and its notice is cleared
    assert result.ok and len(notify.emails()) == 1 and notify.decisions()[LAST]["status"] == "sent"
    assert redrive.parked() == []
    s3 = notify.aws.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=redrive.bucket)["Contents"]]
    assert keys == [REDRIVEN_PREFIX + batch.key]
    assert redrive.clear_notices() == 1 and notices(notify) == 0


def test_replaying_a_batch_again_stores_and_sends_nothing_more(deploy_stack, monkeypatch):
    # Given a parked alert redriven once
    notify = parked_signals(deploy_stack, 0)
    redrive = redrive_of(notify, monkeypatch)
    [batch] = redrive.parked()
    verify_sender(notify.deployed.stack)
    redrive.run()
    # When the same batch is replayed again (a copy, a second redrive started before the first moved it)
    again = local_invoker(notify.runtime)(batch.function_arn, batch.event)
    # Then every record succeeds and nothing more is sent: the notification log decided the candle already
    assert again == {"batchItemFailures": []}
    assert len(notify.emails()) == 1


def test_a_batch_that_fails_again_stays_parked_with_its_notice_and_says_which_records(deploy_stack, monkeypatch):
    # Given two alerts parked, and the sender still not verified
    notify = parked_signals(deploy_stack, 30, 0)
    redrive = redrive_of(notify, monkeypatch)
    waiting = redrive.parked()
    # When the redrive runs
    results = redrive.run()
    # Then each batch failed again, naming its records, and everything stays where it was
    assert results and all(not r.ok and r.failed for r in results)
    assert "failed again" in results[0].line()
    assert [b.key for b in redrive.parked()] == [b.key for b in waiting]
    assert redrive.clear_notices() == 0 and notify.emails() == []


def test_the_command_lists_the_parked_batches_without_replaying_them(deploy_stack, monkeypatch, capsys):
    # Given an alert parked
    notify = parked_signals(deploy_stack, 0)
    for name, value in notify.aws.environment().items():  # the embedded AWS, as the command's boto3 finds it
        monkeypatch.setenv(name, value)
    # When `make redrive STACK=<stack> DRY_RUN=1` runs
    assert main(["--stack", notify.deployed.stack.name, "--dry-run"]) == 0
    # Then it names the batch, its function and why it was parked, and nothing was sent or moved
    out = capsys.readouterr().out
    assert "1 parked batch(es)" in out and "RetryAttemptsExhausted" in out
    assert notify.deployed.stack.physical_ids["NotifyFunction"] in out
    assert notify.emails() == [] and notices(notify) == 1


def park_an_object_without_its_batch(notify: Notify) -> str:
    """Beside the parked batch, and older, the invocation record alone (no ``payload``), as an SQS or SNS destination
    keeps it; returns its key."""
    s3 = notify.aws.client("s3")
    bucket = notify.outputs["ParkedRecordsBucketName"]
    [key] = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=PARKED_PREFIX)["Contents"]]
    record = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    del record["payload"]
    odd = f"{key.rsplit('/', 1)[0]}/2000-01-01T00.00.00-no-payload"
    s3.put_object(Bucket=bucket, Key=odd, Body=json.dumps(record).encode())
    return odd


def command(notify: Notify, *args: str, invoke: Invoke | None = None) -> tuple[int, str]:
    """``make redrive STACK=<the stack>`` with ``args``: its exit status and what it printed.

    Its output is caught here, not with capsys: a handler run for the first time under capsys would keep logging to
    capsys's stream, which is closed once the test ends, and break the next test.
    """
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["--stack", notify.deployed.stack.name, *args], invoke=invoke)
    return status, out.getvalue()


def in_bucket(notify: Notify) -> list[str]:
    s3 = notify.aws.client("s3")
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=notify.outputs["ParkedRecordsBucketName"])["Contents"])


def test_an_object_that_is_not_a_batch_is_named_and_left_and_the_other_batches_are_replayed(deploy_stack, monkeypatch):
    # Given an alert parked, its sender since verified, and beside it an older object without its batch
    notify = parked_signals(deploy_stack, 0)
    [batch] = in_bucket(notify)
    odd = park_an_object_without_its_batch(notify)
    assert notices(notify) == 2
    verify_sender(notify.deployed.stack)
    for name, value in notify.aws.environment().items():  # the embedded AWS, as the command's boto3 finds it
        monkeypatch.setenv(name, value)
    # When `make redrive STACK=<stack>` runs (the functions invoked by the local runtime)
    status, out = command(notify, invoke=local_invoker(notify.runtime))
    # Then the alert was sent once and its batch moved under redriven/, while the odd object stays where it was
    assert len(notify.emails()) == 1 and notify.decisions()[LAST]["status"] == "sent"
    assert in_bucket(notify) == sorted([odd, REDRIVEN_PREFIX + batch])
    # And the command named it and why, and exits non-zero: something still waits that it did not replay
    assert f"skipped {odd}: not an invocation record with its batch" in out and "'payload'" in out
    assert f"replayed, moved to {REDRIVEN_PREFIX}: {batch}" in out
    assert status == 1
    # And only the replayed batch's notice was deleted: the odd object's is kept (hidden for 30 s by the look)
    sqs = notify.aws.client("sqs")
    held = sqs.get_queue_attributes(
        QueueUrl=notify.outputs["NotifyFailureQueueUrl"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert sum(int(count) for count in held.values()) == 1


def test_the_dry_run_lists_the_batches_and_names_an_object_that_is_not_one(deploy_stack, monkeypatch):
    # Given an alert parked and beside it an older object without its batch
    notify = parked_signals(deploy_stack, 0)
    [batch] = in_bucket(notify)
    odd = park_an_object_without_its_batch(notify)
    for name, value in notify.aws.environment().items():
        monkeypatch.setenv(name, value)
    # When `make redrive STACK=<stack> DRY_RUN=1` runs
    status, out = command(notify, "--dry-run")
    # Then it lists the batch, names the odd object and why, replays nothing, and exits non-zero
    assert "1 parked batch(es)" in out and f"s3://{notify.outputs['ParkedRecordsBucketName']}/{batch}" in out
    assert f"skipped {odd}: not an invocation record with its batch" in out
    assert status == 1
    assert notify.emails() == [] and in_bucket(notify) == sorted([batch, odd])


def park_an_older_copy_of_the_batch(notify: Notify) -> str:
    """Beside the parked batch, and older, a copy of it: a second parked batch, tried first; returns its key."""
    s3 = notify.aws.client("s3")
    bucket = notify.outputs["ParkedRecordsBucketName"]
    [key] = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=PARKED_PREFIX)["Contents"]]
    older = f"{key.rsplit('/', 1)[0]}/2000-01-01T00.00.00-copy"
    s3.copy_object(Bucket=bucket, Key=older, CopySource={"Bucket": bucket, "Key": key})
    return older


def refusing_the_first_invoke(invoke: Invoke, code: str, message: str) -> Invoke:
    """``invoke``, except that the Lambda API refuses its first call with ``code`` (a botocore ClientError)."""
    calls: list[str] = []

    def call(function_arn: str, event: dict) -> dict:
        calls.append(function_arn)
        if len(calls) == 1:
            raise ClientError({"Error": {"Code": code, "Message": message}}, "Invoke")
        return invoke(function_arn, event)

    return call


def test_a_refused_invoke_leaves_its_batch_named_with_the_error_and_the_next_batch_is_replayed(
    deploy_stack, monkeypatch
):
    # Given two parked batches, the sender since verified, and the Lambda API throttling the first invoke
    notify = parked_signals(deploy_stack, 0)
    [batch] = in_bucket(notify)
    older = park_an_older_copy_of_the_batch(notify)
    verify_sender(notify.deployed.stack)
    for name, value in notify.aws.environment().items():  # the embedded AWS, as the command's boto3 finds it
        monkeypatch.setenv(name, value)
    invoke = refusing_the_first_invoke(local_invoker(notify.runtime), "TooManyRequestsException", "Rate exceeded")
    # When `make redrive STACK=<stack>` runs
    status, out = command(notify, invoke=invoke)
    # Then the refused batch is named with the error's code and message, and left where it was
    assert (
        f"not replayed, the invoke was refused (TooManyRequestsException: Rate exceeded); left in place: {older}" in out
    )
    # And the run went on: the next batch was replayed (the alert sent once) and moved under redriven/
    assert f"replayed, moved to {REDRIVEN_PREFIX}: {batch}" in out
    assert len(notify.emails()) == 1 and notify.decisions()[LAST]["status"] == "sent"
    assert in_bucket(notify) == sorted([older, REDRIVEN_PREFIX + batch])
    # And the command exits non-zero: a batch still waits that it did not replay
    assert status == 1
