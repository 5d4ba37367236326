"""filmstrip(): the frame on screen at each requested time, upright, delivered as decoded; its cache.

The oracle for "on screen" is PyAV decoding every frame and reading the frame number stamped into it,
independently of the ffmpeg command line and of FrameIndex.
"""

from __future__ import annotations

import os
import stat
import subprocess
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from mediagen import MediaSet, make_long_clip, read_frame_number

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import pts_to_us
from vfeedback.core.jobs import Cancelled
from vfeedback.media import mediacache
from vfeedback.media.container import origin_pts
from vfeedback.media.filmstrip import (
    choose_interval,
    filmstrip,
    filmstrip_argv,
    thumb_size,
    thumb_times,
)
from vfeedback.media.frameindex import build_frame_index
from vfeedback.media.probe import probe

S = 1_000_000


# --- pure parts --------------------------------------------------------------------------------


def test_argv_is_exactly_one_pass_streaming_raw_rgb() -> None:
    argv = filmstrip_argv(Path("/videos/-odd name.mp4"), interval_us=2 * S, size=(96, 54))
    assert argv == [
        "ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-v", "error",
        "-noautorotate", "-skip_loop_filter", "all",
        "-i", "file:/videos/-odd name.mp4",
        "-map", "0:V:0",
        "-vf", "setpts=PTS-STARTPTS,fps=fps=1/2:round=up,scale=96:54:flags=area",
        "-fps_mode", "passthrough",
        "-pix_fmt", "rgb24", "-f", "rawvideo", "pipe:1",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("rotation", "tail"),
    [
        (90, "scale=54:40:flags=area,transpose=clock"),
        (180, "scale=40:54:flags=area,hflip,vflip"),
        (270, "scale=54:40:flags=area,transpose=cclock"),
    ],
)
def test_argv_turns_the_small_picture(rotation: int, tail: str) -> None:
    argv = filmstrip_argv(
        Path("/v.mov"), interval_us=S // 2, size=(40, 54), rotation=rotation, ffmpeg="/opt/ff"
    )
    assert argv[0] == "/opt/ff"
    assert argv[argv.index("-vf") + 1] == f"setpts=PTS-STARTPTS,fps=fps=2/1:round=up,{tail}"


def test_argv_refuses_an_interval_ffmpeg_would_round() -> None:
    with pytest.raises(ValueError):
        filmstrip_argv(Path("/v.mp4"), interval_us=1_234_567, size=(96, 54))
    with pytest.raises(ValueError):
        filmstrip_argv(Path("/v.mp4"), interval_us=0, size=(96, 54))


@pytest.mark.parametrize(
    ("duration_s", "interval_s"),
    [(10, 0.5), (300, 0.5), (301, 1), (600, 1), (1200, 2), (3000, 5), (7200, 15), (10**7, 3600)],
)
def test_choose_interval(duration_s: float, interval_s: float) -> None:
    assert choose_interval(int(duration_s * S)) == int(interval_s * S)


def test_choose_interval_respects_the_target() -> None:
    assert choose_interval(100 * S, target_count=20) == 5 * S
    assert choose_interval(0) == S // 2


# --- what ffmpeg gives -------------------------------------------------------------------------


def _on_screen(path: Path) -> list[tuple[int, int]]:
    """(time µs from the first frame, stamped frame number) of every frame PyAV presents."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        base, origin = stream.time_base, origin_pts(stream)
        assert base is not None
        return [
            (pts_to_us(f.pts, base, origin), read_frame_number(f.to_ndarray(format="gray")))
            for f in container.decode(stream)
            if f.pts is not None
        ]


@pytest.mark.parametrize(
    ("kind", "interval_us"),
    [
        ("cfr25", S // 2),  # frames start exactly on every requested time
        ("cfr25", 2 * S),
        ("ntsc2997", S // 2),  # 1001/30000 s frames: never exactly on a requested time
        ("vfr", S // 2),  # 30 then 15 fps, each frame nudged by 0-16 ms
        ("vfr", S),
        ("mpegts", S),  # the stream starts at 1.4 s
        ("mkv", S),  # times in ms, the video starting after the audio
        ("editlist", S // 2),  # an edit list hides 82 frames of lead-in
        ("hevc", S // 2),
    ],
)
def test_each_thumbnail_is_the_frame_on_screen_at_its_time(
    media: MediaSet, kind: str, interval_us: int
) -> None:
    path = media[kind]
    shown = _on_screen(path)
    thumbs = filmstrip(path, probe(path), interval_us=interval_us, height=240)
    # Up to the last frame's start, one per interval.
    assert len(thumbs) == shown[-1][0] // interval_us + 1
    for k, (time_us, image) in enumerate(thumbs):
        wanted = k * interval_us
        expected_time, expected_number = max(s for s in shown if s[0] <= wanted)
        assert (time_us, read_frame_number(image)) == (expected_time, expected_number), (
            f"thumbnail {k} at {wanted} µs"
        )


def test_given_frame_index_gives_the_same_result(media: MediaSet) -> None:
    path = media["vfr"]
    index = build_frame_index(path)
    made = filmstrip(path, probe(path), interval_us=S // 2, frames=index)
    again = filmstrip(path, probe(path), interval_us=S // 2)
    assert [t for t, _ in made] == [t for t, _ in again] == [t for _, t in thumb_times(index, S // 2)]
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(made, again, strict=True))


def test_thumbnails_are_rgb_at_the_display_aspect(media: MediaSet) -> None:
    path = media["cfr25"]
    thumbs = filmstrip(path, probe(path), interval_us=2 * S)
    assert len(thumbs) == 5
    for _, image in thumbs:
        assert image.shape == (54, 72, 3) and image.dtype == np.uint8
        assert image.flags["C_CONTIGUOUS"] and image.flags["WRITEABLE"]
    # testsrc2's left-hand bar is saturated red-ish: R well above G and B (not BGR).
    bar = thumbs[0][1][10:30, 2:6].reshape(-1, 3).mean(axis=0)
    assert bar[0] > bar[1] + 50 and bar[0] > bar[2] + 50


def _autorotated(path: Path, size: tuple[int, int], at_s: float) -> np.ndarray[Any, Any]:
    """ffmpeg's own idea of the upright picture (it turns before scaling), as the oracle."""
    w, h = size
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", str(at_s), "-i", str(path), "-frames:v", "1",
         "-vf", f"scale={w}:{h}:flags=area", "-pix_fmt", "rgb24", "-f", "rawvideo", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(out, np.uint8).reshape(h, w, 3)


@pytest.mark.parametrize("kind", ["rotated_mov", "portrait"])
def test_phone_video_gives_upright_portrait_thumbnails(media: MediaSet, kind: str) -> None:
    path = media[kind]
    info = probe(path)
    assert (info.display_width, info.display_height) == (240, 320)
    thumbs = filmstrip(path, info, interval_us=S, height=120)
    assert thumb_size(info, 120) == (90, 120)
    assert [img.shape for _, img in thumbs] == [(120, 90, 3)] * 3
    # Frame 30 starts exactly at 1 s, so "-ss 1" lands on the same frame.
    time_us, image = thumbs[1]
    assert time_us == S and read_frame_number(image) == 30
    upright = _autorotated(path, (90, 120), 1.0)
    # ffmpeg turns the 4:2:0 picture before scaling, we turn the small RGB one: colour edges differ a
    # little (~5 levels on average), while any wrong turn or mirror differs by ~50-200.
    assert np.abs(image.astype(int) - upright).mean() < 10
    for wrong in (upright[::-1, ::-1], upright[:, ::-1], upright[::-1]):
        assert np.abs(image.astype(int) - wrong).mean() > 30


def _ffmpeg_children() -> list[tuple[int, str]]:
    """(pid, state) of this process's ffmpeg children, zombies included (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        state, ppid = text[text.rindex(")") + 2 :].split()[:2]
        if name == "ffmpeg" and int(ppid) == os.getpid():
            found.append((int(entry.name), state))
    return found


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


@pytest.fixture(scope="module")
def long_clip(media: MediaSet) -> Path:
    """30 s of 320x240: at height 240, 60 thumbnails are 13.8 MB, more than the pipe and the reader
    buffer hold together, so ffmpeg cannot have finished when the first thumbnail arrives."""
    return make_long_clip(media.folder, seconds=30, size=(320, 240), gop=250, fps=25)


@needs_proc
def test_thumbnails_arrive_while_ffmpeg_still_runs(long_clip: Path) -> None:
    seen: list[tuple[int, list[tuple[int, str]]]] = []

    def on_thumb(time_us: int, image: np.ndarray[Any, Any]) -> None:
        assert image.shape == (240, 320, 3)
        seen.append((time_us, _ffmpeg_children() if not seen else []))

    thumbs = filmstrip(long_clip, probe(long_clip), interval_us=S // 2, height=240, on_thumb=on_thumb)
    assert [t for t, _ in seen] == [t for t, _ in thumbs]
    assert len(thumbs) == 60
    running = seen[0][1]
    assert len(running) == 1 and running[0][1] != "Z", "ffmpeg had already finished"
    assert _ffmpeg_children() == []


@needs_proc
@pytest.mark.parametrize("when", ["at_once", "after_first_thumbnail"])
def test_cancel_kills_ffmpeg_quickly_and_leaves_no_process(long_clip: Path, when: str) -> None:
    thumbs: list[int] = []
    cancel_at: list[float] = []

    def should_cancel() -> bool:
        if when == "at_once" or thumbs:
            cancel_at.append(time.monotonic())
            return True
        return False

    with pytest.raises(Cancelled):
        filmstrip(
            long_clip, probe(long_clip), interval_us=S // 2, height=240,
            frames=build_frame_index(long_clip), should_cancel=should_cancel,
            on_thumb=lambda t, _: thumbs.append(t),
        )  # fmt: skip
    assert time.monotonic() - cancel_at[0] < 1.0
    assert len(thumbs) < 60
    assert _ffmpeg_children() == []


def test_an_exception_in_on_thumb_stops_ffmpeg(long_clip: Path) -> None:
    def on_thumb(time_us: int, image: Any) -> None:
        raise KeyError("the view went away")

    with pytest.raises(KeyError):
        filmstrip(long_clip, probe(long_clip), interval_us=S, on_thumb=on_thumb)
    if Path("/proc/self/stat").exists():
        assert _ffmpeg_children() == []


def test_a_failing_ffmpeg_gives_one_sentence_without_the_folder(media: MediaSet) -> None:
    info = probe(media["cfr25"])
    index = build_frame_index(media["cfr25"])
    with pytest.raises(BadInput) as caught:
        filmstrip(media["truncated"], info, interval_us=S, frames=index)
    message = str(caught.value)
    assert message.startswith("vfeedback could not make the filmstrip of 'truncated.mp4': ")
    assert message.endswith(".") and "\n" not in message
    assert str(media.folder) not in message


def test_missing_ffmpeg_is_explained(media: MediaSet) -> None:
    path = media["cfr25"]
    with pytest.raises(BadInput, match="needs the ffmpeg program"):
        filmstrip(path, probe(path), interval_us=S, frames=build_frame_index(path), ffmpeg="/nowhere/ffmpeg")


# --- the cache ---------------------------------------------------------------------------------

SOURCE = "v1:1234:abcd"


@pytest.fixture(scope="module")
def thumbs(media: MediaSet) -> list[tuple[int, np.ndarray[Any, Any]]]:
    return filmstrip(media["cfr25"], probe(media["cfr25"]), interval_us=S // 2)


def _cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "library" / "cache" / "recordings" / "7"


def test_cache_round_trip(tmp_path: Path, thumbs: list[tuple[int, Any]]) -> None:
    folder = _cache_dir(tmp_path)
    mediacache.save_filmstrip(folder, thumbs, source=SOURCE, interval_us=S // 2, height=54)
    back = mediacache.load_filmstrip(folder, source=SOURCE, interval_us=S // 2, height=54)
    assert back is not None
    assert [t for t, _ in back] == [t for t, _ in thumbs]
    for (_, a), (_, b) in zip(thumbs, back, strict=True):
        assert b.shape == a.shape and b.dtype == np.uint8
        assert np.abs(a.astype(int) - b).mean() < 4  # JPEG, quality 85, full-resolution colour
    raw = sum(image.nbytes for _, image in thumbs)
    assert (folder / mediacache.FILMSTRIP_FILE).stat().st_size < raw / 3


def test_cache_is_owner_only_and_leaves_no_part_files(tmp_path: Path, thumbs: list[Any]) -> None:
    folder = _cache_dir(tmp_path)
    (tmp_path / "library").mkdir(mode=0o755)
    old_umask = os.umask(0)
    try:
        target = mediacache.save_filmstrip(folder, thumbs, source=SOURCE, interval_us=S // 2, height=54)
    finally:
        os.umask(old_umask)
    assert target is not None and stat.S_IMODE(target.stat().st_mode) == 0o600
    for made in (folder, folder.parent, folder.parent.parent):
        assert stat.S_IMODE(made.stat().st_mode) == 0o700
    # A folder that was there already belongs to the library, which sets its own mode.
    assert stat.S_IMODE((tmp_path / "library").stat().st_mode) == 0o755
    assert sorted(p.name for p in folder.iterdir()) == [mediacache.FILMSTRIP_FILE]


@pytest.mark.parametrize(
    "change",
    [
        {"source": "v1:1234:other"},  # the recording file was replaced
        {"interval_us": S},
        {"height": 72},
    ],
)
def test_stale_cache_is_ignored(tmp_path: Path, thumbs: list[Any], change: dict[str, Any]) -> None:
    asked: dict[str, Any] = {"source": SOURCE, "interval_us": S // 2, "height": 54}
    mediacache.save_filmstrip(tmp_path, thumbs, **asked)
    assert mediacache.load_filmstrip(tmp_path, **(asked | change)) is None


def test_no_thumbnails_store_nothing(tmp_path: Path) -> None:
    assert mediacache.save_filmstrip(tmp_path, [], source=SOURCE, interval_us=S, height=54) is None
    assert list(tmp_path.iterdir()) == []


def test_cache_from_another_version_is_ignored(
    tmp_path: Path, thumbs: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    mediacache.save_filmstrip(tmp_path, thumbs, source=SOURCE, interval_us=S // 2, height=54)
    monkeypatch.setattr(mediacache, "FILMSTRIP_VERSION", mediacache.FILMSTRIP_VERSION + 1)
    assert mediacache.load_filmstrip(tmp_path, source=SOURCE, interval_us=S // 2, height=54) is None


def _spoil_jpeg(path: Path) -> None:
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    jpeg = arrays["jpeg"].copy()
    jpeg[len(jpeg) // 2 :] = 0  # a JPEG cut short decodes "fine" with grey; its length still fits
    arrays["jpeg"] = jpeg[: len(jpeg) // 2 + 10]
    np.savez(path, **arrays)


def _to_folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


CORRUPTIONS: dict[str, Callable[[Path], object]] = {
    "empty": lambda p: p.write_bytes(b""),
    "garbage": lambda p: p.write_bytes(os.urandom(5000)),
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "flipped byte": lambda p: p.write_bytes(
        (lambda b, i: b[:i] + bytes([b[i] ^ 0xFF]) + b[i + 1 :])(p.read_bytes(), p.stat().st_size // 2)
    ),
    "not a zip of arrays": lambda p: zipfile.ZipFile(p, "w").writestr("stamp.npy", b"nope"),
    "bad jpeg": _spoil_jpeg,
    "a folder": _to_folder,
}


@pytest.mark.parametrize("damage", sorted(CORRUPTIONS))
def test_corrupt_cache_reads_as_missing(tmp_path: Path, thumbs: list[Any], damage: str) -> None:
    mediacache.save_filmstrip(tmp_path, thumbs, source=SOURCE, interval_us=S // 2, height=54)
    CORRUPTIONS[damage](tmp_path / mediacache.FILMSTRIP_FILE)
    assert mediacache.load_filmstrip(tmp_path, source=SOURCE, interval_us=S // 2, height=54) is None


def test_unreadable_cache_reads_as_missing(
    tmp_path: Path, thumbs: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    mediacache.save_filmstrip(tmp_path, thumbs, source=SOURCE, interval_us=S // 2, height=54)

    def denied(*args: Any, **kwargs: Any) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(np, "load", denied)  # chmod 000 would not stop root
    assert mediacache.load_filmstrip(tmp_path, source=SOURCE, interval_us=S // 2, height=54) is None


def test_cached_filmstrip_builds_once_then_reads(media: MediaSet, tmp_path: Path) -> None:
    path = media["cfr25"]
    info = probe(path)
    first: list[int] = []
    made = mediacache.cached_filmstrip(
        tmp_path, path, info, source=SOURCE, interval_us=S, on_thumb=lambda t, _: first.append(t)
    )
    again: list[int] = []
    read = mediacache.cached_filmstrip(
        tmp_path, Path("/does/not/exist.mp4"), info, source=SOURCE, interval_us=S,
        on_thumb=lambda t, _: again.append(t),
    )  # fmt: skip
    assert first == again == [t for t, _ in made] == [t for t, _ in read] == [k * S for k in range(10)]


def test_a_cancelled_filmstrip_caches_nothing(long_clip: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    seen: list[int] = []
    with pytest.raises(Cancelled):
        mediacache.cached_filmstrip(
            folder, long_clip, probe(long_clip), source=SOURCE, interval_us=S,
            on_thumb=lambda t, _: seen.append(t), should_cancel=lambda: bool(seen),
        )  # fmt: skip
    assert seen
    assert not folder.exists() or list(folder.iterdir()) == []


def test_a_failed_save_keeps_the_old_cache(
    tmp_path: Path, thumbs: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    mediacache.save_filmstrip(tmp_path, thumbs, source=SOURCE, interval_us=S // 2, height=54)

    def disk_full(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", disk_full)
    with pytest.raises(OSError):
        mediacache.save_filmstrip(tmp_path, thumbs[:3], source="v1:new", interval_us=S // 2, height=54)
    monkeypatch.undo()
    assert len(mediacache.load_filmstrip(tmp_path, source=SOURCE, interval_us=S // 2, height=54) or []) == 20
    assert sorted(p.name for p in tmp_path.iterdir()) == [mediacache.FILMSTRIP_FILE]


def test_part_files_left_by_a_crash_are_swept(tmp_path: Path, thumbs: list[Any]) -> None:
    """A temporary is judged by its writer: one of a process that is gone goes, one of a process that
    still runs (it may be writing right now) stays, whatever their age."""
    with subprocess.Popen(["sleep", "60"]) as writer:
        try:
            gone = tmp_path / f".{mediacache.FILMSTRIP_FILE}.{_ended_pid()}.part"
            live = tmp_path / f".{mediacache.FILMSTRIP_FILE}.{writer.pid}.part"
            gone.write_bytes(b"half a family's pictures")
            live.write_bytes(b"another process, writing right now")
            os.utime(live, (time.time() - 7200, time.time() - 7200))
            mediacache.save_filmstrip(tmp_path, thumbs, source=SOURCE, interval_us=S // 2, height=54)
            assert not gone.exists() and live.exists()
        finally:
            writer.kill()


def _ended_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid
