"""DigestFunction in template.yaml: its environment matches its settings, its schedule, its switch, its rights."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from crypto_advisor.contracts.errors import ConfigError
from crypto_advisor.local.stack import load_template
from crypto_advisor.wiring.digest import DIGEST_LEASE_MS, DigestFunctionSettings
from tests.conftest import REPO
from tests.unit.test_settings import LIBRARY_VARIABLES


@pytest.fixture(scope="module")
def template() -> dict:
    return load_template(REPO / "template.yaml")


def function(template: dict) -> dict:
    return template["Resources"]["DigestFunction"]["Properties"]


def test_the_template_sets_exactly_the_variables_the_settings_read(template):
    own = set(function(template)["Environment"]["Variables"])
    shared = set(template["Globals"]["Function"]["Environment"]["Variables"])
    read = {f.alias for f in DigestFunctionSettings.model_fields.values()}
    assert (own | shared) - LIBRARY_VARIABLES == read


def test_an_empty_environment_is_refused_naming_the_function_and_what_is_missing():
    with pytest.raises(ConfigError) as caught:
        DigestFunctionSettings.from_env({})
    message = str(caught.value)
    assert message.startswith("DigestFunction environment:")
    for name in ("CANDLES_TABLE", "SIGNALS_TABLE", "NOTIFICATIONS_TABLE", "SENDER_EMAIL", "WATCHLIST_URI"):
        assert name in message


def test_the_schedule_runs_hourly_and_the_parameter_switches_it(template):
    # Given the function's schedule and the DigestEnabled parameter
    [event] = function(template)["Events"].values()
    parameter = template["Parameters"]["DigestEnabled"]
    # Then it is an EventBridge rule (its event carries the run's time) every hour, enabled by the condition
    assert event["Type"] == "Schedule"
    assert event["Properties"]["Schedule"] == "cron(5 * * * ? *)"
    assert event["Properties"]["State"] == {"Fn::If": ["DigestOn", "ENABLED", "DISABLED"]}
    assert template["Conditions"]["DigestOn"] == {"Fn::Equals": [{"Ref": "DigestEnabled"}, "true"]}
    assert (parameter["Default"], parameter["AllowedValues"]) == ("true", ["true", "false"])


def test_it_ships_with_the_notifiers_layers_and_the_lease_outlasts_its_timeout(template):
    # The chart needs matplotlib and the snapshot the analysis' indicators: the notifier's layers exactly
    assert function(template)["Layers"] == template["Resources"]["NotifyFunction"]["Properties"]["Layers"]
    assert 2 * function(template)["Timeout"] * 1000 == DIGEST_LEASE_MS


def test_its_rights_are_the_few_calls_it_makes(template):
    # Given the function's policy statements
    [policy] = function(template)["Policies"]
    actions = {
        sid["Sid"]: sorted(sid["Action"] if isinstance(sid["Action"], list) else [sid["Action"]])
        for sid in policy["Statement"]
    }
    # Then: send as the sender, query and claim in the log, query signals and candles, read the watchlist and the
    # market scans' reports
    assert actions == {
        "SendAsTheSenderOnly": ["ses:SendRawEmail"],
        "AlertDecisionsAndDigestClaims": [
            "dynamodb:DeleteItem",
            "dynamodb:PutItem",
            "dynamodb:Query",
            "dynamodb:UpdateItem",
        ],
        "ReadSignalsAndCandles": ["dynamodb:Query"],
        "ReadWatchlist": ["s3:GetObject"],
        "ReadScanReports": ["s3:GetObject"],
        # who unsubscribed gets no digest; the link key signs each digest's unsubscribe link
        "ReadUnsubscribes": ["dynamodb:Query"],
        "SignTheUnsubscribeLinks": ["secretsmanager:GetSecretValue"],
    }
    assert not any("*" in a for acts in actions.values() for a in acts)
    resources = {sid["Sid"]: sid["Resource"] for sid in policy["Statement"]}
    assert resources["ReadUnsubscribes"] == {"Fn::GetAtt": ["SettingsTable", "Arn"]}
    assert resources["SignTheUnsubscribeLinks"] == {"Ref": "EmailLinkKey"}


def test_the_sample_event_is_an_eventbridge_envelope_of_a_due_run():
    event = json.loads((REPO / "events" / "digest-schedule.json").read_text())
    parsed = parse(event=event, model=EventBridgeModel)
    assert parsed.detail_type == "Scheduled Event" and (parsed.time.hour, parsed.time.minute) == (7, 5)


def test_env_json_names_exactly_the_variables_the_template_gives_the_digest(template):
    env = json.loads((REPO / "events" / "env.json").read_text())
    assert set(env["DigestFunction"]) == set(function(template)["Environment"]["Variables"])
