"""The files in events/ stay true to the template and to the handler."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from crypto_advisor.contracts.errors import ConfigError
from crypto_advisor.local.stack import load_template
from crypto_advisor.wiring.events import SignalStreamRecord
from crypto_advisor.wiring.settings import IngestSettings
from tests.conftest import REPO


def template_variables(function: str) -> set[str]:
    template = load_template(REPO / "template.yaml")
    own = template["Resources"][function]["Properties"].get("Environment", {}).get("Variables", {})
    return set(own)


def test_env_json_names_exactly_the_variables_the_template_gives_ingest():
    # Given events/env.json, used by `sam local invoke --env-vars`
    env = json.loads((REPO / "events" / "env.json").read_text())
    # Then it overrides exactly the variables the template defines for IngestFunction
    assert set(env["IngestFunction"]) == template_variables("IngestFunction")


def test_the_settings_model_reads_every_variable_the_template_sets(deployed):
    # Given the environment CloudFormation gave the function in the embedded stack
    environment = deployed.runtime.function_environment("IngestFunction")
    # Then the settings accept it and resolve the stack's own resources
    settings = IngestSettings.from_env(environment)
    assert settings.archive_bucket == deployed.bucket
    assert settings.candle_stream == deployed.stream
    assert settings.watchlist_uri == f"s3://{deployed.bucket}/config/watchlist.yaml"


def test_a_missing_variable_fails_the_cold_start_naming_it():
    # Given an environment without CANDLES_TABLE
    environment = {
        "ARCHIVE_BUCKET": "b-1",
        "CANDLE_STREAM": "s",
        "WATCHLIST_URI": "file:///w",
        "HOT_WINDOW_CANDLES": "1000",
    }
    # Then the error names the variable
    with pytest.raises(ConfigError, match="CANDLES_TABLE"):
        IngestSettings.from_env(environment)


def test_the_schedule_event_file_is_a_valid_eventbridge_envelope():
    event = json.loads((REPO / "events" / "ingest-schedule.json").read_text())
    parsed = parse(event=event, model=EventBridgeModel)
    assert parsed.detail_type == "Scheduled Event" and parsed.time.tzinfo is not None


def test_env_json_names_exactly_the_variables_the_template_gives_notify():
    env = json.loads((REPO / "events" / "env.json").read_text())
    assert set(env["NotifyFunction"]) == template_variables("NotifyFunction")


def test_the_notify_stream_event_file_carries_a_signal_with_firings():
    event = json.loads((REPO / "events" / "notify-dynamodb-stream.json").read_text())
    [record] = [SignalStreamRecord.model_validate(r) for r in event["Records"]]
    assert record.eventName == "INSERT" and record.signal.active_firings
