"""``vfeedback``: with a command, the CLI; without one, the app."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if _wants_gui(args):
        from vfeedback.ui.app import run_gui

        return run_gui(args)
    from vfeedback.cli.main import run

    return run(args)


def _wants_gui(args: list[str]) -> bool:
    """No command (only ``--library X``): the window."""
    rest = list(args)
    while rest and rest[0].startswith("--library"):
        rest = rest[1:] if "=" in rest[0] else rest[2:]
    return not rest


if __name__ == "__main__":
    sys.exit(main())
