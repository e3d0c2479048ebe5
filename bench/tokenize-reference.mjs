// The JavaScript side of bench/tokenize.sh: the throughput of the reference tokenizer
// (`tiktoken`, OpenAI's tiktoken compiled to WebAssembly, which Langfuse's worker uses) and
// of `js-tiktoken` (pure JavaScript), as the best of repeated encodes of one file.
//
//   node bench/tokenize-reference.mjs FILE SECONDS
// prints one JSON line per tokenizer and encoding.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(root, "tools/tokenizer-data/package.json"));
const { get_encoding } = require("tiktoken");
const { getEncoding } = require("js-tiktoken");

const [file, seconds = "3", only = ""] = process.argv.slice(2);
const text = readFileSync(file, "utf8");
const bytes = Buffer.byteLength(text);

function measure(tokenizer, encoding, encode) {
  encode(text);  // warm-up (JIT, lazy tables)
  let best = Infinity, runs = 0, tokens = 0;
  const start = performance.now();
  do {
    const t0 = performance.now();
    tokens = encode(text).length;
    best = Math.min(best, (performance.now() - t0) / 1000);
    runs++;
  } while (runs < 3 || performance.now() - start < Number(seconds) * 1000);
  console.log(JSON.stringify({ tokenizer, encoding, bytes, tokens, runs, best_s: best,
    mb_per_s: Number((bytes / best / 1e6).toFixed(2)) }));
}

for (const encoding of ["cl100k_base", "o200k_base"]) {
  if (only && only !== encoding) continue;
  const wasm = get_encoding(encoding);
  measure("tiktoken", encoding, (t) => wasm.encode_ordinary(t));
  wasm.free();
  const js = getEncoding(encoding);
  measure("js-tiktoken", encoding, (t) => js.encode(t, [], []));
}
