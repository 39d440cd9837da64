"""Amazon SES: sends one raw MIME message and says, in the project's terms, why it could not.

``send_raw_email`` is the SES v1 call that takes the message as bytes, which is
what lets the email carry its chart inline (multipart/related). Every failure
becomes a :class:`DeliveryError`:

- retryable: throttling (``Throttling``, ``ThrottlingException``,
  ``TooManyRequests...``), SES's own 5xx answers, and the network
  (``BotoCoreError``: connection refused, timeouts);
- not retryable without someone acting: ``MessageRejected`` (in the SES
  sandbox: an unverified sender or recipient), a MAIL FROM domain not
  verified, a missing configuration set, sending paused for the account.

The caller fails the stream record either way, so nothing is marked sent; the
stream retries, and a rejection the user fixes meanwhile heals by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.contracts.errors import DeliveryError

_THROTTLING = {
    "Throttling",
    "ThrottlingException",
    "TooManyRequests",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ServiceUnavailable",
    "InternalFailure",
}

#: What the user has to do, per SES error code that no retry alone can fix.
_ACTIONS = {
    "MessageRejected": (
        "verify the sender (and, while the account is in the SES sandbox, every recipient) in SES, "
        "or request production access"
    ),
    "MailFromDomainNotVerifiedException": "verify the custom MAIL FROM domain of the sender's identity in SES",
    "ConfigurationSetDoesNotExist": "create the configuration set or stop naming it",
    "ConfigurationSetSendingPausedException": "resume sending for the configuration set",
    "AccountSendingPausedException": "SES paused sending for this account; see the SES console (reputation)",
}


class SesMailer:
    """Sends raw messages through a boto3 ``ses`` client (or anything with its ``send_raw_email``)."""

    def __init__(self, client: Any, configuration_set: str | None = None) -> None:
        self._client = client
        #: Named on every send, so SES publishes the email's bounces and complaints (template.yaml's alarms).
        self._extra = {"ConfigurationSetName": configuration_set} if configuration_set else {}

    def send_raw(self, sender: str, recipients: Sequence[str], raw: bytes) -> str:
        """Hand ``raw`` to SES for ``recipients``; returns the SES message id once SES has accepted it."""
        try:
            answer = self._client.send_raw_email(
                Source=sender, Destinations=list(recipients), RawMessage={"Data": raw}, **self._extra
            )
        except ClientError as exc:
            raise _delivery_error(exc, sender) from exc
        except BotoCoreError as exc:
            raise DeliveryError(f"SES could not be reached: {exc}", retryable=True) from exc
        return str(answer["MessageId"])


def _delivery_error(exc: ClientError, sender: str) -> DeliveryError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "Unknown"))
    message = str(error.get("Message", "")).strip()
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    if code in _THROTTLING or status >= 500:
        return DeliveryError(f"SES is throttling or unavailable ({code}): {message}", retryable=True)
    action = _ACTIONS.get(code, "check the SES request and the sender's identity")
    return DeliveryError(f"SES rejected the email from {sender} ({code}: {message}); {action}", retryable=False)
