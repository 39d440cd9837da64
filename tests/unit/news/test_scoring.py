"""VADER compound on title plus description."""

from __future__ import annotations

from crypto_advisor.news.scoring import compound


def test_a_clearly_positive_headline_scores_above_0_3():
    # Given / When a headline full of good news is scored / Then it is clearly positive
    assert compound("Bitcoin soars to record high as investors cheer ETF approval") > 0.3


def test_a_clearly_negative_headline_scores_below_minus_0_3():
    # Given / When a headline of losses and panic is scored / Then it is clearly negative
    assert compound("Bitcoin crashes as exchange hack wipes out billions, panic spreads") < -0.3


def test_a_factual_headline_is_neutral():
    # Given / When a headline with no mood words is scored / Then it scores zero
    assert compound("Bitcoin trades near 95,000 on Tuesday") == 0.0


def test_the_description_counts_with_the_title():
    # Given a neutral title whose description is bleak
    title = "Bitcoin miners report quarterly results"

    # When it is scored with and without the description
    alone, with_description = compound(title), compound(title, "Terrible losses, bankruptcies and layoffs.")

    # Then the description moves the score
    assert alone == 0.0 and with_description < -0.3


def test_no_text_scores_zero():
    # Given / When nothing is scored / Then it is neutral, not an error
    assert compound("", "  ") == 0.0
