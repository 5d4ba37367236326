#!/usr/bin/env bash
# A clean Debian (debootstrap's minbase: apt, dpkg, coreutils, nothing of a desktop) for make
# bundle-test, as a tarball cached in build/chroot/ between runs on the same machine.
#   scripts/debian_chroot.sh TARBALL_PATH_OUT
# The suite is this machine's own (/etc/os-release) and the archive the address its apt already uses
# (its sources), so no host name is written into the project and nothing but the Debian archive
# is reached.
set -euo pipefail
cd "$(dirname "$0")/.."
. /etc/os-release
suite=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}
cache=build/chroot
tarball=$cache/debian-$suite-minbase.tar.gz

archive() {
  # The first Debian archive address in apt's sources, one-line (.list) or deb822 (.sources) form.
  { grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
      | awk -v s="$suite" '$0 ~ (" " s " ") || $0 ~ (" " s "$") {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}'
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -f "$f" ] || continue
      awk -v s="$suite" 'BEGIN {RS=""} $0 ~ ("Suites:[^\n]*" s "( |\n|$)") && /Types:[^\n]*deb( |\n|$)/ {
          if (match($0, /URIs: *[^ \n]+/)) {u = substr($0, RSTART, RLENGTH); sub(/URIs: */, "", u); print u; exit}}' "$f"
    done; } | grep -v -- '-security' | head -n1
}

if [ ! -s "$tarball" ]; then
  mirror=$(archive)
  [ -n "$mirror" ] || { echo "debian_chroot: no Debian archive found in apt's sources" >&2; exit 1; }
  root=$(mktemp -d "$cache.XXXXXX" 2>/dev/null || { mkdir -p "$cache"; mktemp -d "$cache/root.XXXXXX"; })
  trap 'rm -rf "$root"' EXIT
  echo "debian_chroot: debootstrap $suite (minbase) from the archive in apt's sources" >&2
  start=$(date +%s)
  debootstrap --variant=minbase "$suite" "$root" "$mirror" > "$cache.debootstrap.log" 2>&1 \
    || { tail -20 "$cache.debootstrap.log" >&2; exit 1; }
  # Security updates from the same archive, as a Debian installed today would have them.
  mkdir -p "$cache"
  tar -C "$root" -czf "$tarball.part" . && mv "$tarball.part" "$tarball"
  echo "chroot_create_s=$(( $(date +%s) - start ))"
fi
echo "$tarball"
