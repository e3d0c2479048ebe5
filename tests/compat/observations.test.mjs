// The web UI's observations table, through the server: generations sent by the real
// `langfuse` v3 SDK, filtered by model, latency and cost and sorted by latency or cost
// (query parameters the public list also accepts), and API keys' last use as the UI shows it.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Langfuse } from 'langfuse';
import { assertJsonError, qs, startServer } from './harness.mjs';

let server;
let lf;
const ids = {};

before(async () => {
  server = await startServer();
  lf = new Langfuse({
    publicKey: server.publicKey,
    secretKey: server.secretKey,
    baseUrl: server.baseUrl,
    flushAt: 100,
    flushInterval: 100000,
  });
  const t0 = Date.now() - 60_000;
  const at = (ms) => new Date(t0 + ms);
  const trace = lf.trace({ name: `obs-table-${randomUUID().slice(0, 8)}` });
  ids.trace = trace.id;
  // latency 0.5 s, cost 0.002; latency 2 s, cost 0.03; latency 4 s, no cost; and a span.
  ids.fast = trace.generation({
    name: 'fast', model: 'gpt-4o-mini', startTime: at(0), endTime: at(500),
    usageDetails: { input: 10, output: 5 }, costDetails: { input: 0.001, output: 0.001 },
  }).id;
  ids.slow = trace.generation({
    name: 'slow', model: 'gpt-4o', startTime: at(1000), endTime: at(3000),
    usageDetails: { input: 100, output: 50 }, costDetails: { input: 0.01, output: 0.02 },
  }).id;
  ids.slowest = trace.generation({
    name: 'slowest', model: 'my-local-model', startTime: at(2000), endTime: at(6000),
  }).id;
  ids.open = trace.generation({ name: 'unfinished', model: 'gpt-4o', startTime: at(3000) }).id;
  ids.span = trace.span({ name: 'retrieve', startTime: at(100), endTime: at(9000) }).id;
  await lf.flushAsync();
});

after(async () => {
  await lf?.shutdownAsync();
  if (server) {
    const exit = await server.stop();
    await server.dispose();
    assert.equal(exit?.code, 0, `server exit after SIGTERM: ${JSON.stringify(exit)}\n${server.stderr}`);
  }
});

async function list(params) {
  const res = await server.api(`/observations${qs({ type: 'GENERATION', ...params })}`);
  assert.equal(res.status, 200, res.text);
  return res.json;
}
const idsOf = (page) => page.data.map((o) => o.id);

describe('observations table filters', () => {
  it('filters by model, any of several', async () => {
    assert.deepEqual(new Set(idsOf(await list({ model: 'gpt-4o' }))), new Set([ids.slow, ids.open]));
    const two = await server.api(`/observations?type=GENERATION&model=gpt-4o-mini&model=my-local-model`);
    assert.equal(two.status, 200, two.text);
    assert.deepEqual(new Set(idsOf(two.json)), new Set([ids.fast, ids.slowest]));
  });

  it('filters by latency bounds in seconds; unfinished observations never match', async () => {
    assert.deepEqual(new Set(idsOf(await list({ minLatency: 1.5 }))), new Set([ids.slow, ids.slowest]));
    assert.deepEqual(idsOf(await list({ minLatency: 1, maxLatency: 2 })), [ids.slow]);
    assert.deepEqual(idsOf(await list({ maxLatency: 0.5 })), [ids.fast]);
  });

  it('filters by total cost in USD', async () => {
    assert.deepEqual(idsOf(await list({ minCost: 0.01 })), [ids.slow]);
    assert.deepEqual(idsOf(await list({ maxCost: 0.01 })), [ids.fast]);
  });

  it('sorts by latency and by cost, unknown values last either way', async () => {
    assert.deepEqual(idsOf(await list({ orderBy: 'latency.desc' })), [ids.slowest, ids.slow, ids.fast, ids.open]);
    assert.deepEqual(idsOf(await list({ orderBy: 'latency.asc' })), [ids.fast, ids.slow, ids.slowest, ids.open]);
    const byCost = idsOf(await list({ orderBy: 'totalCost.desc' }));
    assert.deepEqual(byCost.slice(0, 2), [ids.slow, ids.fast]);
    assert.deepEqual(new Set(byCost.slice(2)), new Set([ids.slowest, ids.open]));
  });

  it('counts exactly what it filters', async () => {
    const page = await list({ minLatency: 0.1, limit: 1 });
    assert.equal(page.meta.totalItems, 3);
    assert.equal(page.meta.totalPages, 3);
    assert.equal(page.data.length, 1);
  });

  it('answers 400 naming the parameter for bad values', async () => {
    assertJsonError(await server.api('/observations?minLatency=fast'), 400, 'minLatency');
    assert.match((await server.api('/observations?minLatency=fast')).json.message, /minLatency/);
    assert.match((await server.api('/observations?maxCost=-1')).json.message, /maxCost/);
    assert.match((await server.api('/observations?orderBy=name.asc')).json.message, /orderBy/);
    assert.match((await server.api('/observations?orderBy=latency.sideways')).json.message, /orderBy/);
  });
});

describe('API key last use in the UI', () => {
  it('is the time of the last authenticated request, without waiting for a flush', async () => {
    const login = await server.api('/api/ui/auth/login', {
      method: 'POST',
      auth: false,
      body: { email: 'compat@example.com', password: 'compat-password-123' },
    });
    assert.equal(login.status, 200, login.text);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const before = Date.now();
    assert.equal((await server.api('/projects')).status, 200);
    const keys = await server.api(`/api/ui/projects/${server.projectId}/api-keys`, { auth: false, headers: { Cookie: cookie } });
    assert.equal(keys.status, 200, keys.text);
    const key = keys.json.data.find((k) => k.publicKey === server.publicKey);
    assert.ok(key, keys.text);
    assert.equal(typeof key.lastUsedAt, 'string', keys.text);
    assert.ok(Date.parse(key.lastUsedAt) >= before - 5, `${key.lastUsedAt} is before ${new Date(before).toISOString()}`);
  });
});
