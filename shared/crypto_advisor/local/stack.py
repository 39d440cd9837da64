"""The embedded AWS: moto in server mode, with the stack created from ``template.yaml`` itself.

aws-sam-translator turns the SAM template into plain CloudFormation (no
managed policies are looked up: there is no network); every function's code
and every layer's content point at one placeholder object; moto's
CloudFormation then creates the whole stack. What moto cannot create (alarms,
the bucket policy, event-invoke configs) is left out with a warning by moto; it
has no bearing on the data path. A bucket's EventBridge notifications, which
moto's CloudFormation ignores, are turned on through the S3 API once the stack
is created, so a parked batch's notice reaches its queue. Secrets Manager
secrets, which moto's CloudFormation does not create either, are created
through the Secrets Manager API before the stack (without a value, as the
template creates them, or with a random one of the length and alphabet its
``GenerateSecretString`` asks for, as CloudFormation generates it) and every
``!Ref`` to them is replaced by their ARN, so functions get the same
environment as in AWS. A bucket's ``VersioningConfiguration``, which moto's
CloudFormation also ignores, is applied through the S3 API (the watchlist's
earlier versions are kept locally as in AWS). boto3 talks real HTTP to the
server, so the code under test runs exactly as in AWS, with
``AWS_ENDPOINT_URL`` pointing at it.
"""

from __future__ import annotations

import copy
import functools
import io
import json
import logging
import secrets
import socket
import string
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from cfnlint.decode import decode_str
from moto.server import ThreadedMotoServer
from samtranslator.metrics.metrics import DummyMetricsPublisher, Metrics
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from crypto_advisor.local import cognito as user_pools
from crypto_advisor.local.catalog import create_catalog, take_catalog
from crypto_advisor.local.dynamodb_partitions import dynamodb_queries_by_partition

REGION = "us-east-1"
#: moto's account when no credentials name another (ours are ``local``/``local``).
ACCOUNT = "123456789012"
PLACEHOLDER_BUCKET = "local-placeholder-code"
PLACEHOLDER_KEY = "placeholder.zip"
#: Container-image functions (TrainFunction) point at this; the local runtime calls their handler in-process.
PLACEHOLDER_IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/crypto-advisor-local:placeholder"
CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
#: Parameters the template requires that have no meaning locally (RFC 2606 example addresses).
LOCAL_PARAMETERS = {
    "SenderEmail": "alerts@example.com",
    "RecipientEmails": "trader@example.com",
    "AlarmEmail": "ops@example.com",
    # The local dashboard (make demo, make dashboard), so local emails link to it as deployed ones link to the HttpApi.
    "DashboardPublicUrl": "http://127.0.0.1:8765",
}


def load_template(path: Path) -> dict[str, Any]:
    template, matches = decode_str(path.read_text())
    if template is None:
        raise ValueError(f"{path}: cannot parse: {matches}")
    return template


def to_cloudformation(sam_template: dict[str, Any], parameters: dict[str, str] | None = None) -> dict[str, Any]:
    """SAM -> CloudFormation, with code locations replaced by the placeholder object."""
    template = copy.deepcopy(sam_template)
    placeholder = f"s3://{PLACEHOLDER_BUCKET}/{PLACEHOLDER_KEY}"
    for resource in template.get("Resources", {}).values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function" and props.get("PackageType") == "Image":
            props["ImageUri"] = PLACEHOLDER_IMAGE
        elif resource["Type"] == "AWS::Serverless::Function":
            props["CodeUri"] = placeholder
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            props["ContentUri"] = placeholder
    # The translator records usage metrics for AWS's own service; nothing here publishes them, and an unpublished
    # cache makes its destructor print a warning into `make demo` at whatever moment the object is collected.
    metrics = Metrics("ServerlessTransform", DummyMetricsPublisher())
    translator = Translator({}, Parser(), metrics=metrics, boto_session=boto3.session.Session(region_name=REGION))
    try:
        return translator.translate(template, dict(parameters or {}))
    finally:
        metrics.publish()


def translated(template_path: Path, parameters: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The SAM template at ``template_path`` and its CloudFormation translation for ``parameters``, each a fresh copy.

    Parsing and translating take about 40% of a deploy, and the integration tests deploy over a hundred stacks
    from the same template with a handful of parameter sets: both are cached per template version (path, mtime,
    size: an edited template is read again) and parameter set, and every caller gets deep copies, so what one
    deploy changes in them (the secrets, user pools and catalog it takes out) no other deploy sees.
    """
    stat = template_path.stat()
    version = (str(template_path.resolve()), stat.st_mtime_ns, stat.st_size)
    sam_template = copy.deepcopy(_parsed_template(*version))
    cfn = copy.deepcopy(_translated_template(*version, tuple(sorted(parameters.items()))))
    return sam_template, cfn


@functools.lru_cache(maxsize=4)
def _parsed_template(path: str, mtime_ns: int, size: int) -> dict[str, Any]:
    """``load_template``, once per template version (the arguments after ``path`` only key the cache)."""
    return load_template(Path(path))


@functools.lru_cache(maxsize=16)
def _translated_template(
    path: str, mtime_ns: int, size: int, parameters: tuple[tuple[str, str], ...]
) -> dict[str, Any]:
    """``to_cloudformation``, once per template version and parameter set; callers must copy what they get."""
    return to_cloudformation(_parsed_template(path, mtime_ns, size), dict(parameters))


def _create_secrets_outside(cfn: dict[str, Any], aws: EmbeddedAws, stack_name: str) -> dict[str, Any]:
    """Create each ``AWS::SecretsManager::Secret`` through the API and put its ARN wherever it is ``!Ref``'d."""
    arns: dict[str, str] = {}
    client = aws.client("secretsmanager")
    for logical_id, resource in list(cfn["Resources"].items()):
        if resource["Type"] != "AWS::SecretsManager::Secret":
            continue
        name = f"{stack_name}-{logical_id}"
        properties = resource.get("Properties", {})
        description = properties.get("Description", "").strip()
        generate = properties.get("GenerateSecretString")
        value = {} if generate is None else {"SecretString": _generated(generate)}
        arns[logical_id] = client.create_secret(Name=name, Description=description, **value)["ARN"]
        del cfn["Resources"][logical_id]

    def substitute(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"Ref"} and node["Ref"] in arns:
                return arns[node["Ref"]]
            return {k: substitute(v) for k, v in node.items()}
        if isinstance(node, list):
            return [substitute(v) for v in node]
        return node

    return substitute(cfn)


def _leave_stream_delivery_to_the_runtime() -> None:
    """Stop moto from invoking functions itself when a record reaches a mapped Kinesis or DynamoDB stream or queue.

    moto would try to run the function in Docker on every ``put_record`` (and, with
    no daemon, print errors from its server thread into whatever output is being
    captured); on every DynamoDB write to a table whose stream is mapped, it would
    also empty the stream shard, so the records would be gone before anyone read
    them. The local runtime delivers stream records itself, in batches, with the
    mapping's retry semantics (:meth:`LocalRuntime.deliver_kinesis`,
    :meth:`LocalRuntime.deliver_dynamodb_streams`).
    """
    from moto.awslambda.models import LambdaBackend

    LambdaBackend.send_kinesis_message = lambda self, **kwargs: None  # type: ignore[method-assign]
    LambdaBackend.send_dynamodb_items = lambda self, *args, **kwargs: None  # type: ignore[method-assign,assignment]
    # And on every message sent to a mapped queue it would receive it at once (counting a receive) and invoke
    # the function in Docker; the local runtime polls mapped queues itself (LocalRuntime.deliver_sqs).
    from moto.sqs.models import Queue

    Queue.lambda_event_source_mappings = property(lambda self: {}, lambda self, value: None)  # type: ignore[assignment]


def _schedule_rules_take_no_events() -> None:
    """Stop moto from sending every event on a bus to the schedule rules, as AWS never does.

    moto treats a rule without an event pattern (a schedule) as matching every
    event, fails on its Lambda target, and so never reaches the rules after it:
    with more than one stack in the embedded AWS, a parked batch's notice
    would not reach its failure queue. The local runtime fires schedules itself
    (:meth:`LocalRuntime.tick`).
    """
    from moto.events.models import Rule

    if getattr(Rule.send_to_targets, "schedules_skipped", False):
        return
    original = Rule.send_to_targets

    def send_to_targets(self: Rule, original_event: Any, transform_input: bool = True) -> None:
        if self.scheduled_expression:
            return
        original(self, original_event, transform_input)

    send_to_targets.schedules_skipped = True  # type: ignore[attr-defined]
    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]


#: DynamoDB reads whose answer is items in their wire form, which :func:`_dynamodb_reads_as_plain_json` writes itself.
ITEM_READS = frozenset({"Query", "Scan", "GetItem", "BatchGetItem"})


def _dynamodb_reads_as_plain_json() -> None:
    """Write DynamoDB's item reads with ``json.dumps`` instead of moto's model-driven serializer.

    moto 5.2 turns every answer into its wire form by walking the service
    model: about 3 million Python calls for a Query of 720 candles, seconds
    a Query on a loaded machine, so the analysis of a thousand series' windows
    (``make bench-scale``) would take over an hour a tick, most of it in the
    embedded AWS. moto keeps items in DynamoDB's wire form already (``{"N":
    "1.5"}``), so a read's answer is plain JSON. An answer ``json`` cannot
    write (a binary or set attribute, which moto keeps as bytes or a set)
    goes through moto's serializer as before.
    """
    from moto.dynamodb.responses import DynamoHandler, DynamoResult

    if getattr(DynamoHandler.serialized, "plain_json", False):
        return
    original = DynamoHandler.serialized

    def serialized(self: DynamoHandler, action_result: Any) -> Any:
        if isinstance(action_result, DynamoResult) and self._get_action() in ITEM_READS:
            try:
                body = json.dumps(action_result.result)
            except TypeError:
                return original(self, action_result)
            return 200, {"Content-Type": "application/x-amz-json-1.0", **self.response_headers}, body
        return original(self, action_result)

    serialized.plain_json = True  # type: ignore[attr-defined]
    DynamoHandler.serialized = serialized  # type: ignore[method-assign,assignment]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class EmbeddedAws:
    """A moto server on loopback; ``client``/``resource`` give boto3 objects bound to it.

    ``host`` is the address it listens on: loopback unless a container must reach
    it (``sam local invoke`` on Linux, through the Docker bridge: ``0.0.0.0``).
    """

    port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"
    _server: ThreadedMotoServer | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> EmbeddedAws:
        _leave_stream_delivery_to_the_runtime()
        _dynamodb_reads_as_plain_json()
        dynamodb_queries_by_partition()
        _schedule_rules_take_no_events()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
        # moto warns of each resource type its CloudFormation skips (alarms etc.), and on every record put
        # to a stream with an event source mapping it tries to run the function in Docker (and fails
        # without a daemon): the local runtime delivers stream records itself (runtime.deliver_kinesis).
        logging.getLogger("moto").setLevel(logging.CRITICAL)
        # moto warns (UserWarning) for each resource type it skips; the docstring above names them.
        warnings.filterwarnings("ignore", message="Tried to parse AWS::", category=UserWarning)
        self._server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        self._server.start()
        return self

    def reset(self) -> None:
        """Forget every resource: moto keeps one set of backends per process, shared by every server in it.

        The demo calls it first, so a second run in one process (the browser tests' dashboard, then the
        end-to-end test) creates its stack in an empty world, as a fresh ``make demo`` does.
        """
        from moto.moto_api._internal.models import moto_api_backend  # what POST /moto-api/reset calls

        moto_api_backend.reset()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION, **CREDENTIALS)

    def resource(self, service: str) -> Any:
        return boto3.resource(service, endpoint_url=self.endpoint, region_name=REGION, **CREDENTIALS)

    def environment(self) -> dict[str, str]:
        """What a process needs so that boto3 talks to this server and nowhere else."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
        }


@dataclass
class Stack:
    """A stack created in the embedded AWS; names resolved from the stack's own outputs and resources."""

    aws: EmbeddedAws
    name: str
    sam_template: dict[str, Any]
    outputs: dict[str, str]
    physical_ids: dict[str, str]
    #: custom resources, taken out of the template (moto would run their function in Docker): the runtime runs them
    custom_resources: list[CustomResource] = field(default_factory=list)
    #: the parameters it was created with, the local ones included (a saved demo state creates it again with them)
    parameters: dict[str, str] = field(default_factory=dict)

    def function_logical_ids(self) -> list[str]:
        return [k for k, r in self.sam_template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"]


def _generated(spec: dict[str, Any]) -> str:
    """A value as CloudFormation's ``GenerateSecretString`` makes it (length, and without punctuation if asked)."""
    alphabet = string.ascii_letters + string.digits
    if not spec.get("ExcludePunctuation"):
        alphabet += "!#$%&()*+,-.:;<=>?@[]^_{|}~"
    return "".join(secrets.choice(alphabet) for _ in range(int(spec.get("PasswordLength", 32))))


def deploy(
    aws: EmbeddedAws, template_path: Path, *, name: str = "crypto-advisor", parameters: dict[str, str] | None = None
) -> Stack:
    parameters = {**LOCAL_PARAMETERS, **(parameters or {})}
    sam_template, cfn = translated(template_path, parameters)
    cfn = _create_secrets_outside(cfn, aws, name)
    cfn = user_pools.create_outside(cfn, aws.client("cognito-idp"), name, region=REGION, account=ACCOUNT)
    outputs_wanted = copy.deepcopy(cfn.get("Outputs", {}))
    catalog = take_catalog(cfn)
    custom = _take_custom_resources(cfn, parameters)
    s3 = aws.client("s3")
    if PLACEHOLDER_BUCKET not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=PLACEHOLDER_BUCKET)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "placeholder: the local runtime calls the handlers in-process")
    s3.put_object(Bucket=PLACEHOLDER_BUCKET, Key=PLACEHOLDER_KEY, Body=buffer.getvalue())
    cloudformation = aws.client("cloudformation")
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=json.dumps(cfn),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    described = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    if described["StackStatus"] != "CREATE_COMPLETE":
        raise RuntimeError(f"embedded stack {name}: {described['StackStatus']}: {described.get('StackStatusReason')}")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    physical = {
        r["LogicalResourceId"]: r.get("PhysicalResourceId", "")
        for r in cloudformation.list_stack_resources(StackName=name)["StackResourceSummaries"]
    }
    _send_bucket_events_to_eventbridge(cfn, s3, physical)
    _version_buckets(cfn, s3, physical)
    names = create_catalog(
        aws, cfn, catalog, parameters=parameters, known={**physical, "AWS::AccountId": ACCOUNT, "AWS::StackName": name}
    )
    physical.update(names)
    for key, output in outputs_wanted.items():
        if isinstance(output["Value"], dict) and output["Value"].get("Ref") in names:
            outputs[key] = names[output["Value"]["Ref"]]
    return Stack(
        aws=aws,
        name=name,
        sam_template=sam_template,
        outputs=outputs,
        physical_ids=physical,
        custom_resources=custom,
        parameters=parameters,
    )


@dataclass(frozen=True)
class CustomResource:
    """A ``Custom::`` resource: the function CloudFormation would invoke, and its properties, resolved."""

    logical_id: str
    type: str
    function: str
    properties: dict[str, str]


def _take_custom_resources(cfn: dict[str, Any], parameters: dict[str, str]) -> list[CustomResource]:
    """Remove each custom resource from ``cfn``; its properties resolved against the parameters and conditions."""
    from crypto_advisor.local.template_values import TemplateValues

    values = TemplateValues(cfn, parameters)
    taken = []
    for logical_id, resource in list(cfn["Resources"].items()):
        if not resource["Type"].startswith("Custom::"):
            continue
        props = dict(resource["Properties"])
        token = props.pop("ServiceToken")["Fn::GetAtt"]
        function = token[0] if isinstance(token, list) else str(token).split(".", 1)[0]
        resolved = {k: values.value(v) for k, v in props.items()}
        taken.append(CustomResource(logical_id, resource["Type"], function, resolved))
        del cfn["Resources"][logical_id]
    return taken


def _version_buckets(cfn: dict[str, Any], s3: Any, physical: dict[str, str]) -> None:
    """Turn on the versioning a bucket's template asks for: moto's CloudFormation ignores it."""
    for logical_id, resource in cfn["Resources"].items():
        versioning = resource.get("Properties", {}).get("VersioningConfiguration", {})
        if resource["Type"] == "AWS::S3::Bucket" and versioning.get("Status") == "Enabled":
            s3.put_bucket_versioning(Bucket=physical[logical_id], VersioningConfiguration={"Status": "Enabled"})


def _send_bucket_events_to_eventbridge(cfn: dict[str, Any], s3: Any, physical: dict[str, str]) -> None:
    """Turn on the EventBridge notifications a bucket's template asks for: moto's CloudFormation ignores them.

    With them on, moto's S3 puts each new object's event on the default bus and
    its rules route it, as AWS does (the parked records' notices reach their
    failure queues).
    """
    for logical_id, resource in cfn["Resources"].items():
        config = resource.get("Properties", {}).get("NotificationConfiguration", {})
        if resource["Type"] == "AWS::S3::Bucket" and "EventBridgeConfiguration" in config:
            s3.put_bucket_notification_configuration(
                Bucket=physical[logical_id], NotificationConfiguration={"EventBridgeConfiguration": {}}
            )
