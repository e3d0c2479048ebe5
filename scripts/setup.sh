#!/usr/bin/env bash
# Installs every Debian package Lanterne's build and tests need. Safe to run again: it only
# installs what is missing. Needs root (or sudo) the first time.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config clang-format
  libboost-dev libsimdjson-dev rapidjson-dev libsqlite3-dev libsodium-dev libzstd-dev liblz4-dev
  zlib1g-dev libcli11-dev libprotobuf-dev protobuf-compiler libre2-dev libjemalloc-dev
  # tests
  libgtest-dev libgmock-dev nodejs npm curl
  # benchmarks (bench/prompts.sh, bench/ui.sh)
  python3
  # web UI end-to-end tests (tests/e2e): the browser playwright-core drives
  chromium
  # fuzzing (scripts/fuzz.sh): clang's libFuzzer
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# nodejs/npm may come from outside Debian (e.g. a preinstalled Node); accept any node >= 18.
if command -v node >/dev/null && command -v npm >/dev/null; then
  node_major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$node_major" -ge 18 ]; then
    missing=("${missing[@]/nodejs/}")
    missing=("${missing[@]/npm/}")
  fi
fi
filtered=()
for p in "${missing[@]}"; do [ -n "$p" ] && filtered+=("$p"); done

if [ ${#filtered[@]} -gt 0 ]; then
  echo "setup: installing ${filtered[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${filtered[@]}" >/dev/null
fi
echo "setup: build and test dependencies are installed"
