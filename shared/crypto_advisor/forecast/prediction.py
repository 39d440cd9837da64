"""One prediction as the Signal carries it: the forecast, its model's out-of-sample record, and a plain sentence.

``Signal.predictions`` is a list of plain dicts (:meth:`Prediction.as_dict`);
the email renders ``text``. The skill figures come from the model card of the
walk-forward evaluation, and a model that did not beat its baseline says so in
its sentence and is never the headline (``headline`` is False).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from crypto_advisor.contracts.units import MINUTE_MS
from crypto_advisor.forecast.verdicts import BEATS
from crypto_advisor.market.numbers import price

#: How the sentences name each model.
MODEL_NAMES: dict[str, str] = {
    "breakout_rf": "random forest",
    "path_linear": "linear model",
    "path_lstm": "LSTM",
    "vol_garch": "GARCH",
}

_UNITS: dict[str, str] = {"1m": "minutes", "1h": "hours", "1d": "days", "1w": "weeks"}


class Prediction(BaseModel):
    """A breakout probability, a price path, or an interval, with its model's measured skill."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["breakout", "path", "interval"]
    model: str
    series: str
    #: The candle the prediction was made at (its open time, epoch ms).
    candle_ts: int
    #: Candles ahead, and the same span in words ("24h").
    horizon: int
    horizon_label: str
    #: Breakout: the threshold in percent and the probability of reaching it.
    threshold_pct: float | None = None
    probability: float | None = None
    #: Path: the forecast close ``horizon`` candles ahead, and at each candle up to it.
    price: float | None = None
    path: list[float] | None = None
    #: Interval: its nominal coverage and bounds for the close ``horizon`` candles ahead.
    level: float | None = None
    low: float | None = None
    high: float | None = None
    #: Out of sample (walk-forward): candles scored and folds.
    n: int
    folds: int
    auc: float | None = None
    brier_skill: float | None = None
    #: 1 - MAE(model) / MAE(no change), for the price ``horizon`` candles ahead.
    mae_skill: float | None = None
    directional_accuracy: float | None = None
    coverage: float | None = None
    baseline_coverage: float | None = None
    beats_baseline: bool
    headline: bool = False
    text: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON-ready dict ``Signal.predictions`` holds."""
        return self.model_dump(mode="json")


def span_label(milliseconds: int) -> str:
    """A duration in the largest unit that divides it up to 3 days, e.g. ``24h``, ``7d``, ``90m``."""
    minutes = milliseconds // MINUTE_MS
    if minutes % (24 * 60) == 0 and minutes >= 3 * 24 * 60:
        return f"{minutes // (24 * 60)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def candles_label(count: int, timeframe: str) -> str:
    """``2,100 hours`` for hourly candles, ``300 4h candles`` otherwise."""
    unit = _UNITS.get(timeframe)
    return f"{count:,} {unit}" if unit else f"{count:,} {timeframe} candles"


def sample_label(card: dict[str, Any], timeframe: str, horizon_label: str) -> str:
    """``2,100 hours (87 non-overlapping 24h periods)``: the rows a card scored, and the independent outcomes in them.

    Targets at neighbouring candles share ``H - 1`` future candles, so the rows
    overstate the evidence about ``H`` times: ``n`` rows hold only ``n // H``
    outcomes that share no candle, the sample a trader should read (the card's
    significance test, :mod:`crypto_advisor.forecast.metrics`, drops the
    overlap for the same reason).
    """
    text = candles_label(card["n"], timeframe)
    horizon = int(card["horizon"])
    if horizon > 1:
        text += f" ({card['n'] // horizon:,} non-overlapping {horizon_label} periods)"
    return text


def format_price(value: float) -> str:
    """A forecast price: four significant digits (:func:`crypto_advisor.market.numbers.price`): 91,230 / 2.213."""
    return price(value, significant=4, cents=False)


def breakout_text(
    *,
    probability: float,
    threshold_pct: float,
    base_rate: float,
    horizon_label: str,
    card: dict[str, Any],
    timeframe: str,
) -> str:
    model = card["scores"]["model"]
    text = (
        f"P(+{threshold_pct:g}% within {horizon_label}) = {probability:.2f}; out of sample on"
        f" {sample_label(card, timeframe, horizon_label)}: AUC {_num(model['auc'], '.2f')},"
        f" Brier skill {_num(model['brier_skill'], '+.2f')}"
    )
    if card["verdict"] != BEATS:
        text += f"; no better than the base rate ({base_rate:.2f}), shown for information only"
    return text


def path_text(
    *,
    price: float,
    horizon_label: str,
    card: dict[str, Any],
    timeframe: str,
    interval: tuple[float, float, float] | None,
    coverage: float | None = None,
    scored_around: str | None = None,
) -> str:
    """``24h: 91,230 (80% band, held 74% out of sample: 88,100 to 94,300) by the linear model; its error ...``.

    ``interval`` is the (level, low, high) band around ``price``; ``coverage``
    the share of closes it held out of sample (the volatility card's), None
    when unmeasured; ``scored_around`` the path model whose price the band was
    scored around when not this card's.
    """
    name = MODEL_NAMES.get(card["model"], card["model"])
    skill = card["scores"]["model"]["mae_skill"]
    text = f"{horizon_label}: {format_price(price)}"
    if interval is not None:
        around = scored_around if scored_around != card["model"] else None
        text += f" ({_band(interval, coverage, around=around)})"
    text += f" by the {name}; "
    if skill is None:
        return text + "its error against no-change is unknown, shown for information only"
    pct = f"{abs(skill) * 100:.{0 if round(abs(skill) * 100) >= 1 else 1}f}"
    sample = sample_label(card, timeframe, horizon_label)
    if card["verdict"] == BEATS:
        return text + f"its error is {pct}% below no-change out of sample on {sample}"
    if skill <= 0:
        return text + (
            f"this model's error is {pct}% worse than no-change out of sample on {sample}, shown for information only"
        )
    return text + (
        f"its error is {pct}% below no-change out of sample on {sample}, too little evidence to call it skill;"
        " shown for information only"
    )


def _band(interval: tuple[float, float, float], coverage: float | None, *, around: str | None = None) -> str:
    """The band shown with a price, with how often it held: its nominal level alone would overstate it.

    The interval card of the same email says how often the band held out of
    sample, which can be well short of its level; a price line that said
    "80% interval" beside "it held 66% of the time" would contradict it. ``coverage`` None (no
    measurement): the level is called nominal. ``around``: the model whose
    price the coverage was measured around, when it is not this line's.
    """
    level, low, high = interval
    bounds = f"{format_price(low)} to {format_price(high)}"
    if coverage is None:
        return f"nominal {level * 100:.0f}% band: {bounds}"
    where = f" around the {MODEL_NAMES.get(around, around)}'s price" if around else ""
    return f"{level * 100:.0f}% band, held {coverage * 100:.0f}% out of sample{where}: {bounds}"


def interval_text(
    *, level: float, low: float, high: float, horizon_label: str, card: dict[str, Any], timeframe: str
) -> str:
    """The volatility model's interval and how often it held. It is the band the linear model's line shows (the GARCH
    width around that price, where the evaluation scored it), and says so: the same bounds under a second name read
    as a second, agreeing forecast."""
    scores = card["scores"]
    text = (
        f"{level * 100:.0f}% interval for {horizon_label}: {format_price(low)} to {format_price(high)}"
        f" (GARCH volatility around the {MODEL_NAMES['path_linear']}'s price: the band its line shows);"
        f" out of sample on {sample_label(card, timeframe, horizon_label)} it held"
        f" {scores['model']['coverage'] * 100:.0f}%"
        f" of the time (historical volatility: {scores['historical']['coverage'] * 100:.0f}%{_ewma(scores)})"
    )
    if card["verdict"] != BEATS:
        text += "; no better than historical volatility, shown for information only"
    return text


def _ewma(scores: dict[str, Any]) -> str:
    """``, EWMA: 81%``: the other baseline the card scored, when it did. The verdict counts it (GARCH needs no
    baseline significantly better), and a GARCH that beat historical volatility can hold no better than EWMA's
    (XRP/USD 1d: t = +3.11 against historical, -0.07 against EWMA)."""
    coverage = scores.get("ewma", {}).get("coverage")
    return f", EWMA: {coverage * 100:.0f}%" if coverage is not None else ""


def _num(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)
