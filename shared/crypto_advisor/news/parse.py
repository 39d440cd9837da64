"""NewsAPI article objects -> :class:`Article` contracts (scored when English), or a reason why not.

Pure. Everything in an answer came from publishers through NewsAPI, so each
article is checked on its own and a bad one is rejected with its reason
(missing url or title, a URL that is not http(s) such as ``javascript:``, a
date that cannot be read or lies after the run), never failing the others.
Titles and descriptions are kept as sent, markup included: they are text, and
the renderers escape them. Every text field has its cap
(:mod:`crypto_advisor.contracts.news`): titles, descriptions and source names
are cut to theirs (prose reads fine cut), and a URL longer than its cap is
rejected with the reason (a cut URL is no link).

Each accepted article also gets its language (only English is scored: VADER
reads English, see :mod:`.language`), the entities its headline names
(:mod:`.entities`) and the watched coins it names (:mod:`.attribution`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from crypto_advisor.contracts.news import (
    ENGLISH,
    MAX_DESCRIPTION_CHARS,
    MAX_SOURCE_CHARS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    Article,
)
from crypto_advisor.news.attribution import coins_named
from crypto_advisor.news.entities import entities

#: What NewsAPI puts in place of an article its publisher withdrew.
REMOVED = "[Removed]"

Scorer = Callable[[str, str], float]
#: (title, description) -> ISO 639-1 code of its language
Detector = Callable[[str, str], str]


def english(title: str, description: str) -> str:
    """A detector that takes everything for English: for callers that checked the language already."""
    return ENGLISH


class ArticleError(ValueError):
    """One article that cannot be used; the message is the reason reported."""


@dataclass(frozen=True)
class Rejection:
    """An article left out of a run: its position in the answer, its URL if it had one, and why."""

    index: int
    url: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "url": self.url, "reason": self.reason}


def _text(raw: dict[str, Any], field: str) -> str:
    value = raw.get(field)
    return value.strip() if isinstance(value, str) else ""


def published_ms(text: Any) -> int:
    """``publishedAt`` (ISO 8601; NewsAPI sends ``2026-11-20T13:04:05Z``) as epoch ms; no zone means UTC."""
    if not isinstance(text, str) or not text.strip():
        raise ArticleError("missing publishedAt")
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ArticleError(f"bad publishedAt {text[:40]!r}: not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


def parse_article(
    coin: str,
    raw: Any,
    *,
    now_ms: int,
    score: Scorer,
    detect: Detector = english,
    watched: Mapping[str, str] | None = None,
) -> Article:
    """One article of a NewsAPI answer; raises :class:`ArticleError` with the reason.

    Scored only when ``detect`` says it is English. ``watched`` (ticker -> name) are the coins it may be
    about: with it, ``about`` lists those the article names and ``off_topic`` says it does not name ``coin``;
    without it, the article is taken to be about ``coin``.
    """
    if not isinstance(raw, dict):
        raise ArticleError(f"not an article object: {type(raw).__name__}")
    url, title = _text(raw, "url"), _text(raw, "title")
    if not url:
        raise ArticleError("missing url")
    if len(url) > MAX_URL_CHARS:
        raise ArticleError(f"url too long: {len(url):,} characters, at most {MAX_URL_CHARS:,} are stored")
    if not title:
        raise ArticleError("missing title")
    if title == REMOVED:
        raise ArticleError("removed by its publisher ([Removed])")
    published = published_ms(raw.get("publishedAt"))
    if published <= 0:
        raise ArticleError(f"bad publishedAt {raw.get('publishedAt')!r}: before 1970")
    if published > now_ms:
        raise ArticleError(f"bad publishedAt {raw.get('publishedAt')!r}: after the run time")
    title = title[:MAX_TITLE_CHARS]
    description = _text(raw, "description")[:MAX_DESCRIPTION_CHARS]
    source = raw.get("source")
    source_name = (_text(source, "name") if isinstance(source, dict) else "")[:MAX_SOURCE_CHARS]
    language = detect(title, description)
    about = coins_named(f"{title}\n{description}", watched) if watched is not None else (coin,)
    try:
        return Article(
            coin=coin,
            url=url,
            title=title,
            description=description,
            source=source_name,
            published_ts=published,
            compound=score(title, description) if language == ENGLISH else None,
            language=language,
            entities=entities(f"{title}\n{description}"),
            about=about,
            off_topic=coin not in about,
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()
        )
        raise ArticleError(problems) from None


def parse_articles(
    coin: str,
    raws: Sequence[Any],
    *,
    now_ms: int,
    score: Scorer,
    detect: Detector = english,
    watched: Mapping[str, str] | None = None,
) -> tuple[list[Article], list[Rejection]]:
    """Every usable article of an answer, and every rejected one with its reason (see :func:`parse_article`)."""
    accepted: list[Article] = []
    rejected: list[Rejection] = []
    for index, raw in enumerate(raws):
        try:
            accepted.append(parse_article(coin, raw, now_ms=now_ms, score=score, detect=detect, watched=watched))
        except ArticleError as exc:
            url = raw.get("url") if isinstance(raw, dict) and isinstance(raw.get("url"), str) else None
            rejected.append(Rejection(index=index, url=url[:200] if url else None, reason=str(exc)))
    return accepted, rejected
