"""The model card: how a model did out of sample, beside its baseline, and whether that is skill.

One card per series and model, JSON-able (:meth:`ModelCard.to_dict`) for S3
and the artifacts, readable as a table (:func:`format_card`) for logs and the
demo. The verdict is "beats baseline" only when the model's advantage over
the naive baselines (no change and drift, the base rate, the historical
volatility) is significant over independent blocks *and* no baseline at all
is significantly better than the model (which matters for EWMA); otherwise
"no skill", and every prediction built from the card says so. EWMA is a
close cousin of GARCH (a GARCH with fixed parameters), so asking to beat it
significantly would call a sound interval unskilled only because a cousin is
as good; being clearly worse than it still loses the verdict.

Significant means the design's "t >= 2" read as the error rate it claims:
one-sided :func:`significance_level` (0.02275 for ``significance_t`` 2), with
the p-value of the block t statistic
(:func:`~crypto_advisor.forecast.metrics.block_test`) taken from Student's t
on ``blocks - 1`` degrees of freedom, since with few blocks a t of 2 is far
weaker evidence than the normal's 2.3% (7% at 4 blocks). Beating several
naive baselines is one claim, tested by the largest of its p-values (the
model must beat each). Below :data:`~crypto_advisor.forecast.metrics.MIN_BLOCKS`
blocks nothing is tested and the verdict is "no skill" (too few blocks).
A series shows its four models' verdicts together, and at 2.3% each a lucky
one among four would pass about one time in eleven: :func:`judge_family`
applies Holm's correction across the cards of a series, so the chance that
any of them is called skilled without skill stays at the level.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from crypto_advisor.forecast import metrics as m
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.forecast.significance import one_sided_level
from crypto_advisor.forecast.verdicts import BEATS, NO_SKILL

#: Model names, as cards, artifacts and predictions call them.
BREAKOUT_RF = "breakout_rf"
PATH_LINEAR = "path_linear"
PATH_LSTM = "path_lstm"
VOL_GARCH = "vol_garch"

Kind = Literal["breakout", "path", "interval"]
Scores = dict[str, float | None]


@dataclass(frozen=True, slots=True)
class ModelCard:
    series: str
    model: str
    kind: Kind
    horizon: int
    #: The breakout threshold in percent (breakout cards), or None.
    threshold_pct: float | None
    #: The interval's nominal coverage (interval cards), or None.
    interval: float | None
    folds: int
    #: Out-of-sample rows scored (candles with a forecast and a known outcome).
    n: int
    #: The naive baseline the skill figures are quoted against.
    baseline: str
    #: The baselines the model must beat significantly (the naive ones) for the verdict.
    significant_over: list[str]
    #: ``"model"`` and each baseline -> metric -> value (None where undefined).
    scores: dict[str, Scores]
    #: Per baseline, the t statistic of the model's loss advantage over it, over independent blocks
    #: (:func:`~crypto_advisor.forecast.metrics.block_means`).
    advantage_t: dict[str, float]
    verdict: str
    calibration: list[dict[str, float | int]] = field(default_factory=list)
    #: The independent blocks the t statistics rest on (0 on cards stored before it was recorded).
    blocks: int = 0
    #: One-sided p-value (Student t, ``blocks - 1`` degrees of freedom) that the model beats every naive
    #: baseline; None when not tested (too few blocks, or a card stored before it was recorded).
    p_value: float | None = None
    #: ``p_value`` after Holm's correction across the models of the series (:func:`judge_family`); None until then.
    family_p: float | None = None

    @property
    def beats_baseline(self) -> bool:
        return self.verdict == BEATS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelCard:
        return cls(**data)


def verdict_loss(card: ModelCard, name: str = "model") -> float:
    """The mean loss the verdict rests on (Brier score, price MAE, interval score), for ``"model"`` or a baseline.

    Lower is better; two cards of the same series computed on the same folds
    can be compared by it (a new model should be no worse than the current one).
    """
    key = {"breakout": "brier", "path": "mae", "interval": "interval_score"}[card.kind]
    value = card.scores[name][key]
    if value is None:
        raise ValueError(f"card {card.model} has no {key} for {name}")
    return value


def _clean(value: float | None) -> float | None:
    """None for undefined values, so the card stays valid JSON."""
    return None if value is None or not math.isfinite(value) else float(value)


def significance_level(config: ForecastConfig) -> float:
    """The one-sided error rate ``significance_t`` stands for on a large sample: 0.02275 for t >= 2."""
    return one_sided_level(config.significance_t)


@dataclass(frozen=True, slots=True)
class Judgement:
    """A card's significance figures and its verdict, before any correction across models."""

    advantage_t: dict[str, float]
    blocks: int
    p_value: float | None
    verdict: str

    def fields(self) -> dict[str, Any]:
        """The card fields it fills."""
        return {
            "advantage_t": self.advantage_t,
            "verdict": self.verdict,
            "blocks": self.blocks,
            "p_value": self.p_value,
        }


def judge(
    advantages: Mapping[str, np.ndarray], naive: Sequence[str], config: ForecastConfig, *, plausible: bool = True
) -> Judgement:
    """The verdict on per-row loss advantages (baseline loss - model loss, in time order), per baseline.

    "beats baseline" when there are at least ``MIN_BLOCKS`` blocks, the
    largest one-sided p-value over the ``naive`` baselines is at most
    :func:`significance_level`, no baseline is better with a p-value that
    small, and ``plausible`` (a breakout model must rank better than chance).
    """
    tests = {name: m.block_test(advantage, config.horizon) for name, advantage in advantages.items()}
    t = {name: value for name, (value, _) in tests.items()}
    blocks = min((count for _, count in tests.values()), default=0)
    if blocks < m.MIN_BLOCKS:
        return Judgement(t, blocks, None, NO_SKILL)
    df = blocks - 1
    alpha = significance_level(config)
    p_value = max(m.student_t_sf(t[name], df) for name in naive)
    clearly_worse = any(m.student_t_sf(-value, df) <= alpha for value in t.values())
    verdict = BEATS if p_value <= alpha and not clearly_worse and plausible else NO_SKILL
    return Judgement(t, blocks, p_value, verdict)


def _advantages(losses: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``losses``: per-row loss of ``"model"`` and of every baseline, in time order; the model's advantage over each."""
    return {name: loss - losses["model"] for name, loss in losses.items() if name != "model"}


def judge_family(cards: Sequence[ModelCard], config: ForecastConfig) -> list[ModelCard]:
    """The cards of one series, with Holm's correction across the models tested (``p_value`` not None).

    Each card keeps "beats baseline" only if its own test passed and its
    Holm-adjusted p-value (``family_p``) is at most :func:`significance_level`,
    so the chance that any of the series' models is called skilled without
    skill stays at that level. Untested cards (too few blocks) are not in the
    family. Raises ``ValueError`` when the cards are of several series.
    """
    series = sorted({card.series for card in cards})
    if len(series) > 1:
        raise ValueError(f"judge_family takes the cards of one series, got {', '.join(series)}")
    tested = [i for i, card in enumerate(cards) if card.p_value is not None]
    adjusted = dict(zip(tested, m.holm([cards[i].p_value or 0.0 for i in tested]), strict=True))
    alpha = significance_level(config)
    out: list[ModelCard] = []
    for i, card in enumerate(cards):
        family_p = adjusted.get(i)
        skilled = card.verdict == BEATS and family_p is not None and family_p <= alpha
        out.append(dataclasses.replace(card, family_p=family_p, verdict=BEATS if skilled else NO_SKILL))
    return out


def breakout_card(
    *, series: str, model: str, config: ForecastConfig, folds: int, y: np.ndarray, p: np.ndarray, base: np.ndarray
) -> ModelCard:
    """Breakout probabilities ``p`` against the training base rate ``base`` (one value per row, per fold)."""
    scores: dict[str, Scores] = {}
    base_brier = m.brier(y, base)
    for name, probs in (("model", p), ("base_rate", base)):
        precision, recall = m.precision_recall(y, probs, config.alert_probability)
        loss = m.brier(y, probs)
        scores[name] = {
            # A constant forecast ranks nothing: its AUC is not a figure to compare.
            "auc": _clean(m.roc_auc(y, probs)) if name == "model" else None,
            "brier": loss,
            "brier_skill": _clean(m.skill(loss, base_brier)),
            "precision": _clean(precision),
            "recall": _clean(recall),
            "alerts": float((probs >= config.alert_probability).sum()),
            "mean_forecast": float(np.mean(probs)),
        }
    scores["observed"] = {"rate": float(np.mean(y)), "breakouts": float(np.sum(y))}
    judgement = judge(
        _advantages({"model": (p - y) ** 2, "base_rate": (base - y) ** 2}),
        ["base_rate"],
        config,
        plausible=(scores["model"]["auc"] or 0.5) > 0.5,
    )
    return ModelCard(
        series=series,
        model=model,
        kind="breakout",
        horizon=config.horizon,
        threshold_pct=config.threshold_pct,
        interval=None,
        folds=folds,
        n=len(y),
        baseline="base_rate",
        significant_over=["base_rate"],
        scores=scores,
        calibration=m.calibration_table(y, p),
        **judgement.fields(),
    )


def path_card(
    *,
    series: str,
    model: str,
    config: ForecastConfig,
    folds: int,
    close: np.ndarray,
    actual: np.ndarray,
    forecasts: dict[str, np.ndarray],
) -> ModelCard:
    """Log-return paths ``forecasts["model"]`` and the baselines' (each ``(rows, H)``) against the ``actual`` ones.

    Prices are ``close * exp(cumulative log return)``; the headline figures are
    at the horizon (the price ``H`` candles ahead), ``path_mae_skill`` averages
    the error over every step of the path.
    """
    actual_cum = np.cumsum(actual, axis=1)
    actual_price = close[:, None] * np.exp(actual_cum)
    errors: dict[str, np.ndarray] = {}
    path_mae: dict[str, float] = {}
    for name, returns in forecasts.items():
        cum = np.cumsum(returns, axis=1)
        price = close[:, None] * np.exp(cum)
        errors[name] = np.abs(price[:, -1] - actual_price[:, -1])
        path_mae[name] = float(np.mean(np.abs(price - actual_price)))
    persistence = float(errors["persistence"].mean())
    scores: dict[str, Scores] = {}
    rmse: dict[str, float] = {}
    for name, returns in forecasts.items():
        cum_h = np.cumsum(returns, axis=1)[:, -1]
        e = m.price_errors(close * np.exp(cum_h), actual_price[:, -1])
        rmse[name] = e["rmse"]
        scores[name] = {
            **e,
            "mae_skill": _clean(m.skill(e["mae"], persistence)),
            "path_mae_skill": _clean(m.skill(path_mae[name], path_mae["persistence"])),
            "directional_accuracy": _clean(m.directional_accuracy(cum_h, actual_cum[:, -1])),
        }
    scores["model"]["rmse_skill"] = _clean(m.skill(rmse["model"], rmse["persistence"]))
    return ModelCard(
        series=series,
        model=model,
        kind="path",
        horizon=config.horizon,
        threshold_pct=None,
        interval=None,
        folds=folds,
        n=len(close),
        baseline="persistence",
        significant_over=["persistence", "drift"],
        scores=scores,
        **judge(_advantages(errors), ["persistence", "drift"], config).fields(),
    )


def interval_card(
    *,
    series: str,
    model: str,
    config: ForecastConfig,
    folds: int,
    actual: np.ndarray,
    intervals: dict[str, tuple[np.ndarray, np.ndarray]],
    multipliers: dict[str, float] | None = None,
) -> ModelCard:
    """Intervals ``name -> (low, high)`` for the ``H``-candle log return against the ``actual`` ones.

    ``intervals`` holds ``"model"``, ``"historical"`` (the naive baseline) and any other baseline;
    ``multipliers`` (same names) are the calibrated widths in standard deviations, shown in the card.
    """
    losses = {name: m.interval_scores(actual, lo, hi, config.interval) for name, (lo, hi) in intervals.items()}
    scores: dict[str, Scores] = {
        name: {
            "coverage": m.coverage(actual, lo, hi),
            "mean_width_pct": float(np.mean(np.expm1(hi) - np.expm1(lo)) * 100),
            "interval_score": float(losses[name].mean()),
            **({"multiplier": multipliers[name]} if multipliers else {}),
        }
        for name, (lo, hi) in intervals.items()
    }
    return ModelCard(
        series=series,
        model=model,
        kind="interval",
        horizon=config.horizon,
        threshold_pct=None,
        interval=config.interval,
        folds=folds,
        n=len(actual),
        baseline="historical",
        significant_over=["historical"],
        scores=scores,
        **judge(_advantages(losses), ["historical"], config).fields(),
    )


def figure_text(value: float | None) -> str:
    """A card figure: four significant digits below 10, so a micro-priced coin's price error (0.00000031) does not
    read 0.0000."""
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.2f}"
    if value != 0 and abs(value) < 0.001:
        return f"{value:.4g}"
    return f"{value:.4f}"


def format_card(card: ModelCard) -> str:
    """The card as a plain-text table: one column for the model, one per baseline."""
    if card.kind == "breakout":
        target = f"P(+{card.threshold_pct:g}% within {card.horizon} candles)"
    elif card.kind == "path":
        target = f"price {card.horizon} candles ahead"
    else:
        target = f"{(card.interval or 0) * 100:.0f}% interval over {card.horizon} candles"
    columns = [name for name in card.scores if name != "observed"]
    metric_names: list[str] = []
    for name in columns:
        metric_names += [k for k in card.scores[name] if k not in metric_names]
    width = max(len(k) for k in metric_names) + 2
    lines = [
        f"{card.series}  {card.model}: {target}",
        f"  {card.folds} walk-forward folds, {card.n:,} out-of-sample candles",
        "  " + "metric".ljust(width) + "".join(name.rjust(14) for name in columns),
    ]
    for key in metric_names:
        cells = "".join(figure_text(card.scores[name].get(key)).rjust(14) for name in columns)
        lines.append("  " + key.ljust(width) + cells)
    if "observed" in card.scores:
        observed = card.scores["observed"]
        lines.append(
            f"  observed breakout rate {figure_text(observed['rate'])} ({observed['breakouts']:.0f} breakouts)"
        )
    if card.calibration:
        lines.append("  calibration: bin, candles, mean forecast, observed rate")
        for row in card.calibration:
            lines.append(
                f"    [{row['low']:.1f}, {row['high']:.1f})  {row['n']:>6}"
                f"  {row['forecast']:.3f}  {row['observed']:.3f}"
            )
    advantages = ", ".join(f"{name} t = {t:+.2f}" for name, t in card.advantage_t.items())
    lines.append(
        f"  verdict: {card.verdict} (advantage over {advantages}, {_evidence(card)};"
        f" skill needs a significant advantage over {' and '.join(card.significant_over)} and no baseline"
        " significantly better)"
    )
    return "\n".join(lines)


def _evidence(card: ModelCard) -> str:
    """What the t statistics rest on and the p-values they give, as the verdict line quotes it."""
    if not card.blocks:  # a card stored before the blocks were recorded
        return f"over blocks of {card.horizon} candles"
    blocks = f"{card.blocks} independent blocks"
    if card.p_value is None:
        return f"too few to test: {blocks}, at least {m.MIN_BLOCKS} needed"
    text = f"over {blocks}: one-sided p = {card.p_value:.4f} (Student t, {card.blocks - 1} df)"
    if card.family_p is not None:
        text += f", {card.family_p:.4f} after Holm's correction across the series' models"
    return text


def card_losses(cards: Sequence[ModelCard]) -> dict[str, float | None]:
    """Each card's verdict loss by model name; None where the card has none (never NaN in JSON)."""
    losses: dict[str, float | None] = {}
    for card in cards:
        try:
            losses[card.model] = float(verdict_loss(card))
        except ValueError:
            losses[card.model] = None
    return losses
