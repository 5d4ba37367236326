"""What the self-contained app carries besides Python: libVLC with its whitelisted plugins, and the
ffmpeg and ffprobe programs; where each comes from on each system and where it goes in the bundle.

Pure functions over paths (no PyInstaller import), shared by ``vfeedback.spec`` and the tests.
Bundle layout (PyInstaller's ``_internal`` folder, called the base here):

    <base>/bin/ffmpeg[.exe], <base>/bin/ffprobe[.exe]     found through PATH (the runtime hook)
    <base>/libvlc.so.5 | libvlc.dll | libvlc.dylib         PYTHON_VLC_LIB_PATH (the runtime hook)
    <base>/vlc/plugins/<folder>/lib<name>_plugin.<ext>     VLC_PLUGIN_PATH, PYTHON_VLC_MODULE_PATH

On Linux libvlccore sits beside libvlc in the base, which is also where libVLC itself looks for
``vlc/plugins`` (its library folder); Debian's packages are the source. On Windows and macOS the
source is a VLC distribution and an ffmpeg build unpacked where ``VFEEDBACK_VLC_DIR`` and
``VFEEDBACK_FFMPEG_DIR`` say (packaging/README.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath

SYSTEMS = ("linux", "windows", "macos")
PLUGIN_SUFFIX = {"linux": ".so", "windows": ".dll", "macos": ".dylib"}
LIBVLC = {"linux": "libvlc.so.5", "windows": "libvlc.dll", "macos": "libvlc.dylib"}
LIBVLCCORE = {"linux": "libvlccore.so.9", "windows": "libvlccore.dll", "macos": "libvlccore.dylib"}
EXE_SUFFIX = {"linux": "", "windows": ".exe", "macos": ""}
PROGRAMS = ("ffmpeg", "ffprobe")
DEBIAN_LIBDIR = Path("/usr/lib/x86_64-linux-gnu")


class PayloadError(Exception):
    """A missing piece: the bundle would start and then fail, so the build stops instead."""


@dataclass(frozen=True)
class Plugin:
    folder: str
    name: str
    systems: tuple[str, ...]

    def file_name(self, system: str) -> str:
        return f"lib{self.name}_plugin{PLUGIN_SUFFIX[system]}"


def system_of(platform: str) -> str:
    """``sys.platform`` to one of SYSTEMS."""
    if platform.startswith("linux"):
        return "linux"
    if platform in ("win32", "cygwin"):
        return "windows"
    if platform == "darwin":
        return "macos"
    raise PayloadError(f"vfeedback is not packaged for {platform}")


def read_whitelist(text: str) -> list[Plugin]:
    plugins = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where, *systems = line.split()
        folder, _, name = where.partition("/")
        unknown = [s for s in systems if s not in SYSTEMS]
        if not folder or not name or unknown:
            raise PayloadError(f"vlc-plugins.txt line {number} is not 'folder/name [systems]': {raw!r}")
        plugins.append(Plugin(folder, name, tuple(systems) or SYSTEMS))
    return plugins


def plugins_for(plugins: Iterable[Plugin], system: str) -> list[Plugin]:
    return [p for p in plugins if system in p.systems]


def sources(system: str, env: Mapping[str, str] = os.environ) -> tuple[Path, Path, Path]:
    """(folder holding libvlc, its plugins folder, folder holding the ffmpeg programs)."""
    if system == "linux":
        libdir = Path(env.get("VFEEDBACK_VLC_DIR", str(DEBIAN_LIBDIR)))
        return libdir, libdir / "vlc" / "plugins", Path(env.get("VFEEDBACK_FFMPEG_DIR", "/usr/bin"))
    missing = [name for name in ("VFEEDBACK_VLC_DIR", "VFEEDBACK_FFMPEG_DIR") if not env.get(name)]
    if missing:
        raise PayloadError(f"building for {system} needs {' and '.join(missing)} (packaging/README.md)")
    vlc = Path(env["VFEEDBACK_VLC_DIR"])
    libdir = vlc / "lib" if system == "macos" else vlc
    return libdir, vlc / "plugins", Path(env["VFEEDBACK_FFMPEG_DIR"])


def binaries(system: str, whitelist: Iterable[Plugin], env: Mapping[str, str] = os.environ) -> list[tuple[str, str]]:
    """PyInstaller ``binaries`` entries (source file, destination folder in the bundle). Raises
    PayloadError naming every whitelisted file that is missing, so nothing ships half."""
    libdir, plugin_dir, program_dir = sources(system, env)
    wanted: list[tuple[Path, str]] = [(libdir / LIBVLC[system], "."), (libdir / LIBVLCCORE[system], ".")]
    wanted += [(program_dir / f"{p}{EXE_SUFFIX[system]}", "bin") for p in PROGRAMS]
    for plugin in plugins_for(whitelist, system):
        wanted.append((plugin_dir / plugin.folder / plugin.file_name(system), f"vlc/plugins/{plugin.folder}"))
    missing = [str(source) for source, _ in wanted if not source.is_file()]
    if missing:
        raise PayloadError("missing from the sources: " + ", ".join(missing))
    return [(str(source), dest) for source, dest in wanted]


def runtime_environment(base: PurePath, system: str, env: Mapping[str, str]) -> dict[str, str]:
    """The variables the frozen app sets at start so that vfeedback finds its own ffmpeg and libVLC:
    the bundle's bin first on PATH (the one way vfeedback finds programs: by name, on PATH), and
    python-vlc and libVLC pointed at the bundled library and plugins. ``base`` is a PurePath of the
    running system's flavour (tests use PureWindowsPath for Windows drive letters and UNC paths)."""
    separator = ";" if system == "windows" else ":"
    default_path = "" if system == "windows" else "/usr/bin:/bin"
    path = env.get("PATH") or default_path
    plugins = str(base / "vlc" / "plugins")
    return {
        "PATH": separator.join(p for p in (str(base / "bin"), path) if p),
        "PYTHON_VLC_LIB_PATH": str(base / LIBVLC[system]),
        "PYTHON_VLC_MODULE_PATH": plugins,
        "VLC_PLUGIN_PATH": plugins,
    }
