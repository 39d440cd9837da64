"""The digest's "Market scan" section: top movers from the newest scan, the breakout model with its record."""

from __future__ import annotations

import dataclasses
from typing import Any

from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.digest.scan_section import ScanDay, scan_section
from tests.unit.digest.conftest import AT_MS, WALL_MS, WATCHLIST, watchlist

SCAN_WATCHLIST = WATCHLIST + "  - {source: coingecko-markets, top: 250, vs: usd}\n"


def coin(symbol: str, change: float | None, name: str = "") -> dict[str, Any]:
    return {
        "series": f"coingecko-markets:{symbol}-USD:1h",
        "name": name or symbol,
        "close": 1.25,
        "change_24h_pct": change,
    }


SNAPSHOT = {
    "coins": [
        coin("BTC", 1.2, "Bitcoin"),
        coin("PEPE", 31.5, "Pepe"),
        coin("WIF", -12.0, "dogwifhat"),
        coin("X", None),
    ],
    "refused": [{"coin": "usdt0", "reason": "symbol 'usd₮0' cannot be a series symbol (A-Z, 0-9)"}],
}


def breakouts(verdict: str, t: float) -> dict[str, Any]:
    return {
        "threshold_pct": 10.0,
        "horizon_hours": 24,
        "names": {},
        "card": {
            "verdict": verdict,
            "n": 48_000,
            "folds": 4,
            "advantage_t": {"base_rate": t},
            "scores": {"observed": {"rate": 0.06}, "model": {"auc": 0.61, "brier_skill": 0.021}},
        },
        "latest": {
            "coingecko-markets:PEPE-USD:1h": {"ts": 0, "probability": 0.19},
            "coingecko-markets:BTC-USD:1h": {"ts": 0, "probability": 0.01},
        },
    }


def test_the_section_lists_the_days_risers_and_fallers_from_the_newest_scan():
    section = scan_section(ScanDay("top 250 USD", SNAPSHOT, None))
    assert section.title == "Market scan · top 250 USD"
    assert section.risers == ("PEPE: +31.50% at 1.25", "Bitcoin (BTC): +1.20% at 1.25")
    assert section.fallers == ("dogwifhat (WIF): -12.00% at 1.25",)
    assert (
        section.intro.startswith("4 coins in the newest scan") and "1 listed coins could not be stored" in section.intro
    )
    assert "No breakout model yet" in section.record


def test_a_skilled_model_is_quoted_with_its_out_of_sample_record_and_its_likeliest_coins():
    section = scan_section(ScanDay("top 250 USD", SNAPSHOT, breakouts("beats baseline", 3.4)))
    assert section.record.startswith("Breakout model (P of +10% within 24 h): beats the base rate, out of sample")
    assert "48,000 coin-hours" in section.record and "t = 3.4" in section.record
    # only the coins above the base rate are listed as likely
    assert section.breakouts == ("PEPE: 19% (base rate 6%)",)


def test_a_model_without_skill_says_so_before_any_probability():
    section = scan_section(ScanDay("top 250 USD", SNAPSHOT, breakouts("no skill", 0.7)))
    assert "no evidence of skill" in section.record and "not a reason to act" in section.record


class Reports:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    def snapshot(self, vs: str) -> dict[str, Any] | None:
        if self.fail:
            raise StorageError("reading s3://archive/reports/scan/vs=USD/latest.json: AccessDenied")
        return SNAPSHOT

    def breakouts(self, vs: str) -> dict[str, Any] | None:
        return breakouts("no skill", 0.7)


def test_the_digest_email_carries_the_scan_section_in_both_parts(make_digester):
    # Given a watchlist with a scan, and the scan's documents stored
    digester, _log, mailer, _ = make_digester(watchlist(SCAN_WATCHLIST))
    digester = dataclasses.replace(digester, scans=Reports())

    # When the digest goes out
    digester.run(at_ms=AT_MS, wall_ms=WALL_MS)

    # Then its text and its HTML both have the section with the movers and the model's verdict
    [message] = mailer.messages()
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "MARKET SCAN · TOP 250 USD" in text and "PEPE: +31.50%" in text
    assert "no evidence of skill" in text
    assert "Market scan · top 250 USD" in html and "dogwifhat (WIF): -12.00%" in html


def test_an_unreadable_scan_is_said_and_the_digest_still_goes_out(make_digester):
    digester, _log, mailer, _ = make_digester(watchlist(SCAN_WATCHLIST))
    run = dataclasses.replace(digester, scans=Reports(fail=True)).run(at_ms=AT_MS, wall_ms=WALL_MS)
    assert run.sent
    text = mailer.messages()[0].get_body(("plain",)).get_content()
    assert "The scan's data could not be read: reading s3://archive/reports/scan/vs=USD/latest.json" in text


def test_the_days_breakouts_are_counted_at_the_models_size_when_its_horizon_is_the_day():
    # Given the snapshot (PEPE +31.5%, BTC +1.2%, WIF -12%) and a model of +10% within 24 h
    with_model = scan_section(ScanDay("top 250 USD", SNAPSHOT, breakouts("beats_base_rate", 3.1)))
    # Then the intro counts PEPE alone as the day's breakout
    assert with_model.intro.endswith(
        "Broke out (+10% or more over the 24 hours, the breakout model's size): 1 of them."
    )
    # And without a model, or with one of another horizon, the count is not guessed
    assert "Broke out" not in scan_section(ScanDay("top 250 USD", SNAPSHOT, None)).intro
    other = {**breakouts("beats_base_rate", 3.1), "horizon_hours": 12}
    assert "Broke out" not in scan_section(ScanDay("top 250 USD", SNAPSHOT, other)).intro
