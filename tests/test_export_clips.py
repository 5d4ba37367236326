"""Clips exported with real ffmpeg from generated media: exact frames, captions, privacy, atomicity.

Frames are compared two ways: by the frame number stamped into every source frame, and by pixels
against our exact decoder (the picture the clinician saw). Re-encoding changes pixels, so the test
is relative: the exported first frame must match the source frame at that time at >= 28 dB PSNR
(x264 at the default CRF 23 gives 33-38 dB on this test pattern) and be >= 10 dB closer to it than to
either neighbour (a neighbour differs by motion: 12-17 dB). An off-by-one cut cannot pass both.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mediagen import MediaSet, ffprobe_json, read_frame_number

from vfeedback.core.errors import BadInput
from vfeedback.core.jobs import Cancelled
from vfeedback.export.captions import vtt_document
from vfeedback.export.options import ClipOptions
from vfeedback.export.plan import ClipSource, ExportPlan, clip_plan
from vfeedback.export.runner import ExportError, ExportResult, remove_stale_exports, run_export
from vfeedback.media.decoder import FrameDecoder
from vfeedback.media.frameindex import build_frame_index
from vfeedback.media.probe import probe
from vfeedback.system.files import part_path

ROOT = Path(__file__).resolve().parent.parent
CAPTION = "Look how she turns to you"
HOSTILE = 'She\'s "there": 100% \\N {\\b1} C:\\new\nline two 😊 & <b>x</b> --> é {wow}'
NONE = ClipOptions(captions="none", padding_us=0)


@cache
def _source(path: Path) -> ClipSource:
    return ClipSource(path, probe(path), build_frame_index(path))


def _decoded(path: Path) -> list[np.ndarray[Any, Any]]:
    import av

    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def _psnr(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10 * float(np.log10(255**2 / mse))


def _export(
    source: ClipSource,
    first: int,
    last: int,
    options: ClipOptions,
    folder: Path,
    caption: str = CAPTION,
    name: str = "clip.mp4",
    **kwargs: Any,
) -> tuple[ExportPlan, ExportResult]:
    index = source.index
    workdir = folder / "work"
    plan = clip_plan(
        source, index.time_of(first), index.time_of(last), caption, options, folder / name, workdir
    )
    return plan, run_export(plan, **kwargs)


def _streams(path: Path) -> list[dict[str, Any]]:
    streams: list[dict[str, Any]] = ffprobe_json(path, "-show_streams")["streams"]
    return streams


def _leftovers(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


# --- frame exactness -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "first", "last"),
    [
        ("cfr25", 60, 90),
        ("ntsc2997", 30, 70),
        ("vfr", 50, 80),
        ("rotated_mov", 20, 60),
        ("no_audio", 50, 60),  # starts on a keyframe: the seek must not skip to the next GOP
        ("mkv", 100, 130),
        ("mpegts", 100, 130),  # no seek: decoded from the start
        ("editlist", 20, 50),  # an edit list hides 82 frames before frame 0
    ],
)
def test_first_and_last_frames_are_the_source_frames_at_the_moments_start_and_end(
    media: MediaSet, tmp_path: Path, kind: str, first: int, last: int
) -> None:
    source = _source(media[kind])
    plan, result = _export(source, first, last, NONE, tmp_path)
    frames = _decoded(result.path)
    assert len(frames) == result.frame_count == plan.expected_frames
    with FrameDecoder(source.path, source.index, source.media.rotation) as decoder:
        for picture, n in ((frames[0], first), (frames[-1], last)):
            want = decoder.frame(n).image
            assert read_frame_number(picture) == read_frame_number(want)
            exact = _psnr(picture, want)
            assert exact >= 28, f"frame {n}: {exact:.1f} dB"
            for other in (n - 1, n + 1):
                assert exact >= _psnr(picture, decoder.frame(other).image) + 10
    rate = plan.rate
    assert rate is not None and plan.span is not None
    one_frame = Fraction(1_000_000) / rate
    assert abs(result.duration_us - plan.expected_duration_us) <= one_frame
    # The clip lasts as long as the moment did in the recording, to within one output frame.
    assert abs(plan.expected_duration_us - plan.span.duration_us) <= one_frame


def test_variable_frame_rate_becomes_constant_without_losing_a_frame(media: MediaSet, tmp_path: Path) -> None:
    source = _source(media["vfr"])
    assert source.index.is_variable_rate()
    plan, result = _export(source, 0, len(source.index) - 1, NONE, tmp_path)
    numbers = [read_frame_number(f) for f in _decoded(result.path)]
    # Every source frame, in order; the 15 fps stretch shown by repeats.
    assert sorted(set(numbers)) == list(range(len(source.index))) and numbers == sorted(numbers)
    video = _streams(result.path)[0]
    assert Fraction(video["avg_frame_rate"]) == Fraction(video["r_frame_rate"]) == plan.rate == 30
    pts = [
        int(p["pts"]) for p in ffprobe_json(result.path, "-show_packets", "-select_streams", "v")["packets"]
    ]
    steps = {b - a for a, b in zip(sorted(pts), sorted(pts)[1:], strict=False)}
    assert len(steps) == 1  # constant frame rate


def test_padding_is_clamped_at_the_recordings_start_and_end(media: MediaSet, tmp_path: Path) -> None:
    source = _source(media["cfr25"])
    padded = ClipOptions(captions="none")  # one second either side
    _, early = _export(source, 5, 10, padded, tmp_path, name="early.mp4")
    numbers = [read_frame_number(f) for f in _decoded(early.path)]
    assert numbers == list(range(0, 36))  # 0 (clamped) .. frame 10 + 1 s
    _, late = _export(source, 240, 249, padded, tmp_path, name="late.mp4")
    numbers = [read_frame_number(f) for f in _decoded(late.path)]
    assert numbers == list(range(215, 250))  # 1 s before frame 240 .. the last frame (clamped)
    assert late.duration_us == 1_400_000


def test_rotation_is_applied_and_no_display_matrix_is_left(media: MediaSet, tmp_path: Path) -> None:
    source = _source(media["rotated_mov"])
    assert source.media.rotation == 90
    _, result = _export(source, 10, 40, NONE, tmp_path)
    video = _streams(result.path)[0]
    assert (video["width"], video["height"]) == (240, 320) == (result.width, result.height)
    assert not [s for s in video.get("side_data_list", []) if s.get("side_data_type") == "Display Matrix"]
    assert "rotate" not in video.get("tags", {})


def test_slow_replay_and_freeze_are_cut_into_the_same_file(media: MediaSet, tmp_path: Path) -> None:
    source = _source(media["cfr25"])
    options = ClipOptions(
        captions="none", padding_us=0, slow_replay=True, freeze_at_us=2_200_000, freeze_s=0.2
    )
    plan, result = _export(source, 50, 65, options, tmp_path)
    numbers = [read_frame_number(f) for f in _decoded(result.path)]
    once = [*range(50, 56), *[55] * 5, *range(56, 66)]  # held where it occurs: frame 55 (2.20 s)
    slow = [n for n in range(50, 66) for _ in range(2)]
    assert numbers == once + slow
    streams = _streams(result.path)
    assert [s["codec_type"] for s in streams] == ["video", "audio"]
    audio_us = float(streams[1]["duration"]) * 1e6
    assert abs(audio_us - plan.expected_duration_us) <= 25_000  # one AAC frame of encoder padding


def test_mute_and_max_height(media: MediaSet, tmp_path: Path) -> None:
    source = _source(media["cfr25"])
    _, result = _export(source, 50, 60, ClipOptions(captions="none", mute=True, max_height=144), tmp_path)
    streams = _streams(result.path)
    assert [s["codec_type"] for s in streams] == ["video"]
    assert (streams[0]["width"], streams[0]["height"]) == (192, 144)


# --- captions ------------------------------------------------------------------------------------


def test_burned_caption_changes_the_caption_area_and_nothing_else(media: MediaSet, tmp_path: Path) -> None:
    source = _source(media["cfr25"])
    _, plain = _export(source, 50, 60, NONE, tmp_path, name="plain.mp4")
    _, burned = _export(
        source, 50, 60, ClipOptions(captions="burn", padding_us=0), tmp_path, name="burned.mp4"
    )
    for n in (0, 5):
        a, b = _decoded(plain.path)[n].astype(np.int16), _decoded(burned.path)[n].astype(np.int16)
        height, width = a.shape[:2]
        changed = np.abs(a - b).max(axis=2) > 48
        rows = np.nonzero(changed.mean(axis=1) > 0.05)[0]
        assert len(rows) >= 10  # a caption is there
        # Bottom centre, inside the 5% safe margins.
        assert rows.min() > height * 0.6 and rows.max() < height * 0.95
        cols = np.nonzero(changed[rows.min() : rows.max() + 1].mean(axis=0) > 0.05)[0]
        assert cols.min() >= width * 0.05 - 1 and cols.max() <= width * 0.95
        # Elsewhere only encoder noise (two encodes of the same frames differ slightly after the
        # first, since the caption takes bits): a few stray pixels at most.
        outside = np.ones(changed.shape, dtype=bool)
        outside[rows.min() - 2 : rows.max() + 3] = False
        assert float(changed[outside].mean()) < 0.005
        assert float(np.abs(a - b)[outside].mean()) < 1.5


def test_hostile_caption_burns_from_an_awkward_folder(media: MediaSet, tmp_path: Path) -> None:
    source = _source(media["cfr25"])
    folder = tmp_path / "we'ird: [dir], ;x\\y %d"
    plan, result = _export(
        source, 50, 60, ClipOptions(captions="both", padding_us=0), folder, caption=HOSTILE
    )
    vtt = result.path.with_suffix(".vtt")
    assert result.sidecars == (vtt,)
    assert vtt.read_text(encoding="utf-8") == vtt_document(HOSTILE, plan.expected_duration_us)
    assert [s["codec_type"] for s in _streams(result.path)] == ["video", "audio", "subtitle"]
    assert _leftovers(folder) == ["clip.mp4", "clip.vtt"]


def test_soft_captions_are_a_subtitle_track_with_the_caption_text(media: MediaSet, tmp_path: Path) -> None:
    source = _source(media["cfr25"])
    _, result = _export(source, 50, 60, ClipOptions(captions="soft", padding_us=0), tmp_path, caption=HOSTILE)
    track = next(s for s in _streams(result.path) if s["codec_type"] == "subtitle")
    assert track["codec_name"] == "mov_text" and track["disposition"]["default"] == 1
    srt = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(result.path), "-map", "0:s:0", "-f", "srt", "-"],
        capture_output=True, check=True,
    ).stdout.decode("utf-8")  # fmt: skip
    # Word joiners (invisible) keep backslashes from reading as commands; otherwise every character.
    text = srt.replace("\u2060", "").replace("\r\n", "\n")
    assert HOSTILE in text
    # The picture is untouched: the bottom code strip still reads.
    assert read_frame_number(_decoded(result.path)[0]) == 50


# --- privacy -------------------------------------------------------------------------------------


def test_the_private_note_reaches_no_file_sidecar_or_temporary(media: MediaSet, tmp_path: Path) -> None:
    moment: dict[str, Any] = {
        "caption": "CAPTION-7f3a you found each other",
        "note": "PRIVATE-NOTE-91c2 mother reports low mood",
        "start_us": 2_000_000,
        "end_us": 2_400_000,
    }
    source = _source(media["cfr25"])
    out, workdir = tmp_path / "clips", tmp_path / "work"
    seen: dict[str, bytes] = {}

    def snapshot(_: float) -> None:  # while ffmpeg runs: the .part, the caption files, the sidecar
        for path in tmp_path.rglob("*"):
            if path.is_file():
                seen[path.name] = path.read_bytes()

    plan = clip_plan(
        source, moment["start_us"], moment["end_us"], moment["caption"],
        ClipOptions(captions="both"), out / "F001-2024-05-01-01.mp4", workdir,
    )  # fmt: skip
    result = run_export(plan, progress=snapshot)
    snapshot(1.0)
    note = moment["note"].encode()
    caption = b"CAPTION-7f3a"
    assert any(name.endswith(".part") for name in seen) and any(name.endswith(".ass") for name in seen)
    assert all(note not in data for data in seen.values())
    assert all(b"PRIVATE-NOTE" not in data for data in seen.values())
    # The scan does look where text would be: the caption is in the temporaries, sidecar and track.
    assert caption in seen["F001-2024-05-01-01.vtt"] and caption in result.path.read_bytes()
    assert any(caption in data for name, data in seen.items() if name.endswith(".ass"))
    assert "PRIVATE" not in " ".join(plan.argv)
    assert _leftovers(tmp_path) == ["clips/F001-2024-05-01-01.mp4", "clips/F001-2024-05-01-01.vtt"]


def test_source_metadata_is_stripped(media: MediaSet, tmp_path: Path) -> None:
    tagged = tmp_path / "phone.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(media["cfr25"]), "-c", "copy", "-t", "3",
         "-metadata", "location=+51.5-000.1/", "-metadata", "creation_time=2024-05-01T10:00:00Z",
         "-metadata", "make=Apple", "-metadata", "model=iPhone 12 Pro",
         "-metadata", "title=Family Dupont at home", "-metadata:s:v:0", "rotate=90",
         "-movflags", "use_metadata_tags", str(tagged)],
        check=True,
    )  # fmt: skip
    before = ffprobe_json(tagged, "-show_format")["format"]["tags"]
    assert {"location", "creation_time", "make", "model"} <= set(before)
    source = _source(tagged)
    assert source.media.rotation and source.media.tags
    _, result = _export(source, 10, 40, ClipOptions(), tmp_path / "out")
    info = ffprobe_json(result.path, "-show_format", "-show_streams")
    tags = set(info["format"].get("tags", {}))
    assert tags <= {"major_brand", "minor_version", "compatible_brands", "encoder"}
    for stream in info["streams"]:
        assert set(stream.get("tags", {})) <= {"language", "handler_name", "vendor_id", "encoder"}
    data = result.path.read_bytes()
    for secret in (b"+51.5", b"iPhone", b"Apple", b"Dupont", b"2024-05-01"):
        assert secret not in data
    assert (result.width, result.height) == (240, 320)


# --- running: cancel, failure, atomicity --------------------------------------------------------


def test_cancel_removes_everything(media: MediaSet, tmp_path: Path) -> None:
    source = _source(media["cfr25"])
    progress: list[float] = []
    options = ClipOptions(captions="both", slow_replay=True, quality="high")
    plan = clip_plan(source, 0, 9_960_000, CAPTION, options, tmp_path / "clip.mp4", tmp_path / "work")
    with pytest.raises(Cancelled):
        run_export(plan, progress=progress.append, should_cancel=lambda: bool(progress))
    assert progress and progress[-1] < 0.9
    assert _leftovers(tmp_path) == []


def test_a_failing_ffmpeg_gives_one_sentence_and_details_and_leaves_nothing(
    media: MediaSet, tmp_path: Path
) -> None:
    copy = tmp_path / "rec.mp4"
    copy.write_bytes(media["cfr25"].read_bytes())
    source = ClipSource(copy, probe(copy), build_frame_index(copy))
    out = tmp_path / "out"
    plan = clip_plan(source, 2_000_000, 3_000_000, CAPTION, ClipOptions(), out / "clip.mp4", out / "work")
    data = bytearray(copy.read_bytes())
    at = data.find(b"mdat")
    data[at + 8 :] = bytes(len(data) - at - 8)  # the media data is now zeros
    copy.write_bytes(bytes(data))
    with pytest.raises(ExportError) as caught:
        run_export(plan)
    message = str(caught.value)
    assert message.startswith("The clip could not be made") and message.endswith(".") and "\n" not in message
    assert caught.value.details and len(caught.value.details.splitlines()) <= 15
    assert str(tmp_path) not in caught.value.details  # no folder (it can name a family)
    assert _leftovers(out) == []
    copy.unlink()
    with pytest.raises(BadInput, match=r"rec\.mp4' is missing"):
        run_export(plan)
    assert _leftovers(out) == []


def test_a_full_disk_gives_a_clear_error_and_leaves_nothing(media: MediaSet, tmp_path: Path) -> None:
    source = _source(media["cfr25"])
    plan = clip_plan(
        source, 2_000_000, 3_000_000, CAPTION, ClipOptions(), tmp_path / "clip.mp4", tmp_path / "w"
    )
    # Every write to /dev/full fails with ENOSPC, exactly as on a full disk.
    plan.part.symlink_to("/dev/full")
    with pytest.raises(ExportError, match="the disk is full"):
        run_export(plan)
    assert _leftovers(tmp_path) == [] and not plan.part.is_symlink()


_KILLED = """
import sys
from pathlib import Path
sys.path[:0] = [{root!r}, {tests!r}]
from vfeedback.export.options import ClipOptions
from vfeedback.export.plan import ClipSource, clip_plan
from vfeedback.export.runner import run_export
from vfeedback.media.frameindex import build_frame_index
from vfeedback.media.probe import probe

src = Path({src!r})
source = ClipSource(src, probe(src), build_frame_index(src))
options = ClipOptions(captions="burn", slow_replay=True, quality="high")
plan = clip_plan(source, 0, 9_960_000, "Hello", options, Path({out!r}), Path({work!r}))
run_export(plan, progress=lambda f: print(f, flush=True))
print("finished", flush=True)
"""


@pytest.mark.slow
def test_killing_the_process_mid_export_leaves_no_file_at_the_target(media: MediaSet, tmp_path: Path) -> None:
    out, work = tmp_path / "clips" / "clip.mp4", tmp_path / "work"
    script = _KILLED.format(
        root=str(ROOT), tests=str(ROOT / "tests"), src=str(media["cfr25"]), out=str(out), work=str(work)
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            assert line.strip() != "finished"
            if float(line) > 0.05:
                break
        os.kill(proc.pid, signal.SIGKILL)  # the app dies; its ffmpeg loses its progress pipe
        proc.wait()
        deadline = time.monotonic() + 10
        while _ffmpeg_running(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not out.exists() and not out.with_suffix(".vtt").exists()
        left = _leftovers(tmp_path)
        assert left == sorted([f"clips/.clip.mp4.{proc.pid}.part", f"work/clip.{proc.pid}.caption.ass"])
        # What the library runs when it next opens:
        removed = remove_stale_exports(out.parent) + remove_stale_exports(work)
        assert len(removed) == 2 and _leftovers(tmp_path) == []
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def _ffmpeg_running(group: int) -> bool:
    found = subprocess.run(["pgrep", "-g", str(group), "ffmpeg"], capture_output=True, text=True)
    alive = [pid for pid in found.stdout.split() if _state(int(pid)) not in ("Z", "")]
    return bool(alive)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def test_stale_temporaries_of_live_processes_are_kept(tmp_path: Path) -> None:
    mine = part_path(tmp_path / "clip.mp4")
    mine.write_bytes(b"x")
    dead = tmp_path / ".other.mp4.999999999.part"
    dead.write_bytes(b"x")
    keep = tmp_path / "clip.mp4"
    keep.write_bytes(b"x")
    assert remove_stale_exports(tmp_path) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, keep.name])
