"""The market email: one email for a candle that moved many watched coins the same way.

Worded once (:func:`market_content`) and laid out as the alert email is
(:mod:`.text` and :mod:`.html` building blocks: one column, inline styles, the
chart as the message's own PNG by ``cid:``), so it reads the same on a phone
and meets the same MIME standard (:func:`crypto_advisor.notify.mime.build_message`).

What it says: BTC's move on the candle (when the watchlist has BTC) with its
trends, the coins that followed (each one's move, its size in its own sigmas,
and how it compares with what BTC's move implied at its beta), and those that
did not (a smaller move or the other way, bad data, or no signal in yet). The
subject begins ``Market:`` and leads with BTC's move:
``Market: BTC -3.9% on the 1h candle, 4 of 5 coins fell together``.

With links (:meth:`~crypto_advisor.notify.links.LinkSigner.market_links`, one
recipient's own) it ends as the alert email does, with a "Your alerts" section:
the dashboard, each covered coin's page and the unsubscribe, which is also the
message's RFC 8058 one-click target (``RenderedEmail.unsubscribe_url``). No
mute links: a market email reports no one rule a mute could silence.
"""

from __future__ import annotations

from dataclasses import dataclass

from crypto_advisor.notify.context_words import beta_phrase, move_pct, sigmas, trend_line
from crypto_advisor.notify.format import FOOTER, MAX_SUBJECT, count, one_line, utc
from crypto_advisor.notify.html import (
    anchor,
    chart_row,
    esc,
    footer_row,
    header,
    page,
    paragraph,
    section,
    unsubscribe_paragraph,
)
from crypto_advisor.notify.links import DigestLinks
from crypto_advisor.notify.market import MARKET_SIGMA, CoinMove, MarketMove
from crypto_advisor.notify.render import InlineImage, RenderedEmail
from crypto_advisor.notify.text import LINKS_TITLE, UNSUBSCRIBE_LABEL
from crypto_advisor.notify.text import section as text_section

_FELL = {"down": "fell", "up": "rose"}
DASHBOARD_LABEL = "Open the dashboard"


@dataclass(frozen=True)
class MarketLinkLines:
    """One recipient's links, labelled: the dashboard, then each covered coin's page, in the email's order."""

    #: (label, URL) of the dashboard and of each covered coin's page
    pages: tuple[tuple[str, str], ...]
    unsubscribe: str


def market_link_lines(move: MarketMove, links: DigestLinks) -> MarketLinkLines:
    """``links`` labelled for the email: a page for each coin that followed, in the Followed section's order."""
    pages = [(DASHBOARD_LABEL, links.dashboard)]
    for coin in move.followed:
        url = links.series_pages.get(coin.series.key)
        if url is not None:
            pages.append((f"Open {coin.series.pair} on the dashboard", url))
    return MarketLinkLines(tuple(pages), links.unsubscribe)


@dataclass(frozen=True)
class MarketContent:
    subject: str
    title: str
    intro: str
    #: BTC's move and trends, when the watchlist has BTC on the timeframe
    btc: tuple[str, ...]
    followed: tuple[str, ...]
    others: tuple[str, ...]
    chart_caption: str
    footer: str = FOOTER


def market_subject(move: MarketMove) -> str:
    """``Market: BTC -3.9% on the 1h candle, 4 of 5 coins fell together``, at most :data:`MAX_SUBJECT` long."""
    together = f"{len(move.followed)} of {len(move.coins)} coins {_FELL[move.direction]} together"
    reference = move.reference
    if reference is not None and reference.move is not None:
        text = f"Market: {reference.series.base} {move_pct(reference.move)} on the {move.timeframe} candle, {together}"
    else:
        text = f"Market: {together} on the {move.timeframe} candle"
    text = one_line(text)
    return text if len(text) <= MAX_SUBJECT else text[: MAX_SUBJECT - 1].rstrip() + "…"


def _size(coin: CoinMove) -> str:
    said = sigmas(coin.move_sigma)
    return f"{move_pct(coin.move)}" + (f" ({said})" if said else "")


def _followed(coin: CoinMove, move: MarketMove) -> str:
    line = f"{coin.series.pair} {_size(coin)}"
    if move.reference is not None and coin.series == move.reference.series:
        return f"{line}: the reference"
    if coin.beta is not None:
        return f"{line}: {beta_phrase(coin.beta)}"
    if coin.context is not None and coin.context.beta_note:
        return f"{line} (no beta: {one_line(coin.context.beta_note)})"
    return line


def _other(coin: CoinMove) -> str:
    pair = coin.series.pair
    if coin.status == "not_in_yet":
        return f"{pair}: no signal for this candle yet when this email was sent"
    if coin.status == "unhealthy":
        return f"{pair}: data not healthy for this candle, left out"
    if coin.move is None:
        return f"{pair}: no move measured"
    line = f"{pair} {_size(coin)}"
    if coin.beta is not None:
        line += f": {beta_phrase(coin.beta)}"
    return line


def market_content(move: MarketMove, timeframe_ms: int) -> MarketContent:
    """Everything the market email says, worded."""
    closed = utc(move.candle_ts + timeframe_ms)
    fell = _FELL[move.direction]
    followed = move.followed
    intro = (
        f"{len(followed)} of the {count(len(move.coins), 'coin')} you watch on {move.timeframe} candles {fell} by "
        f"{MARKET_SIGMA:g} sigma or more of their own volatility on the candle that closed at {closed}. "
        "One email for the market instead of one per coin: the coins that followed get no alert of their own "
        "for this candle, except where one of your own conditions fired (those always email)."
    )
    btc: tuple[str, ...] = ()
    reference = move.reference
    if reference is not None and reference.move is not None:
        lines = [f"{reference.series.pair} {_size(reference)} on the candle."]
        trends = trend_line(reference.context) if reference.context is not None else None
        if trends:
            lines.append(trends)
        btc = tuple(lines)
    return MarketContent(
        subject=market_subject(move),
        title=f"Market move · {move.timeframe} candle closed at {closed}",
        intro=intro,
        btc=btc,
        followed=tuple(_followed(c, move) for c in followed),
        others=tuple(_other(c) for c in move.others),
        chart_caption=(
            f"Each watched coin's move on the {move.timeframe} candle; a black tick marks what BTC's move implied "
            "at the coin's beta."
        ),
    )


def _text(content: MarketContent, has_chart: bool, links: MarketLinkLines | None) -> str:
    blocks = [f"{content.title}\n{content.intro}"]
    if content.btc:
        blocks.append(text_section("BTC", "\n".join(content.btc)))
    blocks.append(text_section("Followed", "\n".join(f"- {line}" for line in content.followed)))
    if content.others:
        blocks.append(text_section("Did not follow", "\n".join(f"- {line}" for line in content.others)))
    if has_chart:
        blocks.append("The chart of every coin's move is in the HTML version of this email.")
    if links is not None:
        lines = [f"{label}: {url}" for label, url in links.pages]
        blocks.append(text_section(LINKS_TITLE, "\n".join([*lines, f"{UNSUBSCRIBE_LABEL}: {links.unsubscribe}"])))
    blocks.append(f"-- \n{content.footer}")
    return "\n\n".join(blocks) + "\n"


def _html(content: MarketContent, chart_cid: str | None, links: MarketLinkLines | None) -> str:
    rows = [header(content.title, content.intro)]
    if content.btc:
        rows.append(section("BTC", "".join(paragraph(esc(line)) for line in content.btc)))
    rows.append(section("Followed", "".join(paragraph(esc(line)) for line in content.followed)))
    if content.others:
        rows.append(section("Did not follow", "".join(paragraph(esc(line)) for line in content.others)))
    if chart_cid:
        rows.append(chart_row(chart_cid, content.chart_caption))
    if links is not None:
        pages = "".join(paragraph(anchor(url, label)) for label, url in links.pages)
        rows.append(section(LINKS_TITLE, pages + unsubscribe_paragraph(links.unsubscribe)))
    rows.append(footer_row(content.footer))
    return page(content.subject, rows)


def render_market_email(
    move: MarketMove, timeframe_ms: int, links: DigestLinks | None = None, *, chart: bool = True
) -> RenderedEmail:
    """The market email of ``move``: text, HTML and the chart of the coins' moves (``chart=False``: without it,
    as :func:`~crypto_advisor.notify.render.render_email`); with ``links``, one recipient's copy, ending with their
    links and carrying their one-click unsubscribe."""
    content = market_content(move, timeframe_ms)
    images: tuple[InlineImage, ...] = ()
    if chart and any(c.move is not None for c in move.coins):
        # matplotlib only when an email is drawn, as for the alerts.
        from crypto_advisor.notify.market_chart import market_png

        png = market_png(move, title=f"{move.timeframe} candle closed at {utc(move.candle_ts + timeframe_ms)}")
        images = (
            InlineImage(
                cid=f"market.{move.candle_ts}.{move.timeframe}@crypto-advisor",
                filename=f"market-{move.timeframe}-{move.candle_ts}.png",
                png=png,
            ),
        )
    chart_cid = images[0].cid if images else None
    labelled = market_link_lines(move, links) if links is not None else None
    return RenderedEmail(
        subject=content.subject,
        text=_text(content, bool(images), labelled),
        html=_html(content, chart_cid, labelled),
        images=images,
        unsubscribe_url=links.unsubscribe if links is not None else None,
    )
