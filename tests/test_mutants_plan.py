"""Killers of the mutants of ``export/plan.py`` that ``tests/test_export_plan.py`` let through (make
mutation, issue 17). Plan level only: recordings are described by hand (MediaInfo + FrameIndex), no
media and no ffmpeg. Each expected value is worked out by hand in the test; each docstring names the
slip it catches.
"""

from __future__ import annotations

import dataclasses
import os
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from mediagen import MediaSet, read_frame_number
from test_export_plan import _media

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex
from vfeedback.core.marks import Mark
from vfeedback.core.media_info import MediaInfo
from vfeedback.export.blur import Region
from vfeedback.export.layout import AngleSource
from vfeedback.export.options import ClipOptions, Layout
from vfeedback.export.plan import ClipSource, ExportPlan, clip_plan, output_size, still_plan
from vfeedback.media.decoder import FrameDecoder
from vfeedback.media.faces import FaceSample
from vfeedback.media.frameindex import build_frame_index
from vfeedback.media.probe import probe

PID = os.getpid()
OUT = Path("/lib/clips/F001-2024-05-01-01.mp4")
WORK = Path("/lib/tmp")
MAIN = Path("/data/F001/rec.mp4")
SIDE = Path("/data/F001/side.mp4")
THIRD = Path("/data/F001/third.mp4")


def _cfr25(path: Path = MAIN, faces: tuple[FaceSample, ...] | None = None, **changes: object) -> ClipSource:
    return ClipSource(path, _media(**changes), FrameIndex([k * 40_000 for k in range(250)]), faces)


def _graph(plan: ExportPlan) -> str:
    return plan.argv[plan.argv.index("-filter_complex") + 1]


def _chains(plan: ExportPlan) -> list[str]:
    return _graph(plan).split(";")


def _audio(plan: ExportPlan) -> list[str]:
    """The sound's chains: from the one that reads the input's audio pad on."""
    chains = _chains(plan)
    first = next(i for i, c in enumerate(chains) if ":a:0]" in c)
    return chains[first:]


def _angles(*extra: tuple[Path, int, bool], main_audio: bool = True) -> list[AngleSource]:
    """The main recording (id 1) and angles (id 2, 3, ...: file, offset, has audio), all 320x240 at 25 fps."""
    found = [AngleSource(1, _cfr25(MAIN, has_audio=main_audio), 0, True)]
    for n, (path, offset, audio) in enumerate(extra, start=2):
        found.append(AngleSource(n, _cfr25(path, has_audio=audio), offset))
    return found


# --- output_size: the floors and the crop ------------------------------------------------------


def test_a_one_pixel_wide_display_counts_as_two() -> None:
    """Slips: the width's or the height's floor of 2 made 3 (a 1-pixel side becomes 3, evened to 4)
    or 1 (then a limit of 1 is not exceeded and the other side is not halved).

    1 x 100 -> 2 x 100; limited to 1: the shorter side 2 > 1, scale 1/2 -> 1 x 50 -> evened 2 x 50."""
    assert output_size(_media(display_width=1, display_height=100), None) == (2, 100)
    assert output_size(_media(display_width=1, display_height=100), 1) == (2, 50)
    assert output_size(_media(display_width=100, display_height=1), None) == (100, 2)
    assert output_size(_media(display_width=100, display_height=1), 1) == (50, 2)


def test_a_crop_keeps_the_source_pixels_of_its_part() -> None:
    """Slips: the crop's fraction added, subtracted, divided, floor-divided or taken modulo instead
    of multiplied. 320 x 240 cropped to half of each side: 160 x 120; to a quarter across and three
    quarters down: 80 x 180."""
    assert output_size(_media(), None, Region(0.25, 0.25, 0.5, 0.5)) == (160, 120)
    assert output_size(_media(), None, Region(0.0, 0.0, 0.25, 0.75)) == (80, 180)


def test_a_sliver_of_a_crop_is_at_least_two_pixels() -> None:
    """Slips: the crop's floor of 2 pixels made 3 (evened to 4) or 1 (then the limit scales by the
    sliver's 1.6 pixels instead of 2).

    320 x 240 cropped to 0.005 across: 1.6 -> 2 pixels wide, 240 high. Limited to 1: the shorter
    side 2 > 1, scale 1/2: height 120 (with a floor of 1: 1.6, scale 1/1.6, height 150)."""
    sliver = Region(0.0, 0.0, 0.005, 1.0)
    assert output_size(_media(), None, sliver) == (2, 240)
    assert output_size(_media(), 1, sliver) == (2, 120)
    flat = Region(0.0, 0.0, 1.0, 0.005)  # 320 x 1.2 -> 320 x 2; limited to 1: 160 x 1 -> 160 x 2
    assert output_size(_media(), None, flat) == (320, 2)
    assert output_size(_media(), 1, flat) == (160, 2)


def test_a_crop_in_the_graph_comes_before_the_scale() -> None:
    """Slip: the crop filter joined to the scale with another operator than ``+`` (no graph at all)."""
    options = ClipOptions(captions="none", padding_us=0, crop=Region(0.25, 0.25, 0.5, 0.5))
    plan = clip_plan(_cfr25(), 2_000_000, 2_000_000, "", options, OUT, WORK)
    assert (plan.width, plan.height) == (160, 120)
    assert (
        "setpts=PTS-STARTPTS,crop=w=trunc(iw*0.5/2)*2:h=trunc(ih*0.5/2)*2:x=trunc(iw*0.25/2)*2"
        ":y=trunc(ih*0.25/2)*2:exact=1,scale=160:120,setsar=1,fps=25:"
    ) in _graph(plan)


# --- clip_plan: faces, captions, marks ---------------------------------------------------------

# One face at the picture's centre, seen at 2.00 s (the clip's first frame).
FACE = (FaceSample(2_000_000, ((0.4, 0.4, 0.2, 0.2),)),)


def test_blurring_faces_without_the_faces_found_is_a_programming_error() -> None:
    """Slip: the check for missing faces inverted (None passes, the faces found are refused)."""
    options = ClipOptions(captions="none", padding_us=0, blur_faces=True)
    with pytest.raises(ValueError, match="blur_faces needs the faces found in the clip"):
        clip_plan(_cfr25(), 2_000_000, 2_400_000, "", options, OUT, WORK)
    plan = clip_plan(_cfr25(faces=()), 2_000_000, 2_400_000, "", options, OUT, WORK)
    assert "overlay" not in _graph(plan)  # none found: nothing to blur


def test_faces_found_are_blurred_only_when_asked() -> None:
    """Slips: the faces dropped (``faces and ()``), or blurred when face blurring is off (the
    condition inverted). The face's 64 x 48 box at (128, 96) in 320 x 240 is blurred on the clip's
    frames (all 11 here), so its branch is cropped there and overlaid there."""
    on = ClipOptions(captions="none", padding_us=0, blur_faces=True)
    plan = clip_plan(_cfr25(faces=FACE), 2_000_000, 2_400_000, "", on, OUT, WORK)
    graph = _graph(plan)
    assert graph.count("overlay=") == 1 and "[bzs1]trim=start_frame=0:end_frame=11,crop=" in graph
    off = ClipOptions(captions="none", padding_us=0)
    plan = clip_plan(_cfr25(faces=FACE), 2_000_000, 2_400_000, "", off, OUT, WORK)
    assert "overlay" not in _graph(plan) and "crop" not in _graph(plan)


def test_a_fixed_blur_area_is_blurred_with_no_faces() -> None:
    """Slips: ``options.blur or faces`` made ``not options.blur or faces`` or ``options.blur and
    faces`` (an area to blur, and no faces: nothing blurred). The left half of 320 x 240 is the
    box 160 x 240 at (0, 0)."""
    options = ClipOptions(captions="none", padding_us=0, blur=(Region(0.0, 0.0, 0.5, 1.0),))
    graph = _graph(clip_plan(_cfr25(), 2_000_000, 2_400_000, "", options, OUT, WORK))
    assert "trim=end_frame=11,split=2[bz0][bzs1];[bzs1]crop=160:240:0:0," in graph
    assert "[bz0][bzp1]overlay=0:0:eof_action=pass,format=yuv420p[v]" in graph


def test_soft_captions_need_text_and_get_a_sidecar() -> None:
    """Slips: ``captions != "none"`` made ``captions < "none"`` ("soft" sorts after "none": an empty
    soft caption passes, and soft captions lose their WebVTT sidecar)."""
    with pytest.raises(BadInput) as caught:
        clip_plan(_cfr25(), 2_000_000, 2_400_000, "  ", ClipOptions(captions="soft"), OUT, WORK)
    assert str(caught.value) == (
        "This moment has no caption to show: write one, or export the clip without captions."
    )
    plan = clip_plan(_cfr25(), 2_000_000, 2_400_000, "Hi", ClipOptions(captions="soft"), OUT, WORK)
    assert list(plan.sidecars) == [OUT.with_suffix(".vtt")]


def test_marks_show_on_the_held_frame_and_its_copies_only() -> None:
    """Slips: the marks' first frame taken from the hold (``freeze[1]``/``freeze[-1]``), or their
    frame count not ``hold + 1`` (- 1, * 1, / 1, // 1, % 1, + 2, + 0).

    Clip 1.00 s .. 3.04 s at 25 fps (frame 25 first); the freeze frame 75 (3.00 s) is slot 50,
    held 0.2 s x 25 = 5 more slots: the marks show on slots 50..55, from (50 - 1/2)/25 = 1.98 s to
    (50 + 6 - 1/2)/25 = 2.22 s."""
    options = ClipOptions(
        captions="none", freeze_at_us=3_000_000, freeze_s=0.2, marks=(Mark("circle", 0.5, 0.5, 0.6, 0.5),)
    )
    plan = clip_plan(_cfr25(), 2_000_000, 2_000_000, "", options, OUT, WORK)
    (document,) = plan.temp_files.values()
    events = [line for line in document.splitlines() if line.startswith("Dialogue:")]
    assert len(events) == 1 and events[0].startswith("Dialogue: 0,0:00:01.98,0:00:02.22,Marks,")


# --- clip_plan with a layout of angles: sound, sources, chains, cell checks --------------------

SIDE_BY_SIDE = Layout("side-by-side")


def _layout_plan(options: ClipOptions, angles: list[AngleSource], end_us: int = 2_400_000) -> ExportPlan:
    """Frames 50..60 (2.00 s .. 2.44 s) of the main recording: 11 slots at 25 fps."""
    return clip_plan(_cfr25(), 2_000_000, end_us, "Hi", options, OUT, WORK, angles=angles)


def test_a_layout_is_heard_only_when_its_angle_has_sound_and_it_is_not_muted() -> None:
    """Slips: a layout's ``has_audio and not mute`` made ``has_audio and mute`` (heard only when
    muted) or ``has_audio or not mute`` (a silent angle gets a sound track to read)."""
    heard = _layout_plan(
        ClipOptions(captions="none", padding_us=0, layout=SIDE_BY_SIDE), _angles((SIDE, 0, True))
    )
    assert heard.audio and heard.argv[heard.argv.index("[v]") + 1 : heard.argv.index("[v]") + 3] == [
        "-map",
        "[a]",
    ]
    muted = ClipOptions(captions="none", padding_us=0, mute=True, layout=SIDE_BY_SIDE)
    plan = _layout_plan(muted, _angles((SIDE, 0, True)))
    assert not plan.audio and "-an" in plan.argv and ":a:0]" not in _graph(plan)
    silent = ClipOptions(captions="none", padding_us=0, layout=SIDE_BY_SIDE)
    plan = _layout_plan(silent, _angles((SIDE, 0, True), main_audio=False))
    assert not plan.audio and "-an" in plan.argv and ":a:0]" not in _graph(plan)


def test_a_layout_names_every_recording_it_reads_and_a_clip_none() -> None:
    """Slip: ``sources`` given for a single clip instead of a layout (the condition inverted)."""
    plan = _layout_plan(
        ClipOptions(captions="none", padding_us=0, layout=SIDE_BY_SIDE),
        _angles((SIDE, 0, True), (THIRD, 0, True)),
    )
    assert plan.sources == (MAIN, SIDE, THIRD)
    single = clip_plan(_cfr25(), 2_000_000, 2_400_000, "", ClipOptions(captions="none"), OUT, WORK)
    assert single.sources == ()


def test_every_chain_of_a_layout_is_kept_in_order_and_the_last_continued() -> None:
    """Slips: the layout's chains sliced short (``[:1]``, ``[:+1]``, ``[:-2]``, ``[:0]``...) or the
    continued chain taken from another place than the last (``[1]``, ``[-2]``, ``[0]``).

    Three angles in a 2 x 2 grid: a chain for each of the three cells, one for the dark fourth cell,
    the stack of the four (continued with the caption and the output label), then the sound."""
    plan = _layout_plan(
        ClipOptions(padding_us=0, layout=SIDE_BY_SIDE), _angles((SIDE, 0, True), (THIRD, 0, True))
    )
    chains = _chains(plan)
    assert [c[:7] for c in chains] == ["[0:v:0]", "[1:v:0]", "[2:v:0]", "color=c", "[cell0]", "[0:a:0]"]
    assert chains[0].endswith("[cell0]") and chains[1].endswith("[cell1]") and chains[2].endswith("[cell2]")
    assert chains[3].endswith("[empty0]")
    assert chains[4].startswith(
        "[cell0][cell1][cell2][empty0]xstack=inputs=4:layout=0_0|320_0|0_240|320_240:"
    )
    assert chains[4].endswith(
        f",ass=filename=/lib/tmp/F001-2024-05-01-01.{PID}.caption.ass,format=yuv420p[v]"
    )


def test_cell_checks_leave_out_the_rows_a_burned_caption_may_cover() -> None:
    """Slips: the caption's top not 7/10 of the picture's height (any other operator or figure),
    the rows counted from the picture's top instead of the cell's (``caption_top + y``, ``* y``,
    ``/ y``, ``// y``, ``% y``), a check left unchanged when burned or changed when not, and the
    default ``rows`` not 0 (every row).

    A 2 x 2 grid of 320 x 240 cells is 640 x 480: the caption may start at 480 x 7 / 10 = 336. A
    top cell (y = 0) keeps min(240, 336) = 240 rows; a bottom one (y = 240) 336 - 240 = 96 (more
    than a quarter, 60). Slots 0, 5 and 10 are checked (first, middle, last); the main only at 0."""
    angles = _angles((SIDE, 0, True), (THIRD, 0, True))
    plan = _layout_plan(ClipOptions(padding_us=0, layout=SIDE_BY_SIDE), angles)
    found = [(c.output_frame, c.name, c.x, c.y, c.rows) for c in plan.checks]
    assert found == [
        (0, "recording 1", 0, 0, 240), (0, "recording 2", 320, 0, 240), (0, "recording 3", 0, 240, 96),
        (5, "recording 2", 320, 0, 240), (5, "recording 3", 0, 240, 96),
        (10, "recording 2", 320, 0, 240), (10, "recording 3", 0, 240, 96),
    ]  # fmt: skip
    # Rows slice the decoded picture (verify): a fraction would not do.
    assert all(type(c.rows) is int for c in plan.checks)
    plain = _layout_plan(ClipOptions(captions="none", padding_us=0, layout=SIDE_BY_SIDE), angles)
    assert [c.rows for c in plain.checks] == [0] * 7


def test_a_cell_below_the_caption_top_keeps_its_upper_quarter() -> None:
    """Slips: the quarter of a cell always compared not ``h // 4`` (``+ 4``, ``- 4``, ``* 4``, ``/ 4``,
    ``% 4``, ``// 5``, ``// 3``).

    Picture in picture, bottom right, 320 x 240: the small picture is 30 % of the width, 96 x 72,
    inside a 2-pixel border (its box 100 x 76), 3 % of the width (9.6, evened down to 8) from the
    edges: the box at (320 - 8 - 100, 240 - 8 - 76) = (212, 156), the picture inside the border at
    (214, 158). The caption may start at 240 x 7 / 10 = 168, 10 rows into the cell: fewer than a
    quarter of 72 (18), so 18 rows are compared. The large (main) picture keeps
    168 rows."""
    options = ClipOptions(padding_us=0, layout=Layout("pip", corner="bottom-right"))
    plan = _layout_plan(options, _angles((SIDE, 0, True)))
    found = [(c.output_frame, c.name, c.x, c.y, c.w, c.h, c.rows) for c in plan.checks]
    assert found == [
        (0, "recording 1", 0, 0, 320, 240, 168), (0, "recording 2", 214, 158, 96, 72, 18),
        (5, "recording 2", 214, 158, 96, 72, 18), (10, "recording 2", 214, 158, 96, 72, 18),
    ]  # fmt: skip
    assert all(type(c.rows) is int for c in plan.checks)


def test_cell_checks_stop_at_the_freeze() -> None:
    """Slips: the checks kept before a freeze compared with another operator than ``<=``, with the
    hold (``freeze[1]``, ``freeze[-1]``) instead of the freeze's slot, or every check dropped when
    there is no freeze (``and``) or kept only then (``is not None``).

    Slots 0, 5 and 10 are checked; the freeze frame 55 (2.20 s) shows at slot 5, held 0.4 s x 25 =
    10 more slots: the checks at 0 and 5 are kept, the one at 10 (after the held frames) is not."""
    angles = _angles((SIDE, 0, True))
    options = ClipOptions(
        captions="none", padding_us=0, layout=SIDE_BY_SIDE, freeze_at_us=2_200_000, freeze_s=0.4
    )
    plan = _layout_plan(options, angles)
    assert [(c.output_frame, c.name) for c in plan.checks] == [
        (0, "recording 1"), (0, "recording 2"), (5, "recording 2"),
    ]  # fmt: skip
    none = _layout_plan(ClipOptions(captions="none", padding_us=0, layout=SIDE_BY_SIDE), angles)
    assert [c.output_frame for c in none.checks] == [0, 0, 5, 10]


# --- freeze, cut and sound ---------------------------------------------------------------------

AUDIO_TAIL = "aresample=48000:first_pts=0,aformat=sample_fmts=fltp:channel_layouts=stereo,"


def _freeze(at_us: int, seconds: float) -> ClipOptions:
    return ClipOptions(captions="none", padding_us=0, freeze_at_us=at_us, freeze_s=seconds)


def test_the_freeze_frame_may_be_the_clips_first_but_not_past_its_end() -> None:
    """Slips: the clip's bounds for the frame to hold made ``start < at`` or ``start != at`` (its
    first frame refused) or ``at <= stop`` (the instant the clip ends accepted).

    Frames 50..60: 2.00 s to 2.44 s."""
    plan = clip_plan(_cfr25(), 2_000_000, 2_400_000, "", _freeze(2_000_000, 0.2), OUT, WORK)
    assert plan.expected_frames == 11 + 5
    with pytest.raises(BadInput) as caught:
        clip_plan(_cfr25(), 2_000_000, 2_400_000, "", _freeze(2_440_000, 0.2), OUT, WORK)
    assert str(caught.value) == (
        "The frame to hold at 00:00:02.440 is outside the clip, which runs from 00:00:02.000 to 00:00:02.440."
    )


def test_a_freeze_too_short_for_a_frame_still_holds_one() -> None:
    """Slips: the least hold made 2 or 0 frames. 0.01 s x 25 = 0.25 -> 0 frames, so 1: 11 + 1."""
    plan = clip_plan(_cfr25(), 2_000_000, 2_400_000, "", _freeze(2_200_000, 0.01), OUT, WORK)
    assert (plan.expected_frames, plan.expected_duration_us) == (12, 480_000)


def test_a_freeze_on_the_last_frame_is_a_plain_hold_and_before_it_a_split() -> None:
    """Slips: the test for frames after the freeze frame (``at + 1 < slots``) made ``at - 1``,
    ``at * 1``, ``at / 1``, ``at // 1``, ``at % 1``, ``<=``, ``at + 2`` or ``at + 0``.

    Frames 50..60 (11 slots), held 0.5 s x 25 = 12.5 -> 13 slots. On the last frame (2.40 s, slot
    10) nothing follows it: the clip is held at its end. On the one before (2.36 s, slot 9) the
    clip is split after slot 9 and the last slot follows the held frames."""
    cut = (
        "[0:v:0]trim=start=1.980000:end=2.460000,setpts=PTS-STARTPTS,scale=320:240,setsar=1,"
        "fps=25:eof_action=pass,tpad=stop_mode=clone:stop=1,trim=end_frame=11[clip]"
    )
    last = clip_plan(_cfr25(), 2_000_000, 2_400_000, "", _freeze(2_400_000, 0.5), OUT, WORK)
    assert _chains(last)[:2] == [cut, "[clip]tpad=stop_mode=clone:stop=13,setpts=N/(25*TB),format=yuv420p[v]"]
    before = clip_plan(_cfr25(), 2_000_000, 2_400_000, "", _freeze(2_360_000, 0.5), OUT, WORK)
    assert _chains(before)[:5] == [
        cut,
        "[clip]split=2[upto][after]",
        "[upto]trim=end_frame=10,tpad=stop_mode=clone:stop=13[held]",
        "[after]trim=start_frame=10,setpts=PTS-STARTPTS[rest]",
        "[held][rest]concat=n=2:v=1:a=0,setpts=N/(25*TB),format=yuv420p[v]",
    ]
    assert last.expected_frames == before.expected_frames == 24


def test_a_one_frame_clip_from_the_second_frame() -> None:
    """Slips: the start trim only from frame 2 on (``first > 1``: frame 0 would come through too),
    and the tail slots made ``slots % slot`` (a one-frame clip: its last frame's slot is 0).

    Frame 1 (0.04 s) alone: cut from halfway after frame 0 (0.02 s) to halfway before frame 3
    (0.10 s: frame 2 let through); 1 slot, its frame filling 1 - 0 = 1 slot at the end."""
    plan = clip_plan(_cfr25(), 40_000, 40_000, "", ClipOptions(captions="none", padding_us=0), OUT, WORK)
    assert _chains(plan)[0] == (
        "[0:v:0]trim=start=0.020000:end=0.100000,setpts=PTS-STARTPTS,scale=320:240,setsar=1,"
        "fps=25:eof_action=pass,tpad=stop_mode=clone:stop=1,trim=end_frame=1,format=yuv420p[v]"
    )
    assert plan.expected_frames == 1


def test_the_tail_of_a_two_frame_clip() -> None:
    """Slip: the tail slots made ``slots % slot``: frames 0..1, 2 slots, the last at slot 1: 2 - 1 =
    1 (not 2 % 1 = 0). Frame 0 is the recording's first: no start trim, none of the decoder's seek."""
    plan = clip_plan(
        _cfr25(), 0, 40_000, "", ClipOptions(captions="none", padding_us=0, mute=True), OUT, WORK
    )
    assert _chains(plan) == [
        "[0:v:0]trim=end=0.100000,setpts=PTS-STARTPTS,scale=320:240,setsar=1,"
        "fps=25:eof_action=pass,tpad=stop_mode=clone:stop=1,trim=end_frame=2,format=yuv420p[v]"
    ]
    assert "-ss" not in plan.argv


def test_sound_from_the_recordings_very_start() -> None:
    """Slips: a start of 0 written in brackets as if negative (``start != 0``, ``> 0``, ``>= 1``), as
    "-0.000000" (``_secs``: ``us == 0``, ``<= 0``, ``< 1``), or the sound cut from 1 µs
    (``max(start, 1)``). Frames 0..10: 11 slots, 11 x 1920 = 21120 samples, cut 0.1 s past 0.44 s."""
    plan = clip_plan(_cfr25(), 0, 400_000, "", ClipOptions(captions="none", padding_us=0), OUT, WORK)
    assert _audio(plan) == [
        "[0:a:0]atrim=start=0.000000:end=0.540000,asetpts=PTS-0.000000/TB,"
        f"{AUDIO_TAIL}apad=whole_len=21120,atrim=end_sample=21120[a]"
    ]


def test_the_sound_of_an_angle_that_began_filming_later_starts_with_silence() -> None:
    """Slips: a start 1 µs before the file's start not written as negative (``_secs``: ``us < -1``;
    ``start >= -1``) or the cut made from it (``max(start, -1)``).

    Picture in picture of angle 2, whose own zero is 2.000001 s on the main clock: the clip at 2.00 s
    starts 1 µs before angle 2's file does. Its sound (the large angle's) is cut from the file's
    start, and shifted 1 µs later (aresample then fills the first microsecond with silence); 11
    slots: the cut ends 0.44 + 0.1 s after -1 µs. Angle 2 is drawn first, so it is input 0."""
    options = ClipOptions(captions="none", padding_us=0, layout=Layout("pip", angle=2))
    plan = _layout_plan(options, _angles((SIDE, 2_000_001, True)))
    assert plan.sources == (SIDE, MAIN)
    assert _audio(plan) == [
        "[0:a:0]atrim=start=0.000000:end=0.539999,asetpts=PTS-(-0.000001)/TB,"
        f"{AUDIO_TAIL}apad=whole_len=21120,atrim=end_sample=21120[a]"
    ]
    # Began 3 s after the main: the whole clip (2.00 s .. 2.44 s) is before its first sound.
    plan = _layout_plan(options, _angles((SIDE, 3_000_000, True)))
    assert _audio(plan) == [
        "[1:a:0]atrim=start=0.000000:end=-0.460000,asetpts=PTS-(-1.000000)/TB,"
        f"{AUDIO_TAIL}apad=whole_len=21120,atrim=end_sample=21120[a]"
    ]


def test_the_sound_is_silent_while_a_first_frame_is_held() -> None:
    """Slip: the silence under the held frames made ``% before`` instead of ``- before``.

    Freeze on slot 0 (2.00 s) for 0.5 s x 25 = 13 slots: the sound up to slot 0's end is
    1 x 1920 = 1920 samples, then (1 + 13) x 1920 - 1920 = 24960 samples of silence (not
    26880 % 1920 = 0), then the rest; 24 slots in all: 46080 samples."""
    plan = clip_plan(_cfr25(), 2_000_000, 2_400_000, "", _freeze(2_000_000, 0.5), OUT, WORK)
    assert _audio(plan) == [
        "[0:a:0]atrim=start=2.000000:end=2.540000,asetpts=PTS-2.000000/TB,"
        f"{AUDIO_TAIL}apad=whole_len=21120,atrim=end_sample=21120[asrc]",
        "[asrc]asplit=2[apre][apost]",
        "[apre]atrim=end_sample=1920[a1]",
        "anullsrc=r=48000:cl=stereo,atrim=end_sample=24960[a2]",
        "[apost]atrim=start_sample=1920,asetpts=PTS-STARTPTS[a3]",
        "[a1][a2][a3]concat=n=3:v=0:a=1,apad=whole_len=46080,atrim=end_sample=46080[a]",
    ]


def test_the_slow_replay_is_silent() -> None:
    """Slips: the sound's padding to the whole clip only when shorter than once (``total < once``)
    or only with a freeze (``and freeze``): the slow replay would have no sound track under it.

    11 slots once, then twice as many slowed: 33 x 1920 = 63360 samples."""
    options = ClipOptions(captions="none", padding_us=0, slow_replay=True)
    plan = clip_plan(_cfr25(), 2_000_000, 2_400_000, "", options, OUT, WORK)
    assert _audio(plan) == [
        "[0:a:0]atrim=start=2.000000:end=2.540000,asetpts=PTS-2.000000/TB,"
        f"{AUDIO_TAIL}apad=whole_len=21120,atrim=end_sample=21120,apad=whole_len=63360,atrim=end_sample=63360[a]"
    ]


def test_ntsc_rate_and_samples_round_to_nearest() -> None:
    """Slips: the samples in a clip floor-divided (``//``) instead of rounded, and a rate that is
    not whole written as its numerator (``denominator >= 1``).

    A 29.97 fps recording (frame k at k x 1001/30 ms): frames 60..70 are 11 slots at 30000/1001,
    11 x 48000 x 1001 / 30000 = 17617.6 -> 17618 samples (not 17617); 11 x 1001/30 ms = 367033 µs."""
    index = FrameIndex([round(k * Fraction(1_001_000, 30)) for k in range(300)])
    source = ClipSource(MAIN, _media(avg_fps=29.97, frame_count=300), index)
    options = ClipOptions(captions="none", padding_us=0)
    plan = clip_plan(source, 2_002_000, 2_335_667, "", options, OUT, WORK)
    assert (plan.rate, plan.expected_frames) == (Fraction(30000, 1001), 11)
    assert "fps=30000/1001:eof_action=pass" in _chains(plan)[0]
    assert _audio(plan) == [
        "[0:a:0]atrim=start=2.002000:end=2.469033,asetpts=PTS-2.002000/TB,"
        f"{AUDIO_TAIL}apad=whole_len=17618,atrim=end_sample=17618[a]"
    ]


# --- stills --------------------------------------------------------------------------------------


def test_a_still_is_upright_at_every_quarter_turn() -> None:
    """Slips: "turned" made ``rotation - 180 == 90`` (a quarter turn clockwise kept sideways) or
    ``rotation % 180 <= 90`` (an unturned film turned). 320 x 240 stored: upright 320 x 240 at 0 and
    180 degrees, 240 x 320 at 90 and 270."""
    plans = [
        still_plan(_cfr25(rotation=turn), 1_000_000, Path("/s/a.png"), WORK) for turn in (0, 90, 180, 270)
    ]
    sizes = [(plan.width, plan.height) for plan in plans]
    assert sizes == [(320, 240), (240, 320), (320, 240), (240, 320)]


def test_a_still_has_no_duration_no_sound_and_no_subtitles() -> None:
    """Slips: a still's expected duration made 1 or -1 µs, and a plan's defaults made to claim a
    sound track or a subtitle track (``audio``/``subtitles`` True) that a PNG cannot have."""
    plan = still_plan(_cfr25(), 1_000_000, Path("/s/a.png"), WORK)
    assert (plan.expected_duration_us, plan.expected_frames, plan.audio, plan.subtitles) == (
        0,
        1,
        False,
        False,
    )


def test_a_plan_and_its_parts_cannot_be_changed_once_decided() -> None:
    """Slips: ``frozen=True`` dropped from ClipSource, ExportPlan, CellCheck, AudioCut, LayoutGraph or
    StillAction: verification checks the plan that ran, so nothing may alter it in between."""
    plan = _layout_plan(
        ClipOptions(captions="none", padding_us=0, layout=SIDE_BY_SIDE), _angles((SIDE, 0, True))
    )
    still = still_plan(_cfr25(), 1_000_000, Path("/s/a.png"), WORK)
    from vfeedback.export.layout import layout_graph

    assert plan.span is not None and plan.rate is not None
    drawn = layout_graph(SIDE_BY_SIDE, _angles((SIDE, 0, True)), plan.span, plan.rate, 11, None)
    for thing, name in (
        (_cfr25(), "path"), (plan, "argv"), (plan.checks[0], "frame"), (drawn.sound, "start_us"),
        (drawn, "width"), (still.action, "frame"),
    ):  # fmt: skip
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(thing, name, None)


# A warm decoder is used when it gives the still's own full-size upright picture, and only then
# (real files: StillAction decodes; generated once, kept through a mutation run).


Picture = np.ndarray[Any, Any]


def _png(path: Path) -> Picture:
    stored = cv2.imread(str(path))
    assert stored is not None, path
    picture: Picture = cv2.cvtColor(stored, cv2.COLOR_BGR2RGB)
    return picture


@cache
def _known(path: Path) -> tuple[MediaInfo, FrameIndex]:
    return probe(path), build_frame_index(path)


def _warm_still(
    media: MediaSet, tmp_path: Path, kind: str, rotation: int | None = None, **decoder: object
) -> tuple[Picture, Picture]:
    """The still of frame 10 made with a decoder warmed on that frame (opened with ``rotation``,
    the recording's own when None), from a copy of the recording deleted once the decoder is warm:
    a still that opens the file itself fails. Returns (the still, the warm decoder's picture)."""
    copy = tmp_path / f"copy-{kind}.mp4"
    copy.write_bytes(media[kind].read_bytes())
    info, index = _known(media[kind])
    source = ClipSource(copy, info, index)
    turn = info.rotation if rotation is None else rotation
    with FrameDecoder(copy, index, turn, **decoder) as warm:  # type: ignore[arg-type]
        want = warm.frame(10).image
        plan = still_plan(source, index.time_of(10), tmp_path / "x.png", tmp_path, decoder=warm)
        copy.unlink()
        assert plan.action is not None
        plan.action(tmp_path / "x.png", None)
    return _png(tmp_path / "x.png"), want


def test_a_still_without_a_decoder_opens_the_recording(media: MediaSet, tmp_path: Path) -> None:
    """Slips: the warm decoder asked for even when there is none (``decoder is None``), or the
    recording not opened when no picture is at hand (``picture is not None``)."""
    source = ClipSource(media["cfr25"], *_known(media["cfr25"]))
    plan = still_plan(source, source.index.time_of(10), tmp_path / "x.png", tmp_path)
    assert plan.action is not None
    plan.action(tmp_path / "x.png", None)
    assert read_frame_number(_png(tmp_path / "x.png")) == 10


def test_a_warm_full_size_decoder_is_used(media: MediaSet, tmp_path: Path) -> None:
    """Slips: the decoder's picture size compared wrongly (``shape[1::1]``, ``[1::-2]``, ``[2::-1]``,
    ``[0::-1]``, ``[1::0]``: never the still's width and height), or the recording opened again even
    though the warm picture is right (``picture is not None``): here the file is gone by then."""
    got, want = _warm_still(media, tmp_path, "cfr25")
    assert got.shape == want.shape == (240, 320, 3) and np.array_equal(got, want)


def test_a_screen_sized_or_sideways_decoder_is_not_trusted(media: MediaSet, tmp_path: Path) -> None:
    """Slips: a decoder's picture trusted when its size is not the still's (``!=``, ``<``, ``<=``,
    ``>``, ``>=``): one scaled for the screen (160 x 120, smaller), or one opened without the
    recording's quarter turn (320 x 240 against the upright 240 x 320: larger across). The file is
    gone, so the still cannot be made: it is refused rather than made from the wrong picture."""
    with pytest.raises(BadInput) as caught:
        _warm_still(media, tmp_path, "cfr25", max_size=(160, 120))
    assert str(caught.value) == "The file 'copy-cfr25.mp4' does not exist."
    with pytest.raises(BadInput) as caught:
        _warm_still(media, tmp_path, "rotated_mov", rotation=0)
    assert str(caught.value) == "The file 'copy-rotated_mov.mp4' does not exist."
    assert list(tmp_path.iterdir()) == []  # no still written from the wrong picture


def test_a_freeze_on_a_last_frame_that_has_no_slot_of_its_own_holds_the_end() -> None:
    """Slip: ``at + 1 < slots`` made ``at + 1 != slots``. In a broken file whose last frame starts
    1 µs after the one before, that frame shares the clip's end: frames 240..249 (9.60 s ..
    9.920002 s) are 10 slots at 30 fps (the ladder's slowest rate, which drops only that frame), and
    the last frame's slot is round(0.320001 x 30) = 10, past the last slot (9). Held 0.2 s x 30 = 6
    slots, at the clip's end: there is nothing after it to split off."""
    times = [k * 40_000 for k in range(249)] + [248 * 40_000 + 1]
    source = ClipSource(MAIN, _media(), FrameIndex(times))
    options = _freeze(times[-1], 0.2)
    plan = clip_plan(source, 9_600_000, times[-1], "", options, OUT, WORK)
    assert (plan.rate, plan.expected_frames) == (Fraction(30), 10 + 6)
    assert _chains(plan)[1] == "[clip]tpad=stop_mode=clone:stop=6,setpts=N/(30*TB),format=yuv420p[v]"
