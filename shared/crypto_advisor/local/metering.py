"""What one invocation asked of AWS, as AWS would bill it: the local stand-in for the bill's usage lines.

The embedded AWS does not meter anything (moto answers ``ReturnConsumedCapacity``
with a constant), so the local runtime meters the requests themselves: while a
handler runs, every botocore request the process makes (s3transfer uploads from
threads of its own) is seen on its way out and back (``BaseClient._make_request``: after serialisation, before the
response is turned into Python values), and counted in the units AWS bills:

- DynamoDB request units from the items' own sizes, by AWS's sizing rules: a
  write is one unit per started KB of the item, a read one per started 4 KB of
  what a GetItem, BatchGetItem or Query returned (a Query adds its items up
  first), halved for eventually consistent reads, doubled in transactions. Two
  approximations: an ``UpdateItem`` or ``DeleteItem`` is billed on the stored
  item, which the request does not carry, so it counts the key and new values
  (the small items this code updates: claims, pointers, grades); a Query with a
  filter is billed on the items it read, and only those it returned are seen.
- S3 requests by price class (PUT, COPY, POST, LIST; GET, HEAD) and the bytes put.
- Kinesis records, their bytes and PUT payload units (25 KB each).
- Every other service: requests by operation (Secrets Manager, SES, SQS...), and SES's message bytes.

:mod:`crypto_advisor.cli.cost` turns these into the monthly estimate.
"""

from __future__ import annotations

import base64
import contextlib
import json
import math
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from botocore.client import BaseClient

WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096
KINESIS_PAYLOAD_UNIT_BYTES = 25 * 1024
S3_PUT_CLASS = frozenset(
    {
        "PutObject",
        "CopyObject",
        "CreateMultipartUpload",
        "UploadPart",
        "CompleteMultipartUpload",
        "ListObjects",
        "ListObjectsV2",
        "ListObjectVersions",
        "PutObjectTagging",
    }
)
S3_GET_CLASS = frozenset({"GetObject", "HeadObject", "GetObjectTagging", "SelectObjectContent"})


@dataclass
class Usage:
    """One invocation's requests in billing units; :meth:`as_dict` is what the invocation log keeps."""

    requests: Counter[str] = field(default_factory=Counter)
    #: DynamoDB requests per table and operation (``{"table": {"Query": 2}}``): what "reads per update" counts
    dynamodb_requests: dict[str, Counter[str]] = field(default_factory=dict)
    dynamodb_read_units: dict[str, float] = field(default_factory=dict)
    dynamodb_write_units: dict[str, float] = field(default_factory=dict)
    #: bytes of the items written, per table (what the table's storage grows by, before TTL removes them)
    dynamodb_bytes_written: dict[str, int] = field(default_factory=dict)
    s3_put_class: int = 0
    s3_get_class: int = 0
    s3_bytes_put: int = 0
    kinesis_records: int = 0
    kinesis_bytes: int = 0
    kinesis_payload_units: int = 0
    ses_messages: int = 0
    ses_bytes: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": dict(sorted(self.requests.items())),
            "dynamodb_requests": {t: dict(sorted(c.items())) for t, c in sorted(self.dynamodb_requests.items())},
            "dynamodb_read_units": _rounded(self.dynamodb_read_units),
            "dynamodb_write_units": _rounded(self.dynamodb_write_units),
            "dynamodb_bytes_written": dict(sorted(self.dynamodb_bytes_written.items())),
            "s3_put_class": self.s3_put_class,
            "s3_get_class": self.s3_get_class,
            "s3_bytes_put": self.s3_bytes_put,
            "kinesis_records": self.kinesis_records,
            "kinesis_bytes": self.kinesis_bytes,
            "kinesis_payload_units": self.kinesis_payload_units,
            "ses_messages": self.ses_messages,
            "ses_bytes": self.ses_bytes,
        }

    def add(self, service: str, operation: str, request: Mapping[str, Any], response: Mapping[str, Any]) -> None:
        self.requests[f"{service}:{operation}"] += 1
        if service == "dynamodb":
            self._dynamodb(operation, request, response)
        elif service == "s3":
            self._s3(operation, request)
        elif service == "kinesis":
            self._kinesis(operation, request)
        elif service in ("ses", "sesv2") and operation.startswith("Send"):
            self.ses_messages += 1
            self.ses_bytes += _ses_message_bytes(request)

    def _read(self, table: str, units: float) -> None:
        self.dynamodb_read_units[table] = self.dynamodb_read_units.get(table, 0.0) + units

    def _write(self, table: str, units: float, size: int = 0) -> None:
        self.dynamodb_write_units[table] = self.dynamodb_write_units.get(table, 0.0) + units
        if size:
            self.dynamodb_bytes_written[table] = self.dynamodb_bytes_written.get(table, 0) + size

    def _dynamodb(self, operation: str, request: Mapping[str, Any], response: Mapping[str, Any]) -> None:
        table = str(request.get("TableName", ""))
        tables = request.get("RequestItems", {}) if operation.startswith("Batch") else {table: None}
        if operation == "TransactWriteItems":
            tables = {str(next(iter(e.values())).get("TableName", "")): None for e in request.get("TransactItems", [])}
        for name in tables:
            self.dynamodb_requests.setdefault(str(name), Counter())[operation] += 1
        consistency = 1.0 if request.get("ConsistentRead") else 0.5
        if operation == "PutItem":
            size = item_size(request.get("Item", {}))
            self._write(table, write_units(size), size)
        elif operation in ("UpdateItem", "DeleteItem"):
            values = request.get("ExpressionAttributeValues", {})
            self._write(table, write_units(item_size(request.get("Key", {})) + item_size(values)))
        elif operation == "BatchWriteItem":
            for name, writes in request.get("RequestItems", {}).items():
                for write in writes:
                    size = item_size(write.get("PutRequest", {}).get("Item", write.get("DeleteRequest", {})))
                    self._write(name, write_units(size), size if "PutRequest" in write else 0)
        elif operation == "TransactWriteItems":
            for entry in request.get("TransactItems", []):
                [(kind, body)] = entry.items()
                size = item_size(body.get("Item", body.get("Key", {})))
                self._write(str(body.get("TableName", "")), 2 * write_units(size), size if kind == "Put" else 0)
        elif operation == "GetItem":
            self._read(table, consistency * read_units(item_size(response.get("Item", {}))))
        elif operation == "BatchGetItem":
            for name, items in response.get("Responses", {}).items():
                consistent = request.get("RequestItems", {}).get(name, {}).get("ConsistentRead")
                for item in items:
                    self._read(name, (1.0 if consistent else 0.5) * read_units(item_size(item)))
        elif operation in ("Query", "Scan"):
            total = sum(item_size(item) for item in response.get("Items", []))
            self._read(table, consistency * read_units(total))

    def _s3(self, operation: str, request: Mapping[str, Any]) -> None:
        if operation in S3_PUT_CLASS:
            self.s3_put_class += 1
        elif operation in S3_GET_CLASS:
            self.s3_get_class += 1
        if operation in ("PutObject", "UploadPart"):
            self.s3_bytes_put += _body_length(request)

    def _kinesis(self, operation: str, request: Mapping[str, Any]) -> None:
        if operation == "PutRecord":
            records = [request]
        elif operation == "PutRecords":
            records = list(request.get("Records", []))
        else:
            return
        for record in records:
            size = len(base64.b64decode(record.get("Data", ""))) + len(str(record.get("PartitionKey", "")).encode())
            self.kinesis_records += 1
            self.kinesis_bytes += size
            self.kinesis_payload_units += max(1, math.ceil(size / KINESIS_PAYLOAD_UNIT_BYTES))


def write_units(size: int) -> int:
    return max(1, math.ceil(size / WRITE_UNIT_BYTES))


def read_units(size: int) -> int:
    return max(1, math.ceil(size / READ_UNIT_BYTES))


def item_size(item: Mapping[str, Any]) -> int:
    """The size DynamoDB bills for an item in its wire form (``{"name": {"S": "..."}}``), by AWS's published rules."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: Mapping[str, Any]) -> int:
    [(kind, body)] = value.items()
    if kind == "S":
        return len(str(body).encode())
    if kind == "N":
        return _number_size(str(body))
    if kind == "B":
        return len(base64.b64decode(body)) if isinstance(body, str) else len(body)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(v).encode()) for v in body)
    if kind == "NS":
        return sum(_number_size(str(v)) for v in body)
    if kind == "BS":
        return sum(len(base64.b64decode(v)) if isinstance(v, str) else len(v) for v in body)
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in body)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_size(v) for k, v in body.items())
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def _number_size(text: str) -> int:
    """One byte per two significant digits, plus one (leading and trailing zeros do not count)."""
    digits = Decimal(text).normalize().as_tuple().digits
    return len(digits) // 2 + len(digits) % 2 + 1


def _body_length(request: Mapping[str, Any]) -> int:
    length = request.get("headers", {}).get("Content-Length")
    if length is not None:
        return int(length)
    body = request.get("body", b"")
    if isinstance(body, bytes | bytearray | str) or hasattr(body, "__len__"):  # s3transfer's chunks have a length
        return len(body)
    with contextlib.suppress(Exception):  # a stream, read by now: its whole length
        position = body.tell()
        end = int(body.seek(0, 2))
        body.seek(position)
        return end
    return 0


def _ses_message_bytes(request: Mapping[str, Any]) -> int:
    data = request.get("RawMessage.Data") or request.get("RawMessage", {}).get("Data", "")
    return len(base64.b64decode(data)) if data else 0


def _request_params(protocol: str, request_dict: Mapping[str, Any]) -> dict[str, Any]:
    """The request's parameters as sent: JSON protocols (DynamoDB, Kinesis, Secrets Manager) carry them as a
    JSON body, the query protocol (SES) as a form, REST ones (S3) as headers and a body."""
    body = request_dict.get("body")
    if protocol == "json" and isinstance(body, bytes | bytearray | str) and body:
        with contextlib.suppress(ValueError):
            return dict(json.loads(body))
    if protocol == "query" and isinstance(body, dict):
        return dict(body)
    return {"headers": dict(request_dict.get("headers", {})), "body": body}


_active: list[Usage] = []
_lock = threading.Lock()
_original_make_request = BaseClient._make_request


def _metered_make_request(self: BaseClient, operation_model: Any, request_dict: Any, request_context: Any) -> Any:
    http, parsed = _original_make_request(self, operation_model, request_dict, request_context)
    if _active:
        model = self.meta.service_model
        params = _request_params(model.protocol, request_dict)
        with _lock:
            for usage in _active:
                usage.add(model.service_name, operation_model.name, params, parsed or {})
    return http, parsed


@contextlib.contextmanager
def metered() -> Iterator[Usage]:
    """Count every AWS request made inside the block, on any thread of the process.

    The local runtime invokes one handler at a time, and the embedded AWS
    answers without botocore, so what is counted is the handler's own.
    """
    usage = Usage()
    with _lock:
        BaseClient._make_request = _metered_make_request
        _active.append(usage)
    try:
        yield usage
    finally:
        with _lock:
            _active.remove(usage)


def _rounded(values: Mapping[str, float]) -> dict[str, float]:
    return {k: round(v, 3) for k, v in sorted(values.items())}
