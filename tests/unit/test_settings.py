"""Each function's settings against the environment the template gives it.

A variable the settings require but the template does not set would fail
every cold start in AWS; one the template sets but nothing reads is a
leftover. Both are caught here, from ``template.yaml`` itself.
"""

from __future__ import annotations

import pytest

from crypto_advisor.contracts.errors import ConfigError
from crypto_advisor.local.stack import load_template
from crypto_advisor.wiring.dashboard import DashboardSettings
from crypto_advisor.wiring.settings import (
    AnalyzeSettings,
    FunctionSettings,
    IngestSettings,
    IngestWorkerSettings,
    NewsSettings,
    NotifySettings,
    TrainSettings,
)
from tests.conftest import REPO

SETTINGS: dict[str, type[FunctionSettings]] = {
    "IngestFunction": IngestSettings,
    "IngestWorkerFunction": IngestWorkerSettings,
    "AnalyzeFunction": AnalyzeSettings,
    "NewsFunction": NewsSettings,
    "NotifyFunction": NotifySettings,
    "TrainFunction": TrainSettings,
    "DashboardFunction": DashboardSettings,
}
#: Read by libraries, not by our settings: Powertools, matplotlib's cache folder, pydantic's plugin switch.
LIBRARY_VARIABLES = {
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
    "MPLCONFIGDIR",
    "PYDANTIC_DISABLE_PLUGINS",
}


def template_environment(logical_id: str) -> set[str]:
    template = load_template(REPO / "template.yaml")
    own = template["Resources"][logical_id]["Properties"].get("Environment", {}).get("Variables", {})
    shared = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    return set(own) | set(shared)


@pytest.mark.parametrize("logical_id", sorted(SETTINGS))
def test_the_template_sets_every_variable_the_settings_read_and_nothing_else(logical_id: str) -> None:
    # Given the settings model and the function's environment in the template
    model = SETTINGS[logical_id]
    read = {f.alias for f in model.model_fields.values()}
    # Then the two agree
    assert read <= template_environment(logical_id), f"{logical_id} needs {read - template_environment(logical_id)}"
    assert template_environment(logical_id) - LIBRARY_VARIABLES == read


@pytest.mark.parametrize("logical_id", sorted(SETTINGS))
def test_an_empty_environment_is_refused_naming_the_function_and_every_missing_variable(logical_id: str) -> None:
    model = SETTINGS[logical_id]
    with pytest.raises(ConfigError) as caught:
        model.from_env({})
    message = str(caught.value)
    assert message.startswith(f"{logical_id} environment:")
    required = {f.alias for f in model.model_fields.values() if f.is_required()}
    assert "WATCHLIST_URI" in required
    for name in required:
        assert name in message


def test_settings_are_hashable_so_dependencies_are_cached_per_container() -> None:
    env = {
        "ARCHIVE_BUCKET": "bucket",
        "CANDLES_TABLE": "candles",
        "NOTIFICATIONS_TABLE": "notifications",
        "LEDGER_TABLE": "ledger",
        "SIGNALS_TABLE": "signals",
        "SENDER_EMAIL": "alerts@example.com",
        "RECIPIENT_EMAILS": " a@example.com, ,b@example.com ",
        "SES_CONFIGURATION_SET": "crypto-advisor-email",
        "WATCHLIST_URI": "file:///opt/config/watchlist.yaml",
        "SETTINGS_TABLE": "settings",
        "LINK_KEY_SECRET_ID": "link-key",
    }
    settings = NotifySettings.from_env(env)
    assert hash(settings) == hash(NotifySettings.from_env(env))
    assert settings.default_recipients == ("a@example.com", "b@example.com")
