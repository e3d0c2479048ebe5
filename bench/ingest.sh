#!/usr/bin/env bash
# bench/ingest.sh: the ingestion benchmark in one go (see docs/benchmarks.md).
#
# Starts `lanterne serve` on a fresh data directory, measures idle RSS, drives it
# at full speed with lanterne-loadgen (peak RSS, throughput, latency), then at
# half that rate with ~100-event batches (p99 latency), tops the data directory
# up to COLD_START_ROWS observations, restarts the server on it (cold start),
# drives a fresh server with the same traces as OTLP protobuf exports (spans/s),
# and finally runs the naive SQLite baseline on the same disk. Prints a
# markdown table. Builds nothing; traffic stays on 127.0.0.1.
#
# Environment (all optional):
#   LANTERNE, LOADGEN, BASELINE   the three programs (default: build/release/...)
#   BENCH_TMPDIR                  where the data directories go (default: $TMPDIR or /tmp)
#   FULL_DURATION=15 HALF_DURATION=10 CONNECTIONS=32 TRACES_PER_BATCH=4
#   HALF_CONNECTIONS=16 HALF_TRACES_PER_BATCH=14 BASELINE_MAX_ROWS=300000
#   COLD_START_ROWS=1000000 FILL_MAX_SECONDS=60 COLD_START_RUNS=3
#   OTLP_DURATION=$FULL_DURATION  the OTLP protobuf run (0 skips it)
#   COST_PAIRS=3 COST_DURATION=6  cost inference on/off pairs (0 pairs skips them)
#   STRICT=1                      exit 1 when a target is missed

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LANTERNE=${LANTERNE:-$ROOT/build/release/lanterne}
LOADGEN=${LOADGEN:-$ROOT/build/release/bench/lanterne-loadgen}
BASELINE=${BASELINE:-$ROOT/build/release/bench/sqlite-naive-baseline}
FULL_DURATION=${FULL_DURATION:-15}
HALF_DURATION=${HALF_DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
TRACES_PER_BATCH=${TRACES_PER_BATCH:-4}
HALF_CONNECTIONS=${HALF_CONNECTIONS:-16}
HALF_TRACES_PER_BATCH=${HALF_TRACES_PER_BATCH:-14}
BASELINE_MAX_ROWS=${BASELINE_MAX_ROWS:-300000}
COLD_START_ROWS=${COLD_START_ROWS:-1000000}
FILL_MAX_SECONDS=${FILL_MAX_SECONDS:-60}
COLD_START_RUNS=${COLD_START_RUNS:-3}
OTLP_DURATION=${OTLP_DURATION:-$FULL_DURATION}
COST_PAIRS=${COST_PAIRS:-3}
COST_DURATION=${COST_DURATION:-6}
READY_TIMEOUT=${READY_TIMEOUT:-20}
STRICT=${STRICT:-0}

PUBLIC_KEY=pk-lf-bench
SECRET_KEY=sk-lf-bench
# Each trace carries 6 observation events (5 observations + 1 span-update).
OBS_EVENTS_PER_TRACE=6
OBS_ROWS_PER_TRACE=5

for program in "$LANTERNE" "$LOADGEN" "$BASELINE"; do
  if [[ ! -x $program ]]; then
    echo "ingest.sh: $program not found or not executable (build the release tree first)" >&2
    exit 2
  fi
done

WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/lanterne-bench.XXXXXX")
DATA=$WORK/data
LOG=$WORK/server.log
mkdir -p "$DATA"
SERVER_PID=
DRAIN_PID=

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  set +e
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  [[ -n $DRAIN_PID ]] && kill "$DRAIN_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[ingest.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# jget JSON KEY: the value of a top-level scalar in a one-line JSON object.
jget() { sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" <<<"$1" | tr -d '"'; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (: >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "ingest.sh: no free port found" >&2
  exit 1
}

PORT=$(free_port)
SERVER_ARGS=()
FULL='' HALF='' FILL=''  # set by run_loadgen
URL=http://127.0.0.1:$PORT

status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
TICKS=$(getconf CLK_TCK)

# start_server: starts lanterne on $DATA and waits for its ready line.
# Sets SERVER_PID and READY_MS (exec to ready line, milliseconds).
start_server() {
  local fifo=$WORK/stdout.fifo line t0 t1 ready=0
  rm -f "$fifo"
  mkfifo "$fifo"
  t0=$EPOCHREALTIME
  LANGFUSE_INIT_ORG_ID=bench LANGFUSE_INIT_PROJECT_ID=bench \
    LANGFUSE_INIT_PROJECT_PUBLIC_KEY=$PUBLIC_KEY LANGFUSE_INIT_PROJECT_SECRET_KEY=$SECRET_KEY \
    "$LANTERNE" serve --host 127.0.0.1 --port "$PORT" --data-dir "$DATA" "${SERVER_ARGS[@]}" >"$fifo" 2>&1 &
  SERVER_PID=$!
  exec 3<"$fifo"
  local deadline=$((SECONDS + READY_TIMEOUT))
  while ((SECONDS < deadline)) && IFS= read -r -t "$READY_TIMEOUT" -u 3 line; do
    printf '%s\n' "$line" >>"$LOG"
    if [[ $line == *"Lanterne ready on $URL"* ]]; then
      t1=$EPOCHREALTIME
      ready=1
      break
    fi
  done
  # Keep draining the server's output so that it never blocks on a full pipe.
  cat <&3 >>"$LOG" &
  DRAIN_PID=$!
  exec 3<&-
  if ((ready == 0)); then
    log "server did not print 'Lanterne ready on $URL' within ${READY_TIMEOUT}s; its output:"
    tail -n 30 "$LOG" >&2
    exit 1
  fi
  READY_MS=$(calc '%.1f' "(${t1/./} - ${t0/./}) / 1000")
}

stop_server() {
  local t0=$EPOCHREALTIME
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 200); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    log "server ignored SIGTERM for 10 s; killing it"
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  STOP_MS=$(calc '%.0f' "(${EPOCHREALTIME/./} - ${t0/./}) / 1000")
  SERVER_PID=
  wait "$DRAIN_PID" 2>/dev/null || true
  DRAIN_PID=
}

# Stops the benchmark if the server has died (crash under load).
ensure_alive() {
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    local rc=0
    wait "$SERVER_PID" 2>/dev/null || rc=$?
    SERVER_PID=
    log "the server died during $1 (exit status $rc); last lines of its output:"
    tail -n 30 "$LOG" >&2
    exit 1
  fi
}

# loadgen OUT_VAR ARGS...: runs the load generator, stores its JSON line.
run_loadgen() {
  local __out=$1 duration=$2
  shift 2
  local result
  result=$(timeout $((${duration%.*} + 90)) "$LOADGEN" --url "$URL" --public-key "$PUBLIC_KEY" \
    --secret-key "$SECRET_KEY" --duration "$duration" "$@" 2>"$WORK/loadgen.err") || {
    log "lanterne-loadgen failed:"
    cat "$WORK/loadgen.err" >&2
    exit 1
  }
  if [[ -s $WORK/loadgen.err ]]; then
    log "lanterne-loadgen reported:"
    head -c 2000 "$WORK/loadgen.err" >&2
    echo >&2
  fi
  printf -v "$__out" '%s' "$result"
}

server_observation_count() {
  # Distinct observations the server holds, if it implements GET /observations.
  curl -s --max-time 20 -u "$PUBLIC_KEY:$SECRET_KEY" \
    "$URL/api/public/observations?limit=1" 2>/dev/null |
    sed -n 's/.*"totalItems":\([0-9]*\).*/\1/p' || true
}

FS_TYPE=$(df --output=fstype "$WORK" 2>/dev/null | tail -n 1 || stat -f -c %T "$WORK")
LOAD_AT_START=$(cut -d" " -f1-3 /proc/loadavg)
log "data directory $DATA ($FS_TYPE), server on $URL, load average $LOAD_AT_START"
[[ $FS_TYPE == tmpfs ]] && log "warning: $WORK is on tmpfs, durability costs nothing there"

# --- 1. start, idle RSS -------------------------------------------------------
start_server
FIRST_READY_MS=$READY_MS
sleep 1
IDLE_RSS_KB=$(status_kb "$SERVER_PID" VmRSS)
log "ready in ${FIRST_READY_MS} ms on an empty data directory, idle RSS ${IDLE_RSS_KB} kB"

# --- 2. full speed -----------------------------------------------------------
log "full speed: $CONNECTIONS connections, $TRACES_PER_BATCH traces per batch, ${FULL_DURATION}s"
CPU0=$(cpu_ticks "$SERVER_PID")
run_loadgen FULL "$FULL_DURATION" --connections "$CONNECTIONS" --traces-per-batch "$TRACES_PER_BATCH"
ensure_alive "the full-speed run"
CPU1=$(cpu_ticks "$SERVER_PID")
PEAK_RSS_KB=$(status_kb "$SERVER_PID" VmHWM)
echo "full: $FULL" >&2
FULL_OBS=$(jget "$FULL" observations)
FULL_OBS_PER_S=$(jget "$FULL" observations_per_s)
FULL_SECONDS=$(jget "$FULL" seconds)
SERVER_CORES=$(calc '%.2f' "($CPU1 - $CPU0) / $TICKS / $FULL_SECONDS")
sleep 2
AFTER_FULL_RSS_KB=$(status_kb "$SERVER_PID" VmRSS)

# --- 3. half load, ~100-event batches ---------------------------------------
HALF_RATE=$(calc '%.1f' "$FULL_OBS_PER_S / 2 / ($OBS_EVENTS_PER_TRACE * $HALF_TRACES_PER_BATCH)")
if awk "BEGIN { exit !($HALF_RATE < 1) }"; then HALF_RATE=1; fi
log "half load: $HALF_RATE batches/s of $HALF_TRACES_PER_BATCH traces on $HALF_CONNECTIONS connections, ${HALF_DURATION}s"
run_loadgen HALF "$HALF_DURATION" --connections "$HALF_CONNECTIONS" \
  --traces-per-batch "$HALF_TRACES_PER_BATCH" --rate "$HALF_RATE"
ensure_alive "the half-load run"
echo "half: $HALF" >&2
HALF_OBS=$(jget "$HALF" observations)
sleep 1
AFTER_HALF_RSS_KB=$(status_kb "$SERVER_PID" VmRSS)

# --- 4. top up the data directory for the cold start ------------------------
TOTAL_OBS_EVENTS=$((FULL_OBS + HALF_OBS))
TOTAL_ERRORS=$(($(jget "$FULL" errors) + $(jget "$HALF" errors)))
TARGET_EVENTS=$((COLD_START_ROWS * OBS_EVENTS_PER_TRACE / OBS_ROWS_PER_TRACE))
FILL_RATE=$FULL_OBS_PER_S
FILL_SPENT=0
FILLS=()
# Throughput falls as the store grows, so fill in rounds until the target or the time cap.
while ((TOTAL_OBS_EVENTS < TARGET_EVENTS && FILL_SPENT < FILL_MAX_SECONDS)) &&
  awk "BEGIN { exit !($FILL_RATE > 0) }"; do
  NEED_EVENTS=$((TARGET_EVENTS - TOTAL_OBS_EVENTS))
  FILL_SECONDS=$(calc '%.0f' "$NEED_EVENTS / $FILL_RATE * 1.05 + 1")
  ((FILL_SECONDS > FILL_MAX_SECONDS - FILL_SPENT)) && FILL_SECONDS=$((FILL_MAX_SECONDS - FILL_SPENT))
  log "filling the data directory: $NEED_EVENTS more observation events (${FILL_SECONDS}s)"
  run_loadgen FILL "$FILL_SECONDS" --connections "$CONNECTIONS" --traces-per-batch "$TRACES_PER_BATCH"
  ensure_alive "the fill run"
  echo "fill: $FILL" >&2
  FILLS+=("$FILL")
  FILL_SPENT=$((FILL_SPENT + FILL_SECONDS))
  FILL_RATE=$(jget "$FILL" observations_per_s)
  TOTAL_OBS_EVENTS=$((TOTAL_OBS_EVENTS + $(jget "$FILL" observations)))
  TOTAL_ERRORS=$((TOTAL_ERRORS + $(jget "$FILL" errors)))
done
PEAK_RSS_ALL_KB=$(status_kb "$SERVER_PID" VmHWM)
END_RSS_KB=$(status_kb "$SERVER_PID" VmRSS)
ACKED_ROWS=$((TOTAL_OBS_EVENTS * OBS_ROWS_PER_TRACE / OBS_EVENTS_PER_TRACE))
log "acknowledged $TOTAL_OBS_EVENTS observation events (~$ACKED_ROWS observations)"

# --- 5. cold start -----------------------------------------------------------
stop_server
FIRST_STOP_MS=$STOP_MS
DATA_BYTES=$(du -sb "$DATA" | cut -f1)
COLD_MS=()
for ((run = 1; run <= COLD_START_RUNS; ++run)); do
  start_server
  COLD_MS+=("$READY_MS")
  if ((run == 1)); then
    sleep 1
    COLD_IDLE_RSS_KB=$(status_kb "$SERVER_PID" VmRSS)
    SERVER_ROWS=$(server_observation_count)
  fi
  ensure_alive "the cold start"
  stop_server
done
COLD_MEDIAN_MS=$(printf '%s\n' "${COLD_MS[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
log "cold start: ${COLD_MS[*]} ms; server reports ${SERVER_ROWS:-?} observations"

# --- 6. OTLP protobuf at full speed, on a fresh data directory ---------------
OTLP='' OTLP_SPANS_PER_S=0 OTLP_RATIO=0 OTLP_EVENT_RATIO=0 FULL_STORED_PER_S=0
if [[ $OTLP_DURATION != 0 ]]; then
  DATA=$WORK/otlp-data
  mkdir -p "$DATA"
  start_server
  log "OTLP protobuf: $CONNECTIONS connections, $TRACES_PER_BATCH traces per export, ${OTLP_DURATION}s"
  run_loadgen OTLP "$OTLP_DURATION" --otlp --connections "$CONNECTIONS" \
    --traces-per-batch "$TRACES_PER_BATCH"
  ensure_alive "the OTLP run"
  echo "otlp: $OTLP" >&2
  OTLP_SPANS_PER_S=$(jget "$OTLP" observations_per_s)
  # Each OTLP span becomes one stored observation; of the batch mode's 6 observation
  # events per trace one is a span-update, so it stores 5. The target compares stored
  # observations; the ratio to batch observation events is reported beside it.
  FULL_STORED_PER_S=$(calc '%.0f' "$FULL_OBS_PER_S * $OBS_ROWS_PER_TRACE / $OBS_EVENTS_PER_TRACE")
  OTLP_RATIO=$(calc '%.2f' "$OTLP_SPANS_PER_S / $FULL_STORED_PER_S")
  OTLP_EVENT_RATIO=$(calc '%.2f' "$OTLP_SPANS_PER_S / $FULL_OBS_PER_S")
  TOTAL_ERRORS=$((TOTAL_ERRORS + $(jget "$OTLP" errors)))
  stop_server
  rm -rf "$DATA"
fi

# --- 6b. cost inference on and off, in alternating pairs (its overhead) ------
# One pair after another on fresh data directories, so that drift on a shared machine hits
# both sides alike; the medians are compared.
NOCOST='' COST_OVERHEAD_PCT=0 COST_CPU_OVERHEAD_PCT=0 ON_OBS_PER_S=0 OFF_OBS_PER_S=0
ON_CPU_US=0 OFF_CPU_US=0
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
if [[ $COST_PAIRS != 0 ]]; then
  ON_RATES=() OFF_RATES=() ON_CPUS=() OFF_CPUS=()
  for ((pair = 1; pair <= COST_PAIRS; ++pair)); do
    for mode in true false; do
      DATA=$WORK/cost-$mode-$pair
      mkdir -p "$DATA"
      SERVER_ARGS=(--cost-inference "$mode")
      start_server
      CPU0=$(cpu_ticks "$SERVER_PID")
      run_loadgen NOCOST "$COST_DURATION" --connections "$CONNECTIONS" --traces-per-batch "$TRACES_PER_BATCH"
      ensure_alive "the cost inference runs"
      CPU1=$(cpu_ticks "$SERVER_PID")
      echo "cost inference $mode: $NOCOST" >&2
      RATE=$(jget "$NOCOST" observations_per_s)
      CPU_US=$(calc '%.1f' "($CPU1 - $CPU0) / $TICKS * 1e6 / $(jget "$NOCOST" observations)")
      if [[ $mode == true ]]; then ON_RATES+=("$RATE") ON_CPUS+=("$CPU_US"); else OFF_RATES+=("$RATE") OFF_CPUS+=("$CPU_US"); fi
      TOTAL_ERRORS=$((TOTAL_ERRORS + $(jget "$NOCOST" errors)))
      stop_server
      rm -rf "$DATA"
    done
  done
  SERVER_ARGS=()
  ON_OBS_PER_S=$(median "${ON_RATES[@]}") OFF_OBS_PER_S=$(median "${OFF_RATES[@]}")
  ON_CPU_US=$(median "${ON_CPUS[@]}") OFF_CPU_US=$(median "${OFF_CPUS[@]}")
  COST_OVERHEAD_PCT=$(calc '%.1f' "($OFF_OBS_PER_S / $ON_OBS_PER_S - 1) * 100")
  COST_CPU_OVERHEAD_PCT=$(calc '%.1f' "($ON_CPU_US / $OFF_CPU_US - 1) * 100")
  log "cost inference on/off: ${ON_RATES[*]} / ${OFF_RATES[*]} obs/s; ${ON_CPUS[*]} / ${OFF_CPUS[*]} µs CPU per observation"
fi

# --- 7. naive SQLite baseline ------------------------------------------------
BASELINE_ROWS=$FULL_OBS
((BASELINE_ROWS > BASELINE_MAX_ROWS)) && BASELINE_ROWS=$BASELINE_MAX_ROWS
((BASELINE_ROWS < 20000)) && BASELINE_ROWS=20000
log "naive SQLite baseline: $BASELINE_ROWS rows"
BASE=$("$BASELINE" --db "$WORK/baseline.db" --rows "$BASELINE_ROWS")
echo "baseline: $BASE" >&2
BASE_ROWS_PER_S=$(jget "$BASE" rows_per_s)
rm -f "$WORK"/baseline.db*

# --- 8. report ---------------------------------------------------------------
RATIO=$(calc '%.2f' "$FULL_OBS_PER_S / $BASE_ROWS_PER_S")
mb() { calc '%.1f' "$1 / 1024"; }
check() {  # check CONDITION -> ok / **missed**
  if awk "BEGIN { exit !($1) }"; then echo "ok"; else echo "**missed**"; fi
}
HALF_P99=$(jget "$HALF" p99_ms)
THROUGHPUT_OK=$(check "$FULL_OBS_PER_S >= 50000")
RATIO_OK=$(check "$RATIO >= 3")
P99_OK=$(check "$HALF_P99 < 50")
IDLE_OK=$(check "$IDLE_RSS_KB < 40 * 1024")
PEAK_OK=$(check "$PEAK_RSS_KB < 300 * 1024")
COLD_OK=$(check "$COLD_MEDIAN_MS < 200")
ERRORS_OK=$(check "$TOTAL_ERRORS == 0")
OTLP_OK=$(check "$OTLP_DURATION == 0 || $OTLP_RATIO >= 0.8")
COST_OK=$(check "$COST_PAIRS == 0 || $COST_CPU_OVERHEAD_PCT < 5")
FAILED=0
[[ $THROUGHPUT_OK$RATIO_OK$P99_OK$IDLE_OK$PEAK_OK$COLD_OK$ERRORS_OK$OTLP_OK$COST_OK == *missed* ]] && FAILED=1
[[ ${SERVER_ROWS:-} =~ ^[0-9]+$ ]] || SERVER_ROWS="n/a"

cat <<EOF

### Ingestion benchmark, $(date -u +%Y-%m-%d), $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)), data on $FS_TYPE

Load average before the run: $LOAD_AT_START (other work on the machine skews absolute figures; compare ratios).

| figure | measured | target | |
| --- | --- | --- | --- |
| ingest, full speed ($CONNECTIONS connections, $((TRACES_PER_BATCH * 7))-event batches) | **$(calc '%.0f' "$FULL_OBS_PER_S") observations/s** ($(jget "$FULL" events_per_s) events/s) | ≥ 50,000 observations/s | $THROUGHPUT_OK |
| naive SQLite baseline, same run ($BASELINE_ROWS rows) | $BASE_ROWS_PER_S rows/s | | |
| ratio to the baseline | **${RATIO}×** | ≥ 3× | $RATIO_OK |
| OTLP protobuf, full speed, fresh data directory ($CONNECTIONS connections, $((TRACES_PER_BATCH * 6))-span exports) | **$(calc '%.0f' "$OTLP_SPANS_PER_S") spans/s** (p50 / p99 $(jget "$OTLP" p50_ms) / $(jget "$OTLP" p99_ms) ms) | | |
| OTLP spans/s ÷ batch observations stored/s ($FULL_STORED_PER_S/s: 5 of every 6 observation events create one) | **${OTLP_RATIO}** (÷ observation events/s: ${OTLP_EVENT_RATIO}) | ≥ 0.8 | $OTLP_OK |
| batch with / without cost inference (\`--cost-inference false\`), medians of $COST_PAIRS alternating ${COST_DURATION}s pairs | $ON_OBS_PER_S / $OFF_OBS_PER_S observations/s; server CPU $ON_CPU_US / $OFF_CPU_US µs per observation | | |
| time cost inference adds to ingestion: by throughput / by server CPU per observation | **${COST_OVERHEAD_PCT}% / ${COST_CPU_OVERHEAD_PCT}%** | < 5% | $COST_OK |
| latency at full speed, p50 / p99 | $(jget "$FULL" p50_ms) / $(jget "$FULL" p99_ms) ms | | |
| p99 of a $((HALF_TRACES_PER_BATCH * 7))-event batch at half load ($(jget "$HALF" batches_per_s) batches/s) | **$HALF_P99 ms** (p50 $(jget "$HALF" p50_ms) ms) | < 50 ms | $P99_OK |
| RSS idle (fresh data directory) | $(mb "$IDLE_RSS_KB") MB | < 40 MB | $IDLE_OK |
| RSS peak at full speed (VmHWM) | $(mb "$PEAK_RSS_KB") MB | < 300 MB | $PEAK_OK |
| RSS after full speed / after half load / end of fill | $(mb "$AFTER_FULL_RSS_KB") / $(mb "$AFTER_HALF_RSS_KB") / $(mb "$END_RSS_KB") MB (peak over all runs $(mb "$PEAK_RSS_ALL_KB") MB) | | |
| cold start, exec to ready line (median of $COLD_START_RUNS) | **$COLD_MEDIAN_MS ms** (runs: ${COLD_MS[*]} ms) | < 200 ms on 1M observations | $COLD_OK |
| observations in the data directory at cold start | ~$ACKED_ROWS acknowledged, $SERVER_ROWS reported by the server, $(calc '%.0f' "$DATA_BYTES / 1048576") MB on disk | 1,000,000 | |
| RSS idle after cold start | $(mb "${COLD_IDLE_RSS_KB:-0}") MB | | |
| server CPU at full speed | $SERVER_CORES cores (load generator: $(jget "$FULL" client_cpu_s) s CPU in ${FULL_SECONDS} s) | | |
| errors (events not acknowledged, all runs) | $TOTAL_ERRORS | 0 | $ERRORS_OK |
| graceful stop after load (SIGTERM to exit) | $FIRST_STOP_MS ms | | |

Raw results:
\`\`\`
full:     $FULL
half:     $HALF
otlp:     $OTLP
last cost pair run: $NOCOST
$(for f in "${FILLS[@]}"; do echo "fill:     $f"; done)
baseline: $BASE
\`\`\`
EOF

if [[ $STRICT == 1 && $FAILED == 1 ]]; then exit 1; fi
exit 0
