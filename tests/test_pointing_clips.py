"""A clip framed closer on the baby and parent, and marks on a freeze: exactly the region chosen,
at the source's own pixels, on exactly the frames chosen; kept in the clip's settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mediagen import MediaSet, read_frame_number

from vfeedback.core.errors import BadInput
from vfeedback.core.marks import COLOUR, Mark
from vfeedback.export.blur import Region
from vfeedback.export.options import ClipOptions
from vfeedback.export.plan import ClipSource, clip_plan
from vfeedback.export.runner import run_export
from vfeedback.media.decoder import FrameDecoder
from vfeedback.media.frameindex import build_frame_index
from vfeedback.media.probe import probe
from vfeedback.services import Library

CIRCLE = Mark("circle", 0.5, 0.4, 0.6, 0.4)


def _decoded(path: Path) -> list[np.ndarray[Any, Any]]:
    import av

    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def _psnr(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10 * float(np.log10(255**2 / mse))


def _export(media: MediaSet, tmp_path: Path, first: int, last: int, options: ClipOptions) -> Path:
    source = ClipSource(media["cfr25"], probe(media["cfr25"]), build_frame_index(media["cfr25"]))
    index = source.index
    plan = clip_plan(
        source, index.time_of(first), index.time_of(last), "", options, tmp_path / "c.mp4", tmp_path / "w"
    )
    return run_export(plan).path


def test_a_closer_frame_is_exactly_the_region_at_the_sources_own_pixels(
    media: MediaSet, tmp_path: Path
) -> None:
    # The lower half of the 320 x 240 picture: 320 x 120, from row 120 down.
    options = ClipOptions(padding_us=0, captions="none", crop=Region(0.0, 0.5, 1.0, 0.5))
    frames = _decoded(_export(media, tmp_path, 60, 90, options))
    assert len(frames) == 31 and frames[0].shape == (120, 320, 3)
    index = build_frame_index(media["cfr25"])
    with FrameDecoder(media["cfr25"], index, 0) as decoder:
        for picture, n in ((frames[0], 60), (frames[-1], 90)):
            want = decoder.frame(n).image[120:240]
            exact = _psnr(picture, want)
            assert exact >= 28, f"frame {n}: {exact:.1f} dB"
            for other in (n - 1, n + 1):
                assert exact >= _psnr(picture, decoder.frame(other).image[120:240]) + 10


def test_marks_show_on_the_held_frames_of_a_freeze_and_on_no_other(media: MediaSet, tmp_path: Path) -> None:
    """Frames 25..50 at 25 fps, the frame at 1.2 s (30) held one second: output frames 0-4 are
    source 25-29, 5 is frame 30, 6-30 its 25 copies, 31-50 source 31-50 (51 frames in all)."""
    options = ClipOptions(
        padding_us=0, captions="none", freeze_at_us=1_200_000, freeze_s=1.0, marks=(CIRCLE,)
    )
    frames = _decoded(_export(media, tmp_path, 25, 50, options))
    assert len(frames) == 51
    # The circle's ring passes through (191, 96) on 320 x 240 (centre 160, 96; radius 31); there
    # the picture is blue, so 15 % blue under the mark and 4:2:0 chroma move it off the pure colour.
    warm = [
        bool(np.abs(f[94:99, 189:194].astype(int) - np.array(COLOUR)).max(axis=2).min() <= 80) for f in frames
    ]
    assert warm == [False] * 5 + [True] * 26 + [False] * 20
    numbers = [read_frame_number(f) for f in frames]
    assert numbers == [25, 26, 27, 28, 29] + [30] * 26 + list(range(31, 51))


@pytest.mark.parametrize(
    ("options", "sentence"),
    [
        ({"marks": (CIRCLE,)}, "Marks on a clip show while it holds a frame: add a freeze too."),
        ({"crop": (0.1, 0.1, 0.5, 0.5), "blur": [(0.0, 0.0, 0.2, 0.2)]},
         "A closer frame cannot yet be combined with blurring; blur the clip, or frame it closer."),
        ({"crop": (0.6, 0.1, 0.5, 0.5)},
         "An area must lie inside the picture (from 0 to 1 across and down)."),
    ],
)  # fmt: skip
def test_impossible_pointing_is_one_sentence(options: dict[str, Any], sentence: str) -> None:
    with pytest.raises(BadInput) as refused:
        ClipOptions(**options)
    assert str(refused.value) == sentence


def test_the_closer_frame_and_marks_are_kept_with_the_clip(library: Library, media: MediaSet) -> None:
    library.families.add("C1")
    library.consent.give("C1", "feedback", "Dr Rowe")
    rec = library.recordings.import_file(media["cfr25"], "C1")
    m = library.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption="Look")
    closer = ClipOptions(crop=Region(0.25, 0.25, 0.5, 0.5))
    plain = library.exports.clip(m.id, ClipOptions())
    framed = library.exports.clip(m.id, closer)
    assert framed.id != plain.id and (framed.width, framed.height) == (160, 120)
    assert library.exports.clip(m.id, ClipOptions(crop=Region(0.25, 0.25, 0.5, 0.5))).id == framed.id
    # The key of a clip without pointing is the key it had before pointing existed.
    assert "crop" not in ClipOptions().key() and ClipOptions().key() != closer.key()


def test_the_session_pack_frames_a_moments_clip_closer(library: Library, media: MediaSet) -> None:
    library.families.add("C2")
    library.consent.give("C2", "feedback", "Dr Rowe")
    rec = library.recordings.import_file(media["cfr25"], "C2")
    a = library.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption="Closer")
    b = library.moments.add(rec.id, 3_000_000, 4_000_000, code="Waiting", caption="As filmed")
    pack = library.exports.session_pack([a.id, b.id], "Us", "May", crops={a.id: Region(0.0, 0.5, 0.5, 0.5)})
    assert [(h.width, h.height) for h in pack.clips] == [(160, 120), (320, 240)]
