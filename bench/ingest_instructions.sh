#!/usr/bin/env bash
# bench/ingest_instructions.sh: the CPU work of ingestion, counted in instructions.
#
# Throughput on a shared 2-core machine swings by ±10% from one run to the next, which
# hides changes of that size. Instruction counts (valgrind's callgrind) do not swing: the
# same binary on the same input counts the same, whatever else the machine does. This
# script counts, per observation event, the instructions of
#   - the writer thread (WritePipeline::WriterLoop: merging, SQLite rows and indexes,
#     rollups, commits),
#   - the request threads (PublicApi::Handle: decoding, validation, cost, encoding and
#     compression of payloads),
# and the naive SQLite baseline's instructions per row, in the same run.
#
# The server runs under valgrind (about 50× slower), fed by one connection with
# TRACES_PER_BATCH traces per request (36: 252 events, the size of a group commit at full
# speed), so every transaction holds one request and the counts repeat run to run.
# Not counted: the syncer, the checkpointer, the search indexer, the I/O thread, the
# kernel's side of system calls.
#
# Environment (all optional):
#   LANTERNE, LOADGEN, BASELINE   the programs (default: build/release/...)
#   DURATION=15 TRACES_PER_BATCH=36 BASELINE_ROWS=20000
#   BENCH_TMPDIR                  where the data directories go (default: $TMPDIR or /tmp)

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LANTERNE=${LANTERNE:-$ROOT/build/release/lanterne}
LOADGEN=${LOADGEN:-$ROOT/build/release/bench/lanterne-loadgen}
BASELINE=${BASELINE:-$ROOT/build/release/bench/sqlite-naive-baseline}
DURATION=${DURATION:-15}
TRACES_PER_BATCH=${TRACES_PER_BATCH:-36}
BASELINE_ROWS=${BASELINE_ROWS:-20000}

for program in "$LANTERNE" "$LOADGEN" "$BASELINE"; do
  if [[ ! -x $program ]]; then
    echo "ingest_instructions.sh: $program not found (build the release tree first)" >&2
    exit 2
  fi
done
command -v valgrind >/dev/null || {
  echo "ingest_instructions.sh: valgrind is needed (apt-get install valgrind)" >&2
  exit 2
}

WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/lanterne-instr.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Sums callgrind's "summary:" lines of the files given.
total_instructions() {
  awk '/^summary:/ {n += $2} END {print n + 0}' "$@"
}

# count_server FUNCTION NAME: runs the server under callgrind, collecting only inside
# FUNCTION, drives it, and prints "<instructions> <observation events> <requests>".
count_server() {
  local function=$1 name=$2 port data log
  port=$(free_port)
  data=$WORK/data-$name
  log=$WORK/server-$name.log
  mkdir -p "$data"
  LANGFUSE_INIT_ORG_ID=bench LANGFUSE_INIT_PROJECT_ID=bench \
    LANGFUSE_INIT_PROJECT_PUBLIC_KEY=pk-lf-bench LANGFUSE_INIT_PROJECT_SECRET_KEY=sk-lf-bench \
    valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind-$name.%p" \
    --collect-atstart=no "--toggle-collect=$function" \
    "$LANTERNE" serve --host 127.0.0.1 --port "$port" --data-dir "$data" >"$log" 2>&1 &
  local pid=$!
  for _ in $(seq 600); do
    grep -q "Lanterne ready" "$log" && break
    sleep 0.1
  done
  grep -q "Lanterne ready" "$log" || {
    echo "ingest_instructions.sh: the server did not start under valgrind; see $log" >&2
    cat "$log" >&2
    exit 1
  }
  local result
  result=$("$LOADGEN" --url "http://127.0.0.1:$port" --public-key pk-lf-bench \
    --secret-key sk-lf-bench --connections 1 --traces-per-batch "$TRACES_PER_BATCH" \
    --duration "$DURATION" | tail -1)
  kill -TERM "$pid"
  wait "$pid" || true
  local counts
  counts=$(python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(j["observations"], j["requests"])' "$result")
  echo "$(total_instructions "$WORK"/callgrind-"$name".*) $counts"
}

read -r writer_instr writer_obs writer_requests < <(count_server \
  'lanterne::WritePipeline::WriterLoop()' writer)
read -r request_instr request_obs request_requests < <(count_server \
  'lanterne::PublicApi::Handle(lanterne::Request&)' requests)

valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind-baseline" \
  "$BASELINE" --db "$WORK/baseline.db" --rows "$BASELINE_ROWS" >"$WORK/baseline.out" 2>&1
baseline_instr=$(total_instructions "$WORK/callgrind-baseline")

python3 - "$writer_instr" "$writer_obs" "$writer_requests" "$request_instr" "$request_obs" \
  "$request_requests" "$baseline_instr" "$BASELINE_ROWS" <<'EOF'
import sys
w, wo, wr, r, ro, rr, b, br = (int(x) for x in sys.argv[1:])
writer = w / wo
requests = r / ro
baseline = b / br
print("| figure | instructions per observation event |")
print("| --- | --- |")
print(f"| writer thread ({wr} transactions, {wo} observation events) | {writer:,.0f} |")
print(f"| request threads ({rr} requests, {ro} observation events) | {requests:,.0f} |")
print(f"| both | {writer + requests:,.0f} |")
print(f"| naive SQLite baseline, per row (whole process, {br} rows) | {baseline:,.0f} |")
print(f"| baseline ÷ writer | {baseline / writer:.2f} |")
print(f"| baseline ÷ (writer + request threads) | {baseline / (writer + requests):.2f} |")
EOF
