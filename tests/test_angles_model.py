"""Camera angles in the library (issue 15): adding, offsets, nudging by the angle's own frames, removing,
undo, and every refusal leaving the library as it was."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import pytest
from mediagen import MediaSet

from vfeedback.core.angles import Angle, nudged_offset
from vfeedback.core.errors import BadInput, Conflict, NotFound
from vfeedback.services.library import Library


def _session(library: Library, media: MediaSet) -> tuple[int, int, int]:
    library.families.add("F1")
    main = library.recordings.import_file(media["cfr25"], "F1").id
    vfr = library.recordings.import_file(media["vfr"], "F1").id
    ntsc = library.recordings.import_file(media["ntsc2997"], "F1").id
    return main, vfr, ntsc


def _rows(library: Library, main: int) -> list[Angle]:
    return library.angles.of(main)


def test_an_angle_is_added_read_back_and_undone(library: Library, media: MediaSet) -> None:
    main, vfr, ntsc = _session(library, media)
    added = library.angles.add(vfr, main, 1_370_000)
    assert added == Angle(vfr, main, 1_370_000, "manual", None)
    library.angles.add(ntsc, main, -250_000, method="auto", confidence=0.93)
    assert _rows(library, main) == [added, Angle(ntsc, main, -250_000, "auto", 0.93)]
    assert library.angles.main_of(vfr) == main and library.angles.main_of(main) == main
    assert added.angle_time(2_000_000) == 630_000 and added.session_time(630_000) == 2_000_000
    library.undo()
    assert _rows(library, main) == [added]
    library.redo()
    assert len(_rows(library, main)) == 2


def _refused(library: Library, main: int, error: type[Exception], sentence: str, call: object) -> None:
    before = _rows(library, main)
    with pytest.raises(error) as caught:
        assert callable(call)
        call()
    assert str(caught.value) == sentence
    assert _rows(library, main) == before


def test_every_impossible_angle_is_refused_with_one_sentence(library: Library, media: MediaSet) -> None:
    main, vfr, ntsc = _session(library, media)
    library.families.add("F2")
    other = library.recordings.import_file(media["mkv"], "F2").id
    angles = library.angles
    _refused(
        library,
        main,
        BadInput,
        f"Recording {main} cannot be an angle of itself.",
        lambda: angles.add(main, main, 0),
    )
    _refused(
        library,
        main,
        BadInput,
        f"Recording {other} belongs to F2 and recording {main} to F1: angles of one session come "
        "from the same family.",
        lambda: angles.add(other, main, 0),
    )
    for hostile in (10**400, True, math.nan, 1.5, -(10**16)):
        _refused(
            library,
            main,
            BadInput,
            "An angle's offset is a time within the films, in microseconds.",
            lambda h=hostile: angles.add(vfr, main, h),
        )
    main_us = library.recordings.get(main).media.duration_us
    _refused(
        library,
        main,
        BadInput,
        f"At an offset of +{_clock(main_us)} recording {vfr} would not overlap recording {main} at "
        "all; check the offset.",
        lambda: angles.add(vfr, main, main_us),
    )
    _refused(
        library,
        main,
        BadInput,
        "An angle is found 'auto' or 'manual', not 'guess'.",
        lambda: angles.add(vfr, main, 0, method="guess"),  # type: ignore[arg-type]
    )
    angles.add(vfr, main, 0)
    _refused(
        library,
        main,
        Conflict,
        f"Recording {vfr} is already an angle of recording {main}.",
        lambda: angles.add(vfr, ntsc, 0),
    )
    _refused(
        library,
        main,
        Conflict,
        f"Recording {vfr} is itself an angle of recording {main}: add angles to recording {main}.",
        lambda: angles.add(ntsc, vfr, 0),
    )
    _refused(
        library,
        main,
        Conflict,
        f"Recording {main} has angles of its own: it can only be a main recording.",
        lambda: angles.add(main, ntsc, 0),
    )
    _refused(
        library,
        main,
        NotFound,
        f"Recording {ntsc} is not an angle of another recording.",
        lambda: angles.remove(ntsc),
    )


def _clock(us: int) -> str:
    from vfeedback.core.timecode import format_time

    return format_time(us)


def test_a_session_holds_at_most_four_angles(library: Library, media: MediaSet, tmp_path: Path) -> None:
    library.families.add("F1")
    ids = []
    for n in range(5):
        copy = tmp_path / f"angle{n}.mp4"
        # Different bytes for each (a library refuses the same film twice): a metadata title differs.
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-i",
                str(media["cfr25"]),
                "-c",
                "copy",
                "-metadata",
                f"title=angle {n}",
                str(copy),
            ],
            check=True,
        )
        ids.append(library.recordings.import_file(copy, "F1").id)
    main, *others = ids
    for rec in others[:3]:
        library.angles.add(rec, main, 0)
    _refused(
        library,
        main,
        Conflict,
        f"Recording {main} already has 4 angles, the most a session can show.",
        lambda: library.angles.add(others[3], main, 0),
    )


def test_a_typed_offset_makes_the_angle_manual_and_is_undoable(library: Library, media: MediaSet) -> None:
    main, vfr, _ = _session(library, media)
    library.angles.add(vfr, main, 100_000, method="auto", confidence=0.8)
    assert library.angles.set_offset(vfr, -40_000) == Angle(vfr, main, -40_000, "manual", None)
    library.undo()
    assert library.angles.get(vfr) == Angle(vfr, main, 100_000, "auto", 0.8)


def test_nudging_moves_by_the_angles_own_frames_on_vfr() -> None:
    """Frames at 0, 40, 100, 120, 200 ms (irregular). Offset 1 s; at session 1.105 s the angle is at
    105 ms, showing the frame of 100 ms. One frame later is the 120 ms frame: it shows at 1.105 s when
    the offset is 1.105 - 0.120 = 0.985 s. One frame earlier is the 40 ms frame: 1.065 s; two, the
    first frame: 1.105 s."""
    times = [0, 40_000, 100_000, 120_000, 200_000]
    assert nudged_offset(1_000_000, times, 1_105_000, 1) == 985_000
    assert nudged_offset(1_000_000, times, 1_105_000, -1) == 1_065_000
    assert nudged_offset(1_000_000, times, 1_105_000, -2) == 1_105_000
    assert nudged_offset(1_000_000, times, 1_105_000, 9) == 905_000  # stops at the last frame


def test_nudge_uses_the_recordings_frame_index(library: Library, media: MediaSet) -> None:
    main, vfr, _ = _session(library, media)
    library.angles.add(vfr, main, 0)
    times = library.media.frame_index(vfr).times
    # Paused on the angle's frame 3 (at session time = its start): one frame later shows frame 4.
    moved = library.angles.nudge(vfr, 1, times[3])
    assert moved.angle_time(times[3]) == times[4]


def test_deleting_a_recording_removes_its_angle_rows(library: Library, media: MediaSet) -> None:
    main, vfr, ntsc = _session(library, media)
    library.angles.add(vfr, main, 0)
    library.angles.add(ntsc, main, 0)
    library.cases.delete_recording(vfr)
    assert [a.recording_id for a in library.angles.of(main)] == [ntsc]
    library.cases.delete_recording(main)
    assert library.angles.get(ntsc) is None
