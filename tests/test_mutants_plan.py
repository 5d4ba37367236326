"""Killers of the mutants of ``export/plan.py`` that ``tests/test_export_plan.py`` let through (make
mutation, issue 17). Plan level only: recordings are described by hand (MediaInfo + FrameIndex), no
media and no ffmpeg. Each expected value is worked out by hand in the test; each docstring names the
slip it catches.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex
from vfeedback.core.marks import Mark
from vfeedback.core.media_info import MediaInfo
from vfeedback.export.blur import Region
from vfeedback.export.layout import AngleSource
from vfeedback.export.options import ClipOptions, Layout
from vfeedback.export.plan import ClipSource, ExportPlan, clip_plan, output_size
from vfeedback.media.faces import FaceSample

PID = os.getpid()
OUT = Path("/lib/clips/F001-2024-05-01-01.mp4")
WORK = Path("/lib/tmp")
MAIN = Path("/data/F001/rec.mp4")
SIDE = Path("/data/F001/side.mp4")
THIRD = Path("/data/F001/third.mp4")


def _media(**changes: object) -> MediaInfo:
    info: dict[str, object] = dict(
        container="mp4", duration_us=10_000_000, video_codec="h264", width=320, height=240,
        rotation=0, display_width=320, display_height=240, avg_fps=25.0, variable_frame_rate=False,
        frame_count=250, start_time_us=0, has_audio=True, audio_codec="aac",
        audio_sample_rate=48_000, audio_channels=1,
    )  # fmt: skip
    info.update(changes)
    return MediaInfo(**info)  # type: ignore[arg-type]


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
