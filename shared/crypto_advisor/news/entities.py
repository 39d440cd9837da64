"""The organisations, people and places a headline names, from a curated table of the names crypto news uses.

Why a table and not a statistical NER model. The maintained choice, spaCy with
its small English pipeline (``en_core_web_sm``, the deck's "Named Entity
Recognition"), does not fit NewsFunction: installed for Python 3.11 it takes
about 290 MB (spaCy 126 MB, blis 39 MB, numpy 73 MB, thinc 18 MB, the model
15 MB), over Lambda's 250 MB for the function and its layers before the
function's own 22 MB; its model is published on GitHub, not PyPI, so the layer
could only take it from an unofficial re-upload; and on real headlines, which
are in title case, it is wrong too often to email: measured on the recorded
NewsAPI answers (``tests/recorded/newsapi_real/``) it reads "Ether Are Helping
Fund Ukraine's" and "CME Group Reports" as organisations, "Verdict" and
"Ripio Acquires" as people, and misses "Bukele". Torch-based taggers (flair,
stanza, GLiNER) are larger still and download their models at run time.

So the names come from :data:`NAMES`: the regulators, firms, people and
places that crypto headlines name, each with the spellings headlines use
("SEC" and "Securities and Exchange Commission" are one entity, "Biden" is
Joe Biden). A name is found on word boundaries and case-sensitively (headlines
capitalise names; "fed up" is not the Fed), and a name that is also an
everyday word a title-case headline capitalises ("Block", "Circle", "Gemini")
is left out, never inside a longer word
("SECOND"), and "US" before a "$" is a currency, not a place. What this gives
up: a name not in the table is not found. It is precise, instant, needs no
download, and the same headline always gives the same entities; a name worth
adding is one line. The tests run it on the recorded real headlines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from crypto_advisor.contracts.news import MAX_ENTITIES, Entity, EntityKind

#: entity name -> (kind, other spellings headlines use). The name is also matched as written.
NAMES: dict[str, tuple[EntityKind, tuple[str, ...]]] = {
    # regulators, governments, central banks, courts
    "SEC": ("org", ("Securities and Exchange Commission",)),
    "CFTC": ("org", ("Commodity Futures Trading Commission",)),
    "Federal Reserve": ("org", ("Fed", "FOMC")),
    "Justice Department": ("org", ("Department of Justice", "DOJ", "Justice Dept")),
    "U.S. Treasury": ("org", ("US Treasury", "Treasury Department")),
    "IRS": ("org", ("Internal Revenue Service",)),
    "FBI": ("org", ()),
    "Congress": ("org", ("Senate", "House of Representatives")),
    "IMF": ("org", ("International Monetary Fund",)),
    "European Central Bank": ("org", ("ECB",)),
    "Bank of England": ("org", ()),
    "People's Bank of China": ("org", ("PBOC",)),
    "FCA": ("org", ("Financial Conduct Authority",)),
    "Interpol": ("org", ()),
    # exchanges and crypto firms
    "Binance": ("org", ()),
    "Coinbase": ("org", ()),
    "Kraken": ("org", ()),
    "FTX": ("org", ()),
    "Bitfinex": ("org", ()),
    "Tether": ("org", ()),
    "Ripple": ("org", ("Ripple Labs",)),
    "BitConnect": ("org", ()),
    "Terraform Labs": ("org", ()),
    "MicroStrategy": ("org", ("Strategy Inc",)),
    "Grayscale": ("org", ("GBTC",)),
    "Ripio": ("org", ()),
    "BitcoinTrade": ("org", ()),
    "Marathon Digital": ("org", ()),
    "Marathon Patent Group": ("org", ()),
    "Riot Platforms": ("org", ("Riot Blockchain",)),
    "DMG Blockchain Solutions": ("org", ()),
    "OpenSea": ("org", ()),
    "Chainalysis": ("org", ()),
    # banks, funds, exchanges of the old world, and big tech
    "BlackRock": ("org", ("iShares",)),
    "Fidelity": ("org", ()),
    "Vanguard": ("org", ()),
    "JPMorgan": ("org", ("JPMorgan Chase", "JP Morgan", "J.P. Morgan")),
    "Goldman Sachs": ("org", ()),
    "Morgan Stanley": ("org", ()),
    "Citigroup": ("org", ("Citi",)),
    "Mastercard": ("org", ()),
    "PayPal": ("org", ()),
    "CME Group": ("org", ("CME",)),
    "Nasdaq": ("org", ()),
    "Fundstrat": ("org", ()),
    # newspapers named in the text (before the places their names hold)
    "New York Times": ("org", ("NYT",)),
    "Wall Street Journal": ("org", ("WSJ",)),
    "Financial Times": ("org", ()),
    "Tesla": ("org", ()),
    "Meta Platforms": ("org", ("Facebook",)),
    "Microsoft": ("org", ()),
    "Alibaba": ("org", ()),
    "Ant Group": ("org", ()),
    # people
    "Joe Biden": ("person", ("Biden",)),
    "Donald Trump": ("person", ("Trump",)),
    "Gary Gensler": ("person", ("Gensler",)),
    "Paul Atkins": ("person", ()),
    "Jerome Powell": ("person", ("Powell",)),
    "Janet Yellen": ("person", ("Yellen",)),
    "Elon Musk": ("person", ("Musk",)),
    "Michael Saylor": ("person", ("Saylor",)),
    "Changpeng Zhao": ("person", ("CZ",)),
    "Sam Bankman-Fried": ("person", ("Bankman-Fried", "SBF")),
    "Vitalik Buterin": ("person", ("Buterin",)),
    "Satoshi Nakamoto": ("person", ()),
    "Craig Wright": ("person", ()),
    "Nayib Bukele": ("person", ("Bukele",)),
    "Do Kwon": ("person", ()),
    "Larry Fink": ("person", ()),
    "Cathie Wood": ("person", ()),
    "Tom Lee": ("person", ()),
    "Kevin O'Leary": ("person", ("O'Leary",)),
    "Brian Armstrong": ("person", ()),
    "Jamie Dimon": ("person", ("Dimon",)),
    "Vladimir Putin": ("person", ("Putin",)),
    # places
    "El Salvador": ("place", ()),
    "United States": ("place", ("U.S.", "US", "USA", "America")),
    "China": ("place", ("Beijing",)),
    "Hong Kong": ("place", ()),
    "Russia": ("place", ("Moscow",)),
    "Ukraine": ("place", ("Kyiv",)),
    "United Kingdom": ("place", ("UK", "U.K.", "Britain", "London")),
    "European Union": ("place", ("EU",)),
    "Europe": ("place", ()),
    "Japan": ("place", ()),
    "South Korea": ("place", ("Korea", "Seoul")),
    "Singapore": ("place", ()),
    "India": ("place", ()),
    "Brazil": ("place", ()),
    "Argentina": ("place", ()),
    "Turkey": ("place", ()),
    "Nigeria": ("place", ()),
    "Switzerland": ("place", ()),
    "Germany": ("place", ()),
    "Dubai": ("place", ("UAE", "United Arab Emirates")),
    "Wall Street": ("place", ()),
    "Silicon Valley": ("place", ()),
    "Florida": ("place", ("West Palm Beach",)),
    "New York": ("place", ()),
    "North America": ("place", ()),
    "Latin America": ("place", ()),
}


@cache
def _pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    """One alternation of every spelling, longest first (so "Joe Biden" wins over "Biden"), and spelling -> name."""
    spelling_to_name: dict[str, str] = {}
    for name, (_kind, others) in NAMES.items():
        for spelling in (name, *others):
            spelling_to_name.setdefault(spelling, name)
    alternation = "|".join(re.escape(s) for s in sorted(spelling_to_name, key=len, reverse=True))
    # Not inside a longer word; "US$150" is a currency; a trailing dot of "U.S." is part of the spelling.
    return re.compile(rf"(?<![\w$])(?:{alternation})(?![\w$])"), spelling_to_name


def entities(text: str) -> tuple[Entity, ...]:
    """The entities ``text`` names, each once, in the order they first appear (at most ``MAX_ENTITIES``)."""
    pattern, spelling_to_name = _pattern()
    found: dict[str, Entity] = {}
    for match in pattern.finditer(text):
        name = spelling_to_name[match.group(0)]
        if name not in found:
            found[name] = Entity(name=name, kind=NAMES[name][0])
        if len(found) == MAX_ENTITIES:
            break
    return tuple(found.values())


def most_named(groups: Iterable[Iterable[Entity]], limit: int) -> list[Entity]:
    """The entities named by most groups (stories), ties by first appearance; each group counts an entity once."""
    counts: dict[Entity, int] = {}
    for group in groups:
        for entity in dict.fromkeys(group):  # once per group, in order (a set's order would vary between runs)
            counts[entity] = counts.get(entity, 0) + 1
    ranked = sorted(counts, key=lambda e: -counts[e])  # sorted() is stable: ties keep their first appearance
    return ranked[:limit]
