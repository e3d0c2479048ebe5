// Durability: every ingestion event the server acknowledged (207, listed in
// `successes`) must survive a crash (SIGKILL) and a graceful stop (SIGTERM)
// under concurrent write load.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { LanterneServer, basicAuth, freePort, mapConcurrent, runLanterne, sleep } from './harness.mjs';

const WRITERS = Number(process.env.LANTERNE_DURABILITY_WRITERS || 8);
const LOAD_MS = Number(process.env.LANTERNE_DURABILITY_LOAD_MS || 2500);
const VERIFY_CONCURRENCY = 32;
const RUN = randomUUID().slice(0, 8);

const servers = [];
after(async () => {
  for (const s of servers) await s.dispose();
});

/** One batch: a trace plus 5 observations (nested spans, generations, an event). */
function makeBatch(traceId) {
  const now = Date.now();
  const ts = (ms) => new Date(now + ms).toISOString();
  const ev = (type, body, ms) => ({ id: randomUUID(), type, timestamp: ts(ms), body });
  const root = `${traceId}-root`;
  return [
    ev('trace-create', { id: traceId, name: 'durability', userId: `dur-user-${RUN}`, input: { q: traceId }, metadata: { writer: traceId.split('-w')[1] } }, 0),
    ev('span-create', { id: root, traceId, name: 'root', startTime: ts(0), endTime: ts(50), input: 'x'.repeat(200) }, 1),
    ev('generation-create', { id: `${traceId}-gen`, traceId, parentObservationId: root, name: 'llm', model: 'gpt-4o', startTime: ts(5), endTime: ts(40), usage: { input: 100, output: 20, total: 120 }, input: [{ role: 'user', content: 'hi' }], output: 'hello' }, 2),
    ev('span-create', { id: `${traceId}-tool`, traceId, parentObservationId: root, name: 'tool', startTime: ts(10), endTime: ts(20) }, 3),
    ev('generation-create', { id: `${traceId}-embed`, traceId, parentObservationId: `${traceId}-tool`, name: 'embed', model: 'text-embedding-3-small', startTime: ts(11), endTime: ts(15) }, 4),
    ev('event-create', { id: `${traceId}-event`, traceId, parentObservationId: root, name: 'log', startTime: ts(30), level: 'DEBUG' }, 5),
  ];
}

/**
 * Run `WRITERS` concurrent writers in a loop until state.stop is set.
 * Acknowledged entity ids go to state.traces / state.observations (Map traceId → Set of obs ids).
 */
function startLoad(server, label) {
  const state = {
    stop: false,
    traces: new Set(),
    observations: new Map(), // obs id → trace id
    requests: 0,
    acked207: 0,
    failures: 0,
    non207: new Map(),
  };
  const url = `${server.baseUrl}/api/public/ingestion`;
  const headers = {
    Authorization: basicAuth(server.publicKey, server.secretKey),
    'Content-Type': 'application/json',
  };
  const writer = async (n) => {
    for (let seq = 0; !state.stop; seq++) {
      const traceId = `dur-${RUN}-${label}-w${n}-${seq}`;
      const batch = makeBatch(traceId);
      const byEventId = new Map(batch.map((e) => [e.id, e]));
      state.requests++;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers,
          body: JSON.stringify({ batch }),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await res.text();
        if (res.status !== 207) {
          state.non207.set(res.status, (state.non207.get(res.status) ?? 0) + 1);
          continue;
        }
        const body = JSON.parse(text);
        state.acked207++;
        for (const s of body.successes ?? []) {
          const e = byEventId.get(s.id);
          if (!e) continue;
          if (e.type === 'trace-create') state.traces.add(e.body.id);
          else state.observations.set(e.body.id, e.body.traceId);
        }
      } catch {
        // Connection refused/reset or a truncated response: not acknowledged.
        state.failures++;
        await sleep(10);
      }
    }
  };
  state.done = Promise.all(Array.from({ length: WRITERS }, (_, n) => writer(n)));
  state.finish = async () => {
    state.stop = true;
    await state.done;
  };
  return state;
}

function summary(state) {
  return `${state.requests} requests, ${state.acked207} answered 207, ${state.failures} transport failures, ` +
    `non-207: ${JSON.stringify(Object.fromEntries(state.non207))}, ` +
    `${state.traces.size} traces and ${state.observations.size} observations acknowledged`;
}

/** Every acknowledged trace and observation is readable after restart. */
async function verifyAcked(server, state) {
  const missingTraces = [];
  const missingObservations = [];
  const wrongObservations = [];
  const obsByTrace = new Map();
  for (const [obsId, traceId] of state.observations) {
    if (!obsByTrace.has(traceId)) obsByTrace.set(traceId, []);
    obsByTrace.get(traceId).push(obsId);
  }

  await mapConcurrent([...state.traces], VERIFY_CONCURRENCY, async (traceId) => {
    const res = await server.api(`/traces/${encodeURIComponent(traceId)}`);
    if (res.status !== 200) {
      missingTraces.push(`${traceId} (HTTP ${res.status})`);
      return;
    }
    const listed = new Set((res.json.observations ?? []).map((o) => o.id));
    for (const obsId of obsByTrace.get(traceId) ?? []) {
      if (!listed.has(obsId)) wrongObservations.push(`${obsId} not listed in GET /traces/${traceId}`);
    }
  });
  await mapConcurrent([...state.observations.keys()], VERIFY_CONCURRENCY, async (obsId) => {
    const res = await server.api(`/observations/${encodeURIComponent(obsId)}`);
    if (res.status !== 200) missingObservations.push(`${obsId} (HTTP ${res.status})`);
    else if (res.json.traceId !== state.observations.get(obsId)) {
      wrongObservations.push(`${obsId} has traceId ${res.json.traceId}`);
    }
  });

  const show = (xs) => `${xs.length}${xs.length ? `, e.g. ${xs.slice(0, 10).join('; ')}` : ''}`;
  assert.deepEqual(
    { missingTraces: missingTraces.length, missingObservations: missingObservations.length, wrongObservations: wrongObservations.length },
    { missingTraces: 0, missingObservations: 0, wrongObservations: 0 },
    `acknowledged data lost after restart (${summary(state)}):\n` +
      `missing traces: ${show(missingTraces)}\nmissing observations: ${show(missingObservations)}\n` +
      `inconsistent observations: ${show(wrongObservations)}`,
  );
}

async function assertWritable(server, label) {
  const traceId = `dur-after-${label}-${RUN}`;
  const res = await server.ingest(makeBatch(traceId));
  assert.equal(res.status, 207, `write after restart: ${res.text.slice(0, 300)}`);
  assert.deepEqual(res.json.errors, []);
  const t = await server.api(`/traces/${encodeURIComponent(traceId)}`);
  assert.equal(t.status, 200, t.text);
  assert.equal(t.json.observations.length, 5);
}

describe('durability under concurrent load', () => {
  it('kill -9 mid-load loses no acknowledged write', { timeout: 300_000 }, async (t) => {
    const server = new LanterneServer();
    servers.push(server);
    await server.start();

    const load = startLoad(server, 'kill');
    await sleep(LOAD_MS);
    const exit = await server.kill9();
    await load.finish();
    t.diagnostic(summary(load));
    assert.equal(exit.signal, 'SIGKILL', `server should have been killed, exit: ${JSON.stringify(exit)}`);
    assert.ok(load.traces.size >= WRITERS, `too few acknowledged writes to be meaningful: ${summary(load)}\nstderr:\n${server.stderr}`);
    assert.deepEqual(Object.fromEntries(load.non207), {}, `unexpected non-207 answers under load: ${summary(load)}`);

    await server.start(); // same data dir, same port
    await verifyAcked(server, load);
    await assertWritable(server, 'kill');

    const exit2 = await server.stop();
    assert.equal(exit2.code, 0, `SIGTERM exit after recovery: ${JSON.stringify(exit2)}\n${server.stderr}`);
  });

  it('SIGTERM mid-load drains, exits 0 and loses no acknowledged write', { timeout: 300_000 }, async (t) => {
    const server = new LanterneServer();
    servers.push(server);
    await server.start();

    const load = startLoad(server, 'term');
    await sleep(Math.max(500, LOAD_MS - 1000));
    const exit = await server.stop();
    await load.finish();
    t.diagnostic(summary(load));
    assert.deepEqual(exit, { code: 0, signal: null }, `SIGTERM must drain and exit 0\nstderr:\n${server.stderr}`);
    assert.ok(load.traces.size >= WRITERS, `too few acknowledged writes to be meaningful: ${summary(load)}`);
    // While draining, refusing new work with 503 is acceptable; anything else is not.
    const unexpected = Object.fromEntries([...load.non207].filter(([status]) => status !== 503));
    assert.deepEqual(unexpected, {}, `unexpected non-207 answers under load: ${summary(load)}`);

    await server.start();
    await verifyAcked(server, load);
    await assertWritable(server, 'term');

    const exit2 = await server.stop();
    assert.equal(exit2.code, 0, `SIGTERM exit after restart: ${JSON.stringify(exit2)}`);
  });
});

describe('one server per data directory', () => {
  it('a second serve on a data directory in use stops at once and the first keeps serving', async () => {
    const server = new LanterneServer();
    servers.push(server);
    await server.start();
    const port = await freePort();
    const started = Date.now();
    const second = await runLanterne(
      ['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', server.dataDir],
      { env: server.env, timeoutMs: 5000 },
    );
    const tookMs = Date.now() - started;
    assert.equal(second.code, 1, `second server: ${JSON.stringify(second)}`);
    assert.match(second.stderr, /is in use by another lanterne serve \(pid \d+\)/);
    assert.ok(second.stderr.includes(server.dataDir), second.stderr);
    assert.ok(tookMs < 3000, `refused after ${tookMs} ms, not at once`);
    assert.ok(!second.stdout.includes('Lanterne ready'), second.stdout);

    await assertWritable(server, 'second');
    const exit = await server.kill9();
    assert.equal(exit.signal, 'SIGKILL');
    await server.start(); // the kernel released the lock with the process
    await assertWritable(server, 'after-kill');
  });
});
