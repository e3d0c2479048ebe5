#!/usr/bin/env bash
# Tokenizer throughput: the C++ tokenizer (bench/lanterne-tokenize) beside the JavaScript
# reference tokenizer (`tiktoken` from npm, WebAssembly; and `js-tiktoken`, pure
# JavaScript) on the same text, in the same run. Prints a markdown table and the raw JSON
# lines; STRICT=1 exits 1 when C++ is under TARGET_RATIO (5) times the reference.
#
#   bash bench/tokenize.sh            # after bash scripts/build.sh
#
# Knobs: LANTERNE_TOKENIZE (the tool), SECONDS_PER_RUN (3: how long each measurement repeats),
# COPIES (4: how many times the text below is concatenated).
set -euo pipefail
cd "$(dirname "$0")/.."
tool=${LANTERNE_TOKENIZE:-build/release/bench/lanterne-tokenize}
seconds=${SECONDS_PER_RUN:-3}
copies=${COPIES:-4}
target=${TARGET_RATIO:-5}
[ -x "$tool" ] || { echo "tokenize.sh: $tool not found: bash scripts/build.sh first" >&2; exit 2; }
bash scripts/tokenizer-data.sh --install-only

# The text: this repository's documentation and C++ sources (English prose and code) and
# the multilingual parity corpus (tests/tokenize/corpus.jsonl: French, Japanese, Chinese,
# Arabic, emoji, whitespace runs, …), concatenated COPIES times.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
text=$tmp/text.txt
{
  git ls-files -z 'README.md' 'docs/*.md' 'src/*.cc' 'src/*.h' | xargs -0 cat
  node -e 'for (const l of require("fs").readFileSync(process.argv[1], "utf8").split("\n"))
             if (l) { const e = JSON.parse(l); if ("text" in e) process.stdout.write(e.text + "\n"); }' \
    tests/tokenize/corpus.jsonl
} >"$tmp/once.txt"
for _ in $(seq "$copies"); do cat "$tmp/once.txt"; done >"$text"

results=$tmp/results.jsonl
for encoding in cl100k_base o200k_base; do
  "$tool" bench --encoding "$encoding" --file "$text" --seconds "$seconds" --mode encode |
    sed 's/^{/{"tokenizer":"lanterne",/' >>"$results"
  "$tool" bench --encoding "$encoding" --file "$text" --seconds "$seconds" --mode count |
    sed 's/^{/{"tokenizer":"lanterne",/' >>"$results"
  node bench/tokenize-reference.mjs "$text" "$seconds" "$encoding" >>"$results"
done

rc=0
node - "$results" "$target" <<'JS' || rc=$?
const [file, target] = process.argv.slice(2);
const rows = require("fs").readFileSync(file, "utf8").split("\n").filter(Boolean).map(JSON.parse);
let ok = true;
console.log("| encoding | tokenizer | MB/s | tokens | vs tiktoken (reference) |");
console.log("| --- | --- | ---: | ---: | ---: |");
for (const encoding of ["cl100k_base", "o200k_base"]) {
  const of = (t, mode) => rows.find((r) => r.encoding === encoding && r.tokenizer === t && (!mode || r.mode === mode));
  const ref = of("tiktoken");
  for (const [label, r] of [["Lanterne C++ (Encode)", of("lanterne", "encode")],
                            ["Lanterne C++ (Count)", of("lanterne", "count")],
                            ["tiktoken 1.0.22 (WASM, reference)", ref],
                            ["js-tiktoken 1.0.21 (pure JS)", of("js-tiktoken")]]) {
    console.log(`| ${encoding} | ${label} | ${r.mb_per_s.toFixed(1)} | ${r.tokens} | ${(r.mb_per_s / ref.mb_per_s).toFixed(1)}× |`);
  }
  const cpp = of("lanterne", "encode");
  if (cpp.tokens !== ref.tokens) { console.log(`token counts differ for ${encoding}`); ok = false; }
  if (cpp.mb_per_s < Number(target) * ref.mb_per_s) ok = false;
}
console.log(`\ntext: ${rows[0].bytes} bytes; target: C++ at least ${target}× the reference: ${ok ? "met" : "MISSED"}`);
console.log("\nraw:");
for (const r of rows) console.log(JSON.stringify(r));
process.exitCode = ok ? 0 : 3;
JS
if [ "$rc" -ne 0 ] && [ "${STRICT:-0}" = "1" ]; then exit 1; fi
exit 0
