"""Review mode: a reel shown full screen to a family (see window.py)."""

from vfeedback.ui.review.window import ReviewWindow

__all__ = ["ReviewWindow"]
