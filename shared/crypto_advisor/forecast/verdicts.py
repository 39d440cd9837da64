"""A model card's two verdicts, apart from the card so naming one costs no numpy.

The digest and the emails only compare a stored card's ``verdict`` with
:data:`BEATS`; importing :mod:`.card` for that pulled numpy (and the card's
metrics) into DigestFunction's every cold start, about a fifth of
``import pandas, numpy``, for two strings.
"""

from __future__ import annotations

BEATS = "beats baseline"
NO_SKILL = "no skill"
