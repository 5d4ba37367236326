#!/usr/bin/env bash
# vfeedback.app and vfeedback-<version>.dmg on macOS (run by packaging/ci/bundles.yml on a macOS runner;
# not run on the Linux machine this project is developed on: packaging/README.md).
#   VFEEDBACK_VLC_DIR=/path/VLC.app/Contents/MacOS VFEEDBACK_FFMPEG_DIR=/path/to/ffmpeg-bin \
#     packaging/macos/package.sh VERSION
# libVLC and its whitelisted plugins are copied into the app from that VLC.app (vlc-plugins.txt):
# vfeedback never uses an installed /Applications/VLC.app. Signing and notarising happen only when
# the identity and the notary credentials are given (the anchor is Vorta's macos-package-app.sh):
#   MACOS_SIGN_IDENTITY="Developer ID Application: ..." APPLE_ID=... APPLE_TEAM_ID=... APPLE_APP_PASSWORD=...
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$1
app=dist/vfeedback.app
dmg=dist/vfeedback-$version.dmg

# The icon, from the project's renders.
iconset=build/vfeedback.iconset
mkdir -p "$iconset"
for n in 64 128 256; do cp "resources/icons/vfeedback-$n.png" "$iconset/icon_${n}x${n}.png"; done
iconutil -c icns "$iconset" -o build/vfeedback.icns

python -m PyInstaller --noconfirm --distpath dist --workpath build/pyinstaller packaging/vfeedback.spec

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  # Inside out: every library and plugin, then the programs, then the app with its entitlements.
  find "$app/Contents" -type f \( -name '*.dylib' -o -name '*.so' \) -print0 \
    | xargs -0 codesign --force --timestamp --options runtime --sign "$MACOS_SIGN_IDENTITY"
  find "$app/Contents" -type f -perm -u+x -path '*/bin/*' -print0 \
    | xargs -0 codesign --force --timestamp --options runtime --sign "$MACOS_SIGN_IDENTITY"
  codesign --force --timestamp --options runtime --entitlements packaging/macos/entitlements.plist \
    --sign "$MACOS_SIGN_IDENTITY" "$app"
  codesign --verify --deep --strict --verbose=2 "$app"
fi

# The .dmg: the app and a link to /Applications, for drag-and-drop installing.
stage=$(mktemp -d)
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"
rm -f "$dmg"
hdiutil create -volname "vfeedback" -srcfolder "$stage" -fs APFS -format UDZO "$dmg"
rm -rf "$stage"

if [ -n "${MACOS_SIGN_IDENTITY:-}" ] && [ -n "${APPLE_ID:-}" ]; then
  codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$dmg"
  xcrun notarytool submit "$dmg" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
    --password "$APPLE_APP_PASSWORD" --wait --timeout 20m
  xcrun stapler staple "$dmg"
  xcrun stapler validate "$dmg"
fi
echo "$dmg"
