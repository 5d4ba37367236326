#!/usr/bin/env bash
# dist/vfeedback_<version>_amd64.deb from the bundle (make bundle runs this after PyInstaller):
# the app in /opt/vfeedback, /usr/bin/vfeedback pointing at it, the desktop entry, the AppStream file
# and the icons where a desktop looks for them. It depends only on what a desktop Debian has: the
# system libraries the bundle still takes from the system (computed from the bundle by
# scripts/bundle_elf.py depends: the graphics stack, libc) and the fonts and fontconfig set-up that
# Qt and the burnt-in captions draw with. Symbola, for emoji in captions, is recommended.
#   packaging/linux/build-deb.sh BUNDLE VERSION PYTHON
set -euo pipefail
cd "$(dirname "$0")/../.."
bundle=$1 version=$2 python=$3
id=org.vfeedback.VFeedback
out=dist/vfeedback_${version}_amd64.deb
stage=$(mktemp -d build/deb.XXXXXX)
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage/opt" "$stage/usr/bin" "$stage/DEBIAN"
cp -a "$bundle" "$stage/opt/vfeedback"
ln -s /opt/vfeedback/vfeedback "$stage/usr/bin/vfeedback"
install -Dm644 packaging/linux/$id.desktop "$stage/usr/share/applications/$id.desktop"
install -Dm644 packaging/linux/$id.metainfo.xml "$stage/usr/share/metainfo/$id.metainfo.xml"
install -Dm644 resources/icons/vfeedback.svg "$stage/usr/share/icons/hicolor/scalable/apps/$id.svg"
for n in 64 128 256; do
  install -Dm644 resources/icons/vfeedback-$n.png "$stage/usr/share/icons/hicolor/${n}x$n/apps/$id.png"
done
install -Dm644 packaging/LICENSES.md "$stage/usr/share/doc/vfeedback/LICENSES.md"

system=$("$python" scripts/bundle_elf.py depends "$bundle")
size=$(du -sk "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: vfeedback
Version: $version
Architecture: amd64
Maintainer: The vfeedback team <vfeedback@localhost>
Installed-Size: $size
Depends: $system, fontconfig-config, fonts-dejavu-core
Recommends: fonts-symbola
Section: video
Priority: optional
Description: video feedback for parent-infant relationship work
 Find the moments a parent and baby were in tune, frame by frame, and share
 warm highlight clips. Self-contained: its own Python, Qt, libVLC and ffmpeg
 in /opt/vfeedback; everything stays on this computer.
CONTROL
dpkg-deb --root-owner-group -Zgzip -z6 --build "$stage" "$out" >/dev/null
echo "$out"
