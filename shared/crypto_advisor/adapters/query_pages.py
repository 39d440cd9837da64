"""A DynamoDB Query followed through all its pages: every reader of a day or a window needs it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def query_items(table: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """The items of ``table.query(**kwargs)``, page after page (DynamoDB stops a page at 1 MB).

    Errors are the caller's to translate: botocore's ``ClientError`` and
    ``BotoCoreError`` pass through, raised where the caller iterates.
    """
    while True:
        page = table.query(**kwargs)
        yield from page["Items"]
        if "LastEvaluatedKey" not in page:
            return
        kwargs = {**kwargs, "ExclusiveStartKey": page["LastEvaluatedKey"]}
