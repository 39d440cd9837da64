"""The project's own errors for everything outside the process.

Adapters catch their library's exceptions (ccxt, requests, botocore) and raise
these, so the logic above them decides what to do from one small vocabulary:
retry (``TransientSourceError``), report and move on (the rest).
"""

from __future__ import annotations


class SourceError(Exception):
    """A market-data source could not answer for one series."""

    retryable = False


class TransientSourceError(SourceError):
    """Network trouble, rate limiting, the exchange down: worth another try."""

    retryable = True


class UnknownSymbolError(SourceError):
    """The source does not list this market (delisted, misspelt, wrong id)."""


class SourceAuthError(SourceError):
    """The source refused our credentials."""


class RateLimitedError(SourceError):
    """The source says we have used up our allowance (HTTP 429, NewsAPI ``rateLimited``).

    Not retryable on purpose: another call now only spends more of a quota that
    is already gone. The caller stops calling that source until its next run.
    """


class MalformedResponseError(SourceError):
    """The source answered something that is not what its API documents."""


class ArtifactError(ValueError):
    """Bytes that are not a forecast bundle this code can read (written by another version, truncated, corrupt)."""


class StorageError(Exception):
    """S3, DynamoDB or Kinesis refused or failed a request."""


class CorruptObjectError(StorageError):
    """A stored object was read, and its bytes are not what this code writes (truncated, edited by hand, restored
    from a bad copy): reading it again gives the same answer, so whoever owns the object replaces it rather than
    failing on it every time. A :class:`StorageError` otherwise, for the callers that only report."""


class ConfigError(Exception):
    """Settings or configuration that cannot be used; raised at start, before any work."""


class DeliveryError(Exception):
    """The mail service did not accept an email; nothing was sent.

    ``retryable`` says whether the same request may succeed unchanged
    (throttling, a connection that never opened) or needs someone to act first
    (an unverified sender, a paused account). Either way the notifier fails the
    stream record: the stream retries it, and a rejection that a person fixes
    in the meantime (verifying the sender) heals on a later retry.
    """

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class DeliveryUnknownError(Exception):
    """The request may have reached the mail service, and its answer was lost: the email may be out, or not.

    A read timeout, a dropped connection or a 5xx answer after the request was
    sent. Not a :class:`DeliveryError` (which means nothing was sent): sending
    again could deliver a second copy, so the caller keeps its claim as
    ``unknown``, never sends that email again, and says so.
    """

    retryable = False
