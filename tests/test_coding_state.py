"""Keyboard-first coding as plain state: code keys, in/out marks, creating and walking moments."""

from __future__ import annotations

import pytest

from vfeedback.core.errors import BadInput
from vfeedback.core.model import Actor
from vfeedback.services import Library
from vfeedback.ui.workbench.coding import CodingState


class Playhead:
    def __init__(self) -> None:
        self.us = 0

    def __call__(self) -> int:
        return self.us


@pytest.fixture
def state(library: Library, media) -> tuple[CodingState, Playhead]:
    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1")
    playhead = Playhead()
    coding = CodingState(library, position=playhead, recording_id=rec.id)
    coding.set_codes(list(library.schemes.get().codes))
    return coding, playhead


def test_code_keys_pick_principles_and_sub_items(state) -> None:
    coding, _ = state
    principle = coding.pick_key("1")
    assert principle is not None and principle.parent_id is None and coding.current_code == principle
    item = next(c for c in coding.codes if c.parent_id is not None and c.key)
    assert coding.pick_key(item.key.upper()) == item
    assert coding.pick_key("§") is None and coding.current_code == item


def test_in_out_then_enter_creates_one_moment(state, library: Library) -> None:
    coding, playhead = state
    playhead.us = 2_000_000
    coding.set_in()
    playhead.us = 3_520_000
    coding.set_out()
    moment = coding.create()
    assert (moment.start_us, moment.end_us) == (2_000_000, 3_520_000)
    assert moment.code_id == coding.current_code.id
    assert coding.mark_in is None and coding.mark_out is None
    assert coding.selected == [moment.id]
    assert library.undo_label().startswith("Add moment at 00:00:02.000")


def test_out_before_in_clears_the_in_mark(state) -> None:
    coding, playhead = state
    playhead.us = 5_000_000
    coding.set_in()
    playhead.us = 4_000_000
    coding.set_out()
    assert coding.mark_in is None and coding.mark_out == 4_000_000


def test_point_and_lane_creation(state) -> None:
    coding, playhead = state
    playhead.us = 1_000_000
    point = coding.point()
    assert point.is_point and point.start_us == 1_000_000
    infant = coding.create_on_lane("infant", 4_000_000, 5_000_000)
    assert infant.actor == Actor.INFANT


def test_tab_walks_moments_in_time_order_and_wraps(state, library: Library) -> None:
    coding, playhead = state
    made = [coding.point() for _ in range(1)]
    playhead.us = 3_000_000
    made.append(coding.point())
    playhead.us = 6_000_000
    made.append(coding.point())
    moments = library.moments.all(coding.recording_id)
    coding.selected = []
    playhead.us = 2_000_000
    assert coding.neighbour(moments, True).start_us == 3_000_000
    assert coding.neighbour(moments, True).start_us == 6_000_000
    assert coding.neighbour(moments, True).start_us == 0  # wraps to the first
    assert coding.neighbour(moments, False).start_us == 6_000_000
    assert coding.neighbour([], True) is None


def test_creating_without_a_recording_or_code_says_why(library: Library) -> None:
    coding = CodingState(library, position=lambda: 0)
    with pytest.raises(BadInput, match="Open a recording"):
        coding.point()
