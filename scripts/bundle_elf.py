"""The bundle's ELF files and what the dynamic linker makes of them (make bundle-test, make bundle).

    python scripts/bundle_elf.py check BUNDLE   every file's libraries resolve, inside the bundle or
                                                from the system's own folders; exit 1 naming each
                                                file with a library "not found" or found elsewhere
                                                (the build tree, a virtual environment, pyenv)
    python scripts/bundle_elf.py depends BUNDLE the Debian packages owning the system libraries the
                                                bundle still needs (the .deb's Depends)

ldd runs with nothing in its environment but the LD_LIBRARY_PATH the PyInstaller bootloader gives the
app and every child it starts (the bundle's ``_internal``), so what it finds is what the running app
finds, wherever the bundle is unpacked.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

SYSTEM_DIRS = ("/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/")
_LINE = re.compile(r"^\s*(\S+)\s+=>\s+(.*?)\s+\(0x[0-9a-f]+\)\s*$|^\s*(\S+)\s+=>\s+not found\s*$")


def elf_files(bundle: Path) -> Iterator[Path]:
    for path in sorted(bundle.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    yield path


def ldd(path: Path, base: Path) -> tuple[dict[str, str], list[str]]:
    """({library name: where it resolved}, [libraries not found]) for one file of the bundle."""
    env = {"LD_LIBRARY_PATH": str(base)}
    done = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env, check=False)
    found: dict[str, str] = {}
    missing: list[str] = []
    for line in done.stdout.splitlines():
        if "=> not found" in line:
            missing.append(line.split("=>")[0].strip())
        elif "=>" in line:
            name, _, rest = line.partition("=>")
            where = rest.strip().rsplit(" (", 1)[0].strip()
            if where:
                found[name.strip()] = where
    if done.returncode != 0 and not found and "not a dynamic executable" not in done.stderr + done.stdout:
        missing.append(f"(ldd failed: {done.stderr.strip() or done.stdout.strip()})")
    return found, missing


def problems(bundle: Path) -> list[str]:
    inside = str(bundle.resolve()) + "/"
    said = []
    for path in elf_files(bundle):
        found, missing = ldd(path, bundle.resolve() / "_internal")
        shown = path.relative_to(bundle)
        said += [f"{shown}: {name} not found" for name in missing]
        for name, where in found.items():
            if not (where.startswith(inside) or where.startswith(SYSTEM_DIRS)):
                said.append(f"{shown}: {name} resolved outside the bundle and the system, from {where}")
    return said


def system_libraries(bundle: Path) -> set[str]:
    inside = str(bundle.resolve()) + "/"
    needed: set[str] = set()
    for path in elf_files(bundle):
        found, _ = ldd(path, bundle.resolve() / "_internal")
        needed |= {where for where in found.values() if not where.startswith(inside)}
    return needed


def owning_packages(libraries: set[str]) -> set[str]:
    """Debian packages owning these files (through symbolic links: /lib is /usr/lib here)."""
    owners: set[str] = set()
    for library in sorted(libraries):
        resolved = str(Path(library).resolve())
        candidates = {library, resolved, resolved.replace("/usr/lib/", "/lib/", 1)}
        done = subprocess.run(["dpkg", "-S", *candidates], capture_output=True, text=True, check=False)
        got = {line.split(":", 1)[0] for line in done.stdout.splitlines() if ": " in line}
        if not got:
            raise SystemExit(f"bundle_elf: no Debian package owns {library}")
        owners |= {name.split(",")[0].strip() for name in got}
    # libc6 and its loader come with every Debian; multiarch names go without their ":amd64".
    return {name.split(":")[0] for name in owners}


def main(argv: list[str]) -> int:
    what, bundle = argv[0], Path(argv[1])
    if what == "check":
        said = problems(bundle)
        for line in said:
            print(f"bundle-test: {line}", file=sys.stderr)
        count = sum(1 for _ in elf_files(bundle))
        print(f"bundle_elf_files={count} bundle_elf_problems={len(said)}")
        return 1 if said else 0
    if what == "depends":
        print(", ".join(sorted(owning_packages(system_libraries(bundle)))))
        return 0
    raise SystemExit(f"usage: {Path(__file__).name} check|depends BUNDLE")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
