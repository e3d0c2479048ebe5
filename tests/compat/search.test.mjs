// Full-text search in the web UI's traces listing (GET /api/ui/projects/{id}/traces?search=,
// docs/ui-api.md): traces sent with the real `langfuse` SDK are found by text from their
// name, input, output and their observations' input and output, in French, Japanese and
// emoji, combined with filters and paging; updates become searchable, deleted traces are
// not answered, bad input is a 400 naming the field, and the public API is unchanged.
// The index follows ingestion in the background, so each search is polled with a timeout.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Langfuse } from 'langfuse';
import { assertJsonError, sleep, startServer } from './harness.mjs';

const TIMEOUT_MS = 10_000;
const RUN = randomUUID().slice(0, 8);
let server;
let lf;
let cookies = '';
let csrf = '';
const ids = {};

async function ui(method, path) {
  const headers = { Cookie: cookies };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  const res = await fetch(server.baseUrl + path, { method, headers });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

function tracesPath(params) {
  return `/api/ui/projects/${server.projectId}/traces?${new URLSearchParams(params)}`;
}

/** Polls the UI search until it answers exactly `expected` (trace ids), or fails. */
async function searchUntil(params, expected) {
  const want = [...expected].sort();
  const deadline = Date.now() + TIMEOUT_MS;
  let last;
  for (;;) {
    last = await ui('GET', tracesPath(params));
    assert.equal(last.status, 200, last.text);
    const got = last.json.data.map((t) => t.id).sort();
    if (JSON.stringify(got) === JSON.stringify(want)) return last.json;
    if (Date.now() > deadline) {
      assert.deepEqual(got, want, `search ${JSON.stringify(params)} after ${TIMEOUT_MS} ms`);
    }
    await sleep(100);
  }
}

before(async () => {
  server = await startServer();
  const login = await fetch(server.baseUrl + '/api/ui/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      email: server.env.LANGFUSE_INIT_USER_EMAIL,
      password: server.env.LANGFUSE_INIT_USER_PASSWORD,
    }),
  });
  assert.equal(login.status, 200, await login.text());
  const jar = login.headers.getSetCookie().map((c) => c.split(';')[0]);
  cookies = jar.join('; ');
  csrf = jar.find((c) => c.startsWith('lanterne_csrf=')).split('=')[1];

  lf = new Langfuse({
    publicKey: server.publicKey,
    secretKey: server.secretKey,
    baseUrl: server.baseUrl,
    flushAt: 1000,
    flushInterval: 0,
    fetchRetryCount: 0,
  });
  const fr = lf.trace({ name: `devoir-${RUN}`, input: { question: "Où est l'élève ?" }, output: "Il est à l'école" });
  const ja = lf.trace({ name: `tokyo-${RUN}`, input: [{ role: 'user', content: '東京の天気は？' }] });
  ja.generation({ name: 'llm', model: 'gpt-4o', input: [{ role: 'user', content: 'translate' }] })
    .end({ output: { role: 'assistant', content: '日本語のテキストです 🌸' } });
  const quoted = lf.trace({ name: `quoted-${RUN}`, input: 'she said "hello" (x*) AND NOT' });
  const later = lf.trace({ name: `later-${RUN}`, input: 'brouillon' });
  Object.assign(ids, { fr: fr.id, ja: ja.id, quoted: quoted.id, later: later.id });
  await lf.flushAsync();
});

after(async () => {
  await lf?.shutdownAsync();
  await server?.dispose();
});

describe('UI traces search', () => {
  it('finds French text with or without matching case', async () => {
    await searchUntil({ search: 'élève' }, [ids.fr]);
    await searchUntil({ search: 'ÉLÈVE' }, [ids.fr]);
    await searchUntil({ search: "à l'école" }, [ids.fr]);
    await searchUntil({ search: 'eleve' }, []);
  });

  it('finds Japanese text (short queries too) and emoji, from observations as well', async () => {
    await searchUntil({ search: '日本語のテキスト' }, [ids.ja]); // the generation's output
    await searchUntil({ search: '東京' }, [ids.ja]); // two characters: the short-query scan
    await searchUntil({ search: '🌸' }, [ids.ja]);
    await searchUntil({ search: `tokyo-${RUN}` }, [ids.ja]); // the trace name
  });

  it('treats quotes and operators as text', async () => {
    await searchUntil({ search: '"hello" (x*) AND' }, [ids.quoted]);
    await searchUntil({ search: 'hello" OR "brouillon' }, []);
  });

  it('combines with filters and pages with an exact total', async () => {
    const all = await searchUntil({ search: RUN }, [ids.fr, ids.ja, ids.quoted, ids.later]);
    assert.equal(all.meta.totalItems, 4);
    const page = await ui('GET', tracesPath({ search: RUN, limit: '3', page: '2' }));
    assert.equal(page.status, 200);
    assert.equal(page.json.meta.totalItems, 4);
    assert.equal(page.json.meta.totalPages, 2);
    assert.equal(page.json.data.length, 1);
    await searchUntil({ search: 'élève', name: `devoir-${RUN}` }, [ids.fr]);
    await searchUntil({ search: 'élève', name: `tokyo-${RUN}` }, []);
  });

  it('follows updates and never answers deleted traces', async () => {
    lf.trace({ id: ids.later, output: 'réponse définitive' });
    await lf.flushAsync();
    await searchUntil({ search: 'RÉPONSE définitive' }, [ids.later]);
    const deleted = await ui('DELETE', `/api/ui/projects/${server.projectId}/traces/${ids.later}`);
    assert.equal(deleted.status, 200, deleted.text);
    const res = await ui('GET', tracesPath({ search: 'réponse définitive' }));
    assert.deepEqual(res.json.data, []); // at once, before the index drops it
    assert.equal(res.json.meta.totalItems, 0);
  });

  it('answers 400 naming the field for bad input', async () => {
    const bad = await ui('GET', `/api/ui/projects/${server.projectId}/traces?search=%FF%FE`);
    assert.match(assertJsonError(bad, 400, 'invalid UTF-8').message, /^search: /);
    const long = await ui('GET', tracesPath({ search: 'x'.repeat(1001) }));
    assert.match(assertJsonError(long, 400, 'too long').message, /^search: /);
    const blank = await ui('GET', tracesPath({ search: '   ' }));
    assert.equal(blank.status, 200); // blank means no search
    assert.equal(blank.json.meta.totalItems, 3);
  });

  it('says how much of the project the index has not reached yet, to members only', async () => {
    const statusPath = `/api/ui/projects/${server.projectId}/search-status`;
    const deadline = Date.now() + TIMEOUT_MS;
    let last;
    for (;;) {
      last = await ui('GET', statusPath);
      assert.equal(last.status, 200, last.text);
      if (last.json.unindexedTraces === 0 && last.json.unindexedObservations === 0) break;
      assert.ok(Date.now() < deadline, `index still behind after ${TIMEOUT_MS} ms: ${last.text}`);
      await sleep(100);
    }
    assert.deepEqual(last.json, { unindexedTraces: 0, unindexedObservations: 0, countedUpTo: 10000 });
    const other = await ui('GET', '/api/ui/projects/not-my-project/search-status');
    assert.ok([403, 404].includes(other.status), other.text);
    assertJsonError(other, other.status, 'another project');
    const anonymous = await fetch(server.baseUrl + statusPath);
    assert.equal(anonymous.status, 401);
  });

  it('leaves the public API unchanged (no search parameter)', async () => {
    const res = await fetch(`${server.baseUrl}/api/public/traces?search=%C3%A9l%C3%A8ve`, {
      headers: { Authorization: 'Basic ' + Buffer.from(`${server.publicKey}:${server.secretKey}`).toString('base64') },
    });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).meta.totalItems, 3);
  });
});
