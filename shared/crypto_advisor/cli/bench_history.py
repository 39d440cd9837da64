"""``make bench-history``: the daily refit's S3 requests per series and run, full read vs training history (issue 14).

    python -m crypto_advisor.cli.bench_history [--days 365] [--coins 1000] [--out .local/bench/history.json]

On the embedded AWS, one hourly series is archived as the hourly ingest
archives it, one object per tick (``CandleArchive.put``: one object per UTC day
and write), for ``--days`` days (not measured). Then the refit's read after the
last day is metered (:mod:`crypto_advisor.local.metering`) two ways: today's
full read (:meth:`CandleArchive.read`, one GET per object ever archived), and
the training history's (:class:`~crypto_advisor.adapters.training_history.TrainingHistory`)
on the day after its first run, which is what every later day costs. Both must
return the same candles (checked).

The projection for a top-``--coins`` market scan's refit, from the counted
requests: coins x requests per coin x an AWS request's answer time
(``make cost``'s :attr:`~crypto_advisor.cli.cost.Assumptions.aws_request_s`,
20 ms; AWS's S3 performance whitepaper puts small requests' median latency "in
the tens of milliseconds"), divided by the readers working at once (the full
read's scan read its coins one after the other; the history's reads
:data:`~crypto_advisor.training.scan.READERS` coins at a time). The training
itself is not in it. And the month's S3 request bill of those reads, a refit a day, at the list prices of
``make cost`` (``cli/prices_us_east_1.json``).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crypto_advisor.adapters.archive import CandleArchive
from crypto_advisor.adapters.training_history import TrainingHistory
from crypto_advisor.cli.cost import Assumptions, load_prices
from crypto_advisor.cli.cost_inputs import DAYS_PER_MONTH
from crypto_advisor.contracts.archive_keys import training_history_key
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.local.metering import Usage, metered
from crypto_advisor.local.stack import EmbeddedAws
from crypto_advisor.training.scan import READERS

START = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1000)
SERIES = Series.parse("kraken:BTC-USD:1h")
BUCKET = "bench-history"


def _candle(hour: int) -> Candle:
    price = 100.0 + (hour % 97)
    return Candle(START + hour * HOUR_MS, price, price + 1.0, price - 1.0, price, 10.0)


def _counts(usage: Usage) -> dict[str, int]:
    lists = sum(n for op, n in usage.requests.items() if op.startswith("s3:List"))
    return {
        "get": usage.s3_get_class,
        "list": lists,
        "put": usage.s3_put_class - lists,
        "total": usage.s3_get_class + usage.s3_put_class,
    }


def run(days: int, coins: int, aws: EmbeddedAws, bucket: str = BUCKET) -> dict[str, Any]:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=bucket)
    archive = CandleArchive(s3, bucket)
    history = TrainingHistory(s3, bucket)

    def ingest(hours: range) -> None:
        with ThreadPoolExecutor(max_workers=8) as pool:  # seeding only, not measured
            list(pool.map(lambda h: archive.put(SERIES, [_candle(h)]), hours))

    ingest(range(days * 24))
    with metered() as usage:
        full = archive.read(SERIES)
    before = _counts(usage)
    assert history.read(SERIES) == full  # the first run: a full read, and the history written
    ingest(range(days * 24, (days + 1) * 24))
    with metered() as usage:
        incremental = history.read(SERIES)
    after = _counts(usage)
    if incremental != archive.read(SERIES):
        raise AssertionError("the training history read other candles than the full read")

    latency = Assumptions().aws_request_s
    price = load_prices()["s3"]

    def monthly_usd(counts: dict[str, int]) -> float:
        per_run = (
            counts["get"] * price["get_class_per_thousand"]
            + (counts["list"] + counts["put"]) * price["put_class_per_thousand"]
        )
        return round(coins * DAYS_PER_MONTH * per_run / 1000, 2)

    return {
        "days": days,
        "objects": days * 24,
        #: what one GET of the history carries (it grows with the archive, a request does not)
        "history_bytes": s3.head_object(Bucket=bucket, Key=training_history_key(SERIES))["ContentLength"],
        "per_series_per_run": {"full_read": before, "training_history": after},
        "scan_projection": {
            "coins": coins,
            "aws_request_s": latency,
            "full_read": {
                "readers": 1,
                "minutes": round(coins * before["total"] * latency / 60, 1),
                "s3_requests_usd_month": monthly_usd(before),
            },
            "training_history": {
                "readers": READERS,
                "minutes": round(coins * after["total"] * latency / READERS / 60, 1),
                "s3_requests_usd_month": monthly_usd(after),
            },
        },
    }


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--days", type=int, default=365, help="days of hourly objects archived before the refit")
    p.add_argument("--coins", type=int, default=1000, help="the market scan's size for the projection")
    p.add_argument("--out", type=Path, default=Path(".local/bench/history.json"))
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    aws = EmbeddedAws().start()
    try:
        report = run(args.days, args.coins, aws)
    finally:
        aws.stop()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    runs = report["per_series_per_run"]
    scan = report["scan_projection"]
    print(f"one hourly series, {args.days} days archived ({report['objects']} objects), S3 requests per refit:")
    for name, counts in runs.items():
        print(f"  {name:17} {counts['total']:6} ({counts['get']} GET, {counts['list']} LIST, {counts['put']} PUT)")
    print(f"  (the history object: {report['history_bytes']:,} bytes gzipped)")
    print(f"top-{args.coins} scan's archive reads at {scan['aws_request_s'] * 1000:.0f} ms a request:")
    for name in runs:
        at = scan[name]
        usd = at["s3_requests_usd_month"]
        print(f"  {name:17} {at['minutes']:8} min ({at['readers']} at a time), {usd} USD a month")
    print(f"-> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
