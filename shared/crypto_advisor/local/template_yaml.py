"""``template.yaml`` read with PyYAML alone: its short-form tags as CloudFormation's long forms, nothing resolved.

For the tools that only look at the template (``make size``, the Docker-less build's zip template, the benchmarks'
environment): :mod:`crypto_advisor.local.stack` reads it through cfn-lint for the local stack, and importing that
(moto, the SAM translator, cfn-lint) would add about a second and 90 MB to a benchmark's own process, which
``make bench`` reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that reads CloudFormation short-form tags (!Ref, !GetAtt, !Sub, ...) as dicts."""


def _cfn_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    if tag_suffix == "Condition":
        return {"Condition": value}
    return {f"Fn::{tag_suffix}": value}


_CfnLoader.add_multi_constructor("!", _cfn_tag)


def load_template(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        loader = _CfnLoader(f)
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    if not isinstance(data, dict):
        raise SystemExit(f"{path}: not a template")
    return data


def global_environment(path: Path) -> dict[str, str]:
    """The variables the Globals give every function, with literal values, as Lambda gets them (numbers and booleans
    as text); a value CloudFormation computes (``!Ref``, ``!If``...) and an empty one are left out.

    Why: a benchmark's fresh interpreter imports a handler as Lambda does, so it sets what the template sets for every
    function (``PYDANTIC_DISABLE_PLUGINS`` changes a cold import); reading it here keeps the two from drifting apart.
    """
    variables = load_template(path).get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    out: dict[str, str] = {}
    for name, value in variables.items():
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, (str, int, float)) and str(value):
            out[name] = str(value)
    return out
