// Usage and cost at ingestion, end to end: generations sent by the real `langfuse` v3 SDK
// and as OTLP spans come back priced from the built-in list (share/models.json) or the
// project's own model definitions, tokenized when they carry no usage, and with the
// client's own costs kept as sent.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Langfuse } from 'langfuse';
import { hexId, otlpExport, otlpSpan, startServer } from './harness.mjs';

let server;
let lf;

before(async () => {
  server = await startServer();
  lf = new Langfuse({
    publicKey: server.publicKey,
    secretKey: server.secretKey,
    baseUrl: server.baseUrl,
    flushAt: 100,
    flushInterval: 100000,
  });
});

after(async () => {
  await lf?.shutdownAsync();
  if (server) {
    const exit = await server.stop();
    await server.dispose();
    assert.equal(exit?.code, 0, `server exit after SIGTERM: ${JSON.stringify(exit)}\n${server.stderr}`);
  }
});

async function observation(id) {
  const res = await server.api(`/observations/${id}`);
  assert.equal(res.status, 200, res.text);
  return res.json;
}

// Costs are exact decimal products rounded once; compare to a cent-fraction (1e-12 USD).
function assertCost(actual, expected, what) {
  assert.equal(typeof actual, 'number', `${what}: ${JSON.stringify(actual)}`);
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} != ${expected}`);
}

describe('cost of SDK generations from the built-in price list', () => {
  const ids = {};

  before(async () => {
    const trace = lf.trace({ name: `cost-${randomUUID().slice(0, 8)}` });
    ids.trace = trace.id;
    ids.priced = trace.generation({ name: 'priced', model: 'gpt-4o', usage: { input: 1000, output: 500 } }).id;
    ids.cached = trace.generation({
      name: 'cached',
      model: 'gpt-4o',
      usageDetails: { input: 1000, input_cached_tokens: 400, output: 200 },
    }).id;
    ids.provided = trace.generation({
      name: 'provided',
      model: 'gpt-4o',
      usageDetails: { input: 1000, output: 500 },
      costDetails: { input: 1, output: 2 },
    }).id;
    ids.tokenized = trace.generation({
      name: 'tokenized',
      model: 'gpt-4o',
      input: [{ role: 'user', content: 'Hello, how are you today?' }],
      output: 'I am fine, thank you!',
    }).id;
    // Created without usage, then updated with it: priced from the update's usage.
    const later = trace.generation({ name: 'later', model: 'gpt-4o-mini', input: 'ping' });
    ids.later = later.id;
    later.end({ output: 'pong', usage: { input: 2000, output: 1000 } });
    ids.unknown = trace.generation({ name: 'unknown', model: 'my-inhouse-llm', usage: { input: 5, output: 5 } }).id;
    await lf.flushAsync();
  });

  it('gpt-4o with usage: per-type and total cost, model id and unit prices', async () => {
    const o = await observation(ids.priced);
    assert.deepEqual(o.usageDetails, { input: 1000, output: 500, total: 1500 });
    assertCost(o.calculatedInputCost, 0.0025, 'calculatedInputCost');
    assertCost(o.calculatedOutputCost, 0.005, 'calculatedOutputCost');
    assertCost(o.calculatedTotalCost, 0.0075, 'calculatedTotalCost');
    assertCost(o.costDetails.total, 0.0075, 'costDetails.total');
    assert.equal(o.modelId, 'builtin-gpt-4o');
    assert.equal(o.inputPrice, 2.5e-6);
    assert.equal(o.outputPrice, 1e-5);
  });

  it('cached input tokens are priced at their own rate', async () => {
    const o = await observation(ids.cached);
    assertCost(o.costDetails.input, 1000 * 2.5e-6, 'input');
    assertCost(o.costDetails.input_cached_tokens, 400 * 1.25e-6, 'input_cached_tokens');
    assertCost(o.costDetails.output, 200 * 1e-5, 'output');
    assertCost(o.calculatedTotalCost, 1000 * 2.5e-6 + 400 * 1.25e-6 + 200 * 1e-5, 'total');
  });

  it('costs the client sent are kept as they are', async () => {
    const o = await observation(ids.provided);
    assert.deepEqual(o.costDetails, { input: 1, output: 2, total: 3 });
    assert.equal(o.calculatedTotalCost, 3);
  });

  it('no usage: input and output are tokenized with the model encoding (o200k_base)', async () => {
    const o = await observation(ids.tokenized);
    // 3 per message + "user" (1) + 7 content tokens + 3 reply priming = 14; output 7.
    assert.deepEqual(o.usageDetails, { input: 14, output: 7, total: 21 });
    assertCost(o.calculatedTotalCost, 14 * 2.5e-6 + 7 * 1e-5, 'total');
  });

  it('usage sent by a later update reprices the generation', async () => {
    const o = await observation(ids.later);
    assert.deepEqual(o.usageDetails, { input: 2000, output: 1000, total: 3000 });
    assertCost(o.calculatedTotalCost, 2000 * 1.5e-7 + 1000 * 6e-7, 'gpt-4o-mini total');
    assert.equal(o.modelId, 'builtin-gpt-4o-mini');
  });

  it('an unknown model keeps its usage and gets no cost', async () => {
    const o = await observation(ids.unknown);
    assert.deepEqual(o.usageDetails, { input: 5, output: 5, total: 10 });
    assert.deepEqual(o.costDetails, {});
    assert.equal(o.calculatedTotalCost, null);
    assert.equal(o.modelId, null);
  });

  it('the trace sums its observations', async () => {
    const res = await server.api(`/traces/${ids.trace}`);
    assert.equal(res.status, 200);
    const sum = res.json.observations.reduce((s, o) => s + (o.calculatedTotalCost ?? 0), 0);
    assertCost(res.json.totalCost, sum, 'trace totalCost');
    assert.ok(sum > 3, 'includes the provided 3.0');
  });
});

describe('project model definitions override the built-in list', () => {
  it('a project definition for gpt-4o prices new generations with its own prices', async () => {
    const created = await server.api('/models', {
      method: 'POST',
      body: { modelName: 'gpt-4o-contract', matchPattern: '(?i)^gpt-4o$', unit: 'TOKENS', inputPrice: 1e-6, outputPrice: 2e-6 },
    });
    assert.equal(created.status, 200, created.text);
    const trace = lf.trace({ name: 'contract' });
    const g = trace.generation({ model: 'gpt-4o', usage: { input: 100, output: 100 } });
    await lf.flushAsync();
    const o = await observation(g.id);
    assert.equal(o.modelId, created.json.id);
    assertCost(o.calculatedTotalCost, 100 * 1e-6 + 100 * 2e-6, 'contract price');
    const gone = await server.api(`/models/${created.json.id}`, { method: 'DELETE' });
    assert.equal(gone.status, 200, gone.text);
  });
});

describe('cost of OTLP generations', () => {
  it('a gen_ai span with a model and token usage is priced', async () => {
    const traceId = hexId(16);
    const spanId = hexId(8);
    const now = Date.now();
    const body = otlpExport({
      spans: [
        otlpSpan({
          traceId,
          spanId,
          name: 'chat claude',
          start: now - 1000,
          end: now,
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.request.model': 'claude-3-5-sonnet-20241022',
            'gen_ai.usage.input_tokens': 2000,
            'gen_ai.usage.output_tokens': 100,
          },
        }),
      ],
    });
    const res = await server.api('/api/public/otel/v1/traces', { method: 'POST', body });
    assert.equal(res.status, 200, res.text);
    const o = await observation(spanId);
    assert.equal(o.type, 'GENERATION');
    assert.equal(o.modelId, 'builtin-claude-3-5-sonnet');
    assertCost(o.calculatedTotalCost, 2000 * 3e-6 + 100 * 1.5e-5, 'claude total');
  });
});
