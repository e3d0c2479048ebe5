// Prompt management with the real SDKs: the `langfuse` v3 SDK (createPrompt, getPrompt
// with caching and fallback, compile, updatePrompt) and `@langfuse/client` (prompt.create,
// get, update), plus the API's own rules (labels unique across versions, `latest`, tags,
// type changes, ETag / If-None-Match, deletion) read back through the public API.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Langfuse } from 'langfuse';
import { LangfuseClient } from '@langfuse/client';
import { assertJsonError, startServer } from './harness.mjs';

let server;
let lf;
let client;
const unique = (base) => `${base}-${randomUUID().slice(0, 8)}`;
const encoded = (name) => encodeURIComponent(name);

before(async () => {
  server = await startServer();
  lf = new Langfuse({ publicKey: server.publicKey, secretKey: server.secretKey, baseUrl: server.baseUrl });
  client = new LangfuseClient({ publicKey: server.publicKey, secretKey: server.secretKey, baseUrl: server.baseUrl });
});

after(async () => {
  await lf?.shutdownAsync();
  if (server) {
    const exit = await server.stop();
    await server.dispose();
    assert.equal(exit?.code, 0, `server exit after SIGTERM: ${JSON.stringify(exit)}\n${server.stderr}`);
  }
});

describe('langfuse v3 SDK', () => {
  it('creates a text prompt in a folder, fetches it by label and version, compiles it', async () => {
    const name = unique('support/faq-answer');
    const created = await lf.createPrompt({
      name,
      prompt: 'Réponds à {{question}} en {{ langue }} 🙂',
      config: { model: 'gpt-4o', temperature: 0.2 },
      labels: ['production'],
      tags: ['faq'],
      commitMessage: 'first',
    });
    assert.equal(created.version, 1);
    assert.deepEqual(created.labels.sort(), ['latest', 'production']);

    const prod = await lf.getPrompt(name, undefined, { cacheTtlSeconds: 0 });
    assert.equal(prod.version, 1);
    assert.equal(prod.compile({ question: 'Q?', langue: 'français' }), 'Réponds à Q? en français 🙂');
    assert.deepEqual(prod.config, { model: 'gpt-4o', temperature: 0.2 });
    assert.equal(prod.isFallback, false);

    await lf.createPrompt({ name, prompt: 'v2 {{question}}' });
    const latest = await lf.getPrompt(name, undefined, { label: 'latest', cacheTtlSeconds: 0 });
    assert.equal(latest.version, 2);
    assert.deepEqual(latest.tags, ['faq'], 'tags are inherited when omitted');
    const v1 = await lf.getPrompt(name, 1, { cacheTtlSeconds: 0 });
    assert.equal(v1.prompt, 'Réponds à {{question}} en {{ langue }} 🙂');
    const stillProd = await lf.getPrompt(name, undefined, { cacheTtlSeconds: 0 });
    assert.equal(stillProd.version, 1, 'a new version does not take production unless asked');
  });

  it('promotes and rolls back by moving the production label', async () => {
    const name = unique('rollback');
    await lf.createPrompt({ name, prompt: 'one', labels: ['production'] });
    await lf.createPrompt({ name, prompt: 'two' });
    await lf.updatePrompt({ name, version: 2, newLabels: ['production'] });
    assert.equal((await lf.getPrompt(name, undefined, { cacheTtlSeconds: 0 })).prompt, 'two');
    await lf.updatePrompt({ name, version: 1, newLabels: ['production'] });
    assert.equal((await lf.getPrompt(name, undefined, { cacheTtlSeconds: 0 })).prompt, 'one');
    const v2 = await server.api(`/v2/prompts/${encoded(name)}?version=2`);
    assert.deepEqual(v2.json.labels, ['latest'], 'production left version 2');
  });

  it('creates chat prompts with placeholders and compiles messages', async () => {
    const name = unique('chat');
    const created = await lf.createPrompt({
      name,
      type: 'chat',
      prompt: [
        { role: 'system', content: 'Tu es {{persona}}.' },
        { type: 'placeholder', name: 'history' },
        { role: 'user', content: '{{question}}' },
      ],
      labels: ['production'],
    });
    assert.equal(created.type, 'chat');
    const fetched = await lf.getPrompt(name, undefined, { type: 'chat', cacheTtlSeconds: 0 });
    const messages = fetched.compile(
      { persona: 'un assistant', question: '東京の天気は？' },
      { history: [{ role: 'assistant', content: 'Bonjour' }] },
    );
    assert.deepEqual(messages, [
      { role: 'system', content: 'Tu es un assistant.' },
      { role: 'assistant', content: 'Bonjour' },
      { role: 'user', content: '東京の天気は？' },
    ]);
  });

  it('serves from its cache, then falls back when the server is down', async () => {
    const name = unique('cached');
    await lf.createPrompt({ name, prompt: 'cached {{x}}', labels: ['production'] });
    const first = await lf.getPrompt(name, undefined, { cacheTtlSeconds: 60 });
    // A new production version is not seen while the SDK's cache entry is fresh.
    await lf.createPrompt({ name, prompt: 'newer', labels: ['production'] });
    const cached = await lf.getPrompt(name, undefined, { cacheTtlSeconds: 60 });
    assert.equal(cached.prompt, first.prompt);

    await server.stop();
    try {
      const offline = new Langfuse({ publicKey: server.publicKey, secretKey: server.secretKey, baseUrl: server.baseUrl });
      const fallback = await offline.getPrompt(unique('never-fetched'), undefined, {
        fallback: 'local {{x}}', maxRetries: 0, fetchTimeoutMs: 500,
      });
      assert.equal(fallback.isFallback, true);
      assert.equal(fallback.compile({ x: 'copy' }), 'local copy');
      await offline.shutdownAsync();
    } finally {
      await server.start();
    }
    const after = await lf.getPrompt(name, undefined, { cacheTtlSeconds: 0 });
    assert.equal(after.prompt, 'newer', 'the new version survived the restart');
  });
});

describe('@langfuse/client', () => {
  it('creates, gets and updates prompts', async () => {
    const name = unique('client');
    await client.prompt.create({ name, prompt: 'hello {{who}}', labels: ['staging'] });
    await client.prompt.create({ name, prompt: 'hi {{who}}', labels: ['production'] });
    const prod = await client.prompt.get(name, { cacheTtlSeconds: 0 });
    assert.equal(prod.version, 2);
    assert.equal(prod.compile({ who: 'Lanterne' }), 'hi Lanterne');
    const staging = await client.prompt.get(name, { label: 'staging', cacheTtlSeconds: 0 });
    assert.equal(staging.version, 1);
    await client.prompt.update({ name, version: 1, newLabels: ['production'] });
    assert.equal((await client.prompt.get(name, { cacheTtlSeconds: 0 })).version, 1);
  });
});

describe('prompts API rules', () => {
  it('keeps each label on one version and latest on the newest', async () => {
    const name = unique('labels');
    for (const text of ['a', 'b', 'c']) {
      const res = await server.api('/v2/prompts', { method: 'POST', body: { name, prompt: text, labels: ['beta'] } });
      assert.equal(res.status, 201, res.text);
    }
    const versions = await Promise.all([1, 2, 3].map((v) => server.api(`/v2/prompts/${encoded(name)}?version=${v}`)));
    assert.deepEqual(versions.map((r) => r.json.labels.sort()), [[], [], ['beta', 'latest']]);
    const list = await server.api(`/v2/prompts?name=${encoded(name)}`);
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.json.data[0].versions, [3, 2, 1]);
    assert.equal(list.json.meta.totalItems, 1);

    // Deleting the newest version moves latest back.
    assert.equal((await server.api(`/v2/prompts/${encoded(name)}?version=3`, { method: 'DELETE' })).status, 204);
    const v2 = await server.api(`/v2/prompts/${encoded(name)}?label=latest`);
    assert.equal(v2.json.version, 2);
    assert.equal((await server.api(`/v2/prompts/${encoded(name)}`, { method: 'DELETE' })).status, 204);
    assertJsonError(await server.api(`/v2/prompts/${encoded(name)}?label=latest`), 404);
  });

  it('answers 304 to If-None-Match while nothing changed, 200 after a change', async () => {
    const name = unique('etag');
    await server.api('/v2/prompts', { method: 'POST', body: { name, prompt: 'x', labels: ['production'] } });
    const first = await server.api(`/v2/prompts/${encoded(name)}`);
    const etag = first.headers.get('etag');
    assert.ok(etag, 'ETag header');
    const again = await server.api(`/v2/prompts/${encoded(name)}`, { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    await server.api(`/v2/prompts/${encoded(name)}/versions/1`, { method: 'PATCH', body: { newLabels: ['gold'] } });
    const changed = await server.api(`/v2/prompts/${encoded(name)}`, { headers: { 'If-None-Match': etag } });
    assert.equal(changed.status, 200);
    assert.deepEqual(changed.json.labels.sort(), ['gold', 'latest', 'production']);
  });

  it('refuses bad requests with a message naming the field', async () => {
    const name = unique('bad');
    await server.api('/v2/prompts', { method: 'POST', body: { name, prompt: 'text' } });
    const cases = [
      [{ name, type: 'chat', prompt: [{ role: 'user', content: 'x' }] }, /type/],
      [{ name: 'a|b', prompt: 'x' }, /name/],
      [{ name: 'new', prompt: 'x' }, /name/],
      [{ name: unique('l'), prompt: 'x', labels: ['Production'] }, /labels/],
      [{ name: unique('m'), prompt: 'x', commitMessage: 'y'.repeat(501) }, /commitMessage/],
      [{ name: unique('c'), type: 'chat', prompt: [{ role: 'user' }] }, /content/],
      [{ name: unique('p'), type: 'chat', prompt: [{ type: 'placeholder', name: 'x' }, { role: 'user', content: '{{x}}' }] }, /placeholder/],
      [{ name: unique('n') }, /prompt/],
    ];
    for (const [body, field] of cases) {
      const res = await server.api('/v2/prompts', { method: 'POST', body });
      assertJsonError(res, 400, JSON.stringify(body).slice(0, 80));
      assert.match(res.json.message, field);
    }
    assertJsonError(await server.api(`/v2/prompts/${encoded(name)}/versions/1`, { method: 'PATCH', body: { newLabels: ['latest'] } }), 400);
    assertJsonError(await server.api(`/v2/prompts/${encoded(name)}?version=1&label=production`), 400);
    assertJsonError(await server.api(`/v2/prompts/${encoded(name)}/versions/9`, { method: 'PATCH', body: { newLabels: ['x'] } }), 404);
    const missing = await server.api(`/v2/prompts/${encoded(name)}?label=nope`);
    assertJsonError(missing, 404);
    assert.equal(missing.json.message, `Prompt not found: '${name}' with label 'nope'`);
    const bearer = await server.api(`/v2/prompts/${encoded(name)}`, { auth: { bearer: server.publicKey } });
    assertJsonError(bearer, 403);
    assert.match(bearer.json.message, /basic auth with secret key/);
  });
});

describe('per-version metrics of linked generations', () => {
  it('counts, latency percentiles, tokens, cost and trace scores per version', async () => {
    const name = unique('metrics');
    await lf.createPrompt({ name, prompt: 'v1 {{q}}', labels: ['production'] });
    await lf.createPrompt({ name, prompt: 'v2 {{q}}' });
    const v1 = await lf.getPrompt(name, 1, { cacheTtlSeconds: 0 });
    const v2 = await lf.getPrompt(name, 2, { cacheTtlSeconds: 0 });
    const t0 = Date.now() - 60_000;
    const at = (ms) => new Date(t0 + ms);
    // v1: latencies 1, 2, 3 s; v2: 4 s. Cost and tokens as sent.
    for (const [prompt, latencies, score] of [[v1, [1000, 2000, 3000], 0.5], [v2, [4000], 1]]) {
      for (const ms of latencies) {
        const trace = lf.trace({ name: 'linked' });
        trace.generation({
          name: 'answer', model: 'gpt-4o', prompt, startTime: at(0), endTime: at(ms),
          usageDetails: { input: 10, output: 5 }, costDetails: { total: 0.01 },
        });
        trace.score({ name: 'helpfulness', value: score });
      }
    }
    // A fallback prompt is never linked.
    const fallback = await lf.getPrompt(unique('absent'), undefined, { fallback: 'x', maxRetries: 0 });
    lf.trace({ name: 'unlinked' }).generation({ name: 'answer', prompt: fallback });
    await lf.flushAsync();

    const login = await server.api('/api/ui/auth/login', {
      method: 'POST', auth: false, body: { email: 'compat@example.com', password: 'compat-password-123' },
    });
    assert.equal(login.status, 200, login.text);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const res = await server.api(
      `/api/ui/projects/${server.projectId}/prompt-metrics?name=${encoded(name)}`,
      { auth: false, headers: { Cookie: cookie } },
    );
    assert.equal(res.status, 200, res.text);
    const [m2, m1] = res.json.data;
    assert.equal(m2.version, 2);
    assert.equal(m2.generations, 1);
    assert.equal(m2.medianLatency, 4);
    assert.equal(m1.version, 1);
    assert.equal(m1.generations, 3);
    assert.equal(m1.medianLatency, 2);
    assert.equal(m1.p90Latency, 3);
    assert.equal(m1.totalTokens, 45);
    assert.ok(Math.abs(m1.totalCost - 0.03) < 1e-9, String(m1.totalCost));
    assert.deepEqual(m1.scores, [{ name: 'helpfulness', average: 0.5, count: 3 }]);
    assert.deepEqual(m2.scores, [{ name: 'helpfulness', average: 1, count: 1 }]);
    const missing = await server.api(`/api/ui/projects/${server.projectId}/prompt-metrics`, { auth: false, headers: { Cookie: cookie } });
    assertJsonError(missing, 400);
    assert.match(missing.json.message, /name/);
  });
});
