"""``make train``: the training run in-process, without AWS, over the demo market or a CSV.

    python -m crypto_advisor.training.cli                                    # 4,000 hourly BTC candles, seeded
    python -m crypto_advisor.training.cli --csv btc.csv --series kraken:BTC-USD:1h

The very same :func:`~crypto_advisor.training.run.run_training` TrainFunction
runs, with its S3 ports replaced by a folder: the models, cards, pointer and
replay figures land in ``.local/train/`` under the keys they would have in
the archive bucket, and each model card is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crypto_advisor.adapters.model_store import ModelVersion, card_losses
from crypto_advisor.analysis.replay import CsvError, read_csv
from crypto_advisor.analysis.replay_cli import demo_candles
from crypto_advisor.analysis.rules import build_rules
from crypto_advisor.contracts.archive_keys import (
    model_bundle_key,
    model_cards_key,
    model_cards_text_key,
    model_latest_key,
    replay_stats_key,
)
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.watchlist import parse_watchlist
from crypto_advisor.forecast.artifacts import Artifacts, to_bytes
from crypto_advisor.forecast.card import ModelCard, format_card
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.training.run import Ports, run_training
from crypto_advisor.training.wiring import LibraryForecaster


class FolderArchive:
    def __init__(self, candles: dict[str, list[Candle]]) -> None:
        self._candles = candles

    def read(self, series: Series) -> list[Candle]:
        return self._candles.get(series.key, [])


class FolderObjects:
    """The archive bucket's ``models/`` and ``stats/`` keys as files under one folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _write(self, key: str, body: bytes) -> Path:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        return path

    def write(self, series: Series, report: dict[str, Any]) -> str:
        key = replay_stats_key(series)
        self._write(key, json.dumps(report, indent=2).encode())
        return key

    def write_version(
        self,
        series: Series,
        trained_at_ms: int,
        artifacts: Artifacts,
        cards: Sequence[ModelCard],
        config: ForecastConfig,
    ) -> ModelVersion:
        version = str(trained_at_ms)
        stored = ModelVersion(
            series=series.key,
            version=version,
            trained_at=trained_at_ms,
            bundle_key=model_bundle_key(series, version),
            cards_key=model_cards_key(series, version),
            cards_text_key=model_cards_text_key(series, version),
            config=config.as_dict(),
            losses=card_losses(cards),
        )
        self._write(stored.cards_key, json.dumps([c.to_dict() for c in cards], indent=2).encode())
        self._write(stored.cards_text_key, ("\n\n".join(format_card(c) for c in cards) + "\n").encode())
        self._write(stored.bundle_key, to_bytes(artifacts))
        return stored

    def latest_pointer(self, series: Series) -> dict[str, Any] | None:
        path = self.root / model_latest_key(series)
        return json.loads(path.read_text()) if path.exists() else None

    def move_latest(self, series: Series, version: ModelVersion) -> None:
        self._write(model_latest_key(series), json.dumps(version.pointer(), indent=2).encode())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, help="candles to train on (default: the seeded demo market)")
    parser.add_argument("--series", default=None, help="series key, e.g. kraken:BTC-USD:1h (timeframe from the CSV)")
    parser.add_argument("--candles", type=int, default=4_000, help="demo market candles (default 4,000 hours)")
    parser.add_argument("--out", type=Path, default=Path(".local/train"))
    args = parser.parse_args(argv)
    if args.csv:
        try:
            candles, timeframe = read_csv(args.csv.read_text())
        except CsvError as exc:
            print(f"{args.csv}: {exc}", file=sys.stderr)
            return 2
        named = Series.parse(args.series) if args.series else Series("kraken", "UNKNOWN-USD", timeframe)
        series = Series(named.source, named.symbol, timeframe)
    else:
        series = Series.parse(args.series or "kraken:BTC-USD:1h")
        candles = demo_candles(series.symbol, count=args.candles)
    watchlist = parse_watchlist(
        f"series:\n  - {{source: {series.source}, symbol: {series.pair}, timeframe: {series.timeframe}}}\n"
    )
    folder = FolderObjects(args.out)
    ports = Ports(archive=FolderArchive({series.key: candles}), replay_stats=folder, models=folder,
                  forecaster=LibraryForecaster())  # fmt: skip
    started = time.monotonic()
    now_ms = candles[-1].ts + series.timeframe_ms if candles else 0
    report = run_training(watchlist, now_ms=now_ms, config=ForecastConfig(), rules=build_rules(None), ports=ports)
    for item in report.series:
        for card in item.cards:
            print(format_card(card) + "\n")
        summary = {k: v for k, v in item.as_dict().items() if k not in ("losses", "current_losses")}
        print(json.dumps(summary, indent=2))
    print(f"\n{time.monotonic() - started:.0f} s; models, cards and replay figures under {args.out}/")
    return 1 if report.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
