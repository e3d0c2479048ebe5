#!/usr/bin/env bash
# Fuzzes the OTLP/HTTP trace receiver's decoders and span mapping (tests/fuzz/otlp_fuzz.cc)
# with libFuzzer + ASan + UBSan for a bounded time, starting from the committed seed corpus
# tests/fuzz/corpus. Builds with clang++ in its own directory, build/fuzz.
#
#   FUZZ_SECONDS   total fuzzing time (default 60); e.g. FUZZ_SECONDS=600 bash scripts/fuzz.sh
#   FUZZ_CORPUS    scratch corpus directory (default build/fuzz/corpus, kept between runs)
#
# New interesting inputs go to the scratch corpus, never to the committed one. Exits non-zero
# when the fuzzer finds a crash, a sanitizer report, a hang (> 10 s on one input) or an input
# that needs > 2 GB, and prints where that input was saved and how to replay it.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${FUZZ_SECONDS:-60}
build=build/fuzz
scratch=${FUZZ_CORPUS:-$build/corpus}
artifacts=$build/artifacts
log=$build/fuzz.log

if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ is missing (bash scripts/setup.sh installs clang and libclang-rt-14-dev)"
  exit 1
fi

echo "fuzz: building $build/lanterne-otlp-fuzz with clang++"
cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DLANTERNE_FUZZ=ON -DLANTERNE_BUILD_TESTS=OFF \
  >/dev/null || exit 1
ninja -C "$build" lanterne-otlp-fuzz >/dev/null || {
  ninja -C "$build" lanterne-otlp-fuzz 2>&1 | tail -40
  exit 1
}

mkdir -p "$scratch" "$artifacts"
# UBSan: stop at the first report (pointer-overflow is built recoverable only so that the
# suppression file can silence it inside RapidJSON's header).
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$root/tests/fuzz/ubsan.supp"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
# The scratch corpus only grows, and every run first replays all of it; past 2000 files,
# keep only the inputs that add coverage so that the replay stays a small part of the time.
if [ "$(find "$scratch" -type f | wc -l)" -gt 2000 ]; then
  rm -rf "$scratch.min" && mkdir -p "$scratch.min"
  if "$build/lanterne-otlp-fuzz" -merge=1 -timeout=10 -max_len=65536 -rss_limit_mb=2048 \
    "$scratch.min" "$scratch" >"$build/merge.log" 2>&1; then
    rm -rf "$scratch" && mv "$scratch.min" "$scratch"
    echo "fuzz: minimized the scratch corpus to $(find "$scratch" -type f | wc -l) files"
  else
    rm -rf "$scratch.min"
  fi
fi
echo "fuzz: running for ${seconds}s (log: $log)"
# The outer timeout is only a safety net; -max_total_time and -timeout bound the run.
timeout -k 10 $((seconds + 120)) "$build/lanterne-otlp-fuzz" \
  -max_total_time="$seconds" -timeout=10 -max_len=65536 -rss_limit_mb=2048 \
  -dict=tests/fuzz/otlp.dict -artifact_prefix="$artifacts/" -print_final_stats=1 \
  "$scratch" tests/fuzz/corpus >"$log" 2>&1
rc=$?

runs=$(grep -E "^stat::number_of_executed_units:" "$log" | awk '{print $2}')
rate=$(grep -E "^stat::average_exec_per_sec:" "$log" | awk '{print $2}')
cov=$(grep -oE "cov: [0-9]+" "$log" | tail -1)
if [ "$rc" -eq 0 ]; then
  echo "fuzz: ok, ${runs:-?} inputs in ${seconds}s (${rate:-?} exec/s), ${cov:-cov: ?}," \
    "scratch corpus $(find "$scratch" -type f | wc -l) files"
  exit 0
fi

tail -60 "$log"
echo "fuzz: FAILED (exit $rc)"
saved=$(grep -oE "Test unit written to .*" "$log" | sed 's/Test unit written to //')
if [ -n "$saved" ]; then
  for f in $saved; do
    echo "fuzz: the failing input was saved to $f"
    echo "fuzz: replay it with: UBSAN_OPTIONS='$UBSAN_OPTIONS' $build/lanterne-otlp-fuzz $f"
  done
  echo "fuzz: once fixed, copy it to tests/fuzz/corpus/ as a regression seed"
else
  echo "fuzz: no input was saved; see $log"
fi
exit 1
