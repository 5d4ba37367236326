"""The layers below ui/ never import Qt, and the command line does not load heavy modules it doesn't use."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import vfeedback

ROOT = Path(vfeedback.__file__).parent
QT_FREE = ("core", "system", "storage", "media", "export", "interchange", "services", "cli")


def _modules(package: str) -> list[str]:
    pkg_path = ROOT / package
    names = [f"vfeedback.{package}"]
    for info in pkgutil.walk_packages([str(pkg_path)], prefix=f"vfeedback.{package}."):
        if ".migrations" not in info.name:
            names.append(info.name)
    return names


def test_lower_layers_never_import_qt_at_run_time() -> None:
    modules = [m for p in QT_FREE for m in _modules(p)]
    assert len(modules) > 15
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_lower_layers_have_no_qt_import_statement() -> None:
    offenders = []
    for package in QT_FREE:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                banned = (
                    ("PySide6", "shiboken6")
                    if path.name == "vlc_player.py"
                    else ("PySide6", "shiboken6", "vlc")
                )
                if any(n.split(".")[0] in banned for n in names):
                    offenders.append(f"{path.relative_to(ROOT)}: {names}")
                if any(n.startswith("vfeedback.ui") for n in names):
                    offenders.append(f"{path.relative_to(ROOT)} imports the ui layer: {names}")
    assert offenders == []


def test_cli_start_does_not_load_gui_or_decoders() -> None:
    code = (
        "import sys\n"
        "from vfeedback.cli import main, commands, parser\n"
        "heavy = ('PySide6', 'cv2', 'av', 'vlc', 'alembic', 'numpy')\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_render_uses_qtgui_only() -> None:
    """The handout renderer paints with QtGui (no widgets), so the CLI can use it without a window."""
    code = (
        "import sys, vfeedback.render.handout\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('PySide6.QtWidgets'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_a_network_connection_fails_the_test() -> None:
    import socket

    import pytest as _pytest

    with _pytest.raises(AssertionError, match="network connection"), socket.socket() as sock:
        sock.connect(("127.0.0.1", 9))


def test_the_layer_contracts_hold() -> None:
    """The layer order written in pyproject.toml ([tool.importlinter]) is what the code does: each
    layer imports only from the layers below it, Qt only above the services, the core reads no files."""
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint), "--config", str(ROOT.parent / "pyproject.toml")],
        capture_output=True, text=True, check=False, cwd=ROOT.parent,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    assert "broken" not in result.stdout.lower().replace("0 broken", "")
