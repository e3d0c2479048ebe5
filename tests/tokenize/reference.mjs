// The JavaScript reference for the C++ tokenizer: the `tiktoken` npm package (OpenAI's
// tiktoken compiled to WebAssembly; the tokenizer Langfuse's worker uses) and a replica, in
// plain JavaScript, of how Langfuse's worker counts an observation's input or output
// (worker/src/features/tokenisation/usage.ts and IngestionService's stringify step).
// Packages come from tools/tokenizer-data (pinned by its package-lock.json).
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "../..");
const require = createRequire(path.join(repoRoot, "tools/tokenizer-data/package.json"));
const { get_encoding } = require("tiktoken");
const { isSafeNumber } = require("lossless-json");

export const ENCODINGS = ["cl100k_base", "o200k_base"];

const encoders = new Map();
function encoder(name) {
  if (!encoders.has(name)) encoders.set(name, get_encoding(name));
  return encoders.get(name);
}

// tiktoken encode_ordinary, or encode(text, "all") with `special`.
export function encode(name, text, special = false) {
  const e = encoder(name);
  return Array.from(special ? e.encode(text, "all") : e.encode_ordinary(text));
}

// Whether this Node.js hands JSON.parse revivers the number's source text (Node >= 21, or
// Node 20 with --harmony-json-parse-with-source), as Langfuse's parseJsonPrioritised needs.
export const hasJsonSource = (() => {
  let source;
  JSON.parse("1", (k, v, context) => {
    source = context?.source;
    return v;
  });
  return source === "1";
})();

// The tokenizer configurations the parity tests count with (Langfuse model definitions'
// tokenizerConfig; tokenizerId "openai").
export const TOKENIZER_CONFIGS = {
  "gpt-4o": { tokenizerModel: "gpt-4o", tokensPerMessage: 3, tokensPerName: 1 },
  "gpt-4": { tokenizerModel: "gpt-4", tokensPerMessage: 3, tokensPerName: 1 },
  "gpt-3.5-turbo-0301": { tokenizerModel: "gpt-3.5-turbo-0301", tokensPerMessage: 4, tokensPerName: -1 },
  "gpt-4-turbo-preview": { tokenizerModel: "gpt-4-turbo-preview", tokensPerMessage: 3, tokensPerName: 1 },
  "text-embedding-ada-002": { tokenizerModel: "text-embedding-ada-002" },
  "gpt-4o-without-overhead": { tokenizerModel: "gpt-4o" },
};

// Langfuse's tokenizer model lists (tiktoken models it accepts, and its chat models),
// restricted to those on cl100k_base / o200k_base.
const MODEL_ENCODING = {
  "davinci-002": "cl100k_base", "babbage-002": "cl100k_base",
  "text-embedding-ada-002": "cl100k_base", "gpt-3.5-turbo": "cl100k_base",
  "gpt-35-turbo": "cl100k_base", "gpt-3.5-turbo-0301": "cl100k_base",
  "gpt-3.5-turbo-0613": "cl100k_base", "gpt-3.5-turbo-1106": "cl100k_base",
  "gpt-3.5-turbo-0125": "cl100k_base", "gpt-3.5-turbo-16k": "cl100k_base",
  "gpt-3.5-turbo-16k-0613": "cl100k_base", "gpt-3.5-turbo-instruct": "cl100k_base",
  "gpt-3.5-turbo-instruct-0914": "cl100k_base", "gpt-4": "cl100k_base",
  "gpt-4-0314": "cl100k_base", "gpt-4-0613": "cl100k_base", "gpt-4-32k": "cl100k_base",
  "gpt-4-32k-0314": "cl100k_base", "gpt-4-32k-0613": "cl100k_base",
  "gpt-4-turbo": "cl100k_base", "gpt-4-turbo-2024-04-09": "cl100k_base",
  "gpt-4-turbo-preview": "cl100k_base", "gpt-4-1106-preview": "cl100k_base",
  "gpt-4-0125-preview": "cl100k_base", "gpt-4-vision-preview": "cl100k_base",
  "gpt-4o": "o200k_base", "gpt-4o-2024-05-13": "o200k_base",
};
const CHAT_MODELS = new Set([
  "gpt-4", "gpt-4-0314", "gpt-4-0613", "gpt-4-32k", "gpt-4-32k-0314", "gpt-4-32k-0613",
  "gpt-3.5-turbo", "gpt-35-turbo", "gpt-3.5-turbo-0301", "gpt-3.5-turbo-0613",
  "gpt-3.5-turbo-1106", "gpt-3.5-turbo-16k", "gpt-3.5-turbo-16k-0613",
  "gpt-4-1106-preview", "gpt-4-vision-preview", "gpt-4o-2024-05-13", "gpt-4o",
]);
const COUNTED_MESSAGE_KEYS = new Set([
  "content", "role", "name", "tool_calls", "function_call", "toolCalls", "functionCall",
]);

// parseJsonPrioritised: JSON.parse, numbers a double cannot hold kept as their source
// text when the text looks like it may have some; the text itself when it is not JSON.
function parseLikeLangfuse(text) {
  try {
    if (!/[\d.]{13,}|\d[eE]/.test(text)) return JSON.parse(text);
    return JSON.parse(text, (key, value, context) =>
      typeof value === "number" && context?.source !== undefined && !isSafeNumber(context.source)
        ? context.source
        : value,
    );
  } catch {
    return text;
  }
}

function looksLikeChatMessages(value) {
  return (
    Array.isArray(value) &&
    value.every(
      (m) =>
        typeof m === "object" && m !== null && "role" in m && typeof m.role === "string" &&
        "content" in m && typeof m.content === "string" &&
        (!("name" in m) || typeof m.name === "string"),
    )
  );
}

// What Langfuse hands tiktoken for a value: it walks value[0 .. value.length) and
// concatenates the elements, replacing one that holds an astral character by the hex of
// its UTF-8 bytes (a no-op for strings, whose elements are UTF-16 code units).
function textForTokenizer(value) {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const element = value[i];
    if (element && /[\u{10000}-\u{10FFFF}]/u.test(element)) {
      out += Array.from(new TextEncoder().encode(element), (b) => b.toString(16)).join("");
    } else {
      out += element;
    }
  }
  return out;
}

// Langfuse's token count of one observation input or output, given as the JSON text the
// client sent; null where Langfuse records none.
export function langfuseCount(config, valueJson) {
  const encodingName = MODEL_ENCODING[config.tokenizerModel];
  if (!encodingName) return null;
  const countText = (value) => encoder(encodingName).encode(textForTokenizer(value), "all").length;

  const value = JSON.parse(valueJson);  // the ingestion API's body parse
  if (value === null) return null;
  const stored = typeof value === "string" ? value : JSON.stringify(value);
  const parsed = parseLikeLangfuse(stored);

  if (looksLikeChatMessages(parsed) && CHAT_MODELS.has(config.tokenizerModel)) {
    if (typeof config.tokensPerMessage !== "number" || typeof config.tokensPerName !== "number") {
      return null;
    }
    let total = 0;
    for (const message of parsed) {
      total += config.tokensPerMessage;
      for (const key of Object.keys(message)) {
        const v = message[key];
        if (v && COUNTED_MESSAGE_KEYS.has(key)) total += countText(v) || 0;
        if (key === "name") total += config.tokensPerName;
      }
    }
    return total + 3;
  }
  return countText(typeof parsed === "string" ? parsed : JSON.stringify(parsed));
}
