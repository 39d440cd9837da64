"""The embedded DynamoDB's Query reads its partition, not the whole table (``make bench-scale`` at 1,000 series).

moto 5.2 answers a table Query (no index) by sorting **every item of the
table** (``Table.all_items``) and keeping those of the queried partition. With
a thousand series' hot windows in the Candles table (720,000 items) that is a
sort of 720,000 items for each series' window read (``py-spy`` over ``make
bench-scale SERIES=60 HISTORY=100``, a table of 6,000 items: already a third of
the embedded server's samples, in ``all_items``), a cost of the harness that
grows with the table, not of DynamoDB, whose Query reads one partition. Here, while a table Query runs,
``all_items`` gives it that partition's items alone (moto's Query then
filters, sorts by the range key, pages and projects exactly as before), so the
answers are the same and the time no longer grows with the table. Scans, and
Queries on an index, are moto's own. The flag is per thread: the embedded
server answers requests on several threads at once.
"""

from __future__ import annotations

import threading
from typing import Any

_querying = threading.local()


def dynamodb_queries_by_partition() -> None:
    """Patch moto's DynamoDB ``Table`` once per process (idempotent)."""
    from moto.dynamodb.models.table import Table

    if getattr(Table.query, "by_partition", False):
        return
    query, all_items = Table.query, Table.all_items

    def partition_query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name is not None or hash_key is None:
            return query(self, hash_key, *args, **kwargs)
        _querying.partition = (self, hash_key)
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            _querying.partition = None

    def partition_items(self: Table) -> list[Any]:
        table, hash_key = getattr(_querying, "partition", None) or (None, None)
        if table is not self:
            return all_items(self)
        found = self.items.get(hash_key)
        if found is None:
            return []
        return list(found.values()) if self.range_key_attr else [found]

    partition_query.by_partition = True  # type: ignore[attr-defined]
    Table.query = partition_query  # type: ignore[method-assign]
    Table.all_items = partition_items  # type: ignore[method-assign]
