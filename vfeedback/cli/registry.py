"""The commands that live in their own modules, gathered in one place: the parser asks here for their
grammar, the entry point for their handlers. (Imported lazily: they import the parser's helpers.)"""

from __future__ import annotations

from typing import Any

from vfeedback.cli import cmd_cycles, cmd_elan_boris, cmd_exchange, cmd_supervision
from vfeedback.cli.commands import HANDLERS as CORE_HANDLERS
from vfeedback.cli.commands import Handler


def add_parsers(sub: Any, exp_sub: Any) -> None:
    """``sub``: the top-level subparsers; ``exp_sub``: those of ``export``."""
    cmd_cycles.add_parsers(sub)
    cmd_supervision.add_parsers(sub)
    cmd_elan_boris.add_export_parsers(exp_sub)
    cmd_exchange.add_export_parsers(exp_sub)


def handlers() -> dict[tuple[str, str | None], Handler]:
    return {
        **CORE_HANDLERS,
        **cmd_cycles.HANDLERS,
        **cmd_exchange.HANDLERS,
        **cmd_supervision.HANDLERS,
        ("export", "eaf"): cmd_elan_boris.export_eaf,
        ("import", "eaf"): cmd_elan_boris.import_eaf,
        ("import", "boris"): cmd_elan_boris.import_boris,
    }
