"""``make cost``: what the stack costs a month, itemised, for a watchlist of SERIES hourly series.

    python -m crypto_advisor.cli.cost --series 20 [--coins 20] [--recipients 1] [--measured .local/demo/logs]
        [--parameter KinesisShardCount=2 ...] [--prices prices.json]

Three inputs, each read from where it is true (:mod:`crypto_advisor.cli.cost_inputs`):

- **the template**, translated as CloudFormation deploys it: every function's
  memory and architecture, how often each schedule fires, the event source
  mappings' batching, the stream's mode and shards, the tables, the alarms,
  the dashboard, the secrets, the log retention;
- **the measured work** of ``make demo``: per series checked, update analysed,
  signal decided, coin's news, digest and series trained, the handler's CPU
  time, the AWS requests in billing units, the bytes stored and logged;
- **the prices**, in one file with their region and date (``prices_us_east_1.json``).

What no measurement here can give is an assumption, named in
:class:`Assumptions` and printed with the estimate: how Lambda's CPU share
scales with memory, Kraken's request spacing, NewsAPI's answer time, a cold
start, the image's size. Every component is a line, including the ones that
cost nothing at this size (and why), so a component left out is visible.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from crypto_advisor.adapters.ledger import RETENTION_S as LEDGER_RETENTION_S
from crypto_advisor.adapters.news_store import ARTICLE_TTL_S
from crypto_advisor.adapters.notification_log import RETENTION_S as NOTIFICATION_RETENTION_S
from crypto_advisor.adapters.signal_store import SIGNAL_TTL_S
from crypto_advisor.cli.cost_inputs import (
    DAYS_PER_MONTH,
    HOURS_PER_MONTH,
    UNITS,
    Measured,
    TemplateFacts,
    Work,
    add,
    batches,
    scale,
)
from crypto_advisor.contracts.watchlist import AlertPolicy
from crypto_advisor.news.service import summary_reserve_s
from crypto_advisor.telemetry.catalog import EMITTED, SES_EVENT_METRICS

REPO = Path(__file__).resolve().parents[3]
PRICES = Path(__file__).with_name("prices_us_east_1.json")
GB = 1024**3

#: Every component of the bill, in the order printed; each has at least one line, zero or not.
COMPONENTS = (
    "Kinesis",
    "Lambda",
    "DynamoDB",
    "S3",
    "Secrets Manager",
    "CloudWatch alarms",
    "CloudWatch metrics",
    "CloudWatch dashboard",
    "CloudWatch Logs",
    "X-Ray",
    "SES",
    "ECR",
    "SQS, SNS, EventBridge",
)
#: How long each table keeps an item (its TTL, from the adapter that writes it); CandlesTable's is the
#: HotWindowCandles parameter. A table not named here keeps everything for the months of history estimated.
TABLE_RETENTION_S = {
    "SignalsTable": SIGNAL_TTL_S,
    "NewsTable": ARTICLE_TTL_S,
    "NotificationsTable": NOTIFICATION_RETENTION_S,
    "LedgerTable": LEDGER_RETENTION_S,
}


@dataclass(frozen=True)
class Assumptions:
    """What the estimate assumes because nothing here can measure it; each is printed with the estimate."""

    #: Lambda gives a function CPU in proportion to its memory, one full vCPU at 1,769 MB (AWS's documentation);
    #: the handler's CPU time, measured on a full core, is scaled by 1,769 / memory below that.
    full_vcpu_mb: int = 1769
    #: ccxt spaces Kraken requests by its ``rateLimit``, 1,000 ms (``tests/unit/cli/test_cost.py`` checks ccxt's):
    #: an hourly tick waits about this long per due series, in the real run, not in the demo's simulated market.
    kraken_spacing_s: float = 1.0
    #: NewsAPI's answer time per coin (one request each), not in the demo's canned answers.
    news_request_s: float = 0.3
    #: An AWS request's answer time in the region (DynamoDB, S3, Kinesis, SES, Secrets Manager: milliseconds to a
    #: few tens): the embedded AWS answers from this process, in Python, which says nothing about AWS's speed.
    aws_request_s: float = 0.02
    #: A cold start's init (billed since August 2025): the slowest zip handler's cold import (AnalyzeFunction's,
    #: about 0.4 s on the benchmark machine, ``make bench-cold``) at a 512 MB function's CPU share (about 3.5 times
    #: slower), with the runtime's own start: an upper bound for the functions of 512 MB and more. NewsFunction's
    #: (256 MB, a 0.25 s import about 6.9 times slower) is nearer 1.7 s, a few runs a day slightly under-counted.
    #: Cold: every run of a function idle between runs for over 15 minutes, and once an hour for IngestFunction and
    #: the two stream consumers.
    cold_start_s: float = 1.5
    #: Lambda's own START, END and REPORT lines per invocation, in the function's log.
    platform_log_bytes: int = 400
    #: TrainFunction's image in ECR (Python 3.13, PyTorch CPU, scikit-learn, arch), compressed.
    image_gb: float = 1.0
    #: Market emails (one for many coins moving together) a week.
    market_emails_per_week: float = 1.0
    #: The archive (S3) and tables without a TTL keep growing: their storage is priced after this many months.
    history_months: int = 12
    #: What an email weighs when the measurement sent none (the README's figure: about 115 KB with its chart).
    email_bytes: int = 120_000

    def cpu_share(self, memory_mb: int) -> float:
        """How many times slower than a full core a function of ``memory_mb`` computes (1 from 1,769 MB up)."""
        return max(1.0, self.full_vcpu_mb / memory_mb)


@dataclass(frozen=True)
class Workload:
    """The watchlist: ``series`` hourly series, news for ``coins`` coins, ``recipients`` digest recipients."""

    series: int
    coins: int
    recipients: int = 1
    alerts_per_week: float = AlertPolicy().max_per_week


@dataclass(frozen=True)
class Line:
    component: str
    item: str
    quantity: float
    unit: str
    usd: float


@dataclass
class Estimate:
    workload: Workload
    lines: list[Line] = field(default_factory=list)
    #: the always-free tier, per component (negative amounts)
    free: list[Line] = field(default_factory=list)
    #: what the estimate found that no price says (a run longer than its function's timeout)
    warnings: list[str] = field(default_factory=list)
    #: how long the analysis of one tick's updates takes, from the stream's shards and the mapping's settings
    throughput: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(line.usd for line in self.lines)

    @property
    def total_after_free_tier(self) -> float:
        return self.total + sum(line.usd for line in self.free)

    def by_component(self) -> dict[str, float]:
        totals = dict.fromkeys(COMPONENTS, 0.0)
        for line in self.lines:
            totals[line.component] = totals.get(line.component, 0.0) + line.usd
        return totals

    def charge(
        self,
        component: str,
        item: str,
        quantity: float,
        unit: str,
        price: float,
        *,
        free: float = 0.0,
        free_item: str = "",
    ) -> None:
        """A line of ``quantity`` at ``price`` per ``unit``; the always-free tier's first ``free`` units beside it."""
        self.lines.append(Line(component, item, quantity, unit, quantity * price))
        waived = min(quantity, free)
        if waived > 0:
            self.free.append(Line(component, free_item or f"{free:,.0f} {unit}", waived, unit, -waived * price))


def load_prices(path: Path = PRICES) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


@dataclass(frozen=True)
class FunctionLoad:
    """One function's month (the measured work, waits outside it, invocations, cold starts), and its longest run."""

    work: Work
    wait_s: float
    invocations: float
    cold_starts: float
    #: the longest run: IngestFunction's hourly tick (every series due), the digest that is sent, a full batch...
    peak_work: Work
    peak_wait_s: float = 0.0


def function_loads(
    facts: TemplateFacts, measured: Measured, workload: Workload, a: Assumptions
) -> dict[str, FunctionLoad]:
    """Each function's month from the schedules, the batching and the watchlist.

    Every series is hourly: a tick finds it due once an hour, and each due series is one update, one signal.
    """
    u, runs = measured.units, facts.schedules
    n, coins, hours, days = workload.series, workload.coins, HOURS_PER_MONTH, DAYS_PER_MONTH
    ingest_runs = runs.get("IngestFunction", 0.0)
    due = n * hours if ingest_runs else 0.0
    idle = max(0.0, n * ingest_runs - due)
    news_runs, digest_runs, train_runs = (runs.get(f, 0.0) for f in ("NewsFunction", "DigestFunction", "TrainFunction"))
    sent_days = min(digest_runs, days)
    digest_series = workload.recipients * n
    loads = {
        **_ingest(facts, u["ingest.idle"], u["ingest.due"], n, ingest_runs, idle, due, a),
        "NewsFunction": _news(facts, u["news.coin"], coins, news_runs, a),
        "DigestFunction": FunctionLoad(
            add(scale(u["digest.idle"], digest_runs - sent_days), scale(u["digest.series"], sent_days * digest_series)),
            0.0,
            digest_runs,
            digest_runs,
            scale(u["digest.series"], digest_series),
        ),
        "TrainFunction": _training(facts, u["train.series"], n, train_runs),
        # A person's page loads, on demand: nothing in make demo measures how many a month (issue 12's benchmark
        # measures what one costs), so the bill counts none.
        "DashboardFunction": FunctionLoad({}, 0.0, 0.0, 0.0, {}),
        # Once per deploy (CloudFormation's custom resource), not per month.
        "DashboardUsersFunction": FunctionLoad({}, 0.0, 0.0, 0.0, {}),
    }
    for function, unit in (("AnalyzeFunction", "analyze.update"), ("NotifyFunction", "notify.signal")):
        mapping = facts.mappings.get(function)
        per_hour = batches(n, mapping, a.kraken_spacing_s) if mapping and due else 0.0
        per_batch = n / per_hour if per_hour else 0.0
        loads[function] = FunctionLoad(
            scale(u[unit], due), 0.0, per_hour * hours, hours if per_hour else 0.0, scale(u[unit], per_batch)
        )
    return loads


def _ingest(
    facts: TemplateFacts, idle_unit: Work, due_unit: Work, n: int, runs: float, idle: float, due: float, a: Assumptions
) -> dict[str, FunctionLoad]:
    """The scheduled run, and the worker when the hourly tick's Kraken calls outlast ``INGEST_INLINE_SECONDS``.

    Inline (a watchlist the run fetches within its budget even when every series is due): IngestFunction does
    it all, waiting ``kraken_spacing_s`` a series. Fanned out: every tick's cursor reads stay with the planner,
    and each due series' fetch and writes move to IngestWorkerFunction, in chunks of what one worker fetches in
    ``INGEST_CHUNK_SECONDS``; a worker spaces its calls ``concurrency`` times Kraken's interval, so the billed
    wait is the concurrency times the inline run's (the pacing that keeps the source's rate costs Lambda time).
    """
    environment = facts.functions["IngestFunction"].environment if "IngestFunction" in facts.functions else {}
    hours = HOURS_PER_MONTH
    inline_s = float(environment.get("INGEST_INLINE_SECONDS", math.inf))
    worker = "IngestWorkerFunction" in facts.functions
    if not worker or n * a.kraken_spacing_s <= inline_s:
        inline = FunctionLoad(
            add(scale(idle_unit, idle), scale(due_unit, due)),
            due * a.kraken_spacing_s,
            runs,
            hours if runs else 0.0,
            scale(due_unit, n),
            n * a.kraken_spacing_s,
        )
        return {"IngestFunction": inline, **({"IngestWorkerFunction": FunctionLoad({}, 0, 0, 0, {})} if worker else {})}
    concurrency = int(environment.get("INGEST_KRAKEN_CONCURRENCY", 2))
    per_chunk = max(1, int(float(environment.get("INGEST_CHUNK_SECONDS", 120)) // (a.kraken_spacing_s * concurrency)))
    chunks = math.ceil(n / per_chunk)
    ticks = due / n if n else 0.0
    planner = FunctionLoad(scale(idle_unit, idle + due), 0.0, runs, hours if runs else 0.0, scale(idle_unit, n))
    workers = FunctionLoad(
        scale(due_unit, due),
        due * a.kraken_spacing_s * concurrency,
        ticks * chunks,
        # each tick's burst wakes at most ``concurrency`` containers, idle for the hour before
        ticks * min(chunks, concurrency),
        scale(due_unit, per_chunk),
        per_chunk * a.kraken_spacing_s * concurrency,
    )
    return {"IngestFunction": planner, "IngestWorkerFunction": workers}


def _training(facts: TemplateFacts, per_series: Work, n: int, runs: float) -> FunctionLoad:
    """The daily refit: inline up to ``TRAIN_INLINE_SERIES`` series, else one plan and one task per series.

    Fanned out, the longest run is one task (``TRAIN_SERIES_PER_TASK`` series), not the whole watchlist; the
    planner's own run (reading the watchlist, queueing the tasks) is not measured and counted as nothing.
    """
    environment = facts.functions["TrainFunction"].environment if "TrainFunction" in facts.functions else {}
    inline = int(environment.get("TRAIN_INLINE_SERIES", n))
    if n <= inline:
        return FunctionLoad(scale(per_series, runs * n), 0.0, runs, runs, scale(per_series, n))
    per_task = int(environment.get("TRAIN_SERIES_PER_TASK", 1))
    tasks = math.ceil(n / per_task)
    # The queue's mapping runs at most MaximumConcurrency tasks at once, each container reused for the next.
    mapping = facts.mappings.get("TrainFunction")
    lanes = min(tasks, mapping.max_concurrency or tasks) if mapping else tasks
    return FunctionLoad(
        scale(per_series, runs * n), 0.0, runs * (1 + tasks), runs * (1 + lanes), scale(per_series, per_task)
    )


def news_coins_per_run(facts: TemplateFacts, per_coin: Work, coins: int, a: Assumptions) -> int:
    """The coins one NewsFunction run calls: all of them, or as many as its timeout covers after the reserve it
    keeps for the summaries (``news.service``: the others go first in the next run)."""
    function = facts.functions.get("NewsFunction")
    if function is None or not coins:
        return coins
    share = a.cpu_share(function.memory_mb)
    each = _lambda_seconds(per_coin, a.news_request_s, share, a)
    usable = function.timeout_s - summary_reserve_s(function.timeout_s)
    return min(coins, max(1, math.floor(usable / each))) if each > 0 else coins


def _news(facts: TemplateFacts, per_coin: Work, coins: int, runs: float, a: Assumptions) -> FunctionLoad:
    """Each run calls the coins its time covers (all, for a small watchlist); the longest run is that many."""
    served = news_coins_per_run(facts, per_coin, coins, a)
    return FunctionLoad(
        scale(per_coin, runs * served), runs * served * a.news_request_s, runs, runs, scale(per_coin, served),
        served * a.news_request_s,
    )  # fmt: skip


#: NewsAPI's free plan: requests a day (the README's "The NewsAPI key").
NEWSAPI_FREE_REQUESTS_PER_DAY = 100


def estimate(
    facts: TemplateFacts,
    measured: Measured,
    workload: Workload,
    prices: Mapping[str, Any],
    assumptions: Assumptions | None = None,
) -> Estimate:
    """The monthly bill, line by line (list prices), and the always-free tier beside it."""
    a = assumptions or Assumptions()
    result = Estimate(workload)
    loads = function_loads(facts, measured, workload, a)
    everything = add(*(load.work for load in loads.values()))
    invocations = {f: loads[f].invocations if f in loads else 0.0 for f in facts.functions}

    served = news_coins_per_run(facts, measured.units["news.coin"], workload.coins, a)
    if served < workload.coins:
        every = math.ceil(workload.coins / served)
        result.warnings.append(
            f"NewsFunction: a run calls about {served} of the {workload.coins} coins within its "
            f"{facts.functions['NewsFunction'].timeout_s} s timeout; the others go first in the next run, so each "
            f"coin's news is fetched every {every} runs of NewsSchedule instead of every run"
        )
    news_per_day = facts.schedules.get("NewsFunction", 0.0) / DAYS_PER_MONTH * served
    if news_per_day > NEWSAPI_FREE_REQUESTS_PER_DAY:
        result.warnings.append(
            f"NewsAPI (not AWS, not priced here): {workload.coins} coins on the news schedule are "
            f"{news_per_day:,.0f} requests a day, over the free plan's {NEWSAPI_FREE_REQUESTS_PER_DAY}: a paid "
            "plan, fewer coins, or a slower NewsSchedule"
        )
    _kinesis(result, facts, everything, prices["kinesis"])
    _tick_latency(result, facts, measured, workload, a)
    _lambda(result, facts, loads, prices["lambda"], a)
    _dynamodb(result, facts, everything, prices["dynamodb"], a)
    _s3(result, everything, prices["s3"], a, watchlist_checks(facts, invocations))
    _secrets(result, facts, measured, invocations, prices["secrets_manager"])
    _cloudwatch(result, facts, everything, invocations, prices["cloudwatch"], a)
    _xray(result, facts, invocations, prices["xray"])
    _ses(result, facts, measured, workload, prices["ses"], a)
    images = sum(1 for f in facts.functions.values() if f.image)
    item = f"{images} container image (TrainFunction), about {a.image_gb:g} GB"
    result.charge("ECR", item, images * a.image_gb, "GB-month", prices["ecr"]["storage_gb_month"])
    item = (
        "queues: failures, a fanned-out refit's tasks and ingest tick's chunks (within SQS's free million requests); "
        "SNS only alarm emails (1,000 free); schedules are free"
    )
    result.charge("SQS, SNS, EventBridge", item, 0, "", 0.0)
    return result


#: A signal later than this after its candle's update misses the point of an hourly alert: the next ingest tick.
TICK_LATENCY_BUDGET_S = 300.0


def _tick_latency(
    result: Estimate, facts: TemplateFacts, measured: Measured, workload: Workload, a: Assumptions
) -> None:
    """How long the Kinesis consumers take for one tick's burst: every hourly series due at once.

    Lambda reads each shard with ``ParallelizationFactor`` concurrent batches (records of one partition
    key, one symbol, stay in order), so the burst's analysis takes about its updates' billed seconds over
    shards x parallelization, after the batching window. The per-update seconds are make demo's measured
    work at the function's CPU share (see :func:`_lambda_seconds`); the figure ignores cold starts, which
    a burst meets once per concurrent batch.
    """
    unit_of = {"AnalyzeFunction": "analyze.update"}
    for name, mapping in facts.mappings.items():
        stream = facts.streams.get(mapping.source)
        if name not in unit_of or stream is None or name not in facts.functions:
            continue
        function = facts.functions[name]
        share = a.cpu_share(function.memory_mb)
        per_update = _lambda_seconds(measured.units[unit_of[name]], 0.0, share, a)
        lanes = stream.shards * mapping.parallelization
        seconds = mapping.window_s + workload.series * per_update / lanes
        result.throughput.append(
            f"{name}: a tick's {workload.series:,} updates analysed in about {seconds:,.0f} s "
            f"({per_update:.3f} s each at {function.memory_mb} MB, over {stream.shards} shard(s) x "
            f"parallelization {mapping.parallelization} = {lanes} concurrent batches of up to {mapping.batch_size}, "
            f"after a {mapping.window_s:g} s batching window)"
        )
        if seconds > TICK_LATENCY_BUDGET_S:
            wanted = math.ceil(workload.series * per_update / (TICK_LATENCY_BUDGET_S - mapping.window_s))
            result.warnings.append(
                f"{name}: a tick's updates would take about {seconds:,.0f} s to analyse, over "
                f"{TICK_LATENCY_BUDGET_S:g} s: raise AnalyzeParallelization (up to 10) or KinesisShardCount "
                f"to about {wanted} concurrent batches in all"
            )


def _kinesis(result: Estimate, facts: TemplateFacts, work: Work, p: Mapping[str, float]) -> None:
    records, data_gb = work.get("kinesis.records", 0.0), work.get("kinesis.bytes", 0.0) / GB
    hours = HOURS_PER_MONTH
    for name, stream in facts.streams.items():
        if stream.mode == "ON_DEMAND":
            rounded_gb = records * max(1024.0, work.get("kinesis.bytes", 0.0) / max(records, 1.0)) / GB
            result.charge("Kinesis", f"{name}: on demand, all month", hours, "stream-h", p["on_demand_stream_hour"])
            item = f"{name}: {records:,.0f} records in (1 KB each at least)"
            result.charge("Kinesis", item, rounded_gb, "GB", p["on_demand_ingest_per_gb"])
            item = f"{name}: read once by AnalyzeFunction"
            result.charge("Kinesis", item, data_gb, "GB", p["on_demand_retrieval_per_gb"])
            continue
        shard_hours = stream.shards * hours
        item = f"{name}: {stream.shards} provisioned shard(s), all month"
        result.charge("Kinesis", item, shard_hours, "shard-h", p["shard_hour"])
        item = f"{name}: {records:,.0f} records, in PUT payload units (25 KB)"
        result.charge(
            "Kinesis", item, work.get("kinesis.units", 0.0), "units", p["put_payload_units_per_million"] / 1e6
        )
        if stream.retention_hours > 24:
            item = f"{name}: retention {stream.retention_hours} h"
            result.charge("Kinesis", item, shard_hours, "shard-h", p["extended_retention_shard_hour"])


def _lambda(
    result: Estimate, facts: TemplateFacts, loads: Mapping[str, FunctionLoad], p: Mapping[str, float], a: Assumptions
) -> None:
    requests = cold_gb_s = 0.0
    free_gb_s = p["free_gb_seconds"]
    for name, function in facts.functions.items():
        load = loads.get(name)
        if load is None:
            result.charge("Lambda", f"{name}: NOT MODELLED (no measured unit for it)", 0, "GB-s", 0.0)
            continue
        gb = function.memory_mb / 1024
        share = a.cpu_share(function.memory_mb)
        seconds = _lambda_seconds(load.work, load.wait_s, share, a)
        each = seconds / load.invocations if load.invocations else 0.0
        item = f"{name}: {load.invocations:,.0f} runs x {each:,.2f} s at {function.memory_mb} MB"
        longest = _lambda_seconds(load.peak_work, load.peak_wait_s, share, a)
        if longest > function.timeout_s:
            result.warnings.append(
                f"{name}: its longest run would take about {longest:,.0f} s, over its {function.timeout_s} s timeout"
                + ("; lower TrainInlineSeries so the run fans out (a task per series)" if function.image else "")
            )
        result.charge(
            "Lambda",
            item,
            seconds * gb,
            "GB-s",
            p[f"gb_second_{function.architecture}"],
            free=free_gb_s,
            free_item="400,000 GB-s",
        )
        free_gb_s = max(0.0, free_gb_s - seconds * gb)
        cold_gb_s += load.cold_starts * a.cold_start_s * gb
        requests += load.invocations
    item = f"cold starts' init ({a.cold_start_s:g} s each)"
    result.charge("Lambda", item, cold_gb_s, "GB-s", p["gb_second_x86_64"], free=free_gb_s, free_item="400,000 GB-s")
    price = p["requests_per_million"] / 1e6
    result.charge("Lambda", "requests", requests, "requests", price, free=p["free_requests"], free_item="1M requests")


def _lambda_seconds(work: Work, wait_s: float, share: float, a: Assumptions) -> float:
    """Lambda's billed seconds for measured work: the handler's CPU time at the function's CPU share, AWS's
    answers, and the waits outside the measurement (Kraken's spacing, NewsAPI)."""
    return work.get("seconds.handler", 0.0) * share + work.get("aws.requests", 0.0) * a.aws_request_s + wait_s


def _dynamodb(result: Estimate, facts: TemplateFacts, work: Work, p: Mapping[str, float], a: Assumptions) -> None:
    for kind, unit, price in (
        ("read", "RRU", p["read_request_units_per_million"] / 1e6),
        ("write", "WRU", p["write_request_units_per_million"] / 1e6),
    ):
        per_table = {k.rsplit(".", 1)[1]: v for k, v in work.items() if k.startswith(f"dynamodb.{kind}.")}
        result.charge("DynamoDB", f"{kind}s ({_top(per_table)})", sum(per_table.values()), unit, price)
    hot_window_s = float(facts.parameters.get("HotWindowCandles", "1000")) * 3600
    retention = {**TABLE_RETENTION_S, "CandlesTable": hot_window_s}
    stored_gb = pitr_gb = 0.0
    for table, facts_of_table in facts.tables.items():
        monthly = work.get(f"dynamodb.bytes.{table}", 0.0)
        months = min(retention.get(table, math.inf) / (DAYS_PER_MONTH * 86_400), a.history_months)
        gb = monthly * months / GB
        stored_gb += gb
        pitr_gb += gb if facts_of_table.pitr else 0.0
    item = f"storage (each table's TTL, at most {a.history_months} months)"
    result.charge("DynamoDB", item, stored_gb, "GB", p["storage_gb_month"], free=p["free_storage_gb"])
    result.charge("DynamoDB", "point-in-time recovery of the same", pitr_gb, "GB", p["pitr_gb_month"])


def _s3(result: Estimate, work: Work, p: Mapping[str, float], a: Assumptions, checks: float) -> None:
    result.charge(
        "S3", "PUT, COPY, LIST requests", work.get("s3.put", 0.0), "requests", p["put_class_per_thousand"] / 1000
    )
    result.charge("S3", "GET, HEAD requests", work.get("s3.get", 0.0), "requests", p["get_class_per_thousand"] / 1000)
    item = "watchlist checks (HeadObject): at most one a run, and one a minute per warm container"
    result.charge("S3", item, checks, "requests", p["get_class_per_thousand"] / 1000)
    gb = work.get("s3.bytes", 0.0) * a.history_months / GB
    result.charge("S3", f"archive after {a.history_months} months (kept for good)", gb, "GB", p["storage_gb_month"])


#: Reads the watchlist object on every request (``WatchlistReader``), which its measured GETs count: no check.
_READS_EVERY_REQUEST = frozenset({"DashboardFunction"})


def watchlist_checks(facts: TemplateFacts, invocations: Mapping[str, float]) -> float:
    """The HeadObject requests that ask whether the watchlist object changed, a month: at most one per run of each
    function that reads the watchlist from S3 (``adapters.config_source.WatchlistVersion``, once a minute at most
    per warm container; IngestFunction's every-5-minutes runs are about 8,760). A bundled (``file://``) watchlist is
    never checked. Counted per run here, not through the measured units, which are per series (the few checks
    ``make demo`` makes land in them too: a negligible overlap)."""
    return sum(
        runs
        for name, runs in invocations.items()
        if name not in _READS_EVERY_REQUEST
        and facts.functions[name].environment.get("WATCHLIST_URI", "").startswith("s3://")
    )


def _secrets(
    result: Estimate,
    facts: TemplateFacts,
    measured: Measured,
    invocations: Mapping[str, float],
    p: Mapping[str, float],
) -> None:
    own = 1 if facts.parameters.get("CoinGeckoApiKeySecretName") else 0
    secrets = facts.secrets + own
    item = f"{secrets} secret(s) (NewsAPI key, email link key{', CoinGecko key' if own else ''})"
    result.charge("Secrets Manager", item, secrets, "secrets", p["secret_month"])
    calls = sum(measured.secrets_calls_per_run.get(f, 0.0) * n for f, n in invocations.items())
    result.charge("Secrets Manager", "GetSecretValue calls", calls, "calls", p["api_calls_per_10k"] / 10_000)


def _cloudwatch(
    result: Estimate,
    facts: TemplateFacts,
    work: Work,
    invocations: Mapping[str, float],
    p: Mapping[str, float],
    a: Assumptions,
) -> None:
    alarm_metrics = sum(facts.alarm_metrics.values())
    item = f"{len(facts.alarm_metrics)} alarms, {alarm_metrics} metrics evaluated"
    price = p["alarm_metric_month"]
    result.charge("CloudWatch alarms", item, alarm_metrics, "alarm metrics", price, free=p["free_alarm_metrics"])
    item = (
        f"{len(EMITTED)} EMF metrics (telemetry/catalog.py) + {len(SES_EVENT_METRICS)} SES event metrics, "
        "each as if published every hour"
    )
    metrics = len(EMITTED) + len(SES_EVENT_METRICS)
    price = p["custom_metric_month"]
    result.charge("CloudWatch metrics", item, metrics, "metrics", price, free=p["free_custom_metrics"])
    item = f"{facts.dashboards} dashboard"
    price = p["dashboard_month"]
    result.charge("CloudWatch dashboard", item, facts.dashboards, "dashboards", price, free=p["free_dashboards"])
    logged_gb = (work.get("log_bytes", 0.0) + sum(invocations.values()) * a.platform_log_bytes) / GB
    item = "ingested (the functions' JSON lines, EMF metrics, Lambda's own lines)"
    result.charge("CloudWatch Logs", item, logged_gb, "GB", p["logs_ingestion_per_gb"], free=p["free_logs_gb"])
    days = max(facts.log_retention_days.values(), default=30)
    item = f"stored ({days} days' retention, uncompressed: an upper bound)"
    result.charge("CloudWatch Logs", item, logged_gb * days / DAYS_PER_MONTH, "GB", p["logs_storage_gb_month"])


def _xray(result: Estimate, facts: TemplateFacts, invocations: Mapping[str, float], p: Mapping[str, float]) -> None:
    traces = sum(n for f, n in invocations.items() if facts.functions[f].traced)
    item = "traces (Tracing: Active; at these rates nearly every invocation is sampled)"
    price = p["traces_recorded_per_million"] / 1e6
    result.charge("X-Ray", item, traces, "traces", price, free=p["free_traces"])


def _ses(
    result: Estimate,
    facts: TemplateFacts,
    measured: Measured,
    workload: Workload,
    p: Mapping[str, float],
    a: Assumptions,
) -> None:
    weeks = DAYS_PER_MONTH / 7
    alerts = workload.series * workload.alerts_per_week * weeks
    market = a.market_emails_per_week * weeks * workload.recipients
    digests = DAYS_PER_MONTH * workload.recipients if facts.schedules.get("DigestFunction") else 0.0
    emails = alerts + market + digests
    sent = [measured.units[k] for k in ("notify.signal", "digest.series")]
    messages = sum(w.get("ses.messages", 0.0) for w in sent)
    size = sum(w.get("ses.bytes", 0.0) for w in sent) / messages if messages else a.email_bytes
    item = (
        f"{emails:,.0f} emails: alerts at the budget ({workload.alerts_per_week:g} a week a series), "
        "market emails, daily digests"
    )
    result.charge("SES", item, emails, "emails", p["emails_per_thousand"] / 1000)
    item = f"their bytes, charts included (about {size / 1000:,.0f} KB each)"
    result.charge("SES", item, emails * size / GB, "GB", p["attachments_per_gb"])


def _top(values: Mapping[str, float]) -> str:
    ranked = sorted(values.items(), key=lambda kv: -kv[1])[:3]
    total = sum(values.values()) or 1.0
    return ", ".join(f"{name.removesuffix('Table')} {value / total:.0%}" for name, value in ranked) or "none"


def format_estimate(result: Estimate, prices: Mapping[str, Any], measured: Measured, a: Assumptions) -> str:
    w = result.workload
    out = [
        f"crypto-advisor: {w.series} hourly series, news for {w.coins} coins, {w.recipients} recipient(s); "
        f"{prices['region']} prices as known on {prices['as_of']} (cli/prices_us_east_1.json)",
        "",
        f"{'component':<22} {'item':<92} {'quantity':>14} {'USD/month':>10}",
    ]
    for component in COMPONENTS:
        for line in (line for line in result.lines if line.component == component):
            quantity = (
                f"{line.quantity:,.0f} {line.unit}" if line.quantity >= 100 else f"{line.quantity:,.3g} {line.unit}"
            )
            out.append(f"{component:<22} {line.item[:92]:<92} {quantity.strip():>14} {line.usd:>10.2f}")
    grouped: dict[str, float] = {}
    for line in result.free:
        grouped[f"{line.component} {line.item}"] = grouped.get(f"{line.component} {line.item}", 0.0) + line.usd
    waived = "; ".join(f"{name} ({usd:.2f})" for name, usd in grouped.items())
    out += [
        f"{'total at list prices':<141} {result.total:>10.2f}",
        f"{'always-free tier (per account, shared with anything else in it):':<141} "
        f"{sum(line.usd for line in result.free):>10.2f}",
        f"  {waived}",
        f"{'total after the always-free tier':<141} {result.total_after_free_tier:>10.2f}",
        *(f"WARNING: {warning}" for warning in result.warnings),
        *(f"throughput: {line}" for line in result.throughput),
        "",
        f"measured per unit ({measured.source}; the handler's CPU time on this machine):",
    ]
    for key, meaning in UNITS.items():
        work = measured.units[key]
        reads = sum(v for k, v in work.items() if k.startswith("dynamodb.read."))
        writes = sum(v for k, v in work.items() if k.startswith("dynamodb.write."))
        out.append(
            f"  {key:<15} {work.get('seconds.handler', 0):7.3f} s CPU, {work.get('aws.requests', 0):5.1f} requests, "
            f"{reads:6.1f} RRU, {writes:6.1f} WRU, "
            f"S3 {work.get('s3.put', 0):4.1f} PUT {work.get('s3.get', 0):4.1f} GET "
            f"{work.get('s3.bytes', 0) / 1000:7.1f} KB, log {work.get('log_bytes', 0) / 1000:6.1f} KB  "
            f"per {meaning} (n={measured.samples.get(key, 0):,.0f})"
        )
    out += ["", "assumptions (nothing here measures them):"]
    out += [f"  {name} = {value}" for name, value in a.__dict__.items()]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--series", type=int, required=True, help="hourly series in the watchlist")
    parser.add_argument("--coins", type=int, help="coins with news (default: one per series)")
    parser.add_argument("--recipients", type=int, default=1, help="digest recipients")
    parser.add_argument("--measured", type=Path, default=REPO / ".local" / "demo" / "logs", help="make demo's logs")
    parser.add_argument("--template", type=Path, default=REPO / "template.yaml")
    parser.add_argument("--prices", type=Path, default=PRICES)
    parser.add_argument("--parameter", action="append", default=[], help="Key=Value, a template parameter")
    parser.add_argument(
        "--train-seconds",
        type=float,
        help="seconds to train one series, instead of the demo's (its models are smaller and its history "
        "719 candles): e.g. TrainFunction's REPORT duration in CloudWatch divided by the series trained",
    )
    args = parser.parse_args(argv)
    parameters = dict(item.split("=", 1) for item in args.parameter)
    try:
        measured = Measured.from_logs(args.measured)
    except (FileNotFoundError, ValueError) as exc:
        print(f"cost: {exc}", file=sys.stderr)
        return 2
    if args.train_seconds is not None:
        train = {**measured.units["train.series"], "seconds.handler": args.train_seconds}
        measured = replace(measured, units={**measured.units, "train.series": train})
    facts = TemplateFacts.from_template(args.template, parameters)
    prices = load_prices(args.prices)
    workload = Workload(series=args.series, coins=args.coins or args.series, recipients=args.recipients)
    assumptions = Assumptions()
    print(format_estimate(estimate(facts, measured, workload, prices, assumptions), prices, measured, assumptions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
