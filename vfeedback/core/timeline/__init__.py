"""The timeline under the video, as plain state and maths: viewport, ruler, lanes, hits, snapping, gestures.

The Qt view (``vfeedback.ui.timeline``) draws from these and turns mouse input into them; everything here
is testable without Qt. Times are integer microseconds throughout.
"""

from vfeedback.core.timeline.gestures import (
    DRAG_PX,
    Create,
    CreateDrag,
    Gesture,
    Move,
    Result,
    Retime,
    RubberBand,
    Scrub,
    Seek,
    Select,
    Trim,
    toggled,
)
from vfeedback.core.timeline.hits import (
    EDGE_PX,
    MAX_SLOTS,
    MIN_BLOCK_PX,
    POINT_HIT_PX,
    Hit,
    Part,
    block_span,
    hit_test,
    slot_of,
)
from vfeedback.core.timeline.layout import (
    ACTOR_LANES,
    Lane,
    LaneMode,
    MomentItem,
    MomentLayout,
    Placed,
    SpanIndex,
    moment_items,
)
from vfeedback.core.timeline.snapping import MAGNET_PX, Snap, SnapKind, Snapper, last_time, nearest_frame
from vfeedback.core.timeline.ticks import FRAME_TICK_PX, Tick, TickKind, label_step, label_text, ruler_ticks
from vfeedback.core.timeline.viewport import DEFAULT_FRAME_US, MIN_FRAME_PX, Viewport

__all__ = [
    "ACTOR_LANES",
    "DEFAULT_FRAME_US",
    "DRAG_PX",
    "EDGE_PX",
    "FRAME_TICK_PX",
    "MAGNET_PX",
    "MAX_SLOTS",
    "MIN_BLOCK_PX",
    "MIN_FRAME_PX",
    "POINT_HIT_PX",
    "Create",
    "CreateDrag",
    "Gesture",
    "Hit",
    "Lane",
    "LaneMode",
    "MomentItem",
    "MomentLayout",
    "Move",
    "Part",
    "Placed",
    "Result",
    "Retime",
    "RubberBand",
    "Scrub",
    "Seek",
    "Select",
    "Snap",
    "SnapKind",
    "Snapper",
    "SpanIndex",
    "Tick",
    "TickKind",
    "Trim",
    "Viewport",
    "block_span",
    "hit_test",
    "label_step",
    "label_text",
    "last_time",
    "moment_items",
    "nearest_frame",
    "ruler_ticks",
    "slot_of",
    "toggled",
]
