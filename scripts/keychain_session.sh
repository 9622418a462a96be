#!/usr/bin/env bash
# Runs a command with an unlocked Secret Service keychain (gnome-keyring) on the
# current D-Bus session bus. Use it inside dbus-run-session:
#   dbus-run-session -- bash scripts/keychain_session.sh <command> [args...]
set -euo pipefail
if command -v gnome-keyring-daemon >/dev/null 2>&1 && [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  # A throwaway login keyring (password "test") for this session only, with
  # its own data and runtime directories: a keyring left by an earlier run is
  # never reused, and no other daemon (an outer session's, named by an
  # inherited GNOME_KEYRING_CONTROL) is replaced or reused.
  keyrings=$(mktemp -d)
  mkdir -m 700 "$keyrings/data" "$keyrings/run"
  trap 'rm -rf "$keyrings"' EXIT
  unset GNOME_KEYRING_CONTROL
  daemon_vars=$(echo -n test | XDG_DATA_HOME="$keyrings/data" XDG_RUNTIME_DIR="$keyrings/run" \
    gnome-keyring-daemon --unlock --components=secrets --daemonize 2>/dev/null | xargs)
  # Newer daemons print nothing; a bare `export` would dump the environment.
  if [ -n "$daemon_vars" ]; then eval "export $daemon_vars"; fi
fi
"$@"
