// The metrics API (GET /api/public/metrics, /v2/metrics, /metrics/daily) over data sent
// with the real `langfuse` v3 SDK: exact sums and counts, percentiles within 1%, the
// answer from rollups and from raw rows agreeing, late updates and deletes reflected, and
// the 400s naming the bad field.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Langfuse } from 'langfuse';
import { assertJsonError, startServer } from './harness.mjs';

const HOUR = 3_600_000;
// Three days ago, at the start of an hour: the data spans hours H0..H0+2.
const H0 = Math.floor((Date.now() - 3 * 24 * HOUR) / HOUR) * HOUR;
const at = (ms) => new Date(H0 + ms);
const RUN = randomUUID().slice(0, 8);
const id = (name) => `${name}-${RUN}`;
const FROM = new Date(H0 - 2 * HOUR).toISOString();
const TO = new Date(H0 + 6 * HOUR).toISOString();

let server;
let lf;

async function metrics(query, path = '/api/public/metrics') {
  const res = await server.api(`${path}?query=${encodeURIComponent(JSON.stringify(query))}`);
  assert.equal(res.status, 200, res.text);
  return { rows: res.json.data, plan: res.headers.get('x-lanterne-metrics') };
}

const byKey = (rows, key) => Object.fromEntries(rows.map((r) => [r[key], r]));
const near = (actual, expected, what) =>
  assert.ok(Math.abs(actual - expected) <= 0.01 * Math.abs(expected) + 1e-9,
    `${what}: ${actual} is not within 1% of ${expected}`);
const close = (actual, expected, what) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);

before(async () => {
  server = await startServer();
  lf = new Langfuse({
    publicKey: server.publicKey,
    secretKey: server.secretKey,
    baseUrl: server.baseUrl,
    flushAt: 1000,
    flushInterval: 0,
    fetchRetryCount: 0,
  });
  const a = lf.trace({ id: id('a'), name: 'chat', userId: 'u1', tags: ['x'], release: 'r1', timestamp: at(0) });
  a.generation({
    id: id('g1'), name: 'llm', model: 'gpt-4o', startTime: at(1000), completionStartTime: at(1500),
    endTime: at(3000), usageDetails: { input: 100, output: 50, total: 150 },
    costDetails: { input: 0.001, output: 0.002, total: 0.003 },
  });
  a.generation({
    id: id('g2'), name: 'llm', model: 'claude-3', startTime: at(2000), endTime: at(2500),
    level: 'ERROR', usageDetails: { input: 10, output: 5, total: 15 },
    costDetails: { input: 0.0001, output: 0.0002, total: 0.0003 },
  });
  const b = lf.trace({ id: id('b'), name: 'chat', userId: 'u2', timestamp: at(HOUR + 60_000) });
  // Created first without usage; the usage arrives in a later batch (a late update).
  b.generation({ id: id('g3'), name: 'llm', model: 'gpt-4o', startTime: at(HOUR + 60_000) });
  const c = lf.trace({ id: id('c'), name: 'rag', userId: 'u1', tags: ['y'], timestamp: at(2 * HOUR) });
  c.span({ id: id('s1'), name: 'retrieve', startTime: at(2 * HOUR), endTime: at(2 * HOUR + 4000) });
  lf.score({ id: id('q1'), traceId: id('a'), name: 'quality', value: 0.9, dataType: 'NUMERIC' });
  lf.score({ id: id('q2'), traceId: id('b'), name: 'quality', value: 0.5, dataType: 'NUMERIC' });
  lf.score({ id: id('l1'), traceId: id('a'), name: 'label', value: 'good', dataType: 'CATEGORICAL' });
  lf.score({ id: id('l2'), traceId: id('c'), name: 'label', value: 'bad', dataType: 'CATEGORICAL' });
  await lf.flushAsync();
  lf.generation({
    id: id('g3'), traceId: id('b'), endTime: at(HOUR + 64_000),
    usageDetails: { input: 200, output: 100, total: 300 },
    costDetails: { input: 0.002, output: 0.004, total: 0.006 },
  });
  await lf.flushAsync();
});

after(async () => {
  await lf?.shutdownAsync();
  await server?.stop();
});

describe('metrics query API', () => {
  it('observations by model: exact counts, tokens and cost, from the rollups', async () => {
    const { rows, plan } = await metrics({
      view: 'observations',
      dimensions: [{ field: 'providedModelName' }],
      metrics: [
        { measure: 'count', aggregation: 'count' },
        { measure: 'inputTokens', aggregation: 'sum' },
        { measure: 'outputTokens', aggregation: 'sum' },
        { measure: 'totalTokens', aggregation: 'sum' },
        { measure: 'totalCost', aggregation: 'sum' },
        { measure: 'inputCost', aggregation: 'sum' },
      ],
      filters: [],
      fromTimestamp: FROM,
      toTimestamp: TO,
    });
    assert.match(plan, /^rollups;/);
    const m = byKey(rows, 'providedModelName');
    assert.deepEqual(Object.keys(m).sort(), ['claude-3', 'gpt-4o', 'null']);
    assert.equal(m['gpt-4o'].count_count, 2);
    assert.equal(m['gpt-4o'].sum_inputTokens, 300);
    assert.equal(m['gpt-4o'].sum_outputTokens, 150);
    assert.equal(m['gpt-4o'].sum_totalTokens, 450);
    close(m['gpt-4o'].sum_totalCost, 0.009, 'gpt-4o cost');
    close(m['gpt-4o'].sum_inputCost, 0.003, 'gpt-4o input cost');
    assert.equal(m['claude-3'].count_count, 1);
    assert.equal(m['claude-3'].sum_totalTokens, 15);
    assert.equal(m.null.count_count, 1);
    // Default order: the first metric, descending.
    assert.equal(rows[0].providedModelName, 'gpt-4o');
  });

  it('the same answer from raw rows (a filter rollups do not keep) and unaligned ranges', async () => {
    const query = {
      view: 'observations',
      dimensions: [{ field: 'providedModelName' }],
      metrics: [{ measure: 'totalTokens', aggregation: 'sum' }, { measure: 'latency', aggregation: 'p50' }],
      filters: [{ column: 'userId', operator: 'none of', value: ['nobody'], type: 'stringOptions' }],
      fromTimestamp: FROM,
      toTimestamp: TO,
    };
    const raw = await metrics(query);
    assert.match(raw.plan, /^raw;/);
    const fromRollups = await metrics({ ...query, filters: [] });
    assert.deepEqual(raw.rows, fromRollups.rows);
    const unaligned = await metrics({
      ...query, filters: [],
      fromTimestamp: new Date(H0 + 500).toISOString(), toTimestamp: new Date(H0 + 3 * HOUR - 1).toISOString(),
    });
    assert.deepEqual(unaligned.rows, fromRollups.rows);
    assert.match(unaligned.plan, /raw-rows=[1-9]/);
  });

  it('latency and time to first token percentiles in milliseconds', async () => {
    const { rows } = await metrics({
      view: 'observations',
      dimensions: [{ field: 'name' }],
      metrics: [
        { measure: 'latency', aggregation: 'max' },
        { measure: 'latency', aggregation: 'avg' },
        { measure: 'timeToFirstToken', aggregation: 'p95' },
      ],
      filters: [{ column: 'type', operator: '=', value: 'GENERATION', type: 'string' }],
      fromTimestamp: FROM,
      toTimestamp: TO,
    });
    assert.equal(rows.length, 1);
    near(rows[0].max_latency, 4000, 'max latency');
    close(rows[0].avg_latency, (2000 + 500 + 4000) / 3, 'avg latency');
    near(rows[0].p95_timeToFirstToken, 500, 'ttft');
  });

  it('errors by level and an hourly series with empty hours filled', async () => {
    const { rows } = await metrics({
      view: 'observations',
      dimensions: [],
      metrics: [{ measure: 'count', aggregation: 'count' }],
      filters: [{ column: 'level', operator: 'any of', value: ['ERROR'], type: 'stringOptions' }],
      timeDimension: { granularity: 'hour' },
      fromTimestamp: new Date(H0).toISOString(),
      toTimestamp: new Date(H0 + 3 * HOUR - 1).toISOString(),
    });
    assert.deepEqual(rows.map((r) => [r.time_dimension, r.count_count]), [
      [new Date(H0).toISOString(), 1],
      [new Date(H0 + HOUR).toISOString(), 0],
      [new Date(H0 + 2 * HOUR).toISOString(), 0],
    ]);
  });

  it('traces: counts, cost and latency per name; tags and user filters', async () => {
    const { rows } = await metrics({
      view: 'traces',
      dimensions: [{ field: 'name' }],
      metrics: [
        { measure: 'count', aggregation: 'count' },
        { measure: 'totalCost', aggregation: 'sum' },
        { measure: 'totalTokens', aggregation: 'sum' },
        { measure: 'latency', aggregation: 'p50' },
      ],
      filters: [],
      fromTimestamp: FROM,
      toTimestamp: TO,
    });
    const t = byKey(rows, 'name');
    assert.equal(t.chat.count_count, 2);
    close(t.chat.sum_totalCost, 0.0093, 'chat cost');
    assert.equal(t.chat.sum_totalTokens, 465);
    near(t.chat.p50_latency, 3000, 'chat p50 latency');  // a: 2000 ms, b: 4000 ms, interpolated
    assert.equal(t.rag.count_count, 1);
    const tagged = await metrics({
      view: 'traces', dimensions: [], metrics: [{ measure: 'count', aggregation: 'count' }],
      filters: [{ column: 'tags', operator: 'any of', value: ['x', 'y'], type: 'arrayOptions' }],
      fromTimestamp: FROM, toTimestamp: TO,
    });
    assert.equal(tagged.rows[0].count_count, 2);
    const users = await metrics({
      view: 'traces', dimensions: [{ field: 'userId' }],
      metrics: [{ measure: 'totalCost', aggregation: 'sum' }, { measure: 'count', aggregation: 'count' }],
      filters: [], fromTimestamp: FROM, toTimestamp: TO,
    });
    assert.match(users.plan, /^rollups;/);
    assert.deepEqual(users.rows.map((r) => r.userId), ['u2', 'u1']);  // top users by cost
    close(byKey(users.rows, 'userId').u1.sum_totalCost, 0.0033, 'u1 cost');
  });

  it('scores: numeric averages and categorical counts', async () => {
    const numeric = await metrics({
      view: 'scores-numeric', dimensions: [{ field: 'name' }],
      metrics: [{ measure: 'value', aggregation: 'avg' }, { measure: 'count', aggregation: 'count' }],
      filters: [], fromTimestamp: new Date(Date.now() - HOUR).toISOString(),
      toTimestamp: new Date(Date.now() + HOUR).toISOString(),
    });
    assert.equal(numeric.rows.length, 1);
    close(numeric.rows[0].avg_value, 0.7, 'avg quality');
    assert.equal(numeric.rows[0].count_count, 2);
    const categorical = await metrics({
      view: 'scores-categorical', dimensions: [{ field: 'stringValue' }],
      metrics: [{ measure: 'count', aggregation: 'count' }],
      filters: [], fromTimestamp: new Date(Date.now() - HOUR).toISOString(),
      toTimestamp: new Date(Date.now() + HOUR).toISOString(),
    });
    assert.deepEqual(categorical.rows.map((r) => [r.stringValue, r.count_count]).sort(), [['bad', 1], ['good', 1]]);
    // Distributions: equal-width bins between the smallest and largest value (each within
    // 1%, from the sketches), as [lower, upper, count].
    const histogram = await metrics({
      view: 'scores-numeric', dimensions: [{ field: 'name' }],
      metrics: [{ measure: 'value', aggregation: 'histogram' }],
      filters: [], fromTimestamp: new Date(Date.now() - HOUR).toISOString(),
      toTimestamp: new Date(Date.now() + HOUR).toISOString(), config: { bins: 4 },
    });
    const bins = histogram.rows[0].histogram_value;
    assert.equal(bins.length, 4);
    assert.deepEqual(bins.map((b) => b[2]), [1, 0, 0, 1]);
    near(bins[0][0], 0.5, 'lowest bound');
    near(bins[3][1], 0.9, 'highest bound');
    bins.slice(1).forEach((b, i) => close(b[0], bins[i][1], 'bins are contiguous'));
  });

  it('v2 route answers the same; the traces view is v1 only', async () => {
    const query = {
      view: 'observations', dimensions: [], metrics: [{ measure: 'count', aggregation: 'count' }],
      filters: [], fromTimestamp: FROM, toTimestamp: TO,
    };
    const v2 = await metrics(query, '/api/public/v2/metrics');
    assert.deepEqual(v2.rows, [{ count_count: 4 }]);
    const res = await server.api(`/api/public/v2/metrics?query=${encodeURIComponent(JSON.stringify({ ...query, view: 'traces' }))}`);
    assert.match(assertJsonError(res, 400).message, /view/);
  });

  it('400 names the bad field', async () => {
    const good = {
      view: 'observations', dimensions: [], metrics: [{ measure: 'count', aggregation: 'count' }],
      filters: [], fromTimestamp: FROM, toTimestamp: TO,
    };
    const cases = [
      [{ ...good, fromTimestamp: undefined }, /fromTimestamp/],
      [{ ...good, toTimestamp: FROM }, /fromTimestamp must be before toTimestamp/],
      [{ ...good, view: 'sessions' }, /view/],
      [{ ...good, dimensions: [{ field: 'nope' }] }, /dimension 'nope'/],
      [{ ...good, metrics: [{ measure: 'cost', aggregation: 'sum' }] }, /measure 'cost'/],
      [{ ...good, metrics: [{ measure: 'count', aggregation: 'median' }] }, /aggregation 'median'/],
      [{ ...good, filters: [{ column: 'tags', operator: '=', value: 'x', type: 'string' }] }, /arrayOptions/],
      [{ ...good, filters: [{ column: 'nope', operator: '=', value: 'x', type: 'string' }] }, /filter column 'nope'/],
      [{ ...good, timeDimension: { granularity: 'year' } }, /granularity/],
      [{ ...good, config: { row_limit: 5000 } }, /row_limit/],
      [{ ...good, orderBy: [{ field: 'sum_nothing', direction: 'desc' }] }, /orderBy/],
    ];
    for (const [query, pattern] of cases) {
      const res = await server.api(`/api/public/metrics?query=${encodeURIComponent(JSON.stringify(query))}`);
      assert.match(assertJsonError(res, 400, JSON.stringify(query)).message, pattern);
    }
    const noQuery = await server.api('/api/public/metrics');
    assertJsonError(noQuery, 400);
    const badJson = await server.api('/api/public/metrics?query=%7Bnot-json');
    assertJsonError(badJson, 400);
  });

  it('daily metrics as Langfuse returns them', async () => {
    const res = await server.api(`/api/public/metrics/daily?fromTimestamp=${encodeURIComponent(FROM)}&toTimestamp=${encodeURIComponent(TO)}`);
    assert.equal(res.status, 200, res.text);
    const day = new Date(H0).toISOString().slice(0, 10);
    const rows = res.json.data;
    const counted = rows.reduce((n, r) => n + r.countTraces, 0);
    assert.equal(counted, 3);
    assert.equal(rows.reduce((n, r) => n + r.countObservations, 0), 4);
    const first = rows.find((r) => r.date === day);
    assert.ok(first, `no row for ${day}`);
    for (const r of rows) {
      assert.deepEqual(Object.keys(r).sort(), ['countObservations', 'countTraces', 'date', 'totalCost', 'usage']);
      for (const u of r.usage) {
        assert.deepEqual(Object.keys(u).sort(), ['countObservations', 'countTraces', 'inputUsage', 'model', 'outputUsage', 'totalCost', 'totalUsage']);
      }
    }
    const gpt = rows.flatMap((r) => r.usage).filter((u) => u.model === 'gpt-4o');
    assert.equal(gpt.reduce((n, u) => n + u.countObservations, 0), 2);
    assert.equal(gpt.reduce((n, u) => n + u.countTraces, 0), 2);
    assert.equal(gpt.reduce((n, u) => n + u.inputUsage, 0), 300);
    assert.deepEqual(Object.keys(res.json.meta).sort(), ['limit', 'page', 'totalItems', 'totalPages']);
    assert.equal(res.json.meta.totalItems, rows.length);
  });

  it('ranges of whole hours over several days agree with raw rows, and follow late writes', async () => {
    // Whole hours from an hour before the data to two days later: the partial days at the
    // edges come from hour rows or from day rows minus the hours outside, whichever is less.
    const range = { fromTimestamp: new Date(H0 - HOUR).toISOString(), toTimestamp: new Date(H0 + 47 * HOUR - 1).toISOString() };
    const query = {
      view: 'observations', dimensions: [{ field: 'providedModelName' }],
      metrics: [{ measure: 'count', aggregation: 'count' }, { measure: 'totalCost', aggregation: 'sum' }, { measure: 'latency', aggregation: 'p50' }],
      ...range,
    };
    const rollups = await metrics({ ...query, filters: [] });
    assert.equal(rollups.plan.split(';')[0], 'rollups');
    assert.match(rollups.plan, /raw-rows=0/);
    const raw = await metrics({ ...query, filters: [{ column: 'userId', operator: 'none of', value: ['nobody'], type: 'stringOptions' }] });
    assert.match(raw.plan, /^raw;/);
    assert.deepEqual(rollups.rows, raw.rows);

    // Top users by cost over that range, asked twice (the second answer comes from the
    // merged read kept in memory); then a late generation for a past hour changes it.
    const users = { view: 'traces', dimensions: [{ field: 'userId' }], metrics: [{ measure: 'totalCost', aggregation: 'sum' }], filters: [], ...range };
    const first = await metrics(users);
    assert.deepEqual(await metrics(users), first);
    const before = byKey(first.rows, 'userId').u1.sum_totalCost;
    // On trace a, which the next test deletes with its observations.
    lf.generation({
      id: id('late'), traceId: id('a'), name: 'llm', model: 'gpt-4o', startTime: at(HOUR + 70_000), endTime: at(HOUR + 71_000),
      usageDetails: { input: 1, output: 1, total: 2 }, costDetails: { input: 0.5, output: 0.5, total: 1 },
    });
    await lf.flushAsync();
    const after = byKey((await metrics(users)).rows, 'userId').u1.sum_totalCost;
    close(after, before + 1, 'u1 cost after a late generation');
  });

  it('a deleted trace leaves the metrics with its observations and scores', async () => {
    const del = await server.api(`/api/public/traces/${id('a')}`, { method: 'DELETE' });
    assert.equal(del.status, 200, del.text);
    const { rows } = await metrics({
      view: 'observations', dimensions: [{ field: 'providedModelName' }],
      metrics: [{ measure: 'count', aggregation: 'count' }, { measure: 'totalTokens', aggregation: 'sum' }],
      filters: [], fromTimestamp: FROM, toTimestamp: TO,
    });
    const m = byKey(rows, 'providedModelName');
    assert.equal(m['gpt-4o'].count_count, 1);
    assert.equal(m['gpt-4o'].sum_totalTokens, 300);
    assert.equal(m['claude-3'], undefined);
    const traces = await metrics({
      view: 'traces', dimensions: [], metrics: [{ measure: 'count', aggregation: 'count' }, { measure: 'totalCost', aggregation: 'sum' }],
      filters: [], fromTimestamp: FROM, toTimestamp: TO,
    });
    assert.equal(traces.rows[0].count_count, 2);
    close(traces.rows[0].sum_totalCost, 0.006, 'cost after delete');
    const scores = await metrics({
      view: 'scores-numeric', dimensions: [], metrics: [{ measure: 'count', aggregation: 'count' }],
      filters: [], fromTimestamp: new Date(Date.now() - HOUR).toISOString(),
      toTimestamp: new Date(Date.now() + HOUR).toISOString(),
    });
    assert.equal(scores.rows[0].count_count, 1);
  });
});
