"""The rendered email: HTML that mail clients show as meant and that outside text cannot break, and its text twin."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from crypto_advisor.contracts.alerts import OverBudget
from crypto_advisor.contracts.news import NewsDigest, is_web_url
from crypto_advisor.contracts.signal import Health
from crypto_advisor.notify.format import FOOTER, email_content
from crypto_advisor.notify.render import RenderedEmail, render_email

PREDICTION = "Next 24h: +0.4%, MAE 1.1% vs naive 1.3%"


class Page(HTMLParser):
    """Every element with its attributes, and the text a reader sees (entities decoded)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.chunks: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())

    def attribute_values(self, name: str) -> list[str]:
        return [attrs[name] or "" for _, attrs in self.elements if name in attrs]


@pytest.fixture
def email(make_view, digest) -> RenderedEmail:
    """The email of a real analysed candle with the hostile news digest."""
    return render_email(make_view({"news": digest, "predictions": [{"text": PREDICTION}]}))


def test_outside_text_in_headlines_and_sources_reaches_the_reader_as_text_not_markup(email):
    page = Page(email.html)
    # No element came from a headline or a source: no script, no img besides the chart, no event handler
    assert "script" not in [tag for tag, _ in page.elements]
    assert [attrs.get("src") for tag, attrs in page.elements if tag == "img"] == [f"cid:{email.images[0].cid}"]
    assert not [name for _, attrs in page.elements for name in attrs if name.startswith("on")]
    assert "<script" not in email.html.lower() and "<img src=x" not in email.html
    # And the reader sees them as written
    assert "Bitcoin <script>alert(1)</script> rallies" in page.text
    assert '"><img src=x onerror=alert(1)>' in page.text


def test_only_http_links_become_links_and_a_javascript_url_is_shown_as_text(email):
    page = Page(email.html)
    hrefs = page.attribute_values("href")
    assert hrefs == ["https://news.example.com/btc?a=1&b=2"]
    assert all(is_web_url(href) for href in hrefs)
    assert "javascript:alert(1)" in page.text
    assert "javascript:" not in " ".join(hrefs + page.attribute_values("src"))


def test_the_html_is_what_gmail_and_outlook_render(email):
    page = Page(email.html)
    tags = {tag for tag, _ in page.elements}
    # No style blocks, scripts, SVG, stylesheets, frames or forms: only inline styles on tables, text and the chart
    assert not tags & {"style", "script", "svg", "link", "iframe", "object", "form", "video"}
    assert not [tag for tag, attrs in page.elements if tag in {"div", "td", "p"} and "class" in attrs]
    # One column at most 600 px wide, the chart scaled to it
    assert "max-width:600px" in email.html
    (chart,) = [attrs for tag, attrs in page.elements if tag == "img"]
    assert chart["width"] == "600" and "max-width:600px" in (chart["style"] or "")
    assert chart["alt"]


def test_the_html_references_the_chart_by_its_content_id(email):
    (image,) = email.images
    assert image.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert email.html.count(f'src="cid:{image.cid}"') == 1
    assert image.filename.endswith(".png")


def test_text_and_html_say_the_same_things(make_view, digest, email):
    content = email_content(make_view({"news": digest}))
    page = Page(email.html)
    said = [content.intro, FOOTER, PREDICTION]
    said += [part for item in content.firings for part in (item.title, item.sentence, item.figures)]
    said += [part for fact in content.snapshot for part in (fact.label, fact.value, fact.note) if part]
    assert content.news is not None
    said += list(content.news.summary)
    said += [part for h in content.news.headlines for part in (h.title, h.source, h.when, h.score)]
    for part in said:
        assert part in email.text, part
        assert part in page.text, part


def test_every_firing_of_the_view_is_in_the_email_headline_first(make_view):
    view = make_view()
    email = render_email(view)
    positions = [email.text.index(f.sentence) for f in view.ordered_firings]
    assert positions == sorted(positions) and len(positions) >= 2


def test_news_that_is_off_says_so_in_both_parts(make_view):
    email = render_email(make_view({"news": NewsDigest(coin="BTC", status="off")}))
    assert "News is off (no NewsAPI key)." in email.text
    assert "News is off (no NewsAPI key)." in Page(email.html).text


def test_an_email_without_news_or_predictions_has_no_such_sections(make_view):
    email = render_email(make_view())
    assert "NEWS" not in email.text and "PREDICTIONS" not in email.text
    assert "News" not in Page(email.html).text and "Predictions" not in Page(email.html).text


def test_unhealthy_data_is_said_in_both_parts(make_view):
    email = render_email(make_view({"health": Health(healthy=False, reasons=["stale: last candle 3 hours old"])}))
    assert "stale: last candle 3 hours old" in email.text
    assert "stale: last candle 3 hours old" in Page(email.html).text


def test_an_email_without_candles_has_no_chart_and_says_everything_else(make_view):
    email = render_email(make_view(candles=()))
    assert email.images == ()
    assert "cid:" not in email.html and "chart" not in email.text.lower()
    assert FOOTER in email.text


def test_the_same_view_renders_the_same_email(make_view):
    assert render_email(make_view()) == render_email(make_view())


def test_an_email_sent_over_the_weekly_budget_says_why_in_both_parts(make_view):
    line = (
        "Your 4th BTC/USD alert in 7 days, over the weekly budget of 3: this candle moved 608 sigma of the coin's own"
        " volatility, beyond each of them (the largest 9.6 sigma), on a record as long as the analysis can see."
    )
    email = render_email(make_view(over_budget=OverBudget(nth=4, cap=3, move_sigma=608.0, week_sigma=9.6)))
    assert line in email.text and line in Page(email.html).text
    # Without the week's moves it says what it knows; without this candle's, it keeps the claim it can make
    some = render_email(make_view(over_budget=OverBudget(nth=4, cap=3, move_sigma=12.4)))
    assert "this candle moved 12.4 sigma of the coin's own volatility, beyond each of them, on a record" in some.text
    none = render_email(make_view(over_budget=OverBudget(nth=4, cap=3)))
    assert "over the weekly budget of 3: this move is more unusual than each of them." in none.text
    # An email within the budget says nothing of it
    within = render_email(make_view())
    assert "weekly budget" not in within.text and "weekly budget" not in Page(within.html).text
