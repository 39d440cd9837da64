"""Artifacts: a pickle-free bundle that round-trips exactly and refuses what it cannot read."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile

import numpy as np
import pytest

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.errors import ArtifactError
from crypto_advisor.forecast.artifacts import Artifacts, from_bytes, to_bytes
from crypto_advisor.forecast.predict import predict


def _assert_same(a: object, b: object) -> None:
    assert type(a) is type(b)
    for field in dataclasses.fields(a):  # type: ignore[arg-type]
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.shape == y.shape, field.name
            np.testing.assert_array_equal(x, y)
        elif dataclasses.is_dataclass(x) and field.name != "config":
            _assert_same(x, y)
        else:
            assert x == y, field.name


def test_artifacts_round_trip_exactly(planted_artifacts: Artifacts, planted_candles: list[Candle]) -> None:
    # When
    back = from_bytes(to_bytes(planted_artifacts))

    # Then: every array, number, card and the configuration, and so every prediction
    _assert_same(back, planted_artifacts)
    assert back.config == planted_artifacts.config
    window = planted_candles[-720:]
    assert predict(back, window) == predict(planted_artifacts, window)


def test_the_bundle_is_an_npz_of_plain_arrays_and_json(planted_artifacts: Artifacts) -> None:
    # Given
    data = to_bytes(planted_artifacts)

    # When: read with pickles refused
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}

    # Then
    assert all(a.dtype != object for a in arrays.values())
    meta = json.loads(arrays["meta"].tobytes())
    assert (meta["format"], meta["version"]) == ("crypto-advisor/forecast-artifacts", 1)
    assert meta["series"] == "kraken:BTC-USD:1h"
    assert {c["model"] for c in meta["cards"]} == {"breakout_rf", "path_linear", "path_lstm", "vol_garch"}


def test_the_bundle_is_small(planted_artifacts: Artifacts) -> None:
    """100 shallow trees, a ridge, a 16-unit LSTM and four numbers: well under a megabyte for 4,000 candles."""
    assert len(to_bytes(planted_artifacts)) < 400_000


def _rewrite_meta(data: bytes, **changes: object) -> bytes:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    meta = json.loads(arrays["meta"].tobytes())
    meta.update(changes)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    out = io.BytesIO()
    np.savez_compressed(out, **arrays)
    return out.getvalue()


def test_another_version_or_format_is_refused(planted_artifacts: Artifacts) -> None:
    data = to_bytes(planted_artifacts)
    with pytest.raises(ArtifactError, match="version 2"):
        from_bytes(_rewrite_meta(data, version=2))
    with pytest.raises(ArtifactError, match="other/thing"):
        from_bytes(_rewrite_meta(data, format="other/thing"))


def test_bytes_that_are_not_a_bundle_are_refused() -> None:
    with pytest.raises(ArtifactError):
        from_bytes(b"not a bundle")
    empty_zip = io.BytesIO()
    with zipfile.ZipFile(empty_zip, "w"):
        pass
    with pytest.raises(ArtifactError):
        from_bytes(empty_zip.getvalue())


def _small_npz() -> bytes:
    """A compressed npz shaped like a bundle (a meta entry and arrays): enough for the archive layer to be tested."""
    out = io.BytesIO()
    meta = np.frombuffer(json.dumps({"format": "crypto-advisor/forecast-artifacts", "version": 1}).encode(), np.uint8)
    np.savez_compressed(out, meta=meta, weights=np.random.default_rng(7).normal(size=5_000))
    return out.getvalue()


def test_a_truncated_bundle_is_an_artifact_error_wherever_it_was_cut() -> None:
    # Given a bundle cut short at every 53rd byte (an upload that stopped, a partial read)
    data = _small_npz()
    # When each is read / Then each is refused as the store's own error, never a raw BadZipFile or zlib.error
    for size in range(0, len(data), 53):
        with pytest.raises(ArtifactError, match="not a forecast artifact bundle"):
            from_bytes(data[:size])


def test_a_bundle_with_a_damaged_byte_is_an_artifact_error() -> None:
    # Given a bundle with one byte flipped, at 400 places
    data = _small_npz()
    rng = np.random.default_rng(11)
    for position in rng.integers(0, len(data), size=400):
        damaged = bytearray(data)
        damaged[position] ^= 0xFF
        # When it is read / Then it is refused as an ArtifactError (the zip's checksums catch what the parsers do not)
        with pytest.raises(ArtifactError):
            from_bytes(bytes(damaged))


def test_the_forest_keeps_scikit_learns_importances_one_per_feature(planted_artifacts: Artifacts) -> None:
    # Then the bundle carries the forest's mean decrease in impurity, one per feature, summing to 1
    importances = planted_artifacts.forest.importances
    assert importances.shape == (len(planted_artifacts.feature_names),)
    assert importances.sum() == pytest.approx(1.0) and (importances >= 0).all()


def test_a_bundle_written_before_the_importances_still_reads_without_them(planted_artifacts: Artifacts) -> None:
    # Given a bundle without the forest's importances (written by the code before them)
    with np.load(io.BytesIO(to_bytes(planted_artifacts)), allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files if name != "forest/importances"}
    older = io.BytesIO()
    np.savez_compressed(older, **arrays)  # type: ignore[arg-type]
    # When it is read / Then it is the same model, with no importances to show
    back = from_bytes(older.getvalue())
    assert back.forest.importances.size == 0
    np.testing.assert_array_equal(back.forest.leaf_p, planted_artifacts.forest.leaf_p)
