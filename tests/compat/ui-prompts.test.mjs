// The web UI's prompt routes (/api/ui/projects/{id}/prompts..., docs/ui-api.md "Prompts")
// with real roles: a MEMBER creates versions and moves ordinary labels but cannot put
// `production` on a version or take it off one; an ADMIN can; a VIEWER reads and gets 403
// on every write. The public API (what the SDKs fetch) sees each change at once.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { basicAuth, startServer, UiBrowser as Browser, expectStatus as expect } from './harness.mjs';

const RUN = randomUUID().slice(0, 8);
const NAME = 'team/greeting';
const ENC = encodeURIComponent(NAME); // team%2Fgreeting

function expectForbidden(res, scope, what) {
  expect(res, 403, what);
  assert.equal(res.json.error, 'ForbiddenError', what);
  assert.match(res.json.message, new RegExp(`^${scope} requires `), what);
}

describe('UI prompt routes and roles', () => {
  let server;
  let project;
  let base; // /api/ui/projects/{id}/prompts
  const users = {};
  let sdkAuth; // Basic auth of an API key of the project

  // Labels of each version, by version number, as the UI's versions route shows them.
  async function labels(browser = users.OWNER) {
    const res = await browser.call('GET', `${base}/${ENC}/versions`);
    expect(res, 200, 'versions');
    return Object.fromEntries(res.json.data.map((v) => [v.version, [...v.labels].sort()]));
  }

  // The version the SDKs get by default (the production label).
  async function productionVersion() {
    const res = await fetch(`${server.baseUrl}/api/public/v2/prompts/${ENC}`, { headers: { Authorization: sdkAuth } });
    if (res.status === 404) return null;
    assert.equal(res.status, 200);
    return (await res.json()).version;
  }

  before(async () => {
    server = await startServer({ env: { LANGFUSE_INIT_USER_EMAIL: '', LANGFUSE_INIT_USER_PASSWORD: '' } });
    users.OWNER = new Browser(server);
    await users.OWNER.signup(`owner-${RUN}@example.com`);
    const me = (await users.OWNER.call('GET', '/api/ui/me')).json;
    const org = me.organizations[0];
    project = org.projects[0];
    base = `/api/ui/projects/${project.id}/prompts`;
    for (const role of ['ADMIN', 'MEMBER', 'VIEWER']) {
      const inv = await users.OWNER.call('POST', `/api/ui/orgs/${org.id}/invitations`, { role });
      expect(inv, 201, `invite ${role}`);
      const b = new Browser(server);
      await b.signup(`${role.toLowerCase()}-${RUN}@example.com`);
      expect(await b.call('POST', `/api/ui/invitations/${inv.json.token}/accept`), 200, `accept ${role}`);
      users[role] = b;
    }
    const key = await users.OWNER.call('POST', `/api/ui/projects/${project.id}/api-keys`, { note: 'sdk' });
    expect(key, 201, 'api key');
    sdkAuth = basicAuth(key.json.publicKey, key.json.secretKey);
  });

  after(async () => {
    if (server) {
      await server.stop();
      await server.dispose();
    }
  });

  it('lists the prompt scopes of each role in /me', async () => {
    const scopes = async (role) => (await users[role].call('GET', '/api/ui/me')).json.organizations[0].projects[0].permissions;
    assert.ok((await scopes('VIEWER')).includes('prompts:read'));
    assert.ok(!(await scopes('VIEWER')).includes('prompts:CUD'));
    assert.ok((await scopes('MEMBER')).includes('prompts:CUD'));
    assert.ok(!(await scopes('MEMBER')).includes('promptProtectedLabels:CUD'));
    assert.ok((await scopes('ADMIN')).includes('promptProtectedLabels:CUD'));
  });

  it('the owner creates a prompt in production; the version records who made it', async () => {
    const res = await users.OWNER.call('POST', base, {
      name: NAME,
      type: 'text',
      prompt: 'Hello {{name}}',
      config: { temperature: 0 },
      labels: ['production'],
      tags: ['greeting'],
      commitMessage: 'first',
    });
    expect(res, 201, 'create');
    assert.equal(res.json.version, 1);
    assert.equal(res.json.createdBy, `owner-${RUN}@example.com`);
    assert.deepEqual([...res.json.labels].sort(), ['latest', 'production']);
    assert.equal(await productionVersion(), 1);
  });

  it('a MEMBER creates a version and moves ordinary labels', async () => {
    const m = users.MEMBER;
    const created = await m.call('POST', base, { name: NAME, prompt: 'Hi {{name}}!', commitMessage: 'shorter' });
    expect(created, 201, 'member creates v2');
    assert.equal(created.json.version, 2);
    assert.deepEqual(created.json.tags, ['greeting'], 'tags inherited');

    expect(await m.call('PATCH', `${base}/${ENC}/versions/1`, { newLabels: ['staging'] }), 200, 'member adds staging to v1');
    assert.deepEqual(await labels(m), { 1: ['production', 'staging'], 2: ['latest'] });
    expect(await m.call('PATCH', `${base}/${ENC}/versions/2`, { newLabels: ['staging'] }), 200, 'member moves staging');
    assert.deepEqual(await labels(m), { 1: ['production'], 2: ['latest', 'staging'] });
    // PUT sets the labels exactly: staging off again; `latest` stays, managed by the server.
    const put = await m.call('PUT', `${base}/${ENC}/versions/2/labels`, { labels: [] });
    expect(put, 200, 'member removes staging');
    assert.deepEqual(put.json.labels, ['latest']);
    assert.deepEqual(await labels(m), { 1: ['production'], 2: ['latest'] });
  });

  it('a MEMBER gets 403 for any change of production, and nothing changes', async () => {
    const m = users.MEMBER;
    const scope = 'promptProtectedLabels:CUD';
    expectForbidden(await m.call('PATCH', `${base}/${ENC}/versions/2`, { newLabels: ['production'] }), scope, 'move production');
    expectForbidden(await m.call('PUT', `${base}/${ENC}/versions/2/labels`, { labels: ['production'] }), scope, 'put production');
    expectForbidden(await m.call('PUT', `${base}/${ENC}/versions/1/labels`, { labels: [] }), scope, 'remove production');
    expectForbidden(
      await m.call('POST', base, { name: NAME, prompt: 'x', labels: ['production'] }),
      scope,
      'create in production',
    );
    expectForbidden(await m.call('DELETE', `${base}/${ENC}?version=1`), scope, 'delete the production version');
    expectForbidden(await m.call('DELETE', `${base}/${ENC}`), scope, 'delete every version');
    assert.deepEqual(await labels(), { 1: ['production'], 2: ['latest'] });
    assert.equal(await productionVersion(), 1);
  });

  it('an ADMIN promotes, rolls back and removes production', async () => {
    const a = users.ADMIN;
    expect(await a.call('PATCH', `${base}/${ENC}/versions/2`, { newLabels: ['production'] }), 200, 'promote v2');
    assert.deepEqual(await labels(), { 1: [], 2: ['latest', 'production'] });
    assert.equal(await productionVersion(), 2, 'the SDKs get v2 at once');
    expect(await a.call('PUT', `${base}/${ENC}/versions/1/labels`, { labels: ['production'] }), 200, 'roll back');
    assert.deepEqual(await labels(), { 1: ['production'], 2: ['latest'] });
    assert.equal(await productionVersion(), 1);
    expect(await a.call('PUT', `${base}/${ENC}/versions/1/labels`, { labels: ['canary'] }), 200, 'take production off');
    assert.deepEqual(await labels(), { 1: ['canary'], 2: ['latest'] });
    assert.equal(await productionVersion(), null);
    expect(await a.call('PUT', `${base}/${ENC}/versions/1/labels`, { labels: ['production'] }), 200, 'back on');
  });

  it('a VIEWER reads everything and gets 403 on every write', async () => {
    const v = users.VIEWER;
    const list = await v.call('GET', `${base}?limit=100`);
    expect(list, 200, 'list');
    const row = list.json.data.find((p) => p.name === NAME);
    assert.deepEqual(row.versions, [2, 1]);
    expect(await v.call('GET', `${base}/${ENC}/versions`), 200, 'versions');
    const one = await v.call('GET', `${base}/${ENC}?version=2`);
    expect(one, 200, 'one version');
    assert.equal(one.json.prompt, 'Hi {{name}}!');
    const scope = 'prompts:CUD';
    expectForbidden(await v.call('POST', base, { name: NAME, prompt: 'x' }), scope, 'create');
    expectForbidden(await v.call('PATCH', `${base}/${ENC}/versions/2`, { newLabels: ['staging'] }), scope, 'patch');
    expectForbidden(await v.call('PUT', `${base}/${ENC}/versions/2/labels`, { labels: [] }), scope, 'put');
    expectForbidden(await v.call('DELETE', `${base}/${ENC}?version=2`), scope, 'delete');
    assert.deepEqual(await labels(), { 1: ['production'], 2: ['latest'] });
  });

  it('bad input, unknown versions and a missing CSRF token are refused', async () => {
    const o = users.OWNER;
    expect(await o.call('PUT', `${base}/${ENC}/versions/9/labels`, { labels: [] }), 404, 'unknown version');
    expect(await o.call('PUT', `${base}/${ENC}/versions/2/labels`, { labels: 'x' }), 400, 'labels not an array');
    expect(await o.call('PUT', `${base}/${ENC}/versions/2/labels`, { labels: ['Bad Label'] }), 400, 'malformed label');
    expect(await o.call('GET', `${base}/nope/versions`), 404, 'unknown prompt');
    expect(await o.call('PUT', `${base}/${ENC}/versions/2/labels`, { labels: [] }, { csrf: false }), 403, 'no CSRF');
    expect(await new Browser(server).call('GET', base), 401, 'no session');
  });

  it('a MEMBER deletes a version without production; latest moves back', async () => {
    expect(await users.MEMBER.call('DELETE', `${base}/${ENC}?version=2`), 204, 'delete v2');
    assert.deepEqual(await labels(), { 1: ['latest', 'production'] });
  });
});
