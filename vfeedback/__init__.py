"""vfeedback: video feedback for parent-infant relationship work."""

__version__ = "0.1.0"
