#!/usr/bin/env bash
# make bundle-test: prove dist/vfeedback/ and its .deb on a machine where nothing else helps them.
#   1. every ELF file's libraries resolve inside the bundle or from the system's own folders
#      (never "not found", never the build tree or a virtual environment);
#   2. the bundle's --self-check under `env -i` with only DISPLAY set (a private Xvfb), in a mount
#      namespace where the system's ffmpeg, ffprobe, libVLC and libav* are hidden; and the time
#      until its window is on screen (bundle_start_s);
#   3. the .deb installed with apt into a clean Debian chroot (debootstrap minbase, cached as a
#      tarball in build/chroot/): its --self-check there, its desktop entry validated, and the
#      entry's command opening a video (a file name with a space) in the window.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh bundle
py=build/venv-bundle/bin/python
bundle=$PWD/dist/vfeedback
deb=$(ls -t dist/vfeedback_*_amd64.deb 2>/dev/null | head -n1 || true)
[ -x "$bundle/vfeedback" ] && [ -n "$deb" ] || { echo "bundle-test: run make bundle first" >&2; exit 1; }
work=$(mktemp -d /tmp/vfeedback-bundle-test.XXXXXX)
xvfb_pid=
cleanup() { [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
log=build/bundle-test.log
: > "$log"

echo "bundle-test: 1. the bundle's libraries" >&2
$py scripts/bundle_elf.py check "$bundle"

# A private X server without authorisation, so `env -i DISPLAY=...` is all a client needs.
display=$(( 200 + $$ % 300 ))
Xvfb ":$display" -nolisten tcp -screen 0 1280x800x24 >> "$log" 2>&1 & xvfb_pid=$!
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$display" ] && break; sleep 0.1; done
export DISPLAY=":$display"

echo "bundle-test: 2. --self-check with the system's ffmpeg and VLC hidden, env -i" >&2
hide=$(mktemp "$work/hide.XXXXXX")
{ for f in /usr/bin/ffmpeg /usr/bin/ffprobe /usr/lib/x86_64-linux-gnu/libvlc.so* \
      /usr/lib/x86_64-linux-gnu/libvlccore.so* /usr/lib/x86_64-linux-gnu/libav*.so* \
      /usr/lib/x86_64-linux-gnu/libsw*.so* /usr/lib/x86_64-linux-gnu/libpostproc.so*; do
    [ -e "$f" ] && readlink -f "$f"
  done; } | sort -u > "$hide"
unshare --mount --propagation private bash -euo pipefail -c '
  while read -r f; do mount --bind /dev/null "$f"; done < "$1"
  [ -d /usr/lib/x86_64-linux-gnu/vlc ] && mount -t tmpfs none /usr/lib/x86_64-linux-gnu/vlc
  if command -v ffmpeg >/dev/null && ffmpeg -version >/dev/null 2>&1; then echo "the system ffmpeg is not hidden" >&2; exit 1; fi
  env -i DISPLAY="$DISPLAY" "$2/vfeedback" --self-check 2>> "$3"
  # The window: from starting the program to its main window mapped on screen (an empty library).
  home=$(mktemp -d "$4/home.XXXXXX")
  start=$(date +%s%N)
  env -i DISPLAY="$DISPLAY" HOME="$home" "$2/vfeedback" >> "$3" 2>&1 & app=$!
  until xwininfo -name vfeedback 2>/dev/null | grep -q "IsViewable"; do
    kill -0 "$app" 2>/dev/null || { echo "bundle-test: the app ended before showing its window" >&2; exit 1; }
    [ $(( $(date +%s%N) - start )) -lt 30000000000 ] || { echo "bundle-test: no window in 30 s" >&2; exit 1; }
    sleep 0.01
  done
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  kill -TERM "$app"; wait "$app" || true
  printf "bundle_start_s=%d.%03d (target 1.5)\n" $((ms / 1000)) $((ms % 1000))
  [ "$ms" -le 1500 ] || echo "bundle-test: the window took longer than 1.5 s" >&2
' _ "$hide" "$bundle" "$PWD/$log" "$work"

echo "bundle-test: 3. the .deb in a clean Debian chroot" >&2
tarball=$(scripts/debian_chroot.sh | tail -n1)
root=$work/root
mkdir -p "$root" build/chroot/apt-archives/partial
tar -C "$root" -xzf "$tarball"
cp "$deb" "$root/tmp/"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/root/Films of the week"
ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=s=320x240:r=25:d=3 -f lavfi -i sine=d=3 \
  -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest "$root/root/Films of the week/visit 2.mp4"
unshare --mount --propagation private bash -euo pipefail -c '
  root=$1 deb=$2 log=$3
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mkdir -p "$root/tmp/.X11-unix" && mount --bind /tmp/.X11-unix "$root/tmp/.X11-unix"
  mount --bind "$PWD/build/chroot/apt-archives" "$root/var/cache/apt/archives"
  in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }
  echo "bundle-test: apt-get install ./$(basename "$deb") (and what it depends on) in the chroot" >&2
  in_root apt-get update -qq >> "$log" 2>&1
  in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$deb")" >> "$log" 2>&1 \
    || { tail -20 "$log" >&2; exit 1; }
  if in_root sh -c "command -v ffmpeg || ls /usr/lib/x86_64-linux-gnu/libvlc* /usr/lib/x86_64-linux-gnu/libavcodec*" 2>/dev/null; then
    echo "bundle-test: the chroot has a system ffmpeg or VLC: it is not clean" >&2; exit 1
  fi
  chroot "$root" env -i DISPLAY="$DISPLAY" /usr/bin/vfeedback --self-check 2>> "$log"
  entry=$root/usr/share/applications/org.vfeedback.VFeedback.desktop
  desktop-file-validate "$entry"
  echo "ok      desktop  the installed desktop entry validates" >&2
  # What a desktop runs when the clinician opens a video with vfeedback: the entry'"'"'s Exec, %f the file.
  exec_line=$(sed -n "s/^Exec=//p" "$entry")
  film="/root/Films of the week/visit 2.mp4"
  read -r -a argv <<< "${exec_line% %f}"
  chroot "$root" env -i DISPLAY="$DISPLAY" HOME=/root PATH=/usr/bin:/bin "${argv[@]}" "$film" >> "$log" 2>&1 & app=$!
  for _ in $(seq 300); do
    # The window names the open film by its family and its date or name: "Unfiled · 7 December 2026 — vfeedback".
    xwininfo -root -tree 2>/dev/null | grep -q "\"[^\"]* · [^\"]* — vfeedback\"" && break
    kill -0 "$app" 2>/dev/null || break
    sleep 0.1
  done
  shown=$(xwininfo -root -tree 2>/dev/null | grep -o "\"[^\"]* · [^\"]* — vfeedback\"" | head -n1 || true)
  kill -TERM "$app" 2>/dev/null; wait "$app" || true
  names=$(chroot "$root" env -i HOME=/root /usr/bin/vfeedback recordings --json)
  case "$names" in *"visit 2.mp4"*) ;; *) echo "bundle-test: the video was not imported: $names" >&2; exit 1 ;; esac
  [ -n "$shown" ] || { echo "bundle-test: the window did not show the video" >&2; exit 1; }
  echo "ok      open     the desktop entry opened \"visit 2.mp4\" in the window ($shown)" >&2
' _ "$root" "$deb" "$PWD/$log"
echo "bundle-test: passed" >&2
