// bench/dashboard_browser.mjs: the home dashboard as a person opens it — Debian's Chromium
// (playwright-core, from tests/e2e's packages) logs in, opens "Past 30 days", and times the
// page from navigation until every card has its answer; then reloads RUNS times. Keeps a
// screenshot of the loaded page (docs/benchmarks.md, "Dashboards and metrics").
//
// usage: node bench/dashboard_browser.mjs BASE_URL EMAIL PASSWORD PROJECT_ID [RUNS] [SCREENSHOT]
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { chromium } = createRequire(path.join(root, 'tests', 'e2e', 'package.json'))('playwright-core');
const [base, email, password, projectId, runsArg, shot] = process.argv.slice(2);
if (!projectId) {
  console.error('usage: node bench/dashboard_browser.mjs BASE_URL EMAIL PASSWORD PROJECT_ID [RUNS] [SCREENSHOT]');
  process.exit(2);
}
const runs = Number(runsArg || 5);

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] });
try {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  page.setDefaultTimeout(120000);
  await page.goto(`${base}/login`);
  const login = await page.evaluate(
    async ([e, p]) => (await fetch('/api/ui/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: e, password: p }) })).status,
    [email, password],
  );
  if (login !== 200) throw new Error(`login answered ${login}`);
  const url = `${base}/project/${encodeURIComponent(projectId)}/dashboard?time=30d`;
  // Loaded: every card is past "Loading…" and the big numbers are filled.
  const loaded = () =>
    page.waitForFunction(() => {
      const cards = document.querySelectorAll('.dash-card');
      return cards.length > 0 && document.querySelectorAll('.dash-card [aria-busy="true"]').length === 0 && document.querySelector('[data-testid="big-Traces"]')?.textContent !== '—';
    });
  const times = [];
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    await page.goto(url);
    await loaded();
    times.push(performance.now() - t0);
  }
  const errors = await page.locator('.dash-card .error').allTextContents();
  if (shot) await page.screenshot({ path: shot, fullPage: true });
  const [first, ...rest] = times;
  rest.sort((a, b) => a - b);
  console.log(JSON.stringify({ first_load_ms: Math.round(first), reload_median_ms: Math.round(rest[Math.floor(rest.length / 2)]), reload_max_ms: Math.round(rest[rest.length - 1]), card_errors: errors }));
} finally {
  await browser.close();
}
