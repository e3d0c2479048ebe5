// The web UI's JSON API (/api/ui, docs/ui-api.md) over raw fetch with a cookie jar:
// sign-up, login/logout, CSRF, rate limiting, API keys (revocation takes effect at once on
// the public API), roles (a VIEWER reads but cannot create keys or delete traces), project
// isolation between organizations, and the headless-init user as OWNER.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { assertJsonError, basicAuth, event, startServer } from './harness.mjs';
import { Langfuse } from 'langfuse';

const RUN = randomUUID().slice(0, 8);

/** A browser: keeps cookies, sends X-CSRF-Token from the lanterne_csrf cookie. */
class Browser {
  constructor(server) {
    this.server = server;
    this.cookies = new Map();
  }

  get csrf() {
    return this.cookies.get('lanterne_csrf');
  }

  async call(method, path, { body, csrf = true, headers = {} } = {}) {
    const h = { ...headers };
    if (this.cookies.size) {
      h.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    if (csrf && method !== 'GET' && this.csrf) h['X-CSRF-Token'] = this.csrf;
    let payload;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      h['Content-Type'] = 'application/json';
    }
    const res = await fetch(this.server.baseUrl + path, { method, headers: h, body: payload });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  get(path, opts) {
    return this.call('GET', path, opts);
  }
  post(path, body, opts = {}) {
    return this.call('POST', path, { ...opts, body });
  }
  put(path, body, opts = {}) {
    return this.call('PUT', path, { ...opts, body });
  }
  del(path, body, opts = {}) {
    return this.call('DELETE', path, { ...opts, body });
  }

  async signup(email, password = 'password-123', name = 'Someone') {
    const res = await this.post('/api/ui/auth/signup', { email, name, password });
    assert.equal(res.status, 201, `signup ${email}: ${res.status} ${res.text}`);
    return res.json;
  }

  async login(email, password) {
    const res = await this.post('/api/ui/auth/login', { email, password });
    assert.equal(res.status, 200, `login ${email}: ${res.status} ${res.text}`);
    return res.json;
  }

  async me() {
    const res = await this.get('/api/ui/me');
    assert.equal(res.status, 200, `me: ${res.status} ${res.text}`);
    return res.json;
  }
}

function expectStatus(res, status, what) {
  assert.equal(res.status, status, `${what}: expected ${status}, got ${res.status}: ${res.text}`);
}

describe('UI API', () => {
  let server;
  const alice = { email: `alice-${RUN}@example.com`, password: 'alice-password-1' };
  let aliceBrowser;
  let aliceProject; // {id, name}
  let aliceOrg;

  before(async () => {
    // No init user: the first sign-up is the instance's first user.
    server = await startServer({
      env: { LANGFUSE_INIT_USER_EMAIL: '', LANGFUSE_INIT_USER_PASSWORD: '' },
    });
    aliceBrowser = new Browser(server);
  });

  after(async () => {
    if (server) {
      const exit = await server.stop();
      await server.dispose();
      assert.equal(exit?.code, 0, `server exit: ${JSON.stringify(exit)}\n${server.stderr}`);
    }
  });

  it('the first sign-up becomes OWNER of a default organization and project', async () => {
    const res = await aliceBrowser.signup(alice.email, alice.password, 'Alice');
    assert.equal(res.user.email, alice.email);
    assert.equal(res.user.name, 'Alice');
    assert.ok(res.user.id);
    assert.ok(aliceBrowser.cookies.get('lanterne_session'), 'session cookie set');
    assert.ok(aliceBrowser.csrf, 'csrf cookie set');
    assert.equal(res.csrfToken, aliceBrowser.csrf);
    const me = await aliceBrowser.me();
    assert.equal(me.user.email, alice.email);
    assert.equal(me.organizations.length, 1);
    aliceOrg = me.organizations[0];
    assert.equal(aliceOrg.name, 'My Organization');
    assert.equal(aliceOrg.role, 'OWNER');
    assert.equal(aliceOrg.projects.length, 1);
    aliceProject = aliceOrg.projects[0];
    assert.equal(aliceProject.name, 'My Project');
    assert.equal(aliceProject.role, 'OWNER');
    assert.ok(aliceProject.permissions.includes('apiKeys:create'));
    assert.ok(aliceProject.permissions.includes('project:delete'));
  });

  it('the session cookie is HttpOnly and the CSRF cookie is readable', async () => {
    const b = new Browser(server);
    const res = await b.post('/api/ui/auth/login', alice);
    expectStatus(res, 200, 'login');
    const lines = res.headers.getSetCookie();
    const session = lines.find((l) => l.startsWith('lanterne_session='));
    const csrf = lines.find((l) => l.startsWith('lanterne_csrf='));
    assert.match(session, /HttpOnly/i);
    assert.match(session, /SameSite=Lax/i);
    assert.match(session, /Path=\//);
    assert.doesNotMatch(csrf, /HttpOnly/i);
  });

  it('logs out and back in; a wrong password is 401', async () => {
    const b = new Browser(server);
    await b.login(alice.email, alice.password);
    expectStatus(await b.get('/api/ui/me'), 200, 'me while logged in');
    const oldCookies = new Map(b.cookies);
    expectStatus(await b.post('/api/ui/auth/logout'), 204, 'logout');
    assert.equal(b.cookies.get('lanterne_session'), undefined, 'session cookie cleared');
    expectStatus(await b.get('/api/ui/me'), 401, 'me after logout');
    // The old token is dead server-side, not just forgotten by the browser.
    b.cookies = oldCookies;
    assertJsonError(await b.get('/api/ui/me'), 401, 'old session token after logout');

    const wrong = await new Browser(server).post('/api/ui/auth/login', {
      email: alice.email,
      password: 'not-the-password',
    });
    assertJsonError(wrong, 401, 'wrong password');
    assert.equal(wrong.json.message, 'Invalid email or password');
    const unknown = await new Browser(server).post('/api/ui/auth/login', {
      email: `nobody-${RUN}@example.com`,
      password: 'whatever-123',
    });
    assertJsonError(unknown, 401, 'unknown email');
    assert.equal(unknown.json.message, 'Invalid email or password');
    // Email is case-insensitive.
    await new Browser(server).login(alice.email.toUpperCase(), alice.password);
  });

  it('refuses state-changing requests without the CSRF token (403)', async () => {
    const path = `/api/ui/projects/${aliceProject.id}/api-keys`;
    const missing = await aliceBrowser.post(path, { note: 'x' }, { csrf: false });
    assertJsonError(missing, 403, 'no X-CSRF-Token');
    assert.equal(missing.json.message, 'CSRF token missing or invalid');
    const wrong = await aliceBrowser.post(path, { note: 'x' }, {
      csrf: false,
      headers: { 'X-CSRF-Token': 'forged' },
    });
    assertJsonError(wrong, 403, 'wrong X-CSRF-Token');
    // Reads need none; without a session everything is 401.
    expectStatus(await aliceBrowser.get(path), 200, 'GET needs no CSRF');
    expectStatus(await new Browser(server).get(path), 401, 'no session');
  });

  it('creates, lists and revokes an API key; the public API refuses it at once', async () => {
    const path = `/api/ui/projects/${aliceProject.id}/api-keys`;
    const created = await aliceBrowser.post(path, { note: 'ci key' });
    expectStatus(created, 201, 'create key');
    const key = created.json;
    assert.match(key.publicKey, /^pk-lf-/);
    assert.match(key.secretKey, /^sk-lf-/);
    assert.match(key.displaySecretKey, /^sk-lf-.*\.\.\./);
    assert.equal(key.note, 'ci key');

    const list = await aliceBrowser.get(path);
    expectStatus(list, 200, 'list keys');
    const listed = list.json.data.find((k) => k.id === key.id);
    assert.ok(listed, 'new key listed');
    assert.equal(listed.publicKey, key.publicKey);
    assert.equal(listed.secretKey, undefined, 'secret never listed');
    assert.equal(listed.lastUsedAt, null);

    const auth = basicAuth(key.publicKey, key.secretKey);
    const before = await server.api('/api/public/projects', { auth });
    expectStatus(before, 200, 'public API with the new key');
    assert.equal(before.json.data[0].id, aliceProject.id);

    expectStatus(await aliceBrowser.del(`${path}/${key.id}`), 204, 'revoke');
    assertJsonError(await server.api('/api/public/projects', { auth }), 401, 'revoked key');
    const after = await aliceBrowser.get(path);
    assert.equal(after.json.data.find((k) => k.id === key.id), undefined, 'revoked key not listed');
    expectStatus(await aliceBrowser.del(`${path}/${key.id}`), 404, 'revoke twice');
  });

  describe('a VIEWER', () => {
    const bob = { email: `bob-${RUN}@example.com`, password: 'bob-password-1' };
    let bobBrowser;
    let traceId;
    let keyAuth;

    before(async () => {
      // Alice's project gets a trace, sent with a key she creates.
      const created = await aliceBrowser.post(`/api/ui/projects/${aliceProject.id}/api-keys`, {});
      expectStatus(created, 201, 'create key');
      keyAuth = { publicKey: created.json.publicKey, secretKey: created.json.secretKey };
      traceId = `ui-trace-${RUN}`;
      const ingest = await server.ingest([event('trace-create', { id: traceId, name: 'ui-test' })], {
        auth: keyAuth,
      });
      expectStatus(ingest, 207, 'ingest');
      assert.equal(ingest.json.errors.length, 0, ingest.text);

      bobBrowser = new Browser(server);
      const signup = await bobBrowser.signup(bob.email, bob.password, 'Bob');
      assert.ok(signup.user.id);
      assert.deepEqual((await bobBrowser.me()).organizations, [], 'a later sign-up has no org');

      const inv = await aliceBrowser.post(`/api/ui/orgs/${aliceOrg.id}/invitations`, {
        role: 'VIEWER',
        email: bob.email,
      });
      expectStatus(inv, 201, 'invite');
      assert.equal(inv.json.role, 'VIEWER');
      assert.equal(inv.json.url, `/invite/${inv.json.token}`);
      const shown = await new Browser(server).get(`/api/ui/invitations/${inv.json.token}`);
      expectStatus(shown, 200, 'show invitation');
      assert.equal(shown.json.orgName, 'My Organization');
      assert.equal(shown.json.role, 'VIEWER');
      const accepted = await bobBrowser.post(`/api/ui/invitations/${inv.json.token}/accept`);
      expectStatus(accepted, 200, 'accept');
      assert.equal(accepted.json.orgId, aliceOrg.id);
      expectStatus(
        await bobBrowser.post(`/api/ui/invitations/${inv.json.token}/accept`),
        404,
        'an invitation is used once',
      );
    });

    it('sees the project as VIEWER with read permission only', async () => {
      const me = await bobBrowser.me();
      assert.equal(me.organizations.length, 1);
      assert.equal(me.organizations[0].role, 'VIEWER');
      const project = me.organizations[0].projects.find((p) => p.id === aliceProject.id);
      assert.equal(project.role, 'VIEWER');
      assert.deepEqual(project.permissions, ['project:read', 'prompts:read', 'dashboards:read']);
    });

    it('reads traces', async () => {
      const list = await bobBrowser.get(`/api/ui/projects/${aliceProject.id}/traces`);
      expectStatus(list, 200, 'list traces');
      assert.ok(list.json.data.some((t) => t.id === traceId));
      assert.equal(typeof list.json.meta.totalItems, 'number');
      const one = await bobBrowser.get(`/api/ui/projects/${aliceProject.id}/traces/${traceId}`);
      expectStatus(one, 200, 'get trace');
      assert.equal(one.json.id, traceId);
      assert.ok(Array.isArray(one.json.observations));
      for (const p of ['observations', 'sessions', 'scores']) {
        expectStatus(await bobBrowser.get(`/api/ui/projects/${aliceProject.id}/${p}`), 200, p);
      }
    });

    it('cannot bookmark; the owner can, and the list filters on it', async () => {
      const path = `/api/ui/projects/${aliceProject.id}/traces/${traceId}`;
      const denied = await bobBrowser.call('PATCH', path, { body: { bookmarked: true } });
      assertJsonError(denied, 403, 'viewer bookmarks');
      assert.match(denied.json.message, /^objects:bookmark requires/);
      const marked = await aliceBrowser.call('PATCH', path, { body: { bookmarked: true } });
      expectStatus(marked, 200, 'owner bookmarks');
      assert.deepEqual(marked.json, { id: traceId, bookmarked: true });
      const only = await bobBrowser.get(`/api/ui/projects/${aliceProject.id}/traces?bookmarked=true`);
      expectStatus(only, 200, 'bookmarked only');
      assert.deepEqual(only.json.data.map((t) => t.id), [traceId]);
      assert.equal(only.json.data[0].bookmarked, true);
      // A later event for the trace keeps the bookmark.
      expectStatus(await server.ingest([event('trace-create', { id: traceId, name: 'renamed' })], { auth: keyAuth }), 207, 'update');
      const after = await bobBrowser.get(`/api/ui/projects/${aliceProject.id}/traces/${traceId}`);
      assert.equal(after.json.bookmarked, true);
      assert.equal(after.json.name, 'renamed');
      expectStatus(await aliceBrowser.call('PATCH', path, { body: { bookmarked: false } }), 200, 'unbookmark');
      const none = await bobBrowser.get(`/api/ui/projects/${aliceProject.id}/traces?bookmarked=true`);
      assert.deepEqual(none.json.data, []);
      assertJsonError(await aliceBrowser.call('PATCH', path, { body: { bookmarked: 'yes' } }), 400, 'bad body');
      assertJsonError(await aliceBrowser.get(`/api/ui/projects/${aliceProject.id}/traces?bookmarked=maybe`), 400, 'bad filter');
      assertJsonError(await aliceBrowser.call('PATCH', `${path}-missing`, { body: { bookmarked: true } }), 404, 'missing trace');
    });

    it('cannot create or list keys, or delete traces (403)', async () => {
      const create = await bobBrowser.post(`/api/ui/projects/${aliceProject.id}/api-keys`, {});
      assertJsonError(create, 403, 'viewer creates key');
      assert.equal(create.json.message, 'apiKeys:create requires ADMIN or OWNER on this project');
      assertJsonError(
        await bobBrowser.get(`/api/ui/projects/${aliceProject.id}/api-keys`),
        403,
        'viewer lists keys',
      );
      const del = await bobBrowser.del(`/api/ui/projects/${aliceProject.id}/traces/${traceId}`);
      assertJsonError(del, 403, 'viewer deletes trace');
      assert.match(del.json.message, /^traces:delete requires/);
      const bulk = await bobBrowser.del(`/api/ui/projects/${aliceProject.id}/traces`, {
        traceIds: [traceId],
      });
      assertJsonError(bulk, 403, 'viewer bulk-deletes');
      // Still there.
      expectStatus(
        await server.api(`/api/public/traces/${traceId}`, { auth: keyAuth }),
        200,
        'trace survives',
      );
      assertJsonError(
        await bobBrowser.post(`/api/ui/orgs/${aliceOrg.id}/invitations`, { role: 'ADMIN' }),
        403,
        'viewer invites',
      );
    });

    it('becomes ADMIN of the project through an override, and the owner can delete traces', async () => {
      const set = await aliceBrowser.put(
        `/api/ui/projects/${aliceProject.id}/members/${(await bobBrowser.me()).user.id}`,
        { role: 'ADMIN' },
      );
      expectStatus(set, 204, 'override');
      const members = await aliceBrowser.get(`/api/ui/projects/${aliceProject.id}/members`);
      const row = members.json.data.find((m) => m.email === bob.email);
      assert.equal(row.orgRole, 'VIEWER');
      assert.equal(row.projectRole, 'ADMIN');
      assert.equal(row.effectiveRole, 'ADMIN');
      expectStatus(
        await bobBrowser.get(`/api/ui/projects/${aliceProject.id}/api-keys`),
        200,
        'admin lists keys',
      );
      expectStatus(
        await aliceBrowser.del(`/api/ui/projects/${aliceProject.id}/traces/${traceId}`),
        200,
        'owner deletes trace',
      );
      assertJsonError(
        await server.api(`/api/public/traces/${traceId}`, { auth: keyAuth }),
        404,
        'deleted trace',
      );
    });
  });

  it("isolates projects: a user of another organization cannot read Alice's project", async () => {
    const carol = new Browser(server);
    await carol.signup(`carol-${RUN}@example.com`, 'carol-password-1', 'Carol');
    const org = await carol.post('/api/ui/orgs', { name: 'Carol Org' });
    expectStatus(org, 201, 'create org');
    const project = await carol.post(`/api/ui/orgs/${org.json.id}/projects`, { name: 'Carol P' });
    expectStatus(project, 201, 'create project');
    const me = await carol.me();
    assert.equal(me.organizations.length, 1);
    assert.equal(me.organizations[0].role, 'OWNER');
    assert.equal(me.organizations[0].projects[0].id, project.json.id);

    for (const p of ['traces', 'api-keys', 'members', 'sessions']) {
      const res = await carol.get(`/api/ui/projects/${aliceProject.id}/${p}`);
      assert.ok([403, 404].includes(res.status), `carol reads alice's ${p}: ${res.status}`);
    }
    const res = await aliceBrowser.get(`/api/ui/projects/${project.json.id}/traces`);
    assert.ok([403, 404].includes(res.status), `alice reads carol's traces: ${res.status}`);
    assert.ok([403, 404].includes((await carol.get(`/api/ui/orgs/${aliceOrg.id}/members`)).status));
    // The provisioned (headless-init) project belongs to nobody here.
    const init = await aliceBrowser.get(`/api/ui/projects/${server.projectId}/traces`);
    assert.ok([403, 404].includes(init.status), `init project: ${init.status}`);
  });

  it('manages organizations, members and projects with the OWNER rules', async () => {
    const erin = new Browser(server);
    await erin.signup(`erin-${RUN}@example.com`, 'erin-password-1', 'Erin');
    const frank = new Browser(server);
    const frankUser = (await frank.signup(`frank-${RUN}@example.com`, 'frank-password-1')).user;
    const org = (await erin.post('/api/ui/orgs', { name: 'Erin Org' })).json;
    const renamed = await erin.call('PATCH', `/api/ui/orgs/${org.id}`, { body: { name: 'Erin Co' } });
    expectStatus(renamed, 200, 'rename org');
    assert.equal(renamed.json.name, 'Erin Co');

    const inv = await erin.post(`/api/ui/orgs/${org.id}/invitations`, { role: 'ADMIN' });
    expectStatus(inv, 201, 'invite admin');
    expectStatus(await frank.post(`/api/ui/invitations/${inv.json.token}/accept`), 200, 'accept');
    const members = await erin.get(`/api/ui/orgs/${org.id}/members`);
    expectStatus(members, 200, 'members');
    assert.equal(members.json.data.find((m) => m.userId === frankUser.id).role, 'ADMIN');

    // An ADMIN cannot make anyone OWNER; the last OWNER cannot step down.
    const erinId = (await erin.me()).user.id;
    assertJsonError(
      await frank.put(`/api/ui/orgs/${org.id}/members/${frankUser.id}`, { role: 'OWNER' }),
      403,
      'admin grants owner',
    );
    assertJsonError(
      await erin.put(`/api/ui/orgs/${org.id}/members/${erinId}`, { role: 'ADMIN' }),
      409,
      'last owner steps down',
    );
    expectStatus(
      await erin.put(`/api/ui/orgs/${org.id}/members/${frankUser.id}`, { role: 'MEMBER' }),
      204,
      'demote to member',
    );
    assertJsonError(
      await frank.post(`/api/ui/orgs/${org.id}/projects`, { name: 'nope' }),
      403,
      'member creates project',
    );

    const project = (await erin.post(`/api/ui/orgs/${org.id}/projects`, { name: 'Temp' })).json;
    const key = (await erin.post(`/api/ui/projects/${project.id}/api-keys`, {})).json;
    const auth = { publicKey: key.publicKey, secretKey: key.secretKey };
    expectStatus(await server.api('/api/public/projects', { auth }), 200, 'key works');
    assertJsonError(
      await erin.del(`/api/ui/orgs/${org.id}`, { confirm: 'Erin Co' }),
      409,
      'org with projects',
    );
    assertJsonError(
      await erin.del(`/api/ui/projects/${project.id}`, { confirm: 'wrong' }),
      400,
      'wrong confirmation',
    );
    expectStatus(await erin.del(`/api/ui/projects/${project.id}`, { confirm: 'Temp' }), 204, 'delete project');
    assertJsonError(await server.api('/api/public/projects', { auth }), 401, "deleted project's key");
    expectStatus(await frank.del(`/api/ui/orgs/${org.id}/members/${frankUser.id}`), 204, 'leave');
    expectStatus(await erin.del(`/api/ui/orgs/${org.id}`, { confirm: 'Erin Co' }), 204, 'delete org');
    assert.deepEqual((await erin.me()).organizations, []);
  });

  it('changes the password and revokes the other sessions', async () => {
    const dave = { email: `dave-${RUN}@example.com`, password: 'dave-password-1' };
    const one = new Browser(server);
    await one.signup(dave.email, dave.password);
    const two = new Browser(server);
    await two.login(dave.email, dave.password);
    const wrong = await one.post('/api/ui/auth/password', {
      currentPassword: 'wrong-password',
      newPassword: 'dave-password-2',
    });
    assertJsonError(wrong, 400, 'wrong current password');
    const changed = await one.post('/api/ui/auth/password', {
      currentPassword: dave.password,
      newPassword: 'dave-password-2',
    });
    expectStatus(changed, 204, 'change password');
    expectStatus(await one.get('/api/ui/me'), 200, 'this session lives on');
    expectStatus(await two.get('/api/ui/me'), 401, 'other session revoked');
    expectStatus(
      await new Browser(server).post('/api/ui/auth/login', dave),
      401,
      'old password refused',
    );
    await new Browser(server).login(dave.email, 'dave-password-2');
  });

  it('rate-limits failed logins per email (429 with Retry-After)', async () => {
    const email = `target-${RUN}@example.com`;
    await new Browser(server).signup(email, 'target-password-1');
    for (let i = 0; i < 10; i++) {
      const res = await new Browser(server).post('/api/ui/auth/login', {
        email,
        password: `wrong-${i}`,
      });
      expectStatus(res, 401, `failed attempt ${i + 1}`);
    }
    const blocked = await new Browser(server).post('/api/ui/auth/login', {
      email,
      password: 'target-password-1',
    });
    assertJsonError(blocked, 429, 'eleventh attempt, even with the right password');
    assert.ok(Number(blocked.headers.get('retry-after')) > 0, 'Retry-After');
    // Another account is not affected.
    await new Browser(server).login(alice.email, alice.password);
  });
});

describe('UI API with a headless-init user', () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    if (server) {
      await server.stop();
      await server.dispose();
    }
  });

  it('logs in as OWNER of the init organization', async () => {
    const b = new Browser(server);
    await b.login(server.env.LANGFUSE_INIT_USER_EMAIL, server.env.LANGFUSE_INIT_USER_PASSWORD);
    const me = await b.me();
    assert.equal(me.organizations.length, 1);
    assert.equal(me.organizations[0].id, server.orgId);
    assert.equal(me.organizations[0].role, 'OWNER');
    assert.equal(me.organizations[0].projects[0].id, server.projectId);
    const keys = await b.get(`/api/ui/projects/${server.projectId}/api-keys`);
    expectStatus(keys, 200, 'init project keys');
    assert.ok(keys.json.data.some((k) => k.publicKey === server.publicKey));
  });
});

// The sessions and users pages' endpoints (docs/ui-api.md, "Sessions and users"): traces sent
// with the real `langfuse` SDK in two sessions for two users, with explicit times, usage and
// costs (binary-exact amounts), and the exact numbers the endpoints answer.
describe('UI API: sessions and users', () => {
  let server;
  let b;
  let base;
  const T = Date.parse('2024-05-01T10:00:00.000Z');
  const at = (s) => new Date(T + s * 1000);
  const iso = (s) => at(s).toISOString();
  const sessA = `sess-a-${RUN}`;
  const sessB = `sess-b-${RUN}`;
  const alice = `alice-${RUN}`;
  const bob = `bob-${RUN}`;

  before(async () => {
    server = await startServer();
    b = new Browser(server);
    await b.login(server.env.LANGFUSE_INIT_USER_EMAIL, server.env.LANGFUSE_INIT_USER_PASSWORD);
    base = `/api/ui/projects/${server.projectId}`;
    const lf = new Langfuse({
      publicKey: server.publicKey,
      secretKey: server.secretKey,
      baseUrl: server.baseUrl,
      flushAt: 100,
      flushInterval: 100000,
    });
    const gen = (trace, id, start, end, usageDetails, costDetails) =>
      trace.generation({ id, name: 'llm', model: `compat-unpriced-${RUN}`, startTime: at(start), endTime: at(end), usageDetails, costDetails });
    const a1 = lf.trace({
      id: `a1-${RUN}`, name: 'turn-1', userId: alice, sessionId: sessA, timestamp: at(0),
      input: [{ role: 'user', content: 'Hi' }], output: { role: 'assistant', content: 'Hello!' },
    });
    gen(a1, `g-a1-${RUN}`, 1, 3, { input: 10, output: 20 }, { input: 0.125, output: 0.375 });
    const a2 = lf.trace({
      id: `a2-${RUN}`, name: 'turn-2', userId: bob, sessionId: sessA, timestamp: at(10),
      input: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }, { role: 'user', content: 'What is 2+2?' }],
      output: '4',
    });
    gen(a2, `g-a2-${RUN}`, 11, 15, { input: 5, output: 5 }, { input: 0.0625, output: 0.1875 });
    await lf.flushAsync();
    // Sessions are created at ingestion: B, sent later, is the newer one.
    lf.trace({ id: `b1-${RUN}`, name: 'other', userId: alice, sessionId: sessB, timestamp: at(100), input: 'question b', output: 'answer b' });
    const n1 = lf.trace({ id: `n1-${RUN}`, name: 'no-session', userId: bob, timestamp: at(200) });
    gen(n1, `g-n1-${RUN}`, 201, 205, { input: 3, output: 4 }, { total: 1 });
    await lf.flushAsync();
    await lf.shutdownAsync();
  });

  after(async () => {
    if (server) {
      await server.stop();
      await server.dispose();
    }
  });

  it('lists sessions newest first with counts, duration, cost and users', async () => {
    const res = await b.get(`${base}/ui-sessions`);
    expectStatus(res, 200, 'ui-sessions');
    assert.deepEqual(res.json.meta, { page: 1, limit: 50, totalItems: 2, totalPages: 1 });
    assert.deepEqual(res.json.data.map((s) => s.id), [sessB, sessA]);
    const [sb, sa] = res.json.data;
    assert.equal(sa.traceCount, 2);
    assert.equal(sa.countedTraces, 2);
    assert.equal(sa.firstTraceAt, iso(0));
    assert.equal(sa.lastTraceAt, iso(10));
    assert.equal(sa.endedAt, iso(15));
    assert.equal(sa.durationSeconds, 15);
    assert.equal(sa.totalCost, 0.75);
    assert.deepEqual(sa.userIds, [alice, bob]);
    assert.equal(sa.environment, 'default');
    assert.equal(sb.traceCount, 1);
    assert.equal(sb.durationSeconds, 0);
    assert.equal(sb.totalCost, 0);
    assert.deepEqual(sb.userIds, [alice]);

    const second = await b.get(`${base}/ui-sessions?page=2&limit=1`);
    assert.deepEqual(second.json.meta, { page: 2, limit: 1, totalItems: 2, totalPages: 2 });
    assert.deepEqual(second.json.data.map((s) => s.id), [sessA]);
    const ofBob = await b.get(`${base}/ui-sessions?userId=${bob}`);
    assert.deepEqual(ofBob.json.data.map((s) => s.id), [sessA]);
    assert.equal(ofBob.json.meta.totalItems, 1);
    const future = await b.get(`${base}/ui-sessions?fromTimestamp=2999-01-01T00:00:00Z`);
    assert.equal(future.json.meta.totalItems, 0);
  });

  it('shows one session with tokens and its traces in order', async () => {
    const res = await b.get(`${base}/ui-sessions/${sessA}`);
    expectStatus(res, 200, 'ui-session');
    const s = res.json;
    assert.equal(s.id, sessA);
    assert.equal(s.traceCount, 2);
    assert.equal(s.totalCost, 0.75);
    assert.equal(s.inputTokens, 15);
    assert.equal(s.outputTokens, 25);
    assert.equal(s.totalTokens, 40);
    assert.deepEqual(s.traces.map((t) => t.id), [`a1-${RUN}`, `a2-${RUN}`]);
    assert.equal(s.traces[0].latency, 2);
    assert.equal(s.traces[0].totalCost, 0.5);
    assert.deepEqual(s.traces[0].input, [{ role: 'user', content: 'Hi' }]);
    assert.deepEqual(s.traces[0].output, { role: 'assistant', content: 'Hello!' });
    assert.equal(s.traces[1].output, '4');
    assert.deepEqual(s.meta, { page: 1, limit: 50, totalItems: 2, totalPages: 1 });
    const page2 = await b.get(`${base}/ui-sessions/${sessA}?page=2&limit=1`);
    assert.deepEqual(page2.json.traces.map((t) => t.id), [`a2-${RUN}`]);
    assert.equal(page2.json.totalCost, 0.75, 'totals cover the whole session on every page');
    assertJsonError(await b.get(`${base}/ui-sessions/nope-${RUN}`), 404, 'unknown session');
  });

  it('lists users by last seen with traces, tokens and cost', async () => {
    const res = await b.get(`${base}/users`);
    expectStatus(res, 200, 'users');
    assert.deepEqual(res.json.meta, { page: 1, limit: 50, totalItems: 2, totalPages: 1 });
    assert.deepEqual(res.json.data, [
      { userId: bob, firstSeen: iso(10), lastSeen: iso(200), traceCount: 2, countedTraces: 2, totalCost: 1.25, inputTokens: null, outputTokens: null, totalTokens: 17 },
      { userId: alice, firstSeen: iso(0), lastSeen: iso(100), traceCount: 2, countedTraces: 2, totalCost: 0.5, inputTokens: null, outputTokens: null, totalTokens: 30 },
    ]);
    const byId = await b.get(`${base}/users?orderBy=userId.asc&limit=1&page=2`);
    assert.deepEqual(byId.json.data.map((u) => u.userId), [bob]);
    assert.deepEqual(byId.json.meta, { page: 2, limit: 1, totalItems: 2, totalPages: 2 });

    const one = await b.get(`${base}/users/${alice}`);
    expectStatus(one, 200, 'one user');
    assert.equal(one.json.traceCount, 2);
    assert.equal(one.json.totalCost, 0.5);
    assert.equal(one.json.totalTokens, 30);
    assertJsonError(await b.get(`${base}/users/nobody-${RUN}`), 404, 'unknown user');
  });

  it('answers 400 naming the bad parameter, and keeps other people out', async () => {
    const sort = await b.get(`${base}/users?orderBy=totalCost.desc`);
    assertJsonError(sort, 400, 'unknown sort');
    assert.match(sort.json.message, /^orderBy:/);
    const limit = await b.get(`${base}/users?limit=0`);
    assertJsonError(limit, 400, 'limit 0');
    assert.match(limit.json.message, /^limit:/);
    const from = await b.get(`${base}/ui-sessions?fromTimestamp=yesterday`);
    assertJsonError(from, 400, 'bad timestamp');
    assert.match(from.json.message, /^fromTimestamp:/);
    const page = await b.get(`${base}/ui-sessions/${sessA}?page=0`);
    assertJsonError(page, 400, 'page 0');
    assert.match(page.json.message, /^page:/);

    expectStatus(await new Browser(server).get(`${base}/users`), 401, 'no session');
    const stranger = new Browser(server);
    await stranger.signup(`stranger-${RUN}@example.com`);
    for (const path of ['/users', `/users/${alice}`, '/ui-sessions', `/ui-sessions/${sessA}`]) {
      assertJsonError(await stranger.get(base + path), 404, `stranger ${path}`);
    }
  });
});

describe('UI API: traces table columns, metadata filters, login limit across a restart', () => {
  let server;
  let b;
  let base;
  const T = Date.parse('2024-06-01T10:00:00.000Z');
  const at = (s) => new Date(T + s * 1000);
  const id = (n) => `${n}-${RUN}`;

  before(async () => {
    server = await startServer();
    b = new Browser(server);
    await b.login(server.env.LANGFUSE_INIT_USER_EMAIL, server.env.LANGFUSE_INIT_USER_PASSWORD);
    base = `/api/ui/projects/${server.projectId}`;
    const lf = new Langfuse({
      publicKey: server.publicKey,
      secretKey: server.secretKey,
      baseUrl: server.baseUrl,
      flushAt: 100,
      flushInterval: 100000,
    });
    const t1 = lf.trace({
      id: id('m1'), name: 'meta', timestamp: at(0),
      metadata: { region: 'eu', tier: 3, beta: true, note: 'hello world', nested: { region: 'us' } },
    });
    t1.generation({ name: 'llm', model: `compat-unpriced-${RUN}`, startTime: at(1), endTime: at(2), usageDetails: { input: 10, output: 5, total: 15 } });
    t1.generation({ name: 'llm2', model: `compat-unpriced-${RUN}`, startTime: at(2), endTime: at(3), usageDetails: { input: 3, output: 2 } });
    t1.span({ name: 'span', startTime: at(1), endTime: at(2) });
    t1.score({ name: 'quality', value: 0.5 });
    t1.score({ name: 'quality', value: 1 });
    t1.score({ name: 'tone', value: 'calm', dataType: 'CATEGORICAL' });
    t1.score({ name: 'tone', value: 'calm', dataType: 'CATEGORICAL' });
    t1.score({ name: 'tone', value: 'angry', dataType: 'CATEGORICAL' });
    lf.trace({ id: id('m2'), name: 'meta', timestamp: at(10), metadata: { region: 'us', tier: 3 } });
    lf.trace({ id: id('m3'), name: 'other', timestamp: at(20), metadata: { region: 'eu' } });
    lf.trace({ id: id('m4'), name: 'meta', timestamp: at(30) });
    await lf.flushAsync();
    await lf.shutdownAsync();
  });

  after(async () => {
    if (server) {
      await server.stop();
      await server.dispose();
    }
  });

  const list = async (query) => {
    const res = await b.get(`${base}/traces?${query}`);
    expectStatus(res, 200, `traces?${query}`);
    return res.json;
  };
  const ids = async (query) => (await list(`orderBy=timestamp.asc&${query}`)).data.map((t) => t.id);

  it('returns tokens summed over observations and scores aggregated by name', async () => {
    const page = await list('orderBy=timestamp.asc');
    const [m1, m2] = page.data;
    assert.equal(m1.id, id('m1'));
    assert.equal(m1.inputTokens, 13);
    assert.equal(m1.outputTokens, 7);
    assert.equal(m1.totalTokens, 20);
    assert.deepEqual(m1.scoreAggregates, [
      { name: 'quality', dataType: 'NUMERIC', count: 2, average: 0.75, values: [] },
      {
        name: 'tone', dataType: 'CATEGORICAL', count: 3, average: null,
        values: [{ value: 'calm', count: 2 }, { value: 'angry', count: 1 }],
      },
    ]);
    assert.equal(m2.totalTokens, 0);
    assert.deepEqual(m2.scoreAggregates, []);
    // The public listing keeps Langfuse's shape.
    const pub = await server.api(`/api/public/traces?limit=1`);
    assert.equal(pub.status, 200);
    assert.equal(pub.json.data[0].totalTokens, undefined);
    assert.equal(pub.json.data[0].scoreAggregates, undefined);
  });

  it('filters on top-level metadata values, ANDed with the other filters', async () => {
    assert.deepEqual(await ids('metadata.region=eu'), [id('m1'), id('m3')]);
    assert.deepEqual(await ids('metadata.region=eu&name=meta'), [id('m1')]);
    assert.deepEqual(await ids('metadata.tier=3'), [id('m1'), id('m2')]);
    assert.deepEqual(await ids('metadata.tier=3&metadata.region=us'), [id('m2')]);
    assert.deepEqual(await ids('metadata.beta=true'), [id('m1')]);
    assert.deepEqual(await ids('metadataContains.note=lo%20wor'), [id('m1')]);
    assert.deepEqual(await ids('metadataContains.note=LO'), []); // case-sensitive
    assert.deepEqual(await ids('metadata.nested=us'), []); // only top-level scalars
    const page = await list('metadata.region=eu&limit=1');
    assert.equal(page.meta.totalItems, 2);
    assertJsonError(await b.get(`${base}/traces?metadataContains.note=`), 400, 'empty contains');
    assertJsonError(await b.get(`${base}/traces?metadata.=x`), 400, 'empty key');
  });

  it('answers the page and its total apart (total=false, total=only)', async () => {
    // Four traces, three named "meta". A page of two: more follow; the last page: none.
    const first = await list('name=meta&orderBy=timestamp.asc&limit=2&total=false');
    assert.deepEqual(first.data.map((t) => t.id), [id('m1'), id('m2')]);
    assert.deepEqual(first.meta, { page: 1, limit: 2, totalItems: null, totalPages: null, hasMore: true });
    const last = await list('name=meta&orderBy=timestamp.asc&limit=2&page=2&total=false');
    assert.deepEqual(last.data.map((t) => t.id), [id('m4')]);
    assert.deepEqual(last.meta, { page: 2, limit: 2, totalItems: null, totalPages: null, hasMore: false });
    const exact = await list('name=meta&limit=3&total=false');
    assert.equal(exact.meta.hasMore, false, 'a page that ends with the last match has no more');
    const total = await list('name=meta&limit=2&total=only');
    assert.deepEqual(total, { data: [], meta: { page: 1, limit: 2, totalItems: 3, totalPages: 2 } });
    // The observations table takes the same parameter.
    const obs = await b.get(`${base}/observations?traceId=${id('m1')}&limit=2&total=false`);
    expectStatus(obs, 200, 'observations page');
    assert.equal(obs.json.data.length, 2);
    assert.deepEqual(obs.json.meta, { page: 1, limit: 2, totalItems: null, totalPages: null, hasMore: true });
    const obsTotal = await b.get(`${base}/observations?traceId=${id('m1')}&total=only`);
    assert.equal(obsTotal.json.meta.totalItems, 3);
    assert.deepEqual(obsTotal.json.data, []);
    assertJsonError(await b.get(`${base}/traces?total=maybe`), 400, 'bad total');
    // The public API keeps Langfuse's meta, whatever the parameter.
    const pub = await server.api(`/api/public/traces?limit=1&total=false`);
    assert.equal(pub.status, 200);
    assert.deepEqual(Object.keys(pub.json.meta).sort(), ['limit', 'page', 'totalItems', 'totalPages']);
  });

  it('keeps the filter exact through metadata merges and deletes', async () => {
    const res = await server.ingest([
      event('trace-create', { id: id('m2'), metadata: { region: 'eu' } }),
    ]);
    assert.equal(res.status, 207, res.text);
    // Merged by key: region changes, tier stays.
    assert.deepEqual(await ids('metadata.region=eu'), [id('m1'), id('m2'), id('m3')]);
    assert.deepEqual(await ids('metadata.tier=3&metadata.region=eu'), [id('m1'), id('m2')]);
    expectStatus(await b.del(`${base}/traces/${id('m1')}`), 200, 'delete trace');
    assert.deepEqual(await ids('metadata.region=eu'), [id('m2'), id('m3')]);
  });

  it('keeps failed logins across a restart', async () => {
    const email = server.env.LANGFUSE_INIT_USER_EMAIL;
    for (let i = 0; i < 10; i++) {
      const res = await new Browser(server).post('/api/ui/auth/login', { email, password: 'wrong-password' });
      expectStatus(res, 401, `failed login ${i}`);
    }
    const exit = await server.stop();
    assert.equal(exit?.code, 0);
    await server.start();
    const blocked = await new Browser(server).post('/api/ui/auth/login', {
      email,
      password: server.env.LANGFUSE_INIT_USER_PASSWORD,
    });
    assertJsonError(blocked, 429, 'after the restart, even with the right password');
    assert.ok(Number(blocked.headers.get('retry-after')) > 800, 'the window was not reset');
  });
});
