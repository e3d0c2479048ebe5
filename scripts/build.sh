#!/usr/bin/env bash
# Builds the release binary at build/release/lanterne (and the benchmark tools), the web UI
# (web/dist) first so that the binary embeds it. A fresh clone also gets the tokenizer rank
# tables (share/tokenizers, from npm; docs/tokenizer.md).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f share/tokenizers/cl100k_base.tiktoken ] || [ ! -f share/tokenizers/o200k_base.tiktoken ]; then
  bash scripts/tokenizer-data.sh
fi
# The web UI (web/, docs/ui.md), embedded into the binary by the C++ build: `npm ci` only
# when the lockfile changed, `npm run build` only when a web source changed.
bash scripts/build-web.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DLANTERNE_BUILD_TESTS=ON >/dev/null
ninja -C build/release "$@"
