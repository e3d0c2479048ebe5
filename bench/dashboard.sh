#!/usr/bin/env bash
# bench/dashboard.sh: the home dashboard's metrics queries on a large store, and what the
# rollups cost ingestion (docs/benchmarks.md).
#
# 1. Ingestion A/B: fresh data directories, lanterne-loadgen for AB_SECONDS each, rollup
#    maintenance on and off (LANTERNE_ROLLUPS=off, a benchmark-only switch) alternating —
#    in the same run, so the ratio is what counts on a shared, noisy machine.
# 2. Loads OBS observations (5 per trace, bench/ingest.sh's shape, with --variety: 7 trace
#    names, 2 environments and releases, 10 models, some warnings and errors) stamped over
#    the past 30 days (--spread-days 30), adds SCORES scores over the same days, restarts
#    the server, and times each query of the home dashboard (30 days, as the web UI sends
#    them) and the whole set with bench/dashboard_queries.py (public API, client-side): the
#    first load after a start without and with the per-user read warmed, then repeated loads.
# 3. Opens the home dashboard in Chromium (bench/dashboard_browser.mjs): the time until
#    every card is drawn, first load and reloads; screenshot build/bench-dashboard-30d.png.
#
# Environment: LANTERNE, LOADGEN (default build/release/...), OBS=200000 (the issue's
# target is OBS=10000000; 0 skips part 2), SCORES=100000, AB_SECONDS=20, AB_PAIRS=3 (0 skips part 1),
# RUNS=15; DATA_DIR=DIR keeps the loaded store there and, when it was loaded before, times
# the queries on it without loading again (to compare builds on the same data).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LANTERNE=${LANTERNE:-$ROOT/build/release/lanterne}
LOADGEN=${LOADGEN:-$ROOT/build/release/bench/lanterne-loadgen}
OBS=${OBS:-200000}
AB_SECONDS=${AB_SECONDS:-20}
AB_PAIRS=${AB_PAIRS:-3}
RUNS=${RUNS:-15}
SCORES=${SCORES:-100000}
PK=pk-lf-bench
SK=sk-lf-bench

WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/lanterne-dashboard-bench.XXXXXX")
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
SERVER=
start_server() {  # data directory, then extra environment (VAR=value ...)
  local dir=$1
  shift
  : >"$WORK/server.log"
  env "$@" LANGFUSE_INIT_ORG_ID=bench LANGFUSE_INIT_PROJECT_ID=bench \
    LANGFUSE_INIT_PROJECT_PUBLIC_KEY=$PK LANGFUSE_INIT_PROJECT_SECRET_KEY=$SK \
    LANGFUSE_INIT_USER_EMAIL=bench@lanterne.local LANGFUSE_INIT_USER_PASSWORD=bench-password \
    "$LANTERNE" serve --host 127.0.0.1 --port "$PORT" --data-dir "$dir" >>"$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 600); do grep -q "Lanterne ready" "$WORK/server.log" && return 0; sleep 0.1; done
  echo "dashboard.sh: server did not start" >&2
  cat "$WORK/server.log" >&2
  exit 1
}
stop_server() {
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  SERVER=
}
trap '[[ -n $SERVER ]] && kill $SERVER 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
loadgen() {  # seconds → "observations/s writer-µs-per-observation"
  local line obs rate ticks
  line=$("$LOADGEN" --url "$URL" --public-key $PK --secret-key $SK --connections 16 --duration "$1" --variety)
  obs=$(sed -n 's/.*"observations":\([0-9]*\),.*/\1/p' <<<"$line")
  rate=$(sed -n 's/.*"observations_per_s":\([0-9.]*\).*/\1/p' <<<"$line")
  # The writer is the server's busiest thread: its CPU time (clock ticks) per observation
  # is what rollup maintenance adds to, and is far less noisy than throughput here.
  ticks=$(for t in /proc/$SERVER/task/*; do sed 's/^[0-9]* ([^)]*) //' "$t/stat" | awk '{print $12+$13}'; done | sort -rn | head -1)
  echo "$rate $(python3 -c "import os; print(round($ticks / os.sysconf('SC_CLK_TCK') * 1e6 / $obs, 2))")"
}

# 1. Ingestion with rollups on and off: a warm-up run (discarded), then AB_PAIRS pairs in
#    alternating order, each on a fresh data directory.
rates_on=()
rates_off=()
run_ab() {  # on|off
  local dir="$WORK/ab"
  if [[ $1 == off ]]; then start_server "$dir" LANTERNE_ROLLUPS=off; else start_server "$dir"; fi
  local r
  r=$(loadgen "$AB_SECONDS")
  stop_server
  rm -rf "$dir"
  echo "ingestion, rollups $1: observations/s and writer µs/observation: $r" >&2
  if [[ $1 == off ]]; then rates_off+=("${r// /:}"); else rates_on+=("${r// /:}"); fi
}
if ((AB_PAIRS > 0)); then
run_ab on
rates_on=()
for ((i = 0; i < AB_PAIRS; i++)); do
  if ((i % 2)); then run_ab on; run_ab off; else run_ab off; run_ab on; fi
done
python3 - "${rates_on[*]}" "${rates_off[*]}" <<'PY'
import statistics, sys
on = [tuple(map(float, x.split(":"))) for x in sys.argv[1].split()]
off = [tuple(map(float, x.split(":"))) for x in sys.argv[2].split()]
for name, runs in (("on", on), ("off", off)):
    print(f"rollups {name}: observations/s " + ", ".join(f"{r:.0f}" for r, _ in runs) +
          "; writer CPU µs/observation " + ", ".join(f"{c:.1f}" for _, c in runs))
rate = statistics.median(r for r, _ in on) / statistics.median(r for r, _ in off)
cpu = statistics.median(c for _, c in on) / statistics.median(c for _, c in off)
print(f"throughput, median on / median off: {rate:.3f}")
print(f"writer CPU per observation, median on / median off: {cpu:.3f}")
PY
fi

# 2. Load, then time the dashboard (OBS=0: part 1 only).
((OBS > 0)) || exit 0
DATA=${DATA_DIR:-$WORK/data}
if [[ -f $DATA/.dashboard-bench-loaded ]]; then
  echo "reusing the store in $DATA: $(cat "$DATA/.dashboard-bench-loaded")"
else
start_server "$DATA"
if [[ -f $DATA/.dashboard-bench-observations ]]; then  # a load cut short after its observations
  echo "resuming: $(cat "$DATA/.dashboard-bench-observations")"
else
load_start=$(date +%s.%N)
loaded=0
while ((loaded < OBS)); do
  line=$("$LOADGEN" --url "$URL" --public-key $PK --secret-key $SK --connections 16 --duration 20 \
    --variety --spread-days 30)
  n=$(sed -n 's/.*"observations":\([0-9]*\).*/\1/p' <<<"$line")
  loaded=$((loaded + n))
  echo "loaded $loaded of $OBS observations ($(sed -n 's/.*"observations_per_s":\([0-9]*\).*/\1/p' <<<"$line")/s)" >&2
done
load_s=$(python3 -c "import time; print(round(time.time() - $load_start, 1))")
echo "$loaded observations in ${load_s}s" >"$DATA/.dashboard-bench-observations"
fi
# Scores, numeric and categorical, over the same 30 days (the score rollups need no trace).
python3 - "$URL" $PK $SK "$SCORES" <<'PY'
import base64, datetime, json, random, sys, urllib.request
url, pk, sk, total = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
auth = "Basic " + base64.b64encode(f"{pk}:{sk}".encode()).decode()
now = datetime.datetime.now(datetime.timezone.utc)
for b in range((total + 499) // 500):
    batch = []
    for i in range(500):
        ts = (now - datetime.timedelta(minutes=random.randint(0, 30 * 24 * 60))).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        body = {"id": f"s{b}-{i}", "traceId": f"t{b}-{i}", "timestamp": ts}
        if i % 3:
            body.update(name=random.choice(["quality", "relevance"]), value=random.random(), dataType="NUMERIC")
        else:
            body.update(name="label", value=random.choice(["good", "bad", "neutral"]), dataType="CATEGORICAL")
        batch.append({"id": f"e{b}-{i}", "type": "score-create", "timestamp": ts, "body": body})
    req = urllib.request.Request(url + "/api/public/ingestion", data=json.dumps({"batch": batch}).encode(),
                                 headers={"Authorization": auth, "Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
PY
stop_server
echo "$(cat "$DATA/.dashboard-bench-observations"), $SCORES scores, $(date -u +%FT%TZ)" >"$DATA/.dashboard-bench-loaded"
fi
echo "$(cat "$DATA/.dashboard-bench-loaded"); data directory $(du -sh "$DATA" | cut -f1)"
# The first load after a start, without the warm-up (LANTERNE_WARM_ROLLUP_READS=off) and
# with it (2 s after the ready line, as a person opens the page after a restart); then the
# repeated loads.
start_server "$DATA" LANTERNE_WARM_ROLLUP_READS=off
echo "first load after a start, no warm-up:"
python3 "$ROOT/bench/dashboard_queries.py" "$URL" $PK $SK 1 | tail -1
stop_server
start_server "$DATA"
sleep 2
echo "first load 2 s after a start, with the warm-up, then repeated loads:"
python3 "$ROOT/bench/dashboard_queries.py" "$URL" $PK $SK "$RUNS"
# 3. The same dashboard in Chromium, as a person opens it (first load, then reloads).
node "$ROOT/bench/dashboard_browser.mjs" "$URL" bench@lanterne.local bench-password bench 5 \
  "$ROOT/build/bench-dashboard-30d.png"
