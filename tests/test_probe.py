"""probe(): the facts of each kind of test video, and one plain sentence for each kind of bad file.

Expected values come from how mediagen made each file, or from ffmpeg itself (decoded frame counts,
the picture ffmpeg shows after applying the rotation), never from vfeedback's own code.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from mediagen import PHONE_TAGS, UNICODE_NAME, MediaSet, read_frame_number

from vfeedback.core.errors import BadInput
from vfeedback.media.probe import probe, probe_argv

if TYPE_CHECKING:
    from conftest import UnreadableFile

# kind: container, codec, (width, height), rotation, fps, frames, variable, audio codec
GOOD = {
    "cfr25": ("mp4", "h264", (320, 240), 0, 25, 250, False, "aac"),
    "ntsc2997": ("mp4", "h264", (320, 240), 0, 30000 / 1001, 120, False, "aac"),
    "vfr": ("mp4", "h264", (320, 240), 0, None, 120, True, None),
    "rotated_mov": ("mov", "h264", (320, 240), 90, 30, 90, False, "aac"),
    "hevc": ("mp4", "hevc", (320, 240), 0, 25, 75, False, None),
    "no_audio": ("mp4", "h264", (320, 240), 0, 25, 75, False, None),
    "portrait": ("mp4", "h264", (240, 320), 0, 30, 90, False, "aac"),
    "editlist": ("mp4", "h264", (320, 240), 0, 25, None, False, "aac"),
    "mkv": ("matroska", "h264", (320, 240), 0, 25, 250, False, "aac"),
    "mpegts": ("mpegts", "h264", (320, 240), 0, 25, 250, False, "aac"),
    "unicode": ("mp4", "h264", (320, 240), 0, 25, 50, False, "aac"),
}


def _decoded_frame_count(path: Path) -> int:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-of", "json",
         "-show_entries", "stream=nb_read_frames", str(path)],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return int(json.loads(out)["streams"][0]["nb_read_frames"])


def _video_start_us(path: Path) -> int:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-of", "json",
         "-show_entries", "stream=start_time", str(path)],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return round(float(json.loads(out)["streams"][0]["start_time"]) * 1_000_000)


def _first_picture(path: Path, *, autorotate: bool) -> np.ndarray[Any, Any]:
    """Frame 0 as ffmpeg presents it, as an RGB array (PPM keeps the size in its header)."""
    args = ["ffmpeg", "-v", "error"] + ([] if autorotate else ["-noautorotate"])
    args += ["-i", str(path), "-frames:v", "1", "-c:v", "ppm", "-f", "image2pipe", "-"]
    data = subprocess.run(args, capture_output=True, check=True).stdout
    magic, width, height, maxval, pixels = data.split(maxsplit=4)
    assert magic == b"P6" and maxval == b"255"
    return np.frombuffer(pixels, np.uint8).reshape(int(height), int(width), 3)


@pytest.mark.parametrize("kind", GOOD)
def test_good_kinds_give_the_right_facts(media: MediaSet, kind: str) -> None:
    container, codec, (width, height), rotation, fps, frames, vfr, audio = GOOD[kind]
    info = probe(media[kind])
    assert info.container == container
    assert info.video_codec == codec
    assert (info.width, info.height) == (width, height)
    assert info.rotation == rotation
    assert info.variable_frame_rate is vfr
    assert info.has_audio is (audio is not None)
    assert info.audio_codec == audio
    if audio:
        assert (info.audio_sample_rate, info.audio_channels) == (48000, 1)
    if fps is not None:
        assert info.avg_fps == pytest.approx(fps, rel=1e-6)
    decoded = _decoded_frame_count(media[kind])
    assert info.frame_count == decoded
    assert frames is None or decoded == frames
    assert info.start_time_us == _video_start_us(media[kind])
    assert (info.start_time_us > 0) is (kind in ("mkv", "mpegts"))
    assert info.pixel_format == "yuv420p"
    assert info.bit_rate and info.bit_rate > 10_000
    if kind in ("cfr25", "mkv", "mpegts"):
        assert info.duration_us == 10_000_000


def test_display_size_and_rotation_are_what_ffmpeg_shows(media: MediaSet) -> None:
    for kind in ("rotated_mov", "portrait", "cfr25"):
        info = probe(media[kind])
        shown = _first_picture(media[kind], autorotate=True)
        assert (info.display_width, info.display_height) == (shown.shape[1], shown.shape[0])
        coded = _first_picture(media[kind], autorotate=False)
        assert (info.width, info.height) == (coded.shape[1], coded.shape[0])
        # rotation is clockwise: turning the coded picture that way must give ffmpeg's picture.
        turned = np.rot90(coded, k=-info.rotation // 90)
        assert turned.shape == shown.shape
        assert np.abs(turned.astype(int) - shown.astype(int)).mean() < 2
        assert read_frame_number(coded) == 0


def test_phone_tags_are_kept_for_later_stripping(media: MediaSet) -> None:
    tags = probe(media["rotated_mov"]).tags
    assert tags == {
        "creation_time": PHONE_TAGS["creation_time"],
        "location": PHONE_TAGS["com.apple.quicktime.location.ISO6709"],
        "make": "Apple",
        "model": "iPhone 12",
    }
    assert probe(media["no_audio"]).tags == {}


def test_edit_list_lead_in_is_not_counted(media: MediaSet) -> None:
    # The cut starts 3.3 s into a 25 fps file whose only keyframe is at 0: 82 or 83 hidden frames.
    info = probe(media["editlist"])
    assert info.frame_count == _decoded_frame_count(media["editlist"])
    assert 70 <= info.frame_count <= 80


def test_to_dict_has_the_stable_cli_keys(media: MediaSet) -> None:
    data = probe(media["cfr25"]).to_dict()
    keys = {"container", "duration_us", "frame_count", "width", "height", "rotation",
            "display_width", "display_height", "avg_fps", "variable_frame_rate", "video_codec",
            "has_audio", "audio_codec"}  # fmt: skip
    assert keys <= set(data)
    json.dumps(data)


def test_one_ffprobe_process(media: MediaSet, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    real = subprocess.Popen

    def counting(args: list[str], *rest: Any, **kwargs: Any) -> Any:
        calls.append(list(args))
        return real(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", counting)
    probe(media["vfr"])
    assert len(calls) == 1
    # Behind the parent-death helper (system.processes) the program comes after "--".
    argv = calls[0][calls[0].index("--") + 1 :] if "--" in calls[0] else calls[0]
    assert Path(argv[0]).name == "ffprobe"
    assert argv[1:] == probe_argv(media["vfr"])[1:]
    assert argv[-1] == "file:" + str(media["vfr"].absolute())


def test_awkward_names_work(
    media: MediaSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert media["unicode"].name == UNICODE_NAME
    assert " " in str(media["unicode"].parent)
    for name in ("-i clip.mp4", "concat:1.mp4", "sub:title.mp4"):
        shutil.copy(media["no_audio"], tmp_path / name)
    monkeypatch.chdir(tmp_path)
    for name in ("-i clip.mp4", "concat:1.mp4", "sub:title.mp4"):
        assert probe(Path(name)).frame_count == 75


# --- bad input -----------------------------------------------------------------------------------

BAD = {
    "empty": "is empty",
    "truncated": "is damaged or incomplete",
    "truncated_faststart": "is incomplete",
    "text_mp4": "is not a video file",
    "jpeg_mov": "is a still image, not a video",
    "png_mov": "is a still image, not a video",
    "audio_only": "has no video",
    "unknown_codec": "cannot read",
}


def _assert_one_sentence(message: str, path: Path) -> None:
    assert "\n" not in message and "\r" not in message
    assert message.endswith(".")
    assert f"'{path.name}'" in message
    assert str(path.parent) not in message
    for jargon in ("moov", "Invalid data", "Errno", "Traceback", "ffprobe", "None"):
        assert jargon not in message


def _bad_input(path: Path, **kwargs: Any) -> str:
    started = time.perf_counter()
    with pytest.raises(BadInput) as caught:
        probe(path, **kwargs)
    assert time.perf_counter() - started < 1.5
    return str(caught.value)


@pytest.mark.parametrize("kind", BAD)
def test_bad_files_give_one_plain_sentence(media: MediaSet, kind: str) -> None:
    message = _bad_input(media[kind])
    assert BAD[kind] in message
    _assert_one_sentence(message, media[kind])


def test_missing_file_folder_and_fifo(tmp_path: Path) -> None:
    missing = tmp_path / "gone.mp4"
    assert "does not exist" in _bad_input(missing)
    _assert_one_sentence(_bad_input(missing), missing)
    folder = tmp_path / "clips.mp4"
    folder.mkdir()
    assert "is a folder" in _bad_input(folder)
    fifo = tmp_path / "pipe.mp4"
    os.mkfifo(fifo)
    assert "not a regular file" in _bad_input(fifo)  # and does not hang
    below_a_file = tmp_path / "notes.txt"
    below_a_file.write_text("x")
    assert "does not exist" in _bad_input(below_a_file / "clip.mp4")


def test_unreadable_file(unreadable_file: UnreadableFile) -> None:
    message = unreadable_file.bad_input("vfeedback.media.probe:probe")
    assert "permission denied" in message
    _assert_one_sentence(message, unreadable_file.path)


@pytest.mark.parametrize("name", ["notes.txt", "notes.mov", "notes.mkv", "notes.avi", "x.bin"])
def test_text_under_any_name_is_not_a_video(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("Notes from the session\nThis is not a video.\n" * 20)
    assert "is not a video file" in _bad_input(path)


def test_a_newline_in_the_name_stays_out_of_the_sentence(tmp_path: Path) -> None:
    path = tmp_path / "two\nlines.mp4"
    path.write_text("not a video")
    message = _bad_input(path)
    assert "\n" not in message and "two?lines.mp4" in message


def test_missing_ffprobe_says_how_to_install_ffmpeg(media: MediaSet) -> None:
    message = _bad_input(media["cfr25"], ffprobe="/nonexistent/ffprobe")
    assert "install ffmpeg" in message and "\n" not in message and message.endswith(".")
