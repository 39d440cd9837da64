"""The Kinesis stream of candle updates."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.contracts.candle_update import CandleUpdate
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.series import Series


class UpdateStream:
    def __init__(self, kinesis_client: Any, stream_name: str) -> None:
        self._kinesis = kinesis_client
        self._stream = stream_name

    def publish(self, update: CandleUpdate) -> str:
        """Put one record, partitioned by symbol so a series' updates stay in order; returns its sequence number."""
        symbol = Series.parse(update.series).symbol
        try:
            answer = self._kinesis.put_record(StreamName=self._stream, Data=update.to_json(), PartitionKey=symbol)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"publishing the update of {update.series}: {exc}") from exc
        return answer["SequenceNumber"]
