"""A Kinesis mapping's concurrent batches, run by local worker processes at once (``make bench-scale``).

Lambda reads each shard with ``ParallelizationFactor`` concurrent batches, and
keeps the records of one partition key (a symbol) in one of them, in order.
The local runtime's own delivery (``LocalRuntime.deliver_kinesis``) invokes one
batch after another, which measures the work but not the wall time of a burst.
Here the new records of every shard are split into ``shards x parallelization``
lanes by a hash of the partition key, cut into batches of ``BatchSize``, and
each lane is handed to one of a pool of worker processes, which invokes the
function batch after batch with the stack's own configuration (its own
:class:`~crypto_advisor.local.runtime.LocalRuntime` over the same embedded AWS,
logging to its own folder). Lanes run at once, so the wall time is measured
with the workers concurrent, as far as this machine's cores allow.

Not reproduced: retries and the on-failure destination (a failed record is
counted, not retried; the bench expects none), and the batching window (a
figure the projection adds).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crypto_advisor.local.runtime import LocalRuntime
from crypto_advisor.local.shards import KinesisShard
from crypto_advisor.local.stack import EmbeddedAws, Stack

_worker: LocalRuntime | None = None


def _start_worker(port: int, stack: dict[str, Any], repo_root: Path, log_root: Path) -> None:
    global _worker  # one runtime per worker process, as Lambda keeps a container per concurrent batch
    here = Stack(aws=EmbeddedAws(port=port), **stack)
    _worker = LocalRuntime(here, repo_root=repo_root, log_dir=log_root / f"worker-{os.getpid()}")


def _run_lane(function: str, batches: list[list[dict[str, Any]]]) -> tuple[int, int]:
    """Invoke ``function`` with each batch in turn; (invocations, records that failed)."""
    assert _worker is not None
    failed = 0
    for records in batches:
        response = _worker.invoke(function, {"Records": records}) or {}
        failed += len(response.get("batchItemFailures", []))
    return len(batches), failed


@dataclass(frozen=True)
class LaneRun:
    """One burst's delivery: how many records, batches and lanes, the wall time, and the records that failed."""

    records: int
    batches: int
    lanes: int
    seconds: float
    failed: int
    #: the partition keys of each batch, in delivery order (which batch held which symbol)
    batch_keys: list[list[str]]


class StreamLanes:
    """The Kinesis mapping of ``function``, delivered lane by lane by ``workers`` processes at once."""

    def __init__(self, runtime: LocalRuntime, function: str, *, workers: int | None = None) -> None:
        self._runtime = runtime
        self._function = function
        [self._mapping] = [m for m in runtime.event_source_mappings(function) if ":kinesis:" in m["EventSourceArn"]]
        self._shards = KinesisShard.all_of(runtime.stack.aws.client("kinesis"), self._mapping)
        self._checkpoints: dict[str, str | None] = {s.shard_id: None for s in self._shards}
        self.parallelization = int(self._mapping.get("ParallelizationFactor", 1))
        self.batch_size = int(self._mapping.get("BatchSize", 100))
        self.lanes = len(self._shards) * self.parallelization
        stack = runtime.stack
        # through JSON: the parsed template's nodes are classes of cfn-lint's that do not pickle
        picklable = json.loads(
            json.dumps(
                {
                    "name": stack.name,
                    "sam_template": stack.sam_template,
                    "outputs": stack.outputs,
                    "physical_ids": stack.physical_ids,
                }
            )
        )
        assert runtime.log_dir is not None, "the workers log beside the runtime"
        self._pool = ProcessPoolExecutor(
            max_workers=workers or self.lanes,
            # spawn, not fork: the parent runs the embedded AWS's server thread
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(stack.aws.port, picklable, runtime.repo_root, runtime.log_dir),
        )

    def close(self) -> None:
        self._pool.shutdown()

    def skip(self) -> int:
        """Move past every record now in the stream without delivering it (a seeding tick); how many."""
        return sum(len(records) for records in self._new_records())

    def deliver(self) -> LaneRun:
        """Deliver every new record, each lane in its own worker, all lanes at once; timed from first to last."""
        lanes: list[list[list[dict[str, Any]]]] = [[] for _ in range(self.lanes)]
        keys: list[list[list[str]]] = [[] for _ in range(self.lanes)]
        count = 0
        for index, (shard, records) in enumerate(zip(self._shards, self._new_records(), strict=True)):
            split: list[list[dict[str, Any]]] = [[] for _ in range(self.parallelization)]
            for record in records:
                digest = hashlib.md5(record["PartitionKey"].encode(), usedforsecurity=False).digest()
                split[int.from_bytes(digest[:4], "big") % self.parallelization].append(record)
            for lane, part in enumerate(split):
                at = index * self.parallelization + lane
                for start in range(0, len(part), self.batch_size):
                    batch = part[start : start + self.batch_size]
                    lanes[at].append([shard.event_record(r) for r in batch])
                    keys[at].append([r["PartitionKey"] for r in batch])
            count += len(records)
        started = time.perf_counter()
        futures = [self._pool.submit(_run_lane, self._function, batches) for batches in lanes if batches]
        results = [f.result() for f in futures]
        seconds = time.perf_counter() - started
        return LaneRun(
            records=count,
            batches=sum(n for n, _ in results),
            lanes=len(futures),
            seconds=seconds,
            failed=sum(f for _, f in results),
            batch_keys=[batch for lane in keys for batch in lane],
        )

    def _new_records(self) -> list[list[dict[str, Any]]]:
        """Every shard's records after its checkpoint, which moves to the last of them."""
        out = []
        for shard in self._shards:
            records: list[dict[str, Any]] = []
            while page := shard.read(self._checkpoints[shard.shard_id], 10_000):
                records.extend(page)
                self._checkpoints[shard.shard_id] = shard.sequence_number(page[-1])
            out.append(records)
        return out
