"""The library serves what can be rebuilt from a recording: its preview copy, filmstrip and waveform.

Each lives in the recording's cache folder (``lib.media.cache_dir``), is made once and then served
from there, is stamped with the recording's fingerprint (so a different film never gets another's
pictures), and goes when the recording is deleted. The workbench's jobs only call these.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from mediagen import MediaSet, read_frame_number

from vfeedback.core.errors import BadInput
from vfeedback.core.jobs import Cancelled
from vfeedback.media.frameindex import build_frame_index
from vfeedback.services import Library
from vfeedback.services.media import PROXY_FILE

HEIGHT = 54
BUCKET_US = 10_000


def _stamp(npz: Path) -> dict[str, object]:
    with np.load(npz, allow_pickle=False) as data:
        stamp: dict[str, object] = json.loads(bytes(data["stamp"]).decode("utf-8"))
    return stamp


def _identity(path: Path) -> tuple[int, int]:
    """Changes when the file is written again (atomic writes rename a new inode into place)."""
    info = path.stat()
    return info.st_ino, info.st_mtime_ns


@pytest.fixture
def recording_id(library: Library, media: MediaSet) -> int:
    library.families.add("F01")
    return library.recordings.import_file(media["cfr25"], "F01").id


def test_the_preview_copy_is_made_once_then_served(library: Library, recording_id: int) -> None:
    assert library.media.proxy_file(recording_id) is None
    seen: list[float] = []
    made = library.media.proxy(recording_id, progress=seen.append)
    assert made == library.media.cache_dir(recording_id) / PROXY_FILE
    assert seen and seen[-1] == 1.0
    original = library.recordings.path(library.recordings.get(recording_id))
    assert list(build_frame_index(made).times) == list(build_frame_index(original).times)
    assert library.media.proxy_file(recording_id) == made
    before = _identity(made)
    assert library.media.proxy(recording_id, should_cancel=lambda: True) == made  # nothing to stop
    assert _identity(made) == before


def test_a_cancelled_preview_copy_leaves_nothing(library: Library, recording_id: int) -> None:
    with pytest.raises(Cancelled):
        library.media.proxy(recording_id, should_cancel=lambda: True)
    assert library.media.proxy_file(recording_id) is None
    assert list(library.media.cache_dir(recording_id).iterdir()) == []


def test_the_filmstrip_is_stamped_with_the_recording_and_served_from_the_cache(
    library: Library, recording_id: int
) -> None:
    """cfr25 is 10 s: the nice interval for it is 0.5 s, so 20 thumbnails showing frames 0, 12.5 ->
    13 (the frame on screen at 0.5 s of 25 fps starts at 0.48 s), 25..."""
    shown: list[int] = []
    made = library.media.filmstrip(recording_id, height=HEIGHT, on_thumb=lambda t, _: shown.append(t))
    assert [t for t, _ in made] == shown == [k * 500_000 // 40_000 * 40_000 for k in range(20)]
    assert [read_frame_number(thumb) for _, thumb in made[:3]] == [0, 12, 25]
    assert all(thumb.shape[0] == HEIGHT for _, thumb in made)
    stored = library.media.cache_dir(recording_id) / "filmstrip.npz"
    recording = library.recordings.get(recording_id)
    assert _stamp(stored)["source"] == recording.fingerprint
    before = _identity(stored)
    again: list[int] = []
    served = library.media.filmstrip(recording_id, height=HEIGHT, on_thumb=lambda t, _: again.append(t))
    assert again == shown and _identity(stored) == before
    for (_, a), (_, b) in zip(made, served, strict=True):  # kept as one JPEG sheet
        assert read_frame_number(b) == read_frame_number(a)
        assert np.abs(a.astype(np.int16) - b).mean() < 8  # JPEG quality 85 of a busy picture


def test_the_waveform_is_stamped_with_the_recording_and_served_from_the_cache(
    library: Library, recording_id: int
) -> None:
    """cfr25's sound is 10 s of 48 kHz AAC: 469 frames of 1,024 samples (the last one padded),
    480,256 samples, so 1,000 whole buckets of 480 samples and a partial one."""
    chunks: list[int] = []
    peaks = library.media.waveform(recording_id, bucket_us=BUCKET_US, on_chunk=lambda i, _: chunks.append(i))
    assert peaks is not None and len(peaks) == -(-469 * 1024 // 480) == 1_001
    assert chunks[0] == 0
    stored = library.media.cache_dir(recording_id) / "waveform.npz"
    assert _stamp(stored)["source"] == library.recordings.get(recording_id).fingerprint
    before = _identity(stored)
    served = library.media.waveform(recording_id, bucket_us=BUCKET_US)
    assert served is not None and _identity(stored) == before
    assert np.abs(served - peaks).max() <= 1 / 1024  # stored as float16


def test_a_film_without_sound_has_no_waveform_and_caches_nothing(library: Library, media: MediaSet) -> None:
    library.families.add("F02")
    silent = library.recordings.import_file(media["no_audio"], "F02")
    assert library.media.waveform(silent.id, bucket_us=BUCKET_US) is None
    assert not (library.media.cache_dir(silent.id) / "waveform.npz").exists()


def test_deleting_the_recording_takes_everything_the_library_made_for_it(
    library: Library, recording_id: int
) -> None:
    """Every file the three calls write lies in the recording's cache folder, which deletion removes."""
    before = {p for p in library.path.rglob("*") if p.is_file()}
    library.media.proxy(recording_id)
    library.media.filmstrip(recording_id, height=HEIGHT)
    library.media.waveform(recording_id, bucket_us=BUCKET_US)
    made = {p for p in library.path.rglob("*") if p.is_file()} - before
    folder = library.media.cache_dir(recording_id)
    assert {p.name for p in made if p.parent == folder} == {PROXY_FILE, "filmstrip.npz", "waveform.npz"}
    assert all(p.parent == folder or p.name.startswith("vfeedback.db") for p in made), made
    library.cases.delete_recording(recording_id)
    assert not folder.exists()
    assert library.integrity.check() == []


def test_a_missing_film_is_one_sentence_and_makes_no_folder(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    away = tmp_path / "elsewhere" / "bath time.mp4"
    away.parent.mkdir()
    shutil.copyfile(media["cfr25"], away)
    library.families.add("F03")
    rec = library.recordings.import_file(away, "F03", reference=True)
    away.unlink()
    sentence = f"The file of recording {rec.id} (bath time.mp4) is missing; relink it first."
    calls: dict[str, Callable[[], object]] = {
        "proxy": lambda: library.media.proxy(rec.id),
        "filmstrip": lambda: library.media.filmstrip(rec.id, height=HEIGHT),
        "waveform": lambda: library.media.waveform(rec.id, bucket_us=BUCKET_US),
    }
    for call in calls.values():
        with pytest.raises(BadInput) as caught:
            call()
        assert str(caught.value) == sentence
    assert not library.media.cache_dir(rec.id, create=False).exists()
