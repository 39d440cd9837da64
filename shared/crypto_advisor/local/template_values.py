"""A template's values without a stack: parameters (given, else their defaults), conditions, and placeholders.

CloudFormation resolves ``!Ref``, ``!Sub`` and ``!If`` when it creates a
stack. Two tools need the answers before there is one: ``make cost`` (how many
shards, which schedules, how long logs are kept, which alarms exist) and the
placeholder ``events/env.json`` (which output holds a bucket's name). This is
just enough of the intrinsics for both; a resource's own attributes, which
only a stack has, become a placeholder naming the output that holds them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


class TemplateValueError(ValueError):
    """An intrinsic function this resolver does not evaluate."""


class TemplateValues:
    """Evaluates a template's values against its parameters (``parameters`` first, then each ``Default``)."""

    def __init__(self, template: Mapping[str, Any], parameters: Mapping[str, str] | None = None) -> None:
        self.parameters: Mapping[str, Any] = template.get("Parameters", {})
        self.given = dict(parameters or {})
        self.conditions: Mapping[str, Any] = template.get("Conditions", {})
        self.outputs = {
            json.dumps(output["Value"], sort_keys=True): key for key, output in template.get("Outputs", {}).items()
        }

    def value(self, node: Any) -> str:
        """The node as a string: a literal, a parameter's value, or a placeholder for what only a stack knows."""
        if isinstance(node, Mapping):
            [(function, argument)] = node.items()
            if function == "Ref":
                return self.ref(str(argument))
            if function == "Fn::Sub":
                return self.sub(str(argument))
            if function == "Fn::If":
                condition, when_true, when_false = argument
                return self.value(when_true if self.condition(condition) else when_false)
            if function == "Fn::GetAtt":
                resource, attribute = argument if isinstance(argument, list) else str(argument).split(".", 1)
                return self._output_or(node, f"<{resource}.{attribute} of your stack>")
            raise TemplateValueError(f"cannot evaluate {function} without a stack")
        return str(node)

    def ref(self, name: str) -> str:
        if name == "AWS::StackName":
            return "<your stack name>"
        if name == "AWS::Region":
            return "<your region>"
        if name in self.given:
            return self.given[name]
        if name in self.parameters:
            parameter = self.parameters[name]
            return str(parameter["Default"]) if "Default" in parameter else f"<the {name} parameter>"
        return self._output_or({"Ref": name}, f"<{name} of your stack>")

    def sub(self, text: str) -> str:
        """``Fn::Sub``: ``${Name}`` becomes its value, ``${!Name}`` the literal ``${Name}`` (as CloudFormation)."""
        out, rest = [], text
        while "${" in rest:
            before, _, after = rest.partition("${")
            name, _, rest = after.partition("}")
            if name.startswith("!"):
                out += [before, "${" + name[1:] + "}"]
            else:
                out += [before, self.ref(name) if "." not in name else f"<{name} of your stack>"]
        return "".join([*out, rest])

    def condition(self, node: Any) -> bool:
        """A condition by name (``Conditions:``) or an inline ``Fn::Equals``/``Not``/``And``/``Or``."""
        if isinstance(node, str):
            return self.condition(self.conditions[node])
        [(function, argument)] = node.items()
        if function == "Fn::Equals":
            left, right = (self.value(a) for a in argument)
            return left == right
        if function == "Fn::Not":
            return not self.condition(argument[0])
        if function == "Fn::And":
            return all(self.condition(a) for a in argument)
        if function == "Fn::Or":
            return any(self.condition(a) for a in argument)
        if function == "Condition":
            return self.condition(str(argument))
        raise TemplateValueError(f"cannot evaluate the condition {function}")

    def exists(self, resource: Mapping[str, Any]) -> bool:
        """Whether a resource with a ``Condition`` is created with these parameters."""
        return "Condition" not in resource or self.condition(str(resource["Condition"]))

    def _output_or(self, node: Mapping[str, Any], fallback: str) -> str:
        output = self.outputs.get(json.dumps(node, sort_keys=True))
        return f"<{output} output of your stack>" if output else fallback
