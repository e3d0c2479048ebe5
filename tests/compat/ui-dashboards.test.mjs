// The web UI's saved custom dashboards (/api/ui/projects/{id}/dashboards, docs/ui-api.md
// "Dashboards") with real roles: a MEMBER creates, replaces and deletes; a VIEWER reads and
// gets 403 on every write, and nothing changes; bad definitions are 400 naming the field;
// dashboards stay in their project and survive a restart.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ISO_MS_RE, startServer, UiBrowser as Browser, expectStatus as expect } from './harness.mjs';

const RUN = randomUUID().slice(0, 8);

const costWidget = {
  id: 'w1',
  title: 'Cost by model',
  view: 'observations',
  measure: 'totalCost',
  aggregation: 'sum',
  dimension: 'providedModelName',
  chart: 'stacked',
  width: 2,
  filters: [{ column: 'environment', operator: 'any of', value: ['production'], type: 'stringOptions' }],
};
const countWidget = {
  id: 'w2',
  title: 'Traces',
  view: 'traces',
  measure: 'count',
  aggregation: 'count',
  dimension: null,
  chart: 'number',
  width: 1,
};

describe('UI dashboards routes and roles', () => {
  let server;
  let org;
  let project;
  let base; // /api/ui/projects/{id}/dashboards
  const users = {};

  before(async () => {
    server = await startServer({ env: { LANGFUSE_INIT_USER_EMAIL: '', LANGFUSE_INIT_USER_PASSWORD: '' } });
    users.OWNER = new Browser(server);
    await users.OWNER.signup(`owner-${RUN}@example.com`);
    const me = (await users.OWNER.call('GET', '/api/ui/me')).json;
    org = me.organizations[0];
    project = org.projects[0];
    base = `/api/ui/projects/${project.id}/dashboards`;
    for (const role of ['MEMBER', 'VIEWER']) {
      const inv = await users.OWNER.call('POST', `/api/ui/orgs/${org.id}/invitations`, { role });
      expect(inv, 201, `invite ${role}`);
      const b = new Browser(server);
      await b.signup(`${role.toLowerCase()}-${RUN}@example.com`);
      expect(await b.call('POST', `/api/ui/invitations/${inv.json.token}/accept`), 200, `accept ${role}`);
      users[role] = b;
    }
  });

  after(async () => {
    if (server) {
      await server.stop();
      await server.dispose();
    }
  });

  it('lists the dashboard scopes of each role in /me', async () => {
    const scopes = async (role) => (await users[role].call('GET', '/api/ui/me')).json.organizations[0].projects[0].permissions;
    assert.ok((await scopes('VIEWER')).includes('dashboards:read'));
    assert.ok(!(await scopes('VIEWER')).includes('dashboards:CUD'));
    assert.ok((await scopes('MEMBER')).includes('dashboards:CUD'));
    assert.ok((await scopes('OWNER')).includes('dashboards:CUD'));
  });

  it('starts empty; needs a session', async () => {
    const list = await users.VIEWER.call('GET', base);
    expect(list, 200, 'list');
    assert.deepEqual(list.json, { data: [] });
    const anon = await fetch(server.baseUrl + base);
    assert.equal(anon.status, 401);
  });

  let id;
  it('a MEMBER creates a dashboard; everyone reads it as saved', async () => {
    const created = await users.MEMBER.call('POST', base, {
      name: 'Costs',
      description: 'Spend by model',
      definition: { widgets: [costWidget, countWidget] },
    });
    expect(created, 201, 'create');
    id = created.json.id;
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.equal(created.json.projectId, project.id);
    assert.equal(created.json.name, 'Costs');
    assert.equal(created.json.description, 'Spend by model');
    assert.equal(created.json.createdBy, `member-${RUN}@example.com`);
    assert.match(created.json.createdAt, ISO_MS_RE);
    assert.equal(created.json.updatedAt, created.json.createdAt);
    assert.deepEqual(created.json.definition, { widgets: [costWidget, countWidget] });

    const viewer = users.VIEWER;
    const one = await viewer.call('GET', `${base}/${id}`);
    expect(one, 200, 'viewer reads');
    assert.deepEqual(one.json, created.json);
    const list = await viewer.call('GET', base);
    expect(list, 200, 'viewer lists');
    assert.deepEqual(list.json.data.map((d) => d.id), [id]);
  });

  it('a VIEWER gets 403 on every write, and nothing changes', async () => {
    const v = users.VIEWER;
    const body = { name: 'Mine', definition: { widgets: [] } };
    for (const [method, path, b] of [
      ['POST', base, body],
      ['PUT', `${base}/${id}`, body],
      ['DELETE', `${base}/${id}`, undefined],
    ]) {
      const res = await v.call(method, path, b);
      expect(res, 403, `viewer ${method}`);
      assert.equal(res.json.error, 'ForbiddenError');
      assert.equal(res.json.message, 'dashboards:CUD requires MEMBER, ADMIN or OWNER on this project');
    }
    const list = await v.call('GET', base);
    assert.deepEqual(list.json.data.map((d) => [d.id, d.name]), [[id, 'Costs']]);
  });

  it('writes without the CSRF token are refused', async () => {
    const res = await users.MEMBER.call('POST', base, { name: 'x', definition: { widgets: [] } }, { csrf: false });
    expect(res, 403, 'no csrf');
    assert.match(res.json.message, /CSRF/);
  });

  it('bad input is 400 naming the field', async () => {
    const m = users.MEMBER;
    const cases = [
      ['not json', /^body: /],
      [{ definition: { widgets: [] } }, /^name: /],
      [{ name: '   ', definition: { widgets: [] } }, /^name: must not be blank/],
      [{ name: 'x'.repeat(201), definition: { widgets: [] } }, /^name: 1 to 200/],
      [{ name: 'x', description: 5, definition: { widgets: [] } }, /^description: /],
      [{ name: 'x' }, /^definition: required/],
      [{ name: 'x', definition: { widgets: {} } }, /^definition\.widgets: required, an array/],
      [{ name: 'x', definition: { widgets: [{ ...costWidget, view: 'spans' }] } }, /^definition\.widgets\[0\]\.view: one of traces, observations/],
      [{ name: 'x', definition: { widgets: [countWidget, { ...costWidget, measure: 'value' }] } }, /^definition\.widgets\[1\]\.measure: one of .* for view observations/],
      [{ name: 'x', definition: { widgets: [{ ...costWidget, aggregation: 'median' }] } }, /^definition\.widgets\[0\]\.aggregation: /],
      [{ name: 'x', definition: { widgets: [{ ...countWidget, dimension: 'providedModelName' }] } }, /^definition\.widgets\[0\]\.dimension: null or one of/],
      [{ name: 'x', definition: { widgets: [{ ...countWidget, chart: 'pie' }] } }, /^definition\.widgets\[0\]\.chart: one of line, bar, stacked, table, number/],
      [{ name: 'x', definition: { widgets: [{ ...countWidget, width: 3 }] } }, /^definition\.widgets\[0\]\.width: 1 or 2/],
      [{ name: 'x', definition: { widgets: [{ ...countWidget, title: undefined }] } }, /^definition\.widgets\[0\]\.title: required/],
      [{ name: 'x', definition: { widgets: [countWidget, countWidget] } }, /^definition\.widgets\[1\]\.id: duplicate/],
      [
        { name: 'x', definition: { widgets: [{ ...costWidget, filters: [{ column: 'tags', operator: 'all of', value: 'a', type: 'arrayOptions' }] }] } },
        /^definition\.widgets\[0\]\.filters\[0\]\.value: an array of strings/,
      ],
      [
        { name: 'x', definition: { widgets: [{ ...costWidget, filters: [{ column: 'tags', operator: 'like', value: ['a'], type: 'arrayOptions' }] }] } },
        /^definition\.widgets\[0\]\.filters\[0\]\.operator: one of/,
      ],
      [{ name: 'x', definition: { widgets: Array.from({ length: 51 }, (_, i) => ({ ...countWidget, id: `w${i}` })) } }, /^definition\.widgets: at most 50/],
    ];
    for (const [body, message] of cases) {
      const res = await m.call('POST', base, body);
      expect(res, 400, `bad body ${JSON.stringify(body).slice(0, 80)}`);
      assert.match(res.json.message, message, JSON.stringify(body).slice(0, 120));
    }
    const list = await m.call('GET', base);
    assert.equal(list.json.data.length, 1, 'nothing was created');
  });

  it('PUT replaces name, description and widgets; keeps creator and creation time', async () => {
    const before = (await users.OWNER.call('GET', `${base}/${id}`)).json;
    await new Promise((r) => setTimeout(r, 5));
    const moved = { widgets: [{ ...countWidget, width: 2 }, costWidget] };
    const put = await users.OWNER.call('PUT', `${base}/${id}`, { name: 'Costs and volume', definition: moved });
    expect(put, 200, 'owner replaces');
    assert.equal(put.json.name, 'Costs and volume');
    assert.equal(put.json.description, '', 'description omitted is empty');
    assert.deepEqual(put.json.definition, moved);
    assert.equal(put.json.createdBy, before.createdBy);
    assert.equal(put.json.createdAt, before.createdAt);
    assert.ok(put.json.updatedAt > before.updatedAt, 'updatedAt moves');
    const again = await users.VIEWER.call('GET', `${base}/${id}`);
    assert.deepEqual(again.json, put.json);

    const bad = await users.OWNER.call('PUT', `${base}/${id}`, { name: 'x', definition: { widgets: [{ ...countWidget, chart: 'pie' }] } });
    expect(bad, 400, 'bad replace');
    assert.equal((await users.OWNER.call('GET', `${base}/${id}`)).json.name, 'Costs and volume');
  });

  it('unknown ids are 404; another project sees nothing', async () => {
    const m = users.MEMBER;
    const missing = `${base}/${randomUUID()}`;
    expect(await m.call('GET', missing), 404, 'get unknown');
    expect(await m.call('PUT', missing, { name: 'x', definition: { widgets: [] } }), 404, 'put unknown');
    expect(await m.call('DELETE', missing), 404, 'delete unknown');

    const other = await users.OWNER.call('POST', `/api/ui/orgs/${org.id}/projects`, { name: `other-${RUN}` });
    expect(other, 201, 'second project');
    const otherBase = `/api/ui/projects/${other.json.id}/dashboards`;
    assert.deepEqual((await users.OWNER.call('GET', otherBase)).json, { data: [] });
    expect(await users.OWNER.call('GET', `${otherBase}/${id}`), 404, 'read through another project');
    expect(await users.OWNER.call('DELETE', `${otherBase}/${id}`), 404, 'delete through another project');
    // A project the user has no role in: 404, as for every project route.
    const stranger = new Browser(server);
    await stranger.signup(`stranger-${RUN}@example.com`);
    expect(await stranger.call('GET', base), 404, 'stranger');
  });

  it('survives a restart; the MEMBER deletes it', async () => {
    await server.stop();
    await server.start();
    const list = await users.MEMBER.call('GET', base);
    expect(list, 200, 'list after restart');
    assert.deepEqual(list.json.data.map((d) => d.name), ['Costs and volume']);
    expect(await users.MEMBER.call('DELETE', `${base}/${id}`), 204, 'member deletes');
    expect(await users.MEMBER.call('GET', `${base}/${id}`), 404, 'gone');
    assert.deepEqual((await users.VIEWER.call('GET', base)).json, { data: [] });
  });
});
