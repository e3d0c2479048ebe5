// Raw-HTTP contract tests: authentication, validation, limits, per-event
// ingestion errors, idempotency, CORS, project isolation, path encoding and
// deletion.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import zlib from 'node:zlib';
import { ISO_MS_RE, assertJsonError, basicAuth, event, qs, startServer } from './harness.mjs';

const RUN = randomUUID().slice(0, 8);
let server;
let other; // second project's keys: {publicKey, secretKey, projectId}

const MSG_NO_AUTH = 'No authorization header';
const MSG_BAD_CREDS = "Invalid credentials. Confirm that you've configured the correct host.";

before(async () => {
  server = await startServer({ extraProjects: ['other'] });
  other = server.projects.other;
});

after(async () => {
  if (server) {
    const exit = await server.stop();
    await server.dispose();
    assert.equal(exit?.code, 0, `server exit after SIGTERM: ${JSON.stringify(exit)}\n${server.stderr}`);
  }
});

function assert207(res, what = 'ingestion') {
  assert.equal(res.status, 207, `${what}: expected 207, got ${res.status}: ${res.text.slice(0, 500)}`);
  assert.ok(res.json && Array.isArray(res.json.successes) && Array.isArray(res.json.errors), `${what}: 207 body must have successes[] and errors[]: ${res.text.slice(0, 500)}`);
  return res.json;
}

function traceEvent(id, extra = {}, envelope = {}) {
  return event('trace-create', { id, name: 'errors-test', ...extra }, envelope);
}

async function expectTrace(id, auth) {
  const res = await server.api(`/traces/${encodeURIComponent(id)}`, { auth });
  assert.equal(res.status, 200, `GET /traces/${id} → ${res.status}: ${res.text.slice(0, 300)}`);
  return res.json;
}

async function expectNoTrace(id, auth) {
  const res = await server.api(`/traces/${encodeURIComponent(id)}`, { auth });
  assertJsonError(res, 404, `GET /traces/${id}`);
}

describe('health and projects', () => {
  it('GET /api/public/health needs no auth', async () => {
    const res = await server.api('/api/public/health', { auth: false });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json?.status, 'OK');
    assert.equal(typeof res.json?.version, 'string');
  });

  it('GET /projects returns exactly the key\'s project', async () => {
    const a = await server.api('/projects');
    assert.equal(a.status, 200, a.text);
    assert.equal(a.json.data.length, 1);
    assert.equal(a.json.data[0].id, server.projectId);
    assert.equal(a.json.data[0].name, server.projectName);
    assert.equal(a.json.data[0].organization?.id, server.orgId);
    assert.equal(a.json.data[0].organization?.name, server.orgName);
    assert.deepEqual(a.json.data[0].metadata, {});

    const b = await server.api('/projects', { auth: other });
    assert.equal(b.status, 200, b.text);
    assert.equal(b.json.data.length, 1);
    assert.equal(b.json.data[0].id, other.projectId);
    assert.equal(b.json.data[0].name, 'other');
  });
});

describe('authentication', () => {
  it('no Authorization header → 401 JSON', async () => {
    for (const [method, p, body] of [
      ['GET', '/traces', undefined],
      ['POST', '/ingestion', { batch: [] }],
      ['GET', '/projects', undefined],
    ]) {
      const res = await server.api(p, { method, body, auth: false });
      const j = assertJsonError(res, 401, `${method} ${p} without auth`);
      assert.equal(j.message, MSG_NO_AUTH, `${method} ${p} message`);
    }
  });

  it('bad secret / unknown key → 401 JSON', async () => {
    for (const auth of [
      { publicKey: server.publicKey, secretKey: 'sk-lf-wrong' },
      { publicKey: 'pk-lf-unknown', secretKey: 'sk-lf-unknown' },
      { publicKey: server.publicKey, secretKey: other.secretKey }, // mixing two projects' keys
    ]) {
      for (const [method, p, body] of [
        ['GET', '/traces', undefined],
        ['POST', '/ingestion', { batch: [] }],
      ]) {
        const res = await server.api(p, { method, body, auth });
        const j = assertJsonError(res, 401, `${method} ${p} with ${auth.publicKey}:${auth.secretKey}`);
        assert.equal(j.message, MSG_BAD_CREDS);
      }
    }
  });

  it('malformed Authorization header → 401 JSON', async () => {
    for (const header of ['Basic !!!not-base64!!!', 'Basic ' + Buffer.from('no-colon').toString('base64'), 'Token abc', 'Basic ' + Buffer.from(':').toString('base64')]) {
      const res = await server.api('/traces', { auth: header });
      assertJsonError(res, 401, `Authorization: ${header}`);
    }
  });

  it('Bearer public key: score-create succeeds, trace-create in the same batch fails alone with 401', async () => {
    const traceId = `bearer-trace-${RUN}`;
    const created = assert207(await server.ingest([traceEvent(traceId)]));
    assert.deepEqual(created.errors, []);

    const scoreId = `bearer-score-${RUN}`;
    const scoreEv = event('score-create', { id: scoreId, traceId, name: 'user-feedback', value: 1, comment: 'thumbs up' });
    const badTraceId = `bearer-denied-${RUN}`;
    const traceEv = traceEvent(badTraceId);
    const res = await server.ingest([scoreEv, traceEv], { auth: { bearer: server.publicKey } });
    const body = assert207(res, 'Bearer ingestion');
    assert.deepEqual(body.successes.map((s) => s.id), [scoreEv.id], 'score-create accepted');
    assert.equal(body.successes[0].status, 201);
    assert.equal(body.errors.length, 1, `errors: ${JSON.stringify(body.errors)}`);
    assert.equal(body.errors[0].id, traceEv.id);
    assert.equal(body.errors[0].status, 401);

    const score = await server.api(`/scores/${scoreId}`);
    assert.equal(score.status, 200, score.text);
    assert.equal(score.json.traceId, traceId);
    assert.equal(score.json.value, 1);
    assert.equal(score.json.comment, 'thumbs up');
    await expectNoTrace(badTraceId);
  });

  it('Bearer public key is refused on read endpoints (403) and a Bearer secret key is 401', async () => {
    const res = await server.api('/traces', { auth: { bearer: server.publicKey } });
    assertJsonError(res, 403, 'GET /traces with Bearer public key');
    const res2 = await server.ingest([traceEvent(`bearer-secret-${RUN}`)], { auth: { bearer: server.secretKey } });
    assertJsonError(res2, 401, 'ingestion with Bearer <secret key>');
  });
});

describe('request validation', () => {
  it('malformed JSON body → 400 JSON with message', async () => {
    const res = await server.api('/ingestion', { method: 'POST', body: '{"batch": [ {"id": "x", ' });
    assertJsonError(res, 400, 'malformed JSON');
  });

  it('batch that is not an array → 400', async () => {
    for (const body of [{ batch: { id: 'x' } }, { batch: 'nope' }, {}, [], 'null']) {
      const res = await server.api('/ingestion', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
      assertJsonError(res, 400, `body ${JSON.stringify(body)}`);
    }
  });

  it('integers beyond 64 bits (a Python client can send them) are stored as JavaScript reads them', async () => {
    const id = `bigint-${RUN}`;
    const text = JSON.stringify({ batch: [traceEvent(id, { input: { big: 'BIG', small: 7 } })] }).replace(
      '"BIG"',
      '123456789012345678901234567890',
    );
    const body = assert207(await server.api('/ingestion', { method: 'POST', body: text }));
    assert.deepEqual(body.errors, []);
    const trace = await expectTrace(id);
    assert.deepEqual(trace.input, { big: 123456789012345678901234567890, small: 7 });
  });

  it('numbers beyond a double (1e400) are null in JSON values, and fail only the event that needs a number', async () => {
    const id = `inf-${RUN}`;
    const scoreId = `inf-score-${RUN}`;
    const text = JSON.stringify({
      batch: [
        traceEvent(id, { input: { inf: 'INF', small: 7 } }),
        event('score-create', { id: scoreId, traceId: id, name: 'q', value: 'INF' }),
      ],
    }).replaceAll('"INF"', '1e400');
    const body = assert207(await server.api('/ingestion', { method: 'POST', body: text }));
    assert.equal(body.successes.length, 1, JSON.stringify(body));
    assert.equal(body.errors.length, 1, JSON.stringify(body));
    assert.match(body.errors[0].message + ' ' + (body.errors[0].error ?? ''), /value/);
    const trace = await expectTrace(id);
    assert.deepEqual(trace.input, { inf: null, small: 7 });
  });

  it('empty batch → 207 with two empty arrays', async () => {
    const body = assert207(await server.ingest([]));
    assert.deepEqual(body, { successes: [], errors: [] });
  });

  it('an unknown event type fails alone; the rest of the batch is stored', async () => {
    const good1 = traceEvent(`mixed-a-${RUN}`);
    const bad = event('frobnicate-create', { id: `mixed-bad-${RUN}` });
    const good2 = event('span-create', { id: `mixed-span-${RUN}`, traceId: `mixed-a-${RUN}`, name: 'ok-span' });
    const body = assert207(await server.ingest([good1, bad, good2]));
    assert.deepEqual(body.successes.map((s) => s.id).sort(), [good1.id, good2.id].sort());
    assert.equal(body.errors.length, 1, JSON.stringify(body.errors));
    assert.equal(body.errors[0].id, bad.id);
    assert.equal(body.errors[0].status, 400);
    await expectTrace(`mixed-a-${RUN}`);
    const span = await server.api(`/observations/mixed-span-${RUN}`);
    assert.equal(span.status, 200, span.text);
    assert.equal(span.json.name, 'ok-span');
  });

  it('an event missing body.id fails alone', async () => {
    const traceId = `missing-id-${RUN}`;
    const good = traceEvent(traceId);
    const bad = event('span-create', { traceId, name: 'no-id-span' });
    const body = assert207(await server.ingest([good, bad]));
    assert.deepEqual(body.successes.map((s) => s.id), [good.id]);
    assert.deepEqual(body.errors.map((e) => [e.id, e.status]), [[bad.id, 400]]);
    const t = await expectTrace(traceId);
    assert.deepEqual(t.observations, [], 'the invalid span was not stored');
  });

  it('an event with an invalid timestamp fails alone', async () => {
    const traceId = `bad-ts-${RUN}`;
    const good = traceEvent(traceId);
    const bad = traceEvent(`bad-ts-other-${RUN}`, {}, { timestamp: 'not-a-date' });
    const noZone = traceEvent(`bad-ts-nozone-${RUN}`, {}, { timestamp: '2024-01-01T10:00:00' });
    const body = assert207(await server.ingest([good, bad, noZone]));
    assert.deepEqual(body.successes.map((s) => s.id), [good.id]);
    assert.deepEqual(
      body.errors.map((e) => [e.id, e.status]).sort(),
      [[bad.id, 400], [noZone.id, 400]].sort(),
    );
    await expectTrace(traceId);
    await expectNoTrace(`bad-ts-other-${RUN}`);
    await expectNoTrace(`bad-ts-nozone-${RUN}`);
  });

  it('accepts timestamps with offsets and microseconds', async () => {
    const a = traceEvent(`ts-offset-${RUN}`, { timestamp: '2024-05-01T12:00:00.123456+02:00' }, { timestamp: '2024-05-01T12:00:00.123456+02:00' });
    const body = assert207(await server.ingest([a]));
    assert.deepEqual(body.errors, []);
    const t = await expectTrace(`ts-offset-${RUN}`);
    assert.equal(t.timestamp, '2024-05-01T10:00:00.123Z', 'normalized to UTC with milliseconds');
  });

  it('limit=101 and page=0 → 400 JSON', async () => {
    for (const p of ['/traces', '/observations', '/sessions', '/scores']) {
      assertJsonError(await server.api(`${p}?limit=101`), 400, `${p}?limit=101`);
      assertJsonError(await server.api(`${p}?page=0`), 400, `${p}?page=0`);
    }
    const ok = await server.api('/traces?limit=100&page=1');
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.meta.limit, 100);
  });

  it('GET of an unknown id → 404 JSON', async () => {
    for (const p of [`/traces/nope-${RUN}`, `/observations/nope-${RUN}`, `/sessions/nope-${RUN}`, `/scores/nope-${RUN}`]) {
      assertJsonError(await server.api(p), 404, p);
    }
  });

  it('every non-2xx response body is JSON', async () => {
    const cases = [
      ['GET', '/api/public/does-not-exist', undefined],
      ['PUT', '/api/public/traces', '{}'],
      ['GET', '/api/public/ingestion', undefined],
      ['POST', '/api/public/ingestion', 'not json at all'],
      ['POST', '/api/public/scores', { name: 'x' }],
      ['GET', '/api/public/traces?orderBy=nonsense.sideways', undefined],
      ['GET', '/api/public/traces?limit=abc', undefined],
      ['DELETE', '/api/public/traces', { traceIds: 'not-an-array' }],
    ];
    for (const [method, p, body] of cases) {
      const res = await server.api(p, { method, body });
      assert.ok(res.status >= 400, `${method} ${p} should fail, got ${res.status}`);
      assertJsonError(res, res.status, `${method} ${p}`);
    }
  });
});

describe('body limits and encodings', () => {
  it('a 5 MB ingestion body → 413 JSON', async () => {
    const big = 'x'.repeat(5 * 1024 * 1024);
    let res;
    try {
      res = await server.ingest([traceEvent(`too-big-${RUN}`, { input: big })]);
    } catch (err) {
      assert.fail(`5 MB request failed at the transport level instead of answering 413: ${err.message}`);
    }
    assertJsonError(res, 413, '5 MB body');
    await expectNoTrace(`too-big-${RUN}`);
    // The server is still healthy afterwards.
    assert.equal((await server.api('/api/public/health', { auth: false })).status, 200);
  });

  it('a 4 MB ingestion body is accepted', async () => {
    const input = 'y'.repeat(4 * 1024 * 1024);
    const body = assert207(await server.ingest([traceEvent(`four-mb-${RUN}`, { input })]));
    assert.deepEqual(body.errors, []);
    const t = await expectTrace(`four-mb-${RUN}`);
    assert.equal(t.input, input);
  });

  it('a gzip-compressed ingestion body works', async () => {
    const traceId = `gzip-${RUN}`;
    const batch = [
      traceEvent(traceId, { input: { q: 'déjà vu 🚀' }, metadata: { via: 'gzip' } }),
      event('generation-create', { id: `${traceId}-gen`, traceId, name: 'g', model: 'gpt-4o', usage: { input: 3, output: 4 } }),
    ];
    const gz = zlib.gzipSync(Buffer.from(JSON.stringify({ batch })));
    const res = await server.api('/ingestion', {
      method: 'POST',
      body: gz,
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
    });
    const body = assert207(res, 'gzip ingestion');
    assert.deepEqual(body.errors, []);
    assert.equal(body.successes.length, 2);
    const t = await expectTrace(traceId);
    assert.deepEqual(t.input, { q: 'déjà vu 🚀' });
    assert.deepEqual(t.metadata, { via: 'gzip' });
    const g = await server.api(`/observations/${traceId}-gen`);
    assert.equal(g.status, 200, g.text);
    assert.deepEqual(g.json.usageDetails, { input: 3, output: 4, total: 7 }, 'total defaults to input+output');
  });
});

describe('idempotency', () => {
  it('re-sending the exact same batch converges to the same rows', async () => {
    const traceId = `dup-${RUN}`;
    const userId = `dup-user-${RUN}`;
    const batch = [
      traceEvent(traceId, { userId, metadata: { a: 1, nested: { b: 'two' } }, tags: ['x', 'y'], input: 'hello' }),
      event('span-create', { id: `${traceId}-s1`, traceId, name: 's1', metadata: { k: 'v' } }),
      event('generation-create', { id: `${traceId}-g1`, traceId, parentObservationId: `${traceId}-s1`, name: 'g1', model: 'gpt-4o', usage: { input: 10, output: 5, total: 15 } }),
      event('generation-update', { id: `${traceId}-g1`, traceId, output: 'done', metadata: { extra: true } }),
      event('score-create', { id: `${traceId}-score`, traceId, name: 'q', value: 0.5 }),
    ];
    const first = assert207(await server.ingest(batch));
    assert.deepEqual(first.errors, []);
    const firstRead = await expectTrace(traceId);
    const second = assert207(await server.ingest(batch));
    assert.deepEqual(second.errors, [], 'a re-sent batch must not report errors (SDKs retry on any error)');
    assert.equal(second.successes.length, batch.length);
    const secondRead = await expectTrace(traceId);

    const strip = (t) => ({ ...t, updatedAt: undefined, observations: undefined, scores: undefined });
    assert.deepEqual(strip(secondRead), strip(firstRead), 'trace unchanged by the duplicate delivery');
    assert.deepEqual(secondRead.metadata, { a: 1, nested: { b: 'two' } });
    assert.deepEqual(secondRead.tags, ['x', 'y']);
    assert.deepEqual(secondRead.observations.map((o) => o.id).sort(), [`${traceId}-g1`, `${traceId}-s1`]);
    assert.deepEqual(secondRead.scores.map((s) => s.id), [`${traceId}-score`]);
    const g = secondRead.observations.find((o) => o.id === `${traceId}-g1`);
    assert.deepEqual(g.metadata, { extra: true });
    assert.equal(g.output, 'done');
    assert.deepEqual(g.usageDetails, { input: 10, output: 5, total: 15 });

    const list = await server.api(`/traces${qs({ userId })}`);
    assert.equal(list.json.meta.totalItems, 1, 'no duplicate trace rows');
    const obs = await server.api(`/observations${qs({ traceId })}`);
    assert.equal(obs.json.meta.totalItems, 2, 'no duplicate observation rows');
    const scores = await server.api(`/v2/scores${qs({ traceId })}`);
    assert.equal(scores.json.meta.totalItems, 1, 'no duplicate score rows');
  });
});

describe('merge semantics and normalization', () => {
  it('sdk-log events appear in neither successes nor errors', async () => {
    const t = traceEvent(`sdklog-${RUN}`);
    const log = event('sdk-log', { log: { message: 'hello from the SDK' } });
    const body = assert207(await server.ingest([t, log]));
    assert.deepEqual(body, { successes: [{ id: t.id, status: 201 }], errors: [] });
  });

  it('environment is lowercased, loses a langfuse prefix, and falls back to default', async () => {
    const cases = [
      ['Production', 'production'],
      ['langfuse-staging', 'staging'],
      ['bad env!', 'default'],
    ];
    const batch = cases.map(([env], i) => traceEvent(`env-${RUN}-${i}`, { environment: env }));
    assert.deepEqual(assert207(await server.ingest(batch)).errors, []);
    for (const [i, [, expected]] of cases.entries()) {
      const t = await expectTrace(`env-${RUN}-${i}`);
      assert.equal(t.environment, expected, `environment for ${JSON.stringify(cases[i][0])}`);
    }
  });

  it('later events merge into earlier ones by entity id', async () => {
    const traceId = `merge-${RUN}`;
    const spanId = `${traceId}-span`;
    const t0 = Date.now() - 60_000;
    const at = (ms) => ({ timestamp: new Date(t0 + ms).toISOString() });
    const first = assert207(
      await server.ingest([
        traceEvent(traceId, { name: 'first', userId: 'u1', input: 'keep me', public: true, metadata: { a: 1 } }, at(0)),
        event('span-create', { id: spanId, traceId, name: 'span', startTime: new Date(t0 + 1000).toISOString(), input: 'span-in' }, at(0)),
      ]),
    );
    assert.deepEqual(first.errors, []);
    const second = assert207(
      await server.ingest([
        // falsy input never clears; explicit null overwrites userId; public resets to false
        traceEvent(traceId, { name: 'second', userId: null, input: '', metadata: { b: 2 } }, at(10)),
        // endTime before startTime is clamped to startTime
        event('span-update', { id: spanId, traceId, endTime: new Date(t0).toISOString(), output: 'span-out' }, at(10)),
      ]),
    );
    assert.deepEqual(second.errors, []);
    const t = await expectTrace(traceId);
    assert.equal(t.name, 'second');
    assert.equal(t.userId, null, 'explicit null overwrites userId');
    assert.equal(t.input, 'keep me', 'falsy input does not clear');
    assert.equal(t.public, false, 'trace-create without public resets it to false');
    assert.deepEqual(t.metadata, { a: 1, b: 2 });
    const s = await server.api(`/observations/${spanId}`);
    assert.equal(s.status, 200, s.text);
    assert.equal(s.json.type, 'SPAN');
    assert.equal(s.json.input, 'span-in');
    assert.equal(s.json.output, 'span-out');
    assert.equal(s.json.startTime, new Date(t0 + 1000).toISOString());
    assert.equal(s.json.endTime, s.json.startTime, 'endTime earlier than startTime is clamped');
  });
});

describe('CORS', () => {
  const origin = 'https://app.example.com';

  it('OPTIONS preflight → 204 reflecting the Origin', async () => {
    const res = await fetch(`${server.baseUrl}/api/public/ingestion`, {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type,x-langfuse-sdk-name,x-langfuse-public-key',
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), origin);
    const methods = (res.headers.get('access-control-allow-methods') || '').toUpperCase();
    assert.match(methods, /POST/, `Access-Control-Allow-Methods: ${methods}`);
    const allowHeaders = (res.headers.get('access-control-allow-headers') || '').toLowerCase();
    for (const h of ['authorization', 'content-type', 'x-langfuse-sdk-name']) {
      assert.ok(allowHeaders === '*' || allowHeaders.includes(h), `Access-Control-Allow-Headers lacks ${h}: "${allowHeaders}"`);
    }
  });

  it('actual responses carry Access-Control-Allow-Origin', async () => {
    const res = await server.api('/traces?limit=1', { headers: { Origin: origin } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), origin);
    const err = await server.api('/traces', { auth: false, headers: { Origin: origin } });
    assert.equal(err.status, 401);
    assert.equal(err.headers.get('access-control-allow-origin'), origin, 'error responses carry CORS headers too');
  });
});

describe('project isolation', () => {
  it('a trace written with project A is invisible to project B', async () => {
    const traceId = `iso-${RUN}`;
    const body = assert207(
      await server.ingest([
        traceEvent(traceId, { name: 'from-A', sessionId: `iso-session-${RUN}` }),
        event('span-create', { id: `${traceId}-span`, traceId, name: 'A-span' }),
        event('score-create', { id: `${traceId}-score`, traceId, name: 'A-score', value: 1 }),
      ]),
    );
    assert.deepEqual(body.errors, []);
    await expectTrace(traceId);

    await expectNoTrace(traceId, other);
    assertJsonError(await server.api(`/observations/${traceId}-span`, { auth: other }), 404, 'B reads A observation');
    assertJsonError(await server.api(`/scores/${traceId}-score`, { auth: other }), 404, 'B reads A score');
    assertJsonError(await server.api(`/sessions/iso-session-${RUN}`, { auth: other }), 404, 'B reads A session');
    const list = await server.api('/traces?limit=100', { auth: other });
    assert.equal(list.status, 200, list.text);
    assert.ok(!list.json.data.some((t) => t.id === traceId), "A's trace is not in B's /traces");
    const obs = await server.api(`/observations${qs({ traceId })}`, { auth: other });
    assert.deepEqual(obs.json.data, []);
    const sessions = await server.api('/sessions?limit=100', { auth: other });
    assert.ok(!sessions.json.data.some((s) => s.id === `iso-session-${RUN}`), "A's session not in B's /sessions");

    // The same trace id in project B is a separate row.
    const b = assert207(await server.ingest([traceEvent(traceId, { name: 'from-B' })], { auth: other }));
    assert.deepEqual(b.errors, []);
    const inB = await expectTrace(traceId, other);
    assert.equal(inB.name, 'from-B');
    assert.equal(inB.projectId, other.projectId);
    assert.deepEqual(inB.observations, []);
    const inA = await expectTrace(traceId);
    assert.equal(inA.name, 'from-A');
    assert.equal(inA.projectId, server.projectId);
    assert.equal(inA.observations.length, 1);

    // B cannot delete A's trace.
    const del = await server.api(`/traces/${traceId}`, { method: 'DELETE', auth: other });
    assert.equal(del.status, 200, del.text);
    await expectTrace(traceId);
    await expectNoTrace(traceId, other);
  });
});

describe('path encoding', () => {
  it('percent-encoded trace id a%2Fb finds trace "a/b"', async () => {
    const body = assert207(await server.ingest([traceEvent('a/b', { name: 'slash' })]));
    assert.deepEqual(body.errors, []);
    const res = await server.api('/traces/a%2Fb');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.id, 'a/b');
    assert.equal(res.json.name, 'slash');
  });

  it('ids with spaces, ?, #, % and non-ASCII characters', async () => {
    const id = `weird ${RUN}?x=1#frag%20 ü/東京`;
    const body = assert207(
      await server.ingest([
        traceEvent(id, { name: 'weird' }),
        event('span-create', { id: `${id}/span`, traceId: id, name: 'weird-span' }),
      ]),
    );
    assert.deepEqual(body.errors, []);
    const t = await server.api(`/traces/${encodeURIComponent(id)}`);
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.id, id);
    const o = await server.api(`/observations/${encodeURIComponent(`${id}/span`)}`);
    assert.equal(o.status, 200, o.text);
    assert.equal(o.json.traceId, id);
    const list = await server.api(`/observations${qs({ traceId: id })}`);
    assert.deepEqual(list.json.data.map((x) => x.id), [`${id}/span`]);
  });
});

describe('scores API', () => {
  it('POST /scores, GET /scores/{id}, DELETE /scores/{id}', async () => {
    const traceId = `score-api-${RUN}`;
    assert207(await server.ingest([traceEvent(traceId)]));
    const res = await server.api('/scores', {
      method: 'POST',
      body: { traceId, name: 'accuracy', value: 0.75, comment: 'via REST' },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(typeof res.json.id, 'string');
    assert.ok(res.json.id.length > 0);
    const id = res.json.id;
    const got = await server.api(`/scores/${id}`);
    assert.equal(got.status, 200, got.text);
    assert.equal(got.json.name, 'accuracy');
    assert.equal(got.json.value, 0.75);
    assert.equal(got.json.dataType, 'NUMERIC');
    assert.equal(got.json.traceId, traceId);
    assert.match(got.json.timestamp, ISO_MS_RE);

    const bearer = await server.api('/scores', {
      method: 'POST',
      auth: { bearer: server.publicKey },
      body: { id: `score-bearer-${RUN}`, traceId, name: 'feedback', value: 'good', dataType: 'CATEGORICAL' },
    });
    assert.equal(bearer.status, 200, bearer.text);
    assert.equal(bearer.json.id, `score-bearer-${RUN}`);

    const del = await server.api(`/scores/${id}`, { method: 'DELETE' });
    assert.equal(del.status, 202, del.text);
    assert.equal(typeof del.json?.message, 'string');
    assertJsonError(await server.api(`/scores/${id}`), 404, 'deleted score');

    const bad = await server.api('/scores', { method: 'POST', body: { traceId, name: 'b', value: 2, dataType: 'BOOLEAN' } });
    assertJsonError(bad, 400, 'BOOLEAN score with value 2');
  });
});

describe('deletion', () => {
  it('DELETE /traces/{id} removes the trace and its observations', async () => {
    const traceId = `del-${RUN}`;
    const body = assert207(
      await server.ingest([
        traceEvent(traceId),
        event('span-create', { id: `${traceId}-s`, traceId, name: 's' }),
        event('generation-create', { id: `${traceId}-g`, traceId, parentObservationId: `${traceId}-s`, name: 'g' }),
      ]),
    );
    assert.deepEqual(body.errors, []);
    await expectTrace(traceId);
    const del = await server.api(`/traces/${traceId}`, { method: 'DELETE' });
    assert.equal(del.status, 200, del.text);
    assert.equal(del.json?.message, 'Trace deleted successfully');
    await expectNoTrace(traceId);
    assertJsonError(await server.api(`/observations/${traceId}-s`), 404, 'observation of deleted trace');
    assertJsonError(await server.api(`/observations/${traceId}-g`), 404, 'observation of deleted trace');
    const obs = await server.api(`/observations${qs({ traceId })}`);
    assert.deepEqual(obs.json.data, []);
  });

  it('bulk DELETE /traces removes exactly the listed traces', async () => {
    const ids = [1, 2, 3].map((i) => `bulk-${RUN}-${i}`);
    const body = assert207(
      await server.ingest([
        ...ids.map((id) => traceEvent(id)),
        ...ids.map((id) => event('span-create', { id: `${id}-s`, traceId: id, name: 's' })),
      ]),
    );
    assert.deepEqual(body.errors, []);
    const del = await server.api('/traces', { method: 'DELETE', body: { traceIds: ids.slice(0, 2) } });
    assert.equal(del.status, 200, del.text);
    assert.equal(del.json?.message, 'Traces deleted successfully');
    await expectNoTrace(ids[0]);
    await expectNoTrace(ids[1]);
    assertJsonError(await server.api(`/observations/${ids[0]}-s`), 404, 'observation of bulk-deleted trace');
    const kept = await expectTrace(ids[2]);
    assert.equal(kept.observations.length, 1);

    assertJsonError(await server.api('/traces', { method: 'DELETE', body: { traceIds: [] } }), 400, 'empty traceIds');
  });
});

describe('trace listing fields', () => {
  it('fields=core,io leaves out observations, scores and metrics', async () => {
    const traceId = `fields-${RUN}`;
    const batch = [
      traceEvent(traceId, { userId: `fields-user-${RUN}` }),
      event('span-create', { id: `${traceId}-s`, traceId, name: 's',
        startTime: '2026-01-01T00:00:00.000Z', endTime: '2026-01-01T00:00:02.500Z' }),
      event('score-create', { id: `${traceId}-score`, traceId, name: 'q', value: 1 }),
    ];
    assert.deepEqual(assert207(await server.api('/ingestion', { method: 'POST', body: { batch } })).errors, []);

    const full = await server.api(`/traces?${qs({ userId: `fields-user-${RUN}` })}`);
    assert.equal(full.status, 200, full.text);
    assert.deepEqual(full.json.data[0].observations, [`${traceId}-s`]);
    assert.deepEqual(full.json.data[0].scores, [`${traceId}-score`]);
    assert.equal(full.json.data[0].latency, 2.5);

    const core = await server.api(`/traces?${qs({ userId: `fields-user-${RUN}`, fields: 'core,io' })}`);
    assert.equal(core.status, 200, core.text);
    const row = core.json.data[0];
    assert.equal(row.id, traceId);
    assert.deepEqual(row.observations, []);
    assert.deepEqual(row.scores, []);
    assert.equal(row.latency, -1);
    assert.equal(row.totalCost, -1);
  });
});
