"""The timeline widget under the video (custom painted); its state and maths live in core.timeline."""

from vfeedback.core.timeline import MomentItem, moment_items
from vfeedback.ui.timeline.view import TimelineView

__all__ = ["MomentItem", "TimelineView", "moment_items"]
