"""What the messages the planners put on their queues share: a schema name and version, a numbered chunk of series.

Both fan-outs (the daily refit's training tasks, an ingest tick's chunks) cut
a list of series into numbered chunks, one message each, and check a message
the same way when a worker takes it: JSON, the right schema and version, a
chunk number in ``[0, chunks)``, a non-empty list of valid series keys. Each
message type names what it is in its errors.
"""

from __future__ import annotations

import json
from typing import Any

from crypto_advisor.contracts.series import Series


class MessageError(ValueError):
    """A queue message that is not what its queue carries; says what is wrong."""


def parse_chunk_message(text: str, *, schema: str, what: str, error: type[MessageError]) -> dict[str, Any]:
    """The message's body once its schema, chunk numbering and series keys are checked (``error`` otherwise)."""
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{what} must be JSON: {exc}") from exc
    if not isinstance(body, dict) or body.get("schema") != schema or body.get("version") != 1:
        raise error(f"not a {schema} version 1 message")
    chunk, chunks, series = (body.get(k) for k in ("chunk", "chunks", "series"))
    if not isinstance(chunks, int) or not isinstance(chunk, int) or not 0 <= chunk < chunks:
        raise error(f"chunk must be an integer in [0, chunks), got chunk={chunk!r} chunks={chunks!r}")
    if not isinstance(series, list) or not series:
        raise error("series must be a non-empty list of series keys")
    for key in series:
        try:
            Series.parse(str(key))
        except ValueError as exc:
            raise error(f"series {key!r}: {exc}") from exc
    return body


def positive_ms(body: dict[str, Any], name: str, error: type[MessageError]) -> int:
    """``body[name]`` as epoch milliseconds, or ``error`` naming it."""
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise error(f"{name} must be a positive integer (epoch ms), got {value!r}")
    return value
