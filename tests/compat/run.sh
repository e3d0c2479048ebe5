#!/usr/bin/env bash
# Run the Lanterne wire-compatibility suite.
#
#   tests/compat/run.sh                 # all test files
#   tests/compat/run.sh sdk.test.mjs    # selected files
#
# Uses $LANTERNE_BIN if set, else <repo>/build/release/lanterne.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
REPO_ROOT="$(cd ../.. && pwd)"
export LANTERNE_BIN="${LANTERNE_BIN:-$REPO_ROOT/build/release/lanterne}"

if [[ ! -x "$LANTERNE_BIN" ]]; then
  echo "run.sh: Lanterne binary not found or not executable: $LANTERNE_BIN" >&2
  echo "run.sh: build the server first or set LANTERNE_BIN." >&2
  exit 2
fi

# Install dependencies only when node_modules is missing or the lockfile changed
# since the last install.
STAMP=node_modules/.package-lock.sha256
LOCK_SUM="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -d node_modules ]] || [[ ! -f "$STAMP" ]] || [[ "$(cat "$STAMP")" != "$LOCK_SUM" ]]; then
  npm ci --no-audit --no-fund
  echo "$LOCK_SUM" > "$STAMP"
fi

if [[ $# -gt 0 ]]; then
  FILES=("$@")
else
  FILES=(sdk.test.mjs errors.test.mjs durability.test.mjs otel.test.mjs models.test.mjs cost.test.mjs ui-api.test.mjs search.test.mjs observations.test.mjs prompts.test.mjs ui-prompts.test.mjs ui-dashboards.test.mjs metrics.test.mjs)
fi

echo "run.sh: testing $LANTERNE_BIN"
exec node --test --test-concurrency=1 "${FILES[@]}"
