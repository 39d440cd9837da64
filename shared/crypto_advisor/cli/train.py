"""``make train``: the training run in-process, without AWS, over the demo market or a CSV.

    python -m crypto_advisor.cli.train                                    # 4,000 hourly BTC candles, seeded
    python -m crypto_advisor.cli.train --csv btc.csv --series kraken:BTC-USD:1h --from 2019-01-01 --to 2022-12-31

The very same :func:`~crypto_advisor.training.service.run_training` TrainFunction
runs, with its S3 ports replaced by a folder: the models, cards, pointer and
replay figures land in ``.local/train/`` under the keys they would have in
the archive bucket, and each model card is printed, after the CSV reader's
one-line summary (:mod:`crypto_advisor.cli.history_csv`). The forecast
configuration is TrainFunction's default for the series' timeframe
(:meth:`~crypto_advisor.forecast.config.ForecastConfig.for_timeframe`): a
daily series is asked about the next 7 days, not 24.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from crypto_advisor.adapters.objects import FolderObjects
from crypto_advisor.adapters.replay_figures import ReplayFiguresStore
from crypto_advisor.analysis.rules import build_rules
from crypto_advisor.cli.replay import add_history_arguments, announced_history
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.forecast.card import format_card
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.training.forecaster import LibraryForecaster
from crypto_advisor.training.ports import Ports
from crypto_advisor.training.service import run_training
from crypto_advisor.wiring.models import folder_model_store


class GivenCandles:
    def __init__(self, candles: dict[str, list[Candle]]) -> None:
        self._candles = candles

    def read(self, series: Series) -> list[Candle]:
        return self._candles.get(series.key, [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_history_arguments(parser)
    parser.add_argument("--candles", type=int, default=4_000, help="demo market candles (default 4,000 hours)")
    parser.add_argument("--out", type=Path, default=Path(".local/train"))
    args = parser.parse_args(argv)
    loaded = announced_history(args, count=args.candles)
    if loaded is None:
        return 2
    series, candles = loaded
    watchlist = parse_watchlist(
        f"series:\n  - {{source: {series.source}, symbol: {series.pair}, timeframe: {series.timeframe}}}\n"
    )
    folder = FolderObjects(args.out)
    ports = Ports(
        archive=GivenCandles({series.key: candles}),
        replay_figures=ReplayFiguresStore.on(folder),
        models=folder_model_store(folder),
        forecaster=LibraryForecaster(),
    )
    started = time.monotonic()
    now_ms = candles[-1].ts + series.timeframe_ms if candles else 0
    config = ForecastConfig.for_timeframe(series.timeframe)
    report = run_training(watchlist, now_ms=now_ms, config=config, rules=build_rules(None), ports=ports)
    for item in report.series:
        for card in item.cards:
            print(format_card(card) + "\n")
        summary = {k: v for k, v in item.as_dict().items() if k not in ("losses", "current_losses")}
        print(json.dumps(summary, indent=2))
    print(f"\n{time.monotonic() - started:.0f} s; models, cards and replay figures under {args.out}/")
    return 1 if report.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
