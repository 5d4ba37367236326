#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian/Ubuntu machine, fast when nothing is missing:
#   1. system packages (apt, as root or through sudo) for the given profile: run | test | bundle
#   2. .venv/ from requirements/runtime.txt (run) or requirements/dev.txt (test), with hashes,
#      rebuilt only when that lock file changes; for bundle, build/venv-bundle/ from
#      requirements/bundle.txt (the app's pins and PyInstaller, nothing of the tests)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-run}

# What the app needs at run time (shared/platform.md): ffmpeg/ffprobe, libvlc with its video outputs,
# the X11/xcb libraries Qt loads, fonts (Symbola draws the emoji in captions and handouts: libass
# cannot draw a colour emoji font), and a Python that can make a virtualenv.
run_pkgs=(ffmpeg libvlc5 vlc-plugin-base vlc-plugin-video-output
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 libegl1 libgl1
  libfontconfig1 fonts-dejavu-core fonts-symbola libglib2.0-0 libdbus-1-3 libpulse0)
# What the tests add: a virtual screen and screenshots, PDF rendering, a PostgreSQL server, the
# installer compiler and Flatpak manifest linter the packaging tests run, and espeak-ng (the adult
# voices of the suggested-moments test corpus).
test_pkgs=(xvfb xauth imagemagick poppler-utils postgresql desktop-file-utils appstream util-linux
  nsis flatpak-builder espeak-ng)
# What building and proving the self-contained app adds (packaging/README.md): the ELF tools that make
# the bundled libraries find each other, the .deb and installer compilers, the manifest linter, a
# clean Debian made from the archive, the window lister that times the window's start, and
# vlc-cache-gen for the bundled plugins' cache.
bundle_pkgs=(xvfb xauth desktop-file-utils appstream util-linux patchelf binutils fakeroot dpkg-dev
  nsis flatpak-builder debootstrap x11-utils libvlc-bin)

pkgs=("${run_pkgs[@]}")
[ "$profile" = test ] && pkgs+=("${test_pkgs[@]}")
[ "$profile" = bundle ] && pkgs+=("${bundle_pkgs[@]}")
command -v python3 >/dev/null || pkgs+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || pkgs+=(python3-venv)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python3 - <<'PY' || { echo "setup: vfeedback needs Python 3.11 or newer" >&2; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY

# The app needs only requirements/runtime.txt; the tests and tools add requirements/dev.txt, pinned on top
# of exactly the runtime pins. Both carry every file's hash: pip refuses anything that differs.
lock=requirements/runtime.txt
[ "$profile" = test ] && lock=requirements/dev.txt
venv=.venv
if [ "$profile" = bundle ]; then lock=requirements/bundle.txt; venv=build/venv-bundle; fi
stamp=$venv/.lock-sha256
want=$(cat "$lock" pyproject.toml | sha256sum | cut -d' ' -f1)
dev=$(cat requirements/dev.txt pyproject.toml | sha256sum | cut -d' ' -f1)
[ "$profile" = bundle ] && dev=$want
have=$(cat "$stamp" 2>/dev/null || true)
# A venv built for the tests also serves the app (dev holds every runtime pin).
if [ ! -x $venv/bin/python ] || { [ "$have" != "$want" ] && [ "$have" != "$dev" ]; }; then
  echo "setup: building $venv from $lock" >&2
  [ -x $venv/bin/python ] || python3 -m venv $venv
  $venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r "$lock"
  # setuptools is chatty about editable installs: keep its log, show it only if the install fails.
  if ! $venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation \
      -e . > $venv/install.log 2>&1; then
    cat $venv/install.log >&2
    exit 1
  fi
  echo "$want" > "$stamp"
fi
