#!/bin/sh
# Installs credkit: picks the binary for this OS and architecture, fetches it
# and SHA256SUMS, checks the SHA-256 before anything is installed, then moves
# it into place atomically as "$CREDKIT_INSTALL_DIR/credkit". On a checksum
# mismatch it stops with an error and installs nothing.
#
#   curl -fsSL https://github.com/credkit/credkit/releases/latest/download/install.sh | sh
#
# Environment:
#   CREDKIT_INSTALL_FROM    where the release files are: an https:// base URL, or a
#                           local directory (offline installs); default
#                           https://github.com/credkit/credkit/releases/latest/download
#   CREDKIT_INSTALL_DIR     where credkit goes (default ~/.local/bin)
#   CREDKIT_INSTALL_TARGET  the release to install instead of the detected one
#                           (linux-x64, linux-arm64, darwin-x64, darwin-arm64)
#
# POSIX sh; needs uname, mktemp, curl or wget (for a URL), and sha256sum or
# shasum (or openssl).
set -eu

DEFAULT_FROM="https://github.com/credkit/credkit/releases/latest/download"
from="${CREDKIT_INSTALL_FROM:-$DEFAULT_FROM}"
from="${from%/}"

say() { printf 'credkit install: %s\n' "$*" >&2; }
die() {
  printf 'credkit install: %s\n' "$*" >&2
  exit 1
}

if [ -n "${CREDKIT_INSTALL_DIR:-}" ]; then
  dir="$CREDKIT_INSTALL_DIR"
elif [ -n "${HOME:-}" ]; then
  dir="$HOME/.local/bin"
else
  die "HOME is not set: set CREDKIT_INSTALL_DIR to the directory to install credkit into"
fi

# The release name for this machine: <os>-<arch>.
detect_target() {
  os=$(uname -s)
  arch=$(uname -m)
  case "$os" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    MINGW* | MSYS* | CYGWIN* | Windows*)
      die "on Windows, download credkit-windows-x64.exe and check it with Get-FileHash (see the README's PowerShell steps)"
      ;;
    *) die "no credkit release for the OS $os (releases: Linux, macOS, Windows)" ;;
  esac
  case "$arch" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "no credkit release for the architecture $arch (releases: x64, arm64)" ;;
  esac
  # An x64 shell under Rosetta 2 on Apple silicon: install the native binary.
  if [ "$os-$arch" = darwin-x64 ] &&
    [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || echo 0)" = 1 ]; then
    arch=arm64
  fi
  if [ "$os" = linux ] && ldd --version 2>&1 | grep -qi musl; then
    die "the Linux releases need glibc; this system uses musl (Alpine?): run credkit from source with Deno or Bun instead"
  fi
  printf '%s-%s\n' "$os" "$arch"
}

# fetch NAME DEST: copies the release file NAME from $from to DEST.
fetch() {
  case "$from" in
    https://* | http://127.0.0.1[:/]* | http://localhost[:/]* | http://\[::1\][:/]*)
      if command -v curl >/dev/null 2>&1; then
        case "$from" in
          https://*) curl --fail --silent --show-error --location --proto '=https' \
            --output "$2" "$from/$1" || die "cannot download $from/$1 (curl failed)" ;;
          *) curl --fail --silent --show-error --location \
            --output "$2" "$from/$1" || die "cannot download $from/$1 (curl failed)" ;;
        esac
      elif command -v wget >/dev/null 2>&1; then
        wget -q -O "$2" "$from/$1" || die "cannot download $from/$1 (wget failed)"
      else
        die "neither curl nor wget is installed: install one, or set CREDKIT_INSTALL_FROM to a local directory"
      fi
      ;;
    http://*)
      die "refusing plain http:// ($from): use https:// or a local directory"
      ;;
    file://*)
      cp "${from#file://}/$1" "$2" 2>/dev/null || die "cannot read ${from#file://}/$1"
      ;;
    *)
      [ -d "$from" ] || die "CREDKIT_INSTALL_FROM=$from is neither an https:// URL nor a directory"
      cp "$from/$1" "$2" 2>/dev/null || die "cannot read $from/$1"
      ;;
  esac
}

# sha256 FILE: prints the file's SHA-256 in hex.
sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1
  else
    die "cannot check the download: no sha256sum, shasum or openssl"
  fi
}

target="${CREDKIT_INSTALL_TARGET:-$(detect_target)}"
case "$target" in
  linux-x64 | linux-arm64 | darwin-x64 | darwin-arm64) ;;
  *) die "unknown target $target (linux-x64, linux-arm64, darwin-x64 or darwin-arm64)" ;;
esac
name="credkit-$target"

work=$(mktemp -d "${TMPDIR:-/tmp}/credkit-install.XXXXXX") || die "cannot create a temporary directory"
staged=""
cleanup() {
  rm -rf "$work"
  if [ -n "$staged" ]; then rm -f "$staged"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fetch SHA256SUMS "$work/SHA256SUMS"
expected=$(awk -v f="$name" '$2 == f || $2 == ("*" f) { print $1 }' "$work/SHA256SUMS")
case "$expected" in
  "") die "SHA256SUMS from $from has no line for $name; nothing installed" ;;
  *[!0-9a-fA-F]*) die "SHA256SUMS from $from has a malformed line for $name; nothing installed" ;;
esac
[ ${#expected} -eq 64 ] || die "SHA256SUMS from $from has a malformed line for $name; nothing installed"

say "fetching $name from $from"
fetch "$name" "$work/$name"
actual=$(sha256 "$work/$name")
expected=$(printf '%s' "$expected" | tr 'A-F' 'a-f')
if [ "$actual" != "$expected" ]; then
  die "checksum mismatch for $name: SHA256SUMS says $expected, the download is $actual; nothing installed (a corrupted or tampered download: try again, or report it)"
fi

# Verified: copy into a temporary file in the destination directory, then
# rename it over credkit (one atomic step on the same file system).
mkdir -p "$dir" || die "cannot create $dir"
if [ -d "$dir/credkit" ] && [ ! -L "$dir/credkit" ]; then
  die "$dir/credkit is a directory; move it away, or set CREDKIT_INSTALL_DIR; nothing installed"
fi
staged=$(mktemp "$dir/.credkit.XXXXXX") || die "cannot write to $dir"
cp "$work/$name" "$staged" || die "cannot write to $dir"
[ "$(sha256 "$staged")" = "$expected" ] || die "the copy in $dir differs from the download; nothing installed"
chmod 755 "$staged"
mv -f "$staged" "$dir/credkit" || die "cannot move credkit into $dir"
staged=""

version=$("$dir/credkit" --version 2>/dev/null || true)
say "installed ${version:-credkit} as $dir/credkit (SHA-256 $expected)"
case ":${PATH:-}:" in
  *":$dir:"*) ;;
  *) say "$dir is not on your PATH: add it, e.g. export PATH=\"$dir:\$PATH\"" ;;
esac
