"""After PyInstaller (make bundle, Linux): make the bundled ffmpeg, libVLC and its plugins find their
libraries inside the bundle only, and build libVLC's plugin cache.

Every ELF file PyInstaller collected from Debian (the base folder's libraries, ``bin/``,
``vlc/plugins/``) gets a RUNPATH to the base folder, relative to itself (``$ORIGIN/...``): the bundle
then works wherever it is unpacked, with or without the LD_LIBRARY_PATH the bootloader sets, and a
bundled plugin never reaches for the system's VLC folder (Debian's plugins carry
``/usr/lib/x86_64-linux-gnu/vlc``). Libraries that came inside wheels keep the RUNPATH their wheel
gave them. Qt's translations are dropped: vfeedback speaks English only.

    python scripts/bundle_fixup.py dist/vfeedback
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ELF = b"\x7fELF"
CACHE_GEN = Path("/usr/lib/x86_64-linux-gnu/vlc/vlc-cache-gen")


def is_elf(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == ELF


def runpath(path: Path) -> str:
    done = subprocess.run(
        ["patchelf", "--print-rpath", str(path)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def relative_origin(path: Path, base: Path) -> str:
    up = os.path.relpath(base, path.parent)
    return "$ORIGIN" if up == "." else f"$ORIGIN/{up}"


def ours_to_fix(base: Path) -> list[Path]:
    """Debian's files: the base folder's own libraries, the programs, the plugins."""
    files = [p for p in base.iterdir() if p.is_file() and not p.is_symlink() and ".so" in p.name]
    files += [p for p in (base / "bin").iterdir() if p.is_file()]
    files += [p for p in (base / "vlc" / "plugins").rglob("*.so") if p.is_file()]
    return [p for p in files if is_elf(p)]


def main(bundle: Path) -> None:
    base = bundle / "_internal"
    fixed = 0
    for path in ours_to_fix(base):
        current = runpath(path)
        if current and "$ORIGIN" in current and path.parent == base:
            continue  # a library a wheel brought along (its own $ORIGIN path)
        path.chmod(path.stat().st_mode | 0o200)
        subprocess.run(["patchelf", "--set-rpath", relative_origin(path, base), str(path)], check=True)
        fixed += 1
    libpython = next(base.glob("libpython3*.so*"), None)
    if libpython is not None:  # pyenv's is built with its symbols: 23 MB, 4 MB without
        subprocess.run(["strip", "--strip-unneeded", str(libpython)], check=True)
    shutil.rmtree(base / "PySide6" / "Qt" / "translations", ignore_errors=True)
    plugins = base / "vlc" / "plugins"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LD_LIBRARY_PATH": str(base)}
    subprocess.run([str(CACHE_GEN), str(plugins)], check=True, env=env, stderr=subprocess.DEVNULL)
    if not (plugins / "plugins.dat").is_file():
        sys.exit("bundle_fixup: vlc-cache-gen wrote no plugins.dat")
    print(f"bundle_fixup: {fixed} runpaths set, plugin cache built")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
