"""make_proxy(): one proxy frame per original frame, at the same times, written atomically.

The real ffmpeg makes real proxies of the test media; a few stand-in "ffmpeg" scripts play the
failures that real ffmpeg does not do on demand (hanging mid-way, failing, writing the wrong video).
"""

from __future__ import annotations

import stat
from fractions import Fraction
from pathlib import Path
from typing import cast

import av
import pytest
from mediagen import MediaSet, read_frame_number

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex
from vfeedback.core.jobs import Cancelled
from vfeedback.media.frameindex import build_frame_index
from vfeedback.media.probe import probe
from vfeedback.media.proxy import make_proxy, proxy_argv, proxy_size


def test_argv_is_exact() -> None:
    argv = proxy_argv(
        Path("/videos/-bath time.mov"),
        Path("/cache/.p.mp4.7.part"),
        540,
        source_size=(1920, 1080),
        stream_index=1,
        time_base=Fraction(1, 600),
    )
    assert argv == [
        "ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-v", "error", "-y",
        "-noautorotate", "-i", "file:/videos/-bath time.mov",
        "-map", "0:1", "-an", "-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1",
        "-vf", "scale=960:540:flags=bilinear",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-g", "10", "-bf", "0",
        "-pix_fmt", "yuv420p",
        "-fps_mode", "passthrough", "-enc_time_base", "-1", "-video_track_timescale", "600",
        "-progress", "pipe:1",
        "-f", "mp4", "file:/cache/.p.mp4.7.part",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("size", "short_side", "expected"),
    [((1920, 1080), 540, (960, 540)), ((1080, 1920), 540, (540, 960)), ((1280, 720), 540, (960, 540)),
     ((320, 240), 540, (320, 240)), ((3840, 2160), 540, (960, 540)), ((1441, 1081), 540, (720, 540))],
)  # fmt: skip
def test_proxy_size(size: tuple[int, int], short_side: int, expected: tuple[int, int]) -> None:
    assert proxy_size(*size, short_side) == expected


@pytest.mark.parametrize("kind", ["vfr", "editlist", "rotated_mov", "mpegts"])
def test_one_proxy_frame_per_frame_at_the_same_times(media: MediaSet, tmp_path: Path, kind: str) -> None:
    src = media[kind]
    index = build_frame_index(src)
    seen: list[float] = []
    dest = make_proxy(src, tmp_path / "proxy.mp4", index, progress=seen.append, height=120)
    assert dest == tmp_path / "proxy.mp4"
    assert [p.name for p in tmp_path.iterdir()] == ["proxy.mp4"]  # no part file left
    assert list(build_frame_index(dest).times) == list(index.times)
    assert seen == sorted(seen) and seen[-1] == 1.0

    info = probe(dest)
    assert info.video_codec == "h264" and min(info.width, info.height) == 120
    assert info.rotation == probe(src).rotation  # turned by the decoder like the original
    assert not info.has_audio and not info.tags  # no location or phone model in a cache file
    with av.open(str(dest)) as container:
        packets = [p for p in container.demux(video=0) if p.size]
        keyframes = [i for i, p in enumerate(packets) if p.is_keyframe]
    with av.open(str(dest)) as container:
        numbers = [read_frame_number(f.to_ndarray(format="rgb24")) for f in container.decode(video=0)]
    assert keyframes[0] == 0
    assert all(b - a <= 10 for a, b in zip(keyframes, [*keyframes[1:], len(packets)], strict=True))
    stamps = [p.pts for p in packets]
    assert None not in stamps and stamps == sorted(
        cast("list[int]", stamps)
    )  # decode order is display order: no B-frames
    with av.open(str(src)) as container:
        originals = [read_frame_number(f.to_ndarray(format="rgb24")) for f in container.decode(video=0)]
    assert numbers == originals  # frame n of the proxy shows frame n of the original


def _fake_ffmpeg(folder: Path, body: str) -> str:
    """A stand-in ffmpeg: a shell script that finds its output file (the last argument)."""
    script = folder / "fake-ffmpeg"
    script.write_text('#!/bin/sh\nfor last; do :; done\nout="${last#file:}"\n' + body)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def test_cancel_stops_ffmpeg_and_leaves_nothing(media: MediaSet, tmp_path: Path) -> None:
    out = tmp_path / "out"
    ffmpeg = _fake_ffmpeg(
        tmp_path, 'echo half > "$out"\necho out_time_us=5000000\necho progress=continue\nexec sleep 60\n'
    )
    index = build_frame_index(media["cfr25"])  # 10 s
    seen: list[float] = []
    with pytest.raises(Cancelled):
        make_proxy(media["cfr25"], out / "p.mp4", index, progress=seen.append,
                   should_cancel=lambda: bool(seen), ffmpeg=ffmpeg)  # fmt: skip
    assert seen == [0.5]
    assert list(out.iterdir()) == []


def test_cancel_at_once_with_real_ffmpeg(media: MediaSet, tmp_path: Path) -> None:
    with pytest.raises(Cancelled):
        make_proxy(media["cfr25"], tmp_path / "p.mp4", build_frame_index(media["cfr25"]),
                   should_cancel=lambda: True)  # fmt: skip
    assert list(tmp_path.iterdir()) == []


def test_missing_ffmpeg(media: MediaSet, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"cannot find its ffmpeg program: install ffmpeg \(on Debian"):
        make_proxy(media["cfr25"], tmp_path / "p.mp4", FrameIndex([0]), ffmpeg=str(tmp_path / "nope"))
    assert list(tmp_path.iterdir()) == []


def test_ffmpeg_failure_keeps_the_old_proxy(media: MediaSet, tmp_path: Path) -> None:
    dest = tmp_path / "p.mp4"
    dest.write_bytes(b"old")
    ffmpeg = _fake_ffmpeg(tmp_path, 'echo junk > "$out"\necho "Unknown encoder \'libx264\'" >&2\nexit 1\n')
    with pytest.raises(BadInput) as caught:
        make_proxy(media["cfr25"], dest, FrameIndex([0]), ffmpeg=ffmpeg)
    assert str(caught.value) == (
        "The preview copy of 'cfr25.mp4' could not be made (ffmpeg: Unknown encoder 'libx264')."
    )
    assert dest.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fake-ffmpeg", "p.mp4"]


def test_a_proxy_with_other_frames_is_refused(media: MediaSet, tmp_path: Path) -> None:
    ffmpeg = _fake_ffmpeg(tmp_path, f'cp "{media["no_audio"]}" "$out"\n')  # 75 frames, not 250
    with pytest.raises(BadInput) as caught:
        make_proxy(media["cfr25"], tmp_path / "p.mp4", build_frame_index(media["cfr25"]), ffmpeg=ffmpeg)
    assert str(caught.value) == (
        "The preview copy of 'cfr25.mp4' came out with 75 frames instead of 250, so it was not kept."
    )
    assert [p.name for p in tmp_path.iterdir()] == ["fake-ffmpeg"]


@pytest.mark.parametrize(
    ("kind", "fragment"),
    [("text_mp4", "is not a video file"), ("audio_only", "has no video, only sound"), ("empty", "is empty")],
)  # fmt: skip
def test_bad_sources(media: MediaSet, tmp_path: Path, kind: str, fragment: str) -> None:
    with pytest.raises(BadInput) as caught:
        make_proxy(media[kind], tmp_path / "p.mp4", FrameIndex([0]))
    message = str(caught.value)
    assert fragment in message and "\n" not in message and message.endswith(".")
    assert list(tmp_path.iterdir()) == []
