#!/usr/bin/env bash
# bench/search_rebuild.sh: how soon the newest rows are searchable again when the full-text
# index is rebuilt, as after an upgrade that moves it or a deleted search.db
# (docs/benchmarks.md, "UI queries").
#
# usage: bench/search_rebuild.sh [LANTERNE]
#
# Loads a fresh data directory for LOAD_SECONDS (32 connections of lanterne-loadgen), stops
# the server, deletes search.db, starts it again and, reading search.db's marks every 50 ms,
# prints when the newest 1,000 traces and 5,000 observations, then the newest 10,000 and
# 50,000, then all of them are indexed, in seconds from the start. Traffic stays local.
#
# Environment: LOADGEN (default build/release/bench/lanterne-loadgen), LOAD_SECONDS=15.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LANTERNE=${1:-$ROOT/build/release/lanterne}
LOADGEN=${LOADGEN:-$ROOT/build/release/bench/lanterne-loadgen}
DIR=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/lanterne-rebuild.XXXXXX")
# shellcheck source=bench/bench_server.sh
source "$ROOT/bench/bench_server.sh"
SERVER=
cleanup() {
  bench_server_kill
  rm -rf "$DIR"
}
trap cleanup EXIT
PORT=$(bench_free_port)
start_server() { bench_server_start "$LANTERNE" "$DIR/data" "$DIR/server.log" "$PORT"; }

start_server
"$LOADGEN" --url "http://127.0.0.1:$PORT" --public-key pk-lf-bench --secret-key sk-lf-bench \
  --connections 32 --duration "${LOAD_SECONDS:-15}" >/dev/null
bench_server_stop
rm -f "$DIR"/data/search.db*
started=$(date +%s.%N)
start_server
python3 - "$DIR/data" "$started" <<'PY'
import sqlite3, sys, time
data, started = sys.argv[1], float(sys.argv[2])
main = sqlite3.connect(f"file:{data}/lanterne.db?mode=ro", uri=True)
traces = main.execute("SELECT max(seq) FROM traces").fetchone()[0]
observations = main.execute("SELECT max(seq) FROM observations").fetchone()[0]
print(f"store: {traces:,} traces, {observations:,} observations")
goals = [1000, 10000]
while True:
    try:
        db = sqlite3.connect(f"file:{data}/search.db?mode=ro", uri=True)
        marks = dict(db.execute("SELECT name, seq FROM search_marks"))
        db.close()
    except sqlite3.Error:
        time.sleep(0.05)
        continue
    t, o = marks.get("traces_backfill", traces), marks.get("observations_backfill", observations)
    while goals and t <= traces - goals[0] and o <= observations - 5 * goals[0]:
        print(f"newest {goals[0]:,} traces and {5 * goals[0]:,} observations indexed: "
              f"{time.time() - started:.2f} s after the start")
        goals.pop(0)
    if t == 0 and o == 0:
        print(f"all indexed: {time.time() - started:.1f} s after the start")
        break
    time.sleep(0.05)
PY
bench_server_stop
