"""The model cards' figures stay readable whatever the coin's price scale."""

from __future__ import annotations

from crypto_advisor.forecast.card import _fmt


def test_a_micro_priced_coins_price_error_keeps_its_significant_digits():
    # A SHIB-like coin's MAE of 3.1e-7 USD read "0.0000" on the card, beside its baselines' "0.0000"
    assert _fmt(3.1e-7) == "3.1e-07"
    assert _fmt(0.00012345) == "0.0001234"


def test_ordinary_figures_read_as_before():
    assert (_fmt(0.0123), _fmt(5.5), _fmt(12.345), _fmt(12_345.6), _fmt(0.0), _fmt(None)) == (
        "0.0123",
        "5.5000",
        "12.35",
        "12,346",
        "0.0000",
        "-",
    )
