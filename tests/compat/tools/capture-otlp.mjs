#!/usr/bin/env node
// Capture real OTLP/HTTP export requests from the npm SDKs and save them as
// fixtures for the C++ unit tests.
//
//   cd tests/compat && node tools/capture-otlp.mjs [outDir]
//
// Starts a plain node:http server on 127.0.0.1 that answers every POST with
// 200 (`{}` for JSON, an empty protobuf body for protobuf), then drives:
//   1. @langfuse/tracing + @langfuse/otel LangfuseSpanProcessor (OTLP/HTTP JSON)
//      → langfuse-otel.json
//   2. a plain OpenTelemetry NodeTracerProvider with gen_ai.* attributes through
//      @opentelemetry/exporter-trace-otlp-proto → genai-proto.pb (raw bytes)
//   3. the same spans through @opentelemetry/exporter-trace-otlp-http
//      → genai-http.json
// Each body is saved byte-exact, with its request line and headers (as sent,
// in order) in <name>.headers.txt. The spans come from ../otel-scenarios.mjs,
// the same code otel.test.mjs runs against a live server. Ids and times
// (except the fixed GenAI times) vary from one capture to the next.

import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import {
  OTLP_PATH,
  createLangfuseProvider,
  runGenAiScenario,
  runLangfuseScenario,
} from '../otel-scenarios.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT_DIR = path.resolve(process.argv[2] ?? path.join(HERE, '..', 'fixtures', 'otlp'));
const PUBLIC_KEY = 'pk-lf-capture';
const SECRET_KEY = 'sk-lf-capture';

const errors = [];
setGlobalErrorHandler((err) => errors.push(err));

const requests = [];
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const headerLines = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      headerLines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    }
    requests.push({ method: req.method, url: req.url, httpVersion: req.httpVersion, headerLines, headers: req.headers, body });
    const isProto = String(req.headers['content-type'] || '').includes('protobuf');
    if (isProto) {
      res.writeHead(200, { 'Content-Type': 'application/x-protobuf', 'Content-Length': 0 });
      res.end();
    } else {
      const out = '{}';
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out) });
      res.end(out);
    }
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseUrl = `http://127.0.0.1:${server.address().port}`;

/** Run `fn` and return the requests it caused. */
async function capture(label, fn) {
  const from = requests.length;
  const result = await fn();
  const got = requests.slice(from);
  if (got.length === 0) throw new Error(`${label}: no request captured`);
  for (const r of got) {
    if (r.method !== 'POST' || r.url !== OTLP_PATH) {
      throw new Error(`${label}: unexpected request ${r.method} ${r.url}`);
    }
  }
  return { result, requests: got };
}

async function save(name, ext, reqs) {
  const written = [];
  for (let i = 0; i < reqs.length; i++) {
    const r = reqs[i];
    const base = reqs.length === 1 ? name : `${name}-${i + 1}`;
    await fs.writeFile(path.join(OUT_DIR, `${base}.${ext}`), r.body);
    const head = [`${r.method} ${r.url} HTTP/${r.httpVersion}`, ...r.headerLines].join('\n') + '\n';
    await fs.writeFile(path.join(OUT_DIR, `${base}.headers.txt`), head);
    written.push(`${base}.${ext} (${r.body.length} bytes, ${r.headers['content-type']})`);
  }
  return written;
}

await fs.mkdir(OUT_DIR, { recursive: true });
const summary = [];

// 1. @langfuse/otel (JSON)
const { processor, provider } = createLangfuseProvider({ baseUrl, publicKey: PUBLIC_KEY, secretKey: SECRET_KEY });
const lf = await capture('langfuse-otel', async () => {
  const r = await runLangfuseScenario('capture');
  await processor.forceFlush();
  return r;
});
summary.push(...(await save('langfuse-otel', 'json', lf.requests)));
await provider.shutdown();

// 2. and 3. plain OpenTelemetry, gen_ai.* attributes
for (const [encoding, name, ext] of [
  ['proto', 'genai-proto', 'pb'],
  ['json', 'genai-http', 'json'],
]) {
  const got = await capture(name, () =>
    runGenAiScenario({ url: baseUrl + OTLP_PATH, publicKey: PUBLIC_KEY, secretKey: SECRET_KEY, encoding }),
  );
  const failed = got.result.results.filter((x) => x.code !== 0);
  if (failed.length) throw new Error(`${name}: export failed: ${failed.map((f) => f.error?.message).join('; ')}`);
  summary.push(...(await save(name, ext, got.requests)));
}

server.closeAllConnections?.();
await new Promise((resolve) => server.close(resolve));

if (errors.length) {
  console.error('OpenTelemetry reported errors:\n' + errors.map((e) => String(e?.stack ?? e)).join('\n'));
  process.exit(1);
}
console.log(`wrote to ${OUT_DIR}:\n  ` + summary.join('\n  '));
