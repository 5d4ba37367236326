"""FrameDecoder: frame n is exactly the picture ffmpeg decodes for frame n, however we get there.

The oracle is the system ffmpeg (5.1) decoding the whole file to RGB24 with every frame passed
through (and turned upright by its autorotate), while the decoder under test is PyAV's own FFmpeg,
seeking and stepping. They agree to the pixel (max difference 0), so no tolerance is needed.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from mediagen import MediaSet, code_filter, read_frame_number

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex
from vfeedback.core.jobs import Cancelled
from vfeedback.media import decoder as decoder_module
from vfeedback.media.decoder import FrameDecoder
from vfeedback.media.frameindex import build_frame_index
from vfeedback.media.picture import DecodedFrame, to_rgb
from vfeedback.media.picture_cache import nbytes
from vfeedback.media.probe import probe
from vfeedback.media.proxy import make_proxy

Picture = np.ndarray[Any, np.dtype[np.uint8]]
_REFERENCE: dict[Path, list[Picture]] = {}
_INDEX: dict[Path, FrameIndex] = {}


def _index(path: Path) -> FrameIndex:
    if path not in _INDEX:
        _INDEX[path] = build_frame_index(path)
    return _INDEX[path]


def _ffmpeg_frames(path: Path) -> list[Picture]:
    """Every frame as ffmpeg presents it, upright RGB24, in order (cached per file)."""
    if path not in _REFERENCE:
        info = probe(path)
        width, height = info.display_width, info.display_height
        raw = subprocess.run(
            ["ffmpeg", "-v", "error", "-nostdin", "-i", str(path), "-map", "0:v:0",
             "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
            capture_output=True, check=True,
        ).stdout  # fmt: skip
        size = width * height * 3
        assert len(raw) % size == 0
        frames = np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)
        assert len(frames) == len(_index(path)), "ffmpeg presents the frames of the index"
        _REFERENCE[path] = list(frames)
    return _REFERENCE[path]


def _assert_exact(picture: DecodedFrame, n: int, reference: list[Picture], index: FrameIndex) -> None:
    assert picture.index == n and picture.exact
    assert picture.time_us == index.time_of(n)
    image = picture.image
    assert image.dtype == np.uint8 and image.flags.c_contiguous and not image.flags.writeable
    expected = reference[n]
    assert image.shape == expected.shape, f"frame {n}"
    difference = int(np.abs(image.astype(np.int16) - expected).max())
    assert difference == 0, f"frame {n} differs from ffmpeg's by up to {difference}"
    assert picture.source_size == (image.shape[1], image.shape[0])


EXACT_KINDS = ("cfr25", "ntsc2997", "vfr", "rotated_mov", "hevc", "editlist")


@pytest.mark.parametrize("tiny_cache", [False, True], ids=["cache", "tiny-cache"])
@pytest.mark.parametrize("kind", EXACT_KINDS)
def test_step_forward_then_back_is_exact(media: MediaSet, kind: str, tiny_cache: bool) -> None:
    """Land on a frame by a cold seek, step 15 forward and 15 back (across GOPs for most kinds)."""
    path = media[kind]
    index, reference = _index(path), _ffmpeg_frames(path)
    # A tiny cache holds three pictures: every few steps back decodes its GOP section again.
    cache = 3 * reference[0].nbytes if tiny_cache else 192 << 20
    start = min(len(index) // 2 + 5, len(index) - 16)
    steps = [*range(start, start + 16), *range(start + 14, start - 16, -1)]
    with FrameDecoder(path, index, probe(path).rotation, cache_bytes=cache) as dec:
        for n in steps:
            picture = dec.frame(n)
            _assert_exact(picture, n, reference, index)
            if kind != "editlist":  # a stream-copy cut may lose a B-frame, shifting the numbers
                assert read_frame_number(picture.image) == n
            assert dec.cache_used_bytes <= cache


@pytest.mark.parametrize("kind", ["cfr25", "vfr", "mkv", "mpegts", "ntsc2997"])
def test_random_seeks_are_exact(media: MediaSet, kind: str) -> None:
    path = media[kind]
    index, reference = _index(path), _ffmpeg_frames(path)
    chosen = [*random.Random(kind).sample(range(len(index)), 15), len(index) - 1, 0]
    with FrameDecoder(path, index, cache_bytes=1 << 20) as dec:
        for n in chosen:
            _assert_exact(dec.frame(n), n, reference, index)


@pytest.mark.parametrize(
    "tags",
    [["-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709"],
     ["-colorspace", "bt709", "-color_range", "pc"]],
    ids=["bt709", "full-range"],
)  # fmt: skip
def test_colour_tags_are_honoured_like_ffmpeg(tmp_path: Path, tags: list[str]) -> None:
    """Phone video is tagged BT.709 (sometimes full range): frames kept for stepping back must
    keep their tags, or the picture shifts colour by up to ~40 levels."""
    path = tmp_path / "tagged.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
         "-t", "2", "-vf", code_filter(320, 240), "-pix_fmt", "yuv420p",
         "-c:v", "libx264", "-g", "25", "-bf", "2", *tags, str(path)],
        check=True,
    )  # fmt: skip
    index, reference = build_frame_index(path), _ffmpeg_frames(path)
    with FrameDecoder(path, index) as dec:
        # 25..39 are kept on the way from the keyframe at 25 to 40; 24 back-fills from 0.
        for n in [40, *range(39, 9, -1)]:
            _assert_exact(dec.frame(n), n, reference, index)
        assert dec.stats["seeks"] == 2


def test_ten_bit_frames_look_the_same_however_reached(tmp_path: Path) -> None:
    """10-bit HEVC (iPhone HDR): a frame from the back window equals the same frame decoded afresh.

    Not compared with ffmpeg 5.1: its 10-bit to RGB conversion upsamples chroma differently from
    PyAV's newer swscale (8-bit conversions are identical, as the tests above show).
    """
    path = tmp_path / "ten.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
         "-t", "2", "-vf", code_filter(320, 240), "-pix_fmt", "yuv420p10le", "-c:v", "libx265",
         "-preset", "ultrafast", "-x265-params", "log-level=error:keyint=25", str(path)],
        check=True,
    )  # fmt: skip
    index = build_frame_index(path)
    with FrameDecoder(path, index) as stepping, FrameDecoder(path, index, cache_bytes=1) as afresh:
        for n in [45, *range(44, 20, -1)]:
            picture = stepping.frame(n)
            assert read_frame_number(picture.image) == n
            assert np.array_equal(picture.image, afresh.frame(n).image), f"frame {n}"


def test_frames_at_their_timestamps_match_ffmpeg_seeking(media: MediaSet) -> None:
    """ffmpeg's own seek to each frame's time (``-ss`` before ``-i``) gives the same picture."""
    path = media["vfr"]
    index = _index(path)
    with FrameDecoder(path, index) as dec:
        for n in (0, 59, 60, 61, 97, len(index) - 1):
            # The index rounds to the microsecond; 1 µs early still selects this frame, not the last.
            at = f"{(index.time_of(n) - 1) / 1e6:.6f}" if n else "0"
            raw = subprocess.run(
                ["ffmpeg", "-v", "error", "-nostdin", "-ss", at, "-i", str(path),
                 "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                capture_output=True, check=True,
            ).stdout  # fmt: skip
            expected = np.frombuffer(raw, np.uint8).reshape(240, 320, 3)
            assert np.array_equal(dec.frame(n).image, expected), f"frame {n}"


def test_rotation_turns_clockwise(media: MediaSet) -> None:
    """MediaInfo.rotation is clockwise: coded 320x240 with rotation 90 comes out 240 wide, 320 high,
    the coded top row becoming the right-hand column (checked against ffmpeg above)."""
    path = media["rotated_mov"]
    index = _index(path)
    assert probe(path).rotation == 90
    with av.open(str(path)) as container:
        coded = next(container.decode(video=0))
        with FrameDecoder(path, index, 90) as dec:
            upright = dec.frame(0)
        flat = coded.to_ndarray(format="rgb24")
    assert upright.image.shape == (320, 240, 3)
    assert upright.source_size == (240, 320)
    assert np.array_equal(upright.image, np.rot90(flat, -1))
    for rotation in (0, 90, 180, 270):
        assert np.array_equal(to_rgb(coded, rotation), np.rot90(flat, -rotation // 90))


def test_display_size_keeps_aspect_and_frame(media: MediaSet) -> None:
    path = media["rotated_mov"]
    index = _index(path)
    with FrameDecoder(path, index, 90, max_size=(200, 200)) as dec:
        picture = dec.frame(40)
        assert picture.image.shape == (200, 150, 3)  # 240x320 upright, fitted into 200x200
        assert picture.source_size == (240, 320)
        assert read_frame_number(picture.image) == 40
        dec.set_max_size((1000, 1000))  # never scaled up
        assert dec.frame(40).image.shape == (320, 240, 3)
        assert dec.source_size == (240, 320)


def test_back_fill_decodes_a_section_once(media: MediaSet, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stepping back past the kept frames decodes the section before them once; the next steps hit."""
    monkeypatch.setattr(decoder_module, "MAX_BACK_WINDOW", 10)
    path = media["cfr25"]  # one GOP of 250 frames: every miss must decode from frame 0
    index = _index(path)
    with FrameDecoder(path, index) as dec:
        dec.frame(200)
        seeks = dec.stats["seeks"]
        for n in range(199, 189, -1):  # the ten frames decoded on the way to 200
            assert read_frame_number(dec.frame(n).image) == n
        assert dec.stats["seeks"] == seeks
        dec.frame(189)  # a miss: one back-fill of 179..189
        assert dec.stats["seeks"] == seeks + 1
        for n in range(188, 178, -1):
            assert read_frame_number(dec.frame(n).image) == n
        assert dec.stats["seeks"] == seeks + 1
        for n in range(189, 215):  # forward again: cached up to 200, then decoded on from 179
            assert read_frame_number(dec.frame(n).image) == n
        assert dec.stats["seeks"] == seeks + 1  # no keyframe between: going on beats seeking


def _unreferenced_frames(path: Path, index: FrameIndex) -> set[int]:
    """Frame numbers whose H.264 slices have nal_ref_idc 0 (no other frame refers to them), read
    from the packets' NAL headers: 4-byte lengths (MP4), header byte ``0 ref_idc(2) type(5)``."""
    found = set()
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        origin, base = stream.start_time or 0, stream.time_base
        assert base is not None
        for packet in container.demux(stream):
            pts = packet.pts
            if not packet.size or pts is None:
                continue
            data, at, refs = bytes(packet), 0, []
            while at + 4 < len(data):
                length = int.from_bytes(data[at : at + 4], "big")
                header = data[at + 4]
                if header & 0x1F in (1, 5):  # a slice
                    refs.append(header >> 5 & 3)
                at += 4 + length
            if refs and not any(refs):
                found.add(index.frame_at(round((pts - origin) * base * 1_000_000)))
    return found


def test_frames_nothing_refers_to_are_not_decoded_before_the_back_window(
    media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """cfr25 is one GOP of 250 frames with B-frames: reaching frame 240 keeps 230..239 for stepping
    back, and decodes every frame up to 240 except the unreferenced B-frames before 230."""
    monkeypatch.setattr(decoder_module, "MAX_BACK_WINDOW", 10)
    path = media["cfr25"]
    index, reference = _index(path), _ffmpeg_frames(path)
    skippable = {n for n in _unreferenced_frames(path, index) if n < 230}
    assert len(skippable) > 60
    with FrameDecoder(path, index) as dec:
        _assert_exact(dec.frame(240), 240, reference, index)
        assert dec.stats["decoded"] == 241 - len(skippable)
        for n in range(239, 225, -1):  # the back window, then a back-fill before it
            _assert_exact(dec.frame(n), n, reference, index)


def test_a_slow_frame_can_be_cancelled(media: MediaSet) -> None:
    """The user moved on while frame 240 was still decoding from the keyframe at 0."""
    path = media["cfr25"]
    index, reference = _index(path), _ffmpeg_frames(path)
    asked: list[int] = []

    def after_five() -> bool:
        asked.append(1)
        return len(asked) > 5

    with FrameDecoder(path, index) as dec:
        with pytest.raises(Cancelled):
            dec.frame(240, should_cancel=after_five)
        assert len(asked) == 6
        _assert_exact(dec.frame(240), 240, reference, index)  # carries on from where it stopped
        assert dec.stats["seeks"] == 1


def test_cache_is_bounded_by_bytes(media: MediaSet) -> None:
    path = media["cfr25"]
    index = _index(path)
    limit = 1 << 20
    with FrameDecoder(path, index, max_size=(160, 120), cache_bytes=limit) as dec:
        for n in random.Random(3).sample(range(len(index)), 40) + list(range(100, 140)):
            picture = dec.frame(n)
            assert picture.image.nbytes == 160 * 120 * 3
            assert 0 < dec.cache_used_bytes <= limit
            assert dec.cache_used_bytes == sum(nbytes(e) for e in dec._cache.entries())


def test_cached_never_decodes(media: MediaSet) -> None:
    path = media["cfr25"]
    with FrameDecoder(path, _index(path)) as dec:
        assert dec.cached(30) is None
        picture = dec.frame(30)
        assert dec.cached(30) is picture
        assert dec.cached(29) is not None  # decoded on the way, kept for stepping back
        assert dec.cached(31) is None


@pytest.fixture(scope="module")
def proxies(media: MediaSet, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("proxies")
    return {
        kind: make_proxy(media[kind], folder / f"{kind}.mp4", _index(media[kind]), height=120)
        for kind in ("cfr25", "rotated_mov", "vfr")
    }


@pytest.mark.parametrize("kind", ["cfr25", "rotated_mov", "vfr"])
def test_preview_shows_the_same_frame_from_the_proxy(
    media: MediaSet, proxies: dict[str, Path], kind: str
) -> None:
    path = media[kind]
    index = _index(path)
    with FrameDecoder(path, index, probe(path).rotation, proxy=proxies[kind]) as dec:
        assert dec.has_proxy
        for n in [*random.Random(1).sample(range(len(index)), 12), 5, 4, 3, 2, 1, 0]:
            preview = dec.preview(n)
            assert preview is not None and not preview.exact
            assert preview.index == n and preview.time_us == index.time_of(n)
            assert read_frame_number(preview.image) == n
            # The proxy is 120 pixels on its short side and upright like the original.
            assert min(preview.image.shape[:2]) == 120
            assert (preview.image.shape[0] > preview.image.shape[1]) == (kind == "rotated_mov")
            assert preview.source_size == (preview.image.shape[1], preview.image.shape[0])
        exact = dec.frame(7)
        assert dec.preview(7) is exact  # once the exact frame is cached it is the best preview


def test_preview_without_proxy(media: MediaSet, proxies: dict[str, Path]) -> None:
    path = media["cfr25"]
    with FrameDecoder(path, _index(path)) as dec:
        assert not dec.has_proxy and dec.preview(10) is None
        dec.frame(10)
        assert dec.preview(10) is not None
        dec.set_proxy(proxies["cfr25"])  # the proxy is made while the recording is open
        preview = dec.preview(100)
        assert preview is not None and not preview.exact
        with pytest.raises(BadInput, match="does not match its recording"):
            dec.set_proxy(proxies["vfr"])
        assert not dec.has_proxy


def _text_file(folder: Path) -> Path:
    path = folder / "notes.txt"  # ffmpeg would show it as a "video" of ANSI art
    path.write_text("Session notes\n" * 40, encoding="utf-8")
    return path


def test_bad_files_raise_one_sentence(media: MediaSet, tmp_path: Path) -> None:
    for path, fragment in (
        (tmp_path / "gone.mp4", "does not exist"),
        (media["text_mp4"], "is not a video file"),
        (media["audio_only"], "has no video"),
        (media["jpeg_mov"], "is a still image"),
        (_text_file(tmp_path), "is not a video file"),
    ):
        with pytest.raises(BadInput) as caught:
            FrameDecoder(path, FrameIndex([0]))
        message = str(caught.value)
        assert fragment in message and "\n" not in message and message.endswith(".")
    with FrameDecoder(media["cfr25"], _index(media["cfr25"])) as dec:
        with pytest.raises(BadInput, match="Frame 250 does not exist"):
            dec.frame(250)
        with pytest.raises(BadInput, match="Frame -1 does not exist"):
            dec.preview(-1)


def _intra_clip(folder: Path) -> Path:
    """25 frames, every one a keyframe, stamped with its number: a damaged frame hurts only itself."""
    path = folder / "intra.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
         "-t", "1", "-vf", code_filter(320, 240), "-pix_fmt", "yuv420p",
         "-c:v", "libx264", "-g", "1", "-bf", "0", str(path)],
        check=True,
    )  # fmt: skip
    return path


def test_a_damaged_frame_fails_alone(tmp_path: Path) -> None:
    """A file damaged after it was indexed: the decoder fails on that frame only. (Indexing refuses
    a file whose packets are not whole, see test_hostile_input.py, but decodes only a few keyframes
    in full, so a picture wiped inside whole packets is found where it is decoded.)"""
    path = _intra_clip(tmp_path)
    index = build_frame_index(path)
    with av.open(str(path)) as container:
        packets = [(p.pos, p.size) for p in container.demux(video=0) if p.size]
    data = bytearray(path.read_bytes())
    pos, size = packets[12]
    assert pos is not None
    data[pos + 8 : pos + size] = bytes(size - 8)  # keep the NAL length and header, wipe the picture
    path.write_bytes(bytes(data))
    with FrameDecoder(path, index) as dec:
        for n in (10, 11, 13, 14, 12, 20, 12, 3):
            if n == 12:
                with pytest.raises(BadInput) as caught:
                    dec.frame(n)
                assert (
                    str(caught.value)
                    == "Frame 12 of 'intra.mp4' cannot be decoded: the file is damaged there."
                )
            else:
                assert read_frame_number(dec.frame(n).image) == n
        assert dec.stats["bad_packets"] > 0


def test_a_file_cut_short_while_open(media: MediaSet, tmp_path: Path) -> None:
    """The file loses its second half under an open decoder: later frames fail, earlier ones work."""
    path = tmp_path / "clip.mp4"
    shutil.copyfile(media["no_audio"], path)  # 75 frames, keyframes every 50
    index = _index(media["no_audio"])
    with FrameDecoder(path, index) as dec:
        dec.frame(0)
        with path.open("r+b") as fh:
            fh.truncate(path.stat().st_size // 2)
        with pytest.raises(BadInput, match="cannot be decoded: the file is damaged there"):
            dec.frame(74)
        assert read_frame_number(dec.frame(5).image) == 5
        path.unlink()
        with pytest.raises(BadInput, match="does not exist"):
            dec.frame(74)


def test_closed_decoder(media: MediaSet) -> None:
    dec = FrameDecoder(media["cfr25"], _index(media["cfr25"]))
    with dec:
        dec.frame(3)
    dec.close()  # twice is fine
    with pytest.raises(RuntimeError):
        dec.frame(3)
