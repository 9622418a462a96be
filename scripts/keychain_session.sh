#!/usr/bin/env bash
# Runs a command with an unlocked Secret Service keychain (gnome-keyring) on the
# current D-Bus session bus. Use it inside dbus-run-session:
#   dbus-run-session -- bash scripts/keychain_session.sh <command> [args...]
set -euo pipefail
if command -v gnome-keyring-daemon >/dev/null 2>&1 && [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  # A throwaway login keyring (its own data directory, password "test") for
  # this session only: a keyring left by an earlier run is never reused.
  keyrings=$(mktemp -d)
  trap 'rm -rf "$keyrings"' EXIT
  eval "export $(echo -n test | XDG_DATA_HOME="$keyrings" gnome-keyring-daemon --unlock --replace --components=secrets --daemonize 2>/dev/null | xargs)"
fi
"$@"
