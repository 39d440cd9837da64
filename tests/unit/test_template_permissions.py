"""Every function's role in template.yaml allows the DynamoDB and S3 requests its code makes.

The embedded AWS (moto) does not enforce IAM, so a request a role does not allow passes every other test and is
refused only in AWS: DashboardFunction read the candle cursors with ``BatchGetItem`` while its role allowed only
``GetItem`` and ``Query`` on the Candles table, so every overview row would have shown an error and the series page
answered 503.

How the requests are known: the stack is created from ``template.yaml`` in moto **in process** (no server, no
socket), and one short run invokes every function through the local runtime, as the integration tests do: an ingest
tick, its updates analysed, the signals decided and emailed, a news run, the daily digest, a worker chunk, a training
run, and the dashboard's pages, Settings and email links. Every botocore request a handler makes is recorded with the
function that made it. Each becomes what AWS authorizes it as (:func:`authorizations`): a ``BatchGetItem`` is
``dynamodb:BatchGetItem`` on each table it names, a ``TransactWriteItems`` each item's own action, a ``Query`` on an
index the index's ARN, a ``ListObjectsV2`` ``s3:ListBucket`` with its prefix, and a ``GetObject`` that found no
object also ``s3:ListBucket`` on its key (without it S3 answers 403, not 404, and the code's "absent" becomes an
error). Each must be allowed by the role's statements as SAM translates the template (:class:`Role`).

Limits: a request is seen only if the run reaches the code that makes it (a path no step takes is not checked);
requests to other services (Kinesis, SQS, SES, Secrets Manager, Cognito) are not checked here.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from moto import mock_aws

from crypto_advisor.contracts.archive_keys import model_bundle_key, replay_figures_key
from crypto_advisor.contracts.series import Series
from crypto_advisor.local import stack as embedded
from crypto_advisor.local.email_actions import SteeringRoutes, email_links_of
from crypto_advisor.local.invoker import FunctionInvoker
from crypto_advisor.local.market import SimulatedMarket, simulated_sources
from crypto_advisor.local.news_feed import demo_news_session
from crypto_advisor.local.outbox import accepted_emails, verify_sender
from crypto_advisor.local.runtime import LocalRuntime
from crypto_advisor.local.template_values import TemplateValues
from tests.conftest import REPO

TEMPLATE = REPO / "template.yaml"
WATCHLIST_KEY = "config/watchlist.yaml"
WATCHLIST = """
defaults: {timeframe: 1h, backfill_candles: 240}
series:
  - {source: kraken, symbol: BTC/USD}
  - {source: kraken, symbol: ETH/USD}
"""
USER = "trader@example.com"
BTC, ETH = "kraken:BTC-USD:1h", "kraken:ETH-USD:1h"


def _event(name: str) -> dict[str, Any]:
    return json.loads((REPO / "events" / name).read_text())


def _time_of(event: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00")).astimezone(UTC)


# --- the embedded AWS in process ------------------------------------------------------------------------------------


#: botocore sends a stream ARN's requests to the account's endpoint (``<account>.streams-ddb...``), which moto's
#: in-process mock does not route; the regional endpoint it routes (the local runtime reads the stream, no handler).
_ROUTED_ENDPOINTS = {"dynamodbstreams": f"https://streams.dynamodb.{embedded.REGION}.amazonaws.com"}


class InProcessAws:
    """:class:`~crypto_advisor.local.stack.EmbeddedAws` without its server: moto's in-process mock answers."""

    endpoint = None

    def client(self, service: str) -> Any:
        endpoint = _ROUTED_ENDPOINTS.get(service)
        return boto3.client(service, region_name=embedded.REGION, endpoint_url=endpoint, **embedded.CREDENTIALS)

    def resource(self, service: str) -> Any:
        return boto3.resource(service, region_name=embedded.REGION, **embedded.CREDENTIALS)

    def environment(self) -> dict[str, str]:
        return {
            "AWS_DEFAULT_REGION": embedded.REGION,
            "AWS_REGION": embedded.REGION,
            "AWS_ACCESS_KEY_ID": embedded.CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": embedded.CREDENTIALS["aws_secret_access_key"],
        }


# --- recording what each function asks of AWS ----------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One botocore request a handler made: its service, operation and parameters, and whether it found nothing."""

    service: str
    operation: str
    params: Mapping[str, Any]
    missing: bool = False


@dataclass
class Recorder:
    """The requests each function's handler made, by logical id (only while a handler runs)."""

    requests: dict[str, list[Request]] = field(default_factory=dict)
    current: str | None = None

    @contextlib.contextmanager
    def handler_of(self, logical_id: str) -> Iterator[None]:
        self.requests.setdefault(logical_id, [])
        self.current = logical_id
        try:
            yield
        finally:
            self.current = None

    def add(self, service: str, operation: str, params: Mapping[str, Any], *, missing: bool = False) -> None:
        if self.current is not None:
            self.requests[self.current].append(Request(service, operation, dict(params), missing))


#: What S3 answers for an absent key, as ``adapters/objects.py`` reads it.
_MISSING_CODES = {"NoSuchKey", "404", "NotFound"}


@contextlib.contextmanager
def recording(recorder: Recorder) -> Iterator[None]:
    """Every botocore call, on any client and thread, reaches ``recorder``, marked with the function whose handler
    is running (``FunctionInvoker._handler`` is where the local runtime hands a handler out)."""
    make_api_call = BaseClient._make_api_call
    load_handler = FunctionInvoker._handler

    def recorded_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        service = client.meta.service_model.service_name
        try:
            answer = make_api_call(client, operation, params)
        except ClientError as error:
            missing = error.response.get("Error", {}).get("Code") in _MISSING_CODES
            recorder.add(service, operation, params, missing=missing)
            raise
        recorder.add(service, operation, params)
        return answer

    def recorded_handler(invoker: FunctionInvoker, logical_id: str) -> Callable[..., Any]:
        handler = load_handler(invoker, logical_id)

        def call(event: Any, context: Any, **collaborators: Any) -> Any:
            with recorder.handler_of(logical_id):
                return handler(event, context, **collaborators)

        return call

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", recorded_call)
        patch.setattr(FunctionInvoker, "_handler", recorded_handler)
        yield


# --- what AWS authorizes each request as ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Authorization:
    """One action on one resource that AWS checks for a request, with the condition keys it carries."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        keys = "".join(f" ({k}={v!r})" for k, v in self.context)
        return f"{self.action} on {self.resource}{keys}"


def _table_arn(name: str, index: str | None = None) -> str:
    arn = f"arn:aws:dynamodb:{embedded.REGION}:{embedded.ACCOUNT}:table/{name}"
    return f"{arn}/index/{index}" if index else arn


#: TransactWriteItems is authorized item by item, as the item's own action (DynamoDB's IAM guide).
_TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def _dynamodb(operation: str, params: Mapping[str, Any]) -> list[Authorization]:
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [Authorization(f"dynamodb:{operation}", _table_arn(t)) for t in params["RequestItems"]]
    if operation == "TransactWriteItems":
        return [
            Authorization(f"dynamodb:{_TRANSACT_ACTIONS[kind]}", _table_arn(body["TableName"]))
            for item in params["TransactItems"]
            for kind, body in item.items()
        ]
    if operation == "TransactGetItems":
        return [Authorization("dynamodb:GetItem", _table_arn(i["Get"]["TableName"])) for i in params["TransactItems"]]
    return [Authorization(f"dynamodb:{operation}", _table_arn(params["TableName"], params.get("IndexName")))]


#: S3 operations and the action AWS authorizes each as (the S3 user guide's "actions for object operations").
_S3_OBJECT_ACTIONS = {
    "GetObject": "s3:GetObject",
    "HeadObject": "s3:GetObject",
    "PutObject": "s3:PutObject",
    "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject",
    "AbortMultipartUpload": "s3:AbortMultipartUpload",
    "DeleteObject": "s3:DeleteObject",
}
_S3_VERSION_ACTIONS = {"GetObject": "s3:GetObjectVersion", "HeadObject": "s3:GetObjectVersion"}
_S3_BUCKET_ACTIONS = {"ListObjectsV2": "s3:ListBucket", "ListObjects": "s3:ListBucket"}


def _s3(request: Request) -> list[Authorization]:
    operation, params = request.operation, request.params
    bucket = f"arn:aws:s3:::{params['Bucket']}"
    if operation in _S3_BUCKET_ACTIONS:
        return [Authorization(_S3_BUCKET_ACTIONS[operation], bucket, (("s3:prefix", params.get("Prefix", "")),))]
    if operation == "DeleteObjects":  # authorized key by key, as s3:DeleteObject (the DeleteObjects reference)
        return [Authorization("s3:DeleteObject", f"{bucket}/{o['Key']}") for o in params["Delete"]["Objects"]]
    if operation == "ListObjectVersions":
        return [Authorization("s3:ListBucketVersions", bucket, (("s3:prefix", params.get("Prefix", "")),))]
    if operation not in _S3_OBJECT_ACTIONS:
        raise AssertionError(f"no rule says how AWS authorizes s3:{operation}: add it to _S3_OBJECT_ACTIONS")
    versioned = "VersionId" in params and operation in _S3_VERSION_ACTIONS
    action = (_S3_VERSION_ACTIONS if versioned else _S3_OBJECT_ACTIONS)[operation]
    needed = [Authorization(action, f"{bucket}/{params['Key']}")]
    if request.missing:  # without s3:ListBucket, S3 answers 403 for an absent key (the GetObject reference)
        needed.append(Authorization("s3:ListBucket", bucket, (("s3:prefix", params["Key"]),)))
    return needed


def authorizations(request: Request) -> list[Authorization]:
    """What AWS checks the request's role for; only DynamoDB and S3 requests are checked here (the docstring)."""
    if request.service == "dynamodb":
        return _dynamodb(request.operation, request.params)
    if request.service == "s3":
        return _s3(request)
    return []


# --- what each role allows ------------------------------------------------------------------------------------------

#: AWS managed policies the roles attach that allow no DynamoDB item or S3 object request (logs, X-Ray, and the
#: event source mappings' stream and queue reads). Any other managed policy cannot be read offline: the test says so.
_MANAGED_WITHOUT_DATA_ACCESS = {
    "service-role/AWSLambdaBasicExecutionRole",
    "AWSXrayWriteOnlyAccess",
    "service-role/AWSLambdaSQSQueueExecutionRole",
    "service-role/AWSLambdaKinesisExecutionRole",
    "service-role/AWSLambdaDynamoDBExecutionRole",
}
_NO_VALUE = object()


class Intrinsics:
    """The template's intrinsic functions resolved as CloudFormation resolved them for the created stack."""

    def __init__(self, cfn: Mapping[str, Any], stack: embedded.Stack) -> None:
        self.resources: Mapping[str, Any] = cfn["Resources"]
        self.stack = stack
        self.values = TemplateValues(cfn, stack.parameters)

    def __call__(self, node: Any) -> Any:
        if isinstance(node, list):
            return [v for v in (self(n) for n in node) if v is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        function, argument = next(iter(node.items()), ("", None))
        if len(node) != 1 or not (function == "Ref" or function.startswith("Fn::")):
            return {k: self(v) for k, v in node.items()}
        if function == "Ref":
            return self.ref(str(argument))
        if function == "Fn::GetAtt":
            name, attribute = argument if isinstance(argument, list) else str(argument).split(".", 1)
            return self.attribute(name, attribute)
        if function == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else argument
            return self.sub(text, {k: self(v) for k, v in variables.items()})
        if function == "Fn::If":
            condition, when_true, when_false = argument
            return self(when_true if self.values.condition(condition) else when_false)
        if function == "Fn::Select":
            index, items = argument
            return self(items)[int(index)]
        if function == "Fn::Split":
            separator, text = argument
            return str(self(text)).split(separator)
        if function == "Fn::Join":
            separator, items = argument
            return separator.join(str(v) for v in self(items))
        raise AssertionError(f"the permissions test cannot resolve {function} in a role's policy: teach Intrinsics")

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Partition": "aws",
            "AWS::Region": embedded.REGION,
            "AWS::AccountId": embedded.ACCOUNT,
            "AWS::StackName": self.stack.name,
            "AWS::NoValue": _NO_VALUE,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.resources:
            return self.stack.physical_ids.get(name, name)
        return self.values.ref(name)

    def attribute(self, name: str, attribute: str) -> str:
        kind = self.resources[name]["Type"]
        physical = self.stack.physical_ids.get(name, name)
        if kind == "AWS::DynamoDB::Table" and attribute == "Arn":
            return _table_arn(physical)
        if kind == "AWS::DynamoDB::Table" and attribute == "StreamArn":
            return f"{_table_arn(physical)}/stream/*"
        if kind == "AWS::S3::Bucket" and attribute == "Arn":
            return f"arn:aws:s3:::{physical}"
        return f"<{name}.{attribute}>"  # another service's resource: no DynamoDB or S3 request names it

    def sub(self, text: str, variables: Mapping[str, Any]) -> str:
        out, rest = [], text
        while "${" in rest:
            before, _, after = rest.partition("${")
            name, _, rest = after.partition("}")
            if name.startswith("!"):
                value: Any = "${" + name[1:] + "}"
            elif name in variables:
                value = variables[name]
            elif "." in name:
                value = self.attribute(*name.split(".", 1))
            else:
                value = self.ref(name)
            out += [before, str(value)]
        return "".join([*out, rest])


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: Mapping[str, Mapping[str, Any]]

    @classmethod
    def of(cls, node: Mapping[str, Any]) -> Statement:
        unsupported = {"NotAction", "NotResource", "NotPrincipal"} & set(node)
        if unsupported:
            raise AssertionError(f"statement {node.get('Sid', node)}: {sorted(unsupported)} not read by this test")
        return cls(
            effect=node["Effect"],
            actions=tuple(str(a) for a in _listed(node["Action"])),
            resources=tuple(str(r) for r in _listed(node["Resource"])),
            conditions=node.get("Condition", {}),
        )

    def matches(self, wanted: Authorization) -> bool:
        return (
            any(fnmatch.fnmatchcase(wanted.action.lower(), a.lower()) for a in self.actions)
            and any(fnmatch.fnmatchcase(wanted.resource, r) for r in self.resources)
            and self._conditions_hold(dict(wanted.context))
        )

    def _conditions_hold(self, context: Mapping[str, str]) -> bool:
        """StringLike and StringEquals on the request's keys; any other operator or an absent key does not hold."""
        for operator, keys in self.conditions.items():
            for key, allowed in keys.items():
                value = context.get(key)
                if value is None or operator not in ("StringLike", "StringEquals"):
                    return False
                patterns = [str(p) for p in _listed(allowed)]
                if operator == "StringEquals" and value not in patterns:
                    return False
                if operator == "StringLike" and not any(fnmatch.fnmatchcase(value, p) for p in patterns):
                    return False
        return True


@dataclass(frozen=True)
class Role:
    """A function's execution role: the statements of its inline policies and of the policies attached to it."""

    name: str
    statements: tuple[Statement, ...]

    def allows(self, wanted: Authorization) -> bool:
        matching = [s for s in self.statements if s.matches(wanted)]
        return any(s.effect == "Allow" for s in matching) and not any(s.effect == "Deny" for s in matching)


def _attached(resource: Mapping[str, Any], role_id: str) -> bool:
    """Whether ``resource`` is a policy of its own attached to the role (rather than inline in it)."""
    props, role = resource.get("Properties", {}), {"Ref": role_id}
    if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        return role in props.get("Roles", [])
    return resource["Type"] == "AWS::IAM::RolePolicy" and props.get("RoleName") == role


def function_roles(stack: embedded.Stack) -> dict[str, Role]:
    """Each function's role, by the function's logical id, from the template as SAM translates it."""
    cfn = embedded.to_cloudformation(stack.sam_template, stack.parameters)
    resolve = Intrinsics(cfn, stack)
    resources = cfn["Resources"]
    roles = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        role_id = resource["Properties"]["Role"]["Fn::GetAtt"][0]
        documents = [p["PolicyDocument"] for p in resources[role_id]["Properties"].get("Policies", [])]
        documents += [r["Properties"]["PolicyDocument"] for r in resources.values() if _attached(r, role_id)]
        for arn in resolve(resources[role_id]["Properties"].get("ManagedPolicyArns", [])):
            name = str(arn).split(":policy/", 1)[-1]
            assert name in _MANAGED_WITHOUT_DATA_ACCESS, f"{logical_id}: cannot read the managed policy {arn} offline"
        statements = [Statement.of(s) for d in documents for s in _listed(resolve(d)["Statement"])]
        roles[logical_id] = Role(role_id, tuple(statements))
    return roles


# --- the run: every function invoked as the stack would invoke it ---------------------------------------------------


@dataclass(repr=False)  # a failing test prints the run: its thousands of requests are no help there
class Run:
    stack: embedded.Stack
    runtime: LocalRuntime
    recorder: Recorder


def _calibrated(run: Run, key: str) -> None:
    """Replay figures with a rarity bar every firing clears (as the notify integration tests write them): ten days of
    history reach no real bar (two weeks), and the run needs an alert email to open and follow the links of."""
    bar = {"score": 0, "source": "calibrated", "max_per_week": 3.0, "weeks": 8.0}
    report = {"series": key, "replayed": 0, "rules": [], "alert_bar": bar}
    body = json.dumps(report).encode()
    bucket = run.stack.outputs["ArchiveBucketName"]
    run.stack.aws.client("s3").put_object(Bucket=bucket, Key=replay_figures_key(Series.parse(key)), Body=body)


def _pipeline(run: Run) -> None:
    """Ingest, analysis, notification, news, the digest and a worker chunk, as their triggers would invoke them."""
    runtime, outputs = run.runtime, run.stack.outputs
    sources = simulated_sources(SimulatedMarket(seed=11))
    runtime.invoke("IngestFunction", _event("ingest-schedule.json"), sources=sources)
    runtime.deliver_kinesis("AnalyzeFunction")
    verify_sender(run.stack)
    _calibrated(run, ETH)  # the series the seeded market fires on; BTC keeps no figures (the "absent" reads)
    runtime.deliver_dynamodb_streams("NotifyFunction")
    runtime.invoke("IngestWorkerFunction", _event("ingest-worker-sqs.json"), sources=sources)
    secrets = run.stack.aws.client("secretsmanager")
    secrets.put_secret_value(SecretId=outputs["NewsApiKeySecretArn"], SecretString="f00dfeed" * 4)
    runtime.invoke("NewsFunction", _event("news-schedule.json"), newsapi_session=demo_news_session())
    runtime.invoke("DigestFunction", _event("digest-schedule.json"))


def _training(run: Run) -> bool:
    """The training run, with a model version of BTC's from a month before it; whether the run deleted that version
    (the pruning of old versions, whose DeleteObjects the run must reach)."""
    from crypto_advisor.forecast.config import ForecastConfig

    small = ForecastConfig(horizon=6, folds=2, lstm_epochs=1, rf_trees=8, lstm_hidden=4, lstm_window=8)
    when = _time_of(_event("ingest-schedule.json"))
    old = model_bundle_key(Series.parse(BTC), str(int(when.timestamp() * 1000) - 30 * 86_400_000))
    s3, bucket = run.stack.aws.client("s3"), run.stack.outputs["ArchiveBucketName"]
    s3.put_object(Bucket=bucket, Key=old, Body=b"a month-old version")
    run.runtime.tick("TrainFunction", when, config=small)
    return "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix=old)


class Dashboard(SteeringRoutes):
    """DashboardFunction's routes as the HTTP API hands them over; every signed-in answer must not be a 5xx."""

    def __init__(self, run: Run) -> None:
        super().__init__(run.runtime, simulated_sources(SimulatedMarket(seed=11)))

    def signed_in(self, method: str, path: str, body: Any = None) -> Any:
        status, text, _ = self.request(method, path, body, user=USER)
        assert status < 500, f"{method} {path}: {status} {text[:300]}"
        return json.loads(text) if text.startswith(("{", "[")) else text


def _dashboard_pages(run: Run) -> int:
    """The read pages: the overview, each series, the alerts and their emails; returns how many emails it opened."""
    dashboard = Dashboard(run)
    dashboard.signed_in("GET", "/api/v1/overview")
    for key in (BTC, ETH):
        dashboard.signed_in("GET", f"/api/v1/series/{key}")
    opened = 0
    for alert in dashboard.signed_in("GET", "/api/v1/alerts")["alerts"]:
        if alert["status"] == "sent":
            opened += dashboard.signed_in("GET", f"/api/v1/alerts/{alert['id']}/email")["source"] == "archived"
    return opened


def _dashboard_steering(run: Run) -> int:
    """Settings' every change, and the one-click links of the emails SES accepted; returns how many links it used."""
    dashboard = Dashboard(run)
    dashboard.signed_in("GET", "/api/v1/settings")
    dashboard.signed_in("PUT", "/api/v1/settings/policy", {"alerts": {"max_per_week": 5}})
    dashboard.signed_in("POST", "/api/v1/settings/series", {"source": "kraken", "symbol": "ETH/USD", "timeframe": "4h"})
    dashboard.signed_in("DELETE", "/api/v1/settings/series/kraken:ETH-USD:4h")
    dashboard.signed_in("POST", "/api/v1/settings/mutes", {"series": BTC, "until": "2099-01-01T00:00:00+00:00"})
    dashboard.signed_in("DELETE", f"/api/v1/settings/mutes?series={BTC}")
    used = 0
    for accepted in accepted_emails():
        for url in email_links_of(accepted.parsed()).values():
            if "/email/" in url:
                parts = urlsplit(url)
                dashboard.request("GET", f"{parts.path}?{parts.query}")
                used += dashboard.request("POST", f"{parts.path}?{parts.query}", form="confirm=yes")[0] == 200
    dashboard.signed_in("DELETE", f"/api/v1/settings/unsubscribed/{USER}")
    dashboard.signed_in("GET", "/api/v1/settings/history")
    dashboard.request("POST", "/api/v1/auth/sign-in", {"email": USER, "password": "Not-the-password-1"})
    return used


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    """One stack in moto in process; every function invoked, the dashboard before and after the training run."""
    recorder = Recorder()
    with pytest.MonkeyPatch.context() as patch, mock_aws(), recording(recorder):
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        embedded._leave_stream_delivery_to_the_runtime()
        embedded._schedule_rules_take_no_events()
        aws = InProcessAws()
        stack = embedded.deploy(aws, TEMPLATE, name="perms", parameters={"WatchlistS3Key": WATCHLIST_KEY})
        bucket = stack.outputs["ArchiveBucketName"]
        aws.client("s3").put_object(Bucket=bucket, Key=WATCHLIST_KEY, Body=WATCHLIST.encode())
        # The runtime creates the custom resources: DashboardUsersFunction runs here.
        run = Run(stack, LocalRuntime(stack, repo_root=REPO), recorder)
        _pipeline(run)
        assert _dashboard_pages(run) > 0, "no archived alert email opened: the run no longer reaches that path"
        assert _training(run), "the month-old model version is still there: the run no longer reaches the pruning"
        _dashboard_pages(run)
        assert _dashboard_steering(run) > 0, "no email link used: the run no longer reaches that path"
        yield run


def _denied(run: Run) -> list[str]:
    """Each request a function made that its role does not allow, once, named by the template's logical ids."""
    roles = function_roles(run.stack)
    named = sorted(run.stack.physical_ids.items(), key=lambda item: -len(item[1]))
    denied = set()
    for function, requests in run.recorder.requests.items():
        for request in requests:
            for wanted in authorizations(request):
                if not roles[function].allows(wanted):
                    line = f"{function} ({roles[function].name}): {wanted}, for {request.service}:{request.operation}"
                    for logical_id, physical in named:
                        line = line.replace(physical, logical_id) if physical else line
                    denied.add(line)
    return sorted(denied)


def test_every_function_of_the_template_is_invoked_by_the_run(run):
    functions = set(run.stack.function_logical_ids())
    assert set(run.recorder.requests) == functions, "add the missing functions' triggers to the run"


def test_each_functions_role_allows_every_dynamodb_and_s3_request_it_made(run):
    # Given every function invoked on a stack created from template.yaml, its requests recorded
    # When each request is checked against its role as AWS would check it
    denied = _denied(run)
    # Then no request would be refused in AWS
    assert not denied, "refused in AWS (moto does not enforce IAM):\n" + "\n".join(denied)


# --- the checker itself ---------------------------------------------------------------------------------------------

LIST_UNDER_SENT_EMAILS = Statement(
    effect="Allow",
    actions=("s3:ListBucket",),
    resources=("arn:aws:s3:::archive",),
    conditions={"StringLike": {"s3:prefix": ["sent-emails/*"]}},
)


def test_a_transaction_is_authorized_item_by_item_as_each_items_own_action():
    request = Request(
        "dynamodb",
        "TransactWriteItems",
        {"TransactItems": [{"Put": {"TableName": "Settings"}}, {"Delete": {"TableName": "Settings"}}]},
    )
    assert [a.action for a in authorizations(request)] == ["dynamodb:PutItem", "dynamodb:DeleteItem"]


def test_a_batch_read_is_authorized_as_batchgetitem_on_each_table_it_names():
    request = Request("dynamodb", "BatchGetItem", {"RequestItems": {"Candles": {}, "News": {}}})
    assert [(a.action, a.resource.rpartition("/")[2]) for a in authorizations(request)] == [
        ("dynamodb:BatchGetItem", "Candles"),
        ("dynamodb:BatchGetItem", "News"),
    ]


def test_reading_an_absent_object_needs_list_bucket_on_its_key_and_the_condition_names_the_prefixes():
    # Given a read of an object that is not there (S3 answers 404 only to a caller that may list the bucket)
    absent = Request("s3", "GetObject", {"Bucket": "archive", "Key": "stats/replay/x/rules.json"}, missing=True)
    listing = [a for a in authorizations(absent) if a.action == "s3:ListBucket"]
    # Then it needs s3:ListBucket on that key, which a condition on another prefix does not allow
    assert [dict(a.context) for a in listing] == [{"s3:prefix": "stats/replay/x/rules.json"}]
    assert not LIST_UNDER_SENT_EMAILS.matches(listing[0])
    kept = Request("s3", "GetObject", {"Bucket": "archive", "Key": "sent-emails/k/1.eml"}, missing=True)
    assert LIST_UNDER_SENT_EMAILS.matches(authorizations(kept)[1])
