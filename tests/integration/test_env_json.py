"""``make env-json`` (issue 11, item 19) against the embedded AWS: the file names every variable each function's
template declares, and every value resolves to the stack's own resources, by either route (the running embedded
AWS, or a stack by name as for a deployed one)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crypto_advisor.local import env_json
from crypto_advisor.local.env_json import EmbeddedState, declared_variables
from crypto_advisor.local.stack import CREDENTIALS, REGION, load_template
from crypto_advisor.wiring.digest import DigestFunctionSettings
from crypto_advisor.wiring.settings import FunctionSettings
from tests.conftest import REPO
from tests.unit.test_settings import SETTINGS as ZIP_SETTINGS

SETTINGS: dict[str, type[FunctionSettings]] = {**ZIP_SETTINGS, "DigestFunction": DigestFunctionSettings}


@pytest.fixture
def stack(deployed):
    deployed.upload_watchlist("series:\n  - {source: kraken, symbol: BTC/USD}\n")
    return deployed


def generated(tmp_path: Path, *argv: str) -> dict[str, dict[str, str]]:
    out = tmp_path / "env.json"
    assert env_json.main([*argv, "--out", str(out)]) == 0
    return json.loads(out.read_text())


def assert_resolves(deployed: Any, name: str, value: str) -> None:
    """``value`` of variable ``name`` is a resource of the embedded stack (or the stack's own parameter)."""
    aws, stack = deployed.aws, deployed.stack
    parameters = {
        p["ParameterKey"]: p["ParameterValue"]
        for p in aws.client("cloudformation").describe_stacks(StackName=stack.name)["Stacks"][0]["Parameters"]
    }
    if name == "ARCHIVE_BUCKET":
        aws.client("s3").head_bucket(Bucket=value)
    elif name.endswith("_TABLE"):
        assert aws.client("dynamodb").describe_table(TableName=value)["Table"]["TableStatus"] == "ACTIVE"
    elif name == "CANDLE_STREAM":
        aws.client("kinesis").describe_stream_summary(StreamName=value)
    elif name in ("NEWSAPI_SECRET_ID", "LINK_KEY_SECRET_ID"):
        aws.client("secretsmanager").describe_secret(SecretId=value)
    elif name in ("TRAIN_QUEUE_URL", "INGEST_KRAKEN_QUEUE_URL", "INGEST_COINGECKO_QUEUE_URL"):
        aws.client("sqs").get_queue_attributes(QueueUrl=value, AttributeNames=["QueueArn"])
    elif name == "TRAIN_INLINE_SERIES":
        assert value == parameters["TrainInlineSeries"]
    elif name in ("INGEST_INLINE_SECONDS", "INGEST_KRAKEN_CONCURRENCY", "INGEST_COINGECKO_CONCURRENCY"):
        template_parameter = {
            "INGEST_INLINE_SECONDS": "IngestInlineSeconds",
            "INGEST_KRAKEN_CONCURRENCY": "IngestKrakenConcurrency",
            "INGEST_COINGECKO_CONCURRENCY": "IngestCoingeckoConcurrency",
        }[name]
        assert value == parameters[template_parameter]
    elif name in ("TRAIN_SERIES_PER_TASK", "INGEST_CHUNK_SECONDS"):
        assert int(value) >= 1  # a literal of the template
    elif name == "DASHBOARD_URL":
        assert value.startswith(("https://", "http://"))  # DashboardPublicUrl, else the HTTP API's own address
    elif name == "WATCHLIST_URI":
        if value.startswith("s3://"):
            bucket, _, key = value.removeprefix("s3://").partition("/")
            aws.client("s3").head_object(Bucket=bucket, Key=key)
        else:  # the bundled watchlist: WatchlistLayer's /opt/config, the image's /var/task/config
            assert (REPO / "config" / Path(value).name).exists()
    elif name == "SES_CONFIGURATION_SET":
        assert value == f"{stack.name}-email"  # the embedded AWS cannot create one: the name the template gives
    elif name in ("SENDER_EMAIL", "RECIPIENT_EMAILS", "COINGECKO_SECRET_NAME", "HOT_WINDOW_CANDLES"):
        template_parameter = {
            "SENDER_EMAIL": "SenderEmail",
            "RECIPIENT_EMAILS": "RecipientEmails",
            "COINGECKO_SECRET_NAME": "CoinGeckoApiKeySecretName",
            "HOT_WINDOW_CANDLES": "HotWindowCandles",
        }[name]
        assert value == parameters[template_parameter]
    elif name == "USER_POOL_CLIENT_ID":
        pool = stack.outputs["DashboardUserPoolId"]
        aws.client("cognito-idp").describe_user_pool_client(UserPoolId=pool, ClientId=value)
    elif name == "MPLCONFIGDIR":
        assert value.startswith("/tmp/")  # the one writable folder in Lambda
    else:
        pytest.fail(f"{name}={value!r}: a new variable; say here how its value resolves")


def assert_complete(deployed: Any, env: dict[str, dict[str, str]]) -> None:
    declared = declared_variables(load_template(REPO / "template.yaml"))
    # Every function of the template, each with exactly its declared variables, in the template's order
    assert set(env) == {"Parameters", *declared}
    for function, names in declared.items():
        assert list(env[function]) == names, function
        for name, value in env[function].items():
            assert_resolves(deployed, name, value)
        # and the function's settings accept them (SAM adds the Globals: the Powertools names); a function with no
        # settings of its own (DashboardUsersFunction: CloudFormation gives it everything in the event) declares none
        if function in SETTINGS:
            SETTINGS[function].from_env(env[function])
        else:
            assert set(names) <= set(
                load_template(REPO / "template.yaml")["Globals"]["Function"]["Environment"]["Variables"]
            )


def test_from_the_running_embedded_aws_every_declared_variable_resolves_and_points_at_it(stack, tmp_path):
    # Given the embedded AWS running, as `make embedded-aws` records it
    state = tmp_path / "state.json"
    EmbeddedState(endpoint=stack.aws.endpoint, port=stack.aws.port, stack=stack.stack.name).write(state)
    # When `make env-json` runs
    env = generated(tmp_path, "--state", str(state))
    # Then every function's variables are there and resolve, and SAM's containers reach the embedded AWS
    assert_complete(stack, env)
    assert env["Parameters"] == {"AWS_ENDPOINT_URL": f"http://host.docker.internal:{stack.aws.port}"}


def test_from_a_stack_by_name_every_declared_variable_resolves_and_the_endpoint_is_pinned_empty(
    stack, tmp_path, monkeypatch
):
    # Given credentials and a region that reach the stack (here the embedded AWS stands in for an account)
    for name, value in {**stack.aws.environment(), "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"]}.items():
        monkeypatch.setenv(name, value)
    # When `make env-json STACK=<name>` runs
    env = generated(tmp_path, "--stack", stack.stack.name, "--region", REGION)
    # Then the same variables, and an empty endpoint: a value in the user's shell cannot redirect the function
    assert_complete(stack, env)
    assert env["Parameters"] == {"AWS_ENDPOINT_URL": ""}


def test_a_stack_that_does_not_exist_is_named(stack, tmp_path, monkeypatch, capsys):
    for name, value in stack.aws.environment().items():
        monkeypatch.setenv(name, value)
    assert env_json.main(["--stack", "no-such-stack", "--region", REGION, "--out", str(tmp_path / "e.json")]) == 2
    assert "no-such-stack" in capsys.readouterr().err and not (tmp_path / "e.json").exists()


def test_without_a_running_embedded_aws_it_says_how_to_start_one(tmp_path, capsys):
    assert env_json.main(["--state", str(tmp_path / "absent.json"), "--out", str(tmp_path / "e.json")]) == 2
    assert "make embedded-aws" in capsys.readouterr().err
