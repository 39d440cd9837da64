"""Issue 11, item 14: the alarms that were missing, and an alarm email that someone reads.

Each test reads the translated template; the metrics that had to be created for an alarm (the stale series, the
model age, training's own failures) are shown published by the telemetry that owns them.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from aws_lambda_powertools.metrics import MetricUnit

from crypto_advisor.adapters.model_store import CachedModels
from crypto_advisor.adapters.ses import SesMailer
from crypto_advisor.contracts.series import Series
from crypto_advisor.ingest.service import RunReport, SeriesReport
from crypto_advisor.telemetry import analysis as analysis_telemetry
from crypto_advisor.telemetry import ingest as ingest_telemetry
from crypto_advisor.telemetry import training as training_telemetry
from crypto_advisor.telemetry.observability import metrics
from crypto_advisor.training.service import SeriesTraining, TrainingReport
from tests.unit.operations.conftest import alarm_metrics, alarms, alarms_on, as_list, of_type, role_of, statements

FUNCTIONS = (
    "IngestFunction",
    "IngestWorkerFunction",
    "AnalyzeFunction",
    "NewsFunction",
    "NotifyFunction",
    "DigestFunction",
    "DashboardFunction",
    "TrainFunction",
)
#: Functions without an Errors/Throttles alarm, and why: the custom resource runs only while the stack deploys, and
#: CloudFormation reports its failure as the deploy's own.
NO_ALARM = {"DashboardUsersFunction"}
HOUR_MS = 3_600_000


@pytest.fixture
def published():
    """The metrics published during the test, by name: Powertools' pending set, emptied before and after."""
    metrics.clear_metrics()
    yield lambda: {name: body for name, body in metrics.metric_set.items()}
    metrics.clear_metrics()


def only(found: dict) -> dict:
    assert len(found) == 1, sorted(found)
    return next(iter(found.values()))


def test_every_alarm_reaches_the_alarm_topic(resources):
    for name, alarm in alarms(resources).items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], name


def test_the_alarm_email_is_required_and_always_subscribed(cfn, resources):
    # Given the AlarmEmail parameter and the topic's subscription
    parameter = cfn["Parameters"]["AlarmEmail"]
    subscription = resources["AlarmEmailSubscription"]
    # Then a deploy must name an address (no default, and an empty one does not match), and it is always subscribed
    assert "Default" not in parameter and parameter["AllowedPattern"].endswith("$")
    assert "Condition" not in subscription
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert subscription["Properties"]["TopicArn"] == {"Ref": "AlarmTopic"}


def test_the_alarmed_functions_are_every_function_of_the_template(resources):
    # A function added later gets its alarms, or a stated reason in NO_ALARM
    assert set(of_type(resources, "AWS::Lambda::Function")) == set(FUNCTIONS) | NO_ALARM


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_has_an_alarm_on_its_errors_and_throttles(resources, function, metric):
    found = {
        name: a
        for name, a in alarms_on(resources, "AWS/Lambda", metric).items()
        if any(dims == {"FunctionName": {"Ref": function}} for _, _, dims in alarm_metrics(a))
    }
    alarm = only(found)
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == ("Sum", 0, "GreaterThanThreshold")


@pytest.mark.parametrize(
    ("function", "event"), [("AnalyzeFunction", "CandleUpdates"), ("NotifyFunction", "NewSignals")]
)
def test_both_stream_consumers_alarm_well_before_their_records_expire(resources, function, event):
    # Given the consumer's mapping, which parks records older than MaximumRecordAgeInSeconds
    mapping = resources[f"{function}{event}"]["Properties"]
    found = {
        name: a
        for name, a in alarms_on(resources, "AWS/Lambda", "IteratorAge").items()
        if a["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function}}]
    }
    # Then its iterator age alarms, on the maximum, at under a quarter of that age
    alarm = only(found)
    assert alarm["Statistic"] == "Maximum"
    assert alarm["Threshold"] * alarm["EvaluationPeriods"] <= mapping["MaximumRecordAgeInSeconds"] * 1000 / 4


def test_the_signals_heartbeat_alarms_when_updates_reach_the_stream_but_no_signal_is_stored(resources):
    alarm = alarms(resources)["SignalsHeartbeatAlarm"]
    read = {(ns, m): dims for ns, m, dims in alarm_metrics(alarm)}
    # Given what it reads: the candle stream's incoming records and the signals stored
    assert read[("AWS/Kinesis", "IncomingRecords")] == {"StreamName": {"Ref": "CandleStream"}}
    assert read[("CryptoAdvisor", "SignalsStored")] == {"service": "crypto-advisor"}
    # Then it breaches on hours with updates and no signal, and says nothing while nothing is ingested
    [expression] = [q["Expression"] for q in alarm["Metrics"] if "Expression" in q]
    assert expression == "IF(FILL(updates, 0) > 0 AND FILL(signals, 0) == 0, 1, 0)"
    assert alarm["TreatMissingData"] == "notBreaching"


def test_the_notify_heartbeat_alarms_when_signals_are_stored_but_the_notifier_never_runs(resources):
    alarm = alarms(resources)["NotifyHeartbeatAlarm"]
    read = {(ns, m): dims for ns, m, dims in alarm_metrics(alarm)}
    assert read[("AWS/Lambda", "Invocations")] == {"FunctionName": {"Ref": "NotifyFunction"}}
    assert read[("CryptoAdvisor", "SignalsStored")] == {"service": "crypto-advisor"}


def test_a_series_lagging_without_an_error_publishes_how_stale_it_is_and_an_alarm_reads_it(resources, published):
    # Given a run where the source answered but lacks the hourly candle that closed 70 minutes ago
    now = 1_700_000_000_000 - 1_700_000_000_000 % HOUR_MS + 70 * 60_000
    missing_open = now - 70 * 60_000 - HOUR_MS
    report = RunReport(
        now_ms=now,
        series=[
            SeriesReport("kraken:BTC-USD:1h", "no_new_candles", lagging=(missing_open, missing_open)),
            SeriesReport("kraken:ETH-USD:1h", "up_to_date"),
        ],
    )
    # When it is recorded
    ingest_telemetry.record(report)
    # Then the stalest series' lag is published in seconds, and an alarm fires past an hour
    metric = published()["StalestSeriesSeconds"]
    assert (metric["Value"], metric["Unit"]) == ([70.0 * 60], MetricUnit.Seconds.value)
    alarm = only(alarms_on(resources, "CryptoAdvisor", "StalestSeriesSeconds"))
    assert (alarm["Statistic"], alarm["Threshold"]) == ("Maximum", 3600)


def test_a_run_with_no_lagging_series_publishes_no_staleness(published):
    ingest_telemetry.record(RunReport(now_ms=HOUR_MS * 10, series=[SeriesReport("kraken:BTC-USD:1h", "up_to_date")]))
    assert "StalestSeriesSeconds" not in published() and "IngestRuns" in published()


def test_training_failures_have_their_own_metric_and_alarm(resources, published):
    # Given a training run where one series failed
    report = TrainingReport(
        now_ms=0,
        config=SimpleNamespace(),  # type: ignore[arg-type]
        series=[SeriesTraining("kraken:BTC-USD:1h", "failed", error="boom", error_kind="bug")],
    )
    # When it is recorded
    training_telemetry.record(report)
    # Then it is counted as TrainSeriesFailed, never as ingest's SeriesFailed (whose alarm wants three 5-minute runs)
    assert published()["TrainSeriesFailed"]["Value"] == [1] and "SeriesFailed" not in published()
    alarm = only(alarms_on(resources, "CryptoAdvisor", "TrainSeriesFailed"))
    assert alarm["EvaluationPeriods"] == 1 and alarm["Threshold"] == 0


def test_the_served_models_age_is_published_and_alarmed_while_training_is_on(resources, published):
    # Given the model cache over a store serving a version trained 80 hours before the update's clock
    trained_at, now = 1_000 * HOUR_MS, 1_080 * HOUR_MS
    model = SimpleNamespace(version=str(trained_at), trained_at=trained_at)
    store = SimpleNamespace(latest_pointer=lambda series: {"version": str(trained_at)}, load_pointer=lambda p: model)
    cache = CachedModels(store, on_served=analysis_telemetry.record_served_model)  # type: ignore[arg-type]
    # When the analysis asks for it
    assert cache.get(Series.parse("kraken:BTC-USD:1h"), now) is model
    # Then its age is published in seconds, and the alarm (only while training runs) fires past three days
    metric = published()["ModelAgeSeconds"]
    assert (metric["Value"], metric["Unit"]) == ([80 * 3600], MetricUnit.Seconds.value)
    [(name, alarm)] = alarms_on(resources, "CryptoAdvisor", "ModelAgeSeconds").items()
    assert resources[name]["Condition"] == "TrainEnabled"
    assert (alarm["Statistic"], alarm["Threshold"]) == ("Maximum", 3 * 24 * 3600)


@pytest.mark.parametrize("metric", ["AlertsFailed", "LedgerFailures", "PredictionsFailed", "ModelRefreshFailed"])
def test_the_failure_metrics_that_had_no_alarm_have_one(resources, metric):
    alarm = only(alarms_on(resources, "CryptoAdvisor", metric))
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "crypto-advisor"}]
    assert (alarm["Statistic"], alarm["Threshold"], alarm["TreatMissingData"]) == ("Sum", 0, "notBreaching")


def test_ses_bounces_and_complaints_reach_cloudwatch_through_a_configuration_set_and_alarm(resources):
    # Given the configuration set and its event destination
    [config_set] = of_type(resources, "AWS::SES::ConfigurationSet").values()
    name = config_set["Properties"]["Name"]
    [destination] = of_type(resources, "AWS::SES::ConfigurationSetEventDestination").values()
    event = destination["Properties"]["EventDestination"]
    [dimension] = event["CloudWatchDestination"]["DimensionConfigurations"]
    # Then bounces and complaints are published per configuration set, and each has an alarm on that dimension
    assert sorted(event["MatchingEventTypes"]) == ["bounce", "complaint"] and event["Enabled"] is True
    assert (dimension["DimensionName"], dimension["DimensionValueSource"]) == ("ses:configuration-set", "messageTag")
    for metric in ("Bounce", "Complaint"):
        alarm = only(alarms_on(resources, "AWS/SES", metric))
        assert alarm["Dimensions"] == [{"Name": "ses:configuration-set", "Value": name}]
    # And both senders name it, with the right to send through it
    for function in ("NotifyFunction", "DigestFunction"):
        assert resources[function]["Properties"]["Environment"]["Variables"]["SES_CONFIGURATION_SET"] == name
        [send] = [s for s in statements(role_of(resources, function)) if s["Action"] == "ses:SendRawEmail"]
        partition_region_account = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}"
        arn = {"Fn::Sub": f"{partition_region_account}:configuration-set/{name['Fn::Sub']}"}
        assert arn in as_list(send["Resource"])


#: SES reviews an account at a 5% bounce rate or a 0.1% complaint rate (SES Developer Guide, "Reputation metrics
#: messages"); the owner must hear of it before, while the addresses can still be removed.
SES_REVIEW_AT = {"Reputation.BounceRate": 0.05, "Reputation.ComplaintRate": 0.001}


@pytest.mark.parametrize("metric", sorted(SES_REVIEW_AT))
def test_the_accounts_ses_reputation_alarms_before_ses_reviews_it(resources, metric):
    # Given the alarm on the account-level rate SES publishes (no dimension: it is the account's, which SES acts on)
    alarm = only(alarms_on(resources, "AWS/SES", metric))
    assert "Dimensions" not in alarm
    # Then it fires at or before half the rate at which SES reviews the account, and not when SES publishes nothing
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert 0 < alarm["Threshold"] <= SES_REVIEW_AT[metric] / 2
    assert (alarm["Statistic"], alarm["TreatMissingData"]) == ("Maximum", "notBreaching")


def test_the_mailer_names_the_configuration_set_on_every_send():
    sent = []
    client = SimpleNamespace(send_raw_email=lambda **kwargs: sent.append(kwargs) or {"MessageId": "m-1"})
    assert SesMailer(client, "crypto-advisor-email").send_raw("a@example.com", ["b@example.com"], b"raw") == "m-1"
    assert sent[0]["ConfigurationSetName"] == "crypto-advisor-email"


def test_a_paused_ingest_raises_no_heartbeat_alarm(resources):
    assert resources["IngestHeartbeatAlarm"]["Condition"] == "IngestEnabled"


#: The queues Lambda sends a failed scheduled run's record to (EventInvokeConfig's on-failure destination); nothing
#: consumes them, so their visible messages stay for the queues' 14 days.
ON_FAILURE_QUEUES = ("IngestFailureQueue", "NewsFailureQueue", "TrainFailureQueue", "DigestFailureQueue")
#: The shortest interval between two scheduled runs that can fail again, besides ingest's (the hourly digest): an
#: alarm must be OK again within it, or the repeat emails nothing.
HOURLY_S = 3600


def alarms_of_queue(resources: dict, queue: str) -> dict[str, dict]:
    dims = {"QueueName": {"Fn::GetAtt": [queue, "QueueName"]}}
    return {
        name: alarm
        for name, alarm in alarms(resources).items()
        if any(ns == "AWS/SQS" and d == dims for ns, _, d in alarm_metrics(alarm))
    }


def test_the_on_failure_queues_above_are_every_on_failure_destination_of_the_template(resources):
    # A function given an on-failure queue later gets its alarm checked below
    destinations = {
        config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
        for config in of_type(resources, "AWS::Lambda::EventInvokeConfig").values()
    }
    assert destinations == set(ON_FAILURE_QUEUES)


@pytest.mark.parametrize("queue", ON_FAILURE_QUEUES)
def test_each_on_failure_queue_alarms_on_every_new_failure_and_is_ok_again_before_the_next(resources, queue):
    # Given the one alarm on an on-failure destination queue
    alarm = only(alarms_of_queue(resources, queue))
    # Then it counts the records Lambda sends (SendMessage), not the ones still visible, which nothing consumes
    assert list(alarm_metrics(alarm)) == [
        ("AWS/SQS", "NumberOfMessagesSent", {"QueueName": {"Fn::GetAtt": [queue, "QueueName"]}})
    ]
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == ("Sum", 0, "GreaterThanThreshold")
    # And a period without a failure is OK, so the alarm returns to OK before the next run and its failure emails
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["Period"] * alarm["EvaluationPeriods"] < HOURLY_S


def test_a_redrive_policy_s_dead_letter_queue_alarms_on_its_visible_messages(resources):
    # Given the queues a redrive policy moves messages to: SQS counts no move in their NumberOfMessagesSent
    dead_letter = {
        queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for queue in of_type(resources, "AWS::SQS::Queue").values()
        if "RedrivePolicy" in queue["Properties"]
    }
    assert dead_letter == {"IngestDeadLetterQueue", "TrainDeadLetterQueue"}
    for queue in dead_letter:
        # Then each one's alarm reads the messages it holds, never the messages sent to it
        alarm = only(alarms_of_queue(resources, queue))
        assert [metric for _, metric, _ in alarm_metrics(alarm)] == ["ApproximateNumberOfMessagesVisible"], queue
        assert (alarm["Statistic"], alarm["Threshold"]) == ("Maximum", 0), queue


def test_a_parked_training_task_leaves_its_alarm_before_the_next_daily_run_and_says_what_to_do(cfn, resources):
    # Given the training queue's dead-letter queue, its alarm (on the visible messages) and the daily schedule
    retention = resources["TrainDeadLetterQueue"]["Properties"]["MessageRetentionPeriod"]
    alarm = only(alarms_of_queue(resources, "TrainDeadLetterQueue"))
    minute, hour, *rest = cfn["Parameters"]["TrainSchedule"]["Default"].removeprefix("cron(").rstrip(")").split()
    assert minute.isdigit() and hour.isdigit() and rest == ["*", "*", "?", "*"], "TrainSchedule is no longer daily"
    # Then a parked task expires within the day (SQS counts from when the run queued it), so the next run's
    # failure finds the alarm OK and emails; and it is not dropped on arrival (kept as long as the training queue)
    assert retention <= 24 * 3600
    assert retention >= resources["TrainQueue"]["Properties"]["MessageRetentionPeriod"]
    # And the description tells how to empty the queue, or to redrive it
    assert "aws sqs purge-queue" in alarm["AlarmDescription"]
    assert "aws sqs start-message-move-task" in alarm["AlarmDescription"]
