"""Automatic face blur: the OpenCV detector on a real photograph (tests/data/astronaut_face.jpg, a
public-domain NASA portrait: the face is at x=109, y=40, 61 px square of 320), through a video made
from it, upright or turned as a phone stores it, and exported with the face blurred or kept."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
from mediagen import MediaSet
from numpy.typing import NDArray
from test_blur import kept_detail

from vfeedback.core.errors import BadInput
from vfeedback.core.jobs import Cancelled
from vfeedback.export.blur import Region, find_clip_faces
from vfeedback.export.options import ClipOptions
from vfeedback.export.plan import ClipSource, clip_plan
from vfeedback.export.runner import run_export
from vfeedback.media.faces import find_faces, scan_faces
from vfeedback.media.frameindex import build_frame_index
from vfeedback.media.probe import probe

PHOTO = Path(__file__).parent / "data" / "astronaut_face.jpg"
FACE_CENTRE = ((109 + 30.5) / 320, (40 + 30.5) / 320)
FACE_PX = (108, 40, 64, 62)  # the face itself, in the 320 x 320 picture (even-aligned)


def _rgb(path: Path) -> np.ndarray[Any, Any]:
    import cv2

    stored = cv2.imread(str(path))
    assert stored is not None, path
    picture: np.ndarray[Any, Any] = cv2.cvtColor(stored, cv2.COLOR_BGR2RGB)
    return picture


def _near_face(box: tuple[float, float, float, float], tolerance: float = 0.03) -> bool:
    x, y, w, h = box
    return abs(x + w / 2 - FACE_CENTRE[0]) < tolerance and abs(y + h / 2 - FACE_CENTRE[1]) < tolerance


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The photograph as a 3 s, 25 fps H.264 video; and turned a quarter left with a display matrix
    that turns it back (as a phone held upright stores its film)."""
    folder = tmp_path_factory.mktemp("faces")
    upright, coded, turned = folder / "astronaut.mp4", folder / "coded.mp4", folder / "turned.mov"
    base = ["ffmpeg", "-v", "error", "-y", "-loop", "1", "-i", str(PHOTO), "-t", "3", "-r", "25"]
    x264 = ["-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "veryfast", "-g", "25"]
    subprocess.run([*base, *x264, str(upright)], check=True)
    subprocess.run([*base, "-vf", "transpose=cclock", *x264, str(coded)], check=True)
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(coded), "-c", "copy", "-metadata:s:v:0", "rotate=270",
         str(turned)],
        check=True,
    )  # fmt: skip
    return {"upright": upright, "turned": turned}


@cache
def _source(path: Path) -> ClipSource:
    return ClipSource(path, probe(path), build_frame_index(path))


def _frames(path: Path) -> list[np.ndarray[Any, Any]]:
    import av

    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


# --- the detector ----------------------------------------------------------------------------------


def test_the_face_in_the_photograph_is_found() -> None:
    boxes = find_faces(_rgb(PHOTO))
    assert any(_near_face(b) for b in boxes)
    face = next(b for b in boxes if _near_face(b))
    assert 0.15 < face[2] < 0.25 and all(isinstance(v, float) for v in face)
    # Any size: the same photograph at 4x is searched at the same reduced size.
    import cv2

    # cv2's stubs lose the element type: a resized uint8 picture is uint8.
    large = cast("NDArray[np.uint8]", cv2.resize(_rgb(PHOTO), (1280, 1280), interpolation=cv2.INTER_CUBIC))
    assert any(_near_face(b) for b in find_faces(large))


def test_no_face_in_a_plain_wall() -> None:
    wall = np.full((360, 640, 3), 180, dtype=np.uint8)
    wall[:, 320:] = 90
    assert find_faces(wall) == []


def test_faces_are_found_through_a_video_upright_or_turned(videos: dict[str, Path]) -> None:
    found = {}
    for kind, path in videos.items():
        source = _source(path)
        seen: list[float] = []
        samples = scan_faces(
            path, source.index, source.media.rotation, 0, source.index.duration_us, progress=seen.append
        )
        assert 9 <= len(samples) <= 11  # three a second, and the last frame
        assert samples[-1].time_us == source.index.times[-1]
        assert seen == sorted(seen) and seen[-1] == 1.0
        assert all(any(_near_face(b) for b in s.boxes) for s in samples), kind
        found[kind] = next(b for b in samples[0].boxes if _near_face(b))
    assert _source(videos["turned"]).media.rotation == 90
    assert np.allclose(found["upright"], found["turned"], atol=0.03)


def test_a_scan_can_be_cancelled_and_a_bad_file_is_one_sentence(
    videos: dict[str, Path], tmp_path: Path
) -> None:
    source = _source(videos["upright"])
    with pytest.raises(Cancelled):
        scan_faces(source.path, source.index, 0, 0, source.index.duration_us, should_cancel=lambda: True)
    broken = tmp_path / "gone.mp4"
    broken.write_bytes(source.path.read_bytes()[:2000])
    with pytest.raises(BadInput) as caught:
        scan_faces(broken, source.index, 0, 0, source.index.duration_us)
    assert "\n" not in str(caught.value)


def test_a_scan_of_a_later_span_samples_only_that_span(videos: dict[str, Path]) -> None:
    source = _source(videos["upright"])
    samples = scan_faces(source.path, source.index, 0, 1_200_000, 2_000_000)
    assert [s.time_us for s in samples] == [1_200_000, 1_520_000, 1_840_000, 1_960_000]


# --- exported with faces blurred -----------------------------------------------------------------------


def _export(source: ClipSource, options: ClipOptions, folder: Path, name: str) -> list[np.ndarray[Any, Any]]:
    if options.blur_faces:
        source = replace(source, faces=find_clip_faces(source, 1_000_000, 1_400_000, options.padding_us))
    plan = clip_plan(source, 1_000_000, 1_400_000, "", options, folder / name, folder / "work")
    return _frames(run_export(plan).path)


def test_the_face_is_blurred_and_the_rest_is_not(videos: dict[str, Path], tmp_path: Path) -> None:
    source = _source(videos["turned"])  # upright for the viewer; the face at the same place
    plain = _export(source, ClipOptions(captions="none", padding_us=0), tmp_path, "plain.mp4")
    blurred = _export(source, ClipOptions(captions="none", padding_us=0, blur_faces=True), tmp_path, "b.mp4")
    for n in (0, 5):
        x, y, w, h = FACE_PX
        face = (slice(y, y + h), slice(x, x + w))
        assert kept_detail(plain[n][face], blurred[n][face]) < 0.2
        # The flag on the left and the helmet at the bottom are far from any face: untouched.
        for rest in ((slice(150, 320), slice(0, 60)), (slice(250, 320), slice(200, 320))):
            diff = np.abs(plain[n][rest].astype(np.int16) - blurred[n][rest].astype(np.int16))
            assert float(diff.mean()) < 2.0
            assert kept_detail(plain[n][rest], blurred[n][rest]) > 0.9


def test_a_keep_area_over_the_face_leaves_it_visible(videos: dict[str, Path], tmp_path: Path) -> None:
    source = _source(videos["upright"])
    plain = _export(source, ClipOptions(captions="none", padding_us=0), tmp_path, "plain.mp4")
    keep = (Region(0.25, 0.0, 0.5, 0.5),)
    kept = _export(
        source, ClipOptions(captions="none", padding_us=0, blur_faces=True, keep=keep), tmp_path, "k.mp4"
    )
    x, y, w, h = FACE_PX
    face = (slice(y, y + h), slice(x, x + w))
    assert kept_detail(plain[0][face], kept[0][face]) > 0.9


def test_no_faces_found_still_exports_without_blurring(media: MediaSet, tmp_path: Path) -> None:
    source = _source(media["no_audio"])
    faces = find_clip_faces(source, 1_000_000, 1_400_000, 0)
    assert faces and not any(s.boxes for s in faces)
    options = ClipOptions(captions="none", padding_us=0, blur_faces=True)
    plan = clip_plan(
        replace(source, faces=faces), 1_000_000, 1_400_000, "", options, tmp_path / "c.mp4", tmp_path
    )
    assert "bz" not in " ".join(plan.argv)
    plain = clip_plan(source, 1_000_000, 1_400_000, "", ClipOptions(captions="none", padding_us=0),
                      tmp_path / "p.mp4", tmp_path)  # fmt: skip
    assert (
        plan.argv[plan.argv.index("-filter_complex") + 1]
        == plain.argv[plain.argv.index("-filter_complex") + 1]
    )
    assert run_export(plan).frame_count == 11


# --- through the library and the command line --------------------------------------------------------


def test_face_blur_through_the_library_and_the_command_line(
    videos: dict[str, Path], media: MediaSet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from vfeedback.cli.main import run
    from vfeedback.core.errors import ConsentMissing
    from vfeedback.services import Library

    root = tmp_path / "library"
    with Library.open(root) as lib:
        lib.families.add("T-2")
        rec = lib.recordings.import_file(videos["upright"], "T-2")
        wall = lib.recordings.import_file(media["no_audio"], "T-2")
        face = lib.moments.add(rec.id, 1_000_000, 1_400_000, code="Waiting", caption="You smile at him.")
        plain = lib.moments.add(wall.id, 1_000_000, 1_400_000, code="Waiting")
        hidden = ClipOptions(captions="none", padding_us=0, blur_faces=True)
        with pytest.raises(ConsentMissing, match="supervision"):
            lib.exports.clip(face.id, hidden, purpose="supervision")
        lib.consent.give("T-2", "supervision", by="Dr Test")
        made = lib.exports.clip(face.id, hidden, purpose="supervision")
        assert made.faces_found and made.faces_found > 0
        x, y, w, h = FACE_PX
        first = _frames(lib.exports.path(made))[0][y : y + h, x : x + w]
        assert kept_detail(_rgb(PHOTO)[y : y + h, x : x + w], first) < 0.2
        # No face on a plain wall: the highlight says so, for the app to tell the clinician.
        assert lib.exports.clip(plain.id, hidden, purpose="supervision").faces_found == 0
        # The clip for the family, unblurred, is a different file.
        lib.consent.give("T-2", "feedback", by="Dr Test")
        assert lib.exports.clip(face.id, ClipOptions(captions="none", padding_us=0)).path != made.path

    argv = ["--library", str(root), "export", "clip", str(face.id), "--purpose", "supervision"]
    assert run([*argv, "--padding", "0", "--captions", "none", "--blur-faces", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    again = printed[0] if isinstance(printed, list) else printed
    assert again["id"] == made.id  # the same settings: the stored file
    assert run([*argv, "--keep", "0.25,0.0,0.5,2"]) == 3
    assert "vfeedback:" in capsys.readouterr().err
