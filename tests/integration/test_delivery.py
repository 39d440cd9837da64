"""Email delivery against the embedded AWS: what reaches SES when its answer is lost.

The SES client is the one every sender is wired with
(:func:`crypto_advisor.wiring.notify.make_ses_client`), pointed at the
embedded SES, with a hook that lets each request through to SES and then loses
the answer, as a read timeout after SES accepted the message does. Emails are
counted in the embedded SES itself.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
import urllib3
from botocore.exceptions import ReadTimeoutError

from crypto_advisor.local.outbox import verify_sender
from crypto_advisor.local.runtime import LocalRuntime
from crypto_advisor.local.stack import CREDENTIALS, REGION
from crypto_advisor.wiring.notify import make_ses_client
from tests.conftest import REPO
from tests.integration.test_notify_function import LAST, Notify, firing, ingested


@pytest.fixture
def notify(deployed) -> Notify:
    stack = ingested(deployed)
    verify_sender(deployed.stack)
    return stack


class LateSes:
    """Every SendRawEmail reaches SES, which accepts it; its answer never comes back (a read timeout)."""

    def __init__(self) -> None:
        self.requests = 0
        self._http = urllib3.PoolManager()

    def __call__(self, request: Any, **kwargs: Any) -> None:
        self.requests += 1
        self._http.request(request.method, request.url, body=request.body, headers=dict(request.headers))
        raise ReadTimeoutError(endpoint_url=request.url)


def late_ses_client(notify: Notify) -> tuple[Any, LateSes]:
    session = boto3.session.Session(region_name=REGION, **CREDENTIALS)
    client = make_ses_client(session, endpoint_url=notify.aws.endpoint)
    late = LateSes()
    client.meta.events.register("before-send.ses.SendRawEmail", late)
    return client, late


def test_an_answer_lost_after_ses_accepted_reaches_the_mailbox_once_and_is_kept_unknown(notify):
    # Given an alerting signal, and SES accepting every message but its answer never arriving
    notify.store(LAST, firing("rsi_oversold"))
    client, late = late_ses_client(notify)
    # When the stream delivers the signal
    responses = notify.deliver(ses_client=client)
    # Then SES was asked once and holds one message (the client with botocore's retries sent it 5 times):
    # the SDK does not retry a send, and the record is not failed, so the stream does not either
    assert late.requests == 1 and len(notify.emails()) == 1
    assert responses == [{"batchItemFailures": []}]
    # And the decision says the delivery is unknown, with the subject and what was lost
    decision = notify.decisions()[LAST]
    assert decision["status"] == "unknown" and "BTC" in decision["subject"]
    assert "Read timeout" in decision["detail"]


def test_a_record_whose_delivery_is_unknown_sends_nothing_when_redelivered(notify):
    # Given an email whose SES answer was lost
    notify.store(LAST, firing("rsi_oversold"))
    client, _ = late_ses_client(notify)
    notify.deliver(ses_client=client)
    # When the same record arrives again (a fresh event source mapping reads the stream from its start)
    again = LocalRuntime(notify.deployed.stack, repo_root=REPO).deliver_dynamodb_streams("NotifyFunction")
    # Then it succeeds and SES holds still one message: at most once, never twice
    assert again == [{"batchItemFailures": []}]
    assert len(notify.emails()) == 1 and notify.decisions()[LAST]["status"] == "unknown"
