"""SesMailer against the real boto3 SES client, its answers stubbed by botocore's Stubber (no sockets)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ConnectionClosedError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber

from crypto_advisor.adapters.ses import SesMailer
from crypto_advisor.contracts.errors import DeliveryError, DeliveryUnknownError

SENDER = "alerts@example.com"
RAW = b"From: alerts@example.com\r\nTo: me@example.com\r\nSubject: BTC\r\n\r\nhello\r\n"


@pytest.fixture
def client():
    return boto3.client("ses", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


@pytest.fixture
def stub(client) -> Iterator[Stubber]:
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def test_the_raw_message_goes_to_ses_as_given_and_its_message_id_comes_back(client, stub):
    stub.add_response(
        "send_raw_email",
        {"MessageId": "0100018c-abc"},
        expected_params={"Source": SENDER, "Destinations": ["me@example.com"], "RawMessage": {"Data": RAW}},
    )
    assert SesMailer(client).send_raw(SENDER, ("me@example.com",), RAW) == "0100018c-abc"


@pytest.mark.parametrize(
    ("code", "status"), [("Throttling", 400), ("ThrottlingException", 400), ("TooManyRequestsException", 429)]
)
def test_throttling_is_retryable_nothing_was_sent(client, stub, code, status):
    stub.add_client_error(
        "send_raw_email", service_error_code=code, service_message="slow down", http_status_code=status
    )
    with pytest.raises(DeliveryError) as raised:
        SesMailer(client).send_raw(SENDER, ["me@example.com"], RAW)
    assert raised.value.retryable is True
    assert code in str(raised.value)


@pytest.mark.parametrize(
    ("code", "status"), [("ServiceUnavailable", 503), ("InternalFailure", 500), ("SomethingNew", 502)]
)
def test_a_5xx_leaves_the_delivery_unknown(client, stub, code, status):
    # SES failing on its side may have queued the message first: sending again could be a second copy.
    stub.add_client_error("send_raw_email", service_error_code=code, service_message="oops", http_status_code=status)
    with pytest.raises(DeliveryUnknownError) as raised:
        SesMailer(client).send_raw(SENDER, ["me@example.com"], RAW)
    assert code in str(raised.value) and not isinstance(raised.value, DeliveryError)


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        ("MessageRejected", "verify the sender"),
        ("MailFromDomainNotVerifiedException", "MAIL FROM"),
        ("ConfigurationSetDoesNotExist", "configuration set"),
        ("ConfigurationSetSendingPausedException", "resume sending"),
        ("AccountSendingPausedException", "paused sending"),
    ],
)
def test_rejections_are_not_retryable_and_say_what_to_do(client, stub, code, hint):
    stub.add_client_error(
        "send_raw_email",
        service_error_code=code,
        service_message="Email address is not verified: alerts@example.com",
        http_status_code=400,
    )
    with pytest.raises(DeliveryError) as raised:
        SesMailer(client).send_raw(SENDER, ["me@example.com"], RAW)
    assert raised.value.retryable is False
    message = str(raised.value)
    assert code in message and hint in message and SENDER in message


def test_an_unknown_client_error_is_not_retryable(client, stub):
    stub.add_client_error("send_raw_email", service_error_code="InvalidParameterValue", http_status_code=400)
    with pytest.raises(DeliveryError) as raised:
        SesMailer(client).send_raw(SENDER, ["me@example.com"], RAW)
    assert raised.value.retryable is False


class Failing:
    """An SES client whose send fails the way the network does."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def send_raw_email(self, **kwargs):
        raise self.error


ENDPOINT = "https://email.us-east-1.amazonaws.com"


@pytest.mark.parametrize(
    "error", [EndpointConnectionError(endpoint_url=ENDPOINT), ConnectTimeoutError(endpoint_url=ENDPOINT)]
)
def test_a_connection_that_never_opened_is_retryable_nothing_was_sent(error):
    with pytest.raises(DeliveryError, match="could not be reached") as raised:
        SesMailer(Failing(error)).send_raw(SENDER, ["me@example.com"], RAW)
    assert raised.value.retryable is True


@pytest.mark.parametrize(
    "error",
    [ReadTimeoutError(endpoint_url=ENDPOINT), ConnectionClosedError(endpoint_url=ENDPOINT)],
    ids=["read timeout", "connection dropped"],
)
def test_an_answer_lost_after_the_request_went_out_leaves_the_delivery_unknown(error):
    # The request reached SES (or may have): it may have accepted the email, so this is no refusal to retry.
    with pytest.raises(DeliveryUnknownError, match="answer was lost"):
        SesMailer(Failing(error)).send_raw(SENDER, ["me@example.com"], RAW)
