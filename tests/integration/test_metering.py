"""The local runtime's metering (``make cost``'s measurement): requests counted in the units AWS bills, against the
embedded AWS, and one line in ``invocations.jsonl`` per invocation."""

from __future__ import annotations

import io
import json
from decimal import Decimal

from crypto_advisor.local.metering import item_size, metered
from tests.conftest import REPO

EVENT = json.loads((REPO / "events" / "news-schedule.json").read_text())


def test_dynamodb_s3_and_kinesis_requests_are_counted_as_aws_bills_them(aws):
    # Given a table, a bucket and a stream in the embedded AWS
    ddb = aws.client("dynamodb")
    ddb.create_table(
        TableName="metered",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "ts", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "ts", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    table = aws.resource("dynamodb").Table("metered")
    aws.client("s3").create_bucket(Bucket="metered-bucket")
    aws.client("kinesis").create_stream(StreamName="metered", ShardCount=1)
    item = {"pk": "x", "close": Decimal("101571.31"), "pad": "a" * 2000}
    size = item_size({"pk": {"S": "x"}, "ts": {"N": "1"}, "close": {"N": "101571.31"}, "pad": {"S": "a" * 2000}})

    # When 10 items of about 2 KB are put, queried back strongly consistent, and read once
    with metered() as usage:
        for ts in range(10):
            table.put_item(Item={**item, "ts": ts})
        table.query(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": "x"}, ConsistentRead=True)
        table.get_item(Key={"pk": "x", "ts": 1})
        aws.client("s3").put_object(Bucket="metered-bucket", Key="a.json", Body=b"{" + b"x" * 4999)
        aws.client("s3").upload_fileobj(io.BytesIO(b"y" * 3000), "metered-bucket", "b")  # s3transfer's threads
        aws.client("s3").get_object(Bucket="metered-bucket", Key="a.json")["Body"].read()
        aws.client("kinesis").put_record(StreamName="metered", Data=b"z" * 30_000, PartitionKey="p")

    # Then writes: a unit per started KB of each item; reads: per started 4 KB of what the Query returned (all
    # ten together, strongly consistent) and half a unit for an eventually consistent GetItem
    # each attribute: its name's bytes and its value's (a number: a byte per two significant digits, plus one)
    assert size == (2 + 1) + (2 + 2) + (5 + 5) + (3 + 2000)
    assert usage.dynamodb_write_units == {"metered": 10 * 2}
    assert usage.dynamodb_bytes_written == {"metered": 10 * size}
    assert usage.dynamodb_read_units == {"metered": -(-10 * size // 4096) + 0.5}
    # And S3 by price class, with the bytes put; Kinesis by 25 KB payload unit
    assert (usage.s3_put_class, usage.s3_get_class, usage.s3_bytes_put) == (2, 1, 5000 + 3000)
    assert (usage.kinesis_records, usage.kinesis_payload_units) == (1, 2)


def test_each_invocation_adds_its_line_with_time_records_and_requests(deployed):
    # Given a watchlist and no NewsAPI key (news off: the function reads the secret and the watchlist)
    deployed.upload_watchlist("series:\n  - {source: kraken, symbol: BTC/USD}\n")
    # (the stack's creation may have run a custom resource's function already: its line comes first)
    log = deployed.runtime.log_dir / "invocations.jsonl"
    before = len(log.read_text().splitlines()) if log.exists() else 0
    # When NewsFunction runs twice
    deployed.runtime.invoke("NewsFunction", EVENT)
    deployed.runtime.invoke("NewsFunction", EVENT)
    # Then two more lines, each with its durations, memory and requests
    lines = [json.loads(x) for x in log.read_text().splitlines()][before:]
    assert [line["function"] for line in lines] == ["NewsFunction", "NewsFunction"]
    for line in lines:
        assert line["duration_ms"] > 0 and 0 < line["cpu_ms"] <= line["process_cpu_ms"]
        assert line["memory_mb"] == 256 and line["records"] is None and not line["failed"]
        assert line["aws"]["requests"]["secretsmanager:GetSecretValue"] >= 1
    assert len({line["request_id"] for line in lines}) == 2
