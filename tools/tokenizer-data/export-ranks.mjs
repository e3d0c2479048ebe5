// Writes OpenAI's BPE rank tables as standard `.tiktoken` files ("<base64 token> <rank>"
// lines, in rank order) from the copy the pinned `tiktoken` npm package ships, and checks
// each file's SHA-256 against the hash OpenAI publishes for it (tiktoken's
// `openai_public.py`), so the output is byte-for-byte the official file.
//
//   node tools/tokenizer-data/export-ranks.mjs <output dir>
import { createHash } from "node:crypto";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

const ENCODINGS = {
  cl100k_base: "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
  o200k_base: "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
};

const outDir = process.argv[2];
if (!outDir) {
  console.error("usage: export-ranks.mjs <output dir>");
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

for (const [name, expectedSha256] of Object.entries(ENCODINGS)) {
  // The package stores the ranks compactly: each line is "<tag> <first rank> <token>
  // <token> ...", the tokens (base64) holding consecutive ranks.
  const { bpe_ranks: packed } = require(`tiktoken/encoders/${name}.json`);
  const ranked = [];
  for (const line of packed.split("\n")) {
    if (!line) continue;
    const [, first, ...tokens] = line.split(" ");
    const base = Number.parseInt(first, 10);
    tokens.forEach((token, i) => ranked.push([base + i, token]));
  }
  ranked.sort((a, b) => a[0] - b[0]);
  const text = ranked.map(([rank, token]) => `${token} ${rank}\n`).join("");
  const sha256 = createHash("sha256").update(text).digest("hex");
  if (sha256 !== expectedSha256) {
    console.error(`tokenizer-data: ${name}: SHA-256 ${sha256} is not OpenAI's ${expectedSha256}`);
    process.exit(1);
  }
  const target = path.join(outDir, `${name}.tiktoken`);
  writeFileSync(`${target}.tmp`, text);
  renameSync(`${target}.tmp`, target);
  console.log(`tokenizer-data: ${target} (${ranked.length} ranks, sha256 ${sha256.slice(0, 12)}…)`);
}
