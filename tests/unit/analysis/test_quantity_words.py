"""Volumes in the rules' sentences: a suffix for every scale a coin's volume reaches."""

from __future__ import annotations

from crypto_advisor.analysis.rules.wording import qty


def test_a_micro_priced_coins_trillions_read_with_a_t():
    # "Volume 13,816.04B was 3.5x its 20-candle average of 3,986.66B" before
    assert qty(1.381604e13) == "13.82T"
    assert qty(3.98666e12) == "3.99T"


def test_smaller_volumes_keep_their_suffixes():
    assert (qty(4.2e9), qty(1.234e6), qty(4_500), qty(12.345)) == ("4.2B", "1.23M", "4.5K", "12.35")
