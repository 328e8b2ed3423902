/**
 * Starting an evaluation from the page: a form (protocol, models, grid search) that posts to
 * `/v1/evaluations`, the server runs the offline protocol on its stored events in a background
 * worker, and this block follows the job until its report can be shown. The CLI command for files
 * of one's own stays beside it.
 * @module
 */
import { api } from '../api.js';
import { ApiError, errorMessage } from '../api-error.js';
import { command, errorBox, h, replace } from '../dom.js';
import type { JobStatus } from '../types.js';

const POLL_MS = 1000;
/** Models offered (the collaborative and text-aware kinds the protocol can train). */
const OFFERED = ['pop', 'itemknn', 'userknn', 'ease', 'als', 'bpr', 'semantic', 'hybrid'];
const PROTOCOLS: readonly [string, string][] = [
  ['temporal', 'temporal: train on the first 80% of the timeline, test on the last 10%'],
  ['random', 'random: each user\'s interactions split 8:1:1 at random'],
  ['loo', 'leave-one-out: each user\'s last interaction is the test item'],
];

/** The CLI command for evaluating a file of one's own. */
function cliHint(dirs: readonly string[]): HTMLElement {
  const dir = dirs[0] ?? 'var/reports';
  return h(
    'details',
    { class: 'cli-hint' },
    h('summary', {}, 'Or evaluate a ratings file with the CLI'),
    command(`npm run build\nnode dist/cli/main.js evaluate data/demo/ml-latest-small/ratings.csv \\\n  --models pop,itemknn,ease --no-grid --out ${dir}/ml-latest-small`),
    h('p', { class: 'muted small' }, 'Point it at your own interactions file (', h('code', {}, '--map user=…,item=…'), ' names its columns); ', h('code', {}, '--protocol cold-start'), ' runs the item cold-start slice. Reports written there appear on this page.'),
  );
}

function progressLine(job: JobStatus): HTMLElement {
  const p = job.progress;
  const pct = p && p.total > 0 ? Math.min(100, Math.round((p.done / p.total) * 100)) : undefined;
  return h(
    'div',
    { class: 'evaluation-progress', 'data-job-id': job.id, 'data-state': job.state },
    h('span', { class: `badge job-${job.state}` }, job.state),
    h('div', { class: 'progress' }, h('div', { class: 'bar', style: `width:${pct ?? 5}%` }), h('span', { class: 'small' }, p ? `${p.phase} ${pct === undefined ? '' : `${pct}%`}` : job.state === 'queued' ? 'waiting for a running training to finish' : 'starting')),
  );
}

/**
 * The "run an evaluation" block. `trained` are the models with a stored version (checked by
 * default); `onReport` is called with the id of a finished evaluation's report.
 */
export function evaluationRunner(dirs: readonly string[], trained: readonly string[], signal: AbortSignal, onReport: (reportId: string) => void): HTMLElement {
  const checked = new Set(trained.filter((m) => OFFERED.includes(m)));
  if (checked.size === 0) for (const m of ['pop', 'itemknn', 'ease']) checked.add(m);
  const protocol = h('select', { name: 'protocol', 'aria-label': 'protocol' }, PROTOCOLS.map(([value, label]) => h('option', { value }, label)));
  const boxes = OFFERED.map((m) => h('input', { type: 'checkbox', name: 'model', value: m, checked: checked.has(m) }));
  const search = h('input', { type: 'checkbox', name: 'search' });
  const status = h('div', { class: 'run-status', role: 'status' });
  const button = h('button', { type: 'submit', class: 'btn primary' }, 'Run evaluation');
  const form = h(
    'form',
    { class: 'evaluation-form' },
    h('label', {}, 'Protocol ', protocol),
    h('fieldset', { class: 'model-choice' }, h('legend', {}, 'Models'), OFFERED.map((m, i) => h('label', { class: 'check' }, boxes[i], ` ${m}`))),
    h('label', { class: 'check' }, search, ' search each model\'s hyper-parameter grid on validation (slower; otherwise each model is trained once, as it serves)'),
    h('div', {}, button),
  );

  async function follow(jobId: string): Promise<void> {
    while (!signal.aborted) {
      let job: JobStatus;
      try {
        job = await api.evaluation(jobId, signal);
      } catch (error) {
        if (!signal.aborted) replace(status, errorBox(errorMessage(error)));
        return;
      }
      if (job.state === 'succeeded') {
        const id = job.result?.report?.id;
        replace(status, h('span', { class: 'ok' }, `Evaluation finished${id ? `: report ${id}` : ''}.`));
        button.disabled = false;
        if (id) onReport(id);
        return;
      }
      if (job.state === 'failed' || job.state === 'cancelled') {
        replace(status, errorBox(`Evaluation ${job.state}${job.error ? `: ${job.error.message}` : ''}`));
        button.disabled = false;
        return;
      }
      const cancel = h('button', { type: 'button', class: 'btn small' }, 'Cancel');
      cancel.addEventListener('click', () => void api.cancelEvaluation(jobId).catch((error: unknown) => replace(status, errorBox(errorMessage(error)))));
      replace(status, progressLine(job), cancel);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const models = boxes.filter((b) => b.checked).map((b) => b.value);
    if (models.length === 0) {
      replace(status, errorBox('Choose at least one model.'));
      return;
    }
    button.disabled = true;
    replace(status, 'Starting…');
    api
      .startEvaluation({ protocol: protocol.value, models, search: search.checked })
      .then(({ jobId }) => follow(jobId))
      .catch((error: unknown) => {
        button.disabled = false;
        const noLifecycle = error instanceof ApiError && error.status === 501;
        replace(status, errorBox(noLifecycle ? `${errorMessage(error)}. Use the CLI below.` : errorMessage(error)));
      });
  });

  // An evaluation started earlier (another tab, before a reload) is followed too.
  void api
    .evaluations(signal)
    .then(({ evaluations }) => {
      const running = evaluations.find((j) => j.state === 'queued' || j.state === 'running');
      if (running && !signal.aborted) {
        button.disabled = true;
        return follow(running.id);
      }
      return undefined;
    })
    .catch(() => undefined);

  return h(
    'div',
    { class: 'run-evaluation-body' },
    h('p', {}, 'Evaluate models on this engine\'s own events: the server splits them, trains each model on the training part in a background worker (after any running training) and measures it on the held-out part. Starting one needs an admin key.'),
    form,
    status,
    cliHint(dirs),
  );
}
