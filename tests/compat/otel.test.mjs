// OTLP/HTTP receiver: POST /api/public/otel/v1/traces (and /v1/traces).
//
// Drives the real npm @langfuse/tracing + @langfuse/otel SDK (OTLP/JSON), plain
// OpenTelemetry exporters (exporter-trace-otlp-proto and -http) with gen_ai.*
// attributes, and raw OTLP/JSON for OpenInference / Traceloop shapes, then
// reads everything back through @langfuse/client and raw fetch and asserts
// the mapping of LANGFUSE_API.md section 4. The spans the SDKs send come from
// otel-scenarios.mjs, the same code that produced fixtures/otlp/.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { LangfuseClient } from '@langfuse/client';
import {
  ISO_MS_RE,
  assertJsonError,
  hexId,
  otlpExport,
  otlpSpan,
  startServer,
} from './harness.mjs';
import {
  GENAI,
  LF,
  OTLP_PATH,
  createLangfuseProvider,
  langfuseIdentity,
  runGenAiScenario,
  runLangfuseScenario,
} from './otel-scenarios.mjs';

const RUN = randomUUID().slice(0, 8);
const TRACE_ID_RE = /^[0-9a-f]{32}$/;
const SPAN_ID_RE = /^[0-9a-f]{16}$/;
// Raw spans lie in the recent past, on whole milliseconds.
const BASE = Math.floor(Date.now() / 1000) * 1000 - 60_000;
const iso = (ms) => new Date(ms).toISOString();

let server;
let lfProvider;
let lfProcessor;
let client;
/** Errors the OpenTelemetry SDK reported (failed exports land here). */
let otelErrors = [];
setGlobalErrorHandler((err) => otelErrors.push(err));

function takeOtelErrors() {
  const e = otelErrors;
  otelErrors = [];
  return e.map((x) => String(x?.message ?? x));
}

async function getJson(path, expectStatus = 200) {
  const res = await server.api(path);
  assert.equal(res.status, expectStatus, `GET ${path} → ${res.status}: ${res.text.slice(0, 500)}`);
  assert.notEqual(res.json, undefined, `GET ${path} body is not JSON`);
  return res.json;
}

/** POST an OTLP body; `body` object → JSON. Returns the api() result. */
function postOtlp(body, { path = OTLP_PATH, contentType = 'application/json', headers = {}, auth } = {}) {
  const payload = Buffer.isBuffer(body) || typeof body === 'string' ? body : JSON.stringify(body);
  return server.api(path, { method: 'POST', body: payload, auth, headers: { 'Content-Type': contentType, ...headers } });
}

/** POST an OTLP body and require 200 with `{}` (no partial success). */
async function exportOk(body, opts = {}) {
  const res = await postOtlp(body, opts);
  assert.equal(res.status, 200, `OTLP export → ${res.status}: ${res.text.slice(0, 500)}`);
  assert.match(res.headers.get('content-type') || '', /application\/json/i, 'OTLP success Content-Type');
  assert.deepEqual(res.json, {}, `OTLP export should answer {} (full success), got ${res.text.slice(0, 500)}`);
  return res;
}

function byId(observations) {
  return Object.fromEntries(observations.map((o) => [o.id, o]));
}

function assertIsoDate(value, what) {
  assert.equal(typeof value, 'string', `${what} should be an ISO string, got ${JSON.stringify(value)}`);
  assert.match(value, ISO_MS_RE, `${what} has wrong date format`);
}

before(async () => {
  server = await startServer();
  ({ provider: lfProvider, processor: lfProcessor } = createLangfuseProvider({
    baseUrl: server.baseUrl,
    publicKey: server.publicKey,
    secretKey: server.secretKey,
  }));
  client = new LangfuseClient({ publicKey: server.publicKey, secretKey: server.secretKey, baseUrl: server.baseUrl });
});

after(async () => {
  if (lfProvider) await lfProvider.shutdown().catch(() => {});
  if (client) await client.shutdown().catch(() => {});
  if (server) {
    const exit = await server.stop();
    await server.dispose();
    assert.equal(exit?.code, 0, `server exit after SIGTERM: ${JSON.stringify(exit)}\n${server.stderr}`);
  }
});

// ---------------------------------------------------------------------------

describe('@langfuse/tracing + @langfuse/otel (OTLP/JSON)', () => {
  const { userId, sessionId } = langfuseIdentity(RUN);
  let traceId;
  let ids;

  const expected = () => ({
    [ids.root]: { name: LF.root.name, type: 'SPAN', parent: null },
    [ids.agent]: { name: LF.agent.name, type: 'AGENT', parent: ids.root },
    [ids.retriever]: { name: LF.retriever.name, type: 'RETRIEVER', parent: ids.agent },
    [ids.embedding]: { name: LF.embedding.name, type: 'EMBEDDING', parent: ids.retriever },
    [ids.tool]: { name: LF.tool.name, type: 'TOOL', parent: ids.agent },
    [ids.generation]: { name: LF.generation.name, type: 'GENERATION', parent: ids.root },
    [ids.failing]: { name: LF.failing.name, type: 'SPAN', parent: ids.root },
  });

  it('exports a nested trace that the server accepts', async () => {
    ({ traceId, ids } = await runLangfuseScenario(RUN));
    await lfProcessor.forceFlush();
    assert.deepEqual(takeOtelErrors(), [], 'the Langfuse exporter reported failed exports');
    assert.match(traceId, TRACE_ID_RE, 'SDK trace id');
    for (const [k, v] of Object.entries(ids)) assert.match(v, SPAN_ID_RE, `SDK observation id ${k}`);
  });

  it('GET /traces/{id}: trace attributes and the observation tree', async () => {
    const t = await getJson(`/api/public/traces/${traceId}`);
    assert.equal(t.id, traceId);
    assert.equal(t.name, LF.traceName);
    assert.equal(t.userId, userId);
    assert.equal(t.sessionId, sessionId);
    assert.deepEqual([...t.tags].sort(), [...LF.tags].sort());
    assert.equal(t.environment, LF.environment);
    assert.equal(t.release, LF.release);
    assert.deepEqual(t.input, LF.root.input, 'trace input comes from the root observation');
    assert.deepEqual(t.output, LF.root.output, 'trace output comes from the root observation');
    assert.equal(t.metadata?.tenant, 'acme', `trace metadata from langfuse.trace.metadata.tenant: ${JSON.stringify(t.metadata)}`);
    assertIsoDate(t.timestamp, 'trace.timestamp');
    assert.equal(t.projectId, server.projectId);

    assert.ok(Array.isArray(t.observations), 'trace.observations is an array');
    const obs = byId(t.observations);
    assert.deepEqual(Object.keys(obs).sort(), Object.keys(expected()).sort(), 'observation ids');
    for (const [id, want] of Object.entries(expected())) {
      const o = obs[id];
      assert.equal(o.traceId, traceId, `${want.name}.traceId`);
      assert.match(o.id, SPAN_ID_RE, `${want.name}.id`);
      assert.equal(o.name, want.name, `${want.name}.name`);
      assert.equal(o.type, want.type, `${want.name}.type`);
      assert.equal(o.parentObservationId, want.parent, `${want.name}.parentObservationId`);
      assert.equal(o.environment, LF.environment, `${want.name}.environment`);
      assertIsoDate(o.startTime, `${want.name}.startTime`);
      assertIsoDate(o.endTime, `${want.name}.endTime`);
      assert.ok(o.endTime >= o.startTime, `${want.name}: endTime ≥ startTime`);
      if (want.parent) {
        assert.ok(o.startTime >= obs[want.parent].startTime, `${want.name} starts after its parent`);
      }
      if (id !== ids.failing) {
        assert.equal(o.level, 'DEFAULT', `${want.name}.level`);
        assert.equal(o.statusMessage, null, `${want.name}.statusMessage`);
      }
    }
  });

  it('GET /observations/{id}: exact content of each observation type', async () => {
    const get = (id) => getJson(`/api/public/observations/${id}`);

    const root = await get(ids.root);
    assert.equal(root.type, 'SPAN');
    assert.equal(root.parentObservationId, null);
    assert.deepEqual(root.input, LF.root.input);
    assert.deepEqual(root.output, LF.root.output);
    assert.equal(root.metadata?.feature, 'qa', `root metadata: ${JSON.stringify(root.metadata)}`);

    const agent = await get(ids.agent);
    assert.equal(agent.type, 'AGENT');
    assert.deepEqual(agent.input, LF.agent.input);
    assert.deepEqual(agent.output, LF.agent.output);

    const retriever = await get(ids.retriever);
    assert.equal(retriever.type, 'RETRIEVER');
    assert.equal(retriever.parentObservationId, ids.agent);
    assert.deepEqual(retriever.input, LF.retriever.input);
    assert.deepEqual(retriever.output, LF.retriever.output);

    const emb = await get(ids.embedding);
    assert.equal(emb.type, 'EMBEDDING');
    assert.equal(emb.parentObservationId, ids.retriever);
    assert.equal(emb.model, LF.embedding.model);
    assert.equal(emb.input, LF.embedding.input, 'a plain-string input stays a string');
    assert.deepEqual(emb.output, LF.embedding.output);
    assert.deepEqual(emb.usageDetails, { input: 4, total: 4 });

    const tool = await get(ids.tool);
    assert.equal(tool.type, 'TOOL');
    assert.equal(tool.parentObservationId, ids.agent);
    assert.deepEqual(tool.input, LF.tool.input);
    assert.deepEqual(tool.output, LF.tool.output);

    const gen = await get(ids.generation);
    assert.equal(gen.type, 'GENERATION');
    assert.equal(gen.traceId, traceId);
    assert.equal(gen.parentObservationId, ids.root);
    assert.equal(gen.model, LF.generation.model);
    assert.deepEqual(gen.modelParameters, LF.generation.modelParameters);
    assert.deepEqual(gen.input, LF.generation.input);
    assert.deepEqual(gen.output, LF.generation.output);
    assert.deepEqual(gen.usageDetails, { input: 42, output: 7, total: 49 });
    assert.equal(gen.promptTokens, 42, 'legacy promptTokens mirrors usageDetails.input');
    assert.equal(gen.completionTokens, 7, 'legacy completionTokens mirrors usageDetails.output');
    assert.equal(gen.totalTokens, 49, 'legacy totalTokens mirrors usageDetails.total');
    assert.equal(gen.level, 'DEFAULT');

    const failing = await get(ids.failing);
    assert.equal(failing.type, 'SPAN');
    assert.equal(failing.level, 'ERROR', 'span status ERROR → level ERROR');
    assert.equal(typeof failing.statusMessage, 'string', `statusMessage: ${JSON.stringify(failing.statusMessage)}`);
    assert.ok(failing.statusMessage.includes(LF.failing.error), `statusMessage ${JSON.stringify(failing.statusMessage)} lacks the thrown message`);
    assert.deepEqual(failing.input, LF.failing.input);

    const list = await getJson(`/api/public/observations?traceId=${traceId}&limit=100`);
    assert.deepEqual(list.data.map((o) => o.id).sort(), Object.values(ids).sort(), 'GET /observations?traceId=');
    const errors = await getJson(`/api/public/observations?traceId=${traceId}&level=ERROR`);
    assert.deepEqual(errors.data.map((o) => o.id), [ids.failing], 'GET /observations?level=ERROR');
  });

  it('reads back through @langfuse/client', async () => {
    const t = await client.api.trace.get(traceId);
    assert.equal(t.id, traceId);
    assert.equal(t.name, LF.traceName);
    assert.equal(t.userId, userId);
    assert.equal(t.sessionId, sessionId);
    assert.deepEqual([...t.tags].sort(), [...LF.tags].sort());
    assert.equal(t.observations.length, 7);
    const types = t.observations.map((o) => o.type).sort();
    assert.deepEqual(types, ['AGENT', 'EMBEDDING', 'GENERATION', 'RETRIEVER', 'SPAN', 'SPAN', 'TOOL']);

    const gen = await client.api.legacy.observationsV1.get(ids.generation);
    assert.equal(gen.id, ids.generation);
    assert.equal(gen.type, 'GENERATION');
    assert.equal(gen.model, LF.generation.model);
    assert.deepEqual(gen.usageDetails, { input: 42, output: 7, total: 49 });
    assert.deepEqual(gen.modelParameters, LF.generation.modelParameters);
    assert.deepEqual(gen.input, LF.generation.input);
    assert.deepEqual(gen.output, LF.generation.output);

    const failing = await client.api.legacy.observationsV1.get(ids.failing);
    assert.equal(failing.level, 'ERROR');
    assert.ok(String(failing.statusMessage).includes(LF.failing.error));

    const many = await client.api.legacy.observationsV1.getMany({ traceId, limit: 100 });
    assert.equal(many.data.length, 7);
    assert.equal(many.meta.totalItems, 7);

    const session = await client.api.sessions.get(sessionId);
    assert.equal(session.id, sessionId);
    assert.ok(session.traces.some((x) => x.id === traceId), 'session lists the trace (client)');
  });

  it('GET /sessions/{sessionId} lists the trace', async () => {
    const s = await getJson(`/api/public/sessions/${encodeURIComponent(sessionId)}`);
    assert.equal(s.id, sessionId);
    assert.equal(s.projectId, server.projectId);
    assert.ok(Array.isArray(s.traces), 'session.traces is an array');
    const t = s.traces.find((x) => x.id === traceId);
    assert.ok(t, `session ${sessionId} lacks trace ${traceId}: ${JSON.stringify(s.traces.map((x) => x.id))}`);
    assert.equal(t.userId, userId);
    assert.equal(t.name, LF.traceName);
    const list = await getJson(`/api/public/traces?sessionId=${encodeURIComponent(sessionId)}`);
    assert.deepEqual(list.data.map((x) => x.id), [traceId]);
    const byUser = await getJson(`/api/public/traces?userId=${encodeURIComponent(userId)}`);
    assert.deepEqual(byUser.data.map((x) => x.id), [traceId]);
  });
});

// ---------------------------------------------------------------------------

describe('plain OpenTelemetry exporters with gen_ai.* attributes', () => {
  for (const encoding of ['proto', 'json']) {
    const label = encoding === 'proto' ? 'exporter-trace-otlp-proto (protobuf)' : 'exporter-trace-otlp-http (JSON)';
    it(`${label}: a GENERATION with model, usage, parameters, messages and metadata`, async () => {
      const sent = await runGenAiScenario({
        url: server.baseUrl + OTLP_PATH,
        publicKey: server.publicKey,
        secretKey: server.secretKey,
        encoding,
        variant: `${encoding}-${RUN}`,
      });
      assert.deepEqual(
        sent.results.map((r) => ({ code: r.code, error: r.error?.message })),
        [{ code: 0, error: undefined }],
        'one successful export',
      );
      assert.deepEqual(takeOtelErrors(), []);

      const chat = await getJson(`/api/public/observations/${sent.chatId}`);
      assert.equal(chat.id, sent.chatId);
      assert.equal(chat.traceId, sent.traceId);
      assert.equal(chat.parentObservationId, sent.rootId);
      assert.equal(chat.name, GENAI.chatName);
      assert.equal(chat.type, 'GENERATION');
      assert.equal(chat.model, GENAI.responseModel, 'model = gen_ai.response.model');
      assert.deepEqual(chat.usageDetails, { input: 31, output: 12, total: 43 });
      assert.equal(typeof chat.modelParameters, 'object');
      assert.notEqual(chat.modelParameters, null, 'modelParameters');
      assert.equal(chat.modelParameters.temperature, GENAI.temperature, `modelParameters: ${JSON.stringify(chat.modelParameters)}`);
      assert.equal(chat.modelParameters.max_tokens, GENAI.maxTokens, `modelParameters: ${JSON.stringify(chat.modelParameters)}`);
      assert.ok(!('model' in chat.modelParameters), 'gen_ai.request.model is not a model parameter');
      assert.deepEqual(chat.input, GENAI.inputMessages);
      assert.deepEqual(chat.output, GENAI.outputMessages);
      assert.equal(chat.level, 'DEFAULT');
      assert.equal(chat.startTime, GENAI.chatStart.toISOString());
      assert.equal(chat.endTime, GENAI.chatEnd.toISOString());
      assert.equal(chat.environment, 'default');
      assert.equal(typeof chat.metadata, 'object');
      assert.equal(
        chat.metadata?.attributes?.[GENAI.customKey],
        GENAI.customValue,
        `unknown attribute under metadata.attributes: ${JSON.stringify(chat.metadata)}`,
      );
      assert.ok(
        !('gen_ai.input.messages' in (chat.metadata.attributes ?? {})),
        'I/O attributes are not repeated in metadata.attributes',
      );
      assert.equal(chat.metadata?.resourceAttributes?.['service.name'], GENAI.serviceName, 'metadata.resourceAttributes');
      assert.equal(chat.metadata?.resourceAttributes?.['compat.variant'], `${encoding}-${RUN}`, 'metadata.resourceAttributes');
      assert.equal(chat.metadata?.scope?.name, GENAI.scopeName, 'metadata.scope.name');
      assert.equal(chat.metadata?.scope?.version, GENAI.scopeVersion, 'metadata.scope.version');

      const t = await getJson(`/api/public/traces/${sent.traceId}`);
      assert.equal(t.name, GENAI.rootName, 'trace name = root span name');
      assert.equal(t.timestamp, GENAI.rootStart.toISOString(), 'trace timestamp = root start');
      assert.equal(t.userId, null);
      assert.equal(t.sessionId, null);
      const obs = byId(t.observations);
      assert.deepEqual(Object.keys(obs).sort(), [sent.chatId, sent.rootId].sort());
      const root = obs[sent.rootId];
      assert.equal(root.type, 'SPAN');
      assert.equal(root.parentObservationId, null);
      assert.equal(root.name, GENAI.rootName);
      assert.equal(root.startTime, GENAI.rootStart.toISOString());
      assert.equal(root.endTime, GENAI.rootEnd.toISOString());
      assert.equal(root.metadata?.attributes?.['compat.variant'], `${encoding}-${RUN}`);
    });
  }
});

// ---------------------------------------------------------------------------

describe('raw OTLP/JSON: OpenInference and Traceloop shapes', () => {
  it('OpenInference LLM span → GENERATION with model, I/O and token counts', async () => {
    const traceId = hexId(16);
    const spanId = hexId(8);
    const messages = { messages: [{ role: 'user', content: 'What is 2 + 2?' }] };
    await exportOk(
      otlpExport({
        resource: { 'service.name': 'openinference-app' },
        scope: { name: 'openinference.instrumentation.openai', version: '0.1.30' },
        spans: [
          otlpSpan({
            traceId,
            spanId,
            name: 'ChatCompletion',
            start: BASE,
            end: BASE + 800,
            attributes: {
              'openinference.span.kind': 'LLM',
              'llm.model_name': 'gpt-4o-mini-2024-07-18',
              'llm.provider': 'openai',
              'input.value': JSON.stringify(messages),
              'input.mime_type': 'application/json',
              'output.value': 'The answer is 4.',
              'output.mime_type': 'text/plain',
              'llm.token_count.prompt': { intValue: '9' },
              'llm.token_count.completion': 5,
            },
          }),
        ],
      }),
    );
    const o = await getJson(`/api/public/observations/${spanId}`);
    assert.equal(o.traceId, traceId);
    assert.equal(o.type, 'GENERATION');
    assert.equal(o.name, 'ChatCompletion');
    assert.equal(o.model, 'gpt-4o-mini-2024-07-18');
    assert.deepEqual(o.input, messages);
    assert.equal(o.output, 'The answer is 4.');
    assert.deepEqual(o.usageDetails, { input: 9, output: 5, total: 14 });
    assert.equal(o.startTime, iso(BASE));
    assert.equal(o.endTime, iso(BASE + 800));
    const t = await getJson(`/api/public/traces/${traceId}`);
    assert.equal(t.name, 'ChatCompletion');
    assert.deepEqual(t.input, messages, 'root span I/O becomes the trace I/O');
    assert.equal(t.output, 'The answer is 4.');
  });

  it('OpenInference span kinds map to observation types', async () => {
    const traceId = hexId(16);
    const kinds = { CHAIN: 'CHAIN', RETRIEVER: 'RETRIEVER', EMBEDDING: 'EMBEDDING', AGENT: 'AGENT', TOOL: 'TOOL' };
    const rootId = hexId(8);
    const spans = [otlpSpan({ traceId, spanId: rootId, name: 'oi-root', start: BASE, end: BASE + 100 })];
    const spanIds = {};
    for (const kind of Object.keys(kinds)) {
      spanIds[kind] = hexId(8);
      spans.push(
        otlpSpan({
          traceId,
          spanId: spanIds[kind],
          parentSpanId: rootId,
          name: `oi-${kind.toLowerCase()}`,
          start: BASE + 10,
          end: BASE + 20,
          attributes: { 'openinference.span.kind': kind, 'input.value': `in-${kind}`, 'output.value': `out-${kind}` },
        }),
      );
    }
    await exportOk(otlpExport({ scope: { name: 'openinference.instrumentation.langchain' }, spans }));
    const t = await getJson(`/api/public/traces/${traceId}`);
    const obs = byId(t.observations);
    for (const [kind, type] of Object.entries(kinds)) {
      const o = obs[spanIds[kind]];
      assert.ok(o, `observation for ${kind}`);
      assert.equal(o.type, type, `openinference.span.kind=${kind}`);
      assert.equal(o.parentObservationId, rootId);
      assert.equal(o.input, `in-${kind}`);
      assert.equal(o.output, `out-${kind}`);
    }
    assert.equal(obs[rootId].type, 'SPAN');
  });

  it('Traceloop workflow span and LLM span with flattened gen_ai.prompt/completion', async () => {
    const traceId = hexId(16);
    const workflowId = hexId(8);
    const llmId = hexId(8);
    const wfInput = { args: [], kwargs: { topic: 'cats' } };
    const wfOutput = { joke: 'Why did the cat sit on the computer? To keep an eye on the mouse.' };
    await exportOk(
      otlpExport({
        resource: { 'service.name': 'traceloop-app' },
        scope: { name: 'opentelemetry.instrumentation.openai.v1', version: '0.40.0' },
        spans: [
          otlpSpan({
            traceId,
            spanId: llmId,
            parentSpanId: workflowId,
            name: 'openai.chat',
            kind: 3,
            start: BASE + 50,
            end: BASE + 900,
            attributes: {
              'llm.request.type': 'chat',
              'gen_ai.system': 'OpenAI',
              'gen_ai.request.model': 'gpt-3.5-turbo',
              'gen_ai.response.model': 'gpt-3.5-turbo-0125',
              'gen_ai.prompt.0.role': 'user',
              'gen_ai.prompt.0.content': 'Tell me a joke about cats',
              'gen_ai.completion.0.role': 'assistant',
              'gen_ai.completion.0.content': wfOutput.joke,
              'gen_ai.usage.prompt_tokens': 10,
              'gen_ai.usage.completion_tokens': 8,
            },
          }),
          otlpSpan({
            traceId,
            spanId: workflowId,
            name: 'joke_workflow.workflow',
            start: BASE,
            end: BASE + 1000,
            attributes: {
              'traceloop.span.kind': 'workflow',
              'traceloop.entity.name': 'joke_workflow',
              'traceloop.workflow.name': 'joke_workflow',
              'traceloop.entity.input': JSON.stringify(wfInput),
              'traceloop.entity.output': JSON.stringify(wfOutput),
            },
          }),
        ],
      }),
    );
    const llm = await getJson(`/api/public/observations/${llmId}`);
    assert.equal(llm.type, 'GENERATION');
    assert.equal(llm.parentObservationId, workflowId);
    assert.equal(llm.model, 'gpt-3.5-turbo-0125');
    assert.deepEqual(llm.input, [{ role: 'user', content: 'Tell me a joke about cats' }]);
    assert.deepEqual(llm.output, [{ role: 'assistant', content: wfOutput.joke }]);
    assert.deepEqual(llm.usageDetails, { input: 10, output: 8, total: 18 });

    const wf = await getJson(`/api/public/observations/${workflowId}`);
    assert.equal(wf.type, 'SPAN');
    assert.equal(wf.parentObservationId, null);
    assert.deepEqual(wf.input, wfInput);
    assert.deepEqual(wf.output, wfOutput);

    const t = await getJson(`/api/public/traces/${traceId}`);
    assert.equal(t.name, 'joke_workflow.workflow');
    assert.deepEqual(t.input, wfInput);
    assert.deepEqual(t.output, wfOutput);
    assert.equal(t.observations.length, 2);
  });
});

// ---------------------------------------------------------------------------

describe('one trace split across exports', () => {
  it('child exported before its parent: same trace, name from the root', async () => {
    const traceId = hexId(16);
    const rootId = hexId(8);
    const childId = hexId(8);
    const scope = { name: 'compat-split', version: '1.0.0' };
    await exportOk(
      otlpExport({
        scope,
        spans: [
          otlpSpan({
            traceId,
            spanId: childId,
            parentSpanId: rootId,
            name: 'split-child',
            start: BASE + 200,
            end: BASE + 300,
            attributes: { 'input.value': 'child-in', 'output.value': 'child-out' },
          }),
        ],
      }),
    );
    // The child alone already makes the trace readable.
    const early = await getJson(`/api/public/traces/${traceId}`);
    assert.deepEqual(early.observations.map((o) => o.id), [childId]);
    assert.equal(early.observations[0].parentObservationId, rootId);

    await exportOk(
      otlpExport({
        scope,
        spans: [
          otlpSpan({
            traceId,
            spanId: rootId,
            name: 'split-root',
            start: BASE,
            end: BASE + 500,
            attributes: { 'input.value': 'root-in', 'output.value': 'root-out', 'user.id': `split-user-${RUN}` },
          }),
        ],
      }),
    );
    const t = await getJson(`/api/public/traces/${traceId}`);
    assert.equal(t.id, traceId);
    assert.equal(t.name, 'split-root', 'trace name comes from the root span');
    assert.equal(t.userId, `split-user-${RUN}`);
    assert.equal(t.timestamp, iso(BASE), 'trace timestamp = root start');
    assert.equal(t.input, 'root-in');
    assert.equal(t.output, 'root-out');
    const obs = byId(t.observations);
    assert.deepEqual(Object.keys(obs).sort(), [childId, rootId].sort());
    assert.equal(obs[childId].parentObservationId, rootId);
    assert.equal(obs[rootId].parentObservationId, null);
    assert.equal(obs[childId].input, 'child-in');

    const list = await getJson(`/api/public/traces?name=split-root&userId=split-user-${RUN}`);
    assert.deepEqual(list.data.map((x) => x.id), [traceId], 'exactly one trace row');
  });
});

// ---------------------------------------------------------------------------

describe('HTTP contract of the OTLP route', () => {
  function oneSpan(name = 'raw-span', extra = {}) {
    const traceId = hexId(16);
    const spanId = hexId(8);
    return {
      traceId,
      spanId,
      body: otlpExport({
        spans: [otlpSpan({ traceId, spanId, name, start: BASE, end: BASE + 10, attributes: { 'compat.case': name }, ...extra })],
      }),
    };
  }

  it('wrong Content-Type → 400 JSON, nothing stored', async () => {
    const s = oneSpan('wrong-content-type');
    const res = await postOtlp(s.body, { contentType: 'text/plain' });
    assertJsonError(res, 400, 'text/plain');
    const res2 = await postOtlp(s.body, { contentType: 'application/x-www-form-urlencoded' });
    assertJsonError(res2, 400, 'form content type');
    await getJson(`/api/public/traces/${s.traceId}`, 404);
  });

  it('Content-Type with parameters is accepted', async () => {
    const s = oneSpan('content-type-params');
    await exportOk(s.body, { contentType: 'application/json; charset=utf-8' });
    const o = await getJson(`/api/public/observations/${s.spanId}`);
    assert.equal(o.name, 'content-type-params');
  });

  it('malformed protobuf → 400 JSON with a message', async () => {
    // Field 1 (resource_spans), wire type 2, length 2^35 > remaining bytes.
    const bad = Buffer.from([0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x01, 0x02]);
    const res = await postOtlp(bad, { contentType: 'application/x-protobuf' });
    const body = assertJsonError(res, 400, 'malformed protobuf');
    assert.ok(body.message.length > 0, 'non-empty message');
    // A JSON text sent as protobuf is not a valid ExportTraceServiceRequest either.
    const res2 = await postOtlp('{"resourceSpans":[]}', { contentType: 'application/x-protobuf' });
    assertJsonError(res2, 400, 'JSON text sent as protobuf');
  });

  it('truncated or non-object JSON → 400 JSON', async () => {
    const s = oneSpan('truncated');
    const text = JSON.stringify(s.body);
    assertJsonError(await postOtlp(text.slice(0, text.length - 7)), 400, 'truncated JSON');
    assertJsonError(await postOtlp('{"resourceSpans":[{"scopeSpans":['), 400, 'truncated JSON 2');
    assertJsonError(await postOtlp('not json at all'), 400, 'not JSON');
    await getJson(`/api/public/traces/${s.traceId}`, 404);
  });

  it('a span without traceId/spanId rejects the whole export (400, nothing stored)', async () => {
    const good = oneSpan('stored-only-if-valid');
    const body = structuredClone(good.body);
    const bad = otlpSpan({ traceId: hexId(16), spanId: hexId(8), name: 'no-ids', start: BASE });
    delete bad.traceId;
    body.resourceSpans[0].scopeSpans[0].spans.push(bad);
    assertJsonError(await postOtlp(body), 400, 'span without traceId');
    await getJson(`/api/public/traces/${good.traceId}`, 404);
  });

  it('non-array spans/scopeSpans (e.g. OTLP logs sent here) → 400', async () => {
    assertJsonError(await postOtlp({ resourceSpans: [{ scopeSpans: { spans: [] } }] }), 400, 'scopeSpans not an array');
    assertJsonError(await postOtlp({ resourceSpans: [{ scopeSpans: [{ spans: 'x' }] }] }), 400, 'spans not an array');
  });

  it('authentication: missing → 401, wrong secret → 401, Bearer public key → 403', async () => {
    const s = oneSpan('auth');
    assertJsonError(await postOtlp(s.body, { auth: false }), 401, 'no Authorization');
    assertJsonError(
      await postOtlp(s.body, { auth: { publicKey: server.publicKey, secretKey: 'sk-lf-wrong' } }),
      401,
      'wrong secret',
    );
    assertJsonError(await postOtlp(s.body, { auth: { bearer: server.publicKey } }), 403, 'Bearer public key');
    await getJson(`/api/public/traces/${s.traceId}`, 404);
    // The same body with Basic auth goes through.
    await exportOk(s.body);
    await getJson(`/api/public/observations/${s.spanId}`);
  });

  it('gzip-compressed JSON body', async () => {
    const s = oneSpan('gzip-json');
    const gz = gzipSync(Buffer.from(JSON.stringify(s.body)));
    await exportOk(gz, { headers: { 'Content-Encoding': 'gzip' } });
    const o = await getJson(`/api/public/observations/${s.spanId}`);
    assert.equal(o.name, 'gzip-json');
    assert.equal(o.traceId, s.traceId);
    // Corrupt gzip → 400.
    const broken = Buffer.concat([gz.subarray(0, 10), Buffer.from('garbage-not-deflate')]);
    assertJsonError(await postOtlp(broken, { headers: { 'Content-Encoding': 'gzip' } }), 400, 'corrupt gzip');
  });

  it('/v1/traces alias', async () => {
    const s = oneSpan('alias');
    await exportOk(s.body, { path: `${server.baseUrl}/v1/traces` });
    const o = await getJson(`/api/public/observations/${s.spanId}`);
    assert.equal(o.name, 'alias');
    assertJsonError(await postOtlp(s.body, { path: `${server.baseUrl}/v1/traces`, auth: false }), 401, 'alias without auth');
  });

  it('empty export → 200 {}', async () => {
    await exportOk({});
    await exportOk({ resourceSpans: [] });
    await exportOk({ resourceSpans: [{ scopeSpans: [] }] });
    // An empty protobuf message is a valid, empty ExportTraceServiceRequest.
    const res = await postOtlp(Buffer.alloc(0), { contentType: 'application/x-protobuf' });
    assert.equal(res.status, 200, `empty protobuf → ${res.status}: ${res.text.slice(0, 300)}`);
  });

  it('Langfuse SDK headers (x-langfuse-*, underscore spellings) are tolerated', async () => {
    const s = oneSpan('sdk-headers');
    await exportOk(s.body, {
      headers: {
        x_langfuse_sdk_name: 'javascript',
        x_langfuse_sdk_version: '4.6.1',
        x_langfuse_public_key: server.publicKey,
        'x-langfuse-ingestion-version': '4',
      },
    });
    await getJson(`/api/public/observations/${s.spanId}`);
  });

  it('POST /api/public/otel/v1/metrics → 200 {"message":"OK"}', async () => {
    const res = await server.api('/api/public/otel/v1/metrics', {
      method: 'POST',
      body: JSON.stringify({ resourceMetrics: [] }),
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(res.status, 200, `metrics → ${res.status}: ${res.text.slice(0, 300)}`);
    assert.deepEqual(res.json, { message: 'OK' });
  });

  it('re-exporting the same span converges to one observation', async () => {
    const s = oneSpan('re-export');
    await exportOk(s.body);
    await exportOk(s.body);
    const t = await getJson(`/api/public/traces/${s.traceId}`);
    assert.deepEqual(t.observations.map((o) => o.id), [s.spanId]);
    const list = await getJson(`/api/public/observations?traceId=${s.traceId}`);
    assert.equal(list.meta.totalItems, 1);
  });
});
