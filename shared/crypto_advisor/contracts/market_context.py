"""The market around one closed candle: the coin's move against BTC's, and the higher timeframes' trends.

Data only, carried by the Signal (:attr:`~crypto_advisor.contracts.signal.Signal.market`);
the analysis computes it (:mod:`crypto_advisor.analysis.market_context`), the
alert email words it, and the notifier's market email
(:mod:`crypto_advisor.notify.market`) reads each coin's move from it.

The **reference** is the watchlist's BTC series of the same timeframe
(:func:`market_reference`): BTC leads the crypto market, and a coin's move
means something else when BTC moved the same way on the same candle. A
watchlist without BTC on that timeframe has no reference: the context then
carries the coin's own move and the trends, no beta, and the email says
nothing about BTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from crypto_advisor.contracts.series import Series

#: Bases that name bitcoin: Kraken's own ticker is XBT.
REFERENCE_BASES = ("BTC", "XBT")
#: Quotes a reference prefers, in order: the dollar first, then its stable coins, then the euro.
REFERENCE_QUOTES = ("USD", "USDT", "USDC", "EUR")

TrendDirection = Literal["up", "down"]


def is_reference_coin(series: Series) -> bool:
    """True for a bitcoin series: it is the market's reference, never measured against itself."""
    return series.base in REFERENCE_BASES


def market_reference(candidates: Iterable[Series], timeframe: str) -> Series | None:
    """The BTC series of ``timeframe`` among ``candidates`` (a watchlist's series), or None when there is none.

    Several (BTC/USD on Kraken and on CoinGecko, BTC/EUR): the dollar quote
    first (:data:`REFERENCE_QUOTES`), then the watchlist's order, so every
    function that asks gets the same answer.
    """
    bitcoins = [s for s in candidates if s.timeframe == timeframe and is_reference_coin(s)]
    if not bitcoins:
        return None

    def rank(indexed: tuple[int, Series]) -> tuple[int, int]:
        index, series = indexed
        quote = REFERENCE_QUOTES.index(series.quote) if series.quote in REFERENCE_QUOTES else len(REFERENCE_QUOTES)
        return quote, index

    return min(enumerate(bitcoins), key=rank)[1]


class BetaReading(BaseModel):
    """The coin's move on the candle against what BTC's move on the same candle implies at the coin's recent beta.

    ``beta`` is the OLS slope of the coin's candle returns on BTC's over the
    ``returns`` common candles before this one (at most 30 days); the implied
    move is ``beta * btc_move`` and the coin's own move is what is left:
    ``move - implied_move``. ``own_sigma`` is the own move in units of the
    spread of the same residuals over those candles; ``own_record`` is how
    many candles since an own move as large the same way (None: no record at
    all), capped at ``returns`` (``own_capped``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    reference: str
    btc_move: float
    beta: float
    #: the correlation of the two return series over the same candles
    correlation: float
    returns: int = Field(ge=0)
    implied_move: float
    own_move: float
    own_sigma: float | None = None
    own_record: int | None = None
    own_capped: bool = False


class TrendReading(BaseModel):
    """The trend of one higher timeframe as it stood when the candle opened, and whether the candle's move agrees.

    ``direction`` is ``up`` when the close before the candle is above the EMA
    20 of that timeframe's closes, ``down`` below it; None when there are too
    few of them (``candles``) for an EMA 20. ``resampled``: built from the
    series' own candles (1h into 4h); False when the timeframe is the series'
    own. ``agrees`` is None when there is no direction or the candle did not move.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    timeframe: str
    direction: TrendDirection | None
    candles: int = Field(ge=0)
    resampled: bool
    close: float | None = None
    ema: float | None = None
    agrees: bool | None = None


class MarketContext(BaseModel):
    """The candle's move in context: its size on the coin's own history, against BTC, and against the trends."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: the close-to-close change of the candle, as a fraction (-0.051: -5.1%)
    move: float
    #: the same move in units of the coin's recent volatility (log returns over up to 240 candles), when measurable
    move_sigma: float | None = None
    #: the watchlist's BTC series of this timeframe; None when it has none, or for BTC itself
    reference: str | None = None
    #: the move against BTC's; None without a reference, or when BTC's candle or enough common history is missing
    beta: BetaReading | None = None
    #: why there is a reference but no beta reading ("BTC's candle was not stored yet"), for the email and the log
    beta_note: str | None = None
    trends: list[TrendReading] = Field(default_factory=list)
