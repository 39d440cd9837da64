"""``make redrive``'s listing of what waits, when one object cannot be read: S3 answers with an error for it (it went
since the listing: another redrive moved it, or the lifecycle expired it). A small fake S3 stands in for the bucket;
tests/integration/test_redrive.py shows the command on the embedded AWS."""

from __future__ import annotations

import json
from io import BytesIO
from typing import Any

from botocore.exceptions import ClientError

from crypto_advisor.cli.redrive import Redrive

SHARD = "aws/lambda/mapping-uuid/shardId-1/2024/05/01"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:notify"


class FakeBucket:
    """Lists ``listed``; answers GetObject from ``stored`` and NoSuchKey for a key listed but no longer stored."""

    def __init__(self, listed: list[str], stored: dict[str, bytes]) -> None:
        self._listed = listed
        self._stored = stored

    def get_paginator(self, operation: str) -> FakeBucket:
        assert operation == "list_objects_v2"
        return self

    def paginate(self, **_: Any) -> list[dict[str, Any]]:
        return [{"Contents": [{"Key": key} for key in self._listed]}]

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        if Key not in self._stored:
            raise ClientError({"Error": {"Code": "NoSuchKey", "Message": "gone"}}, "GetObject")
        return {"Body": BytesIO(self._stored[Key])}


def batch_record() -> bytes:
    record = {"requestContext": {"functionArn": ARN, "condition": "RetryAttemptsExhausted"}, "payload": {"Records": []}}
    return json.dumps(record).encode()


def test_an_object_gone_since_the_listing_is_named_with_why_and_the_others_still_wait():
    # Given two parked keys listed, the older gone by the time it is read
    gone, kept = f"{SHARD}/2024-05-01T00.00.00-a", f"{SHARD}/2024-05-01T01.00.00-b"
    redrive = Redrive(FakeBucket([kept, gone], {kept: batch_record()}), "parked", lambda arn, event: {})
    # When the command lists what waits
    waiting = redrive.waiting()
    # Then the readable batch is there to replay, and the other is set aside with its key and S3's answer
    assert [batch.key for batch in waiting.batches] == [kept]
    [skipped] = waiting.unreadable
    assert skipped.key == gone and "NoSuchKey" in skipped.why
    assert skipped.line().startswith(f"skipped {gone}: could not be read")
