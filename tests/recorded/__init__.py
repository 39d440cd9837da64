"""Recorded answers of the market-data APIs, for tests that drive the real client libraries.

Each module builds answers shaped exactly like the public API's documented
(and observed) answers and registers them on a ``responses.RequestsMock``, so
ccxt and pycoingecko run their own request and parsing code with no network:

* :mod:`tests.recorded.kraken`: ``/0/public/Assets``, ``/0/public/AssetPairs``
  and ``/0/public/OHLC``;
* :mod:`tests.recorded.coingecko`: ``/coins/{id}/ohlc`` and
  ``/coins/{id}/market_chart``.

The builders are small and deterministic (seeded), so a test states the
answer it needs in one line and can compute what it expects from the same rows.
"""
