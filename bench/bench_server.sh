# bench/bench_server.sh: sourced by the bench scripts that start servers of their own
# (ingest_ab.sh, search_rebuild.sh): a `lanterne serve` on loopback with the bench
# project's keys (pk-lf-bench / sk-lf-bench), its pid in SERVER.

bench_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# bench_server_start BINARY DATA_DIR LOG PORT: returns once the server says it is ready
# (or after 10 s).
bench_server_start() {
  LANGFUSE_INIT_ORG_ID=bench LANGFUSE_INIT_PROJECT_ID=bench \
    LANGFUSE_INIT_PROJECT_PUBLIC_KEY=pk-lf-bench LANGFUSE_INIT_PROJECT_SECRET_KEY=sk-lf-bench \
    "$1" serve --host 127.0.0.1 --port "$4" --data-dir "$2" >"$3" 2>&1 &
  SERVER=$!
  for _ in $(seq 200); do grep -q "Lanterne ready" "$3" && break; sleep 0.05; done
}

# A clean stop (SIGTERM), as an operator's.
bench_server_stop() {
  kill -TERM "$SERVER"
  wait "$SERVER" || true
  SERVER=
}

# For EXIT traps: whatever is still running goes.
bench_server_kill() {
  if [[ -n ${SERVER:-} ]]; then
    kill -KILL "$SERVER" 2>/dev/null
    wait "$SERVER" 2>/dev/null
  fi
  SERVER=
  return 0
}
