/**
 * End-to-end: the built dashboard served by the real server over a temporary SQLite file seeded from
 * the vendored MovieLens demo, driven in Debian's chromium through playwright-core. Each page is
 * screenshotted into `var/screenshots/`. Without chromium these tests fail (CI installs it), unless
 * `LMREC_SKIP_BROWSER=1` says to skip them.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationStore, cachedCatalogueVocabulary, createConversations, createEngine, createUseLiteEncoder, openStorage } from '../index.js';
import type { Engine } from '../index.js';
import { loadMovieLensLatest } from '../ingest/index.js';
import { createLifecycle } from '../lifecycle/index.js';
import type { ManagedLifecycle } from '../lifecycle/index.js';
import { createPipeline } from '../pipeline/index.js';
import { createServer, generateApiKey } from '../server/index.js';
import type { RecommendFunction } from '../server/index.js';
import { DEFAULT_DASHBOARD_DIST, registerDashboard } from './register-dashboard.js';
import type { DashboardSessionKey } from './register-dashboard.js';

const CHROMIUM = process.env.LMREC_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEMO = join(ROOT, 'data/demo/ml-latest-small');
const REPORTS = join(ROOT, 'dashboard/fixtures/reports');
const SHOTS = join(ROOT, 'var/screenshots');
const KEY = 'e2e-admin-key';
/** The page's own key: write, so that the user page can post events; the Models page needs KEY entered in Settings. */
const SESSION: DashboardSessionKey = { key: generateApiKey(), scope: 'write' };
const MOVIES = 150;

const haveChromium = existsSync(CHROMIUM);
/** Browser tests are skipped only when asked to: a missing chromium is a failure, not a silent pass. */
const skipBrowser = process.env.LMREC_SKIP_BROWSER === '1';
if (skipBrowser) process.stderr.write('dashboard e2e skipped: LMREC_SKIP_BROWSER=1\n');

describe.skipIf(skipBrowser || haveChromium)('dashboard browser tests without chromium', () => {
  it('needs chromium', () => {
    throw new Error(`no chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium), set LMREC_CHROMIUM to a chromium binary, or set LMREC_SKIP_BROWSER=1 to skip the browser tests`);
  });
});

/** Newest modification time of the dashboard's sources (a build older than it is stale). */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the app when `dist` is missing or older than a source file, so the tests never drive a stale build. */
async function ensureBuilt(): Promise<void> {
  const index = join(DEFAULT_DASHBOARD_DIST, 'index.html');
  const sources = Math.max(newestSource(join(ROOT, 'dashboard/src')), statSync(join(ROOT, 'dashboard/index.html')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'dashboard/vite.config.ts'), logLevel: 'warn' });
}

/** Pixels of the first canvas matching `selector` that are not transparent (run in the page). */
async function drawnPixels(page: Page, selector: string): Promise<number> {
  return page.evaluate<number>(`(() => {
    const canvas = document.querySelector(${JSON.stringify(selector)});
    const ctx = canvas && canvas.getContext('2d');
    if (!ctx) return 0;
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
    return n;
  })()`);
}

/**
 * Waits until a JavaScript expression is true in the page (expressions keep DOM types out of this Node
 * program). Polled from here: `waitForFunction` evaluates a string with `new Function` inside the
 * page, which the page's Content-Security-Policy (no 'unsafe-eval') refuses.
 */
async function until(page: Page, expression: string, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const met = await page.evaluate<boolean>(`Boolean(${expression})`).catch((error: unknown) => {
      if (error instanceof Error && /context was destroyed/i.test(error.message)) return false;
      throw error;
    });
    if (met) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function recIds(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`Array.from(document.querySelectorAll('#recommendations .rec'), (e) => e.getAttribute('data-item-id') || '')`);
}

describe.skipIf(skipBrowser || !haveChromium)('dashboard in a browser', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-dashboard-'));
  let engine: Engine;
  let lifecycle: ManagedLifecycle;
  let app: FastifyInstance;
  let base = '';
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  /** Console reports of resources or styles the page's Content-Security-Policy refused. */
  const cspViolations: string[] = [];

  const shot = async (name: string, p: Page = page, fullPage = true): Promise<void> => {
    await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const [ds] = await Promise.all([loadMovieLensLatest(DEMO), ensureBuilt()]);
    const counts = new Map<string, number>();
    for (const e of ds.batch.events) if (e.itemId !== undefined && e.type === 'rating') counts.set(e.itemId, (counts.get(e.itemId) ?? 0) + 1);
    const keep = new Set([...counts].sort((a, b) => b[1] - a[1]).slice(0, MOVIES).map(([id]) => id));
    const url = `sqlite://${join(dir, 'e2e.db')}`;
    engine = createEngine(await openStorage(url), { encoder: createUseLiteEncoder() });
    await engine.storage.bulkWrite({
      items: ds.batch.items.filter((it) => keep.has(it.id)),
      users: ds.batch.users,
      events: ds.batch.events.filter((e) => e.itemId !== undefined && keep.has(e.itemId)),
    });
    await engine.embedCatalogue();
    await engine.train('itemknn');
    await engine.train('semantic');
    // Capped below the catalogue, so its fit report carries the item cap the Models page shows.
    await engine.train('ease', { maxItems: 100 });
    lifecycle = createLifecycle({ engine, storageUrl: url, encoder: { kind: 'use-lite' }, checkEvery: '1h', reportsDir: join(dir, 'reports') });
    const pipeline = await createPipeline(engine, { models: ['itemknn'] });
    const recommend: RecommendFunction = async (request) => {
      const res = await pipeline.recommend(request.userId, { k: request.k, exclude: request.exclude, context: request.context, signal: request.signal });
      return {
        modelVersion: res.modelVersion,
        ...(res.fallback === undefined ? {} : { fallback: res.fallback }),
        items: res.items.map((it) => ({
          id: it.id,
          score: it.score,
          ...(it.title === undefined ? {} : { title: it.title }),
          sources: it.sources,
          reasons: it.explanation ? [{ because: it.explanation.because, aspects: it.explanation.aspects, sourceScores: it.explanation.sourceScores }] : [],
          explanation: it.explanation?.sentence ?? '',
        })),
      };
    };
    const conversations = createConversations({ engine, store: new ConversationStore(), vocabulary: cachedCatalogueVocabulary(engine.storage) });
    app = await createServer({ engine, lifecycle, recommend, conversations, onEvent: (events) => events.forEach((e) => pipeline.observe(e)), apiKeys: [{ key: KEY, scope: 'admin' }, SESSION] });
    await registerDashboard(app, { engine, reportsDirs: [join(dir, 'reports')], sampleReportsDirs: [REPORTS], sessionKey: SESSION, feed: { intervalMs: 200 } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    context = await browser.newContext({ viewport: { width: 1366, height: 860 } });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await lifecycle?.close();
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('browses the catalogue and opens an item with its statistics and similar items', async () => {
    await page.goto(`${base}/#/catalogue`);
    await page.waitForSelector('table.table tbody tr');
    // The page carries its session key, never the configured admin key.
    expect(await page.getAttribute('meta[name="lmrec-api-key"]', 'content')).toBe(SESSION.key);
    expect(await page.getAttribute('meta[name="lmrec-api-key-scope"]', 'content')).toBe('write');
    expect(await page.locator('table.table tbody tr').count()).toBe(50);
    // Natural id order: 1, 2, 3, … (not 1, 10, 100, …), with totals.
    const ids = await page.evaluate<string[]>(`Array.from(document.querySelectorAll('table.table tbody tr td:first-child'), (e) => e.textContent || '')`);
    expect(ids.map(Number)).toEqual([...ids.map(Number)].sort((a, b) => a - b));
    expect(Number(ids[1])).toBeLessThan(10);
    expect(await page.textContent('.totals')).toMatch(/^150 items · page 1 of 3/);
    await shot('01-catalogue');
    // Sorting by title, then reversing it.
    await page.click('th[data-column="title"] a');
    await until(page, `document.querySelector('th[data-column="title"]')?.getAttribute('aria-sort') === 'ascending'`);
    const titles = await page.evaluate<string[]>(`Array.from(document.querySelectorAll('table.table tbody tr td:nth-child(2) a'), (e) => e.textContent || '')`);
    expect(titles).toEqual([...titles].sort((a, b) => a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' })));
    await page.click('th[data-column="title"] a');
    await until(page, `document.querySelector('th[data-column="title"]')?.getAttribute('aria-sort') === 'descending'`);
    // A filter by title keeps the matching rows and says how many of all match.
    await page.fill('input[name="f"]', 'star wars');
    await page.click('form.filter button[type="submit"]');
    await until(page, `document.querySelector('.totals')?.textContent?.includes('match') === true`);
    const matched = await page.evaluate<string[]>(`Array.from(document.querySelectorAll('table.table tbody tr td:nth-child(2) a'), (e) => e.textContent || '')`);
    expect(matched.length).toBeGreaterThan(0);
    for (const title of matched) expect(title).toMatch(/star wars/i);
    expect(await page.textContent('.totals')).toMatch(new RegExp(`^${matched.length} of 150 items match “star wars”`));
    await shot('01b-catalogue-filtered');
    await page.goto(`${base}/#/items/260`);
    await page.waitForSelector('.rec-list .rec');
    await page.waitForSelector('.stat-row');
    await until(page, `document.querySelectorAll('.chart canvas').length >= 2`);
    expect(await page.textContent('h2')).toContain('Star Wars');
    expect(await drawnPixels(page, '.chart canvas')).toBeGreaterThan(100);
    await shot('02-item');
  });

  it('shows a user, and re-ranks the list live after a like', async () => {
    await page.goto(`${base}/#/users`);
    await page.waitForSelector('table.table tbody tr');
    const users = await page.evaluate<string[]>(`Array.from(document.querySelectorAll('table.table tbody tr td:first-child'), (e) => e.textContent || '')`);
    expect(users.slice(0, 3)).toEqual(['User 1', 'User 2', 'User 3']);
    expect(await page.textContent('.totals')).toMatch(/^\d+ users · page 1 of \d+/);
    await page.click('th[data-column="events"] a');
    await until(page, `document.querySelector('th[data-column="events"]')?.getAttribute('aria-sort') === 'ascending'`);
    await page.click('th[data-column="events"] a');
    await until(page, `document.querySelector('th[data-column="events"]')?.getAttribute('aria-sort') === 'descending'`);
    const counts = await page.evaluate<number[]>(`Array.from(document.querySelectorAll('table.table tbody tr td:nth-child(2)'), (e) => Number(e.textContent))`);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(counts[0]).toBeGreaterThan(counts[counts.length - 1]);
    await page.fill('input[name="f"]', '10');
    await page.click('form.filter button[type="submit"]');
    await until(page, `document.querySelector('.totals')?.textContent?.includes('match “10”') === true`);
    for (const u of await page.evaluate<string[]>(`Array.from(document.querySelectorAll('table.table tbody tr td:first-child'), (e) => e.textContent || '')`)) expect(u).toContain('10');
    await shot('03-users');
    await page.goto(`${base}/#/users/1`);
    await page.waitForSelector('#recommendations .rec');
    await page.waitForSelector('.timeline .tl-event');
    const before = await recIds(page);
    expect(before.length).toBe(10);
    expect(await page.locator('#recommendations .why').first().textContent()).not.toBe('');
    await shot('04-user');
    const liked = before[2];
    await page.click(`#recommendations .rec[data-item-id="${liked}"] .act-like`);
    await until(page, `!document.querySelector('#recommendations .rec[data-item-id="${liked}"]') && document.querySelector('.status .ok') !== null`);
    const after = await recIds(page);
    expect(after).not.toEqual(before);
    expect(after).not.toContain(liked);
    expect(await page.locator('#recommendations .rec.is-new, #recommendations .rec.is-moved').count()).toBeGreaterThan(0);
    expect(await page.locator('.timeline .tl-event').first().textContent()).toContain('like');
    await shot('05-user-after-like');
    // Opening an item from the served list counts as a click on that list.
    await page.click('#recommendations .rec .rec-title a');
    await page.waitForSelector('.stat-row');
  });

  it('tells a user without history what their list is, without an error', async () => {
    await page.goto(`${base}/#/users/nobody-yet`);
    await page.waitForSelector('#recommendations .rec');
    await page.waitForSelector('.no-history');
    expect(await page.textContent('.fallback-note')).toMatch(/^User nobody-yet has no history yet, so this is what anyone new gets: items (popular with other users|trending now|new in the catalogue)/);
    expect(await page.locator('.error-box').count()).toBe(0);
    const reasons = await page.evaluate<string[]>(`Array.from(document.querySelectorAll('#recommendations .why'), (e) => e.textContent || '')`);
    expect(reasons.length).toBe(10);
    for (const reason of reasons) expect(reason).not.toMatch(/your recent picks|because you liked/i);
    await shot('04b-unknown-user');
  });

  it('answers a natural-language query', async () => {
    await page.goto(`${base}/#/ask`);
    await page.fill('input[name="text"]', 'a space adventure with rebels and an empire');
    await page.click('form.ask button[type="submit"]');
    await page.waitForSelector('#ask-results .rec');
    expect(await page.locator('#ask-results .rec').count()).toBe(10);
    expect(await page.textContent('#ask-results .rec-list')).toMatch(/Star Wars/);
    await shot('06-ask');
  });

  it('holds a conversation on the Ask page: each message refines the last, answered from the catalogue', async () => {
    await page.goto(`${base}/#/ask`);
    await page.fill('input[name="message"]', 'something like Star Wars but funnier');
    await page.click('form.converse button[type="submit"]');
    await page.waitForSelector('#conversation .turn.assistant .rec');
    expect(await page.textContent('#conversation .turn.assistant .wish')).toMatch(/read as: like Star Wars.*funnier \(by rules; reply from the template\)/);
    expect(await page.locator('#conversation .turn.assistant .rec').count()).toBeGreaterThan(0);
    await page.fill('input[name="message"]', 'from the 80s please');
    await page.click('form.converse button[type="submit"]');
    await page.waitForSelector('#conversation .turn.assistant:nth-of-type(4) .rec');
    expect(await page.textContent('#conversation .turn.assistant:nth-of-type(4) .wish')).toMatch(/1980–1989/);
    const titles = await page.evaluate<string[]>(`Array.from(document.querySelectorAll('#conversation .turn.assistant:nth-of-type(4) .rec'), (e) => e.textContent || '')`);
    for (const title of titles) expect(title).toMatch(/\(198\d\)/);
    expect(await page.locator('#conversation .error-box').count()).toBe(0);
    await shot('06b-conversation');
  });

  it('streams incoming events and charts online CTR', async () => {
    await page.goto(`${base}/#/live`);
    await page.waitForSelector('.feed .feed-row');
    await until(page, `document.querySelector('.card-head .badge')?.textContent === 'live'`);
    const res = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify({ userId: '42', itemId: '1', type: 'view' }) });
    expect(res.status).toBe(200);
    const { lastSeq } = (await res.json()) as { lastSeq: number };
    await until(page, `document.querySelector('.feed .feed-row')?.textContent?.includes('#${lastSeq}') === true`, 5000);
    // Rows name items by title (item 1 is Toy Story), the id in the link's tooltip.
    expect(await page.textContent('.feed .feed-row .feed-item')).toContain('Toy Story');
    expect(await page.getAttribute('.feed .feed-row .feed-item', 'title')).toBe('item 1');
    await page.waitForSelector('.chart canvas');
    // CTR per model version: one readable row per pipeline label, the compositions in the tooltip.
    await page.waitForSelector('.ctr-chart[data-title="CTR per model version"] .ctr-table tr');
    const labels = await page.evaluate<string[]>(`Array.from(document.querySelectorAll('.ctr-chart[data-title="CTR per model version"] .ctr-table tr td:first-child'), (e) => e.textContent || '')`);
    expect(labels.length).toBeGreaterThan(0);
    for (const label of labels) expect(label).not.toContain('[');
    expect(await page.getAttribute('.ctr-chart[data-title="CTR per model version"] .ctr-table tr', 'title')).toMatch(/^pipeline@[^[]+\[/);
    expect(await page.locator('.chart canvas').count()).toBeGreaterThanOrEqual(2);
    const metrics = (await (await fetch(`${base}/v1/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { online: { total: { clicks: number } } };
    expect(metrics.online.total.clicks).toBeGreaterThanOrEqual(1);
    await shot('07-live');
  });

  it('renders evaluation reports as tables and charts', async () => {
    await page.goto(`${base}/#/evaluation?report=ml-latest-small-recbole`);
    await page.waitForSelector('.report table');
    // Only the bundled samples are there: the page says so, and how to run an evaluation of one's own.
    expect(await page.textContent('.sample-notice')).toContain('sample reports shipped with lmrec');
    expect(await page.textContent('h3 .badge')).toBe('bundled sample');
    expect(await page.locator('.tabs .badge:has-text("sample")').count()).toBe(2);
    expect(await page.getAttribute('details.run-evaluation', 'open')).toBe('');
    expect(await page.textContent('details.run-evaluation')).toContain('main.js evaluate');
    expect(await page.locator('details.run-evaluation form.evaluation-form button[type="submit"]').count()).toBe(1);
    await until(page, `document.querySelectorAll('.report .chart canvas').length >= 2`);
    expect(await page.textContent('.report table')).toContain('ease');
    expect(await drawnPixels(page, '.report .chart canvas')).toBeGreaterThan(500);
    await shot('08-evaluation');
    await page.click('.tabs a:has-text("cold-start")');
    await until(page, `document.querySelector('.report')?.textContent?.includes('held out') === true`);
    await page.waitForSelector('.report .chart canvas');
    expect(await drawnPixels(page, '.report .chart canvas')).toBeGreaterThan(500);
    await shot('09-evaluation-cold-start');
  });

  it('trains a model with progress, activates a version and rolls back', async () => {
    await page.goto(`${base}/#/models`);
    await page.waitForSelector('.model[data-model="itemknn"]');
    // Quality figures of each version's fit report, to decide on activation.
    expect(await page.textContent('.model[data-model="ease"] td.quality')).toMatch(/item cap 100: 100 items in the model, \d+ by the fallback/);
    expect(await page.textContent('.model[data-model="itemknn"] td.quality')).toContain('no validation figure stored');
    await page.selectOption('select[name="model"]', 'itemknn');
    // The session key may post events but not change models: the page says which key to enter where.
    await page.click('form.inline-form button[type="submit"]');
    await page.waitForSelector('.status .error-box');
    expect(await page.textContent('.status .error-box')).toMatch(/session key.*enter a key with scope "admin" on the Settings page/);
    await page.goto(`${base}/#/settings`);
    await page.fill('input[name="apiKey"]', KEY);
    await page.click('form button[type="submit"]');
    await page.waitForSelector('.status .ok');
    await page.goto(`${base}/#/models`);
    await page.waitForSelector('.model[data-model="itemknn"]');
    await page.selectOption('select[name="model"]', 'itemknn');
    await page.click('form.inline-form button[type="submit"]');
    await page.waitForSelector('.status .ok', { timeout: 30_000 });
    await until(page, `document.querySelector('.model[data-model="itemknn"] .badge.ok')?.textContent === 'serving v2'`, 30_000);
    await shot('10-models');
    await page.click('.model[data-model="itemknn"] tr:has-text("v1") button:has-text("Activate")');
    await until(page, `document.querySelector('.model[data-model="itemknn"] .badge.ok')?.textContent === 'serving v1'`, 30_000);
    await page.click('.model[data-model="itemknn"] button:has-text("Roll back")');
    await until(page, `document.querySelector('.model[data-model="itemknn"] .badge.ok')?.textContent === 'serving v2'`, 30_000);
    // Back to the session key: an empty field forgets the entered key.
    await page.goto(`${base}/#/settings`);
    await page.fill('input[name="apiKey"]', '');
    await page.click('form button[type="submit"]');
    await page.waitForSelector('.status .ok');
    expect(await page.evaluate<string | null>(`localStorage.getItem('lmrec.apiKey')`)).toBeNull();
  });

  it('runs an evaluation of the stored events from the Evaluation page and shows its report', async () => {
    await page.goto(`${base}/#/settings`);
    await page.fill('input[name="apiKey"]', KEY);
    await page.click('form button[type="submit"]');
    await page.waitForSelector('.status .ok');
    await page.goto(`${base}/#/evaluation`);
    await page.waitForSelector('form.evaluation-form');
    // The trained models are the default choice; run two of them, leave-one-out.
    for (const box of await page.locator('form.evaluation-form input[name="model"]').all()) {
      const value = await box.getAttribute('value');
      if ((value === 'pop' || value === 'itemknn') !== (await box.isChecked())) await box.click();
    }
    await page.selectOption('form.evaluation-form select[name="protocol"]', 'loo');
    await page.click('form.evaluation-form button[type="submit"]');
    // Once it finished, the page shows its report (the server ran it in a worker).
    await page.waitForSelector('h3:has-text("leave-one-out on stored events"), .run-status .error-box', { timeout: 40_000 });
    expect(await page.locator('.run-status .error-box').count(), (await page.textContent('.run-status')) ?? '').toBe(0);
    expect(await page.textContent('.report table')).toContain('itemknn');
    expect(await page.locator('.sample-notice').count()).toBe(0);
    await shot('09b-evaluation-run');
    await page.goto(`${base}/#/settings`);
    await page.fill('input[name="apiKey"]', '');
    await page.click('form button[type="submit"]');
    await page.waitForSelector('.status .ok');
  });

  it('collapses the navigation in a narrow window', async () => {
    const narrow = await context.newPage();
    await narrow.setViewportSize({ width: 390, height: 800 });
    await narrow.goto(`${base}/#/users/1`);
    await narrow.waitForSelector('#recommendations .rec');
    expect(await narrow.isVisible('#nav')).toBe(false);
    expect(await narrow.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await shot('11-narrow-user', narrow, false);
    await narrow.click('.nav-toggle');
    expect(await narrow.isVisible('#nav')).toBe(true);
    await shot('12-narrow-menu', narrow, false);
    await narrow.close();
  });

  it('guides a first-time visitor of an empty engine', async () => {
    const emptyDir = join(dir, 'empty');
    mkdirSync(join(emptyDir, 'reports'), { recursive: true });
    const emptyEngine = createEngine(await openStorage(`sqlite://${join(emptyDir, 'empty.db')}`));
    // The default page scope: read.
    const readSession: DashboardSessionKey = { key: generateApiKey(), scope: 'read' };
    const emptyApp = await createServer({ engine: emptyEngine, apiKeys: [{ key: KEY, scope: 'admin' }, readSession] });
    await registerDashboard(emptyApp, { engine: emptyEngine, reportsDirs: [join(emptyDir, 'reports')], sessionKey: readSession });
    await emptyApp.listen({ port: 0, host: '127.0.0.1' });
    const address = emptyApp.server.address();
    const emptyBase = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    const p = await context.newPage();
    try {
      await p.goto(`${emptyBase}/#/models`);
      await p.waitForSelector('.empty');
      expect(await p.textContent('.empty')).toContain('No models trained yet');
      expect(await p.isVisible('.empty button:has-text("Train")')).toBe(true);
      await shot('14-empty-models', p, false);
      await p.click('.empty button:has-text("Train")');
      await p.waitForSelector('.status .error-box');
      expect(await p.textContent('.status .error-box')).toMatch(/has scope "read".*enter a key with scope "admin" on the Settings page/);
      await p.goto(`${emptyBase}/#/evaluation`);
      await p.waitForSelector('.empty');
      expect(await p.textContent('.empty')).toContain('lmrec evaluate'.replace('lmrec', 'node dist/cli/main.js'));
      await shot('15-empty-evaluation', p, false);
      await p.goto(`${emptyBase}/#/catalogue`);
      await p.waitForSelector('.empty');
      expect(await p.textContent('.empty')).toContain('The catalogue is empty');
    } finally {
      await p.close();
      await emptyApp.close();
      await emptyEngine.close();
    }
  });

  it('loads every page without a Content-Security-Policy violation', () => {
    expect(cspViolations).toEqual([]);
  });

  it('shows a banner with retry when the engine cannot be reached', async () => {
    const other = await browser.newContext({ viewport: { width: 1100, height: 600 } });
    const p = await other.newPage();
    await p.goto(`${base}/#/catalogue`);
    await p.evaluate(`localStorage.setItem('lmrec.baseUrl', 'http://127.0.0.1:9')`);
    await p.reload();
    await p.waitForSelector('.banner');
    expect(await p.textContent('.banner')).toContain('Cannot reach the engine at http://127.0.0.1:9');
    await shot('13-unreachable', p);
    await other.close();
    expect(pageErrors).toEqual([]);
  });
});
