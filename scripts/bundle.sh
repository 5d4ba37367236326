#!/usr/bin/env bash
# make bundle: dist/vfeedback/ (the self-contained app, one folder) and dist/vfeedback_<version>_amd64.deb.
# Everything comes from PyPI (requirements/bundle.txt, with hashes) and Debian packages; nothing else
# is downloaded. Prints bundle_build_s and bundle_size_mb (the unpacked folder).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/setup.sh bundle
py=build/venv-bundle/bin/python
version=$($py -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
rm -rf dist/vfeedback
$py -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
  packaging/vfeedback.spec 2> build/pyinstaller.log || { tail -30 build/pyinstaller.log >&2; exit 1; }
$py scripts/bundle_fixup.py dist/vfeedback
$py scripts/bundle_licences.py dist/vfeedback packaging/LICENSES.md
cp packaging/LICENSES.md dist/vfeedback/_internal/licenses/LICENSES.md
deb=$(packaging/linux/build-deb.sh dist/vfeedback "$version" "$py")
end=$(date +%s)
size=$(du -sm --apparent-size dist/vfeedback | cut -f1)
echo "bundle: dist/vfeedback/ and $deb"
echo "bundle_build_s=$((end - start))"
echo "bundle_size_mb=$size (target 400)"
