"""``make env-json``: the ``env.json`` that ``sam local invoke --env-vars`` reads, filled from a stack.

``sam local invoke`` runs a function in a Docker container with the
environment the template declares, every ``!Ref`` to a resource left empty:
it has no stack. ``--env-vars env.json`` fills them, but only the variables
the template declares (SAM drops the others), which is why the template
declares ``AWS_ENDPOINT_URL`` in its Globals, empty: botocore ignores an
empty one, and this file can point it somewhere.

Two sources, one path: the stack's outputs name each function
(``<Function>Name``), and each function's configuration in Lambda holds its
environment as CloudFormation resolved it (every ``!Ref``, ``!Sub`` and
``!If``), so nothing here re-implements CloudFormation. Only the variables
the template declares for the function are written, so the file says what the
template says, and a variable missing from a function fails here, not in a
container.

- ``--stack NAME``: a deployed stack, through your AWS credentials and region;
  ``AWS_ENDPOINT_URL`` is written empty, so a value in your shell cannot
  redirect the function.
- no ``--stack``: the running embedded AWS (``make embedded-aws``), whose
  endpoint and stack name it wrote to :data:`STATE_FILE`; ``AWS_ENDPOINT_URL``
  is its address as a container sees the host: ``host.docker.internal``.
- ``--placeholders``: no stack at all; each value says where to find it
  (``<ArchiveBucketName output of your stack>``). This is how
  ``events/env.json`` is written, so it cannot drift from the template.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from crypto_advisor.local.stack import CREDENTIALS, REGION, load_template
from crypto_advisor.local.template_values import TemplateValueError, TemplateValues

REPO = Path(__file__).resolve().parents[3]
#: Written by ``make embedded-aws`` while it runs: where the embedded AWS listens and its stack's name.
STATE_FILE = REPO / ".local" / "embedded-aws" / "state.json"
ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL"
#: The host as a container sees it (Docker Desktop; on Linux: ``--add-host host.docker.internal:host-gateway``).
DOCKER_HOST = "host.docker.internal"
FUNCTION_TYPE = "AWS::Serverless::Function"


class EnvJsonError(RuntimeError):
    """The stack cannot fill the file: not found, a function missing, a declared variable unset."""


@dataclass(frozen=True)
class EmbeddedState:
    """What ``make embedded-aws`` wrote: the endpoint as this host reaches it, the port, the stack."""

    endpoint: str
    port: int
    stack: str
    region: str = REGION

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.__dict__, indent=2) + "\n")

    @classmethod
    def read(cls, path: Path) -> EmbeddedState:
        if not path.exists():
            raise EnvJsonError(
                f"no embedded AWS is running ({path} is missing): start it with `make embedded-aws` in another "
                "terminal, or name a deployed stack: `make env-json STACK=<name>`"
            )
        return cls(**json.loads(path.read_text()))


def declared_variables(sam_template: Mapping[str, Any]) -> dict[str, list[str]]:
    """Each function's own ``Environment.Variables`` names, in the template's order (Globals excluded)."""
    return {
        logical_id: list(resource.get("Properties", {}).get("Environment", {}).get("Variables", {}))
        for logical_id, resource in sam_template["Resources"].items()
        if resource["Type"] == FUNCTION_TYPE
    }


def from_stack(
    cloudformation: Any, lambda_client: Any, stack_name: str, sam_template: Mapping[str, Any], *, endpoint: str
) -> dict[str, dict[str, str]]:
    """The env.json for a stack: every function's declared variables with the values its configuration holds."""
    try:
        [stack] = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except Exception as exc:  # botocore's ClientError: the stack does not exist, or no rights to see it
        raise EnvJsonError(f"stack {stack_name}: {exc}") from exc
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    result: dict[str, dict[str, str]] = {"Parameters": {ENDPOINT_VARIABLE: endpoint}}
    for logical_id, names in declared_variables(sam_template).items():
        function_name = outputs.get(f"{logical_id}Name") or _physical_id(cloudformation, stack_name, logical_id)
        configuration = lambda_client.get_function_configuration(FunctionName=function_name)
        actual = configuration.get("Environment", {}).get("Variables", {})
        missing = [name for name in names if name not in actual]
        if missing:
            raise EnvJsonError(f"{logical_id} ({function_name}) has no {', '.join(missing)}: redeploy the stack")
        result[logical_id] = {name: str(actual[name]) for name in names}
    return result


def _physical_id(cloudformation: Any, stack_name: str, logical_id: str) -> str:
    described = cloudformation.describe_stack_resource(StackName=stack_name, LogicalResourceId=logical_id)
    return str(described["StackResourceDetail"]["PhysicalResourceId"])


def placeholders(sam_template: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The env.json without a stack: each value is the template's default, or says which output or parameter
    holds it (conditions evaluated on the parameters' defaults)."""
    values = TemplateValues(sam_template)
    result: dict[str, dict[str, str]] = {"Parameters": {ENDPOINT_VARIABLE: ""}}
    for logical_id in declared_variables(sam_template):
        variables = sam_template["Resources"][logical_id]["Properties"].get("Environment", {}).get("Variables", {})
        try:
            result[logical_id] = {name: values.value(node) for name, node in variables.items()}
        except TemplateValueError as exc:
            raise EnvJsonError(f"{logical_id}: {exc}") from exc
    return result


def write(env: Mapping[str, Mapping[str, str]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(env, indent=2) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stack", help="a deployed stack's name (your AWS credentials); none: the embedded AWS")
    parser.add_argument("--region", help="the deployed stack's region (default: your AWS configuration's)")
    parser.add_argument("--placeholders", action="store_true", help="no stack: say where each value comes from")
    parser.add_argument("--state", type=Path, default=STATE_FILE, help="the running embedded AWS's state file")
    parser.add_argument("--docker-host", default=DOCKER_HOST, help="the host's name inside SAM's container")
    parser.add_argument("--template", type=Path, default=REPO / "template.yaml")
    parser.add_argument("--out", type=Path, default=REPO / "env.json")
    args = parser.parse_args(argv)
    sam_template = load_template(args.template)
    try:
        if args.placeholders:
            env = placeholders(sam_template)
            source = "placeholders (no stack)"
        elif args.stack:
            session = boto3.session.Session(region_name=args.region)
            if not session.region_name:
                raise EnvJsonError("no region: set one in your AWS configuration or pass REGION=<region>")
            env = from_stack(
                session.client("cloudformation"), session.client("lambda"), args.stack, sam_template, endpoint=""
            )
            source = f"stack {args.stack} in {session.region_name}"
        else:
            state = EmbeddedState.read(args.state)
            clients = {
                name: boto3.client(name, endpoint_url=state.endpoint, region_name=state.region, **CREDENTIALS)
                for name in ("cloudformation", "lambda")
            }
            endpoint = f"http://{args.docker_host}:{state.port}"
            env = from_stack(clients["cloudformation"], clients["lambda"], state.stack, sam_template, endpoint=endpoint)
            source = f"the embedded AWS at {state.endpoint} (stack {state.stack}), as {endpoint} from a container"
    except EnvJsonError as exc:
        print(f"env-json: {exc}", file=sys.stderr)
        return 2
    write(env, args.out)
    functions = [k for k in env if k != "Parameters"]
    print(f"{args.out}: {len(functions)} functions ({', '.join(functions)}) from {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
