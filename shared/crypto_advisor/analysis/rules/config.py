"""Building the rules from a watchlist's ``rules`` section: every rule on with its defaults unless overridden.

The section is written by hand, so every mistake in it is reported at once,
each naming the rule and the param, rather than the first one only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from crypto_advisor.analysis.rules.base import Rule
from crypto_advisor.analysis.rules.registry import RULES_BY_ID

RuleConfig = Mapping[str, Mapping[str, Any]]


def _params_type(rule_type: type) -> type:
    return next(f for f in fields(rule_type) if f.name == "params").default_factory  # type: ignore[return-value]


def _coerce(rule_id: str, name: str, raw: Any, default: Any) -> Any:
    """A config value as the type of the param's default (YAML may write ``3`` for ``3.0``)."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise ValueError(f"rule {rule_id!r}: param {name!r} must be a number, got {raw!r}")
    if isinstance(default, int):
        if float(raw) != int(raw):
            raise ValueError(f"rule {rule_id!r}: param {name!r} must be a whole number of candles, got {raw!r}")
        return int(raw)
    if not math.isfinite(raw):
        raise ValueError(f"rule {rule_id!r}: param {name!r} must be finite, got {raw!r}")
    return float(raw)


def _build(rule_id: str, overrides: Any) -> Rule | None:
    rule_type = RULES_BY_ID[rule_id]
    if overrides is None:
        overrides = {}
    if not isinstance(overrides, Mapping):
        raise ValueError(f"rule {rule_id!r}: expected a mapping of params, got {overrides!r}")
    overrides = dict(overrides)
    enabled = overrides.pop("enabled", True)
    if not isinstance(enabled, bool):
        raise ValueError(f"rule {rule_id!r}: 'enabled' must be true or false, got {enabled!r}")
    params_type = _params_type(rule_type)
    defaults = params_type()
    known = [f.name for f in fields(params_type)]
    unknown = [name for name in overrides if name not in known]
    if unknown:
        accepted = f"known params: {', '.join(known)}" if known else "it takes no params"
        raise ValueError(f"rule {rule_id!r}: unknown param {', '.join(map(repr, unknown))} ({accepted}, enabled)")
    values = {name: _coerce(rule_id, name, raw, getattr(defaults, name)) for name, raw in overrides.items()}
    try:
        params = params_type(**values)
    except ValueError as exc:
        raise ValueError(f"rule {rule_id!r}: {exc}") from None
    return rule_type(params) if enabled else None  # type: ignore[call-arg]


def build_rules(config: RuleConfig | None = None) -> list[Rule]:
    """Every rule with its defaults, overridden by ``config``; rules with ``enabled: false`` left out.

    Every problem is reported at once, one per line, each naming the rule and
    the param.
    """
    config = {} if config is None else config
    if not isinstance(config, Mapping):
        raise ValueError(f"rule config must be a mapping of rule id to params, got {config!r}")
    problems = [
        f"unknown rule {rule_id!r} (known rules: {', '.join(RULES_BY_ID)})"
        for rule_id in config
        if rule_id not in RULES_BY_ID
    ]
    rules: list[Rule] = []
    for rule_id in RULES_BY_ID:
        try:
            rule = _build(rule_id, config.get(rule_id))
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if rule is not None:
            rules.append(rule)
    if problems:
        raise ValueError("\n".join(problems))
    return rules
