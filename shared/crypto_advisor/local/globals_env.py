"""The environment ``template.yaml``'s Globals give every function, read without the local stack's libraries.

The benchmarks' fresh interpreters import a handler as Lambda does, so they set what the template sets for every
function (``PYDANTIC_DISABLE_PLUGINS`` changes a cold import); reading it from the template keeps the two from drifting
apart. PyYAML with the template's short-form tags read as opaque values is enough for that: importing
:mod:`crypto_advisor.local.stack` (moto, the SAM translator, cfn-lint) would add about a second and 90 MB to the
benchmark's own process, which ``make bench`` reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class _TemplateLoader(yaml.SafeLoader):
    """SafeLoader that reads ``!Ref``, ``!Sub`` and the other short forms as ``{tag: value}``, not as an error."""


def _short_form(loader: yaml.SafeLoader, tag: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {tag: value}


_TemplateLoader.add_multi_constructor("!", _short_form)


def global_environment(path: Path) -> dict[str, str]:
    """The Globals' ``Environment.Variables`` with literal values, as Lambda gets them (numbers and booleans as
    text); a value CloudFormation computes (``!Ref``, ``!If``...) and an empty one are left out."""
    template = yaml.load(path.read_text(), Loader=_TemplateLoader)  # noqa: S506 - SafeLoader plus inert tags
    variables = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    out: dict[str, str] = {}
    for name, value in variables.items():
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, (str, int, float)) and str(value):
            out[name] = str(value)
    return out
