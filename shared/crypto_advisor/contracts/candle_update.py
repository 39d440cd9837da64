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
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from crypto_advisor.contracts.series import Series, SeriesError

SCHEMA_NAME: Final = "crypto-advisor/candle-update"


class CandleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_name: Literal["crypto-advisor/candle-update"] = Field(default=SCHEMA_NAME, alias="schema")
    version: Literal[1] = 1
    series: str = Field(pattern=r"^[a-z]+:[A-Z0-9]+-[A-Z0-9]+:[0-9]+[mhdw]$")
    candle_ts: list[int] = Field(
        min_length=1, description="Open times (epoch ms) of the new closed candles, ascending."
    )
    gaps: list[tuple[int, int]] = Field(
        default_factory=list, description="[first_missing_ts, last_missing_ts] stretches the source could not fill."
    )
    ingested_at: int = Field(description="When the ingest run's clock read (epoch ms).")

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
    def _ascending(self) -> CandleUpdate:
        if any(b <= a for a, b in pairwise(self.candle_ts)):
            raise ValueError("candle_ts must be strictly ascending")
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
