#!/usr/bin/env bash
# npm run test:release: builds every release file (npm run release), then runs
# tests/release/ (formats, embedded addons, SHA256SUMS, install.sh, and the
# linux-arm64 binary under qemu-aarch64-static with a private D-Bus session
# and a throwaway unlocked gnome-keyring). Kept out of npm test: the build
# writes ~550 MB.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
export NO_COLOR=1
started=$(date +%s)
deno run -A scripts/release.ts || exit 1
echo "test:release: release built in $(($(date +%s) - started)) s" >&2
if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
  dbus-run-session -- bash scripts/keychain_session.sh deno test -A --quiet tests/release/ "$@"
else
  echo "test:release: no dbus-run-session/gnome-keyring-daemon; the arm64 keychain test will skip" >&2
  deno test -A --quiet tests/release/ "$@"
fi
