// What every browser test file shares: a `lanterne serve` of its own on a free port with a
// fresh data directory (no LANGFUSE_INIT_* variables, so the first sign-up owns it), and
// Debian's Chromium driven by playwright-core.
//
// Environment: LANTERNE_BIN (default <repo>/build/release/lanterne), CHROMIUM_PATH
// (default /usr/bin/chromium), LANTERNE_SERVER_LOG=1 to echo the server's stderr.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LANTERNE_BIN = process.env.LANTERNE_BIN || path.join(REPO_ROOT, 'build', 'release', 'lanterne');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const SHOTS = path.join(REPO_ROOT, 'build', 'e2e-screenshots');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Starts the server and the browser; `stop()` ends both and removes the data directory.
// Returns { baseUrl, browser, page, stop }.
export async function startE2E(dataDirPrefix) {
  await fs.mkdir(SHOTS, { recursive: true });
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), dataDirPrefix));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('LANGFUSE_INIT_')) delete env[k];
  const server = spawn(LANTERNE_BIN, ['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  server.stderr.setEncoding('utf8').on('data', (d) => {
    stderr = (stderr + d).slice(-65536);
    if (process.env.LANTERNE_SERVER_LOG === '1') process.stderr.write(d);
  });
  server.stdout.resume();
  let browser;
  const stop = async () => {
    await browser?.close();
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    await fs.rm(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20000;
  for (;;) {
    if (server.exitCode !== null) {
      await stop();
      throw new Error(`lanterne exited early:\n${stderr}`);
    }
    try {
      const r = await fetch(`${baseUrl}/api/public/health`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`lanterne did not answer /api/public/health:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  return { baseUrl, browser, page, stop };
}
