// Parity of the C++ tokenizer with the live JavaScript reference (reference.mjs: the
// `tiktoken` npm package, and Langfuse's counting rules replayed in JavaScript), through
// the `lanterne-tokenize` tool: the committed corpus and its expectations, every code point
// of the Unicode planes in use in several contexts, and seeded random text and JSON values.
//
//   LANTERNE_TOKENIZE_BIN=build/release/bench/lanterne-tokenize bash tests/tokenize/run.sh
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

import { expectedLines, expectedPath, readCorpus } from "./expected.mjs";
import {
  ENCODINGS,
  TOKENIZER_CONFIGS,
  encode,
  hasJsonSource,
  langfuseCount,
  repoRoot,
} from "./reference.mjs";

const bin =
  process.env.LANTERNE_TOKENIZE_BIN ?? path.join(repoRoot, "build/release/bench/lanterne-tokenize");

function runTool(args, lines) {
  const r = spawnSync(bin, args, {
    input: lines.join("\n") + "\n",
    maxBuffer: 1 << 30,
    encoding: "utf8",
  });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `lanterne-tokenize ${args.join(" ")} failed: ${r.stderr}`);
  const out = r.stdout.split("\n");
  out.pop();
  assert.equal(out.length, lines.length, "one output line per input line");
  return out;
}

// Token ids of each text from the C++ tool.
function cppEncode(name, texts, special = false) {
  const args = ["encode", "--encoding", name, ...(special ? ["--special"] : [])];
  return runTool(args, texts.map((t) => JSON.stringify(t))).map((l) => JSON.parse(l));
}

function cppCount(config, jsonTexts) {
  const args = ["count", "--tokenizer-config", JSON.stringify(config)];
  return runTool(args, jsonTexts.map((t) => JSON.stringify(t))).map((l) => JSON.parse(l));
}

function describeText(text) {
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return `${JSON.stringify(shown)} (${[...text].slice(0, 8).map((c) => "U+" + c.codePointAt(0).toString(16)).join(" ")})`;
}

// Compares the C++ ids of `texts` with the reference's; on a mismatch narrows a long text
// down to a short failing slice for the message.
function assertSameIds(name, texts, special = false) {
  const got = cppEncode(name, texts, special);
  const failures = [];
  texts.forEach((text, i) => {
    const want = encode(name, text, special);
    if (JSON.stringify(got[i]) !== JSON.stringify(want)) failures.push(text);
  });
  if (failures.length === 0) return;
  let culprit = [...failures[0]];
  // Shrink: keep halving while a half still fails on its own.
  for (let changed = true; changed && culprit.length > 1; ) {
    changed = false;
    const half = Math.ceil(culprit.length / 2);
    for (const part of [culprit.slice(0, half), culprit.slice(half)]) {
      const t = part.join("");
      if (JSON.stringify(cppEncode(name, [t], special)[0]) !== JSON.stringify(encode(name, t, special))) {
        culprit = part;
        changed = true;
        break;
      }
    }
  }
  const t = culprit.join("");
  assert.fail(
    `${name}${special ? " (special)" : ""}: ${failures.length} of ${texts.length} texts differ; ` +
      `e.g. ${describeText(t)}: C++ ${JSON.stringify(cppEncode(name, [t], special)[0])}, ` +
      `reference ${JSON.stringify(encode(name, t, special))}`,
  );
}

// A small deterministic PRNG (mulberry32), so failures reproduce.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const corpus = readCorpus();
const corpusTexts = corpus.filter((e) => "text" in e).map((e) => e.text);
const FRAGMENTS = [
  ...corpusTexts.flatMap((t) => t.split(/(?<=\s)/u)).filter((s) => s.length > 0 && s.length < 40),
  " ", "  ", "\n", "\r\n", "\t", "\n\n", "   \n", "\u00a0", "\u3000", "\u2028", "'s", "'T", "'ll",
  "'RE", "’s", "'", "ſ", "123", "4567", "٣", "½", "Ⅻ", "\u0301", "\u0308", "\u20e3", "\ufe0f",
  "\u200d", "😀", "👍🏽", "🇫🇷", "<|endoftext|>", "<|fim_prefix|>", "<|endofprompt|>", "<|", "|>",
  "/", "//", "...", "!!", "ǅ", "ʰ", "ꜱ", "A", "a", "Z", "z", "É", "é", "İ", "ı", "ß", "ẞ",
  "日本", "カナ", "한", "ع", "\u0651", "\ud800", "\udc00", "\u0000", "\u007f", "\u0085",
];

function randomText(next, pieces) {
  let s = "";
  for (let i = 0; i < pieces; i++) s += FRAGMENTS[Math.floor(next() * FRAGMENTS.length)];
  return s;
}

test("expected.jsonl is what the reference computes for corpus.jsonl", { skip: !hasJsonSource && "needs JSON.parse source text (Node >= 21, or --harmony-json-parse-with-source)" }, () => {
  const committed = readFileSync(expectedPath, "utf8").split("\n").filter(Boolean);
  const fresh = expectedLines();
  assert.equal(committed.length, fresh.length, "run: node tests/tokenize/expected.mjs --write");
  committed.forEach((line, i) => {
    assert.equal(line, fresh[i], "run: node tests/tokenize/expected.mjs --write");
  });
});

for (const name of ENCODINGS) {
  test(`${name}: corpus texts encode like tiktoken (ordinary and with special tokens)`, () => {
    assertSameIds(name, corpusTexts);
    assertSameIds(name, corpusTexts, true);
  });

  test(`${name}: every code point of planes 0-3 and 14, and a sample of 4-13 and 15-16, in context`, () => {
    // Each code point next to letters of both cases, digits, spaces, punctuation, a newline
    // and an apostrophe, so its class (letter case, mark, number, space, other) shows.
    const texts = [];
    let chunk = "";
    const add = (cp) => {
      if (cp >= 0xd800 && cp <= 0xdfff) return;
      const c = String.fromCodePoint(cp);
      chunk += `a${c} ${c}A1${c}1 ${c}${c}b'${c}s${c}'s!${c}\n`;
      if (chunk.length > 60000) {
        texts.push(chunk);
        chunk = "";
      }
    };
    for (let cp = 0; cp < 0x40000; cp++) add(cp);
    for (let cp = 0xe0000; cp < 0xe1000; cp++) add(cp);
    for (let cp = 0x40000; cp < 0x110000; cp += 97) add(cp);
    texts.push(chunk);
    assertSameIds(name, texts);
  });

  test(`${name}: seeded random texts (ordinary and with special tokens)`, () => {
    const next = rng(name === "cl100k_base" ? 1 : 2);
    const texts = [];
    for (let i = 0; i < 1500; i++) texts.push(randomText(next, 1 + Math.floor(next() * 60)));
    for (let i = 0; i < 20; i++) {
      // Long pieces take the heap merge path.
      const unit = FRAGMENTS[Math.floor(next() * FRAGMENTS.length)];
      texts.push(unit.repeat(200 + Math.floor(next() * 400)));
    }
    assertSameIds(name, texts);
    assertSameIds(name, texts, true);
  });
}

function randomValue(next, depth = 0) {
  const r = next();
  const text = () => randomText(next, 1 + Math.floor(next() * 8));
  if (depth > 3 || r < 0.2) {
    const numbers = [0, -0, 1, -1.5, 0.1, 1e21, 1e-7, 2 ** 53, 2 ** 53 + 2, 123456789.125, 5e-324];
    const leaves = [null, true, false, text(), numbers[Math.floor(next() * numbers.length)]];
    return leaves[Math.floor(next() * leaves.length)];
  }
  if (r < 0.45) {
    // A chat message array, sometimes with extra or odd keys.
    const messages = [];
    for (let i = Math.floor(next() * 4); i >= 0; i--) {
      const m = { role: ["user", "assistant", "system", "tool"][Math.floor(next() * 4)], content: text() };
      if (next() < 0.3) m.name = next() < 0.2 ? "" : text();
      if (next() < 0.2) m.tool_calls = [{ id: "c", function: { name: text(), arguments: "{}" } }];
      if (next() < 0.1) m.toolCalls = [text(), 1, null, [text()]];
      if (next() < 0.1) m.function_call = { name: text() };
      if (next() < 0.05) m.content = null;
      messages.push(m);
    }
    return messages;
  }
  if (r < 0.6) {
    const a = [];
    for (let i = Math.floor(next() * 4); i > 0; i--) a.push(randomValue(next, depth + 1));
    return a;
  }
  if (r < 0.7) return JSON.stringify(randomValue(next, depth + 1));  // JSON inside a string
  const o = {};
  for (let i = Math.floor(next() * 5); i > 0; i--) {
    const keys = ["a", "b", "10", "2", "content", "role", text()];
    o[keys[Math.floor(next() * keys.length)]] = randomValue(next, depth + 1);
  }
  return o;
}

test("Langfuse counts of corpus and seeded random values, for each tokenizer config", { skip: !hasJsonSource && "needs JSON.parse source text (Node >= 21, or --harmony-json-parse-with-source)" }, () => {
  const next = rng(3);
  const values = corpus.filter((e) => "json" in e).map((e) => e.json);
  for (let i = 0; i < 400; i++) {
    const v = randomValue(next);
    if (v !== undefined) values.push(JSON.stringify(v));
  }
  values.push("[1.0, 2.50, 1e400, 12345678901234567890123]", "\"[1e21, 9007199254740993]\"");
  for (const [name, config] of Object.entries(TOKENIZER_CONFIGS)) {
    const got = cppCount(config, values);
    values.forEach((json, i) => {
      assert.equal(got[i], langfuseCount(config, json), `${name}: ${json.slice(0, 200)}`);
    });
  }
});
