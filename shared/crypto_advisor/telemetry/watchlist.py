"""What a function says about the watchlist it runs with, whichever function it is."""

from __future__ import annotations

from crypto_advisor.contracts.errors import ConfigError
from crypto_advisor.telemetry.observability import logger


def record_stale_watchlist(uri: str, error: ConfigError) -> None:
    """The check for a newer watchlist failed: the container goes on with the one it read last, and an edit made on
    the Settings page waits for the next check that succeeds (a minute later). A warning, not an error: the
    invocation itself is unharmed, but a check that keeps failing (the role lost s3:GetObject) would keep every edit
    out, and this line says so."""
    logger.warning("watchlist check failed: running with the watchlist read last", watchlist=uri, error=str(error))


def record_unusable_watchlist(uri: str, error: ConfigError) -> None:
    """A new watchlist version could not be used (it fails the watchlist check: written straight to S3, since the
    Settings page checks its edits; or a secret could not be read): the warm container goes on with the one it built
    last. An error, on each invocation until a usable version replaces it: a container that starts cold now fails."""
    logger.error("watchlist edit not usable: running with the watchlist built last", watchlist=uri, error=str(error))
