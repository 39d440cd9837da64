"""The dashboard's watchlist reader: read on every call (a Settings change shows at once), parsed only when changed."""

from __future__ import annotations

import pytest

from crypto_advisor.adapters import config_source
from crypto_advisor.adapters.config_source import WatchlistReader
from crypto_advisor.contracts.errors import ConfigError

ONE = "series:\n  - {source: kraken, symbol: BTC/USD}\n"
TWO = ONE + "  - {source: kraken, symbol: ETH/USD}\n"


def test_each_call_reads_the_object_and_parses_only_a_changed_text(s3, monkeypatch):
    parses: list[str] = []
    real = config_source.parse_watchlist
    monkeypatch.setattr(
        config_source, "parse_watchlist", lambda text, origin: parses.append(text) or real(text, origin)
    )
    s3.put_object(Bucket="archive", Key="watchlist.yaml", Body=ONE.encode())
    reader = WatchlistReader("s3://archive/watchlist.yaml", s3_client=s3)

    first, again = reader(), reader()
    s3.put_object(Bucket="archive", Key="watchlist.yaml", Body=TWO.encode())
    changed = reader()

    assert [w.series.key for w in first] == [w.series.key for w in again] == ["kraken:BTC-USD:1h"]
    assert [w.series.key for w in changed] == ["kraken:BTC-USD:1h", "kraken:ETH-USD:1h"]
    assert parses == [ONE, TWO]


def test_a_text_that_fails_the_check_is_an_error_naming_the_object_every_time(s3):
    s3.put_object(Bucket="archive", Key="watchlist.yaml", Body=b"series: []\n")
    reader = WatchlistReader("s3://archive/watchlist.yaml", s3_client=s3)
    for _ in range(2):
        with pytest.raises(ConfigError, match=r"s3://archive/watchlist\.yaml"):
            reader()
