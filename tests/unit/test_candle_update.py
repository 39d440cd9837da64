"""The Kinesis record (CandleUpdate v1) and its committed JSON Schema."""

from __future__ import annotations

import json
import pathlib

import pytest
from pydantic import ValidationError

from crypto_advisor.contracts.candle_update import SCHEMA_NAME, CandleUpdate

REPO = pathlib.Path(__file__).resolve().parents[2]
SCHEMA_FILE = REPO / "schemas" / "candle-update.v1.json"
REGENERATE = "run `.venv/bin/python tools/write_schemas.py` and commit schemas/candle-update.v1.json"

HOUR = 3_600_000
T0 = 1_740_787_200_000  # 2025-03-01T00:00Z
NOW = T0 + 3 * HOUR + 5 * 60_000


def update(**overrides) -> CandleUpdate:
    fields = {"series": "kraken:BTC-USD:1h", "candle_ts": [T0, T0 + HOUR, T0 + 2 * HOUR], "ingested_at": NOW}
    return CandleUpdate(**(fields | overrides))


def record(**overrides) -> dict:
    return json.loads(update().to_json()) | overrides


def test_round_trips_through_json():
    # Given an update with a gap
    original = update(gaps=[(T0 - 5 * HOUR, T0 - HOUR)])

    # When it is written as a Kinesis record and read back (as bytes and as text)
    # Then it is the same update
    assert CandleUpdate.from_json(original.to_json()) == original
    assert CandleUpdate.from_json(original.to_json().decode()) == original


def test_json_names_its_schema_and_version():
    # Given an update built without saying which schema it follows
    # When it is written as JSON
    written = json.loads(update().to_json())

    # Then the record says which schema and version it is, under the documented names
    assert written["schema"] == SCHEMA_NAME == "crypto-advisor/candle-update"
    assert written["version"] == 1
    assert set(written) == {"schema", "version", "series", "candle_ts", "gaps", "ingested_at"}


def test_json_is_small_and_holds_no_candle_values():
    # Given an update for a full 720-candle backfill
    update_720 = update(candle_ts=[T0 + i * HOUR for i in range(720)], ingested_at=T0 + 720 * HOUR)

    # When it is written as JSON
    data = update_720.to_json()

    # Then it stays far below Kinesis's 1 MB record limit, because it names candles rather than carrying them
    assert len(data) < 20_000


def test_gaps_default_to_empty():
    # Given an update built without gaps
    # When it is read
    # Then its gaps are an empty list, and first/last ts are the ends of candle_ts
    u = update()
    assert u.gaps == []
    assert (u.first_ts, u.last_ts) == (T0, T0 + 2 * HOUR)


def test_rejects_a_field_it_does_not_define():
    # Given a record with an extra field (a producer and consumer out of step)
    data = json.dumps(record(candles=[[T0, 1, 2, 0.5, 1.5, 10]]))

    # When it is read
    # Then it is refused, naming the field
    with pytest.raises(ValidationError, match="candles"):
        CandleUpdate.from_json(data)


def test_rejects_an_empty_candle_list():
    # Given an update naming no candle
    # When it is built
    # Then it is refused: an update without new candles is never published
    with pytest.raises(ValidationError, match="candle_ts"):
        update(candle_ts=[])


@pytest.mark.parametrize(
    "candle_ts",
    [
        pytest.param([T0 + HOUR, T0], id="descending"),
        pytest.param([T0, T0], id="repeated"),
        pytest.param([T0, T0 + 2 * HOUR, T0 + HOUR], id="out-of-order"),
    ],
)
def test_rejects_candle_ts_that_are_not_strictly_ascending(candle_ts):
    # Given candle times that do not strictly ascend
    # When the update is built
    # Then it is refused, saying so
    with pytest.raises(ValidationError, match="strictly ascending"):
        update(candle_ts=candle_ts)


@pytest.mark.parametrize(
    "series",
    [
        "kraken:BTC/USD:1h",
        "kraken:btc-usd:1h",
        "Kraken:BTC-USD:1h",
        "BTC-USD",
        "kraken:BTC-USD",
        "kraken:BTC-USD:",
        "kraken:BTC-USD:1h:extra",
        "",
    ],
)
def test_rejects_a_malformed_series_key(series):
    # Given a series that is not written as source:BASE-QUOTE:timeframe
    # When the update is built
    # Then it is refused
    with pytest.raises(ValidationError, match="series"):
        update(series=series)


@pytest.mark.parametrize("series", ["binance:BTC-USD:1h", "kraken:BTC-USD:2h", "kraken:BTC-USD:90m"])
def test_rejects_a_well_shaped_key_that_names_no_series(series):
    # Given a key of the right shape whose source or timeframe the project does not know
    # When the update is built
    # Then it is refused at the edge, not later when the consumer looks the series up
    with pytest.raises(ValidationError, match="series"):
        update(series=series)


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"version": 2}, id="newer-version"),
        pytest.param({"schema": "crypto-advisor/signal"}, id="other-schema"),
    ],
)
def test_rejects_a_record_of_another_schema_or_version(overrides):
    # Given a record that says it follows something other than candle-update v1
    data = json.dumps(record(**overrides))

    # When a v1 consumer reads it
    # Then it is refused rather than misread
    with pytest.raises(ValidationError):
        CandleUpdate.from_json(data)


def test_rejects_a_gap_that_is_not_a_pair():
    # Given a gap written as three numbers
    data = json.dumps(record(gaps=[[T0, T0 + HOUR, T0 + 2 * HOUR]]))

    # When it is read
    # Then it is refused
    with pytest.raises(ValidationError, match="gaps"):
        CandleUpdate.from_json(data)


def test_the_committed_json_schema_is_the_models_schema():
    # Given the JSON Schema committed for consumers in other languages
    committed = SCHEMA_FILE.read_text() if SCHEMA_FILE.exists() else ""

    # When it is compared with what the model describes today
    expected = json.dumps(CandleUpdate.json_schema(), indent=2) + "\n"

    # Then they are the same, byte for byte
    assert SCHEMA_FILE.exists(), f"{SCHEMA_FILE.relative_to(REPO)} is missing: {REGENERATE}"
    assert json.loads(committed) == CandleUpdate.json_schema(), f"the model changed: {REGENERATE}"
    assert committed == expected, f"the schema file is not formatted as the tool writes it: {REGENERATE}"


def test_the_committed_json_schema_accepts_a_record_and_refuses_an_extra_field():
    # Given the committed schema and a validator for it
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text()))

    # When a record the producer writes, and one with an extra field, are checked against it
    good = json.loads(update(gaps=[(T0 - 2 * HOUR, T0 - HOUR)]).to_json())
    bad = good | {"candles": []}

    # Then the first passes and the second does not
    assert list(validator.iter_errors(good)) == []
    assert [e.validator for e in validator.iter_errors(bad)] == ["additionalProperties"]


# --- bounds and types (issue 11): records a handler once analysed -----------------------------


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        pytest.param({"candle_ts": [-5]}, ["candle_ts.0", "greater than or equal to 1230940800000"], id="negative-ts"),
        pytest.param({"candle_ts": [True]}, ["candle_ts.0", "valid integer"], id="boolean-ts"),
        pytest.param({"candle_ts": [float(T0)]}, ["candle_ts.0", "valid integer"], id="float-ts"),
        pytest.param({"candle_ts": [T0 + 60_000]}, ["not aligned to the series' 1h"], id="misaligned-ts"),
        pytest.param({"candle_ts": [4_102_444_800_000]}, ["candle_ts.0", "less than 4102444800000"], id="year-2100"),
        pytest.param({"gaps": [[T0 - HOUR, T0 - 3 * HOUR]]}, ["gaps[0] is reversed"], id="reversed-gap"),
        pytest.param({"gaps": [[T0 - HOUR + 1, T0 - HOUR + 1]]}, ["gaps[0] is not aligned"], id="misaligned-gap"),
        pytest.param({"gaps": [[T0 + 2 * HOUR, T0 + 3 * HOUR]]}, ["gaps[0] ends at", "not before"], id="gap-after"),
        pytest.param({"gaps": [[False, T0]]}, ["gaps.0.0", "valid integer"], id="boolean-gap"),
        pytest.param({"ingested_at": 0}, ["ingested_at", "greater than or equal to"], id="ingested-at-zero"),
        pytest.param({"ingested_at": True}, ["ingested_at", "valid integer"], id="boolean-ingested-at"),
        pytest.param({"ingested_at": T0 + 2 * HOUR}, ["before the newest candle closed"], id="ingested-before-close"),
        pytest.param({"candle_ts": [T0 + i * HOUR for i in range(5001)]}, ["at most 5000"], id="too-many-candles"),
    ],
)
def test_refuses_timestamps_out_of_bounds_mistyped_or_inconsistent_naming_the_reason(overrides, words):
    # Given a record a producer got wrong in one way (read from JSON, as the Kinesis consumer reads it)
    data = json.dumps(record(**overrides))

    # When it is read
    with pytest.raises(ValidationError) as refused:
        CandleUpdate.from_json(data)

    # Then it is refused, and the message names the field and the reason
    for word in words:
        assert word in str(refused.value), f"{word!r} not in {refused.value}"
