"""Reading media files: probing, frame indexes and fingerprints (never Qt).

Modules here import PyAV, OpenCV and numpy inside the functions that need them, so that
importing ``vfeedback.media`` (and starting the command line) stays fast.
"""
