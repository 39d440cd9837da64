"""``make cost`` (issue 11, item 18): the arithmetic on a small template, the counts read from the real one, and
no component of the bill or of the measured work left out of the total."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from crypto_advisor.cli.cost import (
    COMPONENTS,
    PRICES,
    Assumptions,
    Workload,
    estimate,
    function_loads,
    load_prices,
    main,
)
from crypto_advisor.cli.cost_inputs import (
    DAYS_PER_MONTH,
    HOURS_PER_MONTH,
    UNITS,
    Measured,
    TemplateFacts,
    invocations_per_month,
    logical_table,
)
from crypto_advisor.local.stack import load_template
from crypto_advisor.telemetry.catalog import EMITTED, SES_EVENT_METRICS
from tests.conftest import REPO

SMALL_TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Shards: {Type: Number, Default: 2}
  IngestOn: {Type: String, Default: "true"}
Conditions:
  IngestEnabled: !Equals [!Ref IngestOn, "true"]
Resources:
  Stream:
    Type: AWS::Kinesis::Stream
    Properties: {ShardCount: !Ref Shards, RetentionPeriodHours: 24}
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}
  IngestFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: s3://bucket/code.zip
      MemorySize: 256
      Tracing: Active
      Events:
        Tick:
          Type: Schedule
          Properties:
            Schedule: cron(0/10 * * * ? *)
            State: !If [IngestEnabled, ENABLED, DISABLED]
  AnalyzeFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: s3://bucket/code.zip
      MemorySize: 2048
      Events:
        Updates:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Stream.Arn
            StartingPosition: TRIM_HORIZON
            BatchSize: 10
            MaximumBatchingWindowInSeconds: 5
  Secret:
    Type: AWS::SecretsManager::Secret
  Single:
    Type: AWS::CloudWatch::Alarm
    Condition: IngestEnabled
    Properties:
      Namespace: N
      MetricName: M
      Statistic: Sum
      Period: 300
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanThreshold
  Math:
    Type: AWS::CloudWatch::Alarm
    Properties:
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanThreshold
      Metrics:
        - {Id: a, MetricStat: {Metric: {Namespace: N, MetricName: A}, Period: 300, Stat: Sum}, ReturnData: false}
        - {Id: b, MetricStat: {Metric: {Namespace: N, MetricName: B}, Period: 300, Stat: Sum}, ReturnData: false}
        - {Id: e, Expression: a + b}
  Board:
    Type: AWS::CloudWatch::Dashboard
    Properties: {DashboardBody: "{}"}
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: {RetentionInDays: 7}
"""

#: Every kind of measured work, with every quantity the estimate prices, non-zero.
UNIT_WORK = {
    "seconds.handler": 0.5,
    "aws.requests": 5.0,
    "log_bytes": 2000.0,
    "s3.put": 1.0,
    "s3.get": 2.0,
    "s3.bytes": 5000.0,
    "kinesis.records": 1.0,
    "kinesis.bytes": 800.0,
    "kinesis.units": 1.0,
    "ses.messages": 0.1,
    "ses.bytes": 12_000.0,
    "dynamodb.read.SignalsTable": 3.0,
    "dynamodb.write.SignalsTable": 2.0,
    "dynamodb.bytes.SignalsTable": 1500.0,
}


def measured(**overrides: dict[str, float]) -> Measured:
    units = {key: dict(UNIT_WORK) for key in UNITS}
    units.update(overrides)
    return Measured(
        units=units,
        samples=dict.fromkeys(UNITS, 10.0),
        secrets_calls_per_run={"NewsFunction": 1.0, "IngestFunction": 0.5},
        source="test",
    )


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> TemplateFacts:
    path = tmp_path_factory.mktemp("small") / "template.yaml"
    path.write_text(SMALL_TEMPLATE)
    return TemplateFacts.from_template(path)


@pytest.fixture(scope="module")
def real() -> TemplateFacts:
    return TemplateFacts.from_template(REPO / "template.yaml")


@pytest.fixture(scope="module")
def prices() -> dict:
    return load_prices()


def lines_of(result, component: str) -> dict[str, float]:
    return {line.item: line.usd for line in result.lines if line.component == component}


def test_the_small_templates_facts_are_read_from_its_resources(small):
    # Given the translated small template, parameters at their defaults
    # Then: memory, tracing, schedules, batching, shards, alarms by metric, tables, secrets, logs
    assert small.functions["IngestFunction"].memory_mb == 256 and small.functions["IngestFunction"].traced
    assert small.schedules == {"IngestFunction": pytest.approx(6 * HOURS_PER_MONTH)}
    assert (small.mappings["AnalyzeFunction"].batch_size, small.mappings["AnalyzeFunction"].window_s) == (10, 5)
    assert small.streams["Stream"].shards == 2 and small.streams["Stream"].mode == "PROVISIONED"
    assert small.alarm_metrics == {"Single": 1, "Math": 2}
    assert small.tables["Table"].pitr and small.tables["Table"].on_demand
    assert (small.secrets, small.dashboards, small.log_retention_days) == (1, 1, {"Logs": 7})


def test_a_disabled_schedule_and_its_conditional_alarm_are_not_counted(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(SMALL_TEMPLATE)
    facts = TemplateFacts.from_template(path, {"IngestOn": "false"})
    assert facts.schedules == {} and facts.alarm_metrics == {"Math": 2}


def test_the_arithmetic_on_the_small_template(small, prices):
    # Given 10 hourly series; every kind of work takes 0.5 s of handler CPU and 5 AWS requests, a due series
    # publishes one record, an analysed update reads 3 RRU and writes 2 WRU
    cpu = {"seconds.handler": 0.5, "aws.requests": 5.0}
    units = {key: dict(cpu) for key in UNITS}
    units["ingest.due"] |= {"kinesis.records": 1.0, "kinesis.units": 1.0}
    units["analyze.update"] |= {"dynamodb.read.Table": 3.0, "dynamodb.write.Table": 2.0}
    workload = Workload(series=10, coins=10)
    a = Assumptions()
    result = estimate(small, measured(**units), workload, prices, a)

    # Then Kinesis: 2 provisioned shards all month, and one PUT payload unit per update
    updates = 10 * HOURS_PER_MONTH
    assert sum(lines_of(result, "Kinesis").values()) == pytest.approx(
        2 * HOURS_PER_MONTH * 0.015 + updates / 1e6 * prices["kinesis"]["put_payload_units_per_million"]
    )
    # And IngestFunction: 6 runs an hour check every series, one an hour finds each due (and waits for Kraken)
    runs = 6 * HOURS_PER_MONTH
    checks = 10 * runs
    share = a.full_vcpu_mb / 256  # a 256 MB function gets about 1/7 of a vCPU
    seconds = checks * (0.5 * share + 5 * a.aws_request_s) + updates * a.kraken_spacing_s
    lambda_lines = lines_of(result, "Lambda")
    [ingest] = [usd for item, usd in lambda_lines.items() if item.startswith("IngestFunction")]
    assert ingest == pytest.approx(seconds * 256 / 1024 * prices["lambda"]["gb_second_x86_64"])
    # And AnalyzeFunction (2,048 MB, over a full vCPU: no scaling) analyses every update
    [analyze] = [usd for item, usd in lambda_lines.items() if item.startswith("AnalyzeFunction")]
    assert analyze == pytest.approx(updates * (0.5 + 5 * a.aws_request_s) * 2 * prices["lambda"]["gb_second_x86_64"])
    # And its invocations: a batch closes after the 5 s window, 5 records at one a second (Kraken's spacing)
    assert lambda_lines["requests"] == pytest.approx((runs + 2 * HOURS_PER_MONTH) / 1e6 * 0.20)
    # And DynamoDB on demand: the analysis's reads and writes
    ddb = lines_of(result, "DynamoDB")
    assert [usd for item, usd in ddb.items() if item.startswith("reads")] == [pytest.approx(updates * 3 * 0.125e-6)]
    assert [usd for item, usd in ddb.items() if item.startswith("writes")] == [pytest.approx(updates * 2 * 0.625e-6)]
    # And the alarms are billed per metric, the dashboard and the secret per month, the metrics per catalog entry
    assert sum(lines_of(result, "CloudWatch alarms").values()) == pytest.approx(3 * 0.10)
    assert sum(lines_of(result, "CloudWatch dashboard").values()) == pytest.approx(3.00)
    metrics = len(EMITTED) + len(SES_EVENT_METRICS)
    assert sum(lines_of(result, "CloudWatch metrics").values()) == pytest.approx(metrics * 0.30)
    calls = runs * 0.5  # IngestFunction's measured calls per run; NewsFunction is not in this template
    assert sum(lines_of(result, "Secrets Manager").values()) == pytest.approx(0.40 + calls / 10_000 * 0.05)
    # And X-Ray: only the traced function's invocations
    assert sum(lines_of(result, "X-Ray").values()) == pytest.approx(runs / 1e6 * 5.0)


def test_the_totals_add_the_lines_and_the_free_tier_only_subtracts(small, prices):
    result = estimate(small, measured(), Workload(series=5, coins=5), prices)
    assert result.total == pytest.approx(sum(line.usd for line in result.lines))
    assert all(line.usd < 0 for line in result.free)
    assert 0 <= result.total_after_free_tier <= result.total


def test_every_component_has_a_line(real, prices):
    result = estimate(real, measured(), Workload(series=20, coins=20), prices)
    assert {line.component for line in result.lines} == set(COMPONENTS)


def test_every_function_of_the_real_template_is_modelled(real, prices):
    result = estimate(real, measured(), Workload(series=20, coins=20), prices)
    lambda_items = [line.item for line in result.lines if line.component == "Lambda"]
    assert not [item for item in lambda_items if "NOT MODELLED" in item]
    for function in real.functions:
        assert any(item.startswith(f"{function}:") for item in lambda_items), function


@pytest.mark.parametrize("quantity", sorted(UNIT_WORK))
@pytest.mark.parametrize("unit", sorted(UNITS))
def test_no_measured_quantity_of_any_unit_is_ignored(real, prices, unit, quantity):
    # Given the real template and a measurement / When one quantity of one kind of work doubles
    workload = Workload(series=20, coins=20)
    before = estimate(real, measured(), workload, prices).total
    doubled = {**UNIT_WORK, quantity: UNIT_WORK[quantity] * 2}
    after = estimate(real, measured(**{unit: doubled}), workload, prices).total
    # Then the estimate grows. Not priced by themselves: SES's count of messages (it sets an email's size, priced
    # per byte, from the functions that send), and a provisioned stream's records and bytes (its payload units are).
    if quantity in ("ses.messages", "kinesis.records", "kinesis.bytes") or (
        quantity == "ses.bytes" and unit not in ("notify.signal", "digest.series")
    ):
        return
    assert after > before, f"{unit} {quantity} is not in the estimate"


def test_an_on_demand_stream_is_priced_by_the_hour_and_the_bytes(tmp_path, prices):
    # Given the small template with its stream on demand
    path = tmp_path / "template.yaml"
    path.write_text(
        SMALL_TEMPLATE.replace(
            "Properties: {ShardCount: !Ref Shards, RetentionPeriodHours: 24}",
            "Properties: {StreamModeDetails: {StreamMode: ON_DEMAND}, RetentionPeriodHours: 24}",
        )
    )
    facts = TemplateFacts.from_template(path)
    units = {key: {} for key in UNITS} | {"ingest.due": {"kinesis.records": 1.0, "kinesis.bytes": 2048.0}}
    result = estimate(facts, measured(**units), Workload(series=10, coins=10), prices)
    # Then: the stream-hours, the bytes in (2 KB a record), the bytes read once
    gb = 10 * HOURS_PER_MONTH * 2048 / 1024**3
    assert sum(lines_of(result, "Kinesis").values()) == pytest.approx(HOURS_PER_MONTH * 0.04 + gb * 0.08 + gb * 0.04)


@pytest.mark.parametrize(
    "parameter, value",
    [("KinesisShardCount", "2"), ("LogRetentionDays", "90"), ("CoinGeckoApiKeySecretName", "my-key")],
)
def test_the_template_parameters_that_cost_change_the_estimate(prices, parameter, value):
    workload = Workload(series=20, coins=20)
    base = estimate(TemplateFacts.from_template(REPO / "template.yaml"), measured(), workload, prices).total
    changed = TemplateFacts.from_template(REPO / "template.yaml", {parameter: value})
    assert estimate(changed, measured(), workload, prices).total > base


def test_more_series_cost_more(real, prices):
    totals = [estimate(real, measured(), Workload(series=n, coins=n), prices).total for n in (1, 20, 100)]
    assert totals == sorted(totals) and totals[0] < totals[-1]


# ---------------------------------------------------------------- the real template's counts


def test_the_counts_are_read_from_the_real_template(real):
    sam = load_template(REPO / "template.yaml")
    resources = sam["Resources"]
    # Every alarm of the template (all exist with the default parameters), at least one metric each
    alarms = [k for k, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert sorted(real.alarm_metrics) == sorted(alarms)
    # The schedules: ingest one past every fifth minute, news every two hours, the digest hourly, training daily
    assert real.schedules["IngestFunction"] == pytest.approx(12 * HOURS_PER_MONTH)
    assert real.schedules["NewsFunction"] == pytest.approx(HOURS_PER_MONTH / 2)
    assert real.schedules["DigestFunction"] == pytest.approx(HOURS_PER_MONTH)
    assert real.schedules["TrainFunction"] == pytest.approx(DAYS_PER_MONTH)
    # Memory as deployed: the function's own, else the Globals'
    default = sam["Globals"]["Function"]["MemorySize"]
    for name, function in real.functions.items():
        assert function.memory_mb == resources[name]["Properties"].get("MemorySize", default)
    # The stream as declared, the tables, the secret, the dashboard
    [stream] = real.streams.values()
    assert (stream.mode, stream.shards) == ("PROVISIONED", sam["Parameters"]["KinesisShardCount"]["Default"])
    assert set(real.tables) == {k for k, r in resources.items() if r["Type"] == "AWS::DynamoDB::Table"}
    assert real.secrets == sum(r["Type"] == "AWS::SecretsManager::Secret" for r in resources.values()) == 2
    assert real.dashboards == 1


def test_with_ingestion_paused_its_schedule_and_heartbeat_are_not_billed():
    facts = TemplateFacts.from_template(REPO / "template.yaml", {"IngestScheduleEnabled": "false"})
    assert "IngestFunction" not in facts.schedules
    assert "IngestHeartbeatAlarm" not in facts.alarm_metrics


@pytest.mark.parametrize(
    "expression, per_day",
    [
        ("cron(1/5 * * * ? *)", 288),
        ("cron(7 0/2 * * ? *)", 12),
        ("cron(5 * * * ? *)", 24),
        ("cron(17 3 * * ? *)", 1),
        ("cron(0,30 9-17 ? * MON-FRI *)", 18 * 5 / 7),
        ("rate(5 minutes)", 288),
        ("rate(1 hour)", 24),
    ],
)
def test_schedule_expressions_are_counted(expression, per_day):
    assert invocations_per_month(expression) == pytest.approx(per_day * DAYS_PER_MONTH)


def test_a_schedule_it_cannot_count_is_refused_not_guessed():
    with pytest.raises(ValueError, match="day of month"):
        invocations_per_month("cron(0 0 1 * ? *)")


def test_krakens_request_spacing_is_cctxs():
    ccxt = pytest.importorskip("ccxt")
    assert ccxt.kraken().rateLimit == Assumptions().kraken_spacing_s * 1000


def test_the_prices_file_says_its_region_date_and_sources():
    prices = json.loads(PRICES.read_text())
    assert prices["region"] == "us-east-1" and prices["as_of"] and "as known on" in prices["note"].lower()
    services = set(prices) - {"region", "currency", "as_of", "note", "sources"}
    assert services <= set(prices["sources"])


# ---------------------------------------------------------------- the measured work


def invocation(function: str, request: str, cpu_ms: float, *, records: int | None = None, **aws) -> dict:
    return {
        "function": function,
        "request_id": request,
        "duration_ms": cpu_ms * 2,
        "cpu_ms": cpu_ms,
        "process_cpu_ms": cpu_ms * 1.5,
        "records": records,
        "log_bytes": 100,
        "failed": False,
        "aws": {"dynamodb_read_units": aws.get("reads", {}), "requests": aws.get("requests", {"dynamodb:Query": 2})},
    }


def ingested(request: str, *stored: int) -> list[dict]:
    return [{"message": "series ingested", "function_request_id": request, "stored": s} for s in stored]


def test_the_measurement_is_divided_by_what_each_invocation_did():
    # Given a demo's invocations: an idle ingest tick, an hourly one, a backfill, and one of each other kind
    invocations = [
        invocation("IngestFunction", "idle", 40, reads={"it-1-CandlesTable-ABCDEFGH12": 4.0}),
        invocation("IngestFunction", "hour", 100, reads={"it-1-CandlesTable-ABCDEFGH12": 7.0}),
        invocation("IngestFunction", "backfill", 9000),
        invocation("AnalyzeFunction", "a", 300, records=3),
        invocation("NotifyFunction", "n", 60, records=3),
        invocation("NewsFunction", "news", 80, requests={"secretsmanager:GetSecretValue": 1}),
        invocation("DigestFunction", "quiet", 10),
        invocation("DigestFunction", "sent", 400),
        invocation("TrainFunction", "t", 9000),
    ]
    lines = {
        "idle": ingested("idle", 0, 0, 0, 0),
        "hour": ingested("hour", 1, 1, 0, 0),
        "backfill": ingested("backfill", 719, 1, 0, 0),
        "news": [{"message": "news stored"}, {"message": "news of a coin failed"}],
        "sent": [{"message": "digest sent", "series": 4}],
        "t": [{"message": "series trained"}] * 3 + [{"message": "series not trained"}],
    }
    m = Measured.from_invocations(invocations, lines, source="test")
    # Then an idle check is a quarter of the idle tick; a due series is the hourly tick less its idle checks, halved
    assert m.units["ingest.idle"]["seconds.handler"] == pytest.approx(0.010)
    assert m.units["ingest.idle"]["dynamodb.read.CandlesTable"] == pytest.approx(1.0)
    assert m.units["ingest.due"]["seconds.handler"] == pytest.approx((0.100 - 2 * 0.010) / 2)
    assert m.units["ingest.due"]["dynamodb.read.CandlesTable"] == pytest.approx((7 - 2) / 2)
    assert m.samples["ingest.due"] == 2  # the backfill is left out
    # And the others per record, coin, series in the digest, series trained, with the requests they made
    assert m.units["analyze.update"]["seconds.handler"] == pytest.approx(0.1)
    assert m.units["analyze.update"]["aws.requests"] == pytest.approx(2 / 3)
    assert m.units["notify.signal"]["seconds.handler"] == pytest.approx(0.02)
    assert m.units["news.coin"]["seconds.handler"] == pytest.approx(0.04)
    assert m.units["digest.idle"]["seconds.handler"] == pytest.approx(0.01)
    assert m.units["digest.series"]["seconds.handler"] == pytest.approx(0.1)
    assert m.units["train.series"]["seconds.handler"] == pytest.approx(3.0)
    assert m.secrets_calls_per_run["NewsFunction"] == 1 and "secrets.calls" not in m.units["news.coin"]


def test_a_measurement_missing_a_kind_of_work_is_refused():
    with pytest.raises(ValueError, match=r"train\.series"):
        Measured.from_invocations([invocation("AnalyzeFunction", "a", 300, records=3)], {}, source="a partial demo")


def test_without_a_demo_make_cost_says_to_run_it(tmp_path, capsys):
    assert main(["--series", "20", "--measured", str(tmp_path)]) == 2
    assert "make demo" in capsys.readouterr().err


def test_table_names_are_read_back_to_their_logical_ids():
    assert logical_table("crypto-advisor-CandlesTable-7ENHL5NTR4QM") == "CandlesTable"
    assert logical_table("it-12-NotificationsTable-1A2B3C4D5E6F") == "NotificationsTable"


def test_months_and_days_agree():
    assert DAYS_PER_MONTH * 24 == HOURS_PER_MONTH and math.isclose(HOURS_PER_MONTH, 730)


def test_the_printed_estimate_names_every_component(tmp_path, capsys, monkeypatch):
    # Given a measurement folder as make demo leaves it (synthetic figures)
    folder: Path = tmp_path
    import crypto_advisor.cli.cost as cost

    monkeypatch.setattr(cost.Measured, "from_logs", classmethod(lambda cls, path: measured()))
    assert main(["--series", "20", "--measured", str(folder)]) == 0
    printed = capsys.readouterr().out
    for component in COMPONENTS:
        assert component in printed
    assert "total after the always-free tier" in printed and "as known on" in printed


def test_a_run_longer_than_its_functions_timeout_is_a_warning(prices):
    # Given training that takes 10 s a series / When 100 series are trained inline (TrainInlineSeries=100)
    inline = TemplateFacts.from_template(REPO / "template.yaml", {"TrainInlineSeries": "100"})
    units = {"train.series": {"seconds.handler": 10.0}}
    result = estimate(inline, measured(**units), Workload(series=100, coins=100), prices)
    # Then the estimate says the run cannot finish within the 900 s timeout, and names the knob
    assert any(
        w.startswith("TrainFunction:") and "900 s timeout" in w and "TrainInlineSeries" in w for w in result.warnings
    )
    fewer = estimate(inline, measured(**units), Workload(series=20, coins=20), prices).warnings
    assert not [w for w in fewer if w.startswith("TrainFunction:")]


def test_a_watchlist_over_train_inline_series_fans_out_one_task_a_series(real, prices):
    # Given the default TrainInlineSeries (20) and training that takes 10 s a series
    units = {"train.series": {"seconds.handler": 10.0}}
    loads_of = {
        n: function_loads(real, measured(**units), Workload(series=n, coins=1), Assumptions()) for n in (20, 100)
    }
    inline, fanned = loads_of[20]["TrainFunction"], loads_of[100]["TrainFunction"]
    # Then 20 series are one run a day, and 100 are the planner's run and a task per series
    runs = real.schedules["TrainFunction"]
    assert inline.invocations == pytest.approx(runs)
    assert fanned.invocations == pytest.approx(runs * 101)
    # ... each task's longest run is one series, so 100 series raise no timeout warning, and the work is the same
    assert fanned.peak_work["seconds.handler"] == pytest.approx(10.0)
    assert fanned.work["seconds.handler"] == pytest.approx(runs * 100 * 10.0)
    warnings = estimate(real, measured(**units), Workload(series=100, coins=1), prices).warnings
    assert not [w for w in warnings if w.startswith("TrainFunction:")]


def test_ingests_hourly_tick_is_checked_against_its_timeout_not_the_average_run(real, prices):
    # Given a due series taking about 2.4 s with Kraken's spacing: 110 series (their 110 s of calls within the
    # 120 s inline budget, so the run fetches them itself) make a 262 s tick, against 240 s
    units = {"ingest.due": {"seconds.handler": 0.4}, "ingest.idle": {"seconds.handler": 0.0}}
    result = estimate(real, measured(**units), Workload(series=110, coins=1), prices)
    # Then it is a warning, though the average run (11 in 12 find nothing due) is short
    assert any(w.startswith("IngestFunction:") and "240 s timeout" in w for w in result.warnings)


def test_a_tick_beyond_the_inline_budget_is_modelled_as_the_planner_and_paced_workers(real, prices):
    # Given 1,000 hourly Kraken series: 1,000 s of calls, over the 120 s inline budget
    units = {"ingest.due": {"seconds.handler": 0.2}, "ingest.idle": {"seconds.handler": 0.01}}
    loads = function_loads(real, measured(**units), Workload(series=1000, coins=1), Assumptions())
    planner, workers = loads["IngestFunction"], loads["IngestWorkerFunction"]
    # Then the planner only reads cursors; the workers fetch in chunks of 60 (120 s at one call every 2 s: two
    # workers share Kraken's one call a second), 17 invocations a tick, each waiting twice Kraken's interval a call
    ticks = HOURS_PER_MONTH
    assert workers.invocations == pytest.approx(ticks * 17)
    assert workers.work["seconds.handler"] == pytest.approx(ticks * 1000 * 0.2)
    assert workers.wait_s == pytest.approx(ticks * 1000 * 2.0)
    assert workers.peak_wait_s == pytest.approx(120.0)
    assert planner.wait_s == 0 and planner.peak_work["seconds.handler"] == pytest.approx(1000 * 0.01)
    # And neither overruns its timeout
    warnings = estimate(real, measured(**units), Workload(series=1000, coins=1), prices).warnings
    assert not [w for w in warnings if w.startswith(("IngestFunction:", "IngestWorkerFunction:"))]


def test_more_coins_than_newsapis_free_plan_serves_is_a_warning(real, prices):
    # Given the default news schedule (every two hours: 12 runs a day) / Then 8 coins fit in 100 requests, 9 do not
    def newsapi(coins: int) -> list[str]:
        result = estimate(real, measured(), Workload(series=coins, coins=coins), prices)
        return [w for w in result.warnings if w.startswith("NewsAPI")]

    assert not newsapi(8) and newsapi(9)


def test_a_ticks_analysis_is_spread_over_shards_times_parallelization(real, prices):
    # Given an update that costs 0.1 s of CPU at full speed (AnalyzeFunction's 1024 MB gets 1024/1769 of a vCPU)
    units = {"analyze.update": {"seconds.handler": 0.1}}
    per_update = 0.1 * 1769 / 1024

    def seconds(parallelization: str, series: int) -> float:
        facts = TemplateFacts.from_template(REPO / "template.yaml", {"AnalyzeParallelization": parallelization})
        [line] = estimate(facts, measured(**units), Workload(series=series, coins=1), prices).throughput
        return float(line.split("analysed in about ")[1].split(" s")[0].replace(",", ""))

    # Then a tick of 1,000 updates takes the batching window plus the updates' time over the concurrent batches
    assert seconds("1", 1000) == pytest.approx(10 + 1000 * per_update, abs=1)
    assert seconds("4", 1000) == pytest.approx(10 + 1000 * per_update / 4, abs=1)
    # And a burst that would outlast five minutes is a warning naming the knob, which the default avoids
    slow = estimate(
        TemplateFacts.from_template(REPO / "template.yaml", {"AnalyzeParallelization": "1"}),
        measured(**units),
        Workload(series=2000, coins=1),
        prices,
    )
    assert any(w.startswith("AnalyzeFunction:") and "AnalyzeParallelization" in w for w in slow.warnings)
    default = estimate(real, measured(**units), Workload(series=1000, coins=1), prices)
    assert not [w for w in default.warnings if w.startswith("AnalyzeFunction:")]


def test_a_market_scans_own_line_is_not_a_series_and_does_not_make_the_tick_a_backfill():
    # Given an hourly tick whose market scan stored 12 coins: the scan's line (its cursor) carries the 12, each coin
    # its own line with 1
    scan = {
        "message": "series ingested",
        "function_request_id": "hour",
        "stored": 12,
        "series": "coingecko-markets:USD:scan",
    }
    invocations = [
        invocation("IngestFunction", "idle", 40),
        invocation("IngestFunction", "hour", 100),
        invocation("AnalyzeFunction", "a", 300, records=3),
        invocation("NotifyFunction", "n", 60, records=3),
        invocation("NewsFunction", "news", 80),
        invocation("DigestFunction", "quiet", 10),
        invocation("DigestFunction", "sent", 400),
        invocation("TrainFunction", "t", 9000),
    ]
    lines = {
        "idle": ingested("idle", 0, 0),
        "hour": [*ingested("hour", 1, 1), scan],
        "news": [{"message": "news stored"}],
        "sent": [{"message": "digest sent", "series": 4}],
        "t": [{"message": "series trained"}],
    }
    # Then the tick is measured as two due series (the scan's coins are counted by their own lines), not left out
    m = Measured.from_invocations(invocations, lines, source="test")
    assert m.samples["ingest.due"] == 2
    assert m.units["ingest.due"]["seconds.handler"] == pytest.approx(0.100 / 2)


def test_news_beyond_one_runs_time_is_served_over_several_runs_never_past_the_timeout(real, prices):
    # Given a coin's news taking 0.2 s of full-speed CPU (1.38 s at NewsFunction's 256 MB) and NewsAPI's 0.3 s:
    # 1.68 s a coin, so its 900 s run keeps 225 s for the summaries and calls 401 coins
    units = {"news.coin": {"seconds.handler": 0.2}}
    each = 0.2 * 1769 / 256 + 0.3
    fit = math.floor((900 - 225) / each)
    assert fit == 401

    def news(coins: int):
        loads = function_loads(real, measured(**units), Workload(series=coins, coins=coins), Assumptions())
        warnings = estimate(real, measured(**units), Workload(series=coins, coins=coins), prices).warnings
        return loads["NewsFunction"], [w for w in warnings if w.startswith("NewsFunction:")]

    # When the watchlist has 100 coins / Then one run serves them all, with no warning
    load, warnings = news(100)
    assert load.peak_wait_s == pytest.approx(100 * 0.3) and warnings == []
    # When it has 1,000 / Then a run serves 401 (its longest run within the timeout), every coin each third run
    load, warnings = news(1000)
    assert load.peak_wait_s == pytest.approx(fit * 0.3)
    assert load.peak_work["seconds.handler"] == pytest.approx(fit * 0.2)
    assert load.work["seconds.handler"] == pytest.approx(load.invocations * fit * 0.2)
    [warning] = warnings
    assert f"about {fit} of the 1000 coins" in warning and "every 3 runs" in warning
