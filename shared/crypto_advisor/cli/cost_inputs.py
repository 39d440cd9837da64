"""The inputs of ``make cost`` that are read, not assumed: the template's facts and the measured work.

**The template** is read as CloudFormation deploys it: translated by
aws-sam-translator (so Globals are applied: a function's memory is the one it
gets), with the parameters at their defaults unless given, and each
``Condition`` evaluated (an alarm that exists only while training is on is
counted only then).

**The measured work** comes from ``make demo``: the local runtime writes one
line per invocation to ``invocations.jsonl`` (its duration and its AWS requests
in billing units, :mod:`crypto_advisor.local.metering`), and each function's
own log lines say what that invocation did; the two are joined by request id,
as CloudWatch Logs Insights joins ``REPORT`` lines to a function's logs. Each
kind of work is divided by its own unit (a series checked, an update
analysed, a signal notified, a coin's news, a series trained), so the
figures scale to any watchlist. Runs that backfilled or caught up (more than
one candle stored for a series) are left out: they happen once, not monthly.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crypto_advisor.contracts.market_scan import is_scan_cursor
from crypto_advisor.local.stack import LOCAL_PARAMETERS, load_template, to_cloudformation
from crypto_advisor.local.template_values import TemplateValues

HOURS_PER_MONTH = 730.0
DAYS_PER_MONTH = HOURS_PER_MONTH / 24

#: One measured quantity per key: "seconds.handler" (the handler thread's CPU time: the embedded AWS answers
#: from other threads, and its Python is no measure of AWS's answer time), "aws.requests" (how many, of any
#: service), "log_bytes", "s3.put", "s3.get", "s3.bytes", "kinesis.records", "kinesis.bytes", "kinesis.units",
#: "ses.messages", "ses.bytes", "secrets.calls", and per table (logical id) "dynamodb.read.<Table>",
#: "dynamodb.write.<Table>", "dynamodb.bytes.<Table>".
Work = dict[str, float]


def add(*works: Mapping[str, float]) -> Work:
    total: Work = defaultdict(float)
    for work in works:
        for key, value in work.items():
            total[key] += value
    return dict(total)


def scale(work: Mapping[str, float], factor: float) -> Work:
    return {key: value * factor for key, value in work.items()}


# ---------------------------------------------------------------- the template


@dataclass(frozen=True)
class FunctionFacts:
    memory_mb: int
    timeout_s: int
    architecture: str
    image: bool
    traced: bool
    #: the function's environment, resolved (a stack's own attributes become placeholders)
    environment: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MappingFacts:
    """An event source mapping's batching: how many records one invocation gets, and how long Lambda waits."""

    batch_size: int
    window_s: float
    #: ParallelizationFactor: how many batches of one shard Lambda processes at once (1 to 10)
    parallelization: int = 1
    #: the logical id of the stream, table or queue the mapping reads
    source: str = ""
    #: a queue mapping's ScalingConfig.MaximumConcurrency (None: no cap)
    max_concurrency: int | None = None


@dataclass(frozen=True)
class StreamFacts:
    mode: str  # PROVISIONED or ON_DEMAND
    shards: int
    retention_hours: int


@dataclass(frozen=True)
class TableFacts:
    on_demand: bool
    pitr: bool
    ttl: bool


@dataclass(frozen=True)
class TemplateFacts:
    """What the bill depends on in the template, each counted from its resources."""

    functions: dict[str, FunctionFacts]
    #: scheduled invocations a month per function (rules that are ENABLED with these parameters)
    schedules: dict[str, float]
    mappings: dict[str, MappingFacts]
    streams: dict[str, StreamFacts]
    tables: dict[str, TableFacts]
    #: alarm name -> the metrics it watches (what CloudWatch bills an alarm by)
    alarm_metrics: dict[str, int]
    dashboards: int
    secrets: int
    buckets: int
    log_retention_days: dict[str, int]
    parameters: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_template(cls, path: Path, parameters: Mapping[str, str] | None = None) -> TemplateFacts:
        given = {**LOCAL_PARAMETERS, **(parameters or {})}
        cfn = to_cloudformation(load_template(path), given)
        return cls.from_cloudformation(cfn, given)

    @classmethod
    def from_cloudformation(cls, cfn: Mapping[str, Any], parameters: Mapping[str, str]) -> TemplateFacts:
        values = TemplateValues(cfn, parameters)
        resources = {k: r for k, r in cfn["Resources"].items() if values.exists(r)}

        def of_type(kind: str) -> dict[str, Mapping[str, Any]]:
            return {k: r.get("Properties", {}) for k, r in resources.items() if r["Type"] == kind}

        functions = {
            logical: FunctionFacts(
                memory_mb=int(values.value(p.get("MemorySize", 128))),
                timeout_s=int(values.value(p.get("Timeout", 3))),
                architecture=(p.get("Architectures") or ["x86_64"])[0],
                image=p.get("PackageType") == "Image",
                traced=p.get("TracingConfig", {}).get("Mode") == "Active",
                environment={k: values.value(v) for k, v in p.get("Environment", {}).get("Variables", {}).items()},
            )
            for logical, p in of_type("AWS::Lambda::Function").items()
        }
        schedules: dict[str, float] = defaultdict(float)
        for p in of_type("AWS::Events::Rule").values():
            if "ScheduleExpression" not in p or values.value(p.get("State", "ENABLED")) != "ENABLED":
                continue
            per_month = invocations_per_month(values.value(p["ScheduleExpression"]))
            for target in p.get("Targets", []):
                arn = target.get("Arn", {})
                if isinstance(arn, Mapping) and "Fn::GetAtt" in arn and arn["Fn::GetAtt"][0] in functions:
                    schedules[arn["Fn::GetAtt"][0]] += per_month
        mappings = {
            str(p["FunctionName"]["Ref"]): MappingFacts(
                batch_size=int(values.value(p.get("BatchSize", 100))),
                window_s=float(values.value(p.get("MaximumBatchingWindowInSeconds", 0))),
                parallelization=int(values.value(p.get("ParallelizationFactor", 1))),
                source=_source_of(p.get("EventSourceArn")),
                max_concurrency=(
                    int(values.value(p["ScalingConfig"]["MaximumConcurrency"]))
                    if "MaximumConcurrency" in p.get("ScalingConfig", {})
                    else None
                ),
            )
            for p in of_type("AWS::Lambda::EventSourceMapping").values()
        }
        streams = {
            logical: StreamFacts(
                mode=p.get("StreamModeDetails", {}).get("StreamMode", "PROVISIONED"),
                shards=int(values.value(p.get("ShardCount", 1))),
                retention_hours=int(values.value(p.get("RetentionPeriodHours", 24))),
            )
            for logical, p in of_type("AWS::Kinesis::Stream").items()
        }
        tables = {
            logical: TableFacts(
                on_demand=p.get("BillingMode") == "PAY_PER_REQUEST",
                pitr=bool(p.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled")),
                ttl=bool(p.get("TimeToLiveSpecification", {}).get("Enabled")),
            )
            for logical, p in of_type("AWS::DynamoDB::Table").items()
        }
        alarms = {logical: alarm_metric_count(p) for logical, p in of_type("AWS::CloudWatch::Alarm").items()}
        retention = {
            logical: int(values.value(p["RetentionInDays"])) if "RetentionInDays" in p else 0
            for logical, p in of_type("AWS::Logs::LogGroup").items()
        }
        return cls(
            functions=functions,
            schedules=dict(schedules),
            mappings=mappings,
            streams=streams,
            tables=tables,
            alarm_metrics=alarms,
            dashboards=len(of_type("AWS::CloudWatch::Dashboard")),
            secrets=len(of_type("AWS::SecretsManager::Secret")),
            buckets=len(of_type("AWS::S3::Bucket")),
            log_retention_days=retention,
            parameters={k: values.ref(k) for k in cfn.get("Parameters", {})},
        )


def alarm_metric_count(alarm: Mapping[str, Any]) -> int:
    """CloudWatch bills an alarm per metric it evaluates: one, each ``MetricStat`` of a metric-math alarm, and
    three for an anomaly-detection band."""
    if "Metrics" not in alarm:
        return 1
    metrics = alarm["Metrics"]
    count = sum(1 for m in metrics if "MetricStat" in m)
    if any("ANOMALY_DETECTION_BAND" in str(m.get("Expression", "")) for m in metrics):
        count *= 3
    return max(1, count)


_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_DAYS_OF_WEEK = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


def invocations_per_month(expression: str) -> float:
    """How often an EventBridge schedule expression fires in a month of :data:`HOURS_PER_MONTH` hours.

    ``rate(...)``, and ``cron(...)`` with any minutes and hours and a day-of-week
    list or range; a day-of-month or month other than ``*``/``?`` is refused
    rather than guessed.
    """
    rate = _RATE.match(expression.strip())
    if rate:
        minutes = {"minute": 1, "hour": 60, "day": 1440}[rate.group(2).rstrip("s")]
        return HOURS_PER_MONTH * 60 / (int(rate.group(1)) * minutes)
    cron = _CRON.match(expression.strip())
    if not cron:
        raise ValueError(f"not a schedule expression: {expression!r}")
    fields = cron.group(1).split()
    if len(fields) != 6:
        raise ValueError(f"a cron expression has 6 fields: {expression!r}")
    minute, hour, day_of_month, month, day_of_week, _year = fields
    if day_of_month not in ("*", "?") or month not in ("*", "?"):
        raise ValueError(f"cannot count {expression!r}: only '*' or '?' for day of month and month")
    per_day = len(_cron_values(minute, 0, 59)) * len(_cron_values(hour, 0, 23))
    days = 7 if day_of_week in ("*", "?") else len(_cron_values(day_of_week, 1, 7, _DAYS_OF_WEEK))
    return per_day * DAYS_PER_MONTH * days / 7


def _cron_values(text: str, low: int, high: int, names: Mapping[str, int] | None = None) -> set[int]:
    def number(token: str) -> int:
        return (names or {}).get(token.upper(), None) or int(token)

    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, last = base.split("-")
            start, end = number(first), number(last)
        else:
            start = number(base)
            end = high if step_text else start
        values.update(range(start, end + 1, step))
    return {v for v in values if low <= v <= high}


# ---------------------------------------------------------------- the measured work

#: The kinds of work the estimate scales, each per its unit.
UNITS = {
    "ingest.idle": "series checked, none due",
    "ingest.due": "series with one new candle stored and published",
    "analyze.update": "series update analysed (one signal)",
    "notify.signal": "signal decided (emailed or recorded as held back)",
    "news.coin": "coin's news fetched, scored and stored",
    "digest.idle": "hourly digest run with nothing due",
    "digest.series": "series in a sent digest",
    "train.series": "series trained (walk-forward, fit, replay)",
}
_INGEST_LINES = ("series ingested", "series failed")
_NEWS_LINES = ("news stored", "news of a coin failed")
_TABLE_NAME = re.compile(r"-([A-Za-z0-9]+?)-[A-Za-z0-9]{8,}$")


@dataclass(frozen=True)
class Measured:
    """Per-unit work (see :data:`UNITS`), and Secrets Manager calls per run of each function."""

    units: dict[str, Work]
    #: how many of each unit the figure was measured over
    samples: dict[str, float]
    secrets_calls_per_run: dict[str, float]
    source: str

    @classmethod
    def from_logs(cls, folder: Path) -> Measured:
        """From ``make demo``'s ``invocations.jsonl`` and function logs in ``folder``."""
        path = folder / "invocations.jsonl"
        if not path.exists() or not path.stat().st_size:
            raise FileNotFoundError(
                f"{path}: no measured invocations; run `make demo` first (about 5 minutes): its local runtime "
                "records each invocation's duration and AWS requests there"
            )
        invocations = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        lines = _log_lines_by_request(folder, {str(i["function"]) for i in invocations})
        return cls.from_invocations(invocations, lines, source=f"{len(invocations)} invocations in {path}")

    @classmethod
    def from_invocations(
        cls, invocations: Iterable[Mapping[str, Any]], lines: Mapping[str, Sequence[Mapping[str, Any]]], *, source: str
    ) -> Measured:
        totals: dict[str, list[tuple[Work, float]]] = defaultdict(list)
        secrets: dict[str, list[float]] = defaultdict(list)
        ingest: list[tuple[Work, int, int]] = []
        for invocation in invocations:
            if invocation.get("failed"):
                continue
            function = str(invocation["function"])
            work = invocation_work(invocation)
            secrets[function].append(work.pop("secrets.calls", 0.0))
            mine = lines.get(str(invocation["request_id"]), [])
            if function == "IngestFunction":
                series = [
                    line
                    for line in mine
                    if line.get("message") in _INGEST_LINES and not is_scan_cursor(str(line.get("series", "")))
                ]
                if any(int(line.get("stored", 0)) > 1 for line in series):
                    continue  # a backfill or a catch-up: once, not every month
                due = sum(1 for line in series if int(line.get("stored", 0)) == 1)
                ingest.append((work, due, len(series) - due))
            elif function == "AnalyzeFunction" and invocation.get("records"):
                totals["analyze.update"].append((work, float(invocation["records"])))
            elif function == "NotifyFunction" and invocation.get("records"):
                totals["notify.signal"].append((work, float(invocation["records"])))
            elif function == "NewsFunction":
                coins = sum(1 for line in mine if line.get("message") in _NEWS_LINES)
                if coins:
                    totals["news.coin"].append((work, float(coins)))
            elif function == "DigestFunction":
                sent = [line for line in mine if line.get("message") == "digest sent"]
                if sent:
                    totals["digest.series"].append((work, float(sum(int(line.get("series", 0)) for line in sent))))
                else:
                    totals["digest.idle"].append((work, 1.0))
            elif function == "TrainFunction":
                trained = sum(1 for line in mine if line.get("message") == "series trained")
                if trained:
                    totals["train.series"].append((work, float(trained)))
        units = {key: _per_unit(pairs) for key, pairs in totals.items()}
        samples = {key: sum(n for _, n in pairs) for key, pairs in totals.items()}
        # Ingest runs check every series; those with one due are "due", the rest "idle". Runs with none due
        # give the idle figure, which the runs with some due then subtract.
        idle_runs = [(work, idle) for work, due, idle in ingest if due == 0 and idle]
        if idle_runs:
            units["ingest.idle"] = _per_unit(idle_runs)
            samples["ingest.idle"] = sum(n for _, n in idle_runs)
            due_runs = [(add(work, scale(units["ingest.idle"], -idle)), due) for work, due, idle in ingest if due]
            if due_runs:
                units["ingest.due"] = {k: max(0.0, v) for k, v in _per_unit(due_runs).items()}
                samples["ingest.due"] = sum(n for _, n in due_runs)
        missing = sorted(set(UNITS) - set(units))
        if missing:
            raise ValueError(f"{source}: nothing measured for {', '.join(missing)}; run `make demo` again")
        per_run = {function: sum(calls) / len(calls) for function, calls in secrets.items() if calls}
        return cls(units=units, samples=samples, secrets_calls_per_run=per_run, source=source)


def _per_unit(pairs: Iterable[tuple[Mapping[str, float], float]]) -> Work:
    pairs = list(pairs)
    count = sum(n for _, n in pairs)
    return scale(add(*(work for work, _ in pairs)), 1 / count) if count else {}


def invocation_work(invocation: Mapping[str, Any]) -> Work:
    """One invocation record (``invocations.jsonl``) as a :data:`Work` vector, tables by logical id."""
    aws = invocation.get("aws", {})
    # records written before the runtime kept CPU time: their wall time, an upper bound
    handler = float(invocation.get("cpu_ms", invocation["duration_ms"])) / 1000
    work: Work = {
        "seconds.handler": handler,
        "aws.requests": float(sum(aws.get("requests", {}).values())),
        "log_bytes": float(invocation.get("log_bytes", 0)),
        "s3.put": float(aws.get("s3_put_class", 0)),
        "s3.get": float(aws.get("s3_get_class", 0)),
        "s3.bytes": float(aws.get("s3_bytes_put", 0)),
        "kinesis.records": float(aws.get("kinesis_records", 0)),
        "kinesis.bytes": float(aws.get("kinesis_bytes", 0)),
        "kinesis.units": float(aws.get("kinesis_payload_units", 0)),
        "ses.messages": float(aws.get("ses_messages", 0)),
        "ses.bytes": float(aws.get("ses_bytes", 0)),
        "secrets.calls": float(
            sum(n for name, n in aws.get("requests", {}).items() if name.startswith("secretsmanager:"))
        ),
    }
    for kind, key in (
        ("read", "dynamodb_read_units"),
        ("write", "dynamodb_write_units"),
        ("bytes", "dynamodb_bytes_written"),
    ):
        for table, value in aws.get(key, {}).items():
            name = f"dynamodb.{kind}.{logical_table(table)}"
            work[name] = work.get(name, 0.0) + float(value)
    return work


def logical_table(physical: str) -> str:
    """``crypto-advisor-CandlesTable-7ENHL5NTR4QM`` -> ``CandlesTable`` (CloudFormation's generated names)."""
    match = _TABLE_NAME.search(physical)
    return match.group(1) if match else physical


def _log_lines_by_request(folder: Path, functions: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    by_request: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for function in functions:
        path = folder / f"{function}.log"
        if not path.exists():
            continue
        for text in path.read_text().splitlines():
            if not text.startswith("{"):
                continue
            try:
                line = json.loads(text)
            except ValueError:
                continue
            request = line.get("function_request_id")
            if request:
                by_request[str(request)].append(line)
    return by_request


def batches(records_per_hour: float, mapping: MappingFacts, spacing_s: float) -> float:
    """Invocations an hour for records arriving ``spacing_s`` apart: a batch closes when full or when the
    batching window has passed (Lambda's poller reads every second, so never more than one per second)."""
    if records_per_hour <= 0:
        return 0.0
    per_batch = min(mapping.batch_size, max(1.0, mapping.window_s / spacing_s if spacing_s else mapping.batch_size))
    return math.ceil(records_per_hour / per_batch)


def _source_of(arn: Any) -> str:
    """The logical id behind an event source ARN (``!GetAtt CandleStream.Arn`` or ``!GetAtt Table.StreamArn``)."""
    if isinstance(arn, Mapping) and "Fn::GetAtt" in arn:
        target = arn["Fn::GetAtt"]
        return str(target[0] if isinstance(target, list) else str(target).split(".", 1)[0])
    return ""
