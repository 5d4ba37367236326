"""Blur areas in exported clips: areas, options and keys, the filter graph, and real exports.

Pixels are compared between two real exports of the same frames, one with an area blurred and
one without (same encoder settings). Outside the area the two differ by encoder noise only: the
blurred area takes different bits, which moves a few pixels elsewhere by a level or two (the same
allowance as the burned-caption test: under 0.5% of pixels differ by more than 48 levels, mean
difference under 2, the area here being larger). Inside the area the detail is gone: the fine
structure of the plain export (edges, texture, letters: grey minus its gaussian blur) correlates
under 0.2 with the blurred one's, where outside it correlates over 0.9.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mediagen import MediaSet, ffprobe_json
from pytestqt.qtbot import QtBot

from vfeedback.cli.blur_args import add_blur_arguments, blur_options, parse_area
from vfeedback.core.errors import BadInput
from vfeedback.export.blur import MAX_REGIONS, Region, TimedRegion, blur_chains, face_regions, progress_part
from vfeedback.export.options import ClipOptions
from vfeedback.export.plan import ClipSource, clip_plan
from vfeedback.export.runner import run_export
from vfeedback.media.faces import FaceSample
from vfeedback.media.frameindex import build_frame_index
from vfeedback.media.probe import probe
from vfeedback.services import Library

AREA = Region(0.1, 0.1, 0.4, 0.4)
PLAIN = ClipOptions(captions="none", padding_us=0)
MUXER_TAGS = {"major_brand", "minor_version", "compatible_brands", "encoder"}


def _sentence(exc: pytest.ExceptionInfo[BadInput]) -> str:
    text = str(exc.value)
    assert text.endswith(".") and "\n" not in text and text[0].isupper(), text
    return text


# --- areas -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [(0, 0, 0, 0.5), (0.2, 0.2, -0.1, 0.3), (0.8, 0.1, 0.3, 0.3), (-0.1, 0, 0.5, 0.5),
     (0, 0.9, 0.5, 0.2), (float("nan"), 0, 0.5, 0.5), (0, 0, float("inf"), 0.5), (True, 0, 0.5, 0.5),
     ("0.1", 0, 0.5, 0.5)],
)  # fmt: skip
def test_bad_areas_are_refused_in_one_sentence(values: tuple[Any, ...]) -> None:
    with pytest.raises(BadInput) as caught:
        Region(*values)
    _sentence(caught)


def test_an_area_becomes_even_pixels_rounded_outwards() -> None:
    assert Region(0.1, 0.1, 0.4, 0.4).pixels(320, 240) == (32, 24, 128, 96)
    # 0.33 * 322 = 106.3 -> 106; (0.33 + 0.3) * 322 = 202.9 -> 204; 0.45 * 242 = 108.9 -> 108
    x, y, w, h = Region(0.33, 0.45, 0.3, 0.55).pixels(322, 242)
    assert (x, w, y, h) == (106, 98, 108, 134)
    assert Region(0, 0, 1, 1).pixels(320, 240) == (0, 0, 320, 240)
    assert Region(0.5, 0.5, 1e-6, 1e-6).pixels(320, 240)[2:] == (2, 2)  # never empty


# --- options and keys ------------------------------------------------------------------------------


def test_blur_is_part_of_the_key_and_the_default_key_is_unchanged() -> None:
    assert ClipOptions().key() == "13c74416fa1c8ddb"  # clips made before blurring stay reusable
    variants = [
        ClipOptions(blur=(AREA,)),
        ClipOptions(blur=(Region(0.1, 0.1, 0.4, 0.41),)),
        ClipOptions(blur=(AREA, Region(0.6, 0.6, 0.2, 0.2))),
        ClipOptions(blur_faces=True),
        ClipOptions(blur_faces=True, keep=(AREA,)),
        ClipOptions(blur=(AREA,), blur_faces=True),
    ]
    keys = {v.key() for v in variants}
    assert len(keys) == len(variants) and ClipOptions().key() not in keys
    # Stored settings (lists) and Regions are the same options.
    assert ClipOptions(blur=[[0.1, 0.1, 0.4, 0.4]]).key() == ClipOptions(blur=(AREA,)).key()  # type: ignore[arg-type]
    assert ClipOptions(blur=(Region(0, 0, 1, 1),)).key() == ClipOptions(blur=(Region(0, 0, 1.0, 1),)).key()
    data = ClipOptions(blur=(AREA,), blur_faces=True, keep=(AREA,)).to_dict()
    assert json.loads(json.dumps(data))["blur"] == [[0.1, 0.1, 0.4, 0.4]]
    assert ClipOptions(**data).key() == ClipOptions(blur=(AREA,), blur_faces=True, keep=(AREA,)).key()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [{"keep": (AREA,)}, {"blur_faces": "yes"}, {"blur": [[0.1, 0.1]]}, {"blur": "0.1,0.1,0.2,0.2"},
     {"blur": [AREA] * (MAX_REGIONS + 1)}, {"blur": [[0.5, 0.5, 0.6, 0.1]]}],
)  # fmt: skip
def test_nonsense_blur_options_are_refused_in_one_sentence(changes: dict[str, object]) -> None:
    with pytest.raises(BadInput) as caught:
        ClipOptions(**changes)  # type: ignore[arg-type]
    _sentence(caught)


# --- the graph ---------------------------------------------------------------------------------------


def _source_by_hand(**media: object) -> ClipSource:
    from vfeedback.core.frames import FrameIndex
    from vfeedback.core.media_info import MediaInfo

    info: dict[str, object] = dict(
        container="mp4", duration_us=10_000_000, video_codec="h264", width=320, height=240,
        rotation=0, display_width=320, display_height=240, avg_fps=25.0, variable_frame_rate=False,
        frame_count=250, start_time_us=0, has_audio=False, audio_codec=None,
        audio_sample_rate=None, audio_channels=None,
    )  # fmt: skip
    info.update(media)
    index = FrameIndex([k * 40_000 for k in range(250)])
    return ClipSource(Path("/data/rec.mp4"), MediaInfo(**info), index)  # type: ignore[arg-type]


def _graph(options: ClipOptions, source: ClipSource | None = None) -> str:
    plan = clip_plan(
        source or _source_by_hand(), 2_000_000, 3_000_000, "Hello", options, Path("/lib/c.mp4"), Path("/w")
    )
    return plan.argv[plan.argv.index("-filter_complex") + 1]


def test_blur_comes_after_scaling_and_before_freeze_replay_and_caption() -> None:
    assert "bz" not in _graph(ClipOptions())
    graph = _graph(
        ClipOptions(blur=(AREA,), slow_replay=True, freeze_at_us=2_200_000, freeze_s=1.0, max_height=144)
    )
    chains = graph.split(";")
    assert chains[0].startswith("[0:v:0]") and chains[0].endswith(",split=2[bz0][bzs1]")
    assert ",scale=192:144,setsar=1,fps=25" in chains[0]
    # 0.1 of 192 = 19.2 -> 18; 0.5 of 192 = 96: even, outwards. Blocks of 144 / 12 = 12 px.
    assert "[bzs1]crop=78:58:18:14,scale=6:4:flags=area,scale=78:58:flags=bicubic[bzp1]" in chains
    assert "[bz0][bzp1]overlay=18:14:eof_action=pass[clip]" in chains  # what freeze and replay repeat
    assert "trim=start_frame" not in chains[1]  # drawn: the whole clip
    assert graph.index("overlay=18:14") < graph.index("split=2[once][twice]") < graph.index(",ass=")


def test_a_rotated_source_takes_areas_in_the_upright_picture() -> None:
    portrait = _source_by_hand(rotation=90, display_width=240, display_height=320)
    graph = _graph(ClipOptions(blur=(Region(0.0, 0.0, 0.5, 0.25),)), portrait)
    assert "scale=240:320" in graph and "crop=120:80:0:0," in graph and "overlay=0:0:" in graph


def test_pixelation_blocks_are_large_and_faces_show_on_their_frames_only() -> None:
    face = TimedRegion(3, 9, Region(0.5, 0.5, 0.1, 0.1))
    chains, head = blur_chains("[in]null", (1280, 720), [AREA], [face])
    assert chains == [
        "[in]null,split=3[bz0][bzs1][bzs2]",
        # 60 px blocks: 512 x 288 keeps 8 x 4 averages, 128 x 72 two.
        "[bzs1]crop=512:288:128:72,scale=8:4:flags=area,scale=512:288:flags=bicubic[bzp1]",
        "[bz0][bzp1]overlay=128:72:eof_action=pass[bz1]",
        "[bzs2]trim=start_frame=3:end_frame=10,crop=128:72:640:360,scale=2:1:flags=area,"
        "scale=128:72:flags=bicubic[bzp2]",
    ]
    assert head == "[bz1][bzp2]overlay=640:360:eof_action=pass"  # the trim says when
    assert blur_chains("[in]null", (1280, 720), [], []) == ([], "[in]null")


def test_faces_with_plain_options_need_the_faces_found() -> None:
    with pytest.raises(ValueError, match="find_clip_faces"):
        _graph(ClipOptions(blur_faces=True))
    assert "bz" not in _graph(ClipOptions(blur_faces=True), _with_faces(()))  # none found: no blur


def _with_faces(samples: tuple[FaceSample, ...]) -> ClipSource:
    from dataclasses import replace

    return replace(_source_by_hand(), faces=samples)


# --- faces over time ----------------------------------------------------------------------------------

FACE = (0.4, 0.4, 0.1, 0.1)
R = Fraction(25)


def test_a_face_is_blurred_from_half_a_second_before_it_is_seen_to_half_a_second_after() -> None:
    samples = [FaceSample(3_000_000, (FACE,))]
    (timed,) = face_regions(samples, 2_000_000, R, 100)
    # Seen at output frame 25; covered 13..37, widened to the half-second segments (12 frames).
    assert (timed.first, timed.last) == (12, 47)
    r = timed.region
    assert r.x == pytest.approx(0.37) and r.w == pytest.approx(0.16)  # 30% each side
    assert r.y == pytest.approx(0.35) and r.h == pytest.approx(0.18)  # 50% above, 30% below


def test_faces_seen_in_a_row_are_one_area_and_distinct_faces_stay_apart() -> None:
    other = (0.05, 0.05, 0.1, 0.1)
    samples = [FaceSample(t, (FACE, other)) for t in range(0, 4_000_000, 333_333)]
    timed = face_regions(samples, 0, R, 100)
    assert len(timed) == 2 and {(t.first, t.last) for t in timed} == {(0, 99)}
    moving = [FaceSample(0, (FACE,)), FaceSample(333_333, ((0.42, 0.4, 0.1, 0.1),))]
    (joined,) = face_regions(moving, 0, R, 25)
    assert joined.region.x == pytest.approx(0.37) and joined.region.x + joined.region.w == pytest.approx(0.55)


def test_a_keep_area_spares_faces_centred_in_it_only() -> None:
    other = (0.7, 0.1, 0.1, 0.1)
    samples = [FaceSample(0, (FACE, other))]
    keep = [Region(0.3, 0.3, 0.3, 0.3)]
    (timed,) = face_regions(samples, 0, R, 25, keep)
    assert timed.region.x > 0.6  # the face outside the keep area is still blurred


def test_progress_of_a_stage_maps_into_the_whole() -> None:
    seen: list[float] = []
    part = progress_part(seen.append, 0.2, 0.6)
    assert part is not None and progress_part(None, 0, 1) is None
    for done in (0.0, 0.5, 1.0, 2.0):
        part(done)
    assert seen == pytest.approx([0.2, 0.4, 0.6, 0.6])


# --- real exports ---------------------------------------------------------------------------------


@cache
def _source(path: Path) -> ClipSource:
    return ClipSource(path, probe(path), build_frame_index(path))


def _frames(path: Path) -> list[np.ndarray[Any, Any]]:
    import av

    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def _fine(picture: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The fine structure of a picture (edges, texture, letters): grey minus its gaussian blur."""
    import cv2

    grey = picture.astype(np.float64).mean(axis=2)
    fine: np.ndarray[Any, Any] = grey - cv2.GaussianBlur(grey, (0, 0), 2.0)
    return fine


def kept_detail(plain: np.ndarray[Any, Any], other: np.ndarray[Any, Any]) -> float:
    """How much of ``plain``'s fine structure ``other`` still shows: their correlation (1: all)."""
    a, b = _fine(plain).ravel(), _fine(other).ravel()
    return float(np.corrcoef(a, b)[0, 1])


def assert_only_inside_changed(
    plain: np.ndarray[Any, Any], blurred: np.ndarray[Any, Any], box: tuple[int, int, int, int]
) -> None:
    x, y, w, h = box
    inside = np.zeros(plain.shape[:2], dtype=bool)
    inside[y : y + h, x : x + w] = True
    diff = np.abs(plain.astype(np.int16) - blurred.astype(np.int16)).max(axis=2)
    # Two pixels around the area: chroma and the encoder's blocks straddle its edge.
    near = np.zeros_like(inside)
    near[max(0, y - 2) : y + h + 2, max(0, x - 2) : x + w + 2] = True
    outside = ~near
    assert float((diff[outside] > 48).mean()) < 0.005
    assert float(diff[outside].mean()) < 2.0
    inner = (slice(y + 2, y + h - 2), slice(x + 2, x + w - 2))
    assert kept_detail(plain[inner], blurred[inner]) < 0.2
    assert float(diff[inner].mean()) > 10
    below = (slice(y + h + 4, None), slice(None))  # the control: there the detail is all there
    if plain[below].shape[0] > 16:
        assert kept_detail(plain[below], blurred[below]) > 0.9


def _export(source: ClipSource, options: ClipOptions, folder: Path, name: str) -> Path:
    plan = clip_plan(source, 2_000_000, 2_400_000, "", options, folder / name, folder / "work")
    return run_export(plan).path


def test_a_blurred_area_changes_only_its_own_pixels(media: MediaSet, tmp_path: Path) -> None:
    source = _source(media["cfr25"])
    plain = _frames(_export(source, PLAIN, tmp_path, "plain.mp4"))
    blurred = _frames(
        _export(source, ClipOptions(captions="none", padding_us=0, blur=(AREA,)), tmp_path, "b.mp4")
    )
    assert len(plain) == len(blurred) == 11
    for n in (0, 5):  # later frames drift further apart by encoder noise (bits spent elsewhere)
        assert_only_inside_changed(plain[n], blurred[n], AREA.pixels(320, 240))


def test_rotated_recordings_are_blurred_where_the_upright_picture_shows_the_area(
    media: MediaSet, tmp_path: Path
) -> None:
    source = _source(media["rotated_mov"])
    assert source.media.rotation == 90
    area = Region(0.0, 0.0, 0.5, 0.25)  # the top left of the portrait picture
    plain = _frames(_export(source, PLAIN, tmp_path, "plain.mp4"))
    blurred = _frames(
        _export(source, ClipOptions(captions="none", padding_us=0, blur=(area,)), tmp_path, "b.mp4")
    )
    assert plain[0].shape == (320, 240, 3)
    assert_only_inside_changed(plain[0], blurred[0], (0, 0, 120, 80))


def test_a_face_is_blurred_on_its_frames_only(media: MediaSet, tmp_path: Path) -> None:
    from dataclasses import replace

    source = _source(media["cfr25"])
    seen = replace(source, faces=(FaceSample(3_000_000, ((0.3, 0.3, 0.2, 0.2),)),))
    options = ClipOptions(captions="none", padding_us=0, blur_faces=True)
    plan = clip_plan(seen, 2_000_000, 3_960_000, "", options, tmp_path / "f.mp4", tmp_path)
    graph = plan.argv[plan.argv.index("-filter_complex") + 1]
    # Seen on frame 25; blurred 0.5 s either side, in whole half-second segments (12 frames).
    assert "trim=start_frame=12:end_frame=48," in graph
    blurred = _frames(run_export(plan).path)
    plain_plan = clip_plan(source, 2_000_000, 3_960_000, "", PLAIN, tmp_path / "p.mp4", tmp_path)
    plain = _frames(run_export(plain_plan).path)
    assert len(blurred) == len(plain) == 50
    box = Region(0.24, 0.2, 0.32, 0.36).pixels(320, 240)  # the face grown by its margins
    x, y, w, h = box
    inner = (slice(y + 2, y + h - 2), slice(x + 2, x + w - 2))
    for n in (0, 11, 48, 49):  # before and after: all its detail
        assert kept_detail(plain[n][inner], blurred[n][inner]) > 0.9
    for n in (12, 25, 47):
        assert kept_detail(plain[n][inner], blurred[n][inner]) < 0.2


def test_the_caption_is_burned_over_the_blur_and_stays_readable(media: MediaSet, tmp_path: Path) -> None:
    source = _source(media["cfr25"])
    bottom = Region(0.0, 0.5, 1.0, 0.5)
    captioned = ClipOptions(captions="burn", padding_us=0, blur=(bottom,))
    plan = clip_plan(
        source, 2_000_000, 2_400_000, "You wait for her", captioned, tmp_path / "c.mp4", tmp_path
    )
    with_caption = _frames(run_export(plan).path)[0]
    without = _frames(
        _export(source, ClipOptions(captions="none", padding_us=0, blur=(bottom,)), tmp_path, "n.mp4")
    )[0]
    diff = np.abs(with_caption.astype(np.int16) - without.astype(np.int16)).max(axis=2)
    # White letters with a dark outline on a smooth blur: sharp, many pixels far apart.
    assert float((diff[int(240 * 0.6) :] > 96).mean()) > 0.02


# --- through the library: consent, reuse, names, metadata -----------------------------------------------


def test_a_blurred_clip_is_never_the_unblurred_one_and_carries_only_case_and_date(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    tagged = tmp_path / "phone.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(media["cfr25"]), "-c", "copy", "-t", "4",
         "-metadata", "location=+51.5-000.1/", "-metadata", "make=Apple", "-metadata", "model=iPhone 12 Pro",
         "-metadata", "title=Family Dupont at home", "-movflags", "use_metadata_tags", str(tagged)],
        check=True,
    )  # fmt: skip
    library.families.add("SUP-3")
    library.consent.give("SUP-3", "supervision", "Dr Test")
    rec = library.recordings.import_file(tagged, "SUP-3")
    moment = library.moments.add(rec.id, 2_000_000, 2_400_000, code="Waiting", caption="You wait")
    plain = library.exports.clip(moment.id, PLAIN, purpose="supervision")
    options = ClipOptions(captions="none", padding_us=0, blur=(AREA,))
    blurred = library.exports.clip(moment.id, options, purpose="supervision")
    assert blurred.id != plain.id and blurred.sha256 != plain.sha256
    assert library.exports.clip(moment.id, options, purpose="supervision").id == blurred.id
    assert library.exports.clip(moment.id, PLAIN, purpose="supervision").id == plain.id
    path = library.exports.path(blurred)
    assert path.name.startswith("SUP-3_") and path.name.endswith("_002.mp4")
    info = ffprobe_json(path, "-show_format", "-show_streams")
    assert set(info["format"].get("tags", {})) <= MUXER_TAGS
    data = path.read_bytes()
    for secret in (b"+51.5", b"iPhone", b"Apple", b"Dupont"):
        assert secret not in data
    assert_only_inside_changed(
        _frames(library.exports.path(plain))[3], _frames(path)[3], AREA.pixels(320, 240)
    )


# --- command line ---------------------------------------------------------------------------------------


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_blur_arguments(parser)
    return parser.parse_args(argv)


def test_command_line_areas_as_fractions_or_percentages() -> None:
    assert blur_options(_parse()) == {"blur": (), "blur_faces": False, "keep": ()}
    found = blur_options(_parse("--blur", "0.6,0.1,0.3,0.4", "--blur", "10%, 20%, 30%, 40%",
                                "--blur-faces", "--keep", "0,0,0.5,1"))  # fmt: skip
    assert found["blur"] == (Region(0.6, 0.1, 0.3, 0.4), Region(0.1, 0.2, 0.3, 0.4))
    assert found["blur_faces"] is True and found["keep"] == (Region(0, 0, 0.5, 1),)
    assert ClipOptions(**found).blur_faces  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text", ["0.1,0.2,0.3", "a,b,c,d", "10%,0.2,0.3,0.4", "0.8,0.1,0.3,0.3", "20,30,40,50",
             "0,0,0,0.5", "nan,0,0.5,0.5", "0.1,,0.2,0.2"],
)  # fmt: skip
def test_a_bad_command_line_area_is_one_sentence_naming_it(text: str) -> None:
    with pytest.raises(BadInput) as caught:
        parse_area(text)
    assert f"'{text}'" in _sentence(caught)


def test_keep_without_face_blurring_is_refused() -> None:
    with pytest.raises(BadInput) as caught:
        blur_options(_parse("--keep", "0,0,0.5,0.5"))
    assert "--blur-faces" in _sentence(caught)


# --- the dialog and the editor ------------------------------------------------------------------------


def _picture() -> Any:
    from PySide6.QtGui import QColor, QImage

    image = QImage(640, 360, QImage.Format.Format_RGB888)
    image.fill(QColor("#b0a090"))
    return image


def test_drawing_selecting_moving_and_deleting_areas(qtbot: QtBot) -> None:
    from PySide6.QtCore import QPoint, Qt

    from vfeedback.ui.blur_editor import BlurEditor

    editor = BlurEditor(_picture(), keep_allowed=True)
    qtbot.addWidget(editor)
    editor.canvas.resize(640, 360)  # the picture fills it exactly: pixels are fractions * size
    canvas = editor.canvas
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(64, 36))
    qtbot.mouseMove(canvas, QPoint(200, 100))
    qtbot.mouseMove(canvas, QPoint(320, 180))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(320, 180))
    (area,) = editor.blur_regions()
    assert (area.x, area.y, area.w, area.h) == pytest.approx((0.1, 0.1, 0.4, 0.4), abs=0.01)
    # A click is not an area.
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(500, 300))
    assert len(editor.blur_regions()) == 1 and editor.keep_regions() == ()
    # Keep areas, then drag the first area by its body.
    editor.keep_button.click()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(400, 40))
    qtbot.mouseMove(canvas, QPoint(600, 200))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(600, 200))
    assert len(editor.keep_regions()) == 1
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(150, 100))
    qtbot.mouseMove(canvas, QPoint(214, 136))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(214, 136))
    (moved,) = editor.blur_regions()
    assert (moved.x, moved.y) == pytest.approx((0.2, 0.2), abs=0.01)
    assert editor.delete_button.isEnabled()
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert editor.blur_regions() == () and len(editor.keep_regions()) == 1
    editor.clear_button.click()
    assert editor.canvas.areas == [] and not editor.clear_button.isEnabled()


def test_the_dialog_offers_hiding_only_beyond_feedback(qtbot: QtBot) -> None:
    from vfeedback.ui.export_dialog import ExportDialog

    dialog = ExportDialog(1, frame=_picture())
    qtbot.addWidget(dialog)
    dialog.blur = (AREA,)
    assert dialog.hide_box.isHidden() and dialog.options(None).blur == ()  # feedback: nothing hidden
    dialog.purpose.setCurrentIndex(dialog.purpose.findData("training"))
    assert not dialog.hide_box.isHidden()
    assert not dialog.draw_keep.isEnabled() and dialog.faces_warning.isHidden()
    dialog.blur_faces.setChecked(True)
    dialog.keep = (Region(0, 0, 0.5, 0.5),)
    assert dialog.draw_keep.isEnabled() and not dialog.faces_warning.isHidden()
    options = dialog.options(None)
    assert options.blur == (AREA,) and options.blur_faces and options.keep == dialog.keep
    dialog.blur_faces.setChecked(False)
    assert dialog.options(None).keep == ()  # keeping means nothing without face blurring
    without_picture = ExportDialog(1)
    qtbot.addWidget(without_picture)
    assert not without_picture.draw_blur.isEnabled()
