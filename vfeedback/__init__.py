"""vfeedback: video feedback for parent-infant relationship work."""

import logging as _logging
import os as _os

__version__ = "0.1.0"

# The terminal gets one sentence per error, never the libraries' chatter. Our own warnings (a
# damaged packet skipped by the decoder) go to whatever the embedding program set up, not to
# Python's last-resort stderr handler; OpenCV prints nothing (it must be told before it loads);
# PyAV keeps libav's log off by default; ffmpeg and ffprobe always run with -v error and their
# stderr captured.
_logging.getLogger(__name__).addHandler(_logging.NullHandler())
_os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")
