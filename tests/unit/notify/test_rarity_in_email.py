"""An alert email says how unusual its event is: in the subject, and beside each firing in text and HTML."""

from __future__ import annotations

from crypto_advisor.contracts.signal import Rarity
from crypto_advisor.notify.headline import headline_order
from crypto_advisor.notify.render import render_email
from tests.unit.notify.conftest import bare_signal, firing, record

VOLUME = Rarity(score=288, measure="volume", words="the largest hourly volume in 12 days (4.2x its average)")
ROUTINE = Rarity(score=1, measure="none", words="a routine candle")


def test_the_rarest_firing_headlines_and_its_rarity_is_in_the_subject(make_view):
    rsi = firing("rsi_oversold", severity=3)
    spike = firing("volume_spike", direction="neutral", severity=2, rarity=VOLUME)
    view = make_view(signal_changes={"firings": [rsi, spike]}, firings=(rsi, spike))
    assert headline_order(view.firings)[0].rule_id == "volume_spike"  # rarer beats more severe
    email = render_email(view)
    assert "Volume spike" in email.subject and "the largest hourly volume in 12 days" in email.subject
    assert "How unusual: the largest hourly volume in 12 days (4.2x its average)." in email.text
    assert "How unusual: the largest hourly volume in 12 days (4.2x its average).</strong>" in email.html


def test_a_routine_rarity_is_not_named_in_the_subject_and_an_unmeasured_firing_has_no_line(make_view):
    quiet = firing("rsi_oversold", rarity=ROUTINE)
    view = make_view(signal_changes={"firings": [quiet]}, firings=(quiet,))
    assert "routine" not in render_email(view).subject
    old = firing("rsi_oversold")
    email = render_email(make_view(signal_changes={"firings": [old]}, firings=(old,)))
    assert "How unusual" not in email.text and "How unusual" not in email.html


def test_firings_without_rarity_keep_the_severity_then_headline_order():
    ordered = headline_order([firing("fib_cross", severity=2), firing("macd_cross", severity=3)])
    assert [f.rule_id for f in ordered] == ["macd_cross", "fib_cross"]
    assert bare_signal([firing()]).firings[0].rarity is None


OWN_DROP = Rarity(
    score=30,
    measure="own_move",
    words="the largest daily drop beyond what BTC implied in at least 30 days",
    capped=True,
)
OBV_VOLUME = Rarity(score=37, measure="volume", words="the largest daily volume in 37 days")


def test_a_capped_record_is_not_outranked_by_a_longer_one_it_could_not_measure(make_view):
    # A -10% day on a daily series: its own move beyond BTC's is capped at the 30 candles its beta was measured on; the
    # same candle's volume is a 37-day record, and OBV reads the divergence as bullish
    drop = firing("price_change_24h", direction="bearish", value=-10.0, threshold=-8.0, distance=2.0, rarity=OWN_DROP)
    obv = firing("obv_divergence", direction="bullish", rarity=OBV_VOLUME)

    # The records tie beyond the cap, and the move, first in the headline order, makes the headline
    assert [f.rule_id for f in headline_order([obv, drop])] == ["price_change_24h", "obv_divergence"]
    view = make_view(signal_changes={"firings": [obv, drop]}, firings=(obv, drop))
    assert "(bearish)" in render_email(view).subject

    # An uncapped record still ranks by its length, and a capped one still beats a shorter record
    uncapped = firing("price_change_24h", direction="bearish", rarity=OWN_DROP.model_copy(update={"capped": False}))
    assert headline_order([uncapped, obv])[0].rule_id == "obv_divergence"
    shorter = firing("obv_divergence", rarity=OBV_VOLUME.model_copy(update={"score": 12}))
    assert headline_order([shorter, drop])[0].rule_id == "price_change_24h"
    # A more severe firing past the cap still leads: the tie goes to severity before the order
    strong = firing("obv_divergence", severity=3, rarity=OBV_VOLUME)
    assert headline_order([drop, strong])[0].rule_id == "obv_divergence"


def test_the_rarity_line_places_the_firing_among_the_rules_past_firings_on_the_series(make_view):
    rsi = firing("rsi_oversold", distance=9.5, rarity=VOLUME)
    quantiles = tuple(float(q) for q in range(21))  # past distances spread evenly over 0..20
    records = {"rsi_oversold": record("rsi_oversold", strength=(412, quantiles))}
    email = render_email(make_view(signal_changes={"firings": [rsi]}, firings=(rsi,), rule_records=records))
    assert "stronger than 48% of this rule's 412 past firings on this series." in email.text
    assert "4.2x its average); stronger than 48%" in email.html
