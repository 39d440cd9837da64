"""Amazon SES: sends one raw MIME message and says, in the project's terms, what became of it.

``send_raw_email`` is the SES v1 call that takes the message as bytes, which is
what lets the email carry its chart inline (multipart/related). What can go
wrong falls in three kinds, because only the first two say whether an email
went out:

- not sent, worth another try (:class:`DeliveryError`, retryable): throttling
  (``Throttling``, ``TooManyRequests...``: SES refused the request), and a
  connection that never opened (``EndpointConnectionError``,
  ``ConnectTimeoutError``: the request never left);
- not sent, and no retry alone fixes it (:class:`DeliveryError`, not
  retryable): ``MessageRejected`` (in the SES sandbox: an unverified sender or
  recipient), a MAIL FROM domain not verified, a missing configuration set,
  sending paused for the account;
- **unknown** (:class:`DeliveryUnknownError`): the request was sent and its
  answer never came back whole: a read timeout, a connection dropped
  mid-answer, or a 5xx (SES failing after it may have queued the message). SES
  may have accepted the email; sending it again could be a second copy.

The client must make exactly one attempt (``wiring.notify.SES_CONFIG``):
botocore's own retries would resend after a lost answer, which is how one
alert whose answer came late reached SES five times.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError

from crypto_advisor.contracts.errors import DeliveryError, DeliveryUnknownError

_THROTTLING = {
    "Throttling",
    "ThrottlingException",
    "TooManyRequests",
    "TooManyRequestsException",
    "RequestLimitExceeded",
}
#: Codes of SES failing on its side: like any 5xx, the message may have been queued before it failed.
_SERVICE_FAILURES = {"ServiceUnavailable", "InternalFailure"}

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
        """Hand ``raw`` to SES for ``recipients``; returns the SES message id once SES has accepted it.

        Raises :class:`DeliveryError` when SES did not take the email, and
        :class:`DeliveryUnknownError` when it may have.
        """
        try:
            answer = self._client.send_raw_email(
                Source=sender, Destinations=list(recipients), RawMessage={"Data": raw}, **self._extra
            )
        except ClientError as exc:
            raise _delivery_error(exc, sender) from exc
        except HTTPClientError as exc:  # sent, then the answer timed out or the connection dropped
            raise DeliveryUnknownError(f"SES's answer was lost after the email was sent to it: {exc}") from exc
        except BotoCoreError as exc:  # before the request left: no connection, no credentials
            raise DeliveryError(f"SES could not be reached: {exc}", retryable=True) from exc
        return str(answer["MessageId"])


def _delivery_error(exc: ClientError, sender: str) -> DeliveryError | DeliveryUnknownError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "Unknown"))
    message = str(error.get("Message", "")).strip()
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    if code in _SERVICE_FAILURES or status >= 500:
        return DeliveryUnknownError(f"SES failed on its side ({code}, HTTP {status}): {message}")
    if code in _THROTTLING:
        return DeliveryError(f"SES is throttling ({code}): {message}", retryable=True)
    action = _ACTIONS.get(code, "check the SES request and the sender's identity")
    return DeliveryError(f"SES rejected the email from {sender} ({code}: {message}); {action}", retryable=False)
