"""A fanned-out training run in S3: ``reports/train/<run ms>/`` holds its plan, each task's part and its report."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.adapters.chunk_queue import ChunkQueue
from crypto_advisor.adapters.objects import S3Objects, read_json_object, write_json_object
from crypto_advisor.contracts.archive_keys import training_run_prefix
from crypto_advisor.contracts.errors import StorageError


class TrainingRunReports:
    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def _put(self, key: str, document: dict[str, Any]) -> str:
        return write_json_object(S3Objects(self._s3, self._bucket), key, document)

    def put_plan(self, run_ms: int, plan: dict[str, Any]) -> None:
        self._put(training_run_prefix(run_ms) + "plan.json", plan)

    def plan(self, run_ms: int) -> dict[str, Any] | None:
        """The run's plan, None when the run planned nothing (yet)."""
        return read_json_object(S3Objects(self._s3, self._bucket), training_run_prefix(run_ms) + "plan.json")

    def put_part(self, run_ms: int, chunk: int, part: dict[str, Any]) -> None:
        self._put(f"{training_run_prefix(run_ms)}parts/{chunk:06d}.json", part)

    def _part_keys(self, run_ms: int) -> list[str]:
        prefix = training_run_prefix(run_ms) + "parts/"
        try:
            pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=prefix)
            return [o["Key"] for page in pages for o in page.get("Contents", [])]
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"listing the parts under {prefix}: {exc}") from exc

    def part_count(self, run_ms: int) -> int:
        """How many tasks have reported: a listing, no object read (every task asks)."""
        return len(self._part_keys(run_ms))

    def parts(self, run_ms: int) -> list[dict[str, Any]]:
        """Every part, read once, by the task that completed the set."""
        try:
            return [
                json.loads(self._s3.get_object(Bucket=self._bucket, Key=k)["Body"].read())
                for k in self._part_keys(run_ms)
            ]
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"reading the parts of run {run_ms}: {exc}") from exc

    def put_report(self, run_ms: int, report: dict[str, Any]) -> str:
        return self._put(training_run_prefix(run_ms) + "report.json", report)


class TrainingQueue(ChunkQueue):
    """The training queue (SQS): one message per task, sent ten at a time."""

    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        super().__init__(sqs_client, queue_url, what="training tasks")
