#!/usr/bin/env bash
# bench/ingest_ab.sh: two builds of the server, alternating, under the ingestion load of
# bench/ingest.sh (docs/benchmarks.md), so that a change is measured against its baseline
# in the same hour on this shared machine.
#
# usage: bench/ingest_ab.sh A_BINARY B_BINARY [ROUNDS]
#
# Each round runs A B B A (ROUNDS=2 by default: eight runs). A run starts the build on a
# fresh data directory, drives it FULL_DURATION s at full speed (CONNECTIONS connections of
# TRACES_PER_BATCH traces), then HALF_DURATION s at HALF_RATE batches/s of
# HALF_TRACES_PER_BATCH traces on HALF_CONNECTIONS connections (the issue's ~100-event
# batches), and prints one line: full-speed observations/s and p99, half-load p50 and p99.
# Then the medians per build. Traffic stays on 127.0.0.1.
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 A_BINARY B_BINARY [ROUNDS]" >&2; exit 2; }
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
A=$1
B=$2
ROUNDS=${3:-2}
LOADGEN=${LOADGEN:-$ROOT/build/release/bench/lanterne-loadgen}
FULL_DURATION=${FULL_DURATION:-10}
HALF_DURATION=${HALF_DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
TRACES_PER_BATCH=${TRACES_PER_BATCH:-4}
HALF_CONNECTIONS=${HALF_CONNECTIONS:-16}
HALF_TRACES_PER_BATCH=${HALF_TRACES_PER_BATCH:-14}
HALF_RATE=${HALF_RATE:-90}
WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/lanterne-ab.XXXXXX")
# shellcheck source=bench/bench_server.sh
source "$ROOT/bench/bench_server.sh"
SERVER=
cleanup() {
  bench_server_kill
  rm -rf "$WORK"
}
trap cleanup EXIT

jget() { sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" <<<"$1"; }

run() {  # run LABEL BINARY: one line of figures
  local label=$1 binary=$2 port
  rm -rf "$WORK/data"
  port=$(bench_free_port)
  sync
  sleep 2
  bench_server_start "$binary" "$WORK/data" "$WORK/server.log" "$port"
  local common=(--url "http://127.0.0.1:$port" --public-key pk-lf-bench --secret-key sk-lf-bench)
  local full half
  full=$("$LOADGEN" "${common[@]}" --connections "$CONNECTIONS" \
    --traces-per-batch "$TRACES_PER_BATCH" --duration "$FULL_DURATION" 2>/dev/null)
  half=$("$LOADGEN" "${common[@]}" --connections "$HALF_CONNECTIONS" \
    --traces-per-batch "$HALF_TRACES_PER_BATCH" --rate "$HALF_RATE" --duration "$HALF_DURATION" \
    2>/dev/null)
  bench_server_stop
  printf '%s %s %s %s %s %s %s\n' "$label" "$(jget "$full" observations_per_s)" \
    "$(jget "$full" p99_ms)" "$(jget "$half" p50_ms)" "$(jget "$half" p99_ms)" \
    "$(jget "$full" errors)" "$(jget "$half" errors)"
}

echo "build full_obs_per_s full_p99_ms half_p50_ms half_p99_ms full_errors half_errors"
for ((round = 0; round < ROUNDS; ++round)); do
  for label in A B B A; do
    if [[ $label == A ]]; then run A "$A"; else run B "$B"; fi | tee -a "$WORK/runs"
  done
done
python3 - "$WORK/runs" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
for build in ("A", "B"):
    mine = [[float(x) for x in r[1:5]] for r in rows if r[0] == build]
    med = [statistics.median(col) for col in zip(*mine)]
    print(f"median {build}: {med[0]:.0f} obs/s, full p99 {med[1]:.1f} ms, "
          f"half p50 {med[2]:.1f} ms, half p99 {med[3]:.1f} ms ({len(mine)} runs)")
PY
