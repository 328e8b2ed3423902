/**
 * Live: events as they arrive (a running list and a per-second rate chart) and online metrics from
 * `GET /v1/metrics` — CTR per model version (grouped by the pipeline's ranker label, its compositions
 * in the tooltip) and per A/B variant, and request latency per route. Event rows name items by title.
 * @module
 */
import { api } from '../api.js';
import { errorMessage } from '../api-error.js';
import { chartBox, colour } from '../charts.js';
import { emptyState, errorBox, fmt, formatTime, h, replace } from '../dom.js';
import { followEvents } from '../event-stream.js';
import type { StreamMode } from '../event-stream.js';
import { href } from '../router.js';
import type { RouteContext } from '../router.js';
import type { Ctr, Metrics, StoredEvent } from '../types.js';

const MAX_ROWS = 100;
const RATE_WINDOW = 60;
const METRICS_MS = 5000;

function when(ms: number): string {
  const d = new Date(ms);
  return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : formatTime(ms);
}

/** One bar of a CTR chart: a readable label, its counts, and the raw keys it sums. */
interface CtrGroup {
  label: string;
  ctr: Ctr;
  keys: string[];
}

/**
 * Groups CTR entries by their label before the pipeline's composition: `pipeline@ranker-2[itemknn@3,…]`
 * and `pipeline@ranker-2[itemknn@4,…]` are one bar `pipeline@ranker-2`, whose tooltip lists the
 * compositions it sums. Keys without a composition stay as they are.
 */
export function groupCtr(data: Record<string, Ctr> | undefined): CtrGroup[] {
  const groups = new Map<string, CtrGroup>();
  for (const [key, c] of Object.entries(data ?? {})) {
    const bracket = key.indexOf('[');
    const label = bracket > 0 ? key.slice(0, bracket) : key;
    const g = groups.get(label) ?? { label, ctr: { impressions: 0, clicks: 0, ctr: 0 }, keys: [] };
    g.ctr = { impressions: g.ctr.impressions + c.impressions, clicks: g.ctr.clicks + c.clicks, ctr: 0 };
    g.ctr.ctr = g.ctr.impressions === 0 ? 0 : g.ctr.clicks / g.ctr.impressions;
    g.keys.push(key);
    groups.set(label, g);
  }
  return [...groups.values()];
}

/** Item titles seen by this page, so each event row names its item once it is known. */
const titles = new Map<string, string>();

async function learnTitles(events: readonly StoredEvent[], signal: AbortSignal): Promise<void> {
  const missing = [...new Set(events.map((e) => e.itemId).filter((id): id is string => id !== undefined && !titles.has(id)))].slice(0, 500);
  if (missing.length === 0) return;
  try {
    const res = await api.titles(missing, signal);
    for (const [id, title] of Object.entries(res.titles)) titles.set(id, title);
  } catch {
    // Rows keep their ids; the next batch asks again.
  }
}

function eventRow(e: StoredEvent, fresh: boolean): HTMLElement {
  const title = e.itemId === undefined ? undefined : titles.get(e.itemId);
  return h(
    'li',
    { class: fresh ? 'feed-row fresh' : 'feed-row' },
    h('span', { class: 'mono muted' }, `#${e.seq}`),
    h('span', { class: `badge ev ev-${e.type}` }, e.type),
    h('a', { href: href(`/users/${encodeURIComponent(e.userId)}`) }, `user ${e.userId}`),
    e.itemId === undefined
      ? h('span', { class: 'muted' }, e.text ?? '')
      : h('a', { href: href(`/items/${encodeURIComponent(e.itemId)}`), class: 'feed-item', title: `item ${e.itemId}` }, title ?? `item ${e.itemId}`),
    e.value === undefined ? null : h('span', { class: 'muted' }, String(e.value)),
    h('span', { class: 'muted small right' }, when(e.timestamp)),
  );
}

function ctrChart(title: string, data: Record<string, Ctr> | undefined, signal: AbortSignal): HTMLElement {
  const groups = groupCtr(data);
  if (groups.length === 0) return emptyState(title, 'No lists served yet: CTR appears once recommendations are requested and clicked.');
  const chart = chartBox(
    {
      type: 'bar',
      data: {
        labels: groups.map((g) => g.label),
        datasets: [{ label: 'CTR (clicks per list)', data: groups.map((g) => g.ctr.ctr), backgroundColor: groups.map((_, i) => colour(i)) }],
      },
      options: {
        animation: false,
        plugins: {
          legend: { display: false },
          title: { display: true, text: title },
          tooltip: {
          callbacks: {
            title: (items) => groups[items[0]?.dataIndex ?? 0]?.label ?? '',
            afterLabel: (item) => {
              const g = groups[item.dataIndex];
              const parts = g.keys.length > 1 || g.keys[0] !== g.label ? ['', `${g.keys.length} composition${g.keys.length === 1 ? '' : 's'}:`, ...g.keys.map((k) => `  ${k}: ${data?.[k]?.clicks ?? 0}/${data?.[k]?.impressions ?? 0}`)] : [];
              return [`${g.ctr.clicks} clicks / ${g.ctr.impressions} lists`, ...parts];
            },
          },
        },
        },
        scales: { y: { beginAtZero: true } },
      },
    },
    signal,
    { height: 200, label: title },
  ).box;
  // The same figures as text: one row per group, its compositions in the tooltip.
  const table = h(
    'table',
    { class: 'table small ctr-table' },
    h('tbody', {}, groups.map((g) => h('tr', { title: g.keys.join('\n') }, h('td', { class: 'mono' }, g.label, g.keys.length > 1 || g.keys[0] !== g.label ? h('span', { class: 'muted' }, ` (${g.keys.length} composition${g.keys.length === 1 ? '' : 's'})`) : null), h('td', { class: 'num' }, fmt(g.ctr.ctr, 3)), h('td', { class: 'num muted' }, `${g.ctr.clicks} / ${g.ctr.impressions}`)))),
  );
  return h('div', { class: 'ctr-chart', 'data-title': title }, chart, table);
}

/** Renders the live page. */
export async function renderLive(root: HTMLElement, ctx: RouteContext): Promise<void> {
  const { signal } = ctx;
  const mode = h('span', { class: 'badge' }, 'connecting');
  const list = h('ol', { class: 'feed', reversed: true });
  const counter = h('b', {}, '0');
  let seen = 0;
  let backlogShown = false;
  const buckets = new Array<number>(RATE_WINDOW).fill(0);
  const rate = chartBox(
    {
      type: 'line',
      data: { labels: buckets.map((_, i) => `${i - RATE_WINDOW + 1}s`), datasets: [{ label: 'events per second', data: [...buckets], borderColor: colour(0), backgroundColor: 'rgba(0,114,178,0.15)', fill: true, pointRadius: 0, tension: 0.25 }] },
      options: { animation: false, plugins: { legend: { display: false }, title: { display: true, text: 'Events per second (last minute)' } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { ticks: { maxTicksLimit: 7 } } } },
    },
    signal,
    { height: 180, label: 'events per second' },
  );
  const tick = setInterval(() => {
    buckets.shift();
    buckets.push(0);
    rate.chart.data.datasets[0].data = [...buckets];
    rate.chart.update('none');
  }, 1000);
  signal.addEventListener('abort', () => clearInterval(tick), { once: true });

  const metricsSlot = h('div', { class: 'metrics-stack' });
  const routesSlot = h('div', {});
  root.append(
    h('div', { class: 'page-head' }, h('h2', {}, 'Live'), h('p', { class: 'muted' }, 'Events as they arrive, and how served lists perform.')),
    h(
      'div',
      { class: 'grid-2 wide-left' },
      h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h3', {}, 'Incoming events'), mode), h('p', { class: 'muted small' }, counter, ' new since this page opened (the latest stored events are listed first)'), rate.box, list),
      h('section', { class: 'card' }, h('h3', {}, 'Online metrics'), metricsSlot, routesSlot),
    ),
  );

  let rendering: Promise<void> = Promise.resolve();
  void followEvents({
    signal,
    onMode: (m: StreamMode) => replace(mode, m === 'stream' ? 'live' : m),
    // Batches are shown in arrival order, each once the titles of its items are known.
    onEvents: (events) => {
      rendering = rendering.then(async () => {
        await learnTitles(events.slice(-MAX_ROWS), signal);
        for (const e of events.slice(-MAX_ROWS)) list.insertBefore(eventRow(e, backlogShown), list.firstChild);
        // The first batch is the backlog; later ones are arrivals.
        if (backlogShown) {
          buckets[RATE_WINDOW - 1] += events.length;
          rate.chart.data.datasets[0].data = [...buckets];
          rate.chart.update('none');
          seen += events.length;
        }
        backlogShown = true;
        replace(counter, String(seen));
        while (list.children.length > MAX_ROWS) list.lastElementChild?.remove();
        if (list.children.length === 0) list.append(h('li', { class: 'muted' }, 'No events stored yet.'));
        else list.querySelector('li.muted:only-child')?.remove();
      });
    },
  });

  let charts = new AbortController();
  signal.addEventListener('abort', () => charts.abort(), { once: true });
  const refresh = async (): Promise<void> => {
    try {
      const m: Metrics = await api.metrics(signal);
      // Each refresh draws new charts; the previous ones are destroyed.
      charts.abort();
      charts = new AbortController();
      const total = m.online?.total;
      replace(
        metricsSlot,
        h(
          'div',
          { class: 'stat-row' },
          h('div', { class: 'stat' }, h('b', {}, String(m.events?.stored ?? '–')), h('span', {}, 'events stored')),
          h('div', { class: 'stat' }, h('b', {}, String(total?.impressions ?? 0)), h('span', {}, 'lists served')),
          h('div', { class: 'stat' }, h('b', {}, String(total?.clicks ?? 0)), h('span', {}, 'clicks')),
          h('div', { class: 'stat' }, h('b', {}, fmt(total?.ctr ?? 0, 3)), h('span', {}, 'CTR')),
        ),
        ctrChart('CTR per model version', m.online?.byModelVersion, charts.signal),
        ctrChart('CTR per A/B variant', m.online?.byVariant, charts.signal),
      );
      const routes = Object.entries(m.requests ?? {}).filter(([r]) => r.includes('/v1/') && !r.includes('/stream'));
      replace(
        routesSlot,
        routes.length === 0
          ? null
          : h(
              'details',
              {},
              h('summary', {}, 'Request latency per route'),
              h(
                'table',
                { class: 'table small' },
                h('thead', {}, h('tr', {}, h('th', {}, 'route'), h('th', { class: 'num' }, 'count'), h('th', { class: 'num' }, 'p50 ms'), h('th', { class: 'num' }, 'p99 ms'))),
                h('tbody', {}, routes.map(([r, s]) => h('tr', {}, h('td', { class: 'mono' }, r), h('td', { class: 'num' }, String(s.count)), h('td', { class: 'num' }, fmt(s.p50Ms, 1)), h('td', { class: 'num' }, fmt(s.p99Ms, 1))))),
              ),
            ),
      );
    } catch (error) {
      if (!signal.aborted) replace(metricsSlot, errorBox(errorMessage(error)));
    }
  };
  await refresh();
  const timer = setInterval(() => void refresh(), METRICS_MS);
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}
