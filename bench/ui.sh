#!/usr/bin/env bash
# bench/ui.sh: the web UI's queries on a large store (docs/benchmarks.md).
#
# Starts `lanterne serve` on a fresh data directory, loads TRACES traces through the
# ingestion API with lanterne-loadgen (5 observations each: the retrieval-augmented shape of
# bench/ingest.sh), adds one trace with 200 observations, waits for the full-text index to
# catch up (reported), restarts the server (cold caches of the process, warm page cache),
# then times each UI query with bench/ui_queries.py. Builds nothing; traffic stays local.
#
# Environment: LANTERNE, LOADGEN (default build/release/...), TRACES=200000 (the issue's
# target size, 10M stored observations, is TRACES=2000000: 12M observation events, stored as
# 10M observations and 2M traces, ~45 minutes of loading),
# RUNS=15 (timings per query), SEARCH_WAIT=900 (seconds to wait for the search index);
# DATA_DIR=DIR keeps the loaded store there and, when it was loaded before, times the
# queries on it without loading again (to compare builds on the same data).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LANTERNE=${LANTERNE:-$ROOT/build/release/lanterne}
LOADGEN=${LOADGEN:-$ROOT/build/release/bench/lanterne-loadgen}
TRACES=${TRACES:-200000}
RUNS=${RUNS:-15}
SEARCH_WAIT=${SEARCH_WAIT:-900}
PK=pk-lf-bench
SK=sk-lf-bench
EMAIL=bench@example.com
PASSWORD=bench-password-1

WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/lanterne-ui-bench.XXXXXX")
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
DATA=${DATA_DIR:-$WORK/data}
SERVER=
start_server() {
  : >"$WORK/server.log"
  LANGFUSE_INIT_ORG_ID=bench LANGFUSE_INIT_PROJECT_ID=bench LANGFUSE_INIT_PROJECT_PUBLIC_KEY=$PK \
    LANGFUSE_INIT_PROJECT_SECRET_KEY=$SK LANGFUSE_INIT_USER_EMAIL=$EMAIL \
    LANGFUSE_INIT_USER_PASSWORD=$PASSWORD \
    "$LANTERNE" serve --host 127.0.0.1 --port "$PORT" --data-dir "$DATA" >>"$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 200); do grep -q "Lanterne ready" "$WORK/server.log" && return 0; sleep 0.1; done
  echo "ui.sh: server did not start" >&2
  cat "$WORK/server.log" >&2
  exit 1
}
trap '[[ -n $SERVER ]] && kill $SERVER 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
start_server

# A store loaded by an earlier run (DATA_DIR) keeps that run's load figures beside it.
if [[ -f $DATA/ui-bench.loaded ]]; then
  source "$DATA/ui-bench.loaded"
else
# (not indented: the here-document below ends at the start of a line)
# Load: 4 traces per batch; stop once TRACES are acknowledged.
load_start=$(date +%s.%N)
loaded=0
while ((loaded < TRACES)); do
  line=$("$LOADGEN" --url "$URL" --public-key $PK --secret-key $SK --connections 16 --duration 20)
  n=$(sed -n 's/.*"traces":\([0-9]*\).*/\1/p' <<<"$line")
  loaded=$((loaded + n))
  echo "loaded $loaded traces" >&2
done
load_s=$(python3 -c "import time; print(round(time.time() - $load_start, 1))")

# One trace with 200 observations (a long agent run), and a marker the search must find.
DETAIL=detail-$(date +%s)
python3 - "$DETAIL" >"$WORK/detail.json" <<'PY'
import json, sys, datetime
tid = sys.argv[1]
now = datetime.datetime.now(datetime.timezone.utc)
ts = lambda ms: (now + datetime.timedelta(milliseconds=ms)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
batch = [{"id": f"{tid}-t", "type": "trace-create", "timestamp": ts(0),
          "body": {"id": tid, "name": "agent-run", "input": "zebra-marker question", "userId": "agent-user"}}]
for i in range(200):
    kind = "generation-create" if i % 4 == 0 else "span-create"
    body = {"id": f"{tid}-o{i}", "traceId": tid, "name": f"step-{i}", "startTime": ts(i * 10), "endTime": ts(i * 10 + 8),
            "input": {"step": i, "text": "tool call arguments " * 5}, "output": "done " * 20}
    if i > 0:
        body["parentObservationId"] = f"{tid}-o{(i - 1) // 3}"
    if kind == "generation-create":
        body.update(model="gpt-4o", usage={"input": 100, "output": 20})
    batch.append({"id": f"{tid}-e{i}", "type": kind, "timestamp": ts(i), "body": body})
print(json.dumps({"batch": batch}))
PY
curl -sf -u "$PK:$SK" -H 'content-type: application/json' "$URL/api/public/ingestion" --data-binary "@$WORK/detail.json" >/dev/null

# The search index is fed in the background; time how long it takes to reach the marker.
search_start=$(date +%s.%N)
cookie=$(curl -s -c - -H 'content-type: application/json' "$URL/api/ui/auth/login" \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" | awk '/lanterne_session/ {print "lanterne_session=" $7}')
caught_up=no
for _ in $(seq "$SEARCH_WAIT"); do
  if curl -s -H "Cookie: $cookie" "$URL/api/ui/projects/bench/traces?limit=1&search=zebra-marker" | grep -q "\"id\":\"$DETAIL\""; then
    caught_up=yes
    break
  fi
  sleep 1
done
search_s=$(python3 -c "import time; print(round(time.time() - $search_start, 1))")
printf 'loaded=%s\nload_s=%s\nDETAIL=%s\ncaught_up=%s\nsearch_s=%s\n' "$loaded" "$load_s" "$DETAIL" \
  "$caught_up" "$search_s" >"$DATA/ui-bench.loaded"
fi

kill -TERM $SERVER
wait $SERVER || true
start_server
observations=$(curl -s -u "$PK:$SK" "$URL/api/public/observations?limit=1" | sed -n 's/.*"totalItems":\([0-9]*\).*/\1/p')
disk=$(du -sm "$DATA" | cut -f1)
echo "### UI queries: $loaded traces, $observations observations ($disk MB), loaded in ${load_s}s"
echo "when the store was loaded, the search index had caught up: $caught_up (waited ${search_s}s after loading)"
python3 - "$DATA" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}/lanterne.db?mode=ro", uri=True, timeout=30)
db.execute(f"ATTACH 'file:{sys.argv[1]}/search.db?mode=ro' AS search")
marks = dict(db.execute("SELECT name, seq FROM search.search_marks"))
last = {t: db.execute(f"SELECT max(seq) FROM {t}").fetchone()[0] or 0 for t in ("traces", "observations")}
print(f"search index now: {marks.get('traces', 0):,} of {last['traces']:,} trace rows, "
      f"{marks.get('observations', 0):,} of {last['observations']:,} observation rows")
PY
echo
python3 "$ROOT/bench/ui_queries.py" "$URL" bench "$EMAIL" "$PASSWORD" "$DETAIL" "${SEARCH_WORD:-refund}" "$RUNS"
