// Test harness for the Lanterne compatibility suite.
//
// Starts and stops a real `lanterne serve` process on a free port with a
// temporary data directory, provisions a project and API key pair through the
// Langfuse-style LANGFUSE_INIT_* environment variables, and offers a small
// `api()` helper around fetch with Basic auth.
//
// Environment:
//   LANTERNE_BIN               path to the server binary
//                              (default: <repo>/build/release/lanterne)
//   LANTERNE_START_TIMEOUT_MS  how long to wait for the ready line (default 20000)
//   LANTERNE_KEEP_DATA=1       keep temporary data directories after the tests
//   LANTERNE_SERVER_LOG=1      echo the server's stderr to this process' stderr

import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LANTERNE_BIN =
  process.env.LANTERNE_BIN || path.join(REPO_ROOT, 'build', 'release', 'lanterne');
const START_TIMEOUT_MS = Number(process.env.LANTERNE_START_TIMEOUT_MS || 20000);
const STOP_TIMEOUT_MS = Number(process.env.LANTERNE_STOP_TIMEOUT_MS || 20000);
const KEEP_DATA = process.env.LANTERNE_KEEP_DATA === '1';
const ECHO_LOG = process.env.LANTERNE_SERVER_LOG === '1';
const LOG_CAP = 256 * 1024; // keep the last 256 KiB of each stream

/** YYYY-MM-DDTHH:MM:SS.sssZ, the only date format the API may return. */
export const ISO_MS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Ask the kernel for a free TCP port on 127.0.0.1 (the server rejects port 0). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function basicAuth(publicKey, secretKey) {
  return 'Basic ' + Buffer.from(`${publicKey}:${secretKey}`).toString('base64');
}

function appendCapped(buf, chunk) {
  const next = buf + chunk;
  return next.length > LOG_CAP ? next.slice(next.length - LOG_CAP) : next;
}

function assertBinary() {
  if (!existsSync(LANTERNE_BIN)) {
    throw new Error(
      `Lanterne binary not found at ${LANTERNE_BIN}. Build it first or set LANTERNE_BIN.`,
    );
  }
}

/** Run a one-shot lanterne subcommand and return {code, stdout, stderr}. */
export function runLanterne(args, { env = {}, timeoutMs = 30000 } = {}) {
  assertBinary();
  return new Promise((resolve, reject) => {
    const child = spawn(LANTERNE_BIN, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lanterne ${args.join(' ')} timed out after ${timeoutMs} ms\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const liveServers = new Set();
process.on('exit', () => {
  for (const s of liveServers) {
    try {
      s.child?.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

export class LanterneServer {
  constructor(opts = {}) {
    const tag = randomUUID().slice(0, 8);
    this.orgId = opts.orgId ?? `org-compat-${tag}`;
    this.orgName = opts.orgName ?? 'Compat Org';
    this.projectId = opts.projectId ?? `proj-compat-${tag}`;
    this.projectName = opts.projectName ?? 'Compat Project';
    this.publicKey = opts.publicKey ?? `pk-lf-${randomUUID()}`;
    this.secretKey = opts.secretKey ?? `sk-lf-${randomUUID()}`;
    this.extraEnv = opts.env ?? {};
    this.dataDir = opts.dataDir ?? null;
    this.port = opts.port ?? null;
    this.child = null;
    this.stdout = '';
    this.stderr = '';
    this.exitInfo = null;
    this._exitPromise = null;
  }

  get baseUrl() {
    return `http://127.0.0.1:${this.port}`;
  }

  get env() {
    return {
      LANGFUSE_INIT_ORG_ID: this.orgId,
      LANGFUSE_INIT_ORG_NAME: this.orgName,
      LANGFUSE_INIT_PROJECT_ID: this.projectId,
      LANGFUSE_INIT_PROJECT_NAME: this.projectName,
      LANGFUSE_INIT_PROJECT_PUBLIC_KEY: this.publicKey,
      LANGFUSE_INIT_PROJECT_SECRET_KEY: this.secretKey,
      LANGFUSE_INIT_USER_EMAIL: 'compat@example.com',
      LANGFUSE_INIT_USER_NAME: 'Compat User',
      LANGFUSE_INIT_USER_PASSWORD: 'compat-password-123',
      ...this.extraEnv,
    };
  }

  async ensureDataDir() {
    if (!this.dataDir) {
      this.dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lanterne-compat-'));
    }
    return this.dataDir;
  }

  /** `lanterne admin create-project` against this server's data dir. */
  async createProject(name) {
    await this.ensureDataDir();
    const res = await runLanterne(['admin', 'create-project', '--data-dir', this.dataDir, '--name', name], {
      env: this.env,
    });
    if (res.code !== 0) {
      throw new Error(
        `lanterne admin create-project exited with ${res.code ?? res.signal}\nstdout:\n${res.stdout}\nstderr:\n${res.stderr}`,
      );
    }
    const field = (k) => {
      const m = res.stdout.match(new RegExp(`^\\s*${k}:\\s*(\\S+)\\s*$`, 'm'));
      if (!m) throw new Error(`create-project output lacks "${k}:" line:\n${res.stdout}`);
      return m[1];
    };
    return { name, publicKey: field('public_key'), secretKey: field('secret_key'), projectId: field('project_id') };
  }

  /** Start `lanterne serve` and resolve once the ready line was printed. */
  async start() {
    assertBinary();
    if (this.child) throw new Error('server already running');
    await this.ensureDataDir();
    if (!this.port) this.port = await freePort();
    this.stdout = '';
    this.stderr = '';
    this.exitInfo = null;

    const args = ['serve', '--host', '127.0.0.1', '--port', String(this.port), '--data-dir', this.dataDir];
    const child = spawn(LANTERNE_BIN, args, {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    liveServers.add(this);
    this._exitPromise = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        liveServers.delete(this);
        resolve(this.exitInfo);
      });
    });

    const readyLine = `Lanterne ready on http://127.0.0.1:${this.port}`;
    const ready = new Promise((resolve, reject) => {
      let lineBuf = '';
      let done = false;
      const finish = (err) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const describe = (why) =>
        new Error(
          `Lanterne did not become ready: ${why}\n` +
            `command: ${LANTERNE_BIN} ${args.join(' ')}\n` +
            `stdout:\n${this.stdout || '(empty)'}\nstderr:\n${this.stderr || '(empty)'}`,
        );
      const timer = setTimeout(() => {
        finish(describe(`no ready line "${readyLine}" within ${START_TIMEOUT_MS} ms`));
        child.kill('SIGKILL');
      }, START_TIMEOUT_MS);
      child.stdout.setEncoding('utf8').on('data', (d) => {
        this.stdout = appendCapped(this.stdout, d);
        if (done) return;
        lineBuf += d;
        let nl;
        while ((nl = lineBuf.indexOf('\n')) >= 0) {
          const line = lineBuf.slice(0, nl).replace(/\r$/, '');
          lineBuf = lineBuf.slice(nl + 1);
          if (line === readyLine) finish();
        }
      });
      child.stderr.setEncoding('utf8').on('data', (d) => {
        this.stderr = appendCapped(this.stderr, d);
        if (ECHO_LOG) process.stderr.write(d);
      });
      child.on('error', (err) => finish(describe(`spawn failed: ${err.message}`)));
      child.on('exit', (code, signal) => finish(describe(`process exited early (code ${code}, signal ${signal})`)));
    });
    try {
      await ready;
    } catch (err) {
      this.child = null;
      throw err;
    }
    return this;
  }

  /** Wait for the process to exit; SIGKILL it after `timeoutMs`. */
  async waitForExit(timeoutMs = STOP_TIMEOUT_MS) {
    if (!this._exitPromise) return this.exitInfo;
    let timer;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const r = await Promise.race([this._exitPromise, timeout]);
    clearTimeout(timer);
    if (r === 'timeout') {
      this.child?.kill('SIGKILL');
      await this._exitPromise;
      this.child = null;
      throw new Error(
        `Lanterne did not exit within ${timeoutMs} ms and was killed\nstderr:\n${this.stderr}`,
      );
    }
    this.child = null;
    return r;
  }

  /** Graceful stop (SIGTERM). Resolves with {code, signal}. */
  async stop(timeoutMs = STOP_TIMEOUT_MS) {
    if (!this.child) return this.exitInfo;
    this.child.kill('SIGTERM');
    return this.waitForExit(timeoutMs);
  }

  /** Crash stop (SIGKILL), as in a power cut or OOM kill. */
  async kill9() {
    if (!this.child) return this.exitInfo;
    this.child.kill('SIGKILL');
    return this.waitForExit(10000);
  }

  /** Stop if running (SIGTERM) and start again on the same data dir and port. */
  async restart() {
    if (this.child) await this.stop();
    return this.start();
  }

  /** Stop the server and delete its data directory. */
  async dispose() {
    if (this.child) {
      try {
        await this.stop();
      } catch {
        /* reported elsewhere */
      }
    }
    if (this.dataDir && !KEEP_DATA) {
      await fs.rm(this.dataDir, { recursive: true, force: true });
    }
  }

  /**
   * HTTP helper. `path` is relative to the server root ("/api/public/..."), or
   * relative to /api/public when it does not start with "/api", or a full URL.
   *
   * opts.auth: undefined → Basic with the init project's keys;
   *            false/'none' → no Authorization header;
   *            {publicKey, secretKey} → Basic with those keys;
   *            {bearer} → Bearer token; a string → used verbatim.
   * opts.body: object → JSON; string/Buffer → sent as is.
   * Resolves with {status, headers, text, json, ok}. `json` is undefined when
   * the body is not JSON (see assertJsonBody()).
   */
  async api(p, opts = {}) {
    const { method = 'GET', body, auth, headers = {}, retries } = opts;
    const url = /^https?:\/\//.test(p)
      ? p
      : this.baseUrl + (p.startsWith('/api') || p.startsWith('/health') ? p : `/api/public${p.startsWith('/') ? '' : '/'}${p}`);
    const h = { ...headers };
    if (auth === undefined) h.Authorization = basicAuth(this.publicKey, this.secretKey);
    else if (auth === false || auth === 'none') {
      /* no header */
    } else if (typeof auth === 'string') h.Authorization = auth;
    else if (auth.bearer) h.Authorization = `Bearer ${auth.bearer}`;
    else h.Authorization = basicAuth(auth.publicKey, auth.secretKey);

    let payload = body;
    if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body) && !(body instanceof Uint8Array)) {
      payload = JSON.stringify(body);
    }
    if (payload !== undefined && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) {
      h['Content-Type'] = 'application/json';
    }
    // Idempotent reads get one retry on a network-level failure (stale pooled
    // connection after a server restart); writes never do.
    const maxAttempts = 1 + (retries ?? (method === 'GET' ? 1 : 0));
    let lastErr;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      try {
        const res = await fetch(url, { method, headers: h, body: payload });
        const text = await res.text();
        let json;
        try {
          json = text.length ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        return { status: res.status, headers: res.headers, text, json, ok: res.ok };
      } catch (err) {
        lastErr = err;
        if (attempt + 1 < maxAttempts) await sleep(100);
      }
    }
    throw new Error(`${method} ${url} failed: ${lastErr?.cause?.message ?? lastErr?.message}`, { cause: lastErr });
  }

  /** POST /api/public/ingestion with the given batch; returns the api() result. */
  ingest(batch, opts = {}) {
    return this.api('/api/public/ingestion', { method: 'POST', body: { batch }, ...opts });
  }
}

/** Create (and start) a server; `extraProjects` are created before `serve` starts. */
export async function startServer(opts = {}) {
  const server = new LanterneServer(opts);
  server.projects = {};
  try {
    for (const name of opts.extraProjects ?? []) {
      server.projects[name] = await server.createProject(name);
    }
    await server.start();
  } catch (err) {
    await server.dispose();
    throw err;
  }
  return server;
}

/** Assert a non-2xx response carries a JSON body with a string `message`. */
export function assertJsonError(res, status, context = '') {
  const where = context ? ` (${context})` : '';
  assert.equal(res.status, status, `expected HTTP ${status}${where}, got ${res.status}: ${res.text.slice(0, 500)}`);
  assert.notEqual(res.json, undefined, `HTTP ${res.status} body is not JSON${where}: ${JSON.stringify(res.text.slice(0, 500))}`);
  assert.equal(typeof res.json, 'object', `error body is not a JSON object${where}: ${res.text.slice(0, 500)}`);
  assert.equal(typeof res.json.message, 'string', `error body lacks a string "message"${where}: ${res.text.slice(0, 500)}`);
  const ct = res.headers.get('content-type') || '';
  assert.match(ct, /application\/json/i, `error Content-Type is "${ct}"${where}`);
  return res.json;
}

/** Build one ingestion event. */
export function event(type, body, { id = randomUUID(), timestamp = new Date().toISOString() } = {}) {
  return { id, type, timestamp, body };
}

/** Run `fn` over `items` with at most `limit` in flight; resolves with results in order. */
export async function mapConcurrent(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return results;
}

/** Query-string helper that repeats keys for array values. */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const x of v) u.append(k, String(x));
    else u.append(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

// ---------------------------------------------------------------------------
// OTLP/JSON builders (otel.test.mjs)

/** Random lowercase hex id: 16 bytes → trace id, 8 bytes → span id. */
export function hexId(bytes) {
  return randomBytes(bytes).toString('hex');
}

/** Milliseconds since the epoch (number or Date) → OTLP decimal-string nanoseconds. */
export function unixNano(ms) {
  return (BigInt(Math.round(Number(ms))) * 1_000_000n).toString();
}

/**
 * JS value → OTLP/JSON AnyValue. Integers become intValue (as a decimal
 * string, as OTLP/JSON allows for int64), other numbers doubleValue, arrays
 * arrayValue, plain objects kvlistValue. Pass {intValue: ...} etc. to force a
 * representation.
 */
export function otlpValue(v) {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && /^(string|int|double|bool|array|kvlist|bytes)Value$/.test(keys[0])) return v;
    return { kvlistValue: { values: Object.entries(v).map(([key, x]) => ({ key, value: otlpValue(x) })) } };
  }
  if (Array.isArray(v)) return { arrayValue: { values: v.map(otlpValue) } };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  return { stringValue: String(v) };
}

/** {key: value} → OTLP/JSON KeyValue list. */
export function otlpAttrs(obj = {}) {
  return Object.entries(obj).map(([key, value]) => ({ key, value: otlpValue(value) }));
}

/**
 * One OTLP/JSON span. opts: traceId, spanId, parentSpanId, name, kind,
 * start/end (ms or Date), attributes {k: v}, status {code, message}, events.
 */
export function otlpSpan(opts) {
  const span = {
    traceId: opts.traceId,
    spanId: opts.spanId,
    name: opts.name,
    kind: opts.kind ?? 1,
    startTimeUnixNano: unixNano(opts.start),
    endTimeUnixNano: unixNano(opts.end ?? opts.start),
    attributes: otlpAttrs(opts.attributes),
    status: opts.status ?? { code: 0 },
  };
  if (opts.parentSpanId) span.parentSpanId = opts.parentSpanId;
  if (opts.events) span.events = opts.events;
  return span;
}

/** ExportTraceServiceRequest (OTLP/JSON) with one resource and one scope. */
export function otlpExport({ resource = {}, scope = { name: 'compat-raw', version: '1.0.0' }, spans }) {
  return {
    resourceSpans: [
      {
        resource: { attributes: otlpAttrs(resource) },
        scopeSpans: [{ scope, spans }],
      },
    ],
  };
}

/**
 * A web UI client as a browser is one: keeps the session cookies and sends X-CSRF-Token
 * from the lanterne_csrf cookie on every write (unless `csrf: false`). A string body is
 * sent as it is (to test malformed JSON), anything else as JSON.
 */
export class UiBrowser {
  constructor(server) {
    this.server = server;
    this.cookies = new Map();
  }

  async call(method, path, body, { csrf = true } = {}) {
    const h = {};
    if (this.cookies.size) h.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (csrf && method !== 'GET' && this.cookies.has('lanterne_csrf')) {
      h['X-CSRF-Token'] = this.cookies.get('lanterne_csrf');
    }
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const res = await fetch(this.server.baseUrl + path, {
      method,
      headers: h,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json };
  }

  async signup(email) {
    const res = await this.call('POST', '/api/ui/auth/signup', { email, name: email.split('@')[0], password: 'password-123' });
    expectStatus(res, 201, `signup ${email}`);
  }
}

/** Asserts an HTTP status, with the answer's body in the message. */
export function expectStatus(res, status, what) {
  assert.equal(res.status, status, `${what}: expected ${status}, got ${res.status}: ${res.text}`);
}
