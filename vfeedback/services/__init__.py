"""The one API the GUI and the command line share."""

from vfeedback.services.library import Library

__all__ = ["Library"]
