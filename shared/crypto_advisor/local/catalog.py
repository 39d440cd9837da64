"""The archive's Glue tables and Athena workgroup on the embedded AWS, created from template.yaml's own resources.

moto's CloudFormation skips ``AWS::Glue::*`` and ``AWS::Athena::*``, so
:func:`crypto_advisor.local.stack.deploy` takes them out of the template before
creating the stack and this module creates each through the Glue and Athena
APIs with the properties the template gives it (intrinsics resolved against the
created stack), so a test reads the catalog a deployed stack would have. moto
keeps the catalog; it does not run SQL (``make athena-check`` is not a thing:
the named queries are checked by parsing them against the tables' columns).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crypto_advisor.local.template_values import TemplateValues

CATALOG_TYPES = ("AWS::Glue::Database", "AWS::Glue::Table", "AWS::Athena::WorkGroup", "AWS::Athena::NamedQuery")


class _StackValues(TemplateValues):
    """Template values with a created stack's answers: pseudo parameters and every resource's physical id."""

    def __init__(self, template: Mapping[str, Any], parameters: Mapping[str, str], known: Mapping[str, str]) -> None:
        super().__init__(template, parameters)
        self.known = dict(known)

    def ref(self, name: str) -> str:
        return self.known[name] if name in self.known else super().ref(name)

    def resolve(self, node: Any) -> Any:
        """``node`` with every intrinsic function evaluated, recursively."""
        if isinstance(node, Mapping):
            if len(node) == 1 and (next(iter(node)) == "Ref" or next(iter(node)).startswith("Fn::")):
                return self.value(node)
            return {k: self.resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self.resolve(v) for v in node]
        return node


def take_catalog(cfn: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Remove the catalog's resources (and the outputs naming them) from ``cfn``; returns them by logical id."""
    taken = {k: r for k, r in cfn["Resources"].items() if r["Type"] in CATALOG_TYPES}
    for logical_id in taken:
        del cfn["Resources"][logical_id]
    outputs = cfn.get("Outputs", {})
    for key in [k for k, o in outputs.items() if isinstance(o["Value"], dict) and o["Value"].get("Ref") in taken]:
        del outputs[key]
    return taken


def create_catalog(
    aws: Any,
    template: Mapping[str, Any],
    catalog: Mapping[str, Mapping[str, Any]],
    *,
    parameters: Mapping[str, str],
    known: Mapping[str, str],
) -> dict[str, str]:
    """Create the catalog's resources, databases first; returns each logical id's name (its ``!Ref``)."""
    values = _StackValues(template, parameters, known)
    glue, athena = aws.client("glue"), aws.client("athena")
    order = {kind: i for i, kind in enumerate(CATALOG_TYPES)}
    for logical_id, resource in sorted(catalog.items(), key=lambda item: order[item[1]["Type"]]):
        props = values.resolve(resource.get("Properties", {}))
        kind = resource["Type"]
        if kind == "AWS::Glue::Database":
            glue.create_database(CatalogId=props["CatalogId"], DatabaseInput=props["DatabaseInput"])
            name = props["DatabaseInput"]["Name"]
        elif kind == "AWS::Glue::Table":
            glue.create_table(
                CatalogId=props["CatalogId"], DatabaseName=props["DatabaseName"], TableInput=props["TableInput"]
            )
            name = props["TableInput"]["Name"]
        elif kind == "AWS::Athena::WorkGroup":
            config = dict(props["WorkGroupConfiguration"])
            config["BytesScannedCutoffPerQuery"] = int(config["BytesScannedCutoffPerQuery"])
            athena.create_work_group(Name=props["Name"], Description=props.get("Description", ""), Configuration=config)
            name = props["Name"]
        else:
            named = athena.create_named_query(
                Name=props["Name"],
                Description=props.get("Description", ""),
                Database=props["Database"],
                QueryString=props["QueryString"],
                WorkGroup=props["WorkGroup"],
            )
            name = named["NamedQueryId"]
        values.known[logical_id] = name
    return {logical_id: values.known[logical_id] for logical_id in catalog}
