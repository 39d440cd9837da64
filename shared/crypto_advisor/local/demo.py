"""``make demo``: the whole pipeline on the embedded AWS, over a seeded simulated market.

Creates the stack from ``template.yaml``, uploads the demo watchlist to the
archive bucket (the ``WatchlistS3Key`` route a deployed user can take too),
then invokes IngestFunction as its EventBridge schedule would at ticks of a
simulated clock: the first run backfills, a repeated tick adds nothing, a tick
inside the hour finds nothing closed, a three-day outage is caught up (fully
for the Kraken series, and only as far as CoinGecko's two days reach for the
CoinGecko one, which is reported as a gap), then half a day of hourly ticks. After
every tick the Kinesis stream is delivered to AnalyzeFunction as its event
source mapping would, and every new signal to NotifyFunction as the Signals
table's stream would. NewsFunction runs on each tick against a canned NewsAPI
(the real client, made-up answers), so signals carry the news mood.

After the backfill, TrainFunction runs as its daily schedule would: the rules
are replayed over each series' archive (so the emails can quote each rule's
record on the series), the forecast models are evaluated walk-forward (the
model cards are printed) and fitted, and the served version is stored in S3,
from where AnalyzeFunction predicts with it and the emails show the predictions
with their measured skill. The demo ends with what landed per series, read back
from the embedded AWS, the signals with the rules' explanations, every alert
decision (sent, or suppressed with the reason), and the outbox: every email the
embedded SES accepted, as ``.eml`` and as ``.html`` with its chart beside it.
Last, the demo saves its state in ``.local/demo/state/`` (the embedded AWS
dies with the process; ``make dashboard`` restores it, see
:mod:`crypto_advisor.local.demo_state`), signs in to the dashboard headlessly
and saves every page, phone and desktop, light and dark, in
``.local/screenshots/`` (:mod:`crypto_advisor.local.screenshots`; skipped with a
line when there is no chromium), and serves the dashboard at
``http://127.0.0.1:8765`` over that state, printing ``dashboard:``, ``user:``
and ``password:``, until Ctrl-C (``--no-serve``: it ends instead, as the
tests call :func:`run`).

DigestFunction runs on every tick as its hourly schedule would; the daily
digest comes due at the watchlist's 07:00 UTC on the morning after the outage,
and the tick that sends it prints a line.

The seeded market's coins share a common factor (as real coins do), and on
the hour that closes at 06:00 UTC after the outage (:data:`MARKET_SHOCK`) the
whole market drops: every coin feels it at its beta, except DOGE, which the
seeded market gives almost none. That candle makes one market email instead of
one per coin; every alert email shows the coin's move against BTC's and the
4 h and 1 d trends.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crypto_advisor.adapters.archive import CandleArchive
from crypto_advisor.adapters.candle_store import CandleStore
from crypto_advisor.adapters.config_source import load_watchlist
from crypto_advisor.analysis.edge_verdicts import TOO_FEW
from crypto_advisor.analysis.replay import format_table
from crypto_advisor.contracts.alerts import is_market_key
from crypto_advisor.contracts.market_scan import SCAN_SOURCE
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.forecast.card import format_card
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.local.athena_stand_in import ArchiveQueries
from crypto_advisor.local.dashboard import DEFAULT_PORT, save_again, serve_until_stopped
from crypto_advisor.local.demo_fan_out import show_fan_out
from crypto_advisor.local.demo_scan import print_scan, print_scan_model
from crypto_advisor.local.demo_state import save as save_state
from crypto_advisor.local.email_actions import SteeringRoutes, mute_from_email
from crypto_advisor.local.market import SimulatedMarket, SimulatedScanSource, simulated_sources
from crypto_advisor.local.news_feed import demo_news_session
from crypto_advisor.local.outbox import AcceptedEmail, accepted_emails, verify_sender, write_outbox
from crypto_advisor.local.runtime import LocalRuntime, decode_records, read_stream
from crypto_advisor.local.screenshots import look_at_dashboard
from crypto_advisor.local.stack import EmbeddedAws, deploy
from crypto_advisor.notify.context_words import context_lines
from crypto_advisor.notify.format import news_content
from crypto_advisor.wiring.models import model_store

REPO = Path(__file__).resolve().parents[3]
WATCHLIST_KEY = "config/watchlist.yaml"
START = datetime(2026, 11, 1, 0, 1, tzinfo=UTC)
#: The demo's forecast models: the default targets (24 candles ahead, +3%), smaller models and fewer folds,
#: so that training five series on their 719 backfilled candles takes seconds, not minutes.
DEMO_FORECAST = ForecastConfig(folds=3, rf_trees=30, lstm_epochs=4, lstm_hidden=8)
#: The hourly volatility of the seeded market's common factor: coins correlate about 0.7 with BTC, as real ones do.
MARKET_VOL = 0.006
#: The market-wide drop the demo plants: the hourly candle that opens 05:00 UTC on the morning after the outage.
MARKET_SHOCK = (datetime(2026, 11, 4, 5, tzinfo=UTC), -0.035)
#: The HYPE hour for which the (simulated) CoinGecko answer has no volume sample at or before its close: stored
#: with its volume missing (the last hour the demo analyses). HYPE being an hourly CoinGecko series, its volume
#: rules are skipped on every candle anyway (CoinGecko has only a rolling 24-hour volume).
HYPE_NO_VOLUME = int(datetime(2026, 11, 4, 12, tzinfo=UTC).timestamp() * 1000)


def iso(ts_ms: int | None) -> str:
    if ts_ms is None:
        return "-"
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")


def demo_ticks() -> list[tuple[str, datetime]]:
    resumed = START + timedelta(days=3, hours=1)
    return [
        ("first run: backfill", START),
        ("same tick again", START),
        ("5 minutes later", START + timedelta(minutes=5)),
        ("next hour", START + timedelta(hours=1)),
        ("after a 3-day outage", resumed),
        *((f"hour {h} after the outage", resumed + timedelta(hours=h)) for h in range(1, 13)),
    ]


def demo_market() -> SimulatedMarket:
    hour = HOUR_MS
    eth_bad = int((START + timedelta(days=2)).timestamp() * 1000) // hour * hour  # inside the outage
    shock_at, shock = MARKET_SHOCK
    return SimulatedMarket(
        seed=7,
        glitches={("ETH-USD", eth_bad): "high_below_low", ("HYPE-USD", HYPE_NO_VOLUME): "volume_missing"},
        market_vol=MARKET_VOL,
        shocks={int(shock_at.timestamp() * 1000): shock},
    )


def run(
    out: Path,
    watchlist_path: Path,
    keep: Callable[[LocalRuntime], None] | None = None,
    *,
    summarized: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """The demo; ``keep`` is called with the runtime before the embedded AWS stops (``make dashboard`` serves it).

    ``summarized`` gets the run's summary as soon as it is complete, before ``keep``: a caller whose ``keep``
    holds the stack up (the tests' one demo a session, tests/conftest.py) reads it before anything changes it,
    where the summary :func:`run` returns comes only after ``keep`` has returned.
    """
    # Each demo's logs are its own: make cost divides what they hold by what this demo did (the runtime appends).
    shutil.rmtree(out / "logs", ignore_errors=True)
    aws = EmbeddedAws().start()
    aws.reset()
    emails_before = len(accepted_emails())
    try:
        # TrainInlineSeries=4: the demo's seven series are more, so the refit fans out as a large watchlist's does.
        stack = deploy(
            aws, REPO / "template.yaml", parameters={"WatchlistS3Key": WATCHLIST_KEY, "TrainInlineSeries": "4"}
        )
        bucket = stack.outputs["ArchiveBucketName"]
        aws.client("s3").put_object(Bucket=bucket, Key=WATCHLIST_KEY, Body=watchlist_path.read_bytes())
        print(f"embedded AWS at {aws.endpoint}: stack {stack.name} created from template.yaml")
        for key in ("ArchiveBucketName", "CandlesTableName", "CandleStreamName", "IngestFunctionName"):
            print(f"  {key:<20} {stack.outputs[key]}")

        sender = verify_sender(stack)
        # The stack creates the NewsAPI secret empty, as in AWS; the demo puts a (made-up) key in it.
        aws.client("secretsmanager").put_secret_value(
            SecretId=stack.outputs["NewsApiKeySecretArn"], SecretString="demo-key-not-a-real-one"
        )
        print(f"  SES sender           {sender} (verified in the embedded SES)")
        runtime = LocalRuntime(stack, repo_root=REPO, log_dir=out / "logs")
        for function in ("IngestFunction", "NewsFunction"):
            rule = runtime.schedule_rules(function)[0]
            print(f"  schedule rule        {rule['Name']} ({rule['ScheduleExpression']})")
        print()
        market = demo_market()
        sources = simulated_sources(market)
        ingest_sources = {**sources, SCAN_SOURCE: SimulatedScanSource(market)}
        news = demo_news_session()
        ticks, replays, digests = [], [], []
        for index, (label, at) in enumerate(demo_ticks()):
            news_run = runtime.tick("NewsFunction", at, newsapi_session=news)
            result = runtime.tick("IngestFunction", at, sources=ingest_sources)
            # A source the run could not fetch within IngestInlineSeconds went to its queue: the mapping's workers.
            chunks = runtime.deliver_sqs("IngestWorkerFunction", sources=ingest_sources)
            if index == 0 or chunks:
                print_plan(result["plan"], len(chunks))
            if index == 0:
                training = train_fanned_out(runtime, aws, bucket, at)
                replays = print_training(aws, bucket, training)
            analysed = runtime.deliver_kinesis("AnalyzeFunction")
            notified = runtime.deliver_dynamodb_streams("NotifyFunction")
            digest = runtime.tick("DigestFunction", at)
            statuses = Counter(s["status"] for s in result["series"])
            print(
                f"tick {at:%Y-%m-%d %H:%M}Z  {label:<25} stored {result['stored']:>5}  "
                f"rejected {result['rejected']}  new articles {news_run.get('new', 0):>3}  "
                f"analysed batches {len(analysed)}  notify batches {len(notified)}  "
                + "  ".join(f"{k}={v}" for k, v in sorted(statuses.items()))
            )
            ticks.append({"label": label, "at": at.isoformat(), **result, "news": news_run})
            if digest["sent"]:
                digests.append(print_digest(digest))
        # From the email: the first alert's one-click mute, used, and the rule's next firing decided with it.
        routes = SteeringRoutes(runtime, sources)
        muted = mute_from_email(runtime, routes, [e.parsed() for e in accepted_emails()[emails_before:]])
        summary = summarize(aws, stack.outputs, watchlist_path, ticks)
        summary["email_mute"] = muted
        summary["signals"] = print_signals(aws, stack.outputs)
        summary["news"] = print_news(summary["signals"])
        summary["parked"] = runtime.parked
        summary["replay"] = replays
        summary["alerts"] = print_alerts(aws, stack.outputs)
        summary["market_emails"] = print_market_emails(aws, stack.outputs)
        summary["digests"] = digests
        summary["outbox"] = print_outbox(aws, stack.outputs, out / "outbox", accepted_emails()[emails_before:])
        summary["athena"] = print_firings_per_rule(aws, stack.outputs, out / "archive", demo_ticks()[-1][1])
        summary["scan"] = print_scan(aws.client("s3"), bucket, load_watchlist(watchlist_path.resolve().as_uri()))
        summary["scan_model"] = print_scan_model(market, demo_ticks()[-1][1])
        summary["fan_out"] = show_fan_out(aws, out / "logs" / "fan-out", demo_ticks()[-1][1], demo_market())
        # The embedded AWS dies with this process: what the dashboard reads is kept for `make dashboard`.
        print("\n" + save_state(stack, out / "state").line())
        if summarized is not None:
            summarized(summary)
        if keep is not None:
            keep(runtime)
    finally:
        aws.stop()
    out.mkdir(parents=True, exist_ok=True)
    (out / "ingest-summary.json").write_text(json.dumps(summary, indent=2))
    print(f"\nfunction logs (structured JSON, EMF metrics): {out / 'logs'}")
    print(f"summary as JSON: {out / 'ingest-summary.json'}")
    return summary


def print_plan(plan: dict[str, Any], worker_runs: int) -> None:
    """IngestFunction's plan of a tick: each source inline or fanned out, its due series and their seconds of calls."""
    parts = [
        f"{source} {p['mode']} ({p['due']} of {p['watched']} series due, {p['seconds']:g} s of calls"
        + (f" with the market scan's {p['scan_calls']}" if p.get("scan_calls") else "")
        + (f", {p['chunks']} chunks" if p["chunks"] else "")
        + ")"
        for source, p in plan["sources"].items()
    ]
    print(
        f"IngestFunction's plan: {'; '.join(parts)}; inline within IngestInlineSeconds ({plan['inline_seconds']:g} s)"
        + (f"; {worker_runs} IngestWorkerFunction runs through its queues' mappings" if worker_runs else "")
    )


def train_fanned_out(runtime: LocalRuntime, aws: EmbeddedAws, bucket: str, at: datetime) -> dict[str, Any]:
    """TrainFunction's schedule plans the run, its queue's mapping trains a series a task; the run's one report."""
    planned = runtime.tick("TrainFunction", at, config=DEMO_FORECAST)
    if planned.get("mode") != "fanned_out":
        return dict(planned)
    tasks = runtime.deliver_sqs("TrainFunction", config=DEMO_FORECAST)
    key = f"reports/train/{planned['run_ms']}/report.json"
    report = json.loads(aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    print(
        f"\nTrainFunction's schedule: {planned['series']} series, over TrainInlineSeries, so the refit fanned out: "
        f"{planned['tasks']} tasks on TrainQueue, {len(tasks)} invocations through its event source mapping "
        f"(at most TrainConcurrency at once); the run's report: s3://{bucket}/{key} "
        f"(trained {len(report['trained'])}, skipped {len(report['skipped'])}, failed {len(report['failed'])})"
    )
    return dict(report)


def print_training(aws: EmbeddedAws, bucket: str, training: dict[str, Any]) -> list[dict[str, Any]]:
    """What TrainFunction did per series; BTC's replay table and model cards in full; the replay reports."""
    print("\nTrainFunction (daily when deployed): rule replay and forecast models per series, from the S3 archive:")
    store = model_store(aws.client("s3"), bucket)
    reports = []
    for item in training["series"]:
        verdicts = ", ".join(f"{model}: {verdict}" for model, verdict in (item.get("verdicts") or {}).items())
        print(
            f"  {item['series']:<24} {item['status']:<18} {item.get('used') or 0:>4} candles  "
            + (f"pointer {item['pointer']}  {verdicts}" if item["status"] == "trained" else item.get("error") or "")
        )
        if item.get("replay_key"):
            body = aws.client("s3").get_object(Bucket=bucket, Key=item["replay_key"])["Body"].read()
            reports.append(json.loads(body))
    btc = next((i for i in training["series"] if i["series"] == "kraken:BTC-USD:1h"), None)
    if btc and btc.get("replay_key"):
        report = next(r for r in reports if r["series"] == btc["series"])
        print(f"\nreplay of the rules over BTC's archive, stored at s3://{bucket}/{btc['replay_key']}:")
        print(format_table(report))
    print_email_records(reports)
    if btc and btc["status"] == "trained":
        print(f"\nmodel cards of kraken:BTC-USD:1h (walk-forward, out of sample), version {btc['version']}:")
        for card in store.read_cards(Series.parse(btc["series"]), btc["version"]):
            print(format_card(card) + "\n")
    return reports


def print_email_records(reports: list[dict[str, Any]]) -> None:
    """Each series' email record from its replay report: what the alert emails quote as "past alerts"."""
    records = [(r["series"], r["email_record"]) for r in reports if r.get("email_record")]
    if not records:
        return
    print(
        "\nemail records (the emails the live policy would have sent over each archive; directional headlines right "
        "1 / 4 / 24 candles later, of the non-overlapping ones, vs any candle, and the test's verdict), quoted by each "
        "alert email:"
    )
    for key, record in records:
        # As the email words them: a share over the non-overlapping emails its test counts, only once there are enough
        cells = [
            f"{h}: {skill['verdict']} ({skill['blocks']})"
            if skill["verdict"] == TOO_FEW or skill["hit_rate"] is None
            else f"{h}: {skill['hit_rate']:.0%} of {skill['blocks']} vs {skill['base_rate']:.0%} {skill['verdict']}"
            for h, skill in record["horizons"].items()
        ]
        print(f"  {key:<24} {record['emails']:>3} emails ({record['directional']} directional)  " + "  ".join(cells))


def print_alerts(aws: EmbeddedAws, outputs: dict[str, str]) -> list[dict[str, Any]]:
    """Every alert decision NotifyFunction recorded: sent, or suppressed with the reason."""
    table = aws.resource("dynamodb").Table(outputs["NotificationsTableName"])
    # Quiet candles are recorded, not alerts; the daily digest and the market emails keep their own items there.
    items = [i for i in _scan(table) if i.get("reason") != "no_firings" and i.get("kind") not in ("digest", "market")]
    items.sort(key=lambda i: (int(i["ts"]), str(i["series"])))
    reasons = Counter(str(i.get("reason") or "-") for i in items if i.get("status") == "suppressed")
    sent = [i for i in items if i.get("status") == "sent"]
    print(
        f"\nalerts: {len(items)} signals with firings, judged by NotifyFunction's alert policy: {len(sent)} emailed, "
        + ", ".join(f"{n} suppressed ({reason})" for reason, n in reasons.most_common())
    )
    for item in items:
        status = str(item.get("status"))
        said = item.get("subject") if status == "sent" else f"{item.get('reason')}: {item.get('detail', '')}"
        print(f"  {iso(int(item['ts']))}  {item['series']!s:<22} {status:<10} {said}"[:240])
    return [
        {
            **{k: (int(v) if k == "ts" else v) for k, v in i.items() if k in ("series", "ts", "status", "reason")},
            "rules": [str(r) for r in i.get("rules", ())],
        }
        for i in items
    ]


def print_market_emails(aws: EmbeddedAws, outputs: dict[str, str]) -> list[dict[str, Any]]:
    """Every market email NotifyFunction claimed: its candle, the coins it covered, and its subject."""
    table = aws.resource("dynamodb").Table(outputs["NotificationsTableName"])
    items = sorted((i for i in _scan(table) if is_market_key(str(i["series"]))), key=lambda i: int(i["ts"]))
    print(f"\nmarket emails: {len(items)} (one per candle that moved many watched coins the same way):")
    for item in items:
        covers = ", ".join(sorted(str(k) for k in item.get("covers", ())))
        print(f"  {iso(int(item['ts']))}  {item['series']}  {item['status']}  covers {covers}: {item.get('subject')}")
    return [
        {
            "series": str(i["series"]),
            "ts": int(i["ts"]),
            "status": str(i["status"]),
            "covers": sorted(str(k) for k in i.get("covers", ())),
            "subject": i.get("subject"),
        }
        for i in items
    ]


def print_digest(run: dict[str, Any]) -> dict[str, Any]:
    """One line per digest DigestFunction sent on a tick: the local day, when it came due, whom, the subject."""
    for recipient in run["recipients"]:
        if recipient["status"] == "sent":
            print(
                f"  DigestFunction: daily digest of {run['day']} (due {run['due_at']}, {run['timezone']}) sent to "
                f"{recipient['recipient']}, {recipient['series']} series: {recipient['subject']}"
            )
    return {k: run[k] for k in ("day", "due_at", "timezone", "sent")} | {
        "subjects": [r["subject"] for r in run["recipients"] if r["status"] == "sent"]
    }


def print_outbox(aws: EmbeddedAws, outputs: dict[str, str], folder: Path, emails: list[AcceptedEmail]) -> list[str]:
    """The emails the embedded SES accepted during the run, written to ``folder``; their subjects printed.

    moto's SES keeps what it accepted per process, not per server: a stack run
    earlier in the same process (a test session) has its emails there too.
    """
    table = aws.resource("dynamodb").Table(outputs["NotificationsTableName"])
    subjects = write_outbox(folder, table, emails=emails)
    print(
        f"\noutbox: {len(subjects)} emails accepted by the embedded SES, in {folder} (.eml, and .html with its chart):"
    )
    for subject in subjects:
        print(f"  {subject}")
    return subjects


def print_firings_per_rule(aws: EmbeddedAws, outputs: dict[str, str], folder: Path, at: datetime) -> list[dict]:
    """The workgroup's firings-per-rule-per-day query over the demo's archive (DuckDB standing in for Athena)."""
    athena = aws.client("athena")
    workgroup = outputs["ArchiveWorkGroupName"]
    named = [
        athena.get_named_query(NamedQueryId=i)["NamedQuery"]
        for i in athena.list_named_queries(WorkGroup=workgroup)["NamedQueryIds"]
    ]
    [query] = [q for q in named if q["Name"] == "firings-per-rule-per-day"]
    shutil.rmtree(folder, ignore_errors=True)
    rows = ArchiveQueries.from_stack(aws, outputs, folder).run(query["QueryString"], today=at.date())
    print(
        f"\nthe archive in Athena: Glue database {outputs['ArchiveDatabaseName']} (ohlcv, news, firings), workgroup "
        f"{workgroup}; its query firings-per-rule-per-day, run by DuckDB on the archive as of {at:%Y-%m-%d}:"
    )
    print(f"  {'date':<11} {'rule':<30} {'firings':>7} {'held back':>9} {'series':>6}")
    for row in rows:
        print(f"  {row['date']:<11} {row['rule_id']:<30} {row['firings']:>7} {row['held_back']:>9} {row['series']:>6}")
    return rows


def _scan(table: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {}
    while True:
        page = table.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def print_signals(aws: EmbeddedAws, outputs: dict[str, str]) -> list[dict[str, Any]]:
    """Every stored signal with firings, oldest first, with the rules' own explanations."""
    items = _scan(aws.resource("dynamodb").Table(outputs["SignalsTableName"]))
    signals = sorted((Signal.from_json(i["body"]) for i in items), key=lambda s: (s.candle_ts, s.series))
    firing = [s for s in signals if s.firings]
    unhealthy = [s for s in signals if not s.health.healthy]
    print(
        f"\nsignals: {len(signals)} stored (one per series and analysed candle), {len(firing)} with firings, "
        f"{len(unhealthy)} on unhealthy data (their firings suppressed, not dropped):"
    )
    for signal in firing:
        print(f"  {iso(signal.candle_ts)}  {signal.series:<22} close {signal.close:,.4g}")
        for f in signal.firings:
            mark = "SUPPRESSED " if f.suppressed else ""
            print(f"      {mark}{f.rule_id:<20} {f.direction:<8} sev {f.severity}  {f.sentence}")
        for line in context_lines(Series.parse(signal.series), signal.market):
            print(f"      context: {line}")
    by_series: dict[str, list[Signal]] = defaultdict(list)
    for signal in unhealthy:
        by_series[signal.series].append(signal)
    for key, flagged in by_series.items():
        print(
            f"  {key}: {len(flagged)} unhealthy signals, {iso(flagged[0].candle_ts)} .. {iso(flagged[-1].candle_ts)}; "
            f"first reason: {flagged[0].health.reasons[0]}"
        )
    for signal in (s for s in signals if s.skipped):
        print(f"  {iso(signal.candle_ts)}  {signal.series:<22} rules that did not judge this candle:")
        for skip in signal.skipped:
            print(f"      {skip.rule_id:<20} {skip.reason}")
    return [s.model_dump(by_alias=True) for s in signals]


def print_news(signals: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each coin's news as its last signal carries it, in the email's words: stories, languages, entities."""
    print("\nnews (the last signal of each coin, as its email words it: each story once, English only):")
    latest = {}
    for body in signals:
        signal = Signal.from_json(json.dumps(body))
        if signal.news is not None and signal.news.status == "ok":
            latest[signal.news.coin] = signal.news
    shown: dict[str, list[str]] = {}
    for coin, digest in latest.items():
        content = news_content(digest)
        if content is None:
            continue
        lines = [content.summary[0], *content.summary[2:], *([content.in_the_news] if content.in_the_news else [])]
        lines += [
            f"  {h.title} ({h.source}, {h.score}{', ' + h.outlets if h.outlets else ''})" for h in content.headlines[:3]
        ]
        print(f"  {coin}: " + "\n      ".join(lines))
        shown[coin] = lines
    return shown


def summarize(aws: EmbeddedAws, outputs: dict[str, str], watchlist_path: Path, ticks: list[dict]) -> dict[str, Any]:
    watchlist = load_watchlist(watchlist_path.resolve().as_uri())
    store = CandleStore(aws.resource("dynamodb").Table(outputs["CandlesTableName"]), hot_window=10**6)
    archive = CandleArchive(aws.client("s3"), outputs["ArchiveBucketName"])
    records = decode_records(read_stream(aws.client("kinesis"), outputs["CandleStreamName"]))
    per_series_records = Counter(r["series"] for r in records)
    rejected: dict[str, list[dict]] = defaultdict(list)
    gaps: dict[str, list[list[int]]] = defaultdict(list)
    failures: dict[str, str] = {}
    for tick in ticks:
        for item in tick["series"]:
            rejected[item["series"]].extend(item["rejected"])
            gaps[item["series"]].extend(item["gaps"])
            if item["status"] == "failed":
                failures[item["series"]] = item["error"]

    print("\nwhat landed, per series (read back from the embedded AWS):")
    header = f"{'series':<24}{'candles':>8}  {'from':<17}{'to':<17}{'S3 objects':>10}{'Kinesis':>9}  notes"
    print(header)
    print("-" * len(header))
    summary: dict[str, Any] = {"series": []}
    for watched in watchlist:
        series = watched.series
        candles = store.window(series)
        keys = archive.keys(series)
        notes = []
        if series.key in failures:
            notes.append(f"FAILED: {failures[series.key]}")
        for r in rejected[series.key]:
            notes.append(f"rejected {iso(r['ts'])}: {r['reason']}")
        for gap_first, gap_last in gaps[series.key]:
            notes.append(f"gap the source could not fill: {iso(gap_first)} .. {iso(gap_last)}")
        no_volume = [c.ts for c in candles if c.volume is None]
        if no_volume:
            notes.append(f"volume missing (stored as NULL, not 0): {', '.join(map(iso, no_volume))}")
        first = candles[0].ts if candles else None
        last = candles[-1].ts if candles else None
        print(
            f"{series.key:<24}{len(candles):>8}  {iso(first):<17}{iso(last):<17}{len(keys):>10}"
            f"{per_series_records[series.key]:>9}  " + ("; ".join(notes) or "ok")
        )
        summary["series"].append(
            {
                "series": series.key,
                "candles": len(candles),
                "first_ts": first,
                "last_ts": last,
                "s3_objects": len(keys),
                "kinesis_records": per_series_records[series.key],
                "rejected": rejected[series.key],
                "gaps": gaps[series.key],
                "failed": failures.get(series.key),
                "volume_missing": no_volume,
            }
        )
    summary["ticks"] = ticks
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / ".local" / "demo")
    parser.add_argument("--watchlist", type=Path, default=REPO / "config" / "demo-watchlist.yaml")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="where the dashboard is served at the end")
    parser.add_argument(
        "--no-serve", action="store_true", help="end after the pictures instead of serving the dashboard (tests, CI)"
    )
    args = parser.parse_args()
    look = look_at_dashboard(REPO / ".local" / "screenshots")

    def keep(runtime: LocalRuntime) -> None:
        """The last steps: every page pictured in .local/screenshots/, then the dashboard served until Ctrl-C."""
        look(runtime)
        if not args.no_serve:
            serve_until_stopped(
                runtime,
                port=args.port,
                sources=simulated_sources(demo_market()),
                # what was changed in the dashboard is kept for `make dashboard`, as the pipeline's state was
                on_stop=lambda: save_again(runtime.stack, args.out / "state"),
            )

    run(args.out, args.watchlist, keep=keep)


if __name__ == "__main__":
    main()
