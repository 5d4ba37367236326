"""The timeline's state and maths, without Qt: viewport, ruler, lanes, hits, snapping and gestures."""

from __future__ import annotations

import itertools
import random
import time
from typing import Any

import pytest
from expect import present

from vfeedback.core.frames import FrameIndex
from vfeedback.core.timeline import (
    DRAG_PX,
    EDGE_PX,
    MIN_FRAME_PX,
    POINT_HIT_PX,
    Create,
    CreateDrag,
    Hit,
    Lane,
    MomentItem,
    MomentLayout,
    Move,
    Retime,
    RubberBand,
    Scrub,
    Seek,
    Select,
    Snapper,
    TickKind,
    Trim,
    Viewport,
    hit_test,
    label_step,
    nearest_frame,
    ruler_ticks,
    toggled,
)

S = 1_000_000
FRAME = 40_000  # 25 fps
FIFTEEN_MIN = 15 * 60 * S


def frames_25(duration_us: int = FIFTEEN_MIN) -> FrameIndex:
    return FrameIndex(range(0, duration_us, FRAME))


def item(i: int, start: int, end: int, actor: str = "parent", code: str = "1") -> MomentItem:
    return MomentItem(i, start, end, actor, code, "#88aadd", f"code {code}", f"caption {i}")


def random_items(n: int, seed: int = 7, duration: int = FIFTEEN_MIN) -> list[MomentItem]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        start = rnd.randrange(0, duration - 1)
        kind = rnd.random()
        length = 0 if kind < 0.2 else rnd.randrange(1, 10 * S) if kind < 0.97 else rnd.randrange(S, 300 * S)
        end = min(start + length, duration - 1)
        actor = rnd.choice(["parent", "infant", "clinician"])
        out.append(item(i + 1, start, end, actor, str(rnd.randrange(6))))
    return out


# -- viewport ----------------------------------------------------------------------------------------------


def test_viewport_starts_fitted_and_maps_both_ways() -> None:
    vp = Viewport(FIFTEEN_MIN, 1200)
    assert vp.is_fitted and vp.start_us == 0
    assert vp.us_per_px * vp.width_px >= FIFTEEN_MIN > (vp.us_per_px - 1) * vp.width_px
    for x in range(0, 1200, 37):
        assert vp.x_of(vp.us_at(x)) == x
    us = 123_456_789
    x = vp.x_of(us)
    assert vp.us_at(x) <= us < vp.us_at(x + 1)


def test_zoom_keeps_the_time_under_the_cursor() -> None:
    rnd = random.Random(3)
    vp = Viewport(FIFTEEN_MIN, 1000)
    checked = 0
    for _ in range(400):
        anchor = rnd.uniform(0, 1000)
        before = vp.us_at(anchor)
        factor = rnd.choice([1.25, 1 / 1.25, 2.0, 0.5, 3.7])
        vp.zoom(factor, anchor)
        if 0 < vp.start_us < vp.max_start_us:
            assert vp.us_at(anchor) == before
            checked += 1
        if rnd.random() < 0.2:
            vp.scroll_px(rnd.uniform(-300, 300))
    assert checked > 100


def test_zoom_limits_whole_recording_to_a_frame_of_twelve_pixels() -> None:
    vp = Viewport(FIFTEEN_MIN, 1366, frame_us=FRAME)
    for _ in range(200):
        vp.zoom(1.5, 600)
    assert vp.us_per_px == vp.min_us_per_px
    assert FRAME / vp.us_per_px >= MIN_FRAME_PX
    assert FRAME / (vp.us_per_px + 1) < MIN_FRAME_PX + 0.01 or vp.us_per_px == 1
    for _ in range(200):
        vp.zoom(1 / 1.5, 600)
    assert vp.is_fitted
    assert vp.end_us >= FIFTEEN_MIN


def test_scroll_clamps_and_fit_survives_resizing() -> None:
    vp = Viewport(FIFTEEN_MIN, 1000)
    vp.zoom_to(10_000, 0)
    vp.scroll_px(-50)
    assert vp.start_us == 0
    vp.scroll_px(10**9)
    assert vp.start_us == vp.max_start_us and vp.end_us == FIFTEEN_MIN
    vp.fit()
    vp.set_width(500)
    assert vp.is_fitted and vp.end_us >= FIFTEEN_MIN
    vp.zoom_to(10_000, 0)
    vp.set_width(800)
    assert vp.us_per_px == 10_000


def test_ensure_visible_pages_only_when_the_time_leaves_the_view() -> None:
    vp = Viewport(FIFTEEN_MIN, 1000)
    vp.zoom_to(10_000, 0)  # 10 s in view
    assert not vp.ensure_visible(5 * S)
    assert vp.ensure_visible(10 * S)
    assert vp.contains(10 * S) and vp.x_of(10 * S) == 100
    assert vp.ensure_visible(2 * S)
    assert vp.start_us == 1 * S


def test_viewport_of_an_empty_recording_is_harmless() -> None:
    vp = Viewport(0, 0)
    assert vp.width_px == 1 and vp.us_per_px == 1 and vp.start_us == 0
    assert not vp.zoom(2, 0)
    vp.scroll_px(100)
    assert vp.start_us == 0
    assert ruler_ticks(vp) == [ruler_ticks(vp)[0]]


# -- ruler -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("upp", [1, 500, 3333, 10_000, 44_000, 200_000, 660_000, 5_000_000, 90_000_000])
def test_ruler_labels_never_overlap(upp: int) -> None:
    vp = Viewport(10 * 3600 * S, 1366)
    vp.zoom_to(upp, 0)
    vp.scroll_px(1234.5)
    short, long_, gap = 60, 90, 12
    ticks = ruler_ticks(vp, short_px=short, long_px=long_, gap_px=gap)
    labelled = [t for t in ticks if t.label]
    assert labelled
    for a, b in itertools.pairwise(labelled):
        assert a.label is not None
        width = long_ if "." in a.label else short
        assert b.x - a.x >= width + gap
    assert [t.us for t in ticks] == sorted(t.us for t in ticks)


def test_ruler_labels_read_like_clocks() -> None:
    vp = Viewport(FIFTEEN_MIN, 1366)
    assert all(len(t.label) == 8 for t in ruler_ticks(vp) if t.label)
    vp.zoom_to(vp.min_us_per_px, 0)
    vp.scroll_to(65 * S)
    labels = [t.label for t in ruler_ticks(vp) if t.label]
    assert "00:01:05.500" in labels or "00:01:06.000" in labels
    assert label_step(vp.us_per_px)[0] < S


def test_frame_ticks_sit_on_the_recordings_own_frames() -> None:
    rnd = random.Random(1)
    times, t = [], 0
    while t < 20 * S:
        times.append(t)
        t += rnd.choice([30_000, 33_000, 36_000])
    frames = FrameIndex(times)
    vp = Viewport(frames.duration_us, 1366, frame_us=33_000)
    assert not [t for t in ruler_ticks(vp, frames) if t.kind is TickKind.FRAME]
    vp.zoom_to(vp.min_us_per_px, 0)
    vp.scroll_to(5 * S)
    ticks = [t for t in ruler_ticks(vp, frames) if t.kind is not TickKind.MAJOR]
    assert ticks and all(t.kind is TickKind.FRAME and t.us in set(times) for t in ticks)


# -- layout ------------------------------------------------------------------------------------------------


def test_queries_match_brute_force() -> None:
    items = random_items(3000)
    layout = MomentLayout(items)
    rnd = random.Random(11)
    for _ in range(300):
        t0 = rnd.randrange(-S, FIFTEEN_MIN)
        t1 = t0 + rnd.choice([0, 1, FRAME, S, 60 * S, FIFTEEN_MIN])
        want = sorted(m.id for m in items if m.start_us <= t1 and m.end_us >= t0)
        assert sorted(p.item.id for p in layout.items_in(t0, t1)) == want
        lane = rnd.randrange(3)
        key = layout.lanes[lane].key
        got = [p.item for p in layout.items_in(t0, t1, lane)]
        assert [m.id for m in got] == [
            m.id
            for m in sorted(items, key=lambda m: (m.start_us, m.id))
            if m.actor == key and m.start_us <= t1 and m.end_us >= t0
        ]


def test_rows_never_overlap_and_touching_intervals_share_a_row() -> None:
    layout = MomentLayout(random_items(2000, seed=5))
    for placed in layout.placed:
        rows: dict[int, list[MomentItem]] = {}
        for p in placed:
            rows.setdefault(p.row, []).append(p.item)
        for members in rows.values():
            for a, b in itertools.pairwise(members):
                assert a.end_us < b.start_us or (a.end_us == b.start_us and not a.is_point and not b.is_point)
    touching = MomentLayout([item(1, 0, S), item(2, S, 2 * S), item(3, 2 * S, 2 * S), item(4, 2 * S, 2 * S)])
    assert [p.row for p in touching.placed[0]] == [0, 0, 1, 2]
    assert touching.depth[0] == 3


def test_lanes_by_actor_or_by_code() -> None:
    items = [item(1, 0, S, "infant", "7"), item(2, S, 2 * S, "parent", "9"), item(3, 0, 0, "parent", "8")]
    by_actor = MomentLayout(items)
    assert [lane.key for lane in by_actor.lanes] == ["parent", "infant", "clinician"]
    assert present(by_actor.get(1)).lane == 1
    by_code = MomentLayout(items, "code", [Lane("9", "Waiting", "#ff0000"), Lane("7", "Smiling")])
    assert [lane.key for lane in by_code.lanes] == ["9", "7", "8"]
    assert by_code.lanes[2].title == "code 8"
    assert present(by_code.get(3)).lane == 2


def test_moment_items_carry_code_colour_name_and_selection() -> None:
    from datetime import datetime

    from vfeedback.core.model import Actor, Code, CodeKind, Moment
    from vfeedback.core.timeline import moment_items

    now = datetime(2024, 1, 1)
    code = Code(7, 1, None, "Waiting", "Encouraging", None, "#aabbcc", "2", CodeKind.STRENGTH, None, None, 0)
    moments = [
        Moment(1, 1, 0, S, 7, Actor.INFANT, "You wait", "", "me", now, now),
        Moment(2, 1, S, S, 99, Actor.PARENT, "", "", "me", now, now),
    ]
    first, second = moment_items(moments, {7: code}, selected=[2])
    assert (first.actor, first.code, first.colour, first.text, first.caption) == (
        "infant",
        "7",
        "#aabbcc",
        "Waiting",
        "You wait",
    )
    assert not first.selected and second.selected
    assert second.text == "?" and second.is_point


def test_ten_thousand_moments_answer_quickly() -> None:
    items = random_items(10_000)
    started = time.perf_counter()
    layout = MomentLayout(items)
    build = time.perf_counter() - started
    started = time.perf_counter()
    for k in range(200):
        layout.items_in(k * 4 * S, k * 4 * S + 5 * S, k % 3)
    per_query = (time.perf_counter() - started) / 200
    assert build < 1.0
    assert per_query < 0.002


# -- hit testing -------------------------------------------------------------------------------------------


def _vp_ms_per_px() -> Viewport:
    vp = Viewport(FIFTEEN_MIN, 1000, frame_us=12_000)
    vp.zoom_to(1000, 0)  # 1 ms per pixel: 1 s is 1000 px, a 25 fps frame 40 px
    assert vp.us_per_px == 1000
    return vp


def _hit(layout: MomentLayout, vp: Viewport, lane: int, x: float, slot: int | None = None) -> Hit:
    """``hit_test`` where the test expects a hit."""
    found = hit_test(layout, vp, lane, x, slot)
    assert found is not None, (lane, x, slot)
    return found


def test_hit_test_tells_body_from_edges() -> None:
    vp = _vp_ms_per_px()
    layout = MomentLayout([item(1, 100_000, 400_000), item(2, 600_000, 600_000)])
    assert _hit(layout, vp, 0, 250).part == "body"
    assert _hit(layout, vp, 0, 101).part == "start"
    assert _hit(layout, vp, 0, 100 - EDGE_PX).part == "start"
    assert _hit(layout, vp, 0, 399).part == "end"
    assert _hit(layout, vp, 0, 400 + EDGE_PX).part == "end"
    assert hit_test(layout, vp, 0, 400 + EDGE_PX + 2) is None
    point = _hit(layout, vp, 0, 600.5 + POINT_HIT_PX - 0.5)
    assert point.item.id == 2 and point.part == "body"
    assert hit_test(layout, vp, 0, 600.5 + POINT_HIT_PX + 1) is None
    assert hit_test(layout, vp, 1, 250) is None


def test_hit_test_between_touching_blocks_and_on_narrow_ones() -> None:
    vp = _vp_ms_per_px()
    layout = MomentLayout([item(1, 100_000, 300_000), item(2, 300_000, 500_000), item(3, 700_000, 704_000)])
    assert _hit(layout, vp, 0, 298).item.id == 1
    assert _hit(layout, vp, 0, 302).item.id == 2
    narrow = _hit(layout, vp, 0, 702)
    assert narrow.item.id == 3 and narrow.part == "body"
    assert _hit(layout, vp, 0, 697).part == "start"


def test_hit_test_respects_display_slots() -> None:
    vp = _vp_ms_per_px()
    layout = MomentLayout([item(1, 0, 500_000), item(2, 100_000, 300_000)])
    assert _hit(layout, vp, 0, 200, slot=0).item.id == 1
    assert _hit(layout, vp, 0, 200, slot=1).item.id == 2
    assert _hit(layout, vp, 0, 200).item.id == 2  # drawn on top


# -- snapping ----------------------------------------------------------------------------------------------


def test_nearest_frame_and_frame_on_screen() -> None:
    frames = frames_25()
    assert nearest_frame(frames, 59_000) == 40_000
    assert nearest_frame(frames, 61_000) == 80_000
    assert nearest_frame(frames, 10**12) == frames.times[-1]
    snapper = Snapper(Viewport(FIFTEEN_MIN, 1000), frames)
    assert snapper.frame_on_screen(79_999) == 40_000
    assert snapper.frame(-5) == 0
    assert snapper.limit_us == FIFTEEN_MIN - FRAME


def test_snapping_to_playhead_edges_and_frames() -> None:
    vp = _vp_ms_per_px()
    layout = MomentLayout([item(1, 200_000, 520_000), item(2, 900_000, 900_000)])
    snapper = Snapper(vp, frames_25(), playhead_us=400_000, marks=[800_000], layout=layout, exclude=[2])
    assert snapper.snap(404_000).kind == "playhead"
    assert snapper.snap(404_000).us == 400_000
    assert snapper.snap(408_000).us == 400_000 and snapper.snap(408_000).kind == "frame"
    assert snapper.snap(515_000) == snapper.snap(515_000, magnetic=True)
    assert snapper.snap(515_000).us == 520_000 and snapper.snap(515_000).kind == "edge"
    assert snapper.snap(515_000, magnetic=False).us == 520_000
    assert snapper.snap(502_000, magnetic=False).kind == "frame"
    assert snapper.snap(797_000).kind == "mark"
    assert snapper.snap(903_000).kind == "frame"  # item 2 is excluded (it is the one moving)
    assert snapper.snap(3_000).kind == "bound" and snapper.snap(3_000).us == 0
    assert snapper.snap(-50_000).us == 0


# -- gestures ----------------------------------------------------------------------------------------------


def _snapper(layout: MomentLayout | None = None, **kw: Any) -> Snapper:
    return Snapper(_vp_ms_per_px(), frames_25(), layout=layout, **kw)


def test_create_drag_normalises_and_snaps_to_frames() -> None:
    g = CreateDrag(_snapper(), 330.0, "infant")
    g.move(331.0)
    assert not g.dragging
    g.move(105.0)
    assert g.draft == (120_000, 320_000)
    assert g.finish() == Create("infant", 120_000, 320_000)


def test_click_on_an_empty_lane_seeks_to_the_frame_under_the_mouse() -> None:
    g = CreateDrag(_snapper(), 330.0, "parent")
    g.move(330.0 + DRAG_PX - 1)
    assert g.finish() == Seek(320_000)


def test_create_drag_snaps_to_the_playhead_and_shows_a_guide() -> None:
    g = CreateDrag(_snapper(playhead_us=600_000), 100.0, "parent")
    g.move(596.0)
    assert g.draft == (80_000, 600_000)
    assert g.guide is not None and g.guide.kind == "playhead"
    g.move(596.0, magnetic=False)
    assert g.guide is None


def test_trim_never_passes_the_other_edge_nor_the_recording() -> None:
    m = item(1, 200_000, 400_000)
    layout = MomentLayout([m])
    g = Trim(_snapper(layout, exclude=[1]), 401.0, m, "end")
    g.move(705.0)
    assert g.changes == {1: (200_000, 720_000)}  # 704 ms keeps the 1 ms grab offset, nearest frame 720
    g.move(50.0)
    assert g.changes == {1: (200_000, 240_000)}  # one frame past the start, never less
    assert g.finish() == Retime(((1, 200_000, 240_000),), "trim")
    g = Trim(_snapper(layout, exclude=[1]), 200.0, m, "start")
    g.move(-500.0)
    assert g.changes == {1: (0, 400_000)}
    g.move(900.0)
    assert g.changes == {1: (360_000, 400_000)}


def test_trim_without_moving_selects_and_escape_cancels() -> None:
    m = item(1, 200_000, 400_000)
    g = Trim(_snapper(MomentLayout([m])), 200.0, m, "start")
    assert g.finish() == Select((1,))
    g = Trim(_snapper(MomentLayout([m])), 200.0, m, "start")
    g.move(100.0)
    g.cancel()
    g.move(50.0)
    assert g.finish() is None and g.guide is None


def test_move_keeps_length_and_clamps_to_the_recording() -> None:
    a, b = item(1, 200_000, 400_000), item(2, 1_000_000, 1_000_000)
    layout = MomentLayout([a, b])
    g = Move(_snapper(layout, exclude=[1, 2]), 300.0, a, [a, b], click=Select((1,)))
    g.move(421.0)
    assert g.changes == {1: (320_000, 520_000), 2: (1_120_000, 1_120_000)}
    assert g.finish() == Retime(((1, 320_000, 520_000), (2, 1_120_000, 1_120_000)), "move")
    g = Move(_snapper(layout, exclude=[1]), 300.0, a, [a])
    g.move(-10_000.0)
    assert g.changes == {1: (0, 200_000)}
    g.move(10**7)
    limit = FIFTEEN_MIN - FRAME
    assert g.changes == {1: (limit - 200_000, limit)}


def test_move_snaps_either_edge_of_the_grabbed_moment() -> None:
    a, other = item(1, 200_000, 400_000), item(2, 1_000_000, 1_200_000)
    layout = MomentLayout([a, other])
    g = Move(_snapper(layout, exclude=[1]), 300.0, a, [a])
    g.move(897.0)  # end would land at 997 ms: 3 px from the other moment's start
    assert g.changes == {1: (800_000, 1_000_000)}
    assert g.guide is not None and g.guide.us == 1_000_000
    g.move(1100.0)  # start lands at 1000 ms: within reach of the other's start
    assert g.changes[1][0] == 1_000_000


def test_move_without_dragging_gives_the_click_result() -> None:
    a = item(1, 200_000, 400_000)
    assert Move(_snapper(MomentLayout([a])), 300.0, a, [a], click=Select((1,))).finish() == Select((1,))
    g = Move(_snapper(MomentLayout([a])), 300.0, a, [a])
    g.move(320.0)
    g.move(300.0)
    assert g.finish() is None


def test_rubber_band_selects_across_lanes_and_adds_to_the_selection() -> None:
    items = [item(1, 100_000, 200_000, "parent"), item(2, 150_000, 150_000, "infant"),
             item(3, 300_000, 400_000, "infant"), item(4, 120_000, 130_000, "clinician")]  # fmt: skip
    layout = MomentLayout(items)
    g = RubberBand(_snapper(layout), 50.0, 0, layout, base={9})
    g.move(180.0, lane=1)
    assert g.band == (50_000, 180_000, 0, 1)
    assert g.finish() == Select((1, 2, 9))
    g = RubberBand(_snapper(layout), 50.0, 0, layout, base={9})
    assert g.finish() == Select((9,))


def test_scrub_follows_the_mouse_frame_by_frame() -> None:
    g = Scrub(_snapper(), 101.0)
    assert g.us == 80_000
    g.move(163.0)
    assert g.us == 160_000
    g.move(-40.0)
    assert g.us == 0
    assert g.finish() == Seek(0)


def test_toggled_adds_or_removes() -> None:
    assert toggled({1, 2}, 2) == Select((1,))
    assert toggled({1}, 3) == Select((1, 3))
