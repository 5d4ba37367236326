"""packaging/LICENSES.md and the bundle's licences/ folder, both generated from the bundle itself
(make bundle runs this), so the list cannot drift from what is shipped.

Every file in the bundle is traced to where it came from: a Python distribution of the build's
virtual environment (by the top-level folder it sits in), or a Debian package (by its file name, in
dpkg's own lists). Each source is listed with its licence, and its licence texts are copied into
``_internal/licenses/`` (Debian's copyright file; a wheel's licence files). libVLC's plugins are
listed one by one with the licence each one declares inside itself (VLC 3 plugins export it), and
ffmpeg with the configuration it was built with, read from the bundled program.

    python scripts/bundle_licences.py BUNDLE packaging/LICENSES.md
"""

from __future__ import annotations

import ctypes
import importlib.metadata as metadata
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

DPKG_INFO = Path("/var/lib/dpkg/info")
OURS = {"vfeedback", "base_library.zip", "bundle_payload", "licenses", "vlc", "bin", "python3.11"}


def debian_owners() -> dict[str, str]:
    """File name to Debian package, from dpkg's lists (the bundle flattens folders)."""
    owners: dict[str, str] = {}
    for listing in DPKG_INFO.glob("*.list"):
        package = listing.stem.split(":")[0]
        for line in listing.read_text("utf-8", "replace").splitlines():
            if "/lib/" in line or line.startswith(("/usr/bin/", "/bin/")):
                owners.setdefault(Path(line).name, package)
    return owners


def python_owners() -> dict[str, metadata.Distribution]:
    """Top-level name in site-packages (package, ``<name>.libs``) to its distribution."""
    owners: dict[str, metadata.Distribution] = {}
    for dist in metadata.distributions():
        for file in dist.files or []:
            top = file.parts[0]
            if not top.endswith((".dist-info", ".data")) and top != "..":
                owners.setdefault(top.removesuffix(".py"), dist)
    return owners


def archived_packages(executable: Path) -> set[str]:
    """Top-level names of the pure-Python modules PyInstaller packed into the executable's archive."""
    from PyInstaller.archive.readers import CArchiveReader

    archive = CArchiveReader(str(executable)).open_embedded_archive("PYZ.pyz")
    return {name.split(".")[0] for name in archive.toc}


def debian_licences(package: str) -> list[str]:
    copyright_file = Path("/usr/share/doc") / package / "copyright"
    if not copyright_file.is_file():
        return ["see the package's copyright file"]
    found = re.findall(r"^License:\s*(\S.*)$", copyright_file.read_text("utf-8", "replace"), re.M)
    names = sorted({f.strip() for f in found if len(f) < 80})
    return names or ["see the package's copyright file"]


def python_licence(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return str(expression)
    classifiers = [
        c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")
    ]
    if classifiers:
        return "; ".join(classifiers)
    text = (meta.get("License") or "").strip().splitlines()
    return text[0][:80] if text else "see its licence files"


def plugin_licence(path: Path) -> str:
    try:
        library = ctypes.CDLL(str(path))
        entry = library.vlc_entry_license__3_0_0f
        entry.restype = ctypes.c_char_p
        said = entry().decode("utf-8", "replace")
    except (OSError, AttributeError):
        return "unknown (the plugin does not say)"
    if "Lesser" in said:
        return "LGPL-2.1-or-later"
    if "General Public License" in said:
        return "GPL-2.0-or-later"
    return said


def ffmpeg_configuration(base: Path) -> tuple[str, str]:
    done = subprocess.run([str(base / "bin" / "ffmpeg"), "-hide_banner", "-version"], capture_output=True,
                          text=True, env={"LD_LIBRARY_PATH": str(base)}, check=True)
    version = done.stdout.split()[2]
    config = next((line.split(":", 1)[1].strip() for line in done.stdout.splitlines()
                   if line.startswith("configuration:")), "")
    return version, config


def main(bundle: Path, out: Path) -> None:
    base = bundle / "_internal"
    texts = base / "licenses"
    shutil.rmtree(texts, ignore_errors=True)
    deb, py = debian_owners(), python_owners()
    from_debian: dict[str, list[str]] = defaultdict(list)
    from_python: dict[str, tuple[metadata.Distribution, list[str]]] = {}
    unknown: list[str] = []
    for path in sorted(base.iterdir()):
        name = path.name
        if name in OURS or name.endswith(".dist-info") or path.is_symlink():
            continue  # a link PyInstaller makes to a wheel's library is listed with its wheel
        top = name if name in py else name.removesuffix(".libs")
        if top in py:
            dist = py[top]
            from_python.setdefault(dist.metadata["Name"], (dist, []))[1].append(name)
        elif name in deb:
            from_debian[deb[name]].append(name)
        else:
            unknown.append(name)
    for top in sorted(archived_packages(bundle / "vfeedback")):
        if top in py and top not in ("vfeedback", "bundle_payload"):
            dist = py[top]
            from_python.setdefault(dist.metadata["Name"], (dist, []))[1].append(f"{top} (in the archive)")
    for program in sorted((base / "bin").iterdir()):
        from_debian[deb.get(program.name, "ffmpeg")].append(f"bin/{program.name}")
    plugins = sorted((base / "vlc" / "plugins").rglob("*.so"))
    plugin_packages = {deb.get(p.name, "?") for p in plugins}
    if unknown:
        sys.exit("bundle_licences: no source known for " + ", ".join(unknown))

    for package in from_debian:
        source = Path("/usr/share/doc") / package / "copyright"
        if source.is_file():
            (texts / "debian" / package).mkdir(parents=True, exist_ok=True)
            shutil.copy(source, texts / "debian" / package / "copyright")
    for package in plugin_packages:
        source = Path("/usr/share/doc") / package / "copyright"
        if source.is_file():
            (texts / "debian" / package).mkdir(parents=True, exist_ok=True)
            shutil.copy(source, texts / "debian" / package / "copyright")
    for name, (dist, _) in from_python.items():
        for file in dist.files or []:
            named_licence = re.search(r"(LICEN[CS]E|COPYING|NOTICE)", str(file), re.I)
            if file.parts[0].endswith(".dist-info") and named_licence:
                target = texts / "python" / name / Path(*file.parts[1:])
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(dist.locate_file(file), target)

    version, config = ffmpeg_configuration(base)
    gpl = "--enable-gpl" in config
    lines = [
        "# Licences of what the self-contained vfeedback carries",
        "",
        "Generated by `scripts/bundle_licences.py` from the bundle `make bundle` built (Linux, from",
        "PyPI wheels and Debian packages); do not edit by hand. The licence texts themselves are in the",
        "bundle, under `_internal/licenses/` (`debian/<package>/copyright`, `python/<distribution>/`),",
        "and the .deb installs this list as `/usr/share/doc/vfeedback/LICENSES.md`.",
        "",
        "## ffmpeg and ffprobe",
        "",
        f"Debian's ffmpeg {version}, run by vfeedback as separate programs. Its build configuration:",
        "",
        f"    {config}",
        "",
        ("This is a **GPL** build (`--enable-gpl`, with libx264 and libx265): Debian packages no LGPL build "
         "of ffmpeg, and vfeedback's clips are H.264 made with libx264, which is GPL itself. The programs "
         "are shipped unmodified beside vfeedback, not linked into it; their source is Debian's `ffmpeg` "
         "source package of this version." if gpl else "An LGPL build (no `--enable-gpl`)."),
        "",
        "## libVLC and its plugins",
        "",
        "libVLC (`libvlc5`, `libvlccore9`: LGPL-2.1-or-later) with only the plugins listed in",
        "`packaging/vlc-plugins.txt`; each plugin's licence as the plugin itself declares it:",
        "",
        "| plugin | Debian package | licence |",
        "|---|---|---|",
    ]
    for plugin in plugins:
        rel = plugin.relative_to(base / "vlc" / "plugins")
        lines.append(f"| `{rel}` | {deb.get(plugin.name, '?')} | {plugin_licence(plugin)} |")
    lines += [
        "", "## Python packages (from PyPI)", "",
        "| distribution | version | licence | files in the bundle |", "|---|---|---|---|",
    ]
    for name, (dist, files) in sorted(from_python.items(), key=lambda item: item[0].lower()):
        shown = ", ".join(f"`{f}`" for f in sorted(files))
        lines.append(f"| {name} | {dist.version} | {python_licence(dist)} | {shown} |")
    lines += ["", "Python itself: the Python Software Foundation License (PSF-2.0); `libpython3.11.so.1.0`,",
              "`base_library.zip` and `python3.11/`.", "",
              "Qt 6 (the `PySide6-Essentials` and `shiboken6` wheels above) is used under the LGPL-3.0; its",
              "libraries are shipped as separate shared libraries in `_internal/PySide6/Qt/lib`, so they can",
              "be replaced.", "", "## System libraries (from Debian)", "",
              "Libraries that ffmpeg, libVLC, Qt and Python's own modules load, each from the Debian package",
              "named, with the licences its copyright file names.", "",
              "| Debian package | version | licences | files in the bundle |", "|---|---|---|---|"]
    for package in sorted(from_debian):
        version_done = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True,
                                      text=True, check=False)
        shown = ", ".join(f"`{f}`" for f in sorted(from_debian[package]))
        licences = ", ".join(debian_licences(package))
        lines.append(f"| {package} | {version_done.stdout or '?'} | {licences} | {shown} |")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"bundle_licences: {len(from_debian)} Debian packages, {len(from_python)} Python distributions, "
          f"{len(plugins)} VLC plugins -> {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
