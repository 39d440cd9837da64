"""The model card: how a model did out of sample, beside its baseline, and whether that is skill.

One card per series and model, JSON-able (:meth:`ModelCard.to_dict`) for S3
and the artifacts, readable as a table (:func:`format_card`) for logs and the
demo. The verdict is "beats baseline" only when the model's advantage over
the naive baselines (no change and drift, the base rate, the historical
volatility) is significant over independent blocks
(:func:`~crypto_advisor.forecast.metrics.block_t` at least
``significance_t``) *and* no baseline at all is significantly better than
the model (t above ``-significance_t``, which matters for EWMA); otherwise
"no skill", and every prediction built from the card says so. EWMA is a
close cousin of GARCH (a GARCH with fixed parameters), so asking to beat it
significantly would call a sound interval unskilled only because a cousin is
as good; being clearly worse than it still loses the verdict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from crypto_advisor.forecast import metrics as m
from crypto_advisor.forecast.config import ForecastConfig
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
    #: Per baseline, the t statistic of the model's loss advantage over it, over blocks of ``horizon`` rows.
    advantage_t: dict[str, float]
    verdict: str
    calibration: list[dict[str, float | int]] = field(default_factory=list)

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


def _advantages(losses: dict[str, np.ndarray], horizon: int) -> dict[str, float]:
    """``losses``: per-row loss of ``"model"`` and of every baseline, in time order."""
    return {name: m.block_t(loss - losses["model"], horizon) for name, loss in losses.items() if name != "model"}


def _verdict(advantage_t: dict[str, float], naive: list[str], config: ForecastConfig) -> str:
    bar = config.significance_t
    significant = all(advantage_t[name] >= bar for name in naive)
    never_clearly_worse = all(t > -bar for t in advantage_t.values())
    return BEATS if significant and never_clearly_worse else NO_SKILL


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
    t = _advantages({"model": (p - y) ** 2, "base_rate": (base - y) ** 2}, config.horizon)
    verdict = _verdict(t, ["base_rate"], config)
    if (scores["model"]["auc"] or 0.5) <= 0.5:
        verdict = NO_SKILL
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
        advantage_t=t,
        verdict=verdict,
        calibration=m.calibration_table(y, p),
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
    t = _advantages(errors, config.horizon)
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
        advantage_t=t,
        verdict=_verdict(t, ["persistence", "drift"], config),
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
    t = _advantages(losses, config.horizon)
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
        advantage_t=t,
        verdict=_verdict(t, ["historical"], config),
    )


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4f}" if abs(value) < 10 else f"{value:.2f}"


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
        cells = "".join(_fmt(card.scores[name].get(key)).rjust(14) for name in columns)
        lines.append("  " + key.ljust(width) + cells)
    if "observed" in card.scores:
        observed = card.scores["observed"]
        lines.append(f"  observed breakout rate {_fmt(observed['rate'])} ({observed['breakouts']:.0f} breakouts)")
    if card.calibration:
        lines.append("  calibration: bin, candles, mean forecast, observed rate")
        for row in card.calibration:
            lines.append(
                f"    [{row['low']:.1f}, {row['high']:.1f})  {row['n']:>6}"
                f"  {row['forecast']:.3f}  {row['observed']:.3f}"
            )
    advantages = ", ".join(f"{name} t = {t:+.2f}" for name, t in card.advantage_t.items())
    lines.append(
        f"  verdict: {card.verdict} (advantage over {advantages}, over blocks of {card.horizon} candles;"
        f" skill needs a significant advantage over {' and '.join(card.significant_over)} and no baseline"
        " significantly better)"
    )
    return "\n".join(lines)


def card_losses(cards: Sequence[ModelCard]) -> dict[str, float | None]:
    """Each card's verdict loss by model name; None where the card has none (never NaN in JSON)."""
    losses: dict[str, float | None] = {}
    for card in cards:
        try:
            losses[card.model] = float(verdict_loss(card))
        except ValueError:
            losses[card.model] = None
    return losses
