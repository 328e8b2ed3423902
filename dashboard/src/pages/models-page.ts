/**
 * Models: stored versions per model and the one serving, training in the background with progress
 * (polling the job list), activating a version (a hot swap) and rolling back.
 * @module
 */
import { api } from '../api.js';
import { ApiError, errorMessage } from '../api-error.js';
import { emptyState, errorBox, fmt, formatTime, h, loading, replace } from '../dom.js';
import { href } from '../router.js';
import type { RouteContext } from '../router.js';
import type { JobStatus, Json, ModelInfo, ModelVersion } from '../types.js';

/** Models the engine knows how to train, with what they are. */
const TRAINABLE: [string, string][] = [
  ['pop', 'popularity'],
  ['itemknn', 'item-kNN'],
  ['userknn', 'user-kNN'],
  ['ease', 'EASE'],
  ['als', 'implicit ALS'],
  ['bpr', 'BPR-MF'],
  ['semantic', 'text: semantic (needs an encoder)'],
  ['hybrid', 'text: hybrid (needs an encoder)'],
];
const POLL_MS = 700;

function serving(m: ModelInfo): number | undefined {
  return m.active ?? m.versions[0]?.version;
}

function metaNumber(v: ModelVersion, key: string): number | undefined {
  const x = v.meta?.[key];
  return typeof x === 'number' ? x : undefined;
}

function fitSeconds(v: ModelVersion): number | undefined {
  const fit = v.meta?.fit;
  return typeof fit === 'object' && fit !== null && !Array.isArray(fit) && typeof fit.seconds === 'number' ? fit.seconds : undefined;
}

function record(value: Json | undefined): Record<string, Json> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

function num(value: Json | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * The quality figures stored with a version's fit report, as short lines: validation scores (the
 * ranker's NDCG@10 and recall@10 on held-out users against its best single source; a model's best
 * validation score and epoch when early stopping chose it), epochs, and the item cap (EASE, hybrid).
 */
export function qualityLines(v: ModelVersion): string[] {
  const meta = v.meta ?? {};
  const fit = record(meta.fit);
  const lines: string[] = [];
  const table = Array.isArray(meta.table) ? meta.table.map(record).filter((r): r is Record<string, Json> => r !== undefined) : [];
  // The row of the ranker on exact candidates (a table may also have its row on indexed retrieval).
  const ranker = table.find((r) => r.name === 'ranker') ?? table.find((r) => r.kind === 'ranker');
  const best = table.find((r) => r.kind === 'source');
  if (ranker !== undefined) {
    const users = num(ranker.users);
    lines.push(`valid NDCG@10 ${fmt(num(ranker['ndcg@10']), 3)} · recall@10 ${fmt(num(ranker['recall@10']), 3)}${users === undefined ? '' : ` (${users} users)`}`);
    if (best !== undefined) lines.push(`best source ${typeof best.name === 'string' ? best.name : '?'}: NDCG@10 ${fmt(num(best['ndcg@10']), 3)}`);
  }
  const bestScore = num(fit?.bestScore);
  if (bestScore !== undefined) lines.push(`valid score ${fmt(bestScore, 4)}${num(fit?.bestEpoch) === undefined ? '' : ` at epoch ${num(fit?.bestEpoch)}`}`);
  const epochs = num(fit?.epochs);
  if (epochs !== undefined && epochs > 1) lines.push(`${epochs} epochs`);
  const cap = record(fit?.itemCap);
  if (cap !== undefined) {
    const kept = num(cap.kept) ?? 0;
    const leftOut = num(cap.leftOut) ?? 0;
    lines.push(`item cap ${num(cap.maxItems) ?? '?'}: ${kept} items in the model${leftOut > 0 ? `, ${leftOut} by the fallback` : ''}`);
  }
  return lines;
}

function jobLine(job: JobStatus): HTMLElement {
  const p = job.progress;
  const pct = p && p.total > 0 ? Math.min(100, Math.round((p.done / p.total) * 100)) : undefined;
  const state = h('span', { class: `badge job-${job.state}` }, job.state);
  return h(
    'li',
    { class: 'job', 'data-job-id': job.id },
    h(
      'div',
      {},
      h('b', {}, job.model),
      ' ',
      state,
      job.result?.report
        ? [' → ', h('a', { href: href(`/evaluation?report=${encodeURIComponent(job.result.report.id)}`) }, 'report')]
        : job.result
          ? ` → v${job.result.version}${job.activated ? ' (serving)' : ''}`
          : '',
      h('span', { class: 'muted small' }, ` ${formatTime(job.createdAt)}`),
    ),
    job.state === 'running' || job.state === 'queued'
      ? h('div', { class: 'progress' }, h('div', { class: 'bar', style: `width:${pct ?? 5}%` }), h('span', { class: 'small' }, p ? `${p.phase} ${pct === undefined ? '' : `${pct}%`}` : 'waiting'))
      : null,
    job.error ? h('div', { class: 'error-text small' }, job.error.message) : null,
  );
}

/** Renders the models page. */
export async function renderModels(root: HTMLElement, ctx: RouteContext): Promise<void> {
  const { signal } = ctx;
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  const listSlot = h('div', {}, loading('Reading models'));
  const jobsSlot = h('ul', { class: 'jobs' });
  const kind = h('select', { name: 'model', 'aria-label': 'model to train' }, TRAINABLE.map(([k, label]) => h('option', { value: k, selected: k === 'ease' }, `${k} — ${label}`)));
  const trainForm = h('form', { class: 'inline-form' }, kind, h('button', { type: 'submit', class: 'btn primary' }, 'Train now'));
  let polling = false;

  const fail = (error: unknown): void => {
    if (signal.aborted) return;
    const needsLifecycle = error instanceof ApiError && error.status === 501;
    replace(status, errorBox(needsLifecycle ? `${errorMessage(error)} (this server runs without background training).` : errorMessage(error)));
  };

  async function loadJobs(): Promise<JobStatus[]> {
    try {
      const { jobs } = await api.jobs(signal);
      replace(jobsSlot, jobs.slice(0, 8).map(jobLine));
      return jobs;
    } catch (error) {
      if (error instanceof ApiError && error.status === 501) replace(jobsSlot, h('li', { class: 'muted' }, 'Background training is not enabled on this server.'));
      return [];
    }
  }

  async function pollJobs(): Promise<void> {
    if (polling) return;
    polling = true;
    try {
      while (!signal.aborted) {
        const jobs = await loadJobs();
        if (!jobs.some((j) => j.state === 'queued' || j.state === 'running')) break;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      await loadModels();
    } finally {
      polling = false;
    }
  }

  async function train(name: string): Promise<void> {
    replace(status, `Starting ${name}…`);
    try {
      const { jobId } = await api.train(name);
      replace(status, `Training ${name} (job ${jobId})…`);
      await pollJobs();
      const job = (await api.jobs(signal)).jobs.find((j) => j.id === jobId);
      if (job?.state === 'succeeded') replace(status, h('span', { class: 'ok' }, `${name} v${job.result?.version ?? '?'} trained${job.activated ? ' and serving' : ''}.`));
      else if (job) replace(status, errorBox(`${name}: ${job.state}${job.error ? ` — ${job.error.message}` : ''}`));
    } catch (error) {
      fail(error);
    }
  }

  async function act(label: string, run: () => Promise<unknown>): Promise<void> {
    replace(status, `${label}…`);
    try {
      await run();
      replace(status, h('span', { class: 'ok' }, `${label}: done.`));
      await loadModels();
    } catch (error) {
      fail(error);
    }
  }

  function modelCard(m: ModelInfo): HTMLElement {
    const live = serving(m);
    const rollback = h('button', { type: 'button', class: 'btn', disabled: m.versions.length < 2 }, 'Roll back');
    rollback.addEventListener('click', () => void act(`Rolling ${m.name} back`, () => api.rollback(m.name)));
    const retrain = h('button', { type: 'button', class: 'btn' }, 'Retrain');
    retrain.addEventListener('click', () => void train(m.name));
    return h(
      'section',
      { class: 'card model', 'data-model': m.name },
      h('div', { class: 'card-head' }, h('h3', {}, m.name, live === undefined ? '' : h('span', { class: 'badge ok' }, `serving v${live}`)), h('div', { class: 'actions' }, retrain, rollback)),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table small' },
          h('thead', {}, h('tr', {}, h('th', {}, 'version'), h('th', {}, 'trained'), h('th', { class: 'num' }, 'users'), h('th', { class: 'num' }, 'items'), h('th', { class: 'num' }, 'interactions'), h('th', { class: 'num' }, 'fit s'), h('th', { class: 'hide-narrow' }, 'quality'), h('th', {}, ''))),
          h(
            'tbody',
            {},
            m.versions.map((v) => {
              const activate = h('button', { type: 'button', class: 'btn small' }, 'Activate');
              activate.addEventListener('click', () => void act(`Activating ${m.name} v${v.version}`, () => api.activate(m.name, v.version)));
              return h(
                'tr',
                { class: v.version === live ? 'current' : '' },
                h('td', {}, `v${v.version}`),
                h('td', {}, formatTime(v.createdAt)),
                h('td', { class: 'num' }, String(metaNumber(v, 'users') ?? '–')),
                h('td', { class: 'num' }, String(metaNumber(v, 'items') ?? '–')),
                h('td', { class: 'num' }, String(metaNumber(v, 'interactions') ?? '–')),
                h('td', { class: 'num' }, fmt(fitSeconds(v), 2)),
                h('td', { class: 'small hide-narrow quality' }, ((lines) => (lines.length === 0 ? h('span', { class: 'muted' }, 'no validation figure stored (trained on all data)') : lines.map((l) => h('div', {}, l))))(qualityLines(v))),
                h('td', {}, v.version === live ? h('span', { class: 'muted small' }, 'serving') : activate),
              );
            }),
          ),
        ),
      ),
    );
  }

  async function loadModels(): Promise<void> {
    try {
      const { models } = await api.models(signal);
      if (models.length === 0) {
        const quick = h('button', { type: 'button', class: 'btn primary' }, 'Train EASE now');
        quick.addEventListener('click', () => void train('ease'));
        replace(listSlot, emptyState('No models trained yet', h('p', {}, 'Until a model is trained, everyone gets the most popular items. Train one to personalise recommendations.'), quick));
        return;
      }
      replace(listSlot, models.map(modelCard));
    } catch (error) {
      if (!signal.aborted) replace(listSlot, errorBox(errorMessage(error)));
    }
  }

  trainForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void train(kind.value);
  });
  root.append(
    h('div', { class: 'page-head' }, h('h2', {}, 'Models'), h('p', { class: 'muted' }, 'Versions, training, hot swap and rollback. Training, activating and rolling back need an admin key: enter one on the ', h('a', { href: href('/settings') }, 'Settings'), ' page.')),
    h('section', { class: 'card' }, h('h3', {}, 'Train'), trainForm, status, jobsSlot),
    listSlot,
  );
  await Promise.all([loadModels(), loadJobs().then((jobs) => (jobs.some((j) => j.state === 'queued' || j.state === 'running') ? pollJobs() : undefined))]);
}
