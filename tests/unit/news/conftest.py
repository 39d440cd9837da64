"""The run tests drive the real NewsAPI client through recorded answers, as the adapter tests do."""

from tests.unit.adapters.conftest import rsps  # noqa: F401 - the fixture, shared
