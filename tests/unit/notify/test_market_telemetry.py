"""What the log says of a market email sent with a note (a recipient SES refused): a warning naming it."""

from __future__ import annotations

import io
import json

from crypto_advisor.notify.outcomes import MarketEmailSent, Suppressed
from crypto_advisor.notify.policy import Suppress
from crypto_advisor.telemetry.notify import record
from crypto_advisor.telemetry.observability import logger, metrics
from tests.unit.notify.conftest import bare_signal, firing


def test_a_market_email_sent_with_a_refused_recipient_logs_the_note_as_a_warning():
    # Given a market email SES took for one recipient and refused for the other
    note = "SES refused the market email for bob@example.com: address is not verified"
    market = MarketEmailSent(
        "1h", 1_767_225_600_000, "ses-1", "Market: BTC -2.8%", ("kraken:BTC-USD:1h",), notes=(note,)
    )
    outcome = Suppressed(
        bare_signal([firing()]), Suppress("in_market_email", "covered", ("rsi_oversold",)), True, market
    )
    # When the notifier's outcome is logged (the lines as Powertools writes them, from its own handler)
    out = io.StringIO()
    stream = logger.registered_handler.setStream(out)  # type: ignore[attr-defined]
    try:
        record(outcome)
    finally:
        logger.registered_handler.setStream(stream)  # type: ignore[attr-defined]
        metrics.clear_metrics()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    # Then the send is logged, and the refused recipient is a warning of its own
    assert any(line["message"] == "market email sent" for line in lines)
    [warning] = [line for line in lines if line["message"] == note]
    assert warning["level"] == "WARNING" and warning["timeframe"] == "1h"
