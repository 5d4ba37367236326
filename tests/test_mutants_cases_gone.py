"""services.cases' ``_Gone.holds``: which undo entries hold a copy of a row a deletion removes (found
by make mutation). A slip there either leaves a deleted family's captions and notes in the undo
history (the "deleted" data could be brought back, or read in the database file), or wipes another
family's undo history along with it.

The rows are written out as the undo log stores them (a table's columns by name), for the two ways a
deletion fills ``_Gone``: deleting family 2 (its recordings 20 and 21, their moments 200 and 201, its
reel 2000) and deleting only recording 20 (and its moment 200), as ``delete_family`` and
``delete_recording`` do."""

from __future__ import annotations

from typing import Any

import pytest

from vfeedback.services.cases import _Gone


def _family() -> _Gone:
    return _Gone(family_id=2, recordings={20, 21}, moments={200, 201}, reels={2000})


def _recording() -> _Gone:
    return _Gone(recordings={20}, moments={200})


CASES: list[tuple[str, str, dict[str, Any], bool]] = [
    # The family's own row, and its neighbours by id (1 and 3: a < or > for the == would take one).
    ("family", "families", {"id": 2, "code": "F2"}, True),
    ("family", "families", {"id": 1, "code": "F1"}, False),
    ("family", "families", {"id": 3, "code": "F3"}, False),
    ("recording", "families", {"id": 2, "code": "F2"}, False),  # deleting a recording keeps its family
    # Recordings: by id, or by family (a recording deleted earlier and brought back by an undo is no
    # longer among the family's recordings, but its copy in the history is the family's).
    ("family", "recordings", {"id": 20, "family_id": 2}, True),
    ("family", "recordings", {"id": 22, "family_id": 2}, True),
    ("family", "recordings", {"id": 22, "family_id": 1}, False),
    ("family", "recordings", {"id": 22, "family_id": 3}, False),
    ("recording", "recordings", {"id": 20, "family_id": 2}, True),
    ("recording", "recordings", {"id": 21, "family_id": 2}, False),
    # Moments: by id, or by recording (a moment added then undone is no longer in the database).
    ("family", "moments", {"id": 200, "recording_id": 20}, True),
    ("recording", "moments", {"id": 300, "recording_id": 20}, True),
    ("recording", "moments", {"id": 200, "recording_id": 20}, True),
    ("recording", "moments", {"id": 201, "recording_id": 21}, False),
    ("family", "moments", {"id": 300, "recording_id": 30}, False),
    # Reels: by id, or by family.
    ("family", "reels", {"id": 2000, "family_id": 2}, True),
    ("family", "reels", {"id": 3000, "family_id": 2}, True),
    ("family", "reels", {"id": 3000, "family_id": 1}, False),
    ("family", "reels", {"id": 3000, "family_id": 3}, False),
    ("recording", "reels", {"id": 2000, "family_id": 2}, False),  # the family's reels stay
    # A reel's items: by reel, or by moment (another family's reel cannot hold it, but an item of
    # a reel that stays and shows a deleted moment goes with the moment).
    ("family", "reel_items", {"id": 1, "reel_id": 2000, "moment_id": 999, "position": 0}, True),
    ("recording", "reel_items", {"id": 1, "reel_id": 2000, "moment_id": 200, "position": 0}, True),
    ("recording", "reel_items", {"id": 1, "reel_id": 2000, "moment_id": 201, "position": 1}, False),
    # The caches and imports of a recording, by recording.
    ("recording", "interchange_imports", {"id": 5, "recording_id": 20, "format": "eaf"}, True),
    ("recording", "interchange_imports", {"id": 5, "recording_id": 21, "format": "eaf"}, False),
    ("family", "suggestions", {"id": 5, "recording_id": 21, "kind": "turns"}, True),
    ("family", "suggestions", {"id": 2, "recording_id": 30, "kind": "turns"}, False),
    # Angles: the recording as an angle, or as the main film others are angles of.
    ("recording", "angles", {"id": 2, "recording_id": 20, "main_id": 30}, True),
    ("recording", "angles", {"id": 2, "recording_id": 30, "main_id": 20}, True),
    ("recording", "angles", {"id": 2, "recording_id": 30, "main_id": 31}, False),
    ("family", "angles", {"id": 2, "recording_id": 30, "main_id": 31}, False),
    # Coding schemes and codes belong to no family: never forgotten, whatever their ids.
    ("family", "codes", {"id": 2, "scheme_id": 2, "parent_id": None, "name": "Waiting"}, False),
    ("family", "coding_schemes", {"id": 2, "name": "Mine"}, False),
]


@pytest.mark.parametrize(("which", "table", "row", "holds"), CASES)
def test_a_deletion_forgets_exactly_the_undo_entries_holding_its_rows(
    which: str, table: str, row: dict[str, Any], holds: bool
) -> None:
    gone = _family() if which == "family" else _recording()
    assert gone.holds(table, row) is holds
