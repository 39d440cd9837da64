"""A price line's band says how often it held out of sample, as the interval card in the same email does.

"(80% interval 120.1 to 336.4)" beside "it held 66% of the time" told a
trader the band was surer than it had been: the line carries the measured
coverage, and says "nominal" when there is none.
"""

from __future__ import annotations

from crypto_advisor.forecast.prediction import interval_text, path_text

CARD = {
    "model": "path_linear",
    "n": 700,
    "horizon": 7,
    "verdict": "no skill",
    "scores": {"model": {"mae_skill": -0.05}},
}
COMMON = {"price": 180.0, "horizon_label": "7d", "timeframe": "1d", "interval": (0.8, 120.1, 336.4)}


def test_the_band_carries_its_measured_coverage() -> None:
    # When: the volatility card measured the band holding 66% of the time
    text = path_text(card=CARD, coverage=0.66, **COMMON)

    # Then
    assert text.startswith("7d: 180.0 (80% band, held 66% out of sample: 120.1 to 336.4) by the linear model; ")
    assert "80% interval" not in text


def test_a_band_without_a_measurement_is_called_nominal() -> None:
    assert path_text(card=CARD, coverage=None, **COMMON).startswith("7d: 180.0 (nominal 80% band: 120.1 to 336.4) by")


def test_a_band_scored_around_another_models_price_says_so() -> None:
    """The LSTM's line shows the GARCH band moved to its price; the coverage was measured around the linear one."""
    lstm = {**CARD, "model": "path_lstm"}
    text = path_text(card=lstm, coverage=0.66, scored_around="path_linear", **COMMON)
    assert "(80% band, held 66% out of sample around the linear model's price: 120.1 to 336.4) by the LSTM" in text
    # and the linear model's own line needs no such note
    assert "around" not in path_text(card=CARD, coverage=0.66, scored_around="path_linear", **COMMON)


def test_the_interval_card_names_the_band_as_the_linear_lines_not_a_second_forecast() -> None:
    """The GARCH interval is the band around the linear model's price: the email showed its bounds twice, once on the
    linear model's line and once as "80% interval (GARCH volatility)", as if two models agreed."""
    garch = {
        "model": "vol_garch",
        "n": 700,
        "horizon": 7,
        "verdict": "no skill",
        "scores": {"model": {"coverage": 0.66}, "historical": {"coverage": 0.7}},
    }
    text = interval_text(level=0.8, low=120.1, high=336.4, horizon_label="7d", card=garch, timeframe="1d")
    assert text.startswith(
        "80% interval for 7d: 120.1 to 336.4 (GARCH volatility around the linear model's price: the band its line"
        " shows); out of sample on 700 days (100 non-overlapping 7d periods) it held 66% of the time"
    )


def test_the_interval_card_gives_every_baseline_it_was_scored_against() -> None:
    """GARCH's verdict counts EWMA too: on XRP/USD 1d it beat historical volatility (t = +3.11) and not EWMA."""
    garch = {
        "model": "vol_garch",
        "n": 1362,
        "horizon": 7,
        "verdict": "beats baseline",
        "scores": {"model": {"coverage": 0.8429}, "historical": {"coverage": 0.8333}, "ewma": {"coverage": 0.8128}},
    }
    text = interval_text(level=0.8, low=0.5, high=0.7, horizon_label="7d", card=garch, timeframe="1d")
    assert text.endswith("it held 84% of the time (historical volatility: 83%, EWMA: 81%)")
