// Computes the expectations of tests/tokenize/corpus.jsonl with the JavaScript reference
// (reference.mjs): for each text, its token ids in both encodings, ordinary and with
// special tokens; for each JSON value, Langfuse's count under each tokenizer config.
// `node tests/tokenize/expected.mjs --write` rewrites expected.jsonl (commit it); the C++
// unit tests compare against that file, the parity test against a fresh computation.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import {
  ENCODINGS,
  TOKENIZER_CONFIGS,
  encode,
  hasJsonSource,
  langfuseCount,
} from "./reference.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
export const corpusPath = path.join(here, "corpus.jsonl");
export const expectedPath = path.join(here, "expected.jsonl");

export function readCorpus() {
  return readFileSync(corpusPath, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

export function expectationFor(entry) {
  if ("text" in entry) {
    const out = { id: entry.id };
    for (const name of ENCODINGS) {
      out[name] = encode(name, entry.text);
      out[`${name}_special`] = encode(name, entry.text, true);
    }
    return out;
  }
  const counts = {};
  for (const [name, config] of Object.entries(TOKENIZER_CONFIGS)) {
    counts[name] = langfuseCount(config, entry.json);
  }
  return { id: entry.id, counts };
}

export function expectedLines() {
  return readCorpus().map((entry) => JSON.stringify(expectationFor(entry)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!hasJsonSource) {
    // Langfuse runs on Node >= 21, whose JSON.parse hands revivers the source text.
    const r = spawnSync(process.execPath, ["--harmony-json-parse-with-source", ...process.argv.slice(1)],
      { stdio: "inherit" });
    process.exit(r.status ?? 1);
  }
  const text = expectedLines().join("\n") + "\n";
  if (process.argv.includes("--write")) {
    writeFileSync(expectedPath, text);
    console.log(`wrote ${expectedPath}`);
  } else {
    process.stdout.write(text);
  }
}
