"""NotifyFunction against the embedded AWS: the Signals stream in, SES emails and the Notifications table out.

Signals are written through the real SignalStore (or produced by the real
ingest and analysis); the local runtime reads the table's stream through the
DynamoDB Streams API and delivers it as the event source mapping of
template.yaml would. Emails are counted in the embedded SES itself: what it
accepted, not what the notifier believes it sent.
"""

from __future__ import annotations

import email
import json
from email import policy as email_policy
from email.message import EmailMessage
from typing import Any

import pytest
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from crypto_advisor.adapters.candle_store import CandleStore
from crypto_advisor.adapters.signal_store import SignalStore
from crypto_advisor.analysis.closed_candle import analyze
from crypto_advisor.analysis.rules import build_rules
from crypto_advisor.contracts.archive_keys import replay_figures_key
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import FiringRecord, Health, Rarity, Signal
from crypto_advisor.local.market import SimulatedMarket, simulated_sources
from crypto_advisor.local.outbox import AcceptedEmail, accepted_emails, verify_sender, write_outbox
from crypto_advisor.local.runtime import LocalRuntime
from crypto_advisor.market.indicator_spec import WINDOW_CANDLES
from tests.conftest import REPO
from tests.integration.test_ingest_function import EVENT, EVENT_MS, HOUR
from tests.integration.test_ingest_function import WATCHLIST as INGEST_WATCHLIST
from tests.unit.notify.conftest import firing as make_firing

BTC = Series.parse("kraken:BTC-USD:1h")
LAST = EVENT_MS // HOUR * HOUR - HOUR  # the newest closed candle at the ingest event
STREAM_EVENT = json.loads((REPO / "events" / "notify-dynamodb-stream.json").read_text())
WATCHLIST = """
defaults: {timeframe: 1h, backfill_candles: 240}
series:
  - {source: kraken, symbol: BTC/USD}
alerts: {min_severity: 2, cooldown: 6h}
"""


#: A rarity that clears the default bar (a record of two weeks): these tests are about delivery, not the bar.
RARE = Rarity(score=400, measure="move", words="the largest hourly drop in 16 days", move_record=400)


def firing(rule: str = "rsi_oversold", severity: int = 2) -> FiringRecord:
    """An RSI-oversold-like firing, as the analysis stores it, under any rule id, rare enough to email."""
    return make_firing(rule, severity=severity, rarity=RARE)


def calibrated(deployed, keys: list[str], score: float = 0) -> None:
    """Replay figures as a training run writes them, with only a rarity bar of ``score`` candles per series.

    The chain test's series have 48 candles of history, so no firing could reach the default bar (two weeks); a
    bar of 0, which every firing clears, keeps the test about what it tests: one email per alerting signal.
    """
    bar = {"score": score, "source": "calibrated", "max_per_week": 3.0, "weeks": 8.0}
    for key in keys:
        report = {"series": key, "replayed": 0, "rules": [], "alert_bar": bar}
        deployed.aws.client("s3").put_object(
            Bucket=deployed.bucket, Key=replay_figures_key(Series.parse(key)), Body=json.dumps(report).encode()
        )


class Notify:
    """A stack with candles ingested and its sender verified; helpers to store signals and read what happened."""

    def __init__(self, deployed) -> None:
        self.deployed = deployed
        self.aws = deployed.aws
        self.runtime: LocalRuntime = deployed.runtime
        self._emails_before = len(accepted_emails())

    @property
    def outputs(self) -> dict[str, str]:
        return self.deployed.stack.outputs

    def store(self, ts: int, *firings: FiringRecord, healthy: bool = True) -> Signal:
        """The real analysis of the candle at ``ts`` with the firings the test needs, stored as AnalyzeFunction does."""
        window = CandleStore(self.deployed.table, hot_window=0).window(BTC, since_ts=ts - (WINDOW_CANDLES - 1) * HOUR)
        analysed = analyze(BTC, window, candle_ts=ts, now_ms=ts + HOUR + 60_000, rules=build_rules(None))
        health = Health(healthy=True) if healthy else Health(healthy=False, reasons=["3 candles missing"])
        signal = analysed.model_copy(update={"firings": list(firings), "health": health})
        table = self.aws.resource("dynamodb").Table(self.outputs["SignalsTableName"])
        assert SignalStore(table).put_once(signal)
        return signal

    def deliver(self, **kwargs: Any) -> list[dict[str, Any]]:
        return self.runtime.deliver_dynamodb_streams("NotifyFunction", **kwargs)

    def emails(self) -> list[AcceptedEmail]:
        """The messages the embedded SES accepted since this stack was set up."""
        return accepted_emails()[self._emails_before :]

    @property
    def notifications_table(self):
        return self.aws.resource("dynamodb").Table(self.outputs["NotificationsTableName"])

    def decisions(self, series: Series = BTC) -> dict[int, dict[str, Any]]:
        items = self.notifications_table.query(KeyConditionExpression=Key("series").eq(series.key))["Items"]
        return {int(i["ts"]): i for i in items}

    def sequence_numbers(self) -> dict[int, str]:
        """Candle ts -> the stream record's sequence number (the identifier batchItemFailures carries)."""
        streams = self.aws.client("dynamodbstreams")
        arn = self.aws.client("dynamodb").describe_table(TableName=self.outputs["SignalsTableName"])["Table"][
            "LatestStreamArn"
        ]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
        records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
        return {int(r["dynamodb"]["Keys"]["ts"]["N"]): r["dynamodb"]["SequenceNumber"] for r in records}


def ingested(deployed, watchlist: str = WATCHLIST) -> Notify:
    deployed.upload_watchlist(watchlist)
    deployed.runtime.invoke("IngestFunction", EVENT, sources=simulated_sources(SimulatedMarket(seed=11)))
    return Notify(deployed)


@pytest.fixture
def notify(deployed) -> Notify:
    stack = ingested(deployed)
    verify_sender(deployed.stack)
    return stack


class ThrottledOnce:
    """The embedded SES client, except that call number ``fail_on`` is throttled as SES throttles."""

    def __init__(self, client: Any, fail_on: int) -> None:
        self.client, self.fail_on, self.calls = client, fail_on, 0

    def send_raw_email(self, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        if self.calls == self.fail_on:
            error = {"Code": "Throttling", "Message": "Maximum sending rate exceeded."}
            raise ClientError({"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}, "SendRawEmail")
        return self.client.send_raw_email(**kwargs)


def parsed(accepted: AcceptedEmail) -> EmailMessage:
    return email.message_from_bytes(accepted.raw, policy=email_policy.default)  # type: ignore[return-value]


# ----------------------------------------------------------------------------- exactly once


def test_the_whole_chain_emails_once_per_alerting_signal_however_often_the_stream_is_delivered(deployed):
    # Given two series ingested and analysed by the real functions, and the sender verified
    stack = ingested(deployed, INGEST_WATCHLIST)
    deployed.runtime.deliver_kinesis("AnalyzeFunction")
    verify_sender(deployed.stack)
    calibrated(deployed, ["kraken:BTC-USD:1h", "kraken:ETH-USD:1h", "coingecko:HYPE-USD:1h"])
    # When the Signals stream is delivered to NotifyFunction, then again from the start by a new mapping
    first = stack.deliver()
    again = LocalRuntime(deployed.stack, repo_root=REPO).deliver_dynamodb_streams("NotifyFunction")
    # Then every record succeeded both times, every signal has exactly one decision,
    # and SES accepted exactly one message per decision that says sent
    assert all(r == {"batchItemFailures": []} for r in first + again) and again
    signals = deployed.aws.resource("dynamodb").Table(stack.outputs["SignalsTableName"]).scan()["Items"]
    decisions = stack.notifications_table.scan()["Items"]
    assert {(s["series"], int(s["ts"])) for s in signals} == {(d["series"], int(d["ts"])) for d in decisions}
    sent = {d["message_id"] for d in decisions if d["status"] == "sent"}
    assert sent, [(d["series"], d.get("reason"), d.get("detail")) for d in decisions]
    assert sorted(e.message_id for e in stack.emails()) == sorted(sent)


def test_redelivered_records_send_one_message_per_signal(notify):
    # Given three alerting signals of well separated candles, delivered once
    for hours_back in (20, 10, 0):
        notify.store(LAST - hours_back * HOUR, firing("rsi_oversold"), firing("macd_cross", 3))
    notify.deliver()
    # When the same records arrive again (a fresh event source mapping reads the stream from its start)
    LocalRuntime(notify.deployed.stack, repo_root=REPO).deliver_dynamodb_streams("NotifyFunction")
    # Then SES accepted three messages, one per signal
    assert len(notify.emails()) == 3
    assert sorted(d["status"] for d in notify.decisions().values()) == ["sent"] * 3


# ----------------------------------------------------------------------------- cooldown


def test_five_candles_firing_one_rule_inside_the_cooldown_send_one_email_and_the_next_comes_after_it(notify):
    # Given the same rule firing on five consecutive candles, then on the candle 6 hours (the cooldown) after the first
    first = LAST - 12 * HOUR
    fired_at = [first + h * HOUR for h in (0, 1, 2, 3, 4, 6)]
    for ts in fired_at:
        notify.store(ts, firing("rsi_oversold"))
    # When the stream is delivered
    responses = notify.deliver()
    # Then two emails went out: the first candle's and the one after the cooldown; the four between are cooldowns
    assert all(r == {"batchItemFailures": []} for r in responses)
    decisions = notify.decisions()
    assert [decisions[ts]["status"] for ts in fired_at] == ["sent", *["suppressed"] * 4, "sent"]
    assert {decisions[ts]["reason"] for ts in fired_at[1:5]} == {"cooldown"}
    assert len(notify.emails()) == 2


# ----------------------------------------------------------------------------- SES failures


def test_throttling_fails_only_that_record_marks_nothing_sent_and_the_retry_sends_it(notify):
    # Given three alerting signals in one batch, and SES throttling the second send
    stamps = [LAST - 20 * HOUR, LAST - 10 * HOUR, LAST]
    for ts in stamps:
        notify.store(ts, firing("rsi_oversold"))
    ses = ThrottledOnce(notify.aws.client("ses"), fail_on=2)
    sequence = notify.sequence_numbers()
    # When the batch is delivered once
    [response] = notify.deliver(max_invocations=1, ses_client=ses)
    # Then only the second record failed, it is not marked sent, and the other two were sent
    assert response == {"batchItemFailures": [{"itemIdentifier": sequence[stamps[1]]}]}
    decisions = notify.decisions()
    assert stamps[1] not in decisions
    assert [decisions[ts]["status"] for ts in (stamps[0], stamps[2])] == ["sent", "sent"]
    assert len(notify.emails()) == 2
    # And when the stream retries from the failed record, it is sent, and the third is not sent twice
    retried = notify.deliver(ses_client=ses)
    assert retried == [{"batchItemFailures": []}]
    assert notify.decisions()[stamps[1]]["status"] == "sent"
    assert len(notify.emails()) == 3


def test_an_unverified_sender_fails_only_the_sending_record_until_the_sender_is_verified(deploy_stack):
    # Given a stack whose sender the embedded SES has never verified, a quiet candle and an alerting one
    deployed = deploy_stack(SenderEmail="unverified-sender@example.org")
    notify = ingested(deployed)
    notify.store(LAST - HOUR)
    notify.store(LAST, firing("rsi_oversold"))
    sequence = notify.sequence_numbers()
    # When the batch is delivered: SES answers MessageRejected
    [response] = notify.deliver(max_invocations=1)
    # Then only the alerting record failed, nothing is marked sent, the quiet one is recorded
    assert response == {"batchItemFailures": [{"itemIdentifier": sequence[LAST]}]}
    assert notify.emails() == []
    decisions = notify.decisions()
    assert LAST not in decisions and decisions[LAST - HOUR]["reason"] == "no_firings"
    log = (deployed.runtime.log_dir / "NotifyFunction.log").read_text()
    assert "MessageRejected" in log and "verify the sender" in log
    # And once the user verifies the sender, the stream's retry sends it
    verify_sender(deployed.stack)
    assert notify.deliver() == [{"batchItemFailures": []}]
    assert notify.decisions()[LAST]["status"] == "sent" and len(notify.emails()) == 1


def test_a_record_ses_keeps_rejecting_is_parked_whole_in_s3_after_the_retries(deploy_stack):
    # Given an alerting signal from a sender nobody verifies
    deployed = deploy_stack(SenderEmail="never-verified@example.org")
    notify = ingested(deployed)
    notify.store(LAST, firing("rsi_oversold"))
    # When the stream is delivered: the first attempt and MaximumRetryAttempts (5) retries fail
    responses = notify.deliver()
    assert len(responses) == 6 and notify.emails() == [] and notify.decisions() == {}
    # Then the mapping gave the batch up to ParkedRecordsBucket, under Lambda's key convention for its mapping
    s3 = deployed.aws.client("s3")
    bucket = deployed.stack.outputs["ParkedRecordsBucketName"]
    [key] = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    [mapping] = deployed.runtime.event_source_mappings("NotifyFunction")
    destination = mapping["DestinationConfig"]["OnFailure"]["Destination"]
    assert key.startswith(f"aws/lambda/{mapping['UUID']}/") and destination == f"arn:aws:s3:::{bucket}"
    # ... with why and where it was in the stream, and the record itself, as NotifyFunction received it
    parked = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    assert parked["requestContext"]["condition"] == "RetryAttemptsExhausted"
    info = parked["DDBStreamBatchInfo"]
    assert info["startSequenceNumber"] == notify.sequence_numbers()[LAST] and info["batchSize"] == 1
    [record] = parked["payload"]["Records"]
    assert record["eventName"] == "INSERT" and record["dynamodb"]["Keys"]["ts"] == {"N": str(LAST)}
    # And a notice of it waits in NotifyFailureQueue, where its alarm sees it
    sqs = deployed.aws.client("sqs")
    [notice] = sqs.receive_message(QueueUrl=deployed.stack.outputs["NotifyFailureQueueUrl"])["Messages"]
    assert json.loads(notice["Body"])["detail"]["object"]["key"] == key


# ----------------------------------------------------------------------------- suppressions


def test_suppressed_signals_are_recorded_with_their_reason(notify):
    # Given an unhealthy signal, one with only a weak firing, and a cooldown after a sent one
    notify.store(LAST - 30 * HOUR, firing("macd_cross", 3), healthy=False)
    notify.store(LAST - 20 * HOUR, firing("sma20_cross", 1))
    notify.store(LAST - 2 * HOUR, firing("fib_cross"))
    notify.store(LAST, firing("fib_cross"))
    # When the stream is delivered
    notify.deliver()
    # Then each decision is in the Notifications table with its reason, and only one email went out
    decisions = notify.decisions()
    assert (decisions[LAST - 30 * HOUR]["reason"], decisions[LAST - 20 * HOUR]["reason"]) == (
        "unhealthy_data",
        "below_severity",
    )
    assert decisions[LAST - 30 * HOUR]["rules"] == ["macd_cross"]
    assert decisions[LAST - 2 * HOUR]["status"] == "sent"
    assert (decisions[LAST]["status"], decisions[LAST]["reason"]) == ("suppressed", "cooldown")
    assert "fib_cross" in decisions[LAST]["detail"]
    assert len(notify.emails()) == 1


# ----------------------------------------------------------------------------- the message


def test_ses_receives_text_and_html_alternatives_with_the_inline_chart(notify):
    # Given one alerting signal emailed
    notify.store(LAST, firing("rsi_oversold"), firing("macd_cross", 3))
    notify.deliver()
    [accepted] = notify.emails()
    message = parsed(accepted)
    # Then the message is multipart/alternative: plain text, then HTML related to a PNG it references by cid
    assert message.get_content_type() == "multipart/alternative"
    text, related = message.get_payload()  # type: ignore[misc]
    assert text.get_content_type() == "text/plain" and "RSI(14) fell to 26.4" in text.get_content()
    assert related.get_content_type() == "multipart/related"
    html, image = related.get_payload()
    assert html.get_content_type() == "text/html" and image.get_content_type() == "image/png"
    assert image.get_content().startswith(b"\x89PNG")
    cid = str(image["Content-ID"]).strip("<>")
    assert f'src="cid:{cid}"' in html.get_content()
    # And it is addressed from the stack's sender to its recipients, with the subject the log recorded
    assert (message["From"], message["To"]) == ("alerts@example.com", "trader@example.com")
    assert notify.decisions()[LAST]["subject"] == message["Subject"] and "BTC" in message["Subject"]


def test_the_outbox_writes_each_email_as_eml_and_as_html_with_the_chart_beside_it(notify, tmp_path):
    # Given one email sent
    notify.store(LAST, firing("rsi_oversold"))
    notify.deliver()
    # ... and an outbox an earlier run left an email in
    (tmp_path / "outbox").mkdir()
    (tmp_path / "outbox" / "004-kraken_SOL-USD_1h-20261104T0800Z.eml").write_bytes(b"an earlier run's email")
    # When the outbox is written
    subjects = write_outbox(tmp_path / "outbox", notify.notifications_table, emails=notify.emails())
    # Then it holds this run's raw message (the earlier run's is gone), a browsable HTML whose image points at the PNG
    # beside it, and the subject
    stem = "001-kraken_BTC-USD_1h-20261031T2300Z"  # the candle LAST opened at 2026-10-31 23:00Z
    files = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert files == [f"{stem}-1.png", f"{stem}.eml", f"{stem}.html"]
    html = (tmp_path / "outbox" / f"{stem}.html").read_text()
    assert f'src="{stem}-1.png"' in html and "cid:" not in html
    assert (tmp_path / "outbox" / f"{stem}.eml").read_bytes() == notify.emails()[0].raw
    assert subjects == [notify.decisions()[LAST]["subject"]]


# ----------------------------------------------------------------------------- the event file and poison records


def test_the_events_file_sends_its_signal(notify):
    # When NotifyFunction receives events/notify-dynamodb-stream.json (a signal of the ingested market)
    response = notify.runtime.invoke("NotifyFunction", STREAM_EVENT)
    # Then it succeeds and SES accepted one email about that candle
    assert response == {"batchItemFailures": []}
    ts = int(STREAM_EVENT["Records"][0]["dynamodb"]["Keys"]["ts"]["N"])
    assert notify.decisions()[ts]["status"] == "sent" and len(notify.emails()) == 1


def test_a_record_without_a_parseable_signal_fails_alone_with_a_clear_error(notify):
    # Given the events file's record and a copy whose body is not a Signal
    good = STREAM_EVENT["Records"][0]
    poison = json.loads(json.dumps(good))
    poison["dynamodb"]["SequenceNumber"] = "4421584500000000017450439099"
    poison["dynamodb"]["NewImage"]["body"] = {"S": '{"schema": "something else"}'}
    # When both arrive in one batch
    response = notify.runtime.invoke("NotifyFunction", {"Records": [poison, good]})
    # Then only the poison record is reported, its error is logged with the field, and the good one was sent
    assert response == {"batchItemFailures": [{"itemIdentifier": "4421584500000000017450439099"}]}
    log = (notify.runtime.log_dir / "NotifyFunction.log").read_text()
    failed = [json.loads(line) for line in log.splitlines() if '"alert failed' in line]
    assert failed and "NewImage.body" in failed[0]["error"]
    assert failed[0]["sequence_number"] == "4421584500000000017450439099"
    assert len(notify.emails()) == 1


def test_only_insert_events_reach_the_function(notify):
    # Given a signal stored, then deleted (as its TTL would): the stream holds an INSERT and a REMOVE
    signal = notify.store(LAST, firing("rsi_oversold"))
    table = notify.aws.resource("dynamodb").Table(notify.outputs["SignalsTableName"])
    table.delete_item(Key={"series": signal.series, "ts": signal.candle_ts})
    # When the stream is delivered through the mapping's FilterCriteria
    responses = notify.deliver()
    # Then one invocation carried the INSERT alone (a REMOVE would fail to parse as a new signal)
    assert responses == [{"batchItemFailures": []}] and len(notify.emails()) == 1
