"""EventBridge ``Schedule`` rules, emulated: which rules target a function, and the event a rule delivers.

moto creates the rules from the template but fires none of them; the local
tools invoke a scheduled function at a simulated time instead, with the very
envelope EventBridge would send, so the handler parses the same event in both.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from crypto_advisor.local.stack import ACCOUNT, REGION


def rules_targeting(events_client: Any, function_arn: str) -> list[dict[str, Any]]:
    """Every EventBridge rule with the function among its targets, as ``DescribeRule`` answers."""
    names = events_client.list_rule_names_by_target(TargetArn=function_arn)["RuleNames"]
    return [events_client.describe_rule(Name=n) for n in names]


def scheduled_event(logical_id: str, rules: list[dict[str, Any]], at: datetime) -> dict[str, Any]:
    """The envelope the first enabled rule of ``rules`` delivers at time ``at``."""
    enabled = [r for r in rules if r.get("State") == "ENABLED"]
    if not enabled:
        raise LookupError(f"{logical_id} has no enabled schedule rule in the stack")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [enabled[0]["Arn"]],
        "detail": {},
    }
