"""The chart: a PNG every mail client shows, sharp on a phone, small enough to send with every alert."""

from __future__ import annotations

import struct

import pytest

from crypto_advisor.notify.chart import chart_png

from .conftest import firing

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """The (type, data) chunks of a PNG, in order."""
    assert png[:8] == PNG_SIGNATURE
    out, at = [], 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        out.append((png[at + 4 : at + 8], png[at + 8 : at + 8 + length]))
        at += 12 + length
    return out


@pytest.fixture(scope="module")
def png(fired) -> bytes:
    candles, signal = fired
    return chart_png(candles, signal.active_firings, title="BTC/USD 1h · Bitcoin")


def test_the_chart_is_a_1200_by_1400_png_shown_at_600_px(png):
    kinds = [kind for kind, _ in chunks(png)]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    width, height = struct.unpack(">II", chunks(png)[0][1][:8])
    assert (width, height) == (1200, 1400)


def test_the_chart_is_small_enough_to_send_with_every_alert(png):
    assert 20_000 < len(png) < 200_000


def test_the_chart_has_no_transparency_so_dark_mode_clients_do_not_show_it_black(png):
    header = dict(chunks(png))[b"IHDR"]
    colour_type = header[9]
    assert colour_type in (2, 3)  # RGB or palette: no alpha channel
    assert b"tRNS" not in [kind for kind, _ in chunks(png)]


def test_the_firings_are_drawn_on_the_chart(fired, png):
    candles, _ = fired
    assert chart_png(candles, [], title="BTC/USD 1h · Bitcoin") != png


def test_a_new_series_with_little_history_still_gets_a_chart(market_candles):
    # Given 30 candles: the EMA 50 and the MACD signal have no value yet
    png = chart_png(market_candles[:30], [firing(), firing("bb_squeeze", direction="neutral")], title="new")
    assert png.startswith(PNG_SIGNATURE)


def test_dollar_signs_in_a_coin_name_or_rule_id_are_text_not_a_formula(market_candles):
    # Given outside text that matplotlib would otherwise parse as a (broken) math formula
    png = chart_png(market_candles[:200], [firing("$\\frac{$")], title="$TRUMP/USD 1h $\\frac{$")
    assert png.startswith(PNG_SIGNATURE)


def test_a_chart_needs_two_candles(market_candles):
    with pytest.raises(ValueError, match="at least 2 candles"):
        chart_png(market_candles[:1], [], title="one")
