"""``make bench-scale``: a thousand hourly series through the local stack, tick after tick (issue 14, part 6).

    python -m crypto_advisor.cli.bench_scale [--series 1000] [--coingecko 10] [--ticks 3] [--history 720]
        [--workers N] [--out .local/bench/scale.json]

The stack is created from ``template.yaml`` on the embedded AWS, with a
watchlist of ``--series`` hourly series: Kraken's BTC/USD (every other series'
market reference) and made-up symbols, ``--coingecko`` of them on a
CoinGecko-like source and the rest on a Kraken-like one. Their candles follow
the simulated market's eight listed paths in turn (``local/market.py``;
a symbol's path costs the analysis the same whatever its name). The sources
are rate limited as the real ones are (:mod:`crypto_advisor.local.rate_limited`):
Kraken's client spaces its public calls 1 s apart, CoinGecko's 2.1 s with a
demo key, which also allows 10,000 calls a month; the calls are counted and the
spacing added up, not slept.

First every series' hot window (``--history`` candles, as far as its source
reaches) and cursor are seeded straight into the embedded DynamoDB
(:mod:`crypto_advisor.local.seeding`; not measured). Then each hourly tick (at minute 1, as the
5-minute schedule's first run after the hour) runs the ingest stage and
delivers the stream's new updates to AnalyzeFunction in the mapping's
concurrent batches (``shards x ParallelizationFactor`` lanes, by worker
processes at once: :mod:`crypto_advisor.local.stream_lanes`). Per tick:

- the planner's time (the scheduled IngestFunction's run), messages and worker
  invocations (none while the ingest is inline), each function's invocations;
- exchange calls per source against its budget for the tick: as many as its
  spacing allows within the 10-minute target, and for CoinGecko its monthly
  allowance's share of an hour (10,000 / 730);
- DynamoDB, S3 and Kinesis requests (all functions), and DynamoDB requests per
  update on the hot path (AnalyzeFunction's reads and writes over its updates,
  and the read units the reads cost);
- signals written (Signals items for the tick's candle);
- the time from the tick to the last signal stored, measured here (ingest, the
  sources' spacing, the lanes' wall time with the workers concurrent) and
  projected for Lambda. The projection: each invocation's handler CPU time at
  the function's CPU share (``1769 / memory``, one vCPU at 1,769 MB) plus 20 ms
  an AWS request (the estimate of ``make cost``, :class:`~crypto_advisor.cli.cost.Assumptions`),
  plus the sources' spacing; the analysis as the mapping's batching window plus
  updates x seconds per update / lanes (Lambda runs the lanes at once; per
  update: the analysis invocations' projected seconds over their updates). The
  two stages are added: no analysis is assumed to start before the last update
  is published, an upper bound.

The ingest stage is pluggable (:class:`IngestStage`): :class:`InlineIngest` is
today's one scheduled run walking every series; a planned fan-out stage adds
its queue's worker invocations. The monthly cost at ``--series`` comes from
``make cost``'s estimate when ``make demo``'s measured work is there
(``.local/demo/logs``). Timed figures live here only, never in a test's assert.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from boto3.dynamodb.conditions import Attr

from crypto_advisor.cli.cost import REPO, Assumptions, Workload, estimate, load_prices
from crypto_advisor.cli.cost_inputs import HOURS_PER_MONTH, Measured, TemplateFacts, logical_table
from crypto_advisor.contracts.market_scan import MAX_TOP, SCAN_CALLS_SOURCE, SCAN_SOURCE
from crypto_advisor.contracts.rate_budgets import COINGECKO_DEMO, KRAKEN, TARGET_S, TickCosts, series_within_target
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.contracts.watchlist import WatchedSeries, Watchlist
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.local.invoker import INVOCATIONS_FILE
from crypto_advisor.local.market import LISTED, SimulatedMarket, SimulatedScanSource, SimulatedSource
from crypto_advisor.local.rate_limited import RateLimitedScan, RateLimitedSource, calls_per_tick
from crypto_advisor.local.runtime import LocalRuntime
from crypto_advisor.local.seeding import seed_hot_windows
from crypto_advisor.local.stack import EmbeddedAws, deploy
from crypto_advisor.local.stream_lanes import StreamLanes

WATCHLIST_KEY = "config/watchlist.yaml"
#: The sources' budgets as the ingest planner knows them: Kraken's public calls 1 s apart, one a series;
#: CoinGecko's with a demo key 2.1 s apart, two a series (the candles, then the volumes), 10,000 a month.
LIMITS = {"kraken": KRAKEN, "coingecko": COINGECKO_DEMO}
#: History limits of the real sources (as ``local/market.simulated_sources``): Kraken 720 candles, CoinGecko 2 days.
MAX_CANDLES = {"kraken": 720, "coingecko": 48}
DYNAMODB_READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems", "ExecuteStatement"})
DYNAMODB_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
LISTED_SYMBOLS = sorted(LISTED)


def bench_symbols(series: int, coingecko: int, scan: int = 0) -> list[tuple[str, str]]:
    """(source, symbol) of each watched series: Kraken's BTC-USD first, then made-up ones (``K0001``, ``G0001``).

    The ``scan`` coins are not watched series (the scan's answer names them, ``scan_coins``): the rest of the
    ``series`` are Kraken's and CoinGecko's.
    """
    if not 0 <= scan <= MAX_TOP:
        raise ValueError(f"--scan must be between 0 and {MAX_TOP} (the largest market scan), not {scan}")
    watched = series - scan
    if not 1 <= coingecko < watched:
        raise ValueError(
            f"--coingecko must be between 1 and {watched - 1} (one of the {watched} series beside the scan's "
            f"{scan} is Kraken's BTC), not {coingecko}"
        )
    kraken = [f"K{i:04d}-USD" for i in range(1, watched - coingecko)]
    return (
        [("kraken", "BTC-USD")]
        + [("kraken", s) for s in kraken]
        + [("coingecko", f"G{i:04d}-USD") for i in range(1, coingecko + 1)]
    )


def scan_coins(scan: int) -> list[str]:
    """The made-up coins of the bench's market scan, in rank order (``S0001-USD``...)."""
    return [f"S{i:04d}-USD" for i in range(1, scan + 1)]


def listed_as(symbol: str) -> str:
    """The listed path a made-up symbol follows: its number picks one of the eight in turn."""
    if symbol in LISTED:
        return symbol
    return LISTED_SYMBOLS[int(symbol[1:5]) % len(LISTED_SYMBOLS)]


def bench_watchlist(symbols: Sequence[tuple[str, str]], history: int, scan: int = 0) -> str:
    lines = [f"defaults: {{timeframe: 1h, backfill_candles: {history}}}", "digest: {enabled: false}", "series:"]
    for source, symbol in symbols:
        extra = f", coingecko_id: {symbol.split('-')[0].lower()}" if source == "coingecko" else ""
        lines.append(f"  - {{source: {source}, symbol: {symbol.replace('-', '/')}{extra}}}")
    if scan:
        lines.append(f"  - {{source: {SCAN_SOURCE}, top: {scan}, vs: usd}}")
    return "\n".join(lines) + "\n"


#: Seconds on Lambda of one invocation line (:func:`projected_seconds` with the template's facts).
SecondsOf = Callable[[Mapping[str, Any]], float]


#: What a tick's ingest is given: the rate-limited sources by name, and the market scan's source.
Fetchers = Mapping[str, RateLimitedSource | RateLimitedScan]


class IngestStage(Protocol):
    """How a tick's candles get in: today's inline run, or a planner and its queues' workers."""

    name: str

    def run(self, runtime: LocalRuntime, at: datetime, sources: Fetchers) -> None: ...

    def fetch_seconds(self, sources: Mapping[str, RateLimitedSource]) -> float:
        """How long the sources' spacing holds the tick's fetching: one run after another, or sources in parallel."""
        ...

    def projected_seconds(
        self, lines: Sequence[Mapping[str, Any]], seconds_of: SecondsOf, sources: Mapping[str, RateLimitedSource]
    ) -> float:
        """The tick's ingest on Lambda, from its invocation lines (the planner's first) and the sources' spacing."""
        ...


@dataclass
class InlineIngest:
    """The scheduled IngestFunction walks every series itself, one source call after another."""

    name: str = "inline"

    def run(self, runtime: LocalRuntime, at: datetime, sources: Fetchers) -> None:
        runtime.tick("IngestFunction", at, sources=dict(sources))

    def fetch_seconds(self, sources: Mapping[str, RateLimitedSource]) -> float:
        return sum(s.waited_s for s in sources.values())

    def projected_seconds(
        self, lines: Sequence[Mapping[str, Any]], seconds_of: SecondsOf, sources: Mapping[str, RateLimitedSource]
    ) -> float:
        return sum(seconds_of(x) for x in lines) + self.fetch_seconds(sources)


WORKER = "IngestWorkerFunction"


@dataclass
class PlannedIngest:
    """The scheduled IngestFunction plans: a source whose due work does not fit its run goes, in chunks, to the
    source's queue, which IngestWorkerFunction consumes (delivered here as the queues' mappings would, after the
    run); the rest is fetched inline. The sources are fetched side by side (each queue's workers together keep its
    source's rate, the inline run fetches the inline sources one after another), so the fetching lasts as long as
    the slowest of them.

    On Lambda the two sides overlap: the run puts the chunks on their queues before its inline work starts
    (``functions/ingest/app.py``), so the ingest lasts as long as the longer of the run (its own seconds plus its
    inline sources' spacing) and the queues' workers. A worker's own work (storing, archiving, publishing a series)
    falls in the spacing between its calls: ccxt's throttle, and the CoinGecko adapter's limiter, wait only what is
    left of the interval since the last call, so a fanned-out source takes the longer of its calls' spacing and its
    workers' seconds over its mapping's concurrency, not their sum (the workers' seconds of every source are divided
    by the narrowest mapping's ``MaximumConcurrency``: an upper bound when more than one source fans out)."""

    name: str = "planned"
    modes: dict[str, str] = field(default_factory=dict)
    concurrency: int = 1

    def run(self, runtime: LocalRuntime, at: datetime, sources: Fetchers) -> None:
        response = runtime.tick("IngestFunction", at, sources=dict(sources)) or {}
        self.modes = {name: str(p["mode"]) for name, p in response.get("plan", {}).get("sources", {}).items()}
        mappings = runtime.event_source_mappings(WORKER)
        # Each queue's mapping caps its own source's workers: the narrowest cap, not their sum, bounds the workers'
        # seconds from above when they are counted together (all of them are Kraken's in the 1,000-series mix).
        self.concurrency = max(1, min((m.get("ScalingConfig", {}).get("MaximumConcurrency", 1) for m in mappings),
                                      default=1))  # fmt: skip
        runtime.deliver_sqs(WORKER, sources=dict(sources))

    def fetch_seconds(self, sources: Mapping[str, RateLimitedSource]) -> float:
        inline = sum(s.waited_s for name, s in sources.items() if self.modes.get(name, "inline") == "inline")
        return max([inline, *(s.waited_s for name, s in sources.items() if self.modes.get(name) == "fan_out")])

    def projected_seconds(
        self, lines: Sequence[Mapping[str, Any]], seconds_of: SecondsOf, sources: Mapping[str, RateLimitedSource]
    ) -> float:
        planner, workers = lines[:1], lines[1:]
        inline = sum(s.waited_s for name, s in sources.items() if self.modes.get(name, "inline") == "inline")
        fanned = max([0.0, *(s.waited_s for name, s in sources.items() if self.modes.get(name) == "fan_out")])
        run_s = sum(seconds_of(x) for x in planner) + inline
        return max(run_s, fanned, sum(seconds_of(x) for x in workers) / self.concurrency)


def ingest_stage(runtime: LocalRuntime) -> IngestStage:
    """The planner and its workers when the stack has them, else today's inline run."""
    return PlannedIngest() if WORKER in runtime.stack.physical_ids else InlineIngest()


@dataclass
class InvocationLog:
    """Every invocation line the runtime and the lanes' workers write, read as it grows."""

    root: Path
    _seen: dict[Path, int] = field(default_factory=dict)

    def new_lines(self) -> list[dict[str, Any]]:
        lines = []
        for path in sorted(self.root.rglob(INVOCATIONS_FILE)):
            text = path.read_text().splitlines()
            lines += [json.loads(x) for x in text[self._seen.get(path, 0) :]]
            self._seen[path] = len(text)
        return lines


def projected_seconds(line: Mapping[str, Any], facts: TemplateFacts, a: Assumptions) -> float:
    """One invocation's seconds on Lambda: its handler CPU time at the function's CPU share, plus AWS's answers."""
    function = facts.functions[line["function"]]
    share = a.cpu_share(function.memory_mb)
    requests = sum(line["aws"]["requests"].values())
    return float(line["cpu_ms"]) / 1000 * share + requests * a.aws_request_s


def requests_by_service(lines: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    totals: dict[str, Counter[str]] = {}
    for line in lines:
        for name, n in line["aws"]["requests"].items():
            service, operation = name.split(":", 1)
            totals.setdefault(service, Counter())[operation] += n
    return {s: dict(sorted(c.items())) for s, c in sorted(totals.items()) if s in ("dynamodb", "s3", "kinesis", "sqs")}


def hot_path(lines: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """AnalyzeFunction's DynamoDB requests per update, by table: what the target of 2 reads and 1 write counts
    (a read is a request, a BatchGetItem of 100 items as one Query; the read units they cost are beside them)."""
    updates = sum(int(line["records"] or 0) for line in lines)
    by_table: dict[str, Counter[str]] = {}
    for line in lines:
        for table, ops in line["aws"].get("dynamodb_requests", {}).items():
            by_table.setdefault(logical_table(table), Counter()).update(ops)
    reads = sum(n for ops in by_table.values() for op, n in ops.items() if op in DYNAMODB_READS)
    writes = sum(n for ops in by_table.values() for op, n in ops.items() if op in DYNAMODB_WRITES)
    # What the requests are billed: read request units (a started 4 KB read strongly consistent, half that
    # eventually: local/metering.py), e.g. a batch's news summaries in one request but a unit or more each.
    read_units = sum(sum(line["aws"].get("dynamodb_read_units", {}).values()) for line in lines)
    return {
        "updates": updates,
        "reads_per_update": round(reads / updates, 3) if updates else None,
        "writes_per_update": round(writes / updates, 3) if updates else None,
        "read_units_per_update": round(read_units / updates, 3) if updates else None,
        "requests_by_table": {t: dict(sorted(ops.items())) for t, ops in sorted(by_table.items())},
    }


def signals_at(runtime: LocalRuntime, candle_ts: int) -> int:
    table = runtime.stack.aws.resource("dynamodb").Table(runtime.stack.outputs["SignalsTableName"])
    kwargs: dict[str, Any] = {"FilterExpression": Attr("ts").eq(candle_ts), "Select": "COUNT"}
    count = 0
    while True:
        page = table.scan(**kwargs)
        count += page["Count"]
        if "LastEvaluatedKey" not in page:
            return count
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@dataclass
class ScanHistory:
    """A scan coin's stored past served as a source serves a series (the seeding's), from the simulated scan."""

    scanner: SimulatedScanSource
    name: str = SCAN_SOURCE

    def fetch_ohlcv(self, watched: WatchedSeries, *, since_ms: int, now_ms: int) -> list[list[Any]]:
        return self.scanner.history(watched, since_ms=since_ms, now_ms=now_ms)


@dataclass
class Bench:
    runtime: LocalRuntime
    stage: IngestStage
    lanes: StreamLanes
    facts: TemplateFacts
    series: int
    market: SimulatedMarket
    log: InvocationLog
    #: the market scan's size (0: no scan)
    scan: int = 0
    assumptions: Assumptions = field(default_factory=Assumptions)

    def simulated(self) -> dict[str, SimulatedSource]:
        return {
            name: SimulatedSource(name, self.market, max_candles=MAX_CANDLES[name], listed_as=listed_as)
            for name in LIMITS
        }

    def scanner(self) -> SimulatedScanSource:
        return SimulatedScanSource(self.market, coins=scan_coins(self.scan), listed_as=listed_as)

    def fetchers(self, sources: Mapping[str, RateLimitedSource]) -> dict[str, RateLimitedSource | RateLimitedScan]:
        """The tick's sources, and the scan's, whose pages are CoinGecko's calls (its client, key and rate)."""
        scan = {SCAN_SOURCE: RateLimitedScan(self.scanner(), sources[SCAN_CALLS_SOURCE])} if self.scan else {}
        return {**sources, **scan}

    def sources(self) -> dict[str, RateLimitedSource]:
        """The simulated sources, rate limited; fresh each tick, so their counts are the tick's."""
        return {name: RateLimitedSource(source, LIMITS[name]) for name, source in self.simulated().items()}

    def seed(self, at: datetime, watchlist: Watchlist, history: int) -> dict[str, Any]:
        """Every series' hot window and cursor as of ``at``, put straight into the embedded DynamoDB
        (:mod:`crypto_advisor.local.seeding`): not a tick, not measured."""
        started = time.perf_counter()
        hot_window = int(self.runtime.function_environment("IngestFunction")["HOT_WINDOW_CANDLES"])
        # The scan's coins as months of hourly scans leave them: their closes, each hour's rolling 24 h volume.
        scanner = self.scanner()
        coins = [
            scan.watched(scan.scan.series_of(coin.split("-")[0]))
            for scan in watchlist.scans
            for coin in scan_coins(scan.scan.top)
        ]
        candles = seed_hot_windows(
            self.runtime.stack,
            [*watchlist, *coins],
            {**self.simulated(), SCAN_SOURCE: ScanHistory(scanner)},
            now_ms=int(at.timestamp() * 1000),
            history=history,
            hot_window=hot_window,
        )
        # NewsFunction's scheduled run, as a deployed stack has had (news off here, no key): it writes each coin's
        # news summary, which the analysis reads one batch at a time instead of a Query per update.
        self.runtime.tick("NewsFunction", at)
        self.lanes.skip()
        self.log.new_lines()
        return {"at": at.isoformat(), "candles": candles, "seconds": round(time.perf_counter() - started, 1)}

    def within_target(
        self,
        ingest: Sequence[Mapping[str, Any]],
        planner: Mapping[str, Any] | None,
        window_s: float,
        analysis_s_per_update: float,
        *,
        updates: int,
        kraken: int,
    ) -> dict[str, Any]:
        """The most Kraken series a tick can hold within the target, from this tick's measured costs on Lambda
        (:func:`~crypto_advisor.contracts.rate_budgets.series_within_target`): the batching window; a fanned-out
        series' worker seconds over the mapping's concurrency beyond what its call's spacing absorbs (see
        :class:`PlannedIngest`; when nothing fanned out, the inline run's seconds per series, all of them: the
        inline run is counted whole); an update's analysis over the lanes; the tick's other updates. The run's
        inline work (the scan, CoinGecko) is on its own side, beside Kraken's workers."""
        a = self.assumptions
        planner_s = projected_seconds(planner, self.facts, a) if planner else 0.0
        workers = [x for x in ingest if x is not planner]
        concurrency = getattr(self.stage, "concurrency", 1)
        if workers and kraken:
            worker_s = sum(projected_seconds(x, self.facts, a) for x in workers) / concurrency / kraken
            per_series = max(0.0, worker_s - KRAKEN.seconds_per_series)
        else:
            per_series = planner_s / max(1, updates)
        fixed = window_s
        costs = TickCosts(
            fixed_s=round(fixed, 1),
            ingest_s_per_series=round(per_series, 4),
            analysis_s_per_update=round(analysis_s_per_update, 4),
        )
        other = updates - kraken
        return {
            "series": series_within_target(KRAKEN, other_updates=other, costs=costs),
            "other_updates": other,
            "costs": {
                "fixed_s": costs.fixed_s,
                "ingest_s_per_series": costs.ingest_s_per_series,
                "analysis_s_per_update": costs.analysis_s_per_update,
            },
        }

    def tick(self, at: datetime) -> dict[str, Any]:
        sources = self.sources()
        fetchers = self.fetchers(sources)
        started = time.perf_counter()
        self.stage.run(self.runtime, at, fetchers)
        ingested = time.perf_counter()
        run = self.lanes.deliver()
        ended = time.perf_counter()
        lines = self.log.new_lines()
        analyze = [x for x in lines if x["function"] == "AnalyzeFunction"]
        ingest = [x for x in lines if x["function"] != "AnalyzeFunction"]
        planner = next((x for x in ingest if x["function"] == "IngestFunction"), None)
        candle_ts = int(at.timestamp() * 1000) // HOUR_MS * HOUR_MS - HOUR_MS
        a = self.assumptions
        fetch_s = self.stage.fetch_seconds(sources)
        ingest_s = self.stage.projected_seconds(ingest, lambda x: projected_seconds(x, self.facts, a), sources)
        updates = sum(int(x["records"] or 0) for x in analyze)
        per_update = sum(projected_seconds(x, self.facts, a) for x in analyze) / updates if updates else 0.0
        mapping = self.facts.mappings["AnalyzeFunction"]
        analysis_s = mapping.window_s + updates * per_update / self.lanes.lanes
        ticks_per_month = HOURS_PER_MONTH
        workers = Counter(x["function"] for x in ingest if x is not planner)
        scan = fetchers.get(SCAN_SOURCE)
        scan_pages = scan.pages if isinstance(scan, RateLimitedScan) else 0
        kraken = sources["kraken"].calls // KRAKEN.calls_per_series
        within = self.within_target(
            ingest, planner, mapping.window_s, per_update / self.lanes.lanes, updates=updates, kraken=kraken
        )
        return {
            "at": at.isoformat(),
            "candle_ts": candle_ts,
            "ingest_stage": self.stage.name,
            "planner_s": round(planner["duration_ms"] / 1000, 2) if planner else None,
            "messages": sum(int(x["records"] or 0) for x in ingest if x is not planner),
            "worker_invocations": dict(workers),
            "invocations": dict(Counter(x["function"] for x in lines)),
            "exchange_calls": {
                name: {
                    "calls": s.calls,
                    "budget": (budget := calls_per_tick(s.budget, TARGET_S, ticks_per_month)),
                    "inside": s.calls <= budget,
                    "paced_s": round(s.waited_s, 1),
                    **({"scan_pages": scan_pages} if name == SCAN_CALLS_SOURCE and scan_pages else {}),
                }
                for name, s in sources.items()
            },
            "kraken_within_target": within,
            "aws_requests": requests_by_service(lines),
            "hot_path": hot_path(analyze),
            "analysis": {
                "records": run.records,
                "batches": run.batches,
                "lanes": run.lanes,
                "failed": run.failed,
                "batches_without_btc": sum(1 for keys in run.batch_keys if "BTC-USD" not in keys),
            },
            "signals_written": signals_at(self.runtime, candle_ts),
            "local": {
                "ingest_s": round(ingested - started, 1),
                "sources_paced_s": round(fetch_s, 1),
                "analysis_s": round(ended - ingested, 1),
                "workers": run.lanes,
                "tick_to_last_signal_s": round(ended - started + fetch_s, 1),
            },
            "lambda": {
                "ingest_s": round(ingest_s, 1),
                "ingest_timeout_s": self.facts.functions["IngestFunction"].timeout_s,
                "seconds_per_update": round(per_update, 4),
                "lanes": self.lanes.lanes,
                "batching_window_s": mapping.window_s,
                "analysis_s": round(analysis_s, 1),
                # The sum of the two figures as printed, so the table adds up
                "tick_to_last_signal_s": round(round(ingest_s, 1) + round(analysis_s, 1), 1),
                "target_s": TARGET_S,
            },
        }


def monthly_cost(series: int, measured: Path, template: Path) -> dict[str, Any]:
    """``make cost SERIES=n``'s totals, when ``make demo`` has measured the work."""
    try:
        work = Measured.from_logs(measured)
    except (FileNotFoundError, ValueError) as exc:
        return {"series": series, "error": f"{exc} (run make demo first)"}
    result = estimate(TemplateFacts.from_template(template), work, Workload(series=series, coins=series), load_prices())
    return {
        "series": series,
        "usd_list": round(result.total, 2),
        "usd_after_free_tier": round(result.total_after_free_tier, 2),
        "warnings": result.warnings,
        "command": f"make cost SERIES={series}",
    }


def format_table(report: Mapping[str, Any]) -> str:
    ticks = report["ticks"]
    rows: list[tuple[str, Any]] = [
        ("planner (IngestFunction run), s", lambda t: t["planner_s"]),
        ("messages / worker invocations", lambda t: f"{t['messages']} / {sum(t['worker_invocations'].values())}"),
        *[
            (
                f"{name} calls / budget",
                (
                    lambda n: (
                        lambda t: "{calls} / {budget}{flag}".format(
                            **t["exchange_calls"][n], flag="" if t["exchange_calls"][n]["inside"] else " OVER"
                        )
                    )
                )(name),
            )
            for name in LIMITS
        ],
        ("DynamoDB requests", lambda t: sum(t["aws_requests"].get("dynamodb", {}).values())),
        ("S3 requests", lambda t: sum(t["aws_requests"].get("s3", {}).values())),
        ("Kinesis requests", lambda t: sum(t["aws_requests"].get("kinesis", {}).values())),
        (
            "hot path reads / writes per update",
            lambda t: f"{t['hot_path']['reads_per_update']} / {t['hot_path']['writes_per_update']}",
        ),
        ("hot path read units per update", lambda t: t["hot_path"]["read_units_per_update"]),
        (
            "analysis batches (without BTC)",
            lambda t: f"{t['analysis']['batches']} ({t['analysis']['batches_without_btc']})",
        ),
        ("signals written", lambda t: t["signals_written"]),
        (
            "local: ingest + paced + analysis, s",
            lambda t: f"{t['local']['ingest_s']} + {t['local']['sources_paced_s']} + {t['local']['analysis_s']}",
        ),
        ("local: tick to last signal, s", lambda t: t["local"]["tick_to_last_signal_s"]),
        ("Lambda: s per update", lambda t: t["lambda"]["seconds_per_update"]),
        ("Lambda: ingest + analysis, s", lambda t: f"{t['lambda']['ingest_s']} + {t['lambda']['analysis_s']}"),
        ("Lambda: tick to last signal, s", lambda t: t["lambda"]["tick_to_last_signal_s"]),
        ("Kraken series within 10 min (measured)", lambda t: t["kraken_within_target"]["series"]),
    ]
    width = max(len(r[0]) for r in rows)
    out = [f"{'tick':<{width}}  " + "  ".join(f"{t['at'][11:16]:>18}" for t in ticks)]
    out += [f"{label:<{width}}  " + "  ".join(f"{cell(t)!s:>18}" for t in ticks) for label, cell in rows]
    cost = report["cost"]
    if "usd_list" in cost:
        out.append(
            f"monthly cost at {cost['series']:,} series: {cost['usd_list']:.2f} USD at list prices, "
            f"{cost['usd_after_free_tier']:.2f} after the free tier ({cost['command']})"
        )
    else:
        out.append(f"monthly cost: {cost['error']}")
    return "\n".join(out)


def run(
    args: argparse.Namespace,
    *,
    aws: EmbeddedAws | None = None,
    stage: IngestStage | None = None,
    stack_name: str = "bench",
    parameters: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The bench on ``aws`` (None: an embedded AWS of its own, stopped after), with ``stage`` (None: the stack's),
    as the stack ``stack_name`` (one embedded AWS holds one stack of a name), deployed with the template's
    ``parameters`` beside its defaults (the tests make a small watchlist fan out with ``IngestInlineSeconds=0``)."""
    symbols = bench_symbols(args.series, args.coingecko, args.scan)
    start = datetime(2026, 11, 30, tzinfo=UTC)
    # The market's paths start a little before the history asked for, so each path is drawn once, short.
    epoch = start - timedelta(hours=args.history + 48)
    market = SimulatedMarket(seed=7, epoch_ms=int(epoch.timestamp() * 1000), market_vol=0.006)
    log_root = Path(args.out).parent / "scale-logs"
    shutil.rmtree(log_root, ignore_errors=True)
    own = aws is None
    aws = aws or EmbeddedAws().start()
    lanes = None
    try:
        overrides = dict(parameters or {})
        stack = deploy(
            aws, REPO / "template.yaml", name=stack_name, parameters={"WatchlistS3Key": WATCHLIST_KEY, **overrides}
        )
        watchlist = bench_watchlist(symbols, args.history, args.scan)
        aws.client("s3").put_object(
            Bucket=stack.outputs["ArchiveBucketName"], Key=WATCHLIST_KEY, Body=watchlist.encode()
        )
        runtime = LocalRuntime(stack, repo_root=REPO, log_dir=log_root)
        lanes = StreamLanes(runtime, "AnalyzeFunction", workers=args.workers)
        bench = Bench(
            runtime=runtime,
            stage=stage or ingest_stage(runtime),
            lanes=lanes,
            facts=TemplateFacts.from_template(REPO / "template.yaml", overrides),
            series=args.series,
            market=market,
            log=InvocationLog(log_root),
            scan=args.scan,
        )
        seed = bench.seed(start + timedelta(minutes=1), parse_watchlist(watchlist), args.history)
        ticks = [bench.tick(start + timedelta(hours=i, minutes=1)) for i in range(1, args.ticks + 1)]
    finally:
        if lanes is not None:
            lanes.close()
        if own:
            aws.stop()
    return {
        "series": args.series,
        "sources": {**{name: sum(1 for s, _ in symbols if s == name) for name in LIMITS}, SCAN_SOURCE: args.scan},
        "history": args.history,
        "seed": seed,
        "ticks": ticks,
        "cost": monthly_cost(args.series, REPO / ".local" / "demo" / "logs", REPO / "template.yaml"),
        "command": (
            f"make bench-scale SERIES={args.series} COINGECKO={args.coingecko} SCAN={args.scan} "
            f"TICKS={args.ticks} HISTORY={args.history}"
        ),
    }


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--series", type=int, default=1000)
    p.add_argument("--coingecko", type=int, default=5, help="series on the CoinGecko-like source (the rest Kraken)")
    p.add_argument(
        "--scan", type=int, default=500, help="coins of the market scan (coingecko-markets top N), among --series"
    )
    p.add_argument("--ticks", type=int, default=3, help="hourly ticks after the seeding one")
    p.add_argument("--history", type=int, default=720, help="candles each series is seeded with")
    p.add_argument("--workers", type=int, help="local worker processes (default: one per lane)")
    p.add_argument("--out", type=Path, default=REPO / ".local" / "bench" / "scale.json")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    report = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(format_table(report))
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
