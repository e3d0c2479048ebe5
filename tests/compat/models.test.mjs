// /api/public/models over raw HTTP: the built-in price list, project definitions (create,
// get, list across both, delete), Langfuse's validation and error answers, project
// isolation, and the price list read from $LANTERNE_SHARE_DIR.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ISO_MS_RE, assertJsonError, startServer } from './harness.mjs';

const MODEL_KEYS = [
  'createdAt', 'id', 'inputPrice', 'isLangfuseManaged', 'matchPattern', 'modelName', 'outputPrice',
  'prices', 'pricingTiers', 'startDate', 'tokenizerConfig', 'tokenizerId', 'totalPrice', 'unit',
].sort();

let server;
let other; // a second project's keys

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

function assertModelShape(m) {
  assert.deepEqual(Object.keys(m).sort(), MODEL_KEYS, JSON.stringify(m));
  assert.match(m.createdAt, ISO_MS_RE);
  assert.equal(typeof m.isLangfuseManaged, 'boolean');
  assert.ok(Array.isArray(m.pricingTiers) && m.pricingTiers.length >= 1);
  const def = m.pricingTiers.filter((t) => t.isDefault);
  assert.equal(def.length, 1, 'exactly one default tier');
  for (const [type, { price }] of Object.entries(m.prices)) assert.equal(def[0].prices[type], price);
}

async function listAll(auth) {
  const all = [];
  for (let page = 1; ; page++) {
    const res = await server.api(`/models?page=${page}&limit=100`, { auth });
    assert.equal(res.status, 200, res.text);
    all.push(...res.json.data);
    if (page >= res.json.meta.totalPages) {
      assert.equal(all.length, res.json.meta.totalItems);
      return all;
    }
  }
}

async function create(body, auth) {
  const res = await server.api('/models', { method: 'POST', body, auth });
  assert.equal(res.status, 200, res.text);
  assertModelShape(res.json);
  return res.json;
}

describe('built-in models', () => {
  it('are listed as Langfuse-managed, gpt-4o with its cached-token price', async () => {
    const all = await listAll();
    assert.ok(all.length > 50, `only ${all.length} models`);
    for (const m of all) assertModelShape(m);
    assert.ok(all.every((m) => m.isLangfuseManaged));
    const gpt4o = all.find((m) => m.id === 'builtin-gpt-4o');
    assert.ok(gpt4o, 'builtin-gpt-4o listed');
    assert.equal(gpt4o.modelName, 'gpt-4o');
    assert.equal(gpt4o.inputPrice, 2.5e-6);
    assert.equal(gpt4o.outputPrice, 1e-5);
    assert.equal(gpt4o.totalPrice, null);
    assert.equal(gpt4o.prices.input_cached_tokens.price, 1.25e-6);
    assert.equal(gpt4o.tokenizerId, 'openai');
    assert.equal(gpt4o.tokenizerConfig.tokenizerModel, 'gpt-4o');
    assert.equal(gpt4o.unit, 'TOKENS');
  });

  it('GET /models/{id} returns one; built-in ones cannot be deleted (404, as Langfuse)', async () => {
    const res = await server.api('/models/builtin-gpt-4o');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.id, 'builtin-gpt-4o');
    const del = await server.api('/models/builtin-gpt-4o', { method: 'DELETE' });
    assertJsonError(del, 404);
    assert.match(del.json.message, /cannot delete built-in models/);
    assert.equal((await server.api('/models/builtin-gpt-4o')).status, 200);
  });

  it('unknown ids are a JSON 404', async () => {
    const res = await server.api('/models/no-such-model');
    assertJsonError(res, 404);
    assert.equal(res.json.message, 'No model with this id found.');
  });
});

describe('project models', () => {
  it('create with flat prices, read back, list first, delete', async () => {
    const created = await create({
      modelName: 'my-gpt-4o',
      matchPattern: '(?i)^(openai/)?(gpt-4o)$',
      unit: 'TOKENS',
      inputPrice: 0.000002,
      outputPrice: 0.000008,
      startDate: '2025-06-01T00:00:00.000Z',
      tokenizerId: 'openai',
      tokenizerConfig: { tokenizerModel: 'gpt-4o' },
    });
    assert.equal(created.isLangfuseManaged, false);
    assert.equal(created.startDate, '2025-06-01T00:00:00.000Z');
    assert.equal(created.inputPrice, 0.000002);
    assert.equal(created.pricingTiers[0].name, 'Standard');
    assert.deepEqual(created.pricingTiers[0].conditions, []);
    assert.deepEqual(created.tokenizerConfig, { tokenizerModel: 'gpt-4o' });

    const got = await server.api(`/models/${created.id}`);
    assert.equal(got.status, 200, got.text);
    assert.deepEqual(got.json, created);

    const first = await server.api('/models?limit=1');
    assert.equal(first.json.data[0].id, created.id, 'project models come first');
    assert.equal(first.json.meta.limit, 1);
    assert.equal(first.json.meta.totalPages, first.json.meta.totalItems);

    // Another project neither sees nor deletes it.
    const otherGet = await server.api(`/models/${created.id}`, { auth: other });
    assertJsonError(otherGet, 404);
    assertJsonError(await server.api(`/models/${created.id}`, { method: 'DELETE', auth: other }), 404);
    assert.ok((await listAll(other)).every((m) => m.isLangfuseManaged));

    const del = await server.api(`/models/${created.id}`, { method: 'DELETE' });
    assert.equal(del.status, 200, del.text);
    assert.deepEqual(del.json, { message: 'Model successfully deleted' });
    assertJsonError(await server.api(`/models/${created.id}`), 404);
  });

  it('create with pricing tiers', async () => {
    const created = await create({
      modelName: 'tiered',
      matchPattern: '^tiered$',
      unit: 'TOKENS',
      pricingTiers: [
        { name: 'Standard', isDefault: true, priority: 0, conditions: [], prices: { input: 1e-6, output: 2e-6 } },
        {
          name: 'Large Context',
          isDefault: false,
          priority: 1,
          conditions: [{ usageDetailPattern: 'input', operator: 'gt', value: 200000, caseSensitive: false }],
          prices: { input: 2e-6, output: 4e-6 },
        },
        {
          name: 'Priority',
          isDefault: false,
          priority: 2,
          conditions: [{ source: 'model_parameters', key: 'service_tier', operator: 'in', values: ['priority'] }],
          prices: { input: 3e-6, output: 6e-6 },
        },
      ],
    });
    assert.equal(created.pricingTiers.length, 3);
    assert.deepEqual(created.pricingTiers[1].conditions, [
      { usageDetailPattern: 'input', operator: 'gt', value: 200000, caseSensitive: false },
    ]);
    assert.deepEqual(created.pricingTiers[2].conditions, [
      { source: 'model_parameters', key: 'service_tier', operator: 'in', values: ['priority'] },
    ]);
    assert.equal(created.inputPrice, 1e-6, 'flat prices come from the default tier');
    assert.equal(created.prices.output.price, 2e-6);
    assert.ok(created.pricingTiers.every((t) => typeof t.id === 'string' && t.id.length > 0));
  });

  it('validation errors are 400 naming the field', async () => {
    const cases = [
      [{ matchPattern: 'x', unit: 'TOKENS', totalPrice: 1 }, /^modelName/],
      [{ modelName: 'm', matchPattern: '(?i)^(gpt-4o', unit: 'TOKENS', totalPrice: 1 }, /^matchPattern: invalid regular expression/],
      [{ modelName: 'm', matchPattern: 'm', totalPrice: 1 }, /^unit/],
      [{ modelName: 'm', matchPattern: 'm', unit: 'TOKENS' }, /^pricingTiers/],
      [{ modelName: 'm', matchPattern: 'm', unit: 'TOKENS', inputPrice: 1, totalPrice: 1 }, /^totalPrice/],
      [{ modelName: 'm', matchPattern: 'm', unit: 'TOKENS', inputPrice: -1 }, /^inputPrice/],
      [
        {
          modelName: 'm', matchPattern: 'm', unit: 'TOKENS',
          pricingTiers: [{ name: 'A', isDefault: false, priority: 0, conditions: [], prices: { input: 1 } }],
        },
        /^pricingTiers/,
      ],
    ];
    for (const [body, message] of cases) {
      const res = await server.api('/models', { method: 'POST', body });
      assertJsonError(res, 400, JSON.stringify(body));
      assert.match(res.json.message, message, JSON.stringify(body));
    }
    const notJson = await server.api('/models', { method: 'POST', body: '{' });
    assertJsonError(notJson, 400);
  });

  it('paging crosses from project models into built-in ones', async () => {
    const own = [];
    for (const name of ['zz-a', 'zz-b', 'zz-c']) {
      own.push(await create({ modelName: name, matchPattern: `^${name}$`, unit: 'TOKENS', totalPrice: 1e-6 }, other));
    }
    const all = await listAll(other);
    assert.deepEqual(all.slice(0, 3).map((m) => m.id), own.map((m) => m.id));
    const ids = new Set(all.map((m) => m.id));
    assert.equal(ids.size, all.length, 'no model repeats across pages');
    const page2 = await server.api('/models?page=2&limit=2', { auth: other });
    assert.equal(page2.json.data[0].id, own[2].id);
    assert.equal(page2.json.data[1].isLangfuseManaged, true);
    assertJsonError(await server.api('/models?limit=101'), 400);
    assertJsonError(await server.api('/models?page=0'), 400);
  });

  it('needs credentials', async () => {
    assertJsonError(await server.api('/models', { auth: false }), 401);
  });
});

describe('the price list file', () => {
  it('is read from $LANTERNE_SHARE_DIR at start, and a missing one leaves project models only', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lanterne-share-'));
    const missing = path.join(dir, 'missing');
    await fs.writeFile(
      path.join(dir, 'models.json'),
      JSON.stringify({
        prices_as_of: '2026-01-01',
        sources: ['test'],
        models: [{ id: 'builtin-only-one', modelName: 'only-one', matchPattern: '^only-one$', prices: { input: 1e-6 } }],
      }),
    );
    let custom;
    let none;
    try {
      custom = await startServer({ env: { LANTERNE_SHARE_DIR: dir } });
      const list = await custom.api('/models');
      assert.equal(list.status, 200, list.text);
      assert.deepEqual(list.json.data.map((m) => m.id), ['builtin-only-one']);
      assert.equal(list.json.data[0].createdAt, '2026-01-01T00:00:00.000Z');

      none = await startServer({ env: { LANTERNE_SHARE_DIR: missing } });
      const empty = await none.api('/models');
      assert.equal(empty.status, 200, empty.text);
      assert.equal(empty.json.meta.totalItems, 0);
      assert.match(none.stderr, /built-in model prices not loaded/);
    } finally {
      for (const s of [custom, none]) {
        if (!s) continue;
        await s.stop();
        await s.dispose();
      }
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
