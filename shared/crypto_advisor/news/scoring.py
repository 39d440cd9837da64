"""VADER compound score of an article: how positive or negative its words are, from -1 to 1.

VADER (a lexicon and rules tuned on short social-media text) suits headlines:
no model download, no GPU, a few microseconds per article, and the same input
always gives the same score, so a stored score can be recomputed from the
archive. It reads words, not markets: "Bitcoin crashes" is negative, "short
sellers crushed" may read negative too. The score is a mood gauge, not a
trading signal on its own.
"""

from __future__ import annotations

from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    # Loading the lexicon takes ~20 ms: once per container, not per article.
    return SentimentIntensityAnalyzer()


def compound(title: str, description: str = "") -> float:
    """VADER compound of the title followed by the description (either may be empty)."""
    text = " ".join(part for part in (title.strip(), description.strip()) if part)
    if not text:
        return 0.0
    return float(_analyzer().polarity_scores(text)["compound"])
