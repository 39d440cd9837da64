"""The series' email record (the replay report's ``email_record``): read, worded, and shown after what fired.

The record says how the emails the live policy would have sent on the series
fared, which a rule's own record cannot: ``make alert-quality`` found LTC/USD
and XRP/USD daily emails pointing the wrong way more often than chance while
each email quoted only its rules' records.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from crypto_advisor.analysis.edge_verdicts import EDGE, NO_EVIDENCE, TOO_FEW, WORSE
from crypto_advisor.contracts.units import DAY_MS
from crypto_advisor.notify.format import email_content, email_record_words
from crypto_advisor.notify.html import esc, paragraph, section
from crypto_advisor.notify.render import render_email
from crypto_advisor.notify.replay_figures import email_record
from crypto_advisor.notify.text import PAST_ALERTS_TITLE
from crypto_advisor.notify.text import section as text_section
from crypto_advisor.notify.view import EmailHorizon, EmailRecord

from .conftest import HOUR, bare_signal, firing

#: LTC/USD 1d as ``make alert-quality`` measured it (2018-01-12 to 2024-03-30).
FROM_TS, TO_TS = 1_515_715_200_000, 1_711_756_800_000


def horizon(n: int = 577, verdict: str = NO_EVIDENCE, **changes: Any) -> dict[str, Any]:
    """One horizon as the training run writes it; no evidence at 50% vs 50% unless changed."""
    fields: dict[str, Any] = {
        "n": n,
        "blocks": n,
        "hit_rate": 0.5,
        "base_rate": 0.5,
        "t": 0.1,
        "detectable_edge": 0.04,
        "verdict": verdict,
        "reading": "whatever the CLI says",
    }
    fields.update(changes)
    return fields


def ltc() -> dict[str, Any]:
    """The record of the brief: worse than chance a day later, no evidence at 4 and 24 days."""
    return {
        "emails": 592,
        "directional": 577,
        "from_ts": FROM_TS,
        "to_ts": TO_TS,
        "horizons": {
            "1": horizon(verdict=WORSE, hit_rate=0.4281, base_rate=0.5003, t=-3.45, detectable_edge=None),
            "4": horizon(576, blocks=150, hit_rate=0.4731, base_rate=0.5011, t=-0.9, detectable_edge=0.081),
            "24": horizon(560, blocks=40, hit_rate=0.51, base_rate=0.5062, t=0.2, detectable_edge=0.156),
        },
    }


def report(record: Any) -> dict[str, Any]:
    return {"replayed": 2_000, "rules": [], "email_record": record}


def words(record: dict[str, Any], label: str = "LTC/USD 1d", timeframe_ms: int = DAY_MS) -> str | None:
    read = email_record(report(record))
    assert read is not None
    return email_record_words(read, label, timeframe_ms)


# --- reading ---------------------------------------------------------------------------------


def test_a_report_written_before_emails_were_judged_has_no_email_record():
    assert email_record({"replayed": 2_000, "rules": []}) is None
    assert email_record(report(None)) is None


def test_the_record_is_read_with_its_horizons_shortest_first():
    record = email_record(report(ltc()))
    assert record == EmailRecord(
        592,
        577,
        FROM_TS,
        TO_TS,
        (
            EmailHorizon(1, 577, 577, 0.4281, 0.5003, WORSE, -3.45, None),
            EmailHorizon(4, 576, 150, 0.4731, 0.5011, NO_EVIDENCE, -0.9, 0.081),
            EmailHorizon(24, 560, 40, 0.51, 0.5062, NO_EVIDENCE, 0.2, 0.156),
        ),
    )


def test_a_record_read_back_from_its_json_is_the_same_record():
    # Given the record stored as JSON, horizon keys as strings (integers in the dict the run builds)
    built = {**ltc(), "horizons": {int(k): v for k, v in ltc()["horizons"].items()}}
    stored = json.loads(json.dumps(report(built)))
    # Then both read the same
    assert email_record(stored) == email_record(report(built)) == email_record(report(ltc()))


def test_horizons_without_an_outcome_or_without_both_rates_are_left_out():
    record = {
        **ltc(),
        "horizons": {
            "24": horizon(0, blocks=0, verdict=TOO_FEW, hit_rate=None, base_rate=None, t=None),
            "4": horizon(3, verdict=TOO_FEW, base_rate=None, t=None),
            "1": horizon(9, verdict=TOO_FEW, t=None),
        },
    }
    read = email_record(report(record))
    assert read is not None and [h.candles for h in read.horizons] == [1]


def with_field(path: str, value: Any) -> dict[str, Any]:
    """The LTC record with one field (``emails`` or ``horizons.4.hit_rate``) set to ``value``, or removed."""
    record = ltc()
    *parents, name = path.split(".")
    target = record
    for parent in parents:
        target = target[parent]
    if value is _MISSING:
        del target[name]
    else:
        target[name] = value
    return record


_MISSING = object()


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        ("emails", -1, r"email_record\.emails is -1, not a count"),
        ("emails", True, r"email_record\.emails is True, not an integer"),
        ("directional", 1.5, r"email_record\.directional is 1\.5"),
        ("directional", 600, r"email_record\.directional 600 is more than its 592 emails"),
        ("from_ts", "2018-01-12", r"email_record\.from_ts is '2018-01-12', not an integer"),
        ("to_ts", _MISSING, r"email_record\.to_ts is None, not an integer"),
        ("to_ts", FROM_TS - 1, r"email_record\.from_ts .* is after its to_ts"),
        ("horizons", [1, 4, 24], r"email_record\.horizons is \[1, 4, 24\], not a mapping"),
        ("horizons.a day", horizon(), r"email_record\.horizons: replay horizon 'a day' is not a number"),
        ("horizons.0", horizon(), r"email_record\.horizons: replay horizon '0' is not a positive number"),
        ("horizons.4", 0.47, r"email_record\.horizons\['4'\] is 0\.47, not a mapping"),
        ("horizons.4.n", -3, r"email_record\.horizons\['4'\]\.n is -3"),
        ("horizons.4.n", 600, r"email_record\.horizons\['4'\]\.n 600 is more than the record's 577 directional"),
        ("horizons.4.blocks", None, r"email_record\.horizons\['4'\]\.blocks is None, not an integer"),
        ("horizons.4.blocks", 577, r"email_record\.horizons\['4'\]\.blocks 577 is more than its n 576"),
        ("horizons.4.verdict", "probably", r"email_record\.horizons\['4'\]\.verdict 'probably' is not one of"),
        ("horizons.4.verdict", _MISSING, r"email_record\.horizons\['4'\]\.verdict None is not one of"),
        ("horizons.4.hit_rate", 47.3, r"email_record\.horizons\['4'\]\.hit_rate is 47\.3, not a share in \[0, 1\]"),
        ("horizons.4.base_rate", "0.5", r"email_record\.horizons\['4'\]\.base_rate is '0\.5', not a number"),
        ("horizons.4.t", "x", r"email_record\.horizons\['4'\]\.t is 'x', not a number"),
        ("horizons.4.t", float("nan"), r"email_record\.horizons\['4'\]\.t is nan, not a number"),
        ("horizons.4.detectable_edge", -0.1, r"email_record\.horizons\['4'\]\.detectable_edge is -0\.1, not a share"),
    ],
)
def test_a_malformed_field_is_an_error_naming_it(path: str, value: Any, named: str):
    with pytest.raises(ValueError, match=named):
        email_record(report(with_field(path, value)))


def test_a_record_that_is_not_a_mapping_is_an_error():
    with pytest.raises(ValueError, match=r"email_record is 'nope', not a mapping"):
        email_record(report("nope"))


# --- the words -------------------------------------------------------------------------------


def test_a_horizon_worse_than_chance_leads_with_its_t_and_the_others_are_grouped_as_no_evidence():
    assert words(ltc()) == (
        "With your settings, 592 alerts would have been emailed on LTC/USD 1d from 2018-01-12 to 2024-03-30, "
        "577 of them pointing up or down. How often the price then went their way (an unchanged close counting "
        "half; alerts whose outcomes overlap counted once), against any candle: 1 candle (1 day) later 42.8% of 577 "
        "vs 50.0%, worse than chance (t = -3.5); 4 candles (4 days) later 47.3% of 150 vs 50.1%, 24 candles "
        "(24 days) later 51.0% of 40 vs 50.6%, no evidence of an edge (an edge under about 16 percentage points "
        "could have gone unseen)."
    )


def test_a_horizon_better_than_chance_comes_first_whatever_its_length():
    record = {
        **ltc(),
        "horizons": {
            "1": horizon(hit_rate=0.52, base_rate=0.5),
            "24": horizon(560, blocks=120, verdict=EDGE, hit_rate=0.58, base_rate=0.5, t=2.44),
        },
    }
    text = words(record, "BTC/USD 1h", HOUR)
    assert text is not None
    assert (
        "against any candle: 24 candles (1 day) later 58.0% of 120 vs 50.0%, better than chance (t = 2.4); "
        "1 candle (1 hour) later 52.0% of 577 vs 50.0%, no evidence of an edge"
    ) in text


def test_the_verdict_comes_from_the_test_never_from_the_gap_between_the_shares():
    # Given a 20-point gap the test did not back
    record = {**ltc(), "horizons": {"24": horizon(560, blocks=20, hit_rate=0.7, base_rate=0.5, detectable_edge=None)}}
    text = words(record)
    assert text is not None
    assert text.endswith("against any candle: 24 candles (24 days) later 70.0% of 20 vs 50.0%, no evidence of an edge.")
    assert "better" not in text and "t =" not in text


def test_the_edge_no_evidence_could_miss_is_said_only_when_every_grouped_test_measured_it():
    record = ltc()
    record["horizons"]["24"]["detectable_edge"] = None
    text = words(record)
    assert text is not None and text.endswith(
        "24 candles (24 days) later 51.0% of 40 vs 50.6%, no evidence of an edge."
    )


def test_no_evidence_says_how_large_an_edge_the_weakest_test_could_have_missed():
    # Given a test that could only detect 5.2 points or more at 24 candles, and a stronger one at 4
    record = {**ltc(), "horizons": {"4": horizon(detectable_edge=0.041), "24": horizon(detectable_edge=0.052)}}
    text = words(record)
    assert text is not None and text.endswith("(an edge under about 5 percentage points could have gone unseen).")


def test_too_few_non_overlapping_emails_are_not_judged():
    record = {
        **ltc(),
        "emails": 9,
        "directional": 8,
        "horizons": {
            "1": horizon(8, blocks=8, verdict=TOO_FEW, hit_rate=0.75, t=None),
            "4": horizon(8, blocks=5, verdict=TOO_FEW, hit_rate=0.6, t=None),
        },
    }
    text = words(record)
    # Then it says so, with the counts and no rates: 75% of 8 emails would read as a claim whatever words followed
    assert text == (
        "With your settings, 9 alerts would have been emailed on LTC/USD 1d from 2018-01-12 to 2024-03-30, 8 of "
        "them pointing up or down: too few non-overlapping emails to judge how they fared yet (8 and 5 at 1 and 4 "
        "candles)."
    )
    # The same count at every horizon is said once
    record["horizons"]["4"]["blocks"] = 8
    text = words(record)
    assert text is not None and text.endswith("too few non-overlapping emails to judge how they fared yet (8).")


def test_a_horizon_too_young_to_judge_is_named_without_its_rates_beside_the_judged_ones():
    record = {**ltc(), "horizons": {**ltc()["horizons"], "24": horizon(30, blocks=12, verdict=TOO_FEW, t=None)}}
    text = words(record)
    assert text is not None
    assert text.endswith(
        "4 candles (4 days) later 47.3% of 150 vs 50.1%, no evidence of an edge (an edge under about 8 percentage "
        "points could have gone unseen); 24 candles (24 days) later, too few non-overlapping emails to judge (12)."
    )


def test_a_record_without_any_horizon_with_data_says_nothing():
    empty = email_record(report({**ltc(), "horizons": {"1": horizon(0, blocks=0, hit_rate=None, base_rate=None)}}))
    assert empty is not None and email_record_words(empty, "LTC/USD 1d", DAY_MS) is None


# --- the email -------------------------------------------------------------------------------


class Page(HTMLParser):
    """The text a reader of the HTML sees, entities decoded."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.feed(html)
        self.close()

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())


def test_the_record_is_said_in_both_parts_right_after_what_fired(make_view):
    view = make_view(email_record=email_record(report(ltc())))
    said = email_content(view).past_alerts
    assert said is not None and said.startswith("With your settings, 592 alerts would have been emailed on BTC/USD 1h")
    email = render_email(view, chart=False)
    text = email.text
    assert said in text
    assert text.index("WHAT FIRED") < text.index(PAST_ALERTS_TITLE.upper()) < text.index("SNAPSHOT")
    page = Page(email.html).text
    assert said in page
    assert page.index("What fired") < page.index(PAST_ALERTS_TITLE) < page.index("Snapshot")


def test_an_email_without_an_email_record_is_as_before_and_the_record_is_the_only_addition(make_view):
    before = render_email(make_view(), chart=False)
    assert PAST_ALERTS_TITLE.upper() not in before.text and PAST_ALERTS_TITLE not in before.html
    # The record adds its section and nothing else, to either part
    view = make_view(email_record=email_record(report(ltc())))
    said = email_content(view).past_alerts
    assert said is not None
    after = render_email(view, chart=False)
    assert after.text.replace(f"\n\n{text_section(PAST_ALERTS_TITLE, said)}", "", 1) == before.text
    assert after.html.replace(f"\n{section(PAST_ALERTS_TITLE, paragraph(esc(said), margin='0'))}", "", 1) == before.html
    # And a record with nothing to quote is no record
    nothing = email_record(report({**ltc(), "horizons": {}}))
    assert render_email(make_view(email_record=nothing), chart=False) == before


def test_an_email_whose_own_headline_is_neutral_still_speaks_of_the_alerts_that_pointed_up_or_down(make_view):
    squeeze = firing("bb_squeeze", direction="neutral", unit="% width", sentence="The Bollinger bands squeezed.")
    view = make_view(
        signal=bare_signal([squeeze]), firings=(squeeze,), candles=(), email_record=email_record(report(ltc()))
    )
    said = email_content(view).past_alerts
    assert said is not None and "How often the price then went their way" in said and "up or down" in said
    assert said in render_email(view, chart=False).text


def test_a_record_after_a_gap_says_so_beside_its_first_date():
    text = words({**ltc(), "after_gap": True})
    assert text is not None and "from 2018-01-12 (after the last gap in its candles) to 2024-03-30" in text
    assert "after the last gap" not in (words(ltc()) or "")


def test_an_after_gap_that_is_not_true_or_false_is_refused_naming_it():
    with pytest.raises(ValueError, match=r"email_record.after_gap is 'yes', not true or false"):
        email_record(report({**ltc(), "after_gap": "yes"}))


def test_a_t_past_the_bar_that_the_horizons_correction_did_not_keep_says_why_it_is_no_evidence():
    # Given ETH 1h's record: 55.5% of 335 vs 50.0% 4 candles later, t = 2.04, not kept once 3 horizons are corrected
    record = {
        **ltc(),
        "horizons": {
            "1": horizon(357, hit_rate=0.501, base_rate=0.5, t=0.06, detectable_edge=0.05),
            "4": horizon(335, hit_rate=0.555, base_rate=0.5, t=2.04, detectable_edge=0.05),
        },
    }
    text = words(record)
    # Then "no evidence" does not stand beside 55.5% vs 50.0% unexplained
    assert text is not None and text.endswith(
        "no evidence of an edge (an edge under about 5 percentage points could have gone unseen; the 4-candle t of "
        "2.0 falls short once the horizons are tested together)."
    )


# --- the headline rule's own record ------------------------------------------------------------


def with_rules() -> dict[str, Any]:
    """LTC's record, with RSI oversold's headlines worse than chance a candle later on their own (XRP/USD 1d's 24 h
    moves, in shape) and MACD's without a finding."""
    return {
        **ltc(),
        "by_rule": {
            "rsi_oversold": {
                "1": horizon(90, verdict=WORSE, hit_rate=0.356, base_rate=0.5, t=-2.74, detectable_edge=None),
                "4": horizon(90, blocks=60),
                "24": horizon(0, blocks=0, hit_rate=None, base_rate=None),
            },
            "macd_cross": {"1": horizon(47)},
        },
    }


def test_the_headline_rules_own_records_are_read_shortest_first_and_a_horizon_without_outcome_left_out():
    read = email_record(report(with_rules()))
    assert read is not None
    assert [h.candles for h in read.by_rule["rsi_oversold"]] == [1, 4]
    assert read.by_rule["rsi_oversold"][0] == EmailHorizon(1, 90, 90, 0.356, 0.5, WORSE, -2.74, None)
    assert [h.verdict for h in read.by_rule["macd_cross"]] == [NO_EVIDENCE]
    # A report written before the split reads as no split
    before = email_record(report(ltc()))
    assert before is not None and dict(before.by_rule) == {}


@pytest.mark.parametrize(
    ("by_rule", "named"),
    [
        ([1, 2], "email_record.by_rule is [1, 2], not a mapping of rules"),
        ({"macd_cross": 3}, "email_record.by_rule['macd_cross'] is 3, not a mapping of horizons"),
        ({"macd_cross": {"1": horizon(600)}}, "email_record.by_rule['macd_cross']['1'].n 600 is more than the"),
    ],
)
def test_a_malformed_rule_record_is_an_error_naming_it(by_rule: Any, named: str):
    with pytest.raises(ValueError, match=re.escape(named)):
        email_record(report({**ltc(), "by_rule": by_rule}))


def test_an_email_whose_headline_rule_fared_worse_than_chance_on_its_own_says_so_last(make_view):
    # Given the series' record, with the headlines of this email's rule (RSI oversold) worse than chance on their own
    rsi = firing("rsi_oversold", severity=3)
    view = make_view(signal_changes={"firings": [rsi]}, firings=(rsi,), email_record=email_record(report(with_rules())))
    assert view.headline is not None and view.headline.rule_id == "rsi_oversold"
    # When the email is written / Then the series-wide record is followed by the rule's own finding
    said = email_content(view).past_alerts
    assert said is not None and said.startswith("With your settings, 592 alerts would have been emailed")
    assert said.endswith(
        " Alerts headlined by this email's rule on their own: 1 candle (1 hour) later 35.6% of 90 vs 50.0%, worse"
        " than chance (t = -2.7), with every headline rule and horizon tested together."
    )
    # And an email headlined by a rule without such a finding says only the series-wide record, as before
    macd = firing("macd_cross", severity=3)
    other = make_view(
        signal_changes={"firings": [macd]}, firings=(macd,), email_record=email_record(report(with_rules()))
    )
    plain = make_view(signal_changes={"firings": [macd]}, firings=(macd,), email_record=email_record(report(ltc())))
    assert email_content(other).past_alerts == email_content(plain).past_alerts
