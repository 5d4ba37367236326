"""Supervision: compare two coders of one recording."""

from vfeedback.ui.compare.window import CompareWindow

__all__ = ["CompareWindow"]
