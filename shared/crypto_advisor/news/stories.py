"""Syndicated copies of one story, grouped so that the story counts once.

Pure. A wire story reaches NewsAPI under many URLs: the wire's own site, its
regional editions, portals that republish it (Yahoo, MarketScreener), each
with the title as written or lightly edited ("US$150" for "$150", a
" - Reuters India" tag at the end). Counted once per URL, one story outvotes
every other in the mood, so the mood, the digest and the email count stories.

Two articles are copies of one story when their titles, reduced to their words
(case-folded, a trailing " - Publisher" / " | Publisher" tag of at most four
words dropped), share at least :data:`SIMILARITY` of their words (Jaccard),
and the later was published within :data:`WINDOW_MS` of the story's first
copy. Articles are taken oldest first and each is compared with the first copy
of the stories still open, so grouping never looks ahead: a story's time and
score are its first copy's, known from the moment it was published, and an
article published later can join a story but never change which story an
earlier one belongs to. The mood at a candle's close therefore still sees only
what was published by then.

What this does not catch: a story rewritten under a new title (a follow-up, a
translation). Those are counted as separate stories, as a reader would see them.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from crypto_advisor.contracts.news import Article
from crypto_advisor.contracts.units import HOUR_MS

#: Share of title words two copies of one story have in common, at least.
SIMILARITY = 0.85
#: How long after a story's first copy another copy may appear.
WINDOW_MS = 12 * HOUR_MS
#: A trailing publisher tag has at most this many words ("Reuters", "Reuters India", "CNET").
_TAG_WORDS = 4
_TAG = re.compile(r"\s+(?:-|\||—|–)\s+([^-|—–]+)$")
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=16_384)  # the same titles come back on every update of a warm container
def title_words(title: str) -> frozenset[str]:
    """The words of a title that identify its story: case-folded, without a trailing publisher tag."""
    text = title.strip()
    tag = _TAG.search(text)
    if tag and len(tag.group(1).split()) <= _TAG_WORDS and tag.start() > 0:
        text = text[: tag.start()]
    return frozenset(_WORD.findall(text.casefold()))


def similar(a: frozenset[str], b: frozenset[str]) -> bool:
    """True when two titles' words overlap by at least :data:`SIMILARITY` (Jaccard); empty titles never match."""
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= SIMILARITY


@dataclass(frozen=True)
class Story:
    """One story: its copies oldest first; the first copy's time, title and score are the story's."""

    copies: tuple[Article, ...]

    @property
    def first(self) -> Article:
        return self.copies[0]

    @property
    def published_ts(self) -> int:
        return self.first.published_ts

    def outlets(self, until_ms: int | None = None) -> int:
        """How many outlets (distinct source names; URLs for an unnamed source) carried it by ``until_ms``."""
        seen = {a.source.casefold() or a.url for a in self.copies if until_ms is None or a.published_ts <= until_ms}
        return max(len(seen), 1)


def _prefix(words: frozenset[str], rank: dict[str, int]) -> list[str]:
    """The rarest words of a title, enough that two titles similar enough always share one of them.

    The prefix filter of set-similarity joins: two sets with Jaccard >= t share a word among the first
    ``|x| - ceil(t |x|) + 1`` of each, in any one global order. Ordered rarest first, those are words few other
    titles have, so a title is compared with a handful of stories, not with every open one (a week of one
    coin's news is a thousand articles).
    """
    keep = len(words) - math.ceil(SIMILARITY * len(words) - 1e-9) + 1
    return sorted(words, key=lambda w: (rank[w], w))[:keep]


def _tail(posting: list[int] | None, start: int) -> list[int]:
    return posting[bisect_left(posting, start) :] if posting else []


def stories(articles: Iterable[Article]) -> list[Story]:
    """Group ``articles`` into stories, oldest story first (see the module's docstring for the rule).

    Each article joins the open story whose first copy's title has the same words, else the first open story
    (by first publication) whose first copy's title it matches; the prefix index only skips stories that cannot
    match, so the result is the same as comparing with every one.
    """
    ordered = sorted(articles, key=lambda a: (a.published_ts, a.url))
    words = [title_words(a.title) for a in ordered]
    frequency = Counter(w for ws in words for w in ws)
    rank = {w: n for w, n in frequency.items()}
    groups: list[list[Article]] = []
    keys: list[frozenset[str]] = []
    index: dict[str, list[int]] = {}
    exact: dict[frozenset[str], int] = {}
    open_from = 0  # groups before this index have closed: their first copy is more than the window old
    for article, key in zip(ordered, words, strict=True):
        while open_from < len(groups) and article.published_ts - groups[open_from][0].published_ts > WINDOW_MS:
            open_from += 1
        same = exact.get(key)
        if same is not None and same >= open_from:  # the same words: a copy (the usual case), no search
            groups[same].append(article)
            continue
        prefix = _prefix(key, rank)
        # Postings grow in group order, so the open groups are each one's tail.
        candidates = sorted({g for w in prefix for g in _tail(index.get(w), open_from)})
        match = next((g for g in candidates if similar(keys[g], key)), None)
        if match is not None:
            groups[match].append(article)
            continue
        groups.append([article])
        keys.append(key)
        exact[key] = len(groups) - 1
        for w in prefix:
            index.setdefault(w, []).append(len(groups) - 1)
    return [Story(tuple(group)) for group in groups]
