"""``make demo``'s look at the ingest fan-out: a tick too large for one run, fetched chunk by chunk by the workers.

The demo's own watchlist fits IngestFunction's run (its calls take seconds of
the 120 s ``IngestInlineSeconds``), as a watchlist of up to about 120 Kraken
series does. What a larger one gets is shown on a second stack of the same
template, deployed beside the demo's with ``IngestInlineSeconds=0`` (no due
work fits the run, so every source with due series fans out, as Kraken's does
past 120 series): the scheduled run plans and queues the chunks, the queues'
event source mappings (emulated from ``template.yaml``) hand them to
IngestWorkerFunction one at a time, and each chunk's log line says what it
stored. The main demo's story is untouched.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from crypto_advisor.local.market import SimulatedMarket, simulated_sources
from crypto_advisor.local.runtime import LocalRuntime
from crypto_advisor.local.stack import EmbeddedAws, deploy

STACK = "crypto-advisor-fan-out"
WATCHLIST_KEY = "config/watchlist.yaml"
#: Four Kraken series and a CoinGecko one, LUNA unlisted (it fails alone, inside its chunk).
WATCHLIST = """
defaults: {timeframe: 1h, backfill_candles: 48}
series:
  - {source: kraken, symbol: BTC/USD}
  - {source: kraken, symbol: ETH/USD}
  - {source: kraken, symbol: SOL/USD}
  - {source: kraken, symbol: LUNA/USD}
  - {source: coingecko, symbol: HYPE/USD, coingecko_id: hyperliquid}
"""


def show_fan_out(aws: EmbeddedAws, log_dir: Path, at: datetime, market: SimulatedMarket) -> dict[str, Any]:
    """Deploy the second stack, run one tick there, deliver its chunks, and print what each stage did."""
    repo = Path(__file__).resolve().parents[3]
    stack = deploy(
        aws,
        repo / "template.yaml",
        name=STACK,
        parameters={"WatchlistS3Key": WATCHLIST_KEY, "IngestInlineSeconds": "0"},
    )
    aws.client("s3").put_object(Bucket=stack.outputs["ArchiveBucketName"], Key=WATCHLIST_KEY, Body=WATCHLIST.encode())
    runtime = LocalRuntime(stack, repo_root=repo, log_dir=log_dir)
    sources = simulated_sources(market)
    planned = runtime.tick("IngestFunction", at, sources=sources)
    answers = runtime.deliver_sqs("IngestWorkerFunction", sources=sources)
    lines = [json.loads(x) for x in (log_dir / "IngestWorkerFunction.log").read_text().splitlines() if x[:1] == "{"]
    chunks = [x for x in lines if x.get("message") == "ingest chunk"]
    plan = planned["plan"]["sources"]
    print(
        f"\nIngest at scale, on a second stack ({STACK}, IngestInlineSeconds=0: nothing fits the run, as Kraken past "
        "120 series does at the default):"
    )
    for source, p in plan.items():
        print(f"  IngestFunction's plan: {source} {p['mode']}, {p['due']} series due, {p['chunks']} chunk(s) queued")
    print(f"  IngestFunction fetched {len(planned['series'])} series itself; its queues' mappings ran IngestWorker"
          f"Function {len(answers)} times, one chunk each:")  # fmt: skip
    for c in chunks:
        failed = f", failed alone: {', '.join(c['failed'])}" if c["failed"] else ""
        print(
            f"    {c['source']} chunk {c['chunk'] + 1} of {c['chunks']}: {c['series']} series, "
            f"{c['stored']} candles stored{failed}"
        )
    return {
        "stack": STACK,
        "plan": {s: {"mode": p["mode"], "due": p["due"], "chunks": p["chunks"]} for s, p in plan.items()},
        "inline_series": len(planned["series"]),
        "worker_runs": len(answers),
        "item_failures": sum(len(a.get("batchItemFailures", [])) for a in answers),
        "chunks": [
            {k: c[k] for k in ("source", "chunk", "chunks", "series", "stored", "failed", "tick_ms")} for c in chunks
        ],
    }
