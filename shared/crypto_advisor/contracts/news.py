"""News contracts: one article (scored when English), and the news mood a Signal carries.

An :class:`Article` is what NewsFunction stores per coin (News table, one item
per article URL): its language, its VADER score when that language is
English (VADER reads English only; any other article is stored unscored), the
named entities of its headline and the watched coins it names. A
:class:`NewsDigest` is what the
analysis attaches to a Signal: the mood over the last 24 hours against the last
7 days, and the top headlines. The email renders the digest as it is, so the
Signal (the notifier's outbox) is self-contained.

Everything here came from outside (NewsAPI, the publishers): titles, sources
and URLs are untrusted text. Renderers escape them; ``url`` is checked to be
http(s) here so a ``javascript:`` link never reaches a template as a link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crypto_advisor.contracts.units import DAY_MS, WEEK_MS

#: How far back the 7-day mood looks, and the short window it is compared with.
MOOD_LONG_MS = WEEK_MS
MOOD_SHORT_MS = DAY_MS
#: How far back a coin's news summary (NewsFunction's, read by the analysis instead of the coin's Query: see
#: :mod:`crypto_advisor.adapters.news_summary`) holds its articles: the analysis asks for the week before a
#: candle's close plus one candle (a day at most), and a candle may be analysed a while after the summary was
#: written; an older window is read the old way.
SUMMARY_SPAN_MS = MOOD_LONG_MS + 2 * DAY_MS

#: Caps on every text field stored from a news source. A publisher can send anything (a 450 KB URL failed a
#: News write and stopped that coin's run; three 150 KB ones made a Signal too large for DynamoDB), so each field
#: is bounded here, and an Article item, and a Signal's five headlines, stay far below DynamoDB's 400 KB item
#: limit by construction. 2,048 characters is what browsers and servers reliably accept as a link: a longer URL
#: is refused (a cut URL is no link), while prose is cut to its cap where it is parsed.
MAX_URL_CHARS = 2_048
MAX_TITLE_CHARS = 500
MAX_DESCRIPTION_CHARS = 2_000
MAX_SOURCE_CHARS = 200
MAX_COIN_CHARS = 20
#: Named entities kept per article, and the "in the news" names a digest carries.
MAX_ENTITIES = 12
MAX_ENTITY_CHARS = 80
MAX_IN_THE_NEWS = 6
#: Watched coins one article may be attributed to.
MAX_ABOUT = 20
#: The language VADER scores (ISO 639-1).
ENGLISH = "en"
#: How many headlines a Signal's news digest carries.
MAX_HEADLINES = 5


def is_web_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host: the only links an email may carry."""
    try:
        parsed = urlparse(url)
    except ValueError:
        return False
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


EntityKind = Literal["org", "person", "place"]


class Entity(BaseModel):
    """A name a headline mentions: an organisation, a person or a place (see :mod:`crypto_advisor.news.entities`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=MAX_ENTITY_CHARS)
    kind: EntityKind


class Article(BaseModel):
    """One news article stored for one coin.

    ``compound`` is None for an article not in English: stored (it was news) and
    counted, never scored. ``about`` holds the watched coins the article names;
    ``off_topic`` is True when it does not name ``coin`` itself (NewsAPI matched
    the coin somewhere in the full text): such an article is kept but left out
    of the coin's mood. Items stored before these fields existed read as English,
    on topic and without entities.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    coin: str = Field(min_length=1, max_length=MAX_COIN_CHARS, description="the coin's ticker, e.g. BTC")
    url: str = Field(min_length=1, max_length=MAX_URL_CHARS)
    title: str = Field(max_length=MAX_TITLE_CHARS)
    description: str = Field(default="", max_length=MAX_DESCRIPTION_CHARS)
    source: str = Field(default="", max_length=MAX_SOURCE_CHARS)
    published_ts: int = Field(gt=0, description="epoch milliseconds UTC")
    compound: float | None = Field(
        ge=-1.0, le=1.0, description="VADER compound score of title + description; None: not English, not scored"
    )
    language: str = Field(default=ENGLISH, min_length=2, max_length=8, description="ISO 639-1 code, or 'und'")
    entities: tuple[Entity, ...] = Field(default=(), max_length=MAX_ENTITIES)
    about: tuple[str, ...] = Field(default=(), max_length=MAX_ABOUT)
    off_topic: bool = False

    @property
    def in_mood(self) -> bool:
        """Whether the article counts in its coin's mood: scored (English) and about the coin."""
        return self.compound is not None and not self.off_topic

    @field_validator("url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        if not is_web_url(value):
            raise ValueError(f"not an http(s) URL: {value[:80]!r}")
        return value


class Headline(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(max_length=MAX_TITLE_CHARS)
    source: str = Field(max_length=MAX_SOURCE_CHARS)
    url: str = Field(max_length=MAX_URL_CHARS)
    published_ts: int
    compound: float
    #: how many outlets carried the story (syndicated copies of one story make one headline)
    outlets: int = Field(default=1, ge=1)


class NewsMood(BaseModel):
    """Mean VADER compound over the short and long windows ending at ``at_ts``, each story counted once.

    ``count_24h`` and ``count_7d`` count stories (syndicated copies of one story
    are one, see :mod:`crypto_advisor.news.stories`); ``articles_24h`` counts the
    scored articles behind them, and ``other_languages_24h`` the articles of the
    last 24 hours that were not in English (stored, not scored).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    at_ts: int
    mean_24h: float | None
    count_24h: int = Field(ge=0)
    mean_7d: float | None
    count_7d: int = Field(ge=0)
    articles_24h: int = Field(default=0, ge=0)
    other_languages_24h: int = Field(default=0, ge=0)

    @property
    def shift(self) -> float | None:
        """How far the 24h mood is from the 7-day mood (positive: better than usual)."""
        if self.mean_24h is None or self.mean_7d is None:
            return None
        return self.mean_24h - self.mean_7d


class NewsDigest(BaseModel):
    """What a Signal carries about the news: the mood and the top headlines of the last 24 hours."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    coin: str = Field(max_length=MAX_COIN_CHARS)
    #: ``off``: the stack has no NewsAPI key; ``unavailable``: the coin's news could not be read for this signal
    #: (signals stored before ``unavailable`` existed said ``off`` for that too)
    status: Literal["ok", "off", "unavailable", "no_articles"] = "ok"
    mood: NewsMood | None = None
    headlines: list[Headline] = Field(default_factory=list, max_length=MAX_HEADLINES)
    #: the organisations, people and places named by most stories of the last 24 hours, most named first
    in_the_news: list[Entity] = Field(default_factory=list, max_length=MAX_IN_THE_NEWS)


@dataclass(frozen=True)
class NewsAnswer:
    """What a news source answered for one query: its pages as received, and whether they are all.

    ``complete`` is False when the source stopped before the end of the results
    (the plan's result cap, ``maximumResultsReached``); ``note`` says why.
    """

    pages: list[dict[str, Any]] = field(default_factory=list)
    complete: bool = True
    note: str | None = None

    @property
    def articles(self) -> list[Any]:
        return [article for page in self.pages for article in page.get("articles") or []]
