#!/usr/bin/env bash
# Parity of the C++ tokenizer with the live JavaScript reference (tests/tokenize/
# parity.test.mjs, node:test). Uses $LANTERNE_TOKENIZE_BIN if set, else
# <repo>/build/release/bench/lanterne-tokenize.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export LANTERNE_TOKENIZE_BIN="${LANTERNE_TOKENIZE_BIN:-$PWD/build/release/bench/lanterne-tokenize}"
if [[ ! -x "$LANTERNE_TOKENIZE_BIN" ]]; then
  echo "run.sh: $LANTERNE_TOKENIZE_BIN not found: build first (bash scripts/build.sh)" >&2
  exit 2
fi
bash scripts/tokenizer-data.sh --install-only
# Langfuse runs on Node >= 21, whose JSON.parse gives revivers each number's source text;
# Node 20 has it behind a flag.
flags=()
node -e 'JSON.parse("1", (k, v, c) => { if (c?.source !== "1") process.exit(1); return v; })' ||
  flags+=(--harmony-json-parse-with-source)
exec node "${flags[@]}" --test tests/tokenize/parity.test.mjs
