#!/usr/bin/env bash
# Builds the release binary at build/release/lanterne (and the benchmark tools).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DLANTERNE_BUILD_TESTS=ON >/dev/null
ninja -C build/release "$@"
