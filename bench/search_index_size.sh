#!/usr/bin/env bash
# bench/search_index_size.sh: disk and build time of the full-text index with and without
# trigram positions (docs/benchmarks.md, "UI queries"), on real indexed text.
#
# usage: bench/search_index_size.sh DATA_DIR [DOCS]
#
# Copies DOCS (default 100000) indexed texts out of DATA_DIR's store (a stopped server's,
# e.g. one loaded by bench/ui.sh with DATA_DIR), then builds an FTS5 trigram table over them
# once per layout, in one transaction each, alternating full none none full, with the
# sqlite3 shell (the SQLite the build links). Prints seconds, the index's bytes
# (search_text_data) and the file's, per run.
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: $0 DATA_DIR [DOCS]" >&2; exit 2; }
DB=$1/search.db  # the index and its texts (docs/architecture.md)
DOCS=${2:-100000}
WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/lanterne-fts-size.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
sqlite3 "$WORK/texts.db" "ATTACH 'file:$DB?mode=ro' AS store;
  CREATE TABLE texts AS SELECT id AS doc, c0 AS body FROM store.search_text_content
  ORDER BY id LIMIT $DOCS;"
echo "texts: $(sqlite3 "$WORK/texts.db" "SELECT count(*) || ' documents, ' || (sum(length(body)) / 1048576) || ' MB' FROM texts")"
for detail in full none none full; do
  rm -f "$WORK/index.db"
  sqlite3 "$WORK/index.db" "CREATE VIRTUAL TABLE f USING fts5(body, tokenize = 'trigram', detail = $detail)"
  start=$(date +%s.%N)
  sqlite3 "$WORK/index.db" "ATTACH '$WORK/texts.db' AS t; BEGIN;
    INSERT INTO f (rowid, body) SELECT doc, body FROM t.texts; COMMIT;"
  end=$(date +%s.%N)
  echo "detail=$detail: $(python3 -c "print(round($end - $start, 1))") s," \
    "index $(sqlite3 "$WORK/index.db" 'SELECT sum(length(block)) / 1048576 FROM f_data') MB," \
    "file $(($(stat -c %s "$WORK/index.db") / 1048576)) MB"
done
