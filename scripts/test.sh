#!/usr/bin/env bash
# The test command (npm test): builds dist/credkit, then runs every test under
# Deno with a private D-Bus session and a throwaway unlocked keychain when the
# machine has them (keychain tests skip with the reason printed otherwise;
# CREDKIT_REQUIRE_KEYCHAIN=1 turns that skip into a failure).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
deno run -A scripts/build.ts || exit 1
export CREDKIT_BIN="$PWD/dist/credkit"
# Plain output, so the summary line below can be read.
export NO_COLOR=1
log=$(mktemp)
# The release tests need the release build: npm run test:release runs them.
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=(--ignore=tests/release/ tests/); fi
if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
  dbus-run-session -- bash scripts/keychain_session.sh deno test -A --quiet "${targets[@]}" 2>&1 | tee "$log"
else
  echo "credkit tests: no dbus-run-session/gnome-keyring-daemon on this machine; keychain tests will skip" >&2
  deno test -A --quiet "${targets[@]}" 2>&1 | tee "$log"
fi
code=${PIPESTATUS[0]}
summary=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -n 1)
rm -f "$log"
if [ -n "$summary" ]; then
  passed=$(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$summary")
  failed=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$summary")
  ignored=$(grep -oE '[0-9]+ ignored' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
  echo "${passed} passed, ${failed} failed, ${ignored} skipped"
fi
exit "$code"
