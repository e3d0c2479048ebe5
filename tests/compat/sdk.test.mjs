// Drives the real npm `langfuse` v3 SDK against a Lanterne server and reads
// everything back through the public REST API, asserting exact content.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Langfuse } from 'langfuse';
import { ISO_MS_RE, qs, startServer } from './harness.mjs';

const RELEASE = 'compat-1.0.0';
const RUN = randomUUID().slice(0, 8);
// All explicit times lie in the past so that SDK-generated "now" end times
// (span.end()) are always the latest.
const BASE = Date.now() - 120_000;
const T = (offsetMs) => new Date(BASE + offsetMs);
const iso = (offsetMs) => T(offsetMs).toISOString();

const FR = 'Où est la bibliothèque ? Très bien — déjà vu';
const JA = '東京で一番おいしいラーメンはどこですか';
const EMOJI = '🚀🔥👍🏽';

const TRACE_KEYS = [
  'id', 'timestamp', 'name', 'input', 'output', 'sessionId', 'release', 'version', 'userId',
  'metadata', 'tags', 'public', 'environment', 'externalId', 'projectId', 'bookmarked',
  'createdAt', 'updatedAt',
];
const TRACE_DETAIL_KEYS = [...TRACE_KEYS, 'htmlPath', 'latency', 'totalCost', 'observations', 'scores'];
const OBSERVATION_KEYS = [
  'id', 'projectId', 'traceId', 'parentObservationId', 'name', 'type', 'environment', 'startTime',
  'endTime', 'completionStartTime', 'version', 'createdAt', 'updatedAt', 'input', 'output',
  'metadata', 'level', 'statusMessage', 'model', 'modelParameters', 'promptId', 'promptName',
  'promptVersion', 'usageDetails', 'costDetails', 'usage', 'unit', 'promptTokens',
  'completionTokens', 'totalTokens', 'modelId', 'inputPrice', 'outputPrice', 'totalPrice',
  'calculatedInputCost', 'calculatedOutputCost', 'calculatedTotalCost', 'latency',
  'timeToFirstToken',
];
const SCORE_KEYS = [
  'id', 'traceId', 'observationId', 'name', 'source', 'timestamp', 'createdAt', 'updatedAt',
  'comment', 'environment', 'dataType', 'value',
];

let server;
let lf;
/** Ingestion requests the SDK made since the last assertIngestionClean(). */
let ingestionLog = [];

function assertKeys(obj, keys, what) {
  assert.equal(typeof obj, 'object', `${what} is not an object`);
  assert.notEqual(obj, null, `${what} is null`);
  const missing = keys.filter((k) => !(k in obj));
  assert.deepEqual(missing, [], `${what} lacks keys (all keys must be present, null when empty)`);
}

function assertIso(value, what) {
  assert.equal(typeof value, 'string', `${what} should be an ISO string, got ${JSON.stringify(value)}`);
  assert.match(value, ISO_MS_RE, `${what} has wrong date format`);
}

function assertSameString(actual, expected, what) {
  if (actual === expected) return;
  if (typeof actual !== 'string') {
    assert.fail(`${what}: expected a string of length ${expected.length}, got ${typeof actual}`);
  }
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  assert.fail(
    `${what}: strings differ (actual length ${actual.length}, expected ${expected.length}, ` +
      `first difference at index ${i}: actual ${JSON.stringify(actual.slice(i, i + 40))} ` +
      `vs expected ${JSON.stringify(expected.slice(i, i + 40))})`,
  );
}

function approx(actual, expected, eps, what) {
  assert.equal(typeof actual, 'number', `${what} should be a number, got ${JSON.stringify(actual)}`);
  assert.ok(Math.abs(actual - expected) <= eps, `${what}: expected ≈${expected}, got ${actual}`);
}

async function getJson(path, expectStatus = 200) {
  const res = await server.api(path);
  assert.equal(res.status, expectStatus, `GET ${path} → ${res.status}: ${res.text.slice(0, 500)}`);
  assert.notEqual(res.json, undefined, `GET ${path} body is not JSON`);
  return res.json;
}

/** Flush every queued SDK event and wait for all in-flight ingestion requests. */
async function flushAll() {
  for (let i = 0; i < 100; i++) {
    await lf.flushAsync();
    const queue = lf.getPersistedProperty('queue') || [];
    if (queue.length === 0) break;
  }
  await Promise.all(Object.values(lf.pendingIngestionPromises).map((p) => p.catch(() => {})));
}

/** Every SDK ingestion request got 207 with all its events in `successes`. */
function assertIngestionClean(minRequests = 1) {
  const log = ingestionLog;
  ingestionLog = [];
  assert.ok(log.length >= minRequests, `expected the SDK to send ≥${minRequests} ingestion request(s), saw ${log.length}`);
  for (const entry of log) {
    assert.equal(entry.status, 207, `ingestion returned HTTP ${entry.status}: ${entry.text.slice(0, 500)}`);
    let body;
    assert.doesNotThrow(() => (body = JSON.parse(entry.text)), 'ingestion response is not JSON');
    assert.ok(Array.isArray(body.successes), '207 body lacks successes[]');
    assert.ok(Array.isArray(body.errors), '207 body lacks errors[]');
    assert.deepEqual(body.errors, [], 'ingestion reported per-event errors');
    assert.deepEqual(
      body.successes.map((s) => s.id).sort(),
      [...entry.sent].sort(),
      'successes must list exactly the event envelope ids that were sent',
    );
    for (const s of body.successes) assert.equal(s.status, 201, `success ${s.id} has status ${s.status}`);
  }
}

before(async () => {
  server = await startServer();
  lf = new Langfuse({
    publicKey: server.publicKey,
    secretKey: server.secretKey,
    baseUrl: server.baseUrl,
    release: RELEASE,
    flushAt: 1000,
    flushInterval: 0,
    fetchRetryCount: 0,
    requestTimeout: 30_000,
  });
  // Observe what the SDK sends and receives on the ingestion endpoint.
  lf.fetch = async (url, options) => {
    const res = await fetch(url, options);
    if (String(url).endsWith('/api/public/ingestion')) {
      const sent = JSON.parse(options.body).batch.map((e) => e.id);
      ingestionLog.push({ status: res.status, sent, text: await res.clone().text() });
    }
    return res;
  };
});

after(async () => {
  if (lf) await lf.shutdownAsync();
  if (server) {
    const exit = await server.stop();
    await server.dispose();
    assert.equal(exit?.code, 0, `server exit after SIGTERM: ${JSON.stringify(exit)}\n${server.stderr}`);
  }
});

describe('RAG trace through the langfuse v3 SDK', () => {
  const traceId = `rag-${RUN}`;
  const userId = `user-${RUN}`;
  const otherUserId = `user-other-${RUN}`;
  const sessionId = `session-${RUN}`;
  const otherSessionId = `session-other-${RUN}`;
  const ids = {
    retrieval: `${traceId}-retrieval`,
    embed: `${traceId}-embed`,
    search: `${traceId}-search`,
    rerank: `${traceId}-rerank`,
    answer: `${traceId}-answer`,
    event: null, // generated by the SDK
    followup1: `${traceId}-followup-1`,
    followup2: `${traceId}-followup-2`,
    other: `${traceId}-other-user`,
    scoreRelevance: `${traceId}-score-relevance`,
    scoreSentiment: `${traceId}-score-sentiment`,
    scoreBoolean: `${traceId}-score-boolean`,
  };
  const question = 'How do I configure retention?';
  const messages = [
    { role: 'system', content: 'You answer questions about the docs. Cite sources.' },
    { role: 'user', content: question },
  ];
  const docs = [
    { id: 'doc-12', score: 0.91, text: 'Retention is set per project.' },
    { id: 'doc-7', score: 0.83, text: 'Use the settings page or the API.' },
  ];
  const answerOutput = { role: 'assistant', content: 'Set it per project in Settings → Data retention [doc-12].' };

  it('ingests creates and updates with no per-event errors', async () => {
    const trace = lf.trace({
      id: traceId,
      name: 'rag-pipeline',
      timestamp: T(0),
      userId,
      sessionId,
      version: 'v7',
      input: { question },
      metadata: { app: 'docs-bot', stage: 'retrieval', nested: { a: 1, b: [1, 2] } },
      tags: ['rag', 'production'],
    });
    const retrieval = trace.span({
      id: ids.retrieval,
      name: 'retrieval',
      startTime: T(10),
      input: { query: question },
      metadata: { k: 4 },
    });
    retrieval.generation({
      id: ids.embed,
      name: 'embed-query',
      startTime: T(20),
      endTime: T(120),
      model: 'text-embedding-3-small',
      input: question,
      output: { dims: 1536 },
      usage: { input: 9, output: 0, total: 9 },
    });
    const search = retrieval.span({
      id: ids.search,
      name: 'vector-search',
      startTime: T(130),
      input: { topK: 4, index: 'docs-v2' },
      level: 'WARNING',
      statusMessage: 'index is 3 days old',
    });
    retrieval.generation({
      id: ids.rerank,
      name: 'rerank',
      startTime: T(200),
      endTime: T(300),
      model: 'gpt-4o-mini',
      input: docs.map((d) => d.text),
      output: ['doc-12', 'doc-7'],
      usageDetails: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
    });
    const answer = trace.generation({
      id: ids.answer,
      name: 'answer',
      startTime: T(400),
      completionStartTime: T(650),
      model: 'gpt-4o',
      modelParameters: { temperature: 0.2, maxTokens: 256 },
      input: messages,
      usage: { input: 420, output: 80, total: 500 },
      metadata: { prompt: 'rag-v3', attempt: 1 },
    });
    const ev = trace.event({
      name: 'cache-miss',
      startTime: T(500),
      level: 'DEBUG',
      metadata: { cache: 'semantic' },
    });
    ids.event = ev.id;
    assert.ok(ids.event, 'SDK returned an event id');

    // More traces in the same session (same user) and one for another user.
    lf.trace({ id: ids.followup1, name: 'rag-followup', timestamp: T(2000), userId, sessionId, tags: ['rag'] });
    lf.trace({ id: ids.followup2, name: 'rag-followup', timestamp: T(3000), userId, sessionId, tags: ['chitchat'] });
    lf.trace({ id: ids.other, name: 'rag-pipeline', timestamp: T(4000), userId: otherUserId, sessionId: otherSessionId, tags: ['rag'] });

    // Scores: numeric and categorical on the trace, boolean on an observation.
    trace.score({ id: ids.scoreRelevance, name: 'relevance', value: 0.87, comment: 'grounded' });
    lf.score({ id: ids.scoreSentiment, traceId, name: 'sentiment', value: 'positive' });
    answer.score({ id: ids.scoreBoolean, name: 'hallucination-free', value: 1, dataType: 'BOOLEAN' });

    await flushAll();
    assertIngestionClean(1);

    // Second request: updates merged into the stored rows.
    search.end({ output: docs });
    retrieval.end({ output: { documents: docs.map((d) => d.id) } });
    answer.update({ output: answerOutput, endTime: T(1400), metadata: { finishReason: 'stop' } });
    trace.update({
      output: { answer: answerOutput.content },
      tags: ['answered', 'rag'],
      metadata: { stage: 'answered', tokens: 500 },
    });
    await flushAll();
    assertIngestionClean(1);
  });

  it('GET /traces/{id} returns the merged trace', async () => {
    const t = await getJson(`/traces/${encodeURIComponent(traceId)}`);
    assertKeys(t, TRACE_DETAIL_KEYS, 'trace');
    assert.equal(t.id, traceId);
    assert.equal(t.name, 'rag-pipeline');
    assert.equal(t.timestamp, iso(0), 'trace timestamp is the first write (immutable)');
    assert.equal(t.userId, userId);
    assert.equal(t.sessionId, sessionId);
    assert.equal(t.release, RELEASE);
    assert.equal(t.version, 'v7');
    assert.deepEqual(t.input, { question }, 'input is kept when an update omits it');
    assert.deepEqual(t.output, { answer: answerOutput.content });
    assert.deepEqual(
      t.metadata,
      { app: 'docs-bot', stage: 'answered', nested: { a: 1, b: [1, 2] }, tokens: 500 },
      'metadata is merged by key, later keys win',
    );
    assert.deepEqual(t.tags, ['answered', 'production', 'rag'], 'tags are the sorted union');
    assert.equal(t.public, false);
    assert.equal(t.bookmarked, false);
    assert.equal(t.environment, 'default');
    assert.equal(t.externalId, null);
    assert.equal(t.projectId, server.projectId);
    assert.equal(t.htmlPath, `/project/${server.projectId}/traces/${traceId}`);
    assertIso(t.createdAt, 'trace.createdAt');
    assertIso(t.updatedAt, 'trace.updatedAt');
    assert.equal(typeof t.totalCost, 'number', 'totalCost is a number');

    assert.ok(Array.isArray(t.observations), 'observations is an array');
    const byId = Object.fromEntries(t.observations.map((o) => [o.id, o]));
    assert.deepEqual(
      Object.keys(byId).sort(),
      [ids.retrieval, ids.embed, ids.search, ids.rerank, ids.answer, ids.event].sort(),
      'trace lists exactly its observations',
    );
    const expectTree = {
      [ids.retrieval]: ['SPAN', null],
      [ids.embed]: ['GENERATION', ids.retrieval],
      [ids.search]: ['SPAN', ids.retrieval],
      [ids.rerank]: ['GENERATION', ids.retrieval],
      [ids.answer]: ['GENERATION', null],
      [ids.event]: ['EVENT', null],
    };
    for (const [id, [type, parent]] of Object.entries(expectTree)) {
      assert.equal(byId[id].type, type, `type of ${id}`);
      assert.equal(byId[id].parentObservationId, parent, `parentObservationId of ${id}`);
      assert.equal(byId[id].traceId, traceId, `traceId of ${id}`);
    }

    // latency: seconds from the earliest observation start to the latest end.
    const starts = t.observations.map((o) => Date.parse(o.startTime));
    const ends = t.observations.map((o) => Date.parse(o.endTime ?? o.startTime));
    const expectedLatency = (Math.max(...ends) - Math.min(...starts)) / 1000;
    approx(t.latency, expectedLatency, 0.002, 'trace.latency (seconds)');

    assert.ok(Array.isArray(t.scores), 'scores is an array');
    assert.deepEqual(
      t.scores.map((s) => s.id).sort(),
      [ids.scoreRelevance, ids.scoreSentiment, ids.scoreBoolean].sort(),
    );
  });

  it('GET /observations/{id} returns the LLM generation exactly', async () => {
    const o = await getJson(`/observations/${encodeURIComponent(ids.answer)}`);
    assertKeys(o, OBSERVATION_KEYS, 'generation');
    assert.equal(o.id, ids.answer);
    assert.equal(o.projectId, server.projectId);
    assert.equal(o.traceId, traceId);
    assert.equal(o.parentObservationId, null);
    assert.equal(o.name, 'answer');
    assert.equal(o.type, 'GENERATION');
    assert.equal(o.environment, 'default');
    assert.equal(o.startTime, iso(400));
    assert.equal(o.endTime, iso(1400));
    assert.equal(o.completionStartTime, iso(650));
    assertIso(o.createdAt, 'createdAt');
    assertIso(o.updatedAt, 'updatedAt');
    assert.equal(o.model, 'gpt-4o');
    assert.deepEqual(o.modelParameters, { temperature: 0.2, maxTokens: 256 });
    assert.deepEqual(o.input, messages);
    assert.deepEqual(o.output, answerOutput);
    assert.deepEqual(o.metadata, { prompt: 'rag-v3', attempt: 1, finishReason: 'stop' });
    assert.equal(o.level, 'DEFAULT');
    assert.equal(o.statusMessage, null);
    assert.equal(o.version, null);
    assert.equal(o.promptName, null);
    assert.equal(o.promptVersion, null);
    assert.deepEqual(o.usageDetails, { input: 420, output: 80, total: 500 });
    assert.equal(o.usage.input, 420);
    assert.equal(o.usage.output, 80);
    assert.equal(o.usage.total, 500);
    assert.equal(o.promptTokens, 420);
    assert.equal(o.completionTokens, 80);
    assert.equal(o.totalTokens, 500);
    assert.equal(typeof o.costDetails, 'object');
    assert.notEqual(o.costDetails, null);
    approx(o.latency, 1.0, 0.001, 'generation latency (seconds)');
    approx(o.timeToFirstToken, 0.25, 0.001, 'timeToFirstToken (seconds)');
  });

  it('GET /observations/{id} returns spans, usageDetails conversion and the event', async () => {
    const retrieval = await getJson(`/observations/${encodeURIComponent(ids.retrieval)}`);
    assertKeys(retrieval, OBSERVATION_KEYS, 'span');
    assert.equal(retrieval.type, 'SPAN');
    assert.equal(retrieval.name, 'retrieval');
    assert.equal(retrieval.startTime, iso(10));
    assertIso(retrieval.endTime, 'span.end() endTime');
    assert.ok(Date.parse(retrieval.endTime) > Date.parse(retrieval.startTime), 'endTime after startTime');
    assert.deepEqual(retrieval.input, { query: question });
    assert.deepEqual(retrieval.output, { documents: ['doc-12', 'doc-7'] });
    assert.deepEqual(retrieval.metadata, { k: 4 });
    assert.equal(retrieval.level, 'DEFAULT');
    assert.equal(retrieval.model, null);

    const search = await getJson(`/observations/${encodeURIComponent(ids.search)}`);
    assert.equal(search.type, 'SPAN');
    assert.equal(search.name, 'vector-search');
    assert.equal(search.parentObservationId, ids.retrieval);
    assert.equal(search.level, 'WARNING');
    assert.equal(search.statusMessage, 'index is 3 days old');
    assert.deepEqual(search.input, { topK: 4, index: 'docs-v2' });
    assert.deepEqual(search.output, docs);
    assertIso(search.endTime, 'search endTime');

    const embed = await getJson(`/observations/${encodeURIComponent(ids.embed)}`);
    assert.equal(embed.type, 'GENERATION');
    assert.equal(embed.parentObservationId, ids.retrieval);
    assert.equal(embed.model, 'text-embedding-3-small');
    assert.equal(embed.input, question);
    assert.deepEqual(embed.output, { dims: 1536 });
    assert.equal(embed.startTime, iso(20));
    assert.equal(embed.endTime, iso(120));
    assert.equal(embed.completionStartTime, null);
    assert.deepEqual(embed.usageDetails, { input: 9, output: 0, total: 9 });
    assert.equal(embed.promptTokens, 9);
    assert.equal(embed.completionTokens, 0);
    assert.equal(embed.totalTokens, 9);
    approx(embed.latency, 0.1, 0.001, 'embedding latency');

    const rerank = await getJson(`/observations/${encodeURIComponent(ids.rerank)}`);
    assert.equal(rerank.model, 'gpt-4o-mini');
    assert.deepEqual(
      rerank.usageDetails,
      { input: 100, output: 20, total: 120 },
      'OpenAI-style usageDetails normalize to input/output/total',
    );
    assert.equal(rerank.usage.input, 100);
    assert.equal(rerank.usage.output, 20);
    assert.equal(rerank.usage.total, 120);
    assert.equal(rerank.promptTokens, 100);
    assert.equal(rerank.completionTokens, 20);
    assert.equal(rerank.totalTokens, 120);
    assert.deepEqual(rerank.input, docs.map((d) => d.text));
    assert.deepEqual(rerank.output, ['doc-12', 'doc-7']);

    const ev = await getJson(`/observations/${encodeURIComponent(ids.event)}`);
    assert.equal(ev.type, 'EVENT');
    assert.equal(ev.name, 'cache-miss');
    assert.equal(ev.level, 'DEBUG');
    assert.equal(ev.startTime, iso(500));
    assert.deepEqual(ev.metadata, { cache: 'semantic' });
  });

  it('GET /observations filters by traceId, type and parentObservationId', async () => {
    const all = await getJson(`/observations${qs({ traceId, limit: 100 })}`);
    assert.equal(all.meta.totalItems, 6);
    assert.deepEqual(
      all.data.map((o) => o.id).sort(),
      [ids.retrieval, ids.embed, ids.search, ids.rerank, ids.answer, ids.event].sort(),
    );
    for (const o of all.data) assertKeys(o, OBSERVATION_KEYS, `observation ${o.id} in list`);
    const gens = await getJson(`/observations${qs({ traceId, type: 'GENERATION' })}`);
    assert.deepEqual(gens.data.map((o) => o.id).sort(), [ids.embed, ids.rerank, ids.answer].sort());
    const children = await getJson(`/observations${qs({ parentObservationId: ids.retrieval })}`);
    assert.deepEqual(children.data.map((o) => o.id).sort(), [ids.embed, ids.search, ids.rerank].sort());
    const paged = await getJson(`/observations${qs({ traceId, limit: 2, page: 3 })}`);
    assert.deepEqual(paged.meta, { page: 3, limit: 2, totalItems: 6, totalPages: 3 });
    assert.equal(paged.data.length, 2);
  });

  it('scores: numeric, categorical and boolean read back exactly', async () => {
    const rel = await getJson(`/scores/${encodeURIComponent(ids.scoreRelevance)}`);
    assertKeys(rel, SCORE_KEYS, 'score');
    assert.equal(rel.id, ids.scoreRelevance);
    assert.equal(rel.traceId, traceId);
    assert.equal(rel.observationId, null);
    assert.equal(rel.name, 'relevance');
    assert.equal(rel.value, 0.87);
    assert.equal(rel.dataType, 'NUMERIC');
    assert.equal(rel.source, 'API');
    assert.equal(rel.comment, 'grounded');
    assert.equal(rel.environment, 'default');
    assertIso(rel.timestamp, 'score.timestamp');
    assertIso(rel.createdAt, 'score.createdAt');

    const cat = await getJson(`/scores/${encodeURIComponent(ids.scoreSentiment)}`);
    assert.equal(cat.name, 'sentiment');
    assert.equal(cat.dataType, 'CATEGORICAL');
    assert.equal(cat.stringValue, 'positive');
    assert.equal(cat.traceId, traceId);
    assert.equal(cat.comment, null);

    const bool = await getJson(`/scores/${encodeURIComponent(ids.scoreBoolean)}`);
    assert.equal(bool.name, 'hallucination-free');
    assert.equal(bool.dataType, 'BOOLEAN');
    assert.equal(bool.value, 1);
    assert.equal(bool.stringValue, 'True');
    assert.equal(bool.traceId, traceId);
    assert.equal(bool.observationId, ids.answer);

    const v2 = await getJson(`/v2/scores${qs({ traceId })}`);
    assert.equal(v2.meta.totalItems, 3);
    assert.deepEqual(
      v2.data.map((s) => s.id).sort(),
      [ids.scoreRelevance, ids.scoreSentiment, ids.scoreBoolean].sort(),
    );

    const v1 = await getJson(`/scores${qs({ userId })}`);
    assert.equal(v1.meta.totalItems, 3, 'GET /scores?userId= finds the 3 scores of the user\'s traces');
    for (const s of v1.data) {
      assert.equal(s.trace?.userId, userId, 'v1 score rows carry trace.userId');
      assert.deepEqual(s.trace?.tags, ['answered', 'production', 'rag'], 'v1 score rows carry trace.tags');
    }
    const byName = await getJson(`/scores${qs({ userId, name: 'relevance' })}`);
    assert.deepEqual(byName.data.map((s) => s.id), [ids.scoreRelevance]);
  });

  it('session lists its traces; /sessions/{id} and GET /traces?sessionId= agree', async () => {
    const s = await getJson(`/sessions/${encodeURIComponent(sessionId)}`);
    assert.equal(s.id, sessionId);
    assert.equal(s.projectId, server.projectId);
    assertIso(s.createdAt, 'session.createdAt');
    assert.equal(s.environment, 'default');
    assert.ok(Array.isArray(s.traces), 'session.traces is an array');
    assert.deepEqual(s.traces.map((t) => t.id).sort(), [traceId, ids.followup1, ids.followup2].sort());
    for (const t of s.traces) assertKeys(t, TRACE_KEYS, `session trace ${t.id}`);

    const list = await getJson(`/sessions${qs({ limit: 100 })}`);
    const ids_ = list.data.map((x) => x.id);
    assert.ok(ids_.includes(sessionId), 'GET /sessions lists the session');
    assert.ok(ids_.includes(otherSessionId), 'GET /sessions lists the other session');

    const page1 = await getJson(`/traces${qs({ sessionId, limit: 2 })}`);
    assert.deepEqual(page1.meta, { page: 1, limit: 2, totalItems: 3, totalPages: 2 });
    assert.deepEqual(
      page1.data.map((t) => t.id),
      [ids.followup2, ids.followup1],
      'default order is timestamp desc',
    );
    const page2 = await getJson(`/traces${qs({ sessionId, limit: 2, page: 2 })}`);
    assert.deepEqual(page2.meta, { page: 2, limit: 2, totalItems: 3, totalPages: 2 });
    assert.deepEqual(page2.data.map((t) => t.id), [traceId]);
    for (const t of [...page1.data, ...page2.data]) {
      assertKeys(t, TRACE_DETAIL_KEYS, `trace ${t.id} in list`);
      assertIso(t.timestamp, 'list trace timestamp');
      assert.equal(typeof t.latency, 'number', 'list latency is a number');
      assert.ok(Array.isArray(t.observations) && Array.isArray(t.scores));
    }
    const rag = page2.data[0];
    assert.deepEqual(
      [...rag.observations].sort(),
      [ids.retrieval, ids.embed, ids.search, ids.rerank, ids.answer, ids.event].sort(),
      'list rows carry observation ids',
    );
    assert.deepEqual(
      [...rag.scores].sort(),
      [ids.scoreRelevance, ids.scoreSentiment, ids.scoreBoolean].sort(),
      'list rows carry score ids',
    );
    const page3 = await getJson(`/traces${qs({ sessionId, limit: 2, page: 3 })}`);
    assert.deepEqual(page3.data, []);
    assert.equal(page3.meta.totalItems, 3);
  });

  it('GET /traces filters by userId and tags (all-of)', async () => {
    const mine = await getJson(`/traces${qs({ userId })}`);
    assert.equal(mine.meta.totalItems, 3);
    assert.deepEqual(mine.data.map((t) => t.id).sort(), [traceId, ids.followup1, ids.followup2].sort());
    const other = await getJson(`/traces${qs({ userId: otherUserId })}`);
    assert.deepEqual(other.data.map((t) => t.id), [ids.other]);

    const both = await getJson(`/traces${qs({ tags: ['rag', 'answered'] })}`);
    assert.deepEqual(both.data.map((t) => t.id), [traceId], 'tags=rag&tags=answered is all-of');
    const rag = await getJson(`/traces${qs({ tags: 'rag', userId })}`);
    assert.deepEqual(rag.data.map((t) => t.id).sort(), [traceId, ids.followup1].sort());
    const chit = await getJson(`/traces${qs({ tags: 'chitchat' })}`);
    assert.deepEqual(chit.data.map((t) => t.id), [ids.followup2]);
    const byName = await getJson(`/traces${qs({ name: 'rag-followup' })}`);
    assert.deepEqual(byName.data.map((t) => t.id).sort(), [ids.followup1, ids.followup2].sort());
  });

  it('SDK read helpers (fetchTrace, fetchTraces, fetchObservation, fetchSessions) work', async () => {
    const { data: t } = await lf.fetchTrace(traceId);
    assert.equal(t.id, traceId);
    assert.equal(t.observations.length, 6);
    const { data, meta } = await lf.fetchTraces({ sessionId, limit: 2 });
    assert.equal(data.length, 2);
    assert.equal(meta.totalPages, 2);
    const { data: o } = await lf.fetchObservation(ids.answer);
    assert.equal(o.model, 'gpt-4o');
    const sessions = await lf.fetchSessions({ limit: 50 });
    assert.ok(sessions.data.some((s) => s.id === sessionId));
  });
});

describe('unicode round-trips exactly', () => {
  const traceId = `unicode-${RUN}-${JA}`;
  const spanId = `unicode-span-${RUN}`;
  const genId = `unicode-gen-${RUN}`;
  const userId = `utilisateur-${RUN}-é`;
  const name = `${FR} ${EMOJI}`;
  const input = { fr: FR, ja: JA, emoji: EMOJI, mixed: [FR, JA, EMOJI] };
  const output = `${JA} ${EMOJI}`;
  const metadata = { fr: FR, ja: JA, emoji: EMOJI, [JA]: `clé ${EMOJI}` };

  it('ingests unicode names, I/O and metadata', async () => {
    const trace = lf.trace({ id: traceId, name, userId, input, output, metadata, tags: ['français', '日本語'] });
    trace.span({ id: spanId, name: JA, input: EMOJI, output: FR, metadata: { [EMOJI]: JA }, startTime: T(0), endTime: T(5) });
    trace.generation({
      id: genId,
      name: EMOJI,
      model: 'gpt-4o',
      input: [{ role: 'user', content: JA }],
      output: { role: 'assistant', content: `${FR} ${EMOJI}` },
      startTime: T(0),
      endTime: T(10),
    });
    await flushAll();
    assertIngestionClean(1);
  });

  it('reads them back unchanged', async () => {
    const t = await getJson(`/traces/${encodeURIComponent(traceId)}`);
    assert.equal(t.id, traceId, 'non-ASCII trace id');
    assert.equal(t.name, name);
    assert.equal(t.userId, userId);
    assert.deepEqual(t.input, input);
    assert.equal(t.output, output);
    assert.deepEqual(t.metadata, metadata);
    assert.deepEqual(t.tags, ['français', '日本語']);

    const span = await getJson(`/observations/${encodeURIComponent(spanId)}`);
    assert.equal(span.name, JA);
    assert.equal(span.input, EMOJI);
    assert.equal(span.output, FR);
    assert.deepEqual(span.metadata, { [EMOJI]: JA });

    const gen = await getJson(`/observations/${encodeURIComponent(genId)}`);
    assert.equal(gen.name, EMOJI);
    assert.deepEqual(gen.input, [{ role: 'user', content: JA }]);
    assert.deepEqual(gen.output, { role: 'assistant', content: `${FR} ${EMOJI}` });
  });

  it('filters match unicode values', async () => {
    const byName = await getJson(`/traces${qs({ name })}`);
    assert.deepEqual(byName.data.map((t) => t.id), [traceId], 'GET /traces?name=<unicode>');
    const byUser = await getJson(`/traces${qs({ userId })}`);
    assert.deepEqual(byUser.data.map((t) => t.id), [traceId], 'GET /traces?userId=<unicode>');
    const byTag = await getJson(`/traces${qs({ tags: '日本語' })}`);
    assert.deepEqual(byTag.data.map((t) => t.id), [traceId], 'GET /traces?tags=<unicode>');
  });
});

describe('default SDK batching', () => {
  it('60 traces sent with flushAt=15 (concurrent batches, updates racing creates) all arrive after shutdownAsync()', async () => {
    const userId = `batching-user-${RUN}`;
    const client = new Langfuse({
      publicKey: server.publicKey,
      secretKey: server.secretKey,
      baseUrl: server.baseUrl,
      release: RELEASE,
    });
    const log = [];
    client.fetch = async (url, options) => {
      const res = await fetch(url, options);
      if (String(url).endsWith('/api/public/ingestion')) {
        log.push({ status: res.status, n: JSON.parse(options.body).batch.length, text: await res.clone().text() });
      }
      return res;
    };
    const N = 60;
    for (let i = 0; i < N; i++) {
      const trace = client.trace({ id: `batch-${RUN}-${i}`, name: 'batched', userId, metadata: { i } });
      const span = trace.span({ id: `batch-${RUN}-${i}-span`, name: 'work' });
      const gen = span.generation({ id: `batch-${RUN}-${i}-gen`, name: 'llm', model: 'gpt-4o', input: `q${i}` });
      gen.end({ output: `a${i}`, usage: { input: i, output: 1 } });
      span.end({ output: { i } });
    }
    await client.shutdownAsync();

    assert.ok(log.length >= 2, `expected several ingestion requests, saw ${log.length}`);
    assert.equal(log.reduce((a, e) => a + e.n, 0), N * 5, 'all events were sent exactly once');
    for (const e of log) {
      assert.equal(e.status, 207, e.text.slice(0, 300));
      assert.deepEqual(JSON.parse(e.text).errors, [], 'no per-event errors');
    }

    const traces = await getJson(`/traces${qs({ userId, limit: 100 })}`);
    assert.equal(traces.meta.totalItems, N);
    const obs = await getJson(`/observations${qs({ userId, limit: 100, type: 'GENERATION' })}`);
    assert.equal(obs.meta.totalItems, N);
    for (const o of obs.data) {
      const i = Number(o.id.split('-').at(-2));
      assert.equal(o.name, 'llm', `${o.id} name`);
      assert.equal(o.model, 'gpt-4o', `${o.id} model`);
      assert.equal(o.input, `q${i}`, `${o.id} input`);
      assert.equal(o.output, `a${i}`, `${o.id} output`);
      assert.equal(o.parentObservationId, `batch-${RUN}-${i}-span`, `${o.id} parent`);
      assert.deepEqual(o.usageDetails, { input: i, output: 1, total: i + 1 }, `${o.id} usage`);
      assertIso(o.endTime, `${o.id} endTime`);
    }
    const spans = await getJson(`/observations${qs({ userId, limit: 100, type: 'SPAN' })}`);
    assert.equal(spans.meta.totalItems, N);
    for (const s of spans.data) {
      assert.equal(s.name, 'work');
      assertIso(s.endTime, `${s.id} endTime`);
      assert.deepEqual(s.output, { i: Number(s.id.split('-').at(-2)) });
    }
  });
});

describe('large payloads', () => {
  const traceId = `large-${RUN}`;
  const genId = `large-gen-${RUN}`;
  // ~900 KB strings with multi-byte characters (the SDK caps events at 1,000,000 bytes).
  const build = (seed) => {
    const parts = [];
    let bytes = 0;
    for (let i = 0; bytes < 900_000; i++) {
      const p = `${seed}:${i} Lanterne déjà 東京 🚀 "quoted" \\ back\tslash\n`;
      parts.push(p);
      bytes += Buffer.byteLength(p);
    }
    return parts.join('');
  };
  const bigInput = build('in');
  const bigOutput = build('out');

  it('~900 KB input and output round-trip exactly', async () => {
    assert.ok(Buffer.byteLength(bigInput) >= 900_000 && Buffer.byteLength(bigInput) < 950_000);
    lf.trace({ id: traceId, name: 'large', input: bigInput });
    lf.generation({ id: genId, traceId, name: 'large-gen', model: 'gpt-4o', output: bigOutput, startTime: T(0) });
    await flushAll();
    assertIngestionClean(1);

    const t = await getJson(`/traces/${encodeURIComponent(traceId)}`);
    assertSameString(t.input, bigInput, 'trace input');
    const g = await getJson(`/observations/${encodeURIComponent(genId)}`);
    assertSameString(g.output, bigOutput, 'generation output');
    assert.deepEqual(t.observations.map((o) => o.id), [genId]);
    assertSameString(t.observations[0].output, bigOutput, 'generation output inside GET /traces/{id}');
  });
});
