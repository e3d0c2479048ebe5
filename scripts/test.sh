#!/usr/bin/env bash
# README command 2: the whole test suite. Installs what it needs, checks formatting,
# builds, then runs
#   1. unit tests (GoogleTest) on the release build,
#   2. the same unit tests under AddressSanitizer + UndefinedBehaviorSanitizer,
#   3. 30 s of libFuzzer on the OTLP decoders and span mapping (scripts/fuzz.sh, clang),
#   4. tokenizer parity: the C++ tokenizer against the live JavaScript reference
#      (tests/tokenize/run.sh), and a smoke run of its benchmark (bench/tokenize.sh),
#   5. compatibility tests: the real Langfuse SDK from the npm registry against a running
#      `lanterne serve`, including the kill -9 durability test,
#      and the web UI's tests: Vitest unit tests (after step 1) and the browser end-to-end
#      test (tests/e2e: chromium, a real server, the SDK; screenshots in build/e2e-screenshots),
#   6. the compatibility tests again, against the server built with ASan + UBSan,
#   7. a short smoke run of the ingestion benchmark (checks it works; figures are in
#      docs/benchmarks.md, produced by bench/ingest.sh).
# Ends with one summary line "summary: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash scripts/setup.sh || exit 1

passed=0
failed=0
failures=()
record() {  # name, exit code, pass count, fail count
  passed=$((passed + $3))
  failed=$((failed + $4))
  if [ "$2" -ne 0 ] || [ "$4" -ne 0 ]; then failures+=("$1"); fi
}
count_ctest() {  # log → "pass fail"
  local line total bad
  line=$(grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" "$1" | tail -1)
  total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
  bad=$(sed -E 's/.*passed, ([0-9]+) tests failed.*/\1/' <<<"$line")
  if [ -z "$line" ]; then echo "0 1"; else echo "$((total - bad)) $bad"; fi
}

echo "== formatting (clang-format --dry-run on every C++ file)"
if bash scripts/format.sh --check; then record "format" 0 1 0; else record "format" 1 0 1; fi

echo "== build (release)"
if ! bash scripts/build.sh; then
  echo "summary: 0 passed, 1 failed"
  exit 1
fi

echo "== unit tests (release)"
ctest --test-dir build/release --output-on-failure -j2 2>&1 | tee build/unit-release.log
rc=${PIPESTATUS[0]}
read -r p f < <(count_ctest build/unit-release.log)
record "unit (release)" "$rc" "$p" "$f"

echo "== web UI unit tests (Vitest: rendering decisions, formatting, URL filters)"
(cd web && NO_COLOR=1 npm test 2>&1) | tee build/web-unit.log
rc=${PIPESTATUS[0]}
p=$(grep -E "^ +Tests +.*[0-9]+ passed" build/web-unit.log | tail -1 | sed -E 's/.* ([0-9]+) passed.*/\1/')
f=$(grep -E "^ +Tests +.*[0-9]+ failed" build/web-unit.log | tail -1 | sed -E 's/.* ([0-9]+) failed.*/\1/')
[ -z "$p" ] && p=0
[ -z "$f" ] && f=$([ "$rc" -eq 0 ] && echo 0 || echo 1)
record "web unit" "$rc" "$p" "$f"

echo "== unit tests (ASan + UBSan)"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLANTERNE_SANITIZE=address,undefined \
  >/dev/null && ninja -C build/asan lanterne_unit_tests lanterne >/dev/null
if [ $? -ne 0 ]; then
  record "unit (asan build)" 1 0 1
else
  ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build/asan --output-on-failure -j2 2>&1 |
    tee build/unit-asan.log
  rc=${PIPESTATUS[0]}
  read -r p f < <(count_ctest build/unit-asan.log)
  record "unit (asan)" "$rc" "$p" "$f"
fi

echo "== fuzzing (OTLP protobuf/JSON decoders and span mapping, libFuzzer + ASan + UBSan)"
# Bounded: the clang build (about a minute from scratch, seconds when cached) plus 30 s from
# the committed seeds (a fresh scratch corpus, so that replaying it costs nothing).
fuzz_corpus=$(mktemp -d)
if FUZZ_SECONDS=30 FUZZ_CORPUS="$fuzz_corpus" bash scripts/fuzz.sh; then
  record "fuzz" 0 1 0
else
  record "fuzz" 1 0 1
fi
rm -rf "$fuzz_corpus"

echo "== tokenizer parity (C++ against the tiktoken npm package and Langfuse's counting)"
LANTERNE_TOKENIZE_BIN="$root/build/release/bench/lanterne-tokenize" bash tests/tokenize/run.sh \
  2>&1 | tee build/tokenize.log
rc=${PIPESTATUS[0]}
p=$(grep -E "^# pass [0-9]+" build/tokenize.log | tail -1 | awk '{print $3}')
f=$(grep -E "^# fail [0-9]+" build/tokenize.log | tail -1 | awk '{print $3}')
[ -z "$p" ] && p=0
[ -z "$f" ] && f=$([ "$rc" -eq 0 ] && echo 0 || echo 1)
record "tokenizer parity" "$rc" "$p" "$f"
if COPIES=1 SECONDS_PER_RUN=0 STRICT=1 bash bench/tokenize.sh >build/bench-tokenize.log 2>&1; then
  record "tokenizer bench smoke" 0 1 0
else
  tail -20 build/bench-tokenize.log
  record "tokenizer bench smoke" 1 0 1
fi

echo "== compatibility tests (langfuse SDK from npm, real server)"
LANTERNE_BIN="$root/build/release/lanterne" bash tests/compat/run.sh 2>&1 | tee build/compat.log
rc=${PIPESTATUS[0]}
p=$(grep -E "^# pass [0-9]+" build/compat.log | tail -1 | awk '{print $3}')
f=$(grep -E "^# fail [0-9]+" build/compat.log | tail -1 | awk '{print $3}')
[ -z "$p" ] && p=0
[ -z "$f" ] && f=$([ "$rc" -eq 0 ] && echo 0 || echo 1)
record "compat" "$rc" "$p" "$f"

echo "== web UI end-to-end (Debian's chromium via playwright-core, real server, langfuse SDK)"
LANTERNE_BIN="$root/build/release/lanterne" bash tests/e2e/run.sh 2>&1 | tee build/e2e.log
rc=${PIPESTATUS[0]}
p=$(grep -E "^# pass [0-9]+" build/e2e.log | tail -1 | awk '{print $3}')
f=$(grep -E "^# fail [0-9]+" build/e2e.log | tail -1 | awk '{print $3}')
[ -z "$p" ] && p=0
[ -z "$f" ] && f=$([ "$rc" -eq 0 ] && echo 0 || echo 1)
record "e2e (web UI)" "$rc" "$p" "$f"

if [ -x build/asan/lanterne ]; then
  echo "== compatibility tests against the server built with ASan + UBSan (leaks included)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LANTERNE_BIN="$root/build/asan/lanterne" \
    bash tests/compat/run.sh 2>&1 | tee build/compat-asan.log
  rc=${PIPESTATUS[0]}
  p=$(grep -E "^# pass [0-9]+" build/compat-asan.log | tail -1 | awk '{print $3}')
  f=$(grep -E "^# fail [0-9]+" build/compat-asan.log | tail -1 | awk '{print $3}')
  [ -z "$p" ] && p=0
  [ -z "$f" ] && f=$([ "$rc" -eq 0 ] && echo 0 || echo 1)
  record "compat (asan)" "$rc" "$p" "$f"
fi

if [ -f bench/ingest.sh ]; then
  echo "== benchmark smoke run"
  if FULL_DURATION=2 HALF_DURATION=2 COLD_START_ROWS=20000 FILL_MAX_SECONDS=10 \
    BASELINE_MAX_ROWS=20000 COLD_START_RUNS=1 bash bench/ingest.sh >build/bench-smoke.log 2>&1; then
    record "bench smoke" 0 1 0
  else
    tail -20 build/bench-smoke.log
    record "bench smoke" 1 0 1
  fi
fi

if [ ${#failures[@]} -gt 0 ]; then echo "failed: ${failures[*]}"; fi
echo "summary: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#failures[@]} -eq 0 ]
