"""Fixtures shared by every test layer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# What template.yaml's Globals give every function, set before any test module is collected: Powertools' Metrics
# reads its namespace when a telemetry module is first imported, and a test that imports one at collection (the
# alarm tests do) would otherwise leave the handlers the in-process runtime invokes later without a namespace.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "crypto-advisor")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "CryptoAdvisor")


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
