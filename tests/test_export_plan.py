"""Export plans are pure: the exact ffmpeg argv, caption files, options and frame-rate rules.

No media and no ffmpeg here: recordings are described by hand (MediaInfo + FrameIndex).
"""

from __future__ import annotations

import inspect
import os
import re
from fractions import Fraction
from pathlib import Path

import pytest

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex
from vfeedback.core.media_info import MediaInfo
from vfeedback.core.text import clean_caption
from vfeedback.export import captions as cap
from vfeedback.export.options import ClipOptions
from vfeedback.export.plan import ClipSource, _filter_value, clip_plan, output_size, still_plan
from vfeedback.export.timing import clip_span, drops, output_rate, slot_count

PID = os.getpid()
OUT = Path("/lib/clips/F001-2024-05-01-01.mp4")
WORK = Path("/lib/tmp")
HEAD = ["ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-v", "error", "-y",
        "-progress", "pipe:1", "-copyts"]  # fmt: skip
TAIL = ["-fps_mode", "passthrough", "-movflags", "+faststart", "-f", "mp4",
        f"file:/lib/clips/.F001-2024-05-01-01.mp4.{PID}.part"]  # fmt: skip
STRIP = ["-map_metadata", "-1", "-map_chapters", "-1"]
# The decoder starts at the keyframe before the first frame's own timestamp; the trim cuts.
SEEK = ["-noaccurate_seek", "-seek_timestamp", "1", "-ss"]


def _media(**changes: object) -> MediaInfo:
    info: dict[str, object] = dict(
        container="mp4", duration_us=10_000_000, video_codec="h264", width=320, height=240,
        rotation=0, display_width=320, display_height=240, avg_fps=25.0, variable_frame_rate=False,
        frame_count=250, start_time_us=0, has_audio=True, audio_codec="aac",
        audio_sample_rate=48_000, audio_channels=1,
    )  # fmt: skip
    info.update(changes)
    return MediaInfo(**info)  # type: ignore[arg-type]


def _cfr25(**changes: object) -> ClipSource:
    return ClipSource(
        Path("/data/F001/rec.mp4"), _media(**changes), FrameIndex([k * 40_000 for k in range(250)])
    )


def _graph(argv: list[str]) -> str:
    return argv[argv.index("-filter_complex") + 1]


# --- exact argv --------------------------------------------------------------------------------


def test_default_clip_argv_burns_the_caption_with_one_second_of_padding() -> None:
    plan = clip_plan(_cfr25(), 2_000_000, 4_000_000, "Look at you two", ClipOptions(), OUT, WORK)
    ass = f"/lib/tmp/F001-2024-05-01-01.{PID}.caption.ass"
    # Frames 25 (1.00 s) to 125 (5.00 s): 1 s before the moment's first frame (2.00 s) and 1 s after
    # the end of its last (4.00 s, ending 4.04 s). 101 frames at the source's own 25 fps.
    assert plan.argv == [
        *HEAD,
        *SEEK, "1.000000", "-i", "file:/data/F001/rec.mp4",
        "-filter_complex",
        "[0:v:0]trim=start=0.980000:end=5.060000,setpts=PTS-STARTPTS,scale=320:240,setsar=1,"
        "fps=25:eof_action=pass,tpad=stop_mode=clone:stop=1,trim=end_frame=101,"
        f"ass=filename={ass},format=yuv420p[v];"
        "[0:a:0]atrim=start=1.000000:end=5.140000,asetpts=PTS-1.000000/TB,"
        "aresample=48000:first_pts=0,aformat=sample_fmts=fltp:channel_layouts=stereo,"
        "apad=whole_len=193920,atrim=end_sample=193920[a]",
        "-map", "[v]", "-map", "[a]", "-sn", "-dn", *STRIP,
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "128k",
        *TAIL,
    ]  # fmt: skip
    assert (plan.span and (plan.span.first, plan.span.last)) == (25, 125)
    assert (plan.expected_frames, plan.expected_duration_us, plan.rate) == (101, 4_040_000, Fraction(25))
    assert (plan.width, plan.height, plan.audio, plan.subtitles, plan.kind) == (320, 240, True, False, "clip")
    assert list(plan.temp_files) == [Path(ass)]
    assert list(plan.sidecars) == [OUT.with_suffix(".vtt")]
    assert plan.part == Path(f"/lib/clips/.F001-2024-05-01-01.mp4.{PID}.part")


def test_muted_small_clip_without_captions_or_padding() -> None:
    options = ClipOptions(captions="none", mute=True, max_height=144, quality="small", padding_us=0)
    plan = clip_plan(_cfr25(), 2_000_000, 4_000_000, "unused", options, OUT, WORK)
    assert plan.argv == [
        *HEAD,
        *SEEK, "2.000000", "-i", "file:/data/F001/rec.mp4",
        "-filter_complex",
        "[0:v:0]trim=start=1.980000:end=4.060000,setpts=PTS-STARTPTS,scale=192:144,setsar=1,"
        "fps=25:eof_action=pass,tpad=stop_mode=clone:stop=1,trim=end_frame=51,format=yuv420p[v]",
        "-map", "[v]", "-an", "-sn", "-dn", *STRIP,
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-pix_fmt", "yuv420p",
        *TAIL,
    ]  # fmt: skip
    assert plan.sidecars == {} and plan.temp_files == {} and not plan.audio


def test_soft_subtitles_slow_replay_and_freeze_in_one_pass() -> None:
    options = ClipOptions(
        captions="soft", slow_replay=True, freeze_at_us=3_000_000, freeze_s=0.5, padding_us=500_000
    )
    plan = clip_plan(_cfr25(), 2_000_000, 4_000_000, "Hi", options, OUT, WORK)
    track = f"file:/lib/tmp/F001-2024-05-01-01.{PID}.track.caption.ass"
    # Frames 37..113 (77 slots); the freeze frame 75 (3.00 s) first shows at slot 38 and is held
    # 0.5 s x 25 = 12.5 -> 13 more slots; the slow replay is 2 x 77 slots: 77 + 13 + 154 = 244.
    assert plan.argv == [
        *HEAD,
        *SEEK, "1.480000", "-i", "file:/data/F001/rec.mp4", "-f", "ass", "-i", track,
        "-filter_complex",
        "[0:v:0]trim=start=1.460000:end=4.580000,setpts=PTS-STARTPTS,scale=320:240,setsar=1,"
        "fps=25:eof_action=pass,tpad=stop_mode=clone:stop=1,trim=end_frame=77[clip];"
        "[clip]split=2[once][twice];"
        "[twice]setpts=2*PTS,fps=25:eof_action=pass,tpad=stop_mode=clone:stop=2,trim=end_frame=154[slow];"
        "[once]split=2[upto][after];"
        "[upto]trim=end_frame=39,tpad=stop_mode=clone:stop=13[held];"
        "[after]trim=start_frame=39,setpts=PTS-STARTPTS[rest];"
        "[held][rest]concat=n=2:v=1:a=0,setpts=N/(25*TB)[main];"
        "[main][slow]concat=n=2:v=1:a=0,setpts=N/(25*TB),format=yuv420p[v];"
        "[0:a:0]atrim=start=1.480000:end=4.660000,asetpts=PTS-1.480000/TB,"
        "aresample=48000:first_pts=0,aformat=sample_fmts=fltp:channel_layouts=stereo,"
        "apad=whole_len=147840,atrim=end_sample=147840[asrc];"
        "[asrc]asplit=2[apre][apost];"
        "[apre]atrim=end_sample=74880[a1];"
        "anullsrc=r=48000:cl=stereo,atrim=end_sample=24960[a2];"
        "[apost]atrim=start_sample=74880,asetpts=PTS-STARTPTS[a3];"
        "[a1][a2][a3]concat=n=3:v=0:a=1,apad=whole_len=468480,atrim=end_sample=468480[a]",
        "-map", "[v]", "-map", "[a]", "-map", "1:0", "-dn", *STRIP,
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "128k", "-c:s", "mov_text", "-disposition:s:0", "default",
        *TAIL,
    ]  # fmt: skip
    assert (plan.expected_frames, plan.expected_duration_us) == (244, 9_760_000)
    assert plan.subtitles and list(plan.temp_files) == [Path(track.removeprefix("file:"))]


def test_both_burns_and_adds_a_track() -> None:
    plan = clip_plan(_cfr25(), 2_000_000, 4_000_000, "Hi", ClipOptions(captions="both"), OUT, WORK)
    argv = plan.argv
    assert ",ass=filename=" in _graph(argv) and argv[argv.index("1:0") - 1] == "-map"
    assert sorted(p.name for p in plan.temp_files) == [
        f"F001-2024-05-01-01.{PID}.caption.ass",
        f"F001-2024-05-01-01.{PID}.track.caption.ass",
    ]
    assert list(plan.sidecars) == [OUT.with_suffix(".vtt")]


def test_a_file_without_an_index_is_decoded_from_its_start() -> None:
    source = _cfr25(container="mpegts", start_time_us=1_480_000)
    plan = clip_plan(source, 2_000_000, 4_000_000, "", ClipOptions(captions="none", padding_us=0), OUT, WORK)
    assert "-ss" not in plan.argv
    # Filters see the file's own clock, which starts 1.48 s in.
    assert _graph(plan.argv).startswith("[0:v:0]trim=start=3.460000:end=5.540000,")
    assert "atrim=start=3.480000:" in _graph(plan.argv)


def test_a_clip_from_the_first_frame_has_no_seek_and_no_start_trim() -> None:
    plan = clip_plan(_cfr25(), 0, 1_000_000, "", ClipOptions(captions="none", padding_us=0), OUT, WORK)
    assert "-ss" not in plan.argv
    assert _graph(plan.argv).startswith("[0:v:0]trim=end=1.060000,setpts=PTS-STARTPTS,")


def test_rotated_portrait_source_gives_an_upright_picture_and_max_height_limits_the_short_side() -> None:
    source = _cfr25(width=1920, height=1080, rotation=90, display_width=1080, display_height=1920)
    plan = clip_plan(source, 0, 1_000_000, "", ClipOptions(captions="none", max_height=720), OUT, WORK)
    assert (plan.width, plan.height) == (720, 1280)
    assert ",scale=720:1280,setsar=1," in _graph(plan.argv)
    assert "-noautorotate" not in plan.argv  # ffmpeg turns the picture upright itself


def test_output_size_is_even_and_never_enlarged() -> None:
    assert output_size(_media(display_width=321, display_height=241), None) == (322, 242)
    assert output_size(_media(), 1080) == (320, 240)
    assert output_size(_media(display_width=1280, display_height=720), 480) == (854, 480)


def test_the_plan_takes_caption_text_only() -> None:
    """Nothing shaped like a moment (with its private note) can be handed to a plan."""
    params = inspect.signature(clip_plan).parameters
    assert list(params) == [
        "source", "start_us", "end_us", "caption", "options", "out", "workdir", "ffmpeg", "angles"
    ]  # fmt: skip
    assert "note" not in " ".join(params) and "moment" not in " ".join(params)
    # An angle is a recording, its file and its offset: nothing of a moment.
    from dataclasses import fields

    from vfeedback.export.layout import AngleSource

    assert [f.name for f in fields(AngleSource)] == ["recording_id", "source", "offset_us", "is_main"]


def test_argv_never_carries_the_caption() -> None:
    plan = clip_plan(
        _cfr25(), 2_000_000, 4_000_000, "A caption: 'x'", ClipOptions(captions="both"), OUT, WORK
    )
    assert "caption: 'x'" not in " ".join(plan.argv)


def test_nonsense_spans_are_refused_in_one_sentence() -> None:
    source = _cfr25()
    for start, end in ((4_000_000, 2_000_000), (-1, 1_000_000), (0, 10_000_000), (12_000_000, 13_000_000)):
        with pytest.raises(BadInput) as caught:
            clip_plan(source, start, end, "x", ClipOptions(), OUT, WORK)
        assert str(caught.value).endswith(".") and "\n" not in str(caught.value)
    options = ClipOptions(freeze_at_us=8_000_000, freeze_s=1)
    with pytest.raises(BadInput, match="outside the clip"):
        clip_plan(source, 2_000_000, 4_000_000, "x", options, OUT, WORK)
    with pytest.raises(BadInput, match="no caption"):
        clip_plan(source, 2_000_000, 4_000_000, " \n\t ", ClipOptions(), OUT, WORK)


def test_still_plan_is_an_action_at_full_upright_resolution() -> None:
    source = _cfr25(width=1920, height=1080, rotation=270, display_width=1080, display_height=1920)
    plan = still_plan(source, 1_010_000, Path("/lib/stills/F001-01.png"), WORK)
    assert (plan.kind, plan.argv, plan.expected_frames) == ("still", [], 1)
    assert (plan.width, plan.height) == (1080, 1920)
    assert plan.action is not None and plan.action.frame == 25  # type: ignore[attr-defined]
    assert plan.part == Path(f"/lib/stills/.F001-01.png.{PID}.part")
    with pytest.raises(BadInput, match="outside the recording"):
        still_plan(source, 10_000_000, Path("/lib/stills/x.png"), WORK)


# --- frame rate and span rules -----------------------------------------------------------------


def test_padding_is_clamped_to_the_recording() -> None:
    index = FrameIndex([k * 40_000 for k in range(250)])
    start = clip_span(index, 200_000, 400_000, 1_000_000)
    assert (start.first, start.last, start.start_us, start.stop_us) == (0, 35, 0, 1_440_000)
    end = clip_span(index, 9_600_000, 9_960_000, 1_000_000)
    assert (end.first, end.last, end.stop_us) == (215, 249, 10_000_000)


def test_constant_rate_sources_keep_their_rate_one_frame_per_slot() -> None:
    ntsc = FrameIndex([round(k * 1_001_000 / 30) for k in range(300)])
    span = clip_span(ntsc, 0, ntsc.times[-1], 0)
    assert output_rate(ntsc, span) == Fraction(30_000, 1001)
    assert slot_count(Fraction(30_000, 1001), span) == 300
    # 30 fps in a 1/15360 clock: 33333/33334 µs frames are plain 30.
    thirty = FrameIndex([k * 512 * 1_000_000 // 15360 for k in range(90)])
    assert output_rate(thirty, clip_span(thirty, 0, thirty.times[-1], 0)) == 30


def _phone_vfr() -> FrameIndex:
    # 2 s at ~30 fps, then 15 fps, each frame up to 16 ms late (as tests/mediagen.make_vfr).
    return FrameIndex(
        [round(((n / 30 if n < 60 else 2 + (n - 60) / 15) + 0.004 * ((n * 7) % 5)) * 1e6) for n in range(120)]
    )


def test_variable_rate_goes_to_the_common_rate_that_drops_nothing() -> None:
    index = _phone_vfr()
    whole = clip_span(index, 0, index.times[-1], 0)
    rate = output_rate(index, whole)
    assert rate == 30
    offsets = [t for t in index.times] + [index.duration_us]
    assert drops(rate, offsets) == 0
    # A clip inside the 15 fps stretch is still 30 fps, like every clip of this recording.
    assert output_rate(index, clip_span(index, 3_000_000, 5_000_000, 0)) == 30


def test_jitter_that_would_drop_a_frame_moves_the_rate_up() -> None:
    # ~30 fps with two frames 12 ms apart: at 30 fps they round onto the same slot.
    times = [k * 33_333 for k in range(40)]
    times[20] = times[19] + 12_000
    index = FrameIndex(times)
    span = clip_span(index, 0, times[-1], 0)
    assert drops(Fraction(30), [t - times[0] for t in times] + [index.duration_us]) > 0
    rate = output_rate(index, span)
    assert rate > 30 and drops(rate, [*times, index.duration_us]) == 0


# --- options ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"padding_us": -1},
        {"padding_us": 61_000_000},
        {"padding_us": 1.5},
        {"captions": "loud"},
        {"quality": "best"},
        {"freeze_s": -1.0},
        {"freeze_s": float("nan")},
        {"freeze_s": 2.0},
        {"freeze_at_us": 1_000_000},
        {"freeze_at_us": 1_000_000, "freeze_s": 120.0},
        {"max_height": 10},
        {"mute": "yes"},
    ],
)
def test_nonsense_options_are_refused_in_one_sentence(changes: dict[str, object]) -> None:
    with pytest.raises(BadInput) as caught:
        ClipOptions(**changes)  # type: ignore[arg-type]
    message = str(caught.value)
    assert message.endswith(".") and "\n" not in message and message[0].isupper()


def test_key_is_stable_and_changes_with_every_setting() -> None:
    # Pinned: a changed key makes every library re-export clips that are already right.
    assert ClipOptions().key() == ClipOptions().key() == "13c74416fa1c8ddb"
    assert ClipOptions(freeze_at_us=1, freeze_s=2).key() == ClipOptions(freeze_at_us=1, freeze_s=2.0).key()
    variants = [
        ClipOptions(padding_us=0),
        ClipOptions(captions="soft"),
        ClipOptions(slow_replay=True),
        ClipOptions(freeze_at_us=1, freeze_s=1),
        ClipOptions(max_height=720),
        ClipOptions(mute=True),
        ClipOptions(quality="high"),
    ]
    keys = {v.key() for v in variants} | {ClipOptions().key()}
    assert len(keys) == len(variants) + 1
    assert all(re.fullmatch("[0-9a-f]{16}", k) for k in keys)


# --- captions -----------------------------------------------------------------------------------

HOSTILE = 'She\'s "there": 100% \\N {\\b1} C:\\new\nline two 😊 & <b>x</b> --> é'


def test_ass_text_shows_every_character_literally() -> None:
    text = cap.ass_text(HOSTILE)
    # The only commands are ours: the emoji set in the symbol font, then back to the style's font.
    assert text.count("{\\fnSymbola}😊{\\fn}") == 1
    text = text.replace("{\\fnSymbola}😊{\\fn}", "😊")
    # Every backslash is followed by a word joiner (invisible) or escapes a brace: none can start
    # a libass command; the caption's own line break is the only \N.
    assert re.findall(r"\\(?![\u2060{}])", text) == ["\\"]
    assert text.count("\\N") == 1 and "{" not in text.replace("\\{", "")
    assert "😊" in text and "100%" in text and "\n" not in text


def test_ass_document_lays_out_the_caption_inside_the_safe_margins() -> None:
    doc = cap.ass_document("Look how she turns to you", 1280, 720, 4_040_000)
    assert "PlayResX: 1280\nPlayResY: 720\n" in doc
    # 6% of the shorter side, box padding 30% of that; margins 5% plus the padding; bottom centre.
    assert (
        "Style: Caption,DejaVu Sans,43,&H00FFFFFF,&H00FFFFFF,&H58101010,&H00000000,"
        "0,0,0,0,100,100,0,0,3,13,0,2,77,77,49,1\n"
    ) in doc
    assert doc.endswith("Dialogue: 0,0:00:00.00,0:00:04.04,Caption,,0,0,0,,Look how she turns to you\n")


def test_long_captions_shrink_to_three_lines_and_overlong_ones_are_refused() -> None:
    short = cap.caption_layout("You smile, he smiles back", 640, 360)
    long = cap.caption_layout(" ".join(["You waited for him and he came back to you"] * 4), 640, 360)
    assert short.lines == 1 and short.font_size == 22
    assert long.lines <= 3 and long.font_size < short.font_size
    with pytest.raises(BadInput, match="too long"):
        cap.caption_layout("word " * 200, 640, 360)


def test_soft_track_text_has_no_commands_for_ffmpegs_text_encoder() -> None:
    text = cap.soft_text(HOSTILE)
    # ffmpeg's encoder knows \n, \N and {\...}: none may appear but the caption's own line break.
    assert re.findall(r"\\[nN]", text) == ["\\N"] and "{\\" not in text
    assert text.replace("\\N", "\n").replace("\u2060", "") == HOSTILE
    doc = cap.soft_document(HOSTILE, 1_000_000)
    assert doc.splitlines()[-1] == f"Dialogue: 0,0:00:00.00,0:00:01.00,Default,,0,0,0,,{text}"


def test_vtt_escapes_markup_and_keeps_lines() -> None:
    doc = cap.vtt_document(HOSTILE + "\n\n\nlast", 4_040_001)
    assert doc.startswith("WEBVTT\n\n1\n00:00:00.000 --> 00:00:04.041\n")
    body = doc.split("\n", 4)[4]
    assert "&lt;b&gt;x&lt;/b&gt; --&gt; é" in body and "&amp;" in body
    assert "\n\n" not in body.rstrip("\n")  # a blank line would end the cue early
    assert body.rstrip("\n").endswith("\nlast")


def test_clean_caption_drops_control_characters_and_blank_lines() -> None:
    assert clean_caption("  a\tb\r\n\r\n c\x00d\x1b[31m \u2028e ") == "a b\ncd[31m\ne"


def test_filter_values_are_escaped_for_option_and_graph_parsers() -> None:
    assert _filter_value("/tmp/we'ird: [dir], ;x\\y.ass") == (
        "/tmp/we\\\\\\'ird\\\\: \\[dir\\]\\, \\;x\\\\\\\\y.ass"
    )


def test_caption_sidecar_is_written_atomically(tmp_path: Path) -> None:
    path = cap.write_caption_sidecar(tmp_path / "still.txt", "Ta-da!\r\n😊")
    assert path.read_bytes() == "Ta-da!\n😊\n".encode()
    assert [p.name for p in tmp_path.iterdir()] == ["still.txt"]


# --- the end trim at the recording's end (issue 17): every end frame near the end -----------------

NO_PADDING = ClipOptions(captions="none", padding_us=0)


def _video_chain(trim: str, tail: int, slots: int, rate: str) -> str:
    return (
        f"[0:v:0]trim={trim},setpts=PTS-STARTPTS,scale=320:240,setsar=1,"
        f"fps={rate}:eof_action=pass,tpad=stop_mode=clone:stop={tail},trim=end_frame={slots},format=yuv420p[v]"
    )


def _audio_chain(start: str, end: str, samples: int) -> str:
    return (
        f"[0:a:0]atrim=start={start}:end={end},asetpts=PTS-{start}/TB,"
        "aresample=48000:first_pts=0,aformat=sample_fmts=fltp:channel_layouts=stereo,"
        f"apad=whole_len={samples},atrim=end_sample={samples}[a]"
    )


@pytest.mark.parametrize(
    ("end_frame", "last", "trim", "slots", "audio_end"),
    [
        # Frames k at k*40 ms, 250 of them, the recording ending at 10.000 s. The moment starts at
        # frame 225 (9.000 s); its clip starts halfway between frames 224 and 225 (8.980 s).
        # The last frame (9.960 s): no end cut (there is no frame after it), 25 slots up to 10.000 s.
        (249, 249, "start=8.980000", 25, "10.100000"),
        # The one before it (9.920 s): frame 249 is the frame after the clip and passes the trim (no
        # second frame after it to stop before); 24 slots, trim=end_frame cuts it off.
        (248, 248, "start=8.980000", 24, "10.060000"),
        # 9.880 s: the trim stops halfway between frame 248 (the one after) and 249 (9.940 s).
        (247, 247, "start=8.980000:end=9.940000", 23, "10.020000"),
        (246, 246, "start=8.980000:end=9.900000", 22, "9.980000"),
    ],
)
def test_the_end_trim_at_every_end_frame_near_the_recordings_end(
    end_frame: int, last: int, trim: str, slots: int, audio_end: str
) -> None:
    """Worked by hand: slots = 25 x (end of the last frame - 9.000 s); the last frame fills one slot
    (tpad=stop=1, used only should fps stop at its first); sound from 9.000 s to 0.1 s past the clip,
    cut to 1,920 samples a slot."""
    plan = clip_plan(_cfr25(), 9_000_000, end_frame * 40_000, "", NO_PADDING, OUT, WORK)
    assert (plan.span and (plan.span.first, plan.span.last)) == (225, last)
    assert _graph(plan.argv) == ";".join(
        [_video_chain(trim, 1, slots, "25"), _audio_chain("9.000000", audio_end, slots * 1920)]
    )
    assert (plan.expected_frames, plan.expected_duration_us) == (slots, slots * 40_000)


def _vfr_tail() -> ClipSource:
    """60 frames at 30 fps (frame k at round(k/30 s)), then a phone's dim 15 fps tail: frames 60, 61,
    62 at 2.000000, 2.066667, 2.133333 s, the last shown 66,667 µs, so the recording ends at 2.200000 s."""
    times = [round(k * 1_000_000 / 30) for k in range(60)] + [2_000_000, 2_066_667, 2_133_333]
    media = _media(duration_us=2_200_000, avg_fps=28.6, variable_frame_rate=True, frame_count=63)
    return ClipSource(Path("/data/F001/rec.mp4"), media, FrameIndex(times, last_frame_us=66_667))


@pytest.mark.parametrize(
    ("end_frame", "trim", "slots", "audio_end"),
    [
        # The clip starts at frame 45 (1.500000 s), cut halfway from frame 44 (1.466667 s): 1.483333 s.
        # Output at 30 fps (the rate the recording sustains), slot of a frame = round(30 x offset).
        # Last frame 62 (offset 0.633333 s: slot 19), stopping at 2.200000 s (slot 21): 21 slots, the
        # last frame filling 2 of them (tpad=stop=2 in case fps stops at its first).
        (62, "start=1.483333", 21, "2.300000"),
        # Frame 61 (slot 17), stopping at frame 62 (slot 19); 62 is the frame after and passes the trim.
        (61, "start=1.483333", 19, "2.233333"),
        # Frame 60 (slot 15), stopping at frame 61 (slot 17); the trim ends halfway from 61 to 62.
        (60, "start=1.483333:end=2.100000", 17, "2.166667"),
    ],
)
def test_the_end_trim_on_a_variable_rate_tail(end_frame: int, trim: str, slots: int, audio_end: str) -> None:
    source = _vfr_tail()
    plan = clip_plan(source, 1_500_000, source.index.times[end_frame], "", NO_PADDING, OUT, WORK)
    assert (plan.span and (plan.span.first, plan.span.last)) == (45, end_frame)
    assert plan.rate == 30
    # Sound: 1,600 samples a slot at 30 fps; it is cut 0.1 s past the clip's round(slots/30 s).
    assert _graph(plan.argv) == ";".join(
        [_video_chain(trim, 2, slots, "30"), _audio_chain("1.500000", audio_end, slots * 1600)]
    )
    assert plan.expected_frames == slots
