"""Lambda event filtering, the subset this project's event source mappings use.

Lambda drops the records that match none of a mapping's ``FilterCriteria``
patterns before it invokes the function; the local event sources do the same
so that a filtered-out record costs no invocation locally either. Only
equality (with a value, or with any element of an array) is reproduced: an
operator such as ``prefix`` is refused rather than silently ignored, so a
mapping that needs more fails loudly here instead of passing records through.
"""

from __future__ import annotations

import json
from typing import Any

Pattern = dict[str, Any]

_ABSENT = object()


def filter_patterns(mapping: dict[str, Any]) -> list[Pattern]:
    """The patterns of an event source mapping as the Lambda API describes it (none: every record passes)."""
    return [json.loads(f["Pattern"]) for f in mapping.get("FilterCriteria", {}).get("Filters", [])]


def passes(patterns: list[Pattern], record: dict[str, Any]) -> bool:
    """No pattern lets everything through; otherwise any one pattern must match, as in Lambda."""
    return not patterns or any(_matches(pattern, record) for pattern in patterns)


def _matches(pattern: Pattern, data: Any) -> bool:
    for key, expected in pattern.items():
        value = data.get(key, _ABSENT) if isinstance(data, dict) else _ABSENT
        if isinstance(expected, dict):
            if not _matches(expected, value):
                return False
        elif isinstance(expected, list):
            if not any(_matches_rule(rule, value) for rule in expected):
                return False
        else:
            raise ValueError(f"filter pattern {pattern}: {key!r} must map to a list or an object")
    return True


def _matches_rule(rule: Any, value: Any) -> bool:
    """Equality with a value, or with any element of an array: the patterns this project's mappings use."""
    if isinstance(rule, dict):
        raise NotImplementedError(f"filter rule {rule} is not reproduced locally (only equality is)")
    if isinstance(value, list):
        return rule in value
    return value is not _ABSENT and value == rule
