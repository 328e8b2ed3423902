/**
 * Report rendering: a protocol report as Markdown (one table per run, published numbers beside ours)
 * and as a plain JSON document.
 * @module
 */
import type { ProtocolReport } from './protocol.js';

/** Published reference numbers keyed by model, then metric (e.g. `ndcg@10`). */
export type ReferenceTable = Record<string, Record<string, number | undefined>>;

function fmt(v: number | undefined, digits = 4): string {
  return v === undefined || Number.isNaN(v) ? '–' : v.toFixed(digits);
}

function params(p: Record<string, unknown>): string {
  const entries = Object.entries(p).filter(([k]) => !['seed', 'evalEvery', 'patience', 'cgSteps', 'initStd'].includes(k));
  return entries.length === 0 ? '–' : entries.map(([k, v]) => `${k}=${String(v)}`).join(' ');
}

/** Options of {@link renderMarkdown}. */
export interface MarkdownOptions {
  /** Metric names to show per cut-off (default recall, ndcg, mrr, hit, precision, map). */
  metrics?: readonly string[];
  /** Published results of other models, rendered as rows of a second table with the same columns. */
  published?: { name: string; table: ReferenceTable };
}

/** Renders `report` as Markdown; `reference` adds a "published" column per metric it has. */
export function renderMarkdown(report: ProtocolReport, reference?: { name: string; table: ReferenceTable }, options: MarkdownOptions = {}): string {
  const p = report.protocol;
  const ks = p.ks;
  const lines: string[] = [];
  lines.push(`# ${p.name} on ${report.dataset.name}`);
  lines.push('');
  const filt = [
    p.minValue !== undefined ? `value ≥ ${p.minValue}` : 'all values',
    p.kCore ? `${p.kCore.minUserInteractions}-core users / ${p.kCore.minItemInteractions}-core items` : 'no k-core',
    p.split.kind === 'leave-one-out' ? 'leave-one-out by time' : `${p.split.kind} split ${p.split.ratios.join(':')}`,
    report.mode === 'full' ? 'full ranking (all items not in the user\'s training/validation set)' : `SAMPLED ranking (${report.mode})`,
    `chosen by validation ${p.validMetric}`,
    `seed ${p.seed}`,
  ];
  lines.push(`Protocol: ${filt.join('; ')}.`);
  const r = report.dataset.raw;
  const f = report.dataset.filtered;
  lines.push('');
  lines.push(`Data: ${r.users} users, ${r.items} items, ${r.interactions} interactions → after filtering ${f.users} users, ${f.items} items, ${f.interactions} interactions (sparsity ${(f.sparsity * 100).toFixed(2)}%).`);
  lines.push(`Split: train ${report.split.train}, valid ${report.split.valid}, test ${report.split.test}; ${report.split.testUsers} test users.`);
  lines.push('');
  const metricCols: string[] = [];
  for (const k of ks) for (const m of options.metrics ?? ['recall', 'ndcg', 'mrr', 'hit', 'precision', 'map']) metricCols.push(`${m}@${k}`);
  const refCols = reference ? ['ndcg@10', 'recall@10'] : [];
  const header = ['model', 'best params', `valid ${p.validMetric}`, ...metricCols.map((c) => `test ${c}`), ...refCols.map((c) => `${reference?.name ?? ''} ${c}`), 'coverage', 'tail share', 'novelty', 'gini', 'fit s'];
  lines.push(`| ${header.join(' | ')} |`);
  lines.push(`|${header.map(() => '---').join('|')}|`);
  for (const m of report.models) {
    const ref = reference?.table[m.kind];
    const row = [
      m.kind,
      params(m.params) + (m.fit.bestEpoch !== undefined ? ` (best epoch ${m.fit.bestEpoch} of ${m.fit.epochs} run)` : ''),
      fmt(m.valid.metrics[p.validMetric]),
      ...metricCols.map((c) => fmt(m.test.metrics[c])),
      ...refCols.map((c) => fmt(ref?.[c])),
      fmt(m.test.lists.coverage, 3),
      fmt(m.test.lists.tailShare, 3),
      fmt(m.test.lists.novelty, 2),
      fmt(m.test.lists.gini, 3),
      m.fit.seconds.toFixed(1),
    ];
    lines.push(`| ${row.join(' | ')} |`);
  }
  if (options.published) {
    lines.push('');
    lines.push(`Published (${options.published.name}):`);
    lines.push('');
    const pubHeader = ['model', ...metricCols.map((c) => `test ${c}`)];
    lines.push(`| ${pubHeader.join(' | ')} |`);
    lines.push(`|${pubHeader.map(() => '---').join('|')}|`);
    for (const [name, values] of Object.entries(options.published.table)) {
      lines.push(`| ${[name, ...metricCols.map((c) => fmt(values[c]))].join(' | ')} |`);
    }
  }
  const widened = report.models.filter((m) => m.widened).map((m) => `${m.kind} ${Object.entries(m.widened ?? {}).map(([k, v]) => `${k} → ${v.join(', ')}`).join('; ')}`);
  if (widened.length > 0) {
    lines.push('');
    lines.push(`Grids widened past an edge the best point sat on: ${widened.join('; ')}.`);
  }
  if (report.complete === false) {
    lines.push('');
    lines.push(`Partial report: ${report.models.length} of ${report.modelsPlanned.length} models measured (${report.modelsPlanned.join(', ')}); the run had not finished when it was written.`);
  }
  lines.push('');
  lines.push(`Beyond-accuracy columns are over the test top-${Math.max(...ks)} lists; tail = items outside the top 20% by training popularity. Run took ${report.seconds.toFixed(1)} s.`);
  return lines.join('\n') + '\n';
}

/** Renders `report` as pretty JSON. */
export function renderJson(report: ProtocolReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}
