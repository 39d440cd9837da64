"""Everything a Kinesis stream of the embedded AWS holds, for reports and tests that check what was published."""

from __future__ import annotations

import json
from typing import Any


def read_stream(aws_client: Any, stream_name: str) -> list[dict[str, Any]]:
    """Every record in a Kinesis stream, oldest first per shard (for reports and tests)."""
    records: list[dict[str, Any]] = []
    for shard in aws_client.describe_stream(StreamName=stream_name)["StreamDescription"]["Shards"]:
        iterator = aws_client.get_shard_iterator(
            StreamName=stream_name, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = aws_client.get_records(ShardIterator=iterator, Limit=1000)
            records.extend(page["Records"])
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
    return records


def decode_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The JSON documents the records carry (the candle updates ingest publishes)."""
    return [json.loads(r["Data"]) for r in records]
