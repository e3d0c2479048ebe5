#!/usr/bin/env bash
# bench/search_catchup.sh: how fast the full-text indexer catches up once a load stops
# (docs/benchmarks.md, "UI queries").
#
# usage: bench/search_catchup.sh OLD_LANTERNE NEW_LANTERNE
#
# For each build, alternating OLD NEW NEW OLD: a fresh data directory, LOAD_SECONDS of
# lanterne-loadgen (16 connections) — the indexer falls behind, as after any load — then the
# documents indexed per second over the next WINDOW seconds on the idle server, read from the
# search watermarks. Prints one line per run. Builds nothing; traffic stays local.
#
# Environment: LOADGEN (default build/release/bench/lanterne-loadgen), LOAD_SECONDS=15,
# WINDOW=60.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOADGEN=${LOADGEN:-$ROOT/build/release/bench/lanterne-loadgen}
LOAD_SECONDS=${LOAD_SECONDS:-15}
WINDOW=${WINDOW:-60}
[[ $# -eq 2 ]] || { echo "usage: $0 OLD_LANTERNE NEW_LANTERNE" >&2; exit 2; }

one() {  # binary label
  local dir port server before after
  dir=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/lanterne-catchup.XXXXXX")
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  LANGFUSE_INIT_ORG_ID=bench LANGFUSE_INIT_PROJECT_ID=bench LANGFUSE_INIT_PROJECT_PUBLIC_KEY=pk-lf-bench \
    LANGFUSE_INIT_PROJECT_SECRET_KEY=sk-lf-bench \
    "$1" serve --host 127.0.0.1 --port "$port" --data-dir "$dir/data" >"$dir/server.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do grep -q "Lanterne ready" "$dir/server.log" && break; sleep 0.1; done
  "$LOADGEN" --url "http://127.0.0.1:$port" --public-key pk-lf-bench --secret-key sk-lf-bench \
    --connections 16 --duration "$LOAD_SECONDS" >/dev/null
  indexed() {  # rows indexed so far: the two search watermarks are seqs, indexed in order
    python3 - "$dir/data" <<'PY'
import os, sqlite3, sys
# search.db since schema 17; before, the marks were in lanterne.db.
if os.path.exists(f"{sys.argv[1]}/search.db"):
    db = sqlite3.connect(f"file:{sys.argv[1]}/search.db?mode=ro", uri=True, timeout=30)
    sql = "SELECT sum(seq) FROM search_marks WHERE name IN ('traces', 'observations')"
else:
    db = sqlite3.connect(f"file:{sys.argv[1]}/lanterne.db?mode=ro", uri=True, timeout=30)
    sql = ("SELECT sum(seq) FROM index_watermarks WHERE name IN "
           "('search_traces', 'search_observations')")
print(db.execute(sql).fetchone()[0])
PY
  }
  sleep 3
  before=$(indexed)
  sleep "$WINDOW"
  after=$(indexed)
  echo "$2 $(((after - before) / WINDOW)) documents/s"
  kill "$server"
  wait "$server" 2>/dev/null || true
  rm -rf "$dir"
}

for label in old new new old; do
  sync
  if [[ $label == old ]]; then one "$1" old; else one "$2" new; fi
done
