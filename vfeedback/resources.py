"""Where the shipped resources (coding schemes, icons) live.

An installed copy carries them inside the package (``vfeedback/resources``); a source checkout keeps
them at the project root, next to the ``vfeedback`` package. The installed location wins, so an
editable install still finds the checkout's files and a wheel never reaches outside itself.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resources_dir() -> Path:
    """Return the folder holding ``schemes/`` and ``icons/``.

    Raises FileNotFoundError (a packaging bug, not a user error) when neither place has them.
    """
    candidates = (_PACKAGE / "resources", _PACKAGE.parent / "resources")
    for candidate in candidates:
        # The schemes folder is the marker, so a stray "resources" folder beside an installed
        # package (site-packages/resources) is never mistaken for ours.
        if (candidate / "schemes").is_dir():
            return candidate
    raise FileNotFoundError(
        "vfeedback's resources folder is missing; looked in "
        + " and ".join(str(c) for c in candidates)
    )
