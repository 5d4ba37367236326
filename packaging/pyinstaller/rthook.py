"""PyInstaller runtime hook: before any of vfeedback runs, the frozen app finds its own ffmpeg and
libVLC (packaging/pyinstaller/bundle_payload.py says how), never the system's."""

import os
import sys
from pathlib import Path

import bundle_payload  # collected beside this hook by vfeedback.spec

_base = Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
os.environ.update(bundle_payload.runtime_environment(_base, bundle_payload.system_of(sys.platform), os.environ))
