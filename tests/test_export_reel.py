"""The reel: title card, clips in order with their captions, fades, one MP4, nothing private in it.

Built once per module from three short parts of the generated media (25 fps with sound, a portrait
phone .mov at 30 fps carrying location tags, 25 fps without sound) and checked by decoding it.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from mediagen import PHONE_TAGS, MediaSet, make_long_clip, read_frame_number

from vfeedback.core.jobs import Cancelled
from vfeedback.export import titlecard
from vfeedback.export.reel import (
    ReelFailed,
    ReelPart,
    ReelPlan,
    ReelResult,
    _fit,
    reel_format,
    reel_plan,
    run_reel,
)
from vfeedback.media.frameindex import build_frame_index
from vfeedback.media.probe import probe

NOTE = "PRIVATE NOTE zq7: mother tearful, ask about sleep"
TITLE = "Our moments together"
DATE = "12 March 2025"
# What a moment holds; the reel is given the caption only.
MOMENTS = [
    ("cfr25", 1_000_000, 2_960_000, "She looks at you, and you wait for her."),
    ("rotated_mov", 500_000, 1_966_667, "You smile back, and he laughs."),
    ("no_audio", 200_000, 1_800_000, "Taking turns {together} \\N"),
]


def _parts(media: MediaSet, moments: list[tuple[str, int, int, str]]) -> list[ReelPart]:
    parts = []
    for kind, start, end, caption in moments:
        moment = {"caption": caption, "note": NOTE}
        path = media[kind]
        parts.append(ReelPart(path, probe(path), build_frame_index(path), start, end, moment["caption"]))
    return parts


def _frames(path: Path) -> list[np.ndarray[Any, Any]]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def _sound(path: Path) -> np.ndarray[Any, Any]:
    with av.open(str(path)) as container:
        blocks = [f.to_ndarray() for f in container.decode(audio=0)]
    return np.concatenate(blocks, axis=1)


def _ffprobe(path: Path) -> dict[str, Any]:
    cmd = ["ffprobe", "-v", "error", "-of", "json", "-show_format", "-show_streams", str(path)]
    result: dict[str, Any] = json.loads(subprocess.run(cmd, capture_output=True, check=True).stdout)
    return result


def _files(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()]


@dataclass
class Built:
    plan: ReelPlan
    result: ReelResult
    frames: list[np.ndarray[Any, Any]]
    seen: dict[str, bytes]  # every file the workdir held while the reel was being made
    progress: list[float]


@pytest.fixture(scope="module")
def built(media: MediaSet, tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("reel")
    workdir = root / "work"
    plan = reel_plan(
        _parts(media, MOMENTS), TITLE, DATE, root / "out" / "F001-2025-03-12-reel.mp4", workdir,
        parts_dir=root / "out" / "separate",
    )  # fmt: skip
    assert not workdir.exists() and not (root / "out").exists(), "planning must write nothing"
    (root / "out").mkdir()
    seen: dict[str, bytes] = {}
    progress: list[float] = []

    def on_progress(fraction: float) -> None:
        progress.append(fraction)
        for path in _files(workdir):
            seen[path.name] = path.read_bytes()

    result = run_reel(plan, on_progress)
    return Built(plan, result, _frames(result.path), seen, progress)


def _seen(built: Built, infix: str) -> str:
    """The text of the caption file whose name holds ``infix``, as it was while ffmpeg ran."""
    (name,) = [n for n in built.seen if infix in n and n.endswith(".caption.ass")]
    return built.seen[name].decode()


def _ranges(plan: ReelPlan) -> list[tuple[int, int]]:
    """Output frame numbers [begin, end) of each step."""
    out, at = [], 0
    for step in plan.steps:
        out.append((at, at + step.frames))
        at += step.frames
    return out


def _numbers(built: Built, step_no: int) -> list[int | None]:
    step = built.plan.steps[step_no]
    x, y, w, h = step.picture
    begin, end = _ranges(built.plan)[step_no]
    numbers: list[int | None] = []
    for frame in built.frames[begin:end]:
        try:
            numbers.append(read_frame_number(frame[y : y + h, x : x + w]))
        except ValueError:
            numbers.append(None)
    return numbers


def _luma(frame: np.ndarray[Any, Any]) -> float:
    return float(frame.mean())


def test_title_card_first_then_clips_in_order(built: Built) -> None:
    plan = built.plan
    assert [s.label for s in plan.steps] == ["the title card", "clip 1", "clip 2", "clip 3"]
    assert len(built.frames) == plan.frame_count == built.result.frame_count
    # The card: the middle frame is the warm card colour almost everywhere.
    begin, end = _ranges(plan)[0]
    card = built.frames[(begin + end) // 2].reshape(-1, 3).astype(int)
    want = np.array([int(titlecard.CARD_COLOUR[i : i + 2], 16) for i in (1, 3, 5)])
    close = np.abs(card - want).max(axis=1) <= 6
    assert close.mean() > 0.9
    # Each clip shows its own source frames, in order, from the moment's start to its end.
    spans = [(25, 74), (15, 59), (5, 45)]
    for step_no, (first, last) in enumerate(spans, start=1):
        step = plan.steps[step_no]
        assert (step.first_frame, step.last_frame) == (first, last)
        read = [n for n in _numbers(built, step_no) if n is not None]
        assert len(read) > step.frames // 3, f"clip {step_no}: too few frames readable"
        assert read == sorted(read), f"clip {step_no} is not in order: {read}"
        assert first <= read[0] <= first + 8 and last - 8 <= read[-1] <= last, (step_no, read)
        # No card colour inside a clip.
        mid = built.frames[sum(_ranges(plan)[step_no]) // 2].reshape(-1, 3).astype(int)
        assert (np.abs(mid - want).max(axis=1) <= 6).mean() < 0.2


def test_portrait_clip_is_pillarboxed_in_the_landscape_frame(built: Built) -> None:
    fmt = built.plan.format
    # The sharpest part is the portrait 240x320: a 16:9 frame 320 high holds it at its own size.
    assert (fmt.width, fmt.height) == (568, 320)  # 320 * 16 / 9 = 568.9, even: 568
    x, y, w, h = built.plan.steps[2].picture
    assert h > w and x > 0  # portrait, centred between bars
    assert abs(w / h - 240 / 320) < 0.03  # the picture keeps its shape
    begin, end = _ranges(built.plan)[2]
    frame = built.frames[(begin + end) // 2]
    assert frame[: y + h, : x - 2].max() < 24 and frame[: y + h, x + w + 2 :].max() < 24  # black bars


def test_each_part_fades_in_and_out(built: Built) -> None:
    for step_no, (begin, end) in enumerate(_ranges(built.plan)):
        middle = _luma(built.frames[(begin + end) // 2])
        assert _luma(built.frames[begin]) < 0.15 * middle, f"part {step_no} does not fade in"
        assert _luma(built.frames[begin + 3]) < 0.6 * middle
        assert _luma(built.frames[end - 1]) < 0.25 * middle, f"part {step_no} does not fade out"


def test_captions_are_burned_below_the_picture(built: Built) -> None:
    fmt = built.plan.format
    assert fmt.band > 0
    for step_no in (1, 2, 3):
        begin, end = _ranges(built.plan)[step_no]
        band = built.frames[(begin + end) // 2][fmt.height - fmt.band :]
        assert band.max() > 150, f"clip {step_no}: no caption text in the band"
        _, y, _, h = built.plan.steps[step_no].picture
        assert y + h <= fmt.height - fmt.band  # the caption never covers the picture
    # Braces and backslashes in a caption are text, not libass codes.
    assert "Taking turns \\{together\\} \\\u2060N" in _seen(built, "-03.")


def test_title_card_shows_the_typed_title(built: Built, tmp_path: Path) -> None:
    fmt, step = built.plan.format, built.plan.steps[0]
    ass = tmp_path / "empty.ass"
    ass.write_text(titlecard.title_card_ass("", DATE, fmt.width, fmt.height), encoding="utf-8")
    out = tmp_path / "empty.mov"
    argv = titlecard.title_card_argv(
        ass, out, width=fmt.width, height=fmt.height, rate=fmt.rate, frames=step.frames,
        samples=step.samples, sample_rate=48_000, fade_s=0.5,
        video_filter_tail="scale=out_color_matrix=bt709:out_range=tv,format=yuv420p",
        encode=fmt.encode_args(),
    )  # fmt: skip
    subprocess.run(argv, check=True, capture_output=True)
    empty = _frames(out)[step.frames // 2].astype(int)
    typed = built.frames[step.frames // 2].astype(int)
    differs = np.abs(typed - empty).max(axis=2) > 40
    rows = np.nonzero(differs.any(axis=1))[0]
    assert differs.sum() > 200, "the typed title is not on the card"
    assert rows.min() > fmt.height * 0.3 and rows.max() < fmt.height * 0.7  # a calm centred block
    assert TITLE in _seen(built, "-title.")


def test_duration_is_title_plus_parts(built: Built) -> None:
    plan, info = built.plan, _ffprobe(built.result.path)
    rate = float(plan.format.rate)
    expected = 3.0 + sum(s.frames for s in plan.steps[1:]) / rate
    assert abs(float(info["format"]["duration"]) - expected) <= 2 / rate
    assert abs(built.result.duration_us / 1e6 - expected) <= 1 / rate
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert int(video["nb_frames"]) == plan.frame_count
    assert abs(float(audio["duration"]) - expected) <= 2 / rate
    assert (video["codec_name"], audio["codec_name"]) == ("h264", "aac")
    # The index is at the front (+faststart): moov before mdat.
    head = built.result.path.read_bytes()[:4096]
    assert 0 <= head.find(b"moov") < max(head.find(b"mdat"), 4096)


def test_sound_follows_the_parts_and_silence_is_added(built: Built) -> None:
    sound = _sound(built.result.path)
    assert sound.shape[0] == 2  # stereo throughout
    rate = float(built.plan.format.rate)
    spans = [(int(b / rate * 48_000), int(e / rate * 48_000)) for b, e in _ranges(built.plan)]

    def level(step_no: int) -> float:
        begin, end = spans[step_no]
        quarter = (end - begin) // 4
        return float(np.abs(sound[:, begin + quarter : end - quarter]).max())

    assert level(0) < 1e-3  # the card is silent
    assert level(1) > 0.05 and level(2) > 0.05  # the sources' tone
    assert level(3) < 1e-3  # no sound in the source: silence was added


def test_private_note_appears_nowhere(built: Built) -> None:
    assert built.seen, "the workdir was never scanned"
    assert any(b"She looks at you" in data for data in built.seen.values())  # the scan sees captions
    note = NOTE.encode()
    for name, data in built.seen.items():
        assert note not in data, name
    outputs = _files(built.result.path.parent)
    assert len(outputs) == 4
    for path in outputs:
        assert note not in path.read_bytes()
    assert NOTE not in " ".join(" ".join(s.argv) for s in built.plan.steps)


def test_metadata_is_stripped(built: Built) -> None:
    for path in [built.result.path, *built.result.parts]:
        info = _ffprobe(path)
        tags = dict(info["format"].get("tags", {}))
        for stream in info["streams"]:
            tags.update(stream.get("tags", {}))
            assert not stream.get("side_data_list"), "a display matrix survived"
        assert not set(tags) & {*PHONE_TAGS, "creation_time", "location", "encoder"}, tags
        data = path.read_bytes()
        for value in ("iPhone 12", "+52.3702", "2024-05-01"):
            assert value.encode() not in data


def test_workdir_is_cleaned_and_separate_files_kept(built: Built) -> None:
    assert not built.plan.workdir.exists()
    assert not list(built.result.path.parent.rglob("*.part"))
    assert [p.name for p in built.result.parts] == [f"F001-2025-03-12-reel-{n:02d}.mp4" for n in (1, 2, 3)]
    for path, step in zip(built.result.parts, built.plan.steps[1:], strict=True):
        info = _ffprobe(path)
        video = next(s for s in info["streams"] if s["codec_type"] == "video")
        assert int(video["nb_frames"]) == step.frames
        assert {s["codec_name"] for s in info["streams"]} == {"h264", "aac"}
    assert built.progress == sorted(built.progress) and built.progress[-1] == 1.0


def test_every_part_is_encoded_alike_and_cut_exactly(built: Built) -> None:
    plan = built.plan
    shared = plan.format.encode_args()
    for step in plan.steps:
        argv = list(step.argv)
        at = argv.index(shared[0])
        assert argv[at : at + len(shared)] == shared
        if step.first_frame is not None:
            assert argv.index("-ss") < argv.index("-i"), "exact cut: seek before the input"
            assert "copy" not in argv
    assert plan.concat_argv[plan.concat_argv.index("-c:v") + 1] == "copy"


@pytest.mark.parametrize(
    "moments",
    [
        [("cfr25", 400_000, 1_000_000), ("rotated_mov", 1_000_000, 1_500_000)],
        # Variable frame rate; MPEG-TS (no index, starts at 1.4 s) with the frame at its very end.
        [("vfr", 1_000_000, 2_500_000), ("mpegts", 9_000_000, 9_960_000)],
    ],
    ids=["cfr-portrait", "vfr-mpegts"],
)
def test_first_and_last_frames_exact(
    media: MediaSet, tmp_path: Path, moments: list[tuple[str, int, int]]
) -> None:
    work = tmp_path / "work dir [1]; it's: here"  # names that need escaping, in filters and lists
    plan = reel_plan(_parts(media, [(*m, "") for m in moments]), "", "", tmp_path / "it's r.mp4", work,
                     fade_s=0, title_s=0)  # fmt: skip
    assert plan.format.band == 0  # no captions, no band: the picture gets the whole frame
    result = run_reel(plan)
    frames = _frames(result.path)
    assert len(frames) == plan.frame_count
    for step_no, (begin, end) in enumerate(_ranges(plan)):
        step = plan.steps[step_no]
        assert step.first_frame is not None and step.last_frame is not None
        x, y, w, h = step.picture
        shown = [read_frame_number(f[y : y + h, x : x + w]) for f in frames[begin:end]]
        assert shown[0] == step.first_frame and shown[-1] == step.last_frame
        assert sorted(set(shown)) == list(range(step.first_frame, step.last_frame + 1)), "a frame was lost"
        assert shown == sorted(shown)


def test_cancel_removes_everything(media: MediaSet, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    plan = reel_plan(_parts(media, MOMENTS), TITLE, DATE, out / "reel.mp4", tmp_path / "work",
                     parts_dir=out / "separate")  # fmt: skip
    seen: list[float] = []
    with pytest.raises(Cancelled):
        run_reel(plan, seen.append, lambda: bool(seen) and seen[-1] > 0.45)
    assert _files(out) == [] and not plan.workdir.exists()
    assert max(seen) < 1.0


def test_failure_leaves_nothing(media: MediaSet, tmp_path: Path) -> None:
    copy = tmp_path / "clip.mp4"
    copy.write_bytes(media["no_audio"].read_bytes())
    part = ReelPart(copy, probe(copy), build_frame_index(copy), 0, 1_000_000, "Hello")
    plan = reel_plan([part], TITLE, DATE, tmp_path / "reel.mp4", tmp_path / "work")
    copy.write_bytes(b"\x00" * 2048)  # the recording is damaged after planning
    with pytest.raises(ReelFailed) as caught:
        run_reel(plan)
    assert "clip 1" in str(caught.value) and caught.value.details
    assert str(tmp_path) not in str(caught.value) + caught.value.details  # no folder names
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]


def test_captions_can_be_left_out(media: MediaSet, tmp_path: Path) -> None:
    parts = _parts(media, MOMENTS)
    plan = reel_plan(parts, TITLE, DATE, tmp_path / "r.mp4", tmp_path / "w", burn_captions=False)
    with_captions = reel_plan(parts, TITLE, DATE, tmp_path / "r.mp4", tmp_path / "w")
    assert plan.format.band == 0 and with_captions.format.band > 0
    wide, with_band = plan.format, with_captions.format
    assert (wide.width, wide.height) == (with_band.width, with_band.height)
    assert not any(".caption.ass" in a for s in plan.steps[1:] for a in s.argv)
    assert all("ass=filename=" in s.argv[s.argv.index("-filter_complex") + 1] for s in with_captions.steps)
    assert not list(tmp_path.iterdir())  # planning wrote nothing


def _sized(media: MediaSet, width: int, height: int) -> ReelPart:
    """A part whose source shows ``width`` x ``height`` (the probe's sizes replaced: the layout
    reads only those, the frame rate comes from the real index)."""
    path = media["cfr25"]
    info = replace(probe(path), display_width=width, display_height=height)
    return ReelPart(path, info, build_frame_index(path), 0, 1_000_000, "You waited for her.")


@pytest.mark.parametrize(
    ("sources", "max_height", "size"),
    [
        # Worked by hand: the smallest 16:9 frame holding each source at its own size, capped.
        ([(640, 272)], 720, (640, 360)),  # the width needs 640: 640 * 9 / 16 = 360 high
        ([(1280, 720)], 720, (1280, 720)),
        ([(1280, 720), (640, 272)], 720, (1280, 720)),
        ([(1920, 1080)], 720, (1280, 720)),  # the clinician chose 720
        ([(1920, 1080)], 1080, (1920, 1080)),
        ([(3840, 2160)], None, (1920, 1080)),  # never above full HD
        ([(720, 1280)], None, (1920, 1080)),  # portrait: 1280 high, capped at 1080, pillarboxed
        ([(320, 240)], 720, (426, 240)),  # 4:3: 240 * 16 / 9 = 426.7, even: 426
    ],
)
def test_a_reel_is_16_9_at_the_sharpest_height_with_the_band_inside(
    media: MediaSet, sources: list[tuple[int, int]], max_height: int | None, size: tuple[int, int]
) -> None:
    parts = [_sized(media, w, h) for w, h in sources]
    fmt = reel_format(parts, max_height)
    assert (fmt.width, fmt.height) == size and fmt.band > 0
    assert reel_format(parts, max_height, captions=False).height == fmt.height  # band inside
    for (w, h), part in zip(sources, parts, strict=True):
        x, y, pw, ph = _fit(part.media, fmt)
        assert x + pw <= fmt.width and y + ph <= fmt.height - fmt.band  # above the band
        assert abs(pw / ph - w / h) < 0.02  # its shape kept


def test_wide_and_hd_sources_make_a_1280x720_reel_letterboxed_and_frame_exact(
    media: MediaSet, tmp_path: Path
) -> None:
    """A 640x272 film (2.35:1) and a 1280x720 one: the reel is 1280x720, band included (it was
    1280x812 before). By hand, for a one-line caption at 720: type 40 px, band 92, picture area
    1280x628; the wide film is doubled to 1280x544 with 42 px bars above, the HD one fitted to
    1116x628 with 82 px bars at the sides."""
    wide = make_long_clip(media.folder, seconds=4, size=(640, 272))
    hd = make_long_clip(media.folder, seconds=4, size=(1280, 720))
    parts = [
        ReelPart(p, probe(p), build_frame_index(p), 1_000_000, 2_000_000, "You waited for her.")
        for p in (wide, hd)
    ]
    plan = reel_plan(parts, TITLE, DATE, tmp_path / "r.mp4", tmp_path / "w", fade_s=0, title_s=0)
    fmt = plan.format
    assert (fmt.width, fmt.height, fmt.band) == (1280, 720, 92)
    assert [s.picture for s in plan.steps] == [(0, 42, 1280, 544), (82, 0, 1116, 628)]
    result = run_reel(plan)
    assert (result.width, result.height) == (1280, 720)
    video = next(s for s in _ffprobe(result.path)["streams"] if s["codec_type"] == "video")
    assert (video["width"], video["height"]) == (1280, 720)
    frames = _frames(result.path)
    for step_no, (begin, end) in enumerate(_ranges(plan)):
        step = plan.steps[step_no]
        x, y, w, h = step.picture
        shown = [read_frame_number(f[y : y + h, x : x + w]) for f in frames[begin:end]]
        assert (shown[0], shown[-1]) == (step.first_frame, step.last_frame) == (25, 50)
        assert shown == list(range(25, 51)), "a frame was lost or repeated"
        middle = frames[(begin + end) // 2]
        above_below = [middle[:y], middle[y + h : 720 - 92]]
        beside = [middle[:628, : x - 2], middle[:628, x + w + 2 :]]
        bars = above_below if y else beside
        assert all(b.size and b.max() < 24 for b in bars), f"clip {step_no + 1}: the bars are not black"
        assert middle[720 - 92 :].max() > 150, f"clip {step_no + 1}: no caption in the band"


def test_by_default_a_reel_is_as_sharp_as_its_sharpest_recording_up_to_full_hd(media: MediaSet) -> None:
    full_hd = reel_format([_sized(media, 1920, 1080)])
    assert (full_hd.width, full_hd.height) == (1920, 1080)
    assert reel_format([_sized(media, 3840, 2160)]).height == 1080
