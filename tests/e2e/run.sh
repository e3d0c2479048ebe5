#!/usr/bin/env bash
# Browser end-to-end tests of the web UI (tests/e2e/ui.test.mjs).
#   LANTERNE_BIN=path/to/lanterne tests/e2e/run.sh
# Needs Debian's chromium (scripts/setup.sh installs it) and a binary built with the UI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
REPO_ROOT="$(cd ../.. && pwd)"
export LANTERNE_BIN="${LANTERNE_BIN:-$REPO_ROOT/build/release/lanterne}"
if [[ ! -x "$LANTERNE_BIN" ]]; then
  echo "run.sh: Lanterne binary not found or not executable: $LANTERNE_BIN" >&2
  exit 2
fi
# Install dependencies only when node_modules is missing or the lockfile changed.
STAMP=node_modules/.package-lock.sha256
LOCK_SUM="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -d node_modules ]] || [[ ! -f "$STAMP" ]] || [[ "$(cat "$STAMP")" != "$LOCK_SUM" ]]; then
  npm ci --no-audit --no-fund
  echo "$LOCK_SUM" > "$STAMP"
fi
echo "run.sh: testing $LANTERNE_BIN (screenshots in build/e2e-screenshots/)"
# Arguments pick test files (default: all).
if [[ $# -gt 0 ]]; then FILES=("$@"); else FILES=(ui.test.mjs dashboards.test.mjs); fi
exec node --test --test-concurrency=1 "${FILES[@]}"
