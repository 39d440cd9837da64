"""The model cards' figures stay readable whatever the coin's price scale."""

from __future__ import annotations

from crypto_advisor.forecast.card import figure_text


def test_a_micro_priced_coins_price_error_keeps_its_significant_digits():
    # A SHIB-like coin's MAE of 3.1e-7 USD read "0.0000" on the card, beside its baselines' "0.0000"
    assert figure_text(3.1e-7) == "3.1e-07"
    assert figure_text(0.00012345) == "0.0001234"


def test_ordinary_figures_read_as_before():
    assert (
        figure_text(0.0123),
        figure_text(5.5),
        figure_text(12.345),
        figure_text(12_345.6),
        figure_text(0.0),
        figure_text(None),
    ) == (
        "0.0123",
        "5.5000",
        "12.35",
        "12,346",
        "0.0000",
        "-",
    )
