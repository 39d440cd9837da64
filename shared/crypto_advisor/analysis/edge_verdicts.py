"""The verdicts of a rule's out-of-sample edge test, as the replay report writes them and emails read them.

They live apart from :mod:`crypto_advisor.analysis.rule_edge` (which needs
numpy) because NotifyFunction reads them on every email and imports neither
numpy nor pandas to do so. A report that carries none of them (written before
the test existed) reads as :data:`NO_EVIDENCE`: an email never claims an edge
the test did not find.
"""

from __future__ import annotations

#: Firings followed by a move their way significantly more often than any candle (t >= 2, kept by BH).
EDGE = "edge"
#: Significantly less often (t <= -2, kept by BH): the rule points the wrong way.
WORSE = "worse"
#: Tested, and neither of the above.
NO_EVIDENCE = "no evidence"
#: Too few non-overlapping firings to test at all.
TOO_FEW = "too few"

VERDICTS = frozenset({EDGE, WORSE, NO_EVIDENCE, TOO_FEW})
#: The model cards' significance standard: |t| of at least 2 over independent blocks (before Benjamini-Hochberg:
#: a t past it can still read no evidence once every rule and horizon tested is counted).
T_MIN = 2.0


def dropped_by_correction(verdict: str, t: float | None) -> bool:
    """Whether a test's ``t`` passed :data:`T_MIN` yet its verdict is no evidence: Benjamini-Hochberg over the tests
    made together did not keep it. Every place that quotes such a t says why, or "t = 2.0" beside "no evidence"
    reads as a contradiction."""
    return verdict == NO_EVIDENCE and t is not None and abs(t) >= T_MIN
