"""The news mood as columns of the indicator frame, so the news rule judges crossings like the others.

For each row (candle), the mood at that candle's *close* (``ts + timeframe``):
the moment the candle became final and the last moment its analysis may know
of. The mood counts only articles published by then (see
:mod:`crypto_advisor.news.mood`), so no row depends on later news, the same
rule as for the indicators.

``news_mean_24h`` and ``news_mean_7d`` are NaN where their window holds no
article, ``news_count_24h`` is 0 there. These columns are not indicators:
they are not in :mod:`.indicator_spec` nor in the Signal's snapshot (the
Signal carries the news as its own digest), and a frame without them is an
analysis without news, on which the news rule does not apply.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from crypto_advisor.contracts.news import Article
from crypto_advisor.news.mood import moods_at

NEWS_MEAN_24H = "news_mean_24h"
NEWS_COUNT_24H = "news_count_24h"
NEWS_MEAN_7D = "news_mean_7d"
NEWS_COLUMNS: tuple[str, ...] = (NEWS_MEAN_24H, NEWS_COUNT_24H, NEWS_MEAN_7D)


def add_news_columns(frame: pd.DataFrame, articles: Sequence[Article], timeframe_ms: int) -> pd.DataFrame:
    """A copy of ``frame`` with the three news columns, computed at each candle's close."""
    closes = frame["ts"].to_numpy(dtype="int64") + int(timeframe_ms)
    mood = moods_at(articles, closes)
    return frame.assign(
        **{
            NEWS_MEAN_24H: mood.mean_24h,
            NEWS_COUNT_24H: mood.count_24h.astype(float),
            NEWS_MEAN_7D: mood.mean_7d,
        }
    )
