"""Keyboard-first coding as plain state, without a window: code keys, in/out marks, creating, walking
and deleting moments, and the changes views redraw from."""

from __future__ import annotations

import pytest
from expect import present
from mediagen import MediaSet

from vfeedback.core.coding import CodingState
from vfeedback.core.errors import BadInput
from vfeedback.core.model import Actor
from vfeedback.services import Library


class Playhead:
    """Where a test puts the playhead; it notes each pause and seek."""

    def __init__(self) -> None:
        self.us = 0
        self.calls: list[str] = []

    def time_us(self) -> int:
        return self.us

    def pause(self) -> None:
        self.calls.append("pause")

    def seek_us(self, us: int) -> None:
        self.calls.append(f"seek {us}")
        self.us = us


@pytest.fixture
def state(library: Library, media: MediaSet) -> tuple[CodingState, Playhead]:
    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1")
    playhead = Playhead()
    coding = CodingState(library.moments, playhead)
    coding.set_codes(list(library.schemes.get().codes))
    coding.open(rec)
    # As the window does: the library's changes reload the moments.
    library.subscribe(lambda changes: coding.reload() if "moments" in changes.tables else None)
    return coding, playhead


def test_code_keys_pick_principles_and_sub_items(state: tuple[CodingState, Playhead]) -> None:
    coding, _ = state
    principle = coding.pick_key("1")
    assert principle is not None and principle.parent_id is None and coding.current_code == principle
    item = next(c for c in coding.codes if c.parent_id is not None and c.key)
    assert item.key is not None and coding.pick_key(item.key.upper()) == item
    assert coding.pick_key("§") is None and coding.current_code == item


def test_in_out_then_enter_creates_one_moment(state: tuple[CodingState, Playhead], library: Library) -> None:
    coding, playhead = state
    playhead.us = 2_000_000
    coding.set_in()
    playhead.us = 3_520_000
    coding.set_out()
    assert coding.describe_marks() == "In 00:00:02.000   Out 00:00:03.520"
    moment = coding.create()
    assert (moment.start_us, moment.end_us) == (2_000_000, 3_520_000)
    assert coding.current_code is not None and moment.code_id == coding.current_code.id
    assert coding.mark_in is None and coding.mark_out is None
    assert coding.selected == [moment.id] and coding.moments == [moment]
    assert present(library.undo_label()).startswith("Add moment at 00:00:02.000")
    # Each key paused the playback first: a mark is the frame on screen, not one playing past.
    assert playhead.calls == ["pause", "pause", "pause"]


def test_out_before_in_clears_the_in_mark(state: tuple[CodingState, Playhead]) -> None:
    coding, playhead = state
    playhead.us = 5_000_000
    coding.set_in()
    playhead.us = 4_000_000
    coding.set_out()
    assert coding.mark_in is None and coding.mark_out == 4_000_000


def test_point_and_lane_creation(state: tuple[CodingState, Playhead]) -> None:
    coding, playhead = state
    playhead.us = 1_000_000
    point = coding.point()
    assert point.is_point and point.start_us == 1_000_000
    infant = coding.create_on_lane("infant", 4_000_000, 5_000_000)
    assert infant.actor == Actor.INFANT and coding.selected == [infant.id]
    waiting = next(c for c in coding.codes if c.name == "Waiting")
    on_lane = coding.create_on_lane(str(waiting.id), 6_000_000, 7_000_000)
    assert on_lane.code_id == waiting.id


def test_tab_walks_moments_in_time_order_and_wraps(state: tuple[CodingState, Playhead]) -> None:
    coding, playhead = state
    for us in (0, 3_000_000, 6_000_000):
        playhead.us = us
        coding.point()
    coding.select([])
    playhead.us = 2_000_000
    playhead.calls.clear()
    assert present(coding.next_moment()).start_us == 3_000_000
    assert playhead.calls == ["pause", "seek 3000000"] and coding.selected == [coding.moments[1].id]
    assert present(coding.next_moment()).start_us == 6_000_000
    assert present(coding.next_moment()).start_us == 0  # wraps to the first
    assert present(coding.previous_moment()).start_us == 6_000_000
    coding.select([])
    playhead.us = 2_000_000
    assert present(coding.previous_moment()).start_us == 0  # from the playhead when nothing is selected


def test_walking_without_moments_does_nothing(state: tuple[CodingState, Playhead]) -> None:
    coding, playhead = state
    assert coding.next_moment() is None and coding.previous_moment() is None
    assert playhead.calls == [] and coding.selected == []


def test_creating_without_a_recording_or_code_says_why(library: Library) -> None:
    coding = CodingState(library.moments, Playhead())
    with pytest.raises(BadInput, match=r"^Open a recording first\.$"):
        coding.point()
    assert library.undo_label() is None  # nothing was written


def test_creating_without_a_code_says_why_and_keeps_the_marks(
    state: tuple[CodingState, Playhead], library: Library
) -> None:
    coding, playhead = state
    coding.set_codes([])
    playhead.us = 1_000_000
    coding.set_in()
    with pytest.raises(BadInput, match=r"^Pick a code first \(its number or letter key\)\.$"):
        coding.create()
    assert coding.recording is not None
    assert coding.mark_in == 1_000_000 and library.moments.all(coding.recording.id) == []


def test_each_change_names_what_it_touched(state: tuple[CodingState, Playhead]) -> None:
    """Views redraw from these: the inspector only on selection or moments, the marks label only on
    marks."""
    coding, playhead = state
    seen: list[set[str]] = []
    coding.subscribe(lambda parts: seen.append(set(parts)))
    coding.set_in()
    coding.pick_key("1")
    playhead.us = 1_000_000
    moment = coding.point()
    coding.clear()
    assert seen == [{"marks"}, {"code"}, {"moments"}, {"selection"}, {"marks"}, {"selection"}]
    assert coding.selected == [] and coding.moments == [moment]


def test_deleting_lets_go_of_the_selection_before_the_moments_go(
    state: tuple[CodingState, Playhead], library: Library
) -> None:
    """A view holding the selected moment (the inspector, with typing not yet saved) must finish with
    it while it still exists."""
    coding, playhead = state
    playhead.us = 1_000_000
    moment = coding.point()
    still_there: list[bool] = []
    coding.subscribe(
        lambda parts: (
            still_there.append(bool(library.moments.all(moment.recording_id)))
            if "selection" in parts
            else None
        )
    )
    coding.delete_selected()
    assert still_there == [True]
    assert coding.moments == [] and coding.selected == []
    assert library.undo_label() == "Delete moment at 00:00:01.000"
    coding.delete_selected()  # nothing selected: nothing happens
    assert library.undo_label() == "Delete moment at 00:00:01.000"


def test_an_index_for_a_recording_no_longer_open_is_dropped(
    state: tuple[CodingState, Playhead], library: Library, media: MediaSet
) -> None:
    from vfeedback.core.frames import FrameIndex

    coding, _ = state
    first = coding.recording
    assert first is not None
    other = library.recordings.import_file(media["no_audio"], "F1")
    coding.open(other)
    assert not coding.set_index(first.id, FrameIndex([0, 40_000]))
    assert coding.index is None
    assert coding.set_index(other.id, FrameIndex([0, 40_000])) and coding.index is not None
    coding.close()
    assert (coding.recording, coding.index, coding.moments, coding.selected) == (None, None, [], [])


def test_loop_and_holds_follow_the_selection(state: tuple[CodingState, Playhead]) -> None:
    coding, playhead = state
    playhead.us = 1_000_000
    coding.point()
    span = coding.create_on_lane("parent", 2_000_000, 3_000_000)
    point = coding.moments[0]
    coding.select([point.id, span.id])
    assert coding.loop_span() == (2_000_000, 3_000_000)  # a point in time has nothing to loop
    assert coding.holds(span.id, 2_500_000) and not coding.holds(span.id, 3_500_000)
    coding.select([point.id])
    assert coding.loop_span() is None


def test_a_code_key_with_moments_selected_recodes_them_in_one_undoable_edit(
    state: tuple[CodingState, Playhead], library: Library
) -> None:
    """The clinician tagged two moments with the wrong code, selects them, and presses the right key:
    both change in one edit, one Undo brings both back, and the next tag keeps its code."""
    coding, playhead = state
    first_code = present(coding.current_code)
    playhead.us = 1_000_000
    a = coding.point()
    playhead.us = 2_000_000
    b = coding.point()
    playhead.us = 3_000_000
    untouched = coding.point()
    coding.select([a.id, b.id])
    waiting = library.schemes.code("Waiting")
    assert waiting.id != first_code.id
    assert coding.pick_key(present(waiting.key).upper()) == waiting
    codes = {m.id: m.code_id for m in library.moments.all(a.recording_id)}
    assert codes == {a.id: waiting.id, b.id: waiting.id, untouched.id: first_code.id}
    assert [m.code_id for m in coding.moments] == [waiting.id, waiting.id, first_code.id]  # views follow
    assert library.undo_label() == "Recode 2 moments as Waiting"
    assert coding.current_code == first_code and coding.selected == [a.id, b.id]
    library.undo()
    assert {m.code_id for m in library.moments.all(a.recording_id)} == {first_code.id}
    coding.select([a.id])
    coding.pick_key(present(waiting.key))
    assert library.undo_label() == "Recode moment at 00:00:01.000 as Waiting"
    coding.pick_key(present(waiting.key))  # already so coded: no second edit to undo
    library.undo()
    assert library.moments.get(a.id).code_id == first_code.id
    assert present(library.undo_label()).startswith("Add moment at 00:00:03.000")


def test_the_frame_on_screen_when_tagging_becomes_the_moments_picture(
    state: tuple[CodingState, Playhead], library: Library
) -> None:
    """cfr25: frames every 40 ms. M at 1.0 s: that frame; I at 2 s, O at 3.52 s, Enter: the frame on
    screen is the out frame (3.52 s); a drag on a lane far from the playhead: no picture (the middle
    serves)."""
    coding, playhead = state
    playhead.us = 1_000_000
    assert coding.point().picture_us == 1_000_000
    playhead.us = 2_000_000
    coding.set_in()
    playhead.us = 3_520_000
    coding.set_out()
    assert coding.create().picture_us == 3_520_000
    assert coding.create_on_lane("infant", 6_000_000, 7_000_000).picture_us is None
    playhead.us = 8_200_000
    assert coding.create_on_lane("infant", 8_000_000, 9_000_000).picture_us == 8_200_000
    assert [m.picture_us for m in library.moments.all(present(coding.recording).id)] == [
        1_000_000,
        3_520_000,
        None,
        8_200_000,
    ]
