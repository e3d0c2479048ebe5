#!/usr/bin/env bash
# Writes share/tokenizers/cl100k_base.tiktoken and o200k_base.tiktoken: OpenAI's BPE rank
# tables, taken from the `tiktoken` npm package pinned in tools/tokenizer-data (installed
# there with `npm ci` when its lockfile changed) and checked against OpenAI's SHA-256.
# scripts/build.sh runs it when the files are missing; docs/tokenizer.md has the details.
#
#   bash scripts/tokenizer-data.sh                  # install if needed, write the tables
#   bash scripts/tokenizer-data.sh --install-only   # only the npm packages (tests, bench)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=tools/tokenizer-data
stamp=$dir/node_modules/.package-lock.sha256
sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$sum" >"$stamp"
fi
[ "${1:-}" = "--install-only" ] && exit 0
node "$dir/export-ranks.mjs" share/tokenizers
