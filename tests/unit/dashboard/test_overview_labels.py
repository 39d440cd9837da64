"""The overview card's short model labels (the full sentences stay on the series page)."""

from __future__ import annotations

import pytest

from crypto_advisor.dashboard.overview import verdict_label, verdicts


@pytest.mark.parametrize(
    ("prediction", "label"),
    [
        (
            {
                "kind": "breakout",
                "model": "breakout_rf",
                "horizon_label": "24h",
                "threshold_pct": 2.0,
                "probability": 0.62,
                "beats_baseline": False,
            },
            "forest: +2% in 24h 62% · skill: none",
        ),
        (
            {"kind": "path", "model": "path_lstm", "horizon_label": "24h", "price": 91234.5, "beats_baseline": True},
            "LSTM: 24h 91,230 · skill: beats naive",
        ),
        (
            {
                "kind": "interval",
                "model": "vol_garch",
                "horizon_label": "24h",
                "low": 2.2134,
                "high": 2.4,
                "beats_baseline": False,
            },
            "GARCH: 24h 2.213–2.400 · skill: none",
        ),
        (
            {"kind": "path", "model": "new_model", "horizon_label": "4h", "beats_baseline": False},
            "new_model: 4h · skill: none",
        ),
    ],
)
def test_label_says_model_prediction_and_skill_in_a_few_words(prediction, label):
    assert verdict_label(prediction) == label


def test_verdict_keeps_the_full_sentence_beside_the_label():
    sentence = "P(+2% within 24h) = 0.62; out of sample on 2,100 hours: AUC 0.51, Brier skill -0.01; no better"
    (verdict,) = verdicts(
        [
            {
                "kind": "breakout",
                "model": "breakout_rf",
                "horizon_label": "24h",
                "threshold_pct": 2,
                "probability": 0.62,
                "beats_baseline": False,
                "text": sentence,
            }
        ]
    )
    assert verdict.text == sentence
    assert len(verdict.label) < 45
