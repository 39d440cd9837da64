"""A missing volume (issue 13, part 1): never from the future, never 0, kept missing from the source to the Signal.

CoinGecko has no per-candle volume; a candle's volume is the rolling 24-hour
volume sampled at or before its close. With no such sample within the stated
tolerance the volume is missing (``None``): the screen accepts the candle as
such, the stores keep it missing (a NULL in DynamoDB, ``null`` in the S3
archive), the indicators that read it are NaN where they read it, and the rules
that need it skip the candle with a reason in the Signal.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import numpy as np
import pytest
from moto import mock_aws

from crypto_advisor.adapters.archive import decode, encode
from crypto_advisor.adapters.candle_store import CandleStore
from crypto_advisor.adapters.coingecko import VOLUME_SAMPLE_TOLERANCE_MS, CoinGeckoSource, RateLimiter, build_candles
from crypto_advisor.analysis.closed_candle import analyze
from crypto_advisor.analysis.rules import build_rules, with_conditions
from crypto_advisor.contracts.candle import Candle, check, screen
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.contracts.watchlist import UserCondition, WatchedSeries
from crypto_advisor.local.market import SimulatedMarket
from crypto_advisor.local.stack import load_template
from crypto_advisor.market.frame import to_frame
from crypto_advisor.market.indicators import compute
from crypto_advisor.notify.format import snapshot
from tests.conftest import REPO
from tests.recorded import coingecko

MIN = 60_000
HALF_HOUR = 30 * MIN
HOUR = 60 * MIN
DAY = 24 * HOUR
DAY_START = 1_767_225_600_000  # 2026-01-01T00:00Z
TEN = DAY_START + 10 * HOUR
HYPE = Series.of("coingecko", "HYPE/USD", "1h")
#: Where a CoinGecko candle's volume is its own (about the day's), so a missing sample is what silences the volume
#: rules; on HYPE (hourly) they are skipped on every candle (tests/unit/analysis/test_coingecko_volume.py)
HYPE_DAILY = Series.of("coingecko", "HYPE/USD", "1d")


def ten_and_eleven() -> list[list[float]]:
    """The 30-minute candles of the 10:00 and 11:00 hours, stamped with their closes."""
    return [
        [TEN + HALF_HOUR, 10.0, 10.2, 9.9, 10.1],
        [TEN + HOUR, 10.1, 10.3, 10.0, 10.2],
        [TEN + HOUR + HALF_HOUR, 10.2, 10.4, 10.1, 10.3],
        [TEN + 2 * HOUR, 10.3, 10.5, 10.2, 10.4],
    ]


# --- the adapter: only samples at or before the close, within the tolerance ---------------------


def test_a_sample_after_the_close_never_stands_for_the_candle():
    # Given volume samples only after both hours closed (the real answer once had one four weeks later)
    volumes = [[TEN + 2 * HOUR + 2 * MIN, 528_000_000.0], [TEN + 28 * DAY, 900_000_000.0]]
    # When the hours are built
    candles = build_candles(ten_and_eleven(), volumes, source_ms=HALF_HOUR, timeframe_ms=HOUR)
    # Then the 10:00 hour (closing 11:00) has no volume, and the 11:00 hour (closing 12:00) neither: 12:02 is after
    assert [c[5] for c in candles] == [None, None]


def test_no_volume_samples_at_all_is_missing_not_zero():
    # Given an answer whose total_volumes is empty, When the hours are built, Then their volume is missing, not 0.0
    candles = build_candles(ten_and_eleven(), [], source_ms=HALF_HOUR, timeframe_ms=HOUR)
    assert [c[5] for c in candles] == [None, None]


def test_a_sample_older_than_the_tolerance_is_not_used():
    # Given one sample 61 minutes before 11:00 and one exactly at 12:00
    volumes = [[TEN + HOUR - VOLUME_SAMPLE_TOLERANCE_MS - MIN, 480_000_000.0], [TEN + 2 * HOUR, 528_000_000.0]]
    # When the hours are built
    candles = build_candles(ten_and_eleven(), volumes, source_ms=HALF_HOUR, timeframe_ms=HOUR)
    # Then the 10:00 hour has none (another hour's 24 h volume), the 11:00 hour the sample taken at its close
    assert candles[0][5] is None
    assert candles[1][5] == pytest.approx(528_000_000.0 / 24)


def test_a_fetch_through_pycoingecko_with_no_volumes_gives_candles_the_screen_keeps_as_missing(rsps, clock):
    # Given CoinGecko's two-day answers at 13:40, the market chart without any volume sample
    now = DAY_START + 13 * HOUR + 40 * MIN
    ohlc = coingecko.ohlc_rows(DAY_START + 14 * HOUR - 96 * HALF_HOUR, 97)
    chart = coingecko.market_chart(now - 2 * DAY + 22 * MIN, 48)
    chart["total_volumes"] = []
    coingecko.register(rsps, "hyperliquid", ohlc, chart)
    source = CoinGeckoSource(limiter=RateLimiter(0.0, clock=clock.time, sleep=clock.sleep), sleep=lambda _: None)
    watched = WatchedSeries(series=HYPE, backfill_candles=720, coingecko_id="hyperliquid")
    # When the hours are fetched and screened
    rows = source.fetch_ohlcv(watched, since_ms=DAY_START - 11 * HOUR, now_ms=now)
    screened = screen(rows, timeframe_ms=HOUR, now_ms=now)
    # Then every closed hour is accepted with its prices and a missing volume, none rejected, none given 0
    assert len(screened.accepted) == 24 and screened.rejected == []
    assert all(c.volume is None for c in screened.accepted)


# --- the contract -----------------------------------------------------------------------------------


def test_the_screen_accepts_a_missing_volume_and_still_checks_everything_else():
    # Given rows with a missing volume: one valid, one with a broken range, one with NaN (not a source's "missing")
    ok, why = check([TEN, 10.0, 10.5, 9.5, 10.2, None], HOUR)
    broken, why_broken = check([TEN, 10.0, 9.0, 9.5, 10.2, None], HOUR)
    nan, why_nan = check([TEN, 10.0, 10.5, 9.5, 10.2, float("nan")], HOUR)
    # Then the valid one is a candle with volume None, and the others are refused for what is wrong with them
    assert ok == Candle(TEN, 10.0, 10.5, 9.5, 10.2, None) and why is None
    assert broken is None and "inconsistent range" in (why_broken or "")
    assert nan is None and why_nan == "volume is nan, not finite"
    # And a real zero volume stays zero (a quiet candle is not a missing one)
    assert check([TEN, 10.0, 10.5, 9.5, 10.2, 0.0], HOUR)[0] == Candle(TEN, 10.0, 10.5, 9.5, 10.2, 0.0)


# --- the stores keep it missing -----------------------------------------------------------------------


@pytest.fixture
def aws() -> Iterator[tuple[Any, Any]]:
    with mock_aws():
        yield boto3.resource("dynamodb", region_name="us-east-1"), boto3.client("s3", region_name="us-east-1")


def test_the_candles_table_stores_a_null_volume_and_reads_it_back_missing(aws):
    # Given the Candles table as template.yaml defines it
    dynamodb, _ = aws
    props = load_template(REPO / "template.yaml")["Resources"]["CandlesTable"]["Properties"]
    table = dynamodb.create_table(
        TableName="Candles",
        KeySchema=props["KeySchema"],
        AttributeDefinitions=props["AttributeDefinitions"],
        BillingMode=props["BillingMode"],
    )
    store = CandleStore(table, hot_window=720)
    candles = [Candle(TEN, 10.0, 10.5, 9.5, 10.2, None), Candle(TEN + HOUR, 10.2, 10.6, 10.1, 10.4, 0.0)]
    # When a candle without volume and one with zero volume are stored and read back
    store.put(HYPE, candles)
    # Then the item holds a NULL volume (not 0, not NaN), and the window gives the candles as they were
    item = table.get_item(Key={"series": HYPE.key, "ts": TEN})["Item"]
    assert "volume" in item and item["volume"] is None  # boto3 reads DynamoDB's NULL as None
    assert store.window(HYPE) == candles


def test_the_archive_writes_null_and_reads_it_back_missing():
    # Given a candle without volume, When it is archived and read back
    candles = [Candle(TEN, 10.0, 10.5, 9.5, 10.2, None), Candle(TEN + HOUR, 10.2, 10.6, 10.1, 10.4, 3.5)]
    body = encode(HYPE, candles)
    # Then the JSON line says null (what Athena reads as missing), and decoding gives the same candles
    first = json.loads(gzip.decompress(body).decode().splitlines()[0])
    assert first["volume"] is None
    assert decode(body) == candles


# --- the analysis: NaN only where it is read, and the rules that need it say they skipped --------------


def window_with_missing(at: list[int], count: int = 300, step: int = HOUR) -> list[Candle]:
    market = SimulatedMarket(seed=5)
    now = market.epoch_ms + (count + 1) * step + 20 * MIN
    rows = [r for r in market.candles("ETH-USD", step, now) if r[0] + step <= now][-count:]
    return [Candle(int(r[0]), *map(float, r[1:5]), None if i in at else float(r[5])) for i, r in enumerate(rows)]


def test_indicators_are_nan_exactly_where_a_missing_volume_is_read_and_nowhere_later():
    # Given 300 candles, the volume of candle 100 missing
    candles = window_with_missing([100])
    known = [Candle(c.ts, c.open, c.high, c.low, c.close, c.volume if c.volume is not None else 1.0) for c in candles]
    # When the indicators are computed, and again with any volume there
    out, other = compute(to_frame(candles)), compute(to_frame(known))
    # Then OBV and VPT are NaN on that candle only, and move by the same steps after it
    assert out["obv"].isna().tolist() == [i == 100 for i in range(300)]
    np.testing.assert_allclose(np.diff(out["obv"].to_numpy()[101:]), np.diff(other["obv"].to_numpy()[101:]))
    assert out["vpt"].iloc[101:].notna().all()
    # And the volume average and MFI are NaN exactly on the windows holding it
    assert out["volume_ma_20"].isna().to_numpy().nonzero()[0].tolist() == [*range(19), *range(100, 120)]
    assert out["mfi_14"].iloc[100:114].isna().all() and out["mfi_14"].iloc[114:].notna().all()
    # And the price columns do not notice
    price_columns = [c for c in out.columns if c.startswith(("ema", "sma", "rsi", "macd", "bb", "atr", "adx"))]
    np.testing.assert_array_equal(out[price_columns].to_numpy(), other[price_columns].to_numpy())


def test_no_indicator_row_depends_on_a_later_missing_volume():
    # Given the same 300 candles with the last one's volume missing, and without it
    candles = window_with_missing([299])
    full, before = compute(to_frame(candles)), compute(to_frame(candles[:299]))
    # Then rows 0..298 are what they were before the candle arrived
    np.testing.assert_array_equal(full.iloc[:299].to_numpy(dtype=float), before.to_numpy(dtype=float))


def test_the_volume_rules_skip_a_candle_with_a_missing_volume_and_say_why():
    # Given 300 daily candles whose last volume is missing
    candles = window_with_missing([299], step=DAY)
    rules = build_rules({})
    # When the last candle is analysed
    signal = analyze(HYPE_DAILY, candles, candle_ts=candles[-1].ts, now_ms=candles[-1].ts + DAY + MIN, rules=rules)
    # Then the volume spike and the OBV divergence are named as skipped, with the reason, and nothing else is
    assert {s.rule_id for s in signal.skipped} == {"volume_spike", "obv_divergence"}
    for skip in signal.skipped:
        assert "volume missing on 1 of the" in skip.reason and "did not judge this candle" in skip.reason
    # And the series stays healthy (a missing volume silences only what reads it), with no NaN in the Signal
    assert signal.health.healthy
    stored = Signal.model_validate_json(signal.to_json())
    assert stored.skipped == signal.skipped
    assert stored.indicators["volume_ma_20"] is None and stored.indicators["obv"] is None
    assert all(f.rarity is None or f.rarity.volume_multiple is None for f in signal.firings)


def test_a_missing_volume_older_than_what_a_rule_reads_skips_nothing():
    # Given a volume missing 40 candles before the judged one: older than the spike's 22 and OBV's 21 candles
    candles = window_with_missing([259], step=DAY)
    now = candles[-1].ts + DAY + MIN
    signal = analyze(HYPE_DAILY, candles, candle_ts=candles[-1].ts, now_ms=now, rules=build_rules({}))
    # Then no rule is skipped, and the volume columns are back
    assert signal.skipped == []
    assert all(math.isfinite(signal.indicators[c] or math.nan) for c in ("obv", "volume_ma_20", "mfi_14"))


def test_a_condition_reading_volume_skips_and_one_reading_prices_does_not():
    # Given the user's own conditions, one on volume and one on prices, and a last candle without volume
    candles = window_with_missing([299])
    conditions = [
        UserCondition(name="volume burst", expression="volume > 3 * volume_sma_20"),
        UserCondition(name="fell 3%", expression="close < close[1] * 0.97"),
    ]
    rules = with_conditions(build_rules({}), conditions)
    # When the candle is analysed
    signal = analyze(HYPE, candles, candle_ts=candles[-1].ts, now_ms=candles[-1].ts + HOUR + MIN, rules=rules)
    # Then the volume condition is named as skipped, the price condition is not
    skipped = {s.rule_id for s in signal.skipped}
    assert "condition:volume burst" in skipped and "condition:fell 3%" not in skipped


def test_the_email_says_the_volume_is_missing_rather_than_showing_a_number():
    # Given the signal of a candle without volume, as the notifier's view holds it
    candles = window_with_missing([299])
    signal = analyze(HYPE, candles, candle_ts=candles[-1].ts, now_ms=candles[-1].ts + HOUR + MIN, rules=build_rules({}))
    view = SimpleNamespace(signal=signal, candles=candles, series=HYPE)
    # When the email's snapshot is made
    volume = next(f for f in snapshot(view) if f.label == "Volume")  # type: ignore[arg-type]
    # Then it says missing, and why
    assert volume.value == "missing" and "no volume" in volume.note
