"""BORIS project import: state pairs and point events become moments through a confirmed mapping;
gzipped projects; anything unmapped, unpaired, hostile or out of range imports nothing.

Projects are built here as BORIS writes them, after BORIS's source (github.com/olivierfriard/BORIS):
``boris/config.py`` (keys "project_format_version" "7.0", "behaviors_conf", "subjects_conf",
"observations", "time offset", "media_info"; event fields time, subject, code, modifier, comment,
frame index; types "State event" / "Point event") and ``boris/project_functions.py``
(``open_project_json``: plain or gzipped JSON; ``fix_unpaired_state_events``: state events pair up by
subject, behaviour and modifier, alternating start and stop).
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mediagen import MediaSet
from test_eaf import _open, _recording, refused

from vfeedback.cli import cmd_elan_boris as cli
from vfeedback.core.errors import NothingToDo
from vfeedback.services import Library


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    yield from _open(tmp_path / "library")


def _project(media_path: str, events: list[list[Any]], **obs: Any) -> dict[str, Any]:
    observation = {
        "file": {"1": [media_path], "2": []},
        "type": "MEDIA",
        "date": "2024-05-01T10:00:00",
        "description": "",
        "time offset": 0.0,
        "events": events,
        "observation time interval": [0, 0],
        "independent_variables": {},
        "visualize_spectrogram": False,
        "visualize_waveform": False,
        "media_creation_date_as_offset": False,
        "media_scan_sampling_duration": 0,
        "image_display_duration": 1,
        "close_behaviors_between_videos": False,
        "media_info": {
            "length": {media_path: 10.0},
            "fps": {media_path: 25.0},
            "hasVideo": {media_path: True},
            "hasAudio": {media_path: True},
            "offset": {"1": 0.0},
        },
    }
    observation.update(obs)
    return {
        "time_format": "hh:mm:ss",
        "project_date": "2024-05-01T09:00:00",
        "project_name": "visits",
        "project_description": "",
        "project_format_version": "7.0",
        "subjects_conf": {
            "0": {"key": "m", "name": "Mother", "description": ""},
            "1": {"key": "b", "name": "Baby", "description": ""},
        },
        "behaviors_conf": {
            "0": {
                "type": "State event",
                "key": "g",
                "code": "gaze",
                "description": "",
                "color": "",
                "category": "",
                "modifiers": {},
                "excluded": "",
                "coding map": "",
            },
            "1": {
                "type": "Point event",
                "key": "s",
                "code": "smile",
                "description": "",
                "color": "",
                "category": "",
                "modifiers": {},
                "excluded": "",
                "coding map": "",
            },
            "2": {
                "type": "State event",
                "key": "w",
                "code": "wait",
                "description": "",
                "color": "",
                "category": "",
                "modifiers": {},
                "excluded": "",
                "coding map": "",
            },
        },
        "observations": {"visit 1": observation},
        "behavioral_categories": [],
        "independent_variables": {},
        "coding_map": {},
        "behaviors_coding_map": [],
        "converters": {},
    }


EVENTS: list[list[Any]] = [
    [0.52, "Mother", "gaze", "", "looks at baby", 13],
    [1.0, "Baby", "smile", "", "", 25],
    [1.84, "Mother", "gaze", "", "", 46],
    [2.0, "Mother", "wait", "long", "", 50],
    [2.0, "Baby", "gaze", "", "", 50],
    [3.0, "Baby", "gaze", "", "", 75],
    [3.5, "Mother", "wait", "long", "", 88],
]
MAPPING = {"gaze": "Turned towards", "smile": "Returning eye contact or a smile", "wait": "Waiting"}


def _write(tmp_path: Path, project: dict[str, Any], packed: bool = False, name: str = "visits.boris") -> Path:
    path = tmp_path / name
    data = json.dumps(project).encode()
    path.write_bytes(gzip.compress(data) if packed else data)
    return path


@pytest.mark.parametrize("packed", [False, True])
def test_state_pairs_and_point_events_become_moments(
    lib: Library, media: MediaSet, tmp_path: Path, packed: bool
) -> None:
    rec = _recording(lib, media["cfr25"])
    path = _write(tmp_path, _project("/home/x/cfr25.mp4", EVENTS), packed, "visits.boris.gz")
    assert lib.interchange.boris_behaviours(path) == ["gaze", "smile", "wait"]
    added = lib.interchange.import_boris(path, rec.id, MAPPING)
    assert list(lib.media.frame_index(rec.id).times) == [k * 40_000 for k in range(250)]
    codes = {c.id: c.name for s in lib.schemes.all() for c in s.codes}
    got = [(m.start_us, m.end_us, codes[m.code_id], m.actor.value, m.note) for m in added]
    # By hand, frames every 40 ms; a moment is (its first frame's start, its last frame's start).
    # 0.52-1.84 s: frames 13 to 45 (the interval stops where frame 46 starts). The point at 1.00 s:
    # frame 25 alone. 2.00-3.00 s: frames 50 to 74. 2.00-3.50 s: 3.50 s lies halfway between frames
    # 87 (3.48 s) and 88 (3.52 s), and a tie goes to the earlier, so it stops at 3.48 s: frames 50 to 86.
    assert got == [
        (520_000, 1_800_000, "Turned towards", "parent", "looks at baby"),
        (1_000_000, 1_000_000, "Returning eye contact or a smile", "infant", ""),
        (2_000_000, 2_960_000, "Turned towards", "infant", ""),
        (2_000_000, 3_440_000, "Waiting", "parent", "BORIS modifier: long"),
    ]
    assert all(m.caption == "" for m in added)  # a researcher's comment is never a parent's caption
    assert lib.audit.entries()[-1].action == "import" and "BORIS project" in lib.audit.entries()[-1].detail


def test_a_missing_mapping_imports_nothing(
    lib: Library, media: MediaSet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = _recording(lib, media["cfr25"])
    path = _write(tmp_path, _project("cfr25.mp4", EVENTS))
    partial = {"gaze": "Turned towards"}
    assert "'smile', 'wait'" in refused(lambda: lib.interchange.import_boris(path, rec.id, partial))
    args = argparse.Namespace(file=str(path), recording=rec.id, map=["gaze=Turned towards"], json=True)
    args.observation = None
    assert cli.import_boris(lib, args) == 1
    assert json.loads(capsys.readouterr().out) == {
        "imported": 0, "needs_mapping": [{"behaviour": "smile"}, {"behaviour": "wait"}],
    }  # fmt: skip
    assert lib.moments.all(rec.id) == []
    args.map = ["gaze=Turned towards", "smile=skip", "wait=Waiting"]
    args.json = False
    assert cli.import_boris(lib, args) == 0
    assert "Imported 3 moments" in capsys.readouterr().out
    bad = {**MAPPING, "wait": "Sleeping"}
    lib.undo()
    assert "'wait'" in refused(lambda: lib.interchange.import_boris(path, rec.id, bad))
    skip_all = dict.fromkeys(MAPPING)
    with pytest.raises(NothingToDo):
        lib.interchange.import_boris(path, rec.id, skip_all)
    assert lib.moments.all(rec.id) == []


def test_observations_offsets_and_unpaired_events(lib: Library, media: MediaSet, tmp_path: Path) -> None:
    rec = _recording(lib, media["cfr25"])
    project = _project("C:\\films\\cfr25.mp4", EVENTS, **{"time offset": 100.0})
    project["observations"]["visit 1"]["events"] = [[t + 100.0, *rest] for t, *rest in EVENTS]
    other = _project("D:/other.mp4", EVENTS[1:2])["observations"]["visit 1"]
    project["observations"]["visit 2"] = other
    path = _write(tmp_path, project)
    # Two observations: the one of this recording's video is chosen; asked for, another one is.
    first = lib.interchange.import_boris(path, rec.id, MAPPING)
    # The 100 s offset removed: the first gaze runs from frame 13 (0.52 s) to frame 45 (1.80 s).
    assert (first[0].start_us, first[0].end_us) == (520_000, 1_800_000)
    assert len(lib.interchange.import_boris(path, rec.id, MAPPING, observation="visit 2")) == 1
    assert "'visit 1', 'visit 2'" in refused(
        lambda: lib.interchange.import_boris(path, rec.id, MAPPING, "visit 3")
    )
    count = len(lib.moments.all(rec.id))

    unpaired = _write(tmp_path, _project("cfr25.mp4", EVENTS[:-1]), name="unpaired.boris")
    message = refused(lambda: lib.interchange.import_boris(unpaired, rec.id, MAPPING))
    assert "'wait' of Mother starting at 00:00:02.000 never stops" in message
    late = _write(tmp_path, _project("cfr25.mp4", [*EVENTS, [42.0, "Baby", "smile", "", ""]]), name="l.boris")
    assert "outside recording" in refused(lambda: lib.interchange.import_boris(late, rec.id, MAPPING))
    live = _write(tmp_path, _project("cfr25.mp4", EVENTS, type="LIVE"), name="live.boris")
    assert "live observation" in refused(lambda: lib.interchange.import_boris(live, rec.id, MAPPING))
    two = _project("cfr25.mp4", EVENTS)
    two["observations"]["visit 1"]["file"]["1"].append("part2.mp4")
    two_path = _write(tmp_path, two, name="two.boris")
    assert "2 videos" in refused(lambda: lib.interchange.import_boris(two_path, rec.id, MAPPING))
    assert len(lib.moments.all(rec.id)) == count


def test_hostile_and_broken_projects_are_refused(lib: Library, media: MediaSet, tmp_path: Path) -> None:
    rec = _recording(lib, media["cfr25"])
    newer = _project("cfr25.mp4", EVENTS)
    newer["project_format_version"] = "9.2"
    no_version = _project("cfr25.mp4", EVENTS)
    del no_version["project_format_version"]
    bad_time = _project("cfr25.mp4", [["NA", "Baby", "smile", "", ""]])
    unknown = _project("cfr25.mp4", [[1.0, "Baby", "yawn", "", ""]])
    packed = gzip.compress(json.dumps(_project("cfr25.mp4", EVENTS)).encode())
    cases: dict[str, tuple[bytes, str]] = {
        "newer version": (json.dumps(newer).encode(), "newer"),
        "no version": (json.dumps(no_version).encode(), "very old BORIS"),
        "bad time": (json.dumps(bad_time).encode(), "not a time"),
        "unknown behaviour": (json.dumps(unknown).encode(), "not in its ethogram"),
        "not a project": (b'{"name": "a list of something else"}', "not a BORIS project"),
        "not json": (b"<ANNOTATION_DOCUMENT/>", "JSON is broken"),
        "truncated json": (json.dumps(_project("x.mp4", EVENTS)).encode()[:300], "JSON is broken"),
        "deep nesting": (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        "nesting past the limit": (b'{"observations": ' + b"[" * 70 + b"]" * 70 + b"}", "nested too deeply"),
        "not utf-8": (b'{"project_name": "\xff\xfe"}', "not UTF-8"),
        "truncated gzip": (packed[: len(packed) // 2], "cut short"),
        "damaged gzip": (packed[:10] + bytes(len(packed) - 10), "damaged compressed"),
        "gzip bomb": (gzip.compress(b" " * (51 * 1024 * 1024), 9), "unpacks to more than 50 MB"),
    }
    path = tmp_path / "odd project.boris"
    for case, (data, expected) in cases.items():
        path.write_bytes(data)
        message = refused(lambda: lib.interchange.import_boris(path, rec.id, MAPPING))
        assert expected in message and message.startswith("odd project.boris"), (case, message)
        assert str(tmp_path) not in message
    assert lib.moments.all(rec.id) == []
    assert not any(e.action == "import" and "BORIS" in e.detail for e in lib.audit.entries())
