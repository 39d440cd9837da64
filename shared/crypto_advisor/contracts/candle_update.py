"""The Kinesis record IngestFunction writes for every series update (schema version 1).

Small on purpose: it names the series and the new closed candles; the consumer
reads the candles themselves from the Candles table. ``gaps`` lists the
stretches the source could not fill, so the analysis can flag the window.
The partition key is the symbol, so the updates of a series stay in order.
The JSON Schema of this model is committed as ``schemas/candle-update.v1.json``
(a test keeps the two equal) for consumers written in other languages.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator, model_validator

from crypto_advisor.contracts.series import Series, SeriesError
from crypto_advisor.contracts.units import EARLIEST_TS_MS, LATEST_TS_MS

SCHEMA_NAME: Final = "crypto-advisor/candle-update"

#: The most candles one update may name: the largest backfill a watchlist may ask for.
MAX_CANDLES = 5000

#: An epoch-ms timestamp as the record carries it: a JSON integer (not a boolean, not a float), between
#: Bitcoin's first day and the year 2100; anything else is a producer's bug, refused at the edge.
Timestamp = Annotated[int, Strict(), Field(ge=EARLIEST_TS_MS, lt=LATEST_TS_MS)]


class CandleUpdate(BaseModel):
    """The new closed candles of one series. Timestamps are epoch-ms integers from 2009-01-03 to 2100-01-01.

    ``candle_ts`` is strictly ascending and aligned to the series' timeframe; each gap ``[first, last]`` is in
    order, aligned, and before the newest candle; ``ingested_at`` is at or after the newest candle's close (only
    closed candles are ever published).
    """

    # A producer's bug is refused here, with its reason, before it reaches the analysis (before issue 11 a record
    # with candle_ts [-5] and ingested_at 0 was analysed and stored a Signal). This docstring is the JSON Schema's
    # description, for consumers in other languages.
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_name: Literal["crypto-advisor/candle-update"] = Field(default=SCHEMA_NAME, alias="schema")
    version: Literal[1] = 1
    series: str = Field(pattern=r"^[a-z]+(-[a-z]+)*:[A-Z0-9]+-[A-Z0-9]+:[0-9]+[mhdw]$")
    candle_ts: list[Timestamp] = Field(
        min_length=1,
        max_length=MAX_CANDLES,
        description="Open times (epoch ms) of the new closed candles, ascending.",
    )
    gaps: list[tuple[Timestamp, Timestamp]] = Field(
        default_factory=list,
        max_length=MAX_CANDLES,
        description="[first_missing_ts, last_missing_ts] stretches the source could not fill.",
    )
    ingested_at: Timestamp = Field(description="When the ingest run's clock read (epoch ms).")

    @field_validator("series")
    @classmethod
    def _known_series(cls, value: str) -> str:
        # The pattern fixes the shape; the source and timeframe must also be ones the project knows.
        try:
            Series.parse(value)
        except SeriesError as exc:
            raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> CandleUpdate:
        if any(b <= a for a, b in pairwise(self.candle_ts)):
            raise ValueError("candle_ts must be strictly ascending")
        timeframe_ms = Series.parse(self.series).timeframe_ms
        misaligned = [ts for ts in self.candle_ts if ts % timeframe_ms]
        if misaligned:
            raise ValueError(f"candle_ts {misaligned[0]} is not aligned to the series' {self.series.rsplit(':')[-1]}")
        for index, (first, last) in enumerate(self.gaps):
            if first > last:
                raise ValueError(f"gaps[{index}] is reversed: {first} after {last}")
            if first % timeframe_ms or last % timeframe_ms:
                raise ValueError(f"gaps[{index}] is not aligned to the series' timeframe")
            if last >= self.last_ts:
                raise ValueError(f"gaps[{index}] ends at {last}, not before the newest candle {self.last_ts}")
        if self.ingested_at < self.last_ts + timeframe_ms:
            raise ValueError(
                f"ingested_at {self.ingested_at} is before the newest candle closed ({self.last_ts + timeframe_ms})"
            )
        return self

    @property
    def first_ts(self) -> int:
        return self.candle_ts[0]

    @property
    def last_ts(self) -> int:
        return self.candle_ts[-1]

    def to_json(self) -> bytes:
        return self.model_dump_json(by_alias=True).encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> CandleUpdate:
        return cls.model_validate_json(data)

    @classmethod
    def json_schema(cls) -> dict:
        return cls.model_json_schema(by_alias=True)
