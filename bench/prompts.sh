#!/usr/bin/env bash
# bench/prompts.sh: prompt fetch by name and label under load (docs/benchmarks.md).
#
# Starts `lanterne serve` on a fresh data directory, creates a chat prompt with 20 versions
# (production on an old one), then drives `GET /api/public/v2/prompts/{name}` (label
# production) open-loop at RATE requests/s with lanterne-loadgen, and, as the baseline in
# the same run, `GET /api/public/health` at the same rate. Latency is measured by the
# client (write to full response), so it bounds the server time from above. Builds
# nothing; traffic stays on 127.0.0.1.
#
# Environment: LANTERNE, LOADGEN (default build/release/...), RATE=5000, DURATION=10,
# CONNECTIONS=16, ROUNDS=2 (alternating baseline/prompt runs), STRICT=1 (exit 1 when the
# p99 target of 2 ms is missed).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LANTERNE=${LANTERNE:-$ROOT/build/release/lanterne}
LOADGEN=${LOADGEN:-$ROOT/build/release/bench/lanterne-loadgen}
RATE=${RATE:-5000}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
ROUNDS=${ROUNDS:-2}
STRICT=${STRICT:-0}
PK=pk-lf-bench
SK=sk-lf-bench

for program in "$LANTERNE" "$LOADGEN"; do
  [[ -x $program ]] || { echo "prompts.sh: $program not found (build the release tree first)" >&2; exit 2; }
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lanterne-prompt-bench.XXXXXX")
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LANGFUSE_INIT_ORG_ID=bench LANGFUSE_INIT_PROJECT_ID=bench LANGFUSE_INIT_PROJECT_PUBLIC_KEY=$PK \
  LANGFUSE_INIT_PROJECT_SECRET_KEY=$SK \
  "$LANTERNE" serve --host 127.0.0.1 --port "$PORT" --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q "Lanterne ready" "$WORK/server.log" && break; sleep 0.1; done
URL=http://127.0.0.1:$PORT
NAME=support/answer-question
for v in $(seq 20); do
  labels='[]'
  [[ $v == 5 ]] && labels='["production"]'
  curl -sf -u "$PK:$SK" -H 'content-type: application/json' "$URL/api/public/v2/prompts" -d \
    "{\"name\":\"$NAME\",\"type\":\"chat\",\"labels\":$labels,\"config\":{\"model\":\"gpt-4o\",\"temperature\":0.2},\"prompt\":[{\"role\":\"system\",\"content\":\"You answer questions about {{product}} in {{language}}. Version $v.\"},{\"type\":\"placeholder\",\"name\":\"history\"},{\"role\":\"user\",\"content\":\"{{question}}\"}]}" >/dev/null
done
ENCODED=${NAME//\//%2F}
curl -sf -u "$PK:$SK" "$URL/api/public/v2/prompts/$ENCODED" | grep -q '"version":5' || { echo "prompts.sh: setup failed" >&2; exit 1; }

run() {  # path → one JSON line
  "$LOADGEN" --url "$URL" --public-key $PK --secret-key $SK --connections "$CONNECTIONS" \
    --duration "$DURATION" --rate "$RATE" --get "$1"
}
field() { sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" <<<"$1"; }
echo "| run | requests/s | p50 ms | p99 ms | p99.9 ms | errors |"
echo "| --- | --- | --- | --- | --- | --- |"
worst_p99=0
for round in $(seq "$ROUNDS"); do
  for what in health prompt; do
    path=/api/public/health
    [[ $what == prompt ]] && path=/api/public/v2/prompts/$ENCODED
    line=$(run "$path")
    echo "| $what (round $round) | $(field "$line" observations_per_s) | $(field "$line" p50_ms) | $(field "$line" p99_ms) | $(field "$line" p999_ms) | $(field "$line" errors) |"
    echo "$what: $line" >>"$WORK/raw"
    if [[ $what == prompt ]]; then
      worst_p99=$(python3 -c "print(max($worst_p99, $(field "$line" p99_ms)))")
    fi
  done
done
echo
echo "Raw:"
cat "$WORK/raw"
echo "worst prompt p99: $worst_p99 ms (target < 2 ms at $RATE requests/s)"
if [[ $STRICT == 1 ]] && python3 -c "import sys; sys.exit(0 if $worst_p99 < 2 else 1)"; then exit 0; fi
[[ $STRICT == 1 ]] && exit 1
exit 0
