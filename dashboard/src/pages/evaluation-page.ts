/**
 * Evaluation: the offline harness's reports (`report.json` from `lmrec evaluate --out`) as tables and
 * charts — accuracy per model, beyond-accuracy (coverage, tail share, Gini), and item cold-start
 * results against the chance level — and a form that starts an evaluation of the engine's own
 * events on the server (`evaluation-runner.ts`).
 * @module
 */
import { api } from '../api.js';
import { errorMessage } from '../api-error.js';
import { chartBox, colour } from '../charts.js';
import { emptyState, errorBox, fmt, h, loading, replace } from '../dom.js';
import { href, navigate } from '../router.js';
import { evaluationRunner } from './evaluation-runner.js';
import type { RouteContext } from '../router.js';
import type { ColdStartReport, Json, ProtocolReport, ReportModel, ReportSummary } from '../types.js';

const ACCURACY = ['recall', 'ndcg', 'mrr', 'hit', 'precision', 'map'];

function paramsText(params: Record<string, Json>): string {
  const hidden = new Set(['seed', 'evalEvery', 'patience', 'cgSteps', 'initStd']);
  const entries = Object.entries(params).filter(([k]) => !hidden.has(k));
  return entries.length === 0 ? '–' : entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
}

function metricKeys(models: readonly ReportModel[], k: number): string[] {
  const present = new Set(models.flatMap((m) => Object.keys(m.test.metrics)));
  return ACCURACY.map((m) => `${m}@${k}`).filter((key) => present.has(key));
}

function groupedBars(title: string, labels: string[], models: readonly ReportModel[], value: (m: ReportModel, label: string) => number | undefined, signal: AbortSignal, extra: { label: string; data: number[] }[] = []): HTMLElement {
  return chartBox(
    {
      type: 'bar',
      data: {
        labels,
        datasets: [
          ...models.map((m, i) => ({ type: 'bar' as const, label: m.kind, data: labels.map((l) => value(m, l) ?? 0), backgroundColor: colour(i) })),
          ...extra.map((e) => ({ type: 'bar' as const, label: e.label, data: e.data, backgroundColor: '#9ca3af' })),
        ],
      },
      options: { animation: false, plugins: { title: { display: true, text: title }, legend: { position: 'bottom' } }, scales: { y: { beginAtZero: true } } },
    },
    signal,
    { height: 280, label: title },
  ).box;
}

function datasetLine(report: { dataset: ProtocolReport['dataset'] }): HTMLElement {
  const r = report.dataset.raw;
  const f = report.dataset.filtered;
  return h('p', { class: 'muted' }, `Data: ${r.users} users, ${r.items} items, ${r.interactions} interactions → after filtering ${f.users} users, ${f.items} items, ${f.interactions} interactions (sparsity ${(f.sparsity * 100).toFixed(2)}%).`);
}

function renderProtocol(report: ProtocolReport, signal: AbortSignal): HTMLElement {
  const p = report.protocol;
  const k = p.ks.includes(10) ? 10 : p.ks[0];
  const keys = metricKeys(report.models, k);
  const split = p.split.kind === 'leave-one-out' ? 'leave-one-out by time' : `${p.split.kind} split ${(p.split.ratios ?? []).join(':')}`;
  const mode = report.mode === 'full' ? h('span', { class: 'badge ok' }, 'full ranking') : h('span', { class: 'badge warn' }, `SAMPLED ranking (${report.mode})`);
  const listKeys = ['coverage', 'tailShare', 'gini'] as const;
  const table = h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table small' },
      h('thead', {}, h('tr', {}, h('th', {}, 'model'), h('th', {}, 'params'), h('th', { class: 'num' }, `valid ${p.validMetric}`), keys.map((c) => h('th', { class: 'num' }, c)), h('th', { class: 'num' }, 'coverage'), h('th', { class: 'num' }, 'tail share'), h('th', { class: 'num' }, 'novelty'), h('th', { class: 'num' }, 'gini'), h('th', { class: 'num' }, 'fit s'))),
      h(
        'tbody',
        {},
        report.models.map((m) =>
          h(
            'tr',
            {},
            h('td', {}, h('b', {}, m.kind)),
            h('td', { class: 'mono small' }, paramsText(m.params)),
            h('td', { class: 'num' }, fmt(m.valid?.metrics[p.validMetric])),
            keys.map((c) => h('td', { class: 'num' }, fmt(m.test.metrics[c]))),
            h('td', { class: 'num' }, fmt(m.test.lists?.coverage, 3)),
            h('td', { class: 'num' }, fmt(m.test.lists?.tailShare, 3)),
            h('td', { class: 'num' }, fmt(m.test.lists?.novelty, 2)),
            h('td', { class: 'num' }, fmt(m.test.lists?.gini, 3)),
            h('td', { class: 'num' }, fmt(m.fit?.seconds, 1)),
          ),
        ),
      ),
    ),
  );
  return h(
    'div',
    { class: 'report' },
    h('p', {}, mode, ' ', `${p.name}: ${p.minValue === undefined ? 'all values' : `value ≥ ${p.minValue}`}; ${split}; chosen by validation ${p.validMetric}; seed ${p.seed}.`),
    datasetLine(report),
    h('p', { class: 'muted' }, `Split: train ${report.split.train}, valid ${report.split.valid}, test ${report.split.test}; ${report.split.testUsers} test users. Run took ${report.seconds.toFixed(1)} s${report.finishedAt ? `, finished ${new Date(report.finishedAt).toLocaleString()}` : ''}.`),
    h(
      'div',
      { class: 'grid-2' },
      h('section', { class: 'card' }, groupedBars(`Accuracy @${k} (test)`, keys, report.models, (m, l) => m.test.metrics[l], signal)),
      h('section', { class: 'card' }, groupedBars(`Beyond accuracy (top-${Math.max(...p.ks)} lists)`, ['coverage', 'tail share', 'gini'], report.models, (m, l) => m.test.lists?.[listKeys[['coverage', 'tail share', 'gini'].indexOf(l)]], signal)),
    ),
    table,
    h('p', { class: 'muted small' }, 'Coverage: share of the catalogue recommended to anyone. Tail share: share of recommended slots given to items outside the top 20% by popularity. Gini: 0 = exposure spread evenly, 1 = one item only.'),
  );
}

function renderColdStart(report: ColdStartReport, signal: AbortSignal): HTMLElement {
  const ks = report.config.ks;
  const keys = ks.flatMap((k) => ['recall', 'ndcg', 'hit'].map((m) => `${m}@${k}`));
  const recallKeys = ks.map((k) => `recall@${k}`);
  const s = report.split;
  return h(
    'div',
    { class: 'report' },
    h('p', {}, h('span', { class: 'badge' }, 'item cold-start'), ` ${s.testItems} items held out for test (${s.testInteractions} interactions by ${s.testUsers} users) and ${s.validItems} for validation; models never saw an interaction with a held-out item. Each user's held-out items are ranked among all held-out items (seed ${report.config.seed}).`),
    datasetLine(report),
    h(
      'section',
      { class: 'card' },
      groupedBars('Recall on cold items vs chance', recallKeys, report.models, (m, l) => m.test.metrics[l], signal, [{ label: 'chance', data: recallKeys.map((k) => report.chanceRecall[k] ?? 0) }]),
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table small' },
        h('thead', {}, h('tr', {}, h('th', {}, 'model'), h('th', {}, 'params'), keys.map((c) => h('th', { class: 'num' }, c)), h('th', { class: 'num' }, 'coverage'), h('th', { class: 'num' }, 'fit s'))),
        h(
          'tbody',
          {},
          report.models.map((m) => h('tr', {}, h('td', {}, h('b', {}, m.kind)), h('td', { class: 'mono small' }, paramsText(m.params)), keys.map((c) => h('td', { class: 'num' }, fmt(m.test.metrics[c]))), h('td', { class: 'num' }, fmt(m.test.lists?.coverage, 3)), h('td', { class: 'num' }, fmt(m.fit?.seconds, 1)))),
          h('tr', { class: 'muted' }, h('td', {}, 'chance'), h('td', {}, 'random order'), keys.map((c) => h('td', { class: 'num' }, c.startsWith('recall') ? fmt(report.chanceRecall[c]) : '–')), h('td', {}, ''), h('td', {}, '')),
        ),
      ),
    ),
    h('p', { class: 'muted small' }, 'Collaborative models have never seen the held-out items, so they cannot tell them apart and land at the popularity level; text-aware models (semantic, hybrid; evaluate with --text <dataset dir>) rank them from their descriptions.'),
  );
}

/** Renders the evaluation page. */
export async function renderEvaluation(root: HTMLElement, ctx: RouteContext): Promise<void> {
  root.append(h('div', { class: 'page-head' }, h('h2', {}, 'Evaluation'), h('p', { class: 'muted' }, 'Offline results of the evaluation harness, on this engine\'s events or on files evaluated with the CLI.')));
  const body = h('div', {}, loading('Reading reports'));
  root.append(body);
  let list: { reports: ReportSummary[]; dirs: string[]; sampleDirs?: string[] };
  try {
    list = await api.reports(ctx.signal);
  } catch (error) {
    if (!ctx.signal.aborted) replace(body, errorBox(errorMessage(error)));
    return;
  }
  // Models with a stored version are the runner's default choice (none when the list cannot be read).
  const trained = await api
    .models(ctx.signal)
    .then((m) => m.models.filter((x) => x.versions.length > 0).map((x) => x.name))
    .catch(() => [] as string[]);
  const runner = (): HTMLElement => evaluationRunner(list.dirs, trained, ctx.signal, (id) => navigate(`/evaluation?report=${encodeURIComponent(id)}`));
  if (list.reports.length === 0) {
    replace(body, emptyState('No evaluation reports yet', runner()));
    return;
  }
  const selected = ctx.query.get('report') ?? list.reports[0].id;
  const onlySamples = list.reports.every((r) => r.sample === true);
  const tabs = h(
    'nav',
    { class: 'tabs', 'aria-label': 'reports' },
    list.reports.map((r) => h('a', { href: href(`/evaluation?report=${encodeURIComponent(r.id)}`), class: r.id === selected ? 'tab active' : 'tab', title: r.dataset ?? r.id }, h('b', {}, r.id), r.sample === true ? h('span', { class: 'badge warn' }, 'sample') : null, h('span', { class: 'muted small' }, ` ${r.title} · ${r.models.join(', ')}`))),
  );
  const own = h(
    'details',
    { class: 'card run-evaluation', open: onlySamples },
    h('summary', {}, onlySamples ? 'No reports of your own yet: run an evaluation' : 'Run another evaluation'),
    runner(),
  );
  const content = h('div', {}, loading('Loading report'));
  replace(body, onlySamples ? h('p', { class: 'notice sample-notice' }, 'These are sample reports shipped with lmrec (MovieLens latest-small), not results on this engine\'s data.') : null, own, tabs, content);
  try {
    const doc = await api.report(selected, ctx.signal);
    const report = doc.report;
    let view: HTMLElement;
    if (doc.summary.kind === 'protocol') view = renderProtocol(report as ProtocolReport, ctx.signal);
    else if (doc.summary.kind === 'cold-start') view = renderColdStart(report as ColdStartReport, ctx.signal);
    else view = h('pre', { class: 'command' }, JSON.stringify(report, null, 2));
    replace(
      content,
      h('h3', {}, doc.summary.title, doc.summary.sample === true ? h('span', { class: 'badge warn' }, 'bundled sample') : null),
      doc.summary.sample === true ? h('p', { class: 'muted small sample-note' }, 'A sample report shipped with lmrec, computed on MovieLens latest-small: not a run on this engine\'s data.') : null,
      view,
    );
  } catch (error) {
    if (!ctx.signal.aborted) replace(content, errorBox(errorMessage(error)));
  }
}
