"""Stills: the exact frame, pixel for pixel, upright, at full resolution, as a bare PNG."""

from __future__ import annotations

import struct
import zlib
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from mediagen import MediaSet, read_frame_number

from vfeedback.core.errors import BadInput
from vfeedback.core.jobs import Cancelled
from vfeedback.export.plan import ClipSource, still_plan
from vfeedback.export.runner import ExportError, run_export
from vfeedback.media.decoder import FrameDecoder
from vfeedback.media.frameindex import build_frame_index
from vfeedback.media.probe import probe


@cache
def _source(path: Path) -> ClipSource:
    return ClipSource(path, probe(path), build_frame_index(path))


def _rgb(path: Path) -> np.ndarray[Any, Any]:
    stored = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert stored is not None, path
    picture: np.ndarray[Any, Any] = cv2.cvtColor(stored, cv2.COLOR_BGR2RGB)
    return picture


def _chunks(path: Path) -> list[bytes]:
    data = path.read_bytes()[8:]
    names = []
    while data:
        size, name = struct.unpack(">I4s", data[:8])
        names.append(name)
        data = data[12 + size :]
    return names


@pytest.mark.parametrize(
    ("kind", "frame"), [("cfr25", 137), ("vfr", 77), ("ntsc2997", 61), ("rotated_mov", 45)]
)
def test_still_is_the_decoders_exact_frame(media: MediaSet, tmp_path: Path, kind: str, frame: int) -> None:
    source = _source(media[kind])
    at = source.index.time_of(frame) + 1  # any time within the frame
    result = run_export(still_plan(source, at, tmp_path / "still.png", tmp_path))
    with FrameDecoder(source.path, source.index, source.media.rotation) as decoder:
        want = decoder.frame(frame).image
    got = _rgb(result.path)
    assert got.shape == want.shape and np.array_equal(got, want)
    assert read_frame_number(got) == frame
    assert (result.kind, result.frame_count, result.duration_us) == ("still", 1, 0)
    assert (result.width, result.height) == (want.shape[1], want.shape[0])
    assert result.size_bytes == result.path.stat().st_size
    assert [p.name for p in tmp_path.iterdir()] == ["still.png"]


def test_rotated_still_is_upright_and_full_size(media: MediaSet, tmp_path: Path) -> None:
    source = _source(media["rotated_mov"])
    result = run_export(still_plan(source, 0, tmp_path / "still.png", tmp_path))
    assert (result.width, result.height) == (240, 320) == _rgb(result.path).shape[1::-1]
    # Upright: the frame code strip reads along the bottom edge without turning.
    bottom = _rgb(result.path)[-40:].astype(np.float32).mean(axis=2)
    assert bottom.max() - bottom.min() > 128


def test_a_warm_decoder_is_used_and_a_scaled_one_is_not_trusted(media: MediaSet, tmp_path: Path) -> None:
    source = _source(media["cfr25"])
    with FrameDecoder(source.path, source.index) as full:
        want = full.frame(100).image
        seeks = full.stats["seeks"]
        result = run_export(
            still_plan(source, source.index.time_of(100), tmp_path / "a.png", tmp_path, decoder=full)
        )
        assert full.stats["seeks"] == seeks  # the cached frame was used
        assert np.array_equal(_rgb(result.path), want)
    with FrameDecoder(source.path, source.index, max_size=(160, 120)) as small:
        plan = still_plan(source, source.index.time_of(100), tmp_path / "b.png", tmp_path, decoder=small)
        result = run_export(plan)
    assert np.array_equal(_rgb(result.path), want)  # full size all the same


def test_png_carries_nothing_but_the_picture(media: MediaSet, tmp_path: Path) -> None:
    source = _source(media["rotated_mov"])  # a source with location and device tags
    assert source.media.tags
    result = run_export(still_plan(source, 0, tmp_path / "still.png", tmp_path))
    assert set(_chunks(result.path)) <= {b"IHDR", b"IDAT", b"IEND"}
    assert zlib.crc32(result.path.read_bytes()) and b"iPhone" not in result.path.read_bytes()


def test_times_outside_the_recording_are_refused(media: MediaSet, tmp_path: Path) -> None:
    source = _source(media["cfr25"])
    for at in (-1, source.index.duration_us):
        with pytest.raises(BadInput, match="outside the recording"):
            still_plan(source, at, tmp_path / "x.png", tmp_path)


def test_cancel_and_failure_leave_nothing(media: MediaSet, tmp_path: Path) -> None:
    copy = tmp_path / "rec.mp4"
    copy.write_bytes(media["cfr25"].read_bytes())
    source = ClipSource(copy, probe(copy), build_frame_index(copy))
    out = tmp_path / "out"
    with pytest.raises(Cancelled):
        run_export(still_plan(source, 9_000_000, out / "a.png", tmp_path), should_cancel=lambda: True)
    plan = still_plan(source, 9_000_000, out / "b.png", tmp_path)
    data = bytearray(copy.read_bytes())
    at = data.find(b"mdat")
    data[at + 8 :] = bytes(len(data) - at - 8)
    copy.write_bytes(bytes(data))
    with pytest.raises(ExportError) as caught:
        run_export(plan)
    message = str(caught.value)
    assert message.startswith("The still could not be made: the file 'rec.mp4' is damaged")
    assert list(out.iterdir()) == []
