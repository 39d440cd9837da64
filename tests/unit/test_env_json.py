"""``events/env.json`` is generated from the template (issue 11, item 19), so it cannot drift from it."""

from __future__ import annotations

import json

from crypto_advisor.local.env_json import placeholders
from crypto_advisor.local.stack import load_template
from tests.conftest import REPO

REGENERATE = "run `.venv/bin/python -m crypto_advisor.local.env_json --placeholders --out events/env.json`"


def test_events_env_json_is_what_the_template_generates():
    # Given the committed file and the template / Then the file is the generator's output for the template
    committed = json.loads((REPO / "events" / "env.json").read_text())
    assert committed == placeholders(load_template(REPO / "template.yaml")), REGENERATE


def test_placeholders_name_the_output_or_parameter_and_keep_defaults():
    env = placeholders(load_template(REPO / "template.yaml"))
    assert env["IngestFunction"]["ARCHIVE_BUCKET"] == "<ArchiveBucketName output of your stack>"
    assert env["NewsFunction"]["NEWSAPI_SECRET_ID"] == "<NewsApiKeySecretArn output of your stack>"
    assert env["NotifyFunction"]["SENDER_EMAIL"] == "<the SenderEmail parameter>"
    assert env["NotifyFunction"]["SES_CONFIGURATION_SET"] == "<your stack name>-email"
    # a condition on the defaults: no WatchlistS3Key, so the bundled watchlist
    assert env["IngestFunction"]["WATCHLIST_URI"] == "file:///opt/config/watchlist.yaml"
    assert env["IngestFunction"]["HOT_WINDOW_CANDLES"] == "1000"
    # the endpoint SAM may set because the template declares it, empty for a deployed stack
    assert env["Parameters"] == {"AWS_ENDPOINT_URL": ""}


def test_the_template_declares_the_endpoint_empty_so_sam_lets_env_json_set_it():
    globals_ = load_template(REPO / "template.yaml")["Globals"]["Function"]["Environment"]["Variables"]
    assert globals_["AWS_ENDPOINT_URL"] == ""
