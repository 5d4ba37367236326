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


HEAVY = ("PySide6", "shiboken6", "cv2", "av", "vlc", "alembic", "numpy", "tomllib", "defusedxml", "xml")
"""What no command that does not need it may load (the GUI, decoders, migrations, file formats)."""
LAZY = (
    "vfeedback.ui", "vfeedback.render", "vfeedback.export", "vfeedback.interchange", "vfeedback.media.",
    "vfeedback.core.agreement", "vfeedback.core.cycles", "vfeedback.core.schemes",
    "vfeedback.services.elan_boris", "vfeedback.services.cycles",
)  # fmt: skip
"""Our own modules a command imports only where it uses them (vfeedback.media.names, a name
quoter, is the one media module the services need at once)."""


def _loaded_by(code: str) -> list[str]:
    """The modules of the lists above that ``code`` leaves loaded, run in a fresh interpreter."""
    probe = (
        f"{code}\nimport sys\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {HEAVY!r} or m.startswith({LAZY!r})]\n"
        "print(','.join(sorted(m for m in bad if m != 'vfeedback.media.names')))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return [m for m in result.stdout.strip().split(",") if m]


def test_cli_start_does_not_load_gui_or_decoders() -> None:
    assert _loaded_by("from vfeedback.cli import main, parser, registry") == []


def test_a_library_command_loads_only_what_it_uses(tmp_path: Path) -> None:
    """``vfeedback families`` opens a library (SQLAlchemy, the services) and loads nothing else: no
    GUI, decoder, Alembic (the library is current), file format, figures or other command group."""
    from vfeedback.services import Library

    library = tmp_path / "lib"
    with Library.open(library) as lib:
        lib.families.add("F1")
    code = (
        "import contextlib, io, sys\n"
        "from vfeedback.cli.main import run\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert run(['--library', {str(library)!r}, 'families']) == 0\n"
        "groups = sorted(m for m in sys.modules if m.startswith('vfeedback.cli.cmd_'))\n"
        "assert groups == ['vfeedback.cli.cmd_families'], groups\n"
        "assert 'vfeedback.services' in sys.modules\n"
    )
    assert _loaded_by(code) == []


def test_help_loads_no_library_code() -> None:
    """`vfeedback --help` and every command's grammar are answered without SQLAlchemy or the services."""
    code = (
        "import contextlib, io, sys\n"
        "from vfeedback.cli import parser, registry\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    parser.parse(['--help'])\n"
        "for command in registry.COMMANDS:\n"
        "    parser.build(command)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {('sqlalchemy', *HEAVY)!r}]\n"
        "print(','.join(sorted(bad + [m for m in sys.modules if m.startswith('vfeedback.services')])))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def _cli_sources() -> dict[str, ast.Module]:
    return {p.stem: ast.parse(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "cli").glob("*.py"))}


def test_cli_modules_use_no_other_modules_private_helpers() -> None:
    """Each command group keeps its private helpers; what groups share is public (arguments, output,
    progress, registry)."""
    sources = _cli_sources()
    offenders = []
    for name, tree in sources.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("vfeedback."):
                private = [a.name for a in node.names if a.name.startswith("_")]
                offenders += [f"{name}: from {node.module} import {p}" for p in private]
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name)
                and node.value.id in sources
                and node.value.id != name
            ):
                offenders.append(f"{name}: {node.value.id}.{node.attr}")
    assert offenders == []


def test_shared_cli_arguments_are_declared_in_one_place() -> None:
    """--json, --purpose, --out and --link-original are spelled in ``cli/arguments.py`` only."""
    shared = {"--json", "--purpose", "--out", "--link-original"}
    offenders = []
    for name, tree in _cli_sources().items():
        for node in ast.walk(tree):
            if name != "arguments" and isinstance(node, ast.Constant) and node.value in shared:
                offenders.append(f"{name}: {node.value}")
    assert offenders == []


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
