/**
 * The semantic model's indexed retrieval against its exact scoring, in one process and without the
 * database: the seeded topic-mixture catalogue of `bench/scale.ts` (`scale-catalogue.ts`: 200 topics,
 * 512-d), `createSemantic()` fitted on its vectors, and seeded users whose interest is the mean of
 * 5–50 (or 50–500) catalogue items (85% from their three preferred topics, a power law over each topic's items,
 * the rest a power law over all items, as the event stream of `bench/scale.ts` draws them). For each
 * configuration of the index: recall@100 of `retrieve` against `score` + top-k (history masked),
 * ms/user of both and their ratio, the index build time (the fit: centring, principal subspace,
 * projection, IVF lists) and the index's memory (every snapshot array but the item vectors).
 *
 * ```sh
 * nice -n 19 npx tsx bench/semantic-retrieval.ts --items 1000000 --out bench/results/semantic-retrieval.md
 * nice -n 19 npx tsx bench/semantic-retrieval.ts --items 100000
 * ```
 * Flags: `--items <n>` (default 1,000,000), `--users <n>` per group (default 60), `--histories
 * <min-max,…>` (user groups by history length, default `5-50,50-500`), `--seed <n>` (default 9,
 * the scale benchmark's), `--configs <a,b>` (names from `CONFIGS`; default all), `--out <file>`.
 * @module
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { csrFromCoo } from '../src/core/csr-matrix.js';
import { createRng, topK } from '../src/linalg/index.js';
import { createSemantic, SemanticModel } from '../src/models/semantic.js';
import type { SemanticIndexOptions } from '../src/models/semantic.js';
import type { UserQuery } from '../src/models/recommender.js';
import { buildCatalogue, catalogueVectors, powerLawIndex, shapeAt, userTopics } from './scale-catalogue.js';
import type { Catalogue } from './scale-catalogue.js';
import { table } from './serve-util.js';

const { values: args } = parseArgs({
  options: {
    items: { type: 'string', default: '1000000' },
    users: { type: 'string', default: '60' },
    seed: { type: 'string', default: '9' },
    configs: { type: 'string' },
    histories: { type: 'string', default: '5-50,50-500' },
    out: { type: 'string' },
  },
});
const ITEMS = Number(args.items);
const USERS = Number(args.users);
const SEED = Number(args.seed);
const K = 100;

/** Index settings compared on the same fitted model (restored from its snapshot with other options). */
const CONFIGS: Record<string, SemanticIndexOptions | undefined> = {
  default: undefined,
  'shortlist 500': { shortlist: () => 500 },
  'shortlist 3000': { shortlist: () => 3_000 },
  'first pass 5000': { rescore: (k: number) => Math.max(4 * k, 5_000) },
  'first pass 10000': { rescore: (k: number) => Math.max(4 * k, 10_000) },
  'first pass 15000': { rescore: (k: number) => Math.max(4 * k, 15_000) },
  'first pass 30000': { rescore: (k: number) => Math.max(4 * k, 30_000) },
  'middle 25%': { middleShare: 0.25 },
  'middle 100%': { middleShare: 1 },
  'probe 2%': { probeShare: 0.02 },
  'probe 10%': { probeShare: 0.1 },
};

/** A seeded user: `min`–`max` distinct items drawn as the scale benchmark's event stream draws a user's events. */
function userHistory(c: Catalogue, u: number, seed: number, min: number, max: number): Int32Array {
  const rng = createRng(seed * 7_919 + u);
  const prefs = userTopics(c, u, seed);
  const size = min + rng.int(max - min + 1);
  const items = new Set<number>();
  for (let guard = 0; items.size < size && guard < 10 * size; guard++) {
    let i: number;
    if (rng.next() < 0.85) {
      const r = rng.next();
      const list = c.topicItems[prefs[r < 0.5 ? 0 : r < 0.8 ? 1 : 2]];
      i = list.length > 0 ? list[powerLawIndex(rng, list.length, 0.8)] : c.byPopularity[powerLawIndex(rng, c.shape.items, 0.9)];
    } else i = c.byPopularity[powerLawIndex(rng, c.shape.items, 0.9)];
    items.add(i);
  }
  return Int32Array.from(items).sort();
}

/** Process CPU time (user + system) since `from`, in ms. */
function cpuMs(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

/** Bytes of a snapshot's index arrays (all but the item vectors every version holds). */
function indexBytes(model: SemanticModel): number {
  let bytes = 0;
  for (const [name, a] of Object.entries(model.snapshot().arrays)) if (name !== 'vectors') bytes += a.byteLength;
  return bytes;
}

async function main(): Promise<void> {
  const shape = shapeAt(ITEMS / 1_000_000);
  const n = shape.items;
  let t0 = performance.now();
  const catalogue = buildCatalogue(shape, SEED);
  const vectors = catalogueVectors(catalogue, SEED);
  const genS = (performance.now() - t0) / 1000;
  process.stderr.write(`generated ${n} × ${shape.dim} in ${genS.toFixed(1)} s\n`);
  t0 = performance.now();
  const model = createSemantic();
  // The matrix only fixes the number of items; the model reads their text vectors.
  const fit = await model.fit(csrFromCoo(1, n, [0], [0], [1]), { itemEmbeddings: { vectors, dim: shape.dim } });
  const buildS = fit.seconds;
  process.stderr.write(`fitted in ${((performance.now() - t0) / 1000).toFixed(1)} s (indexed: ${String(model.indexed)})\n`);

  // User groups by history length: 5–50 items, and 50–500 (the stored users of `bench/scale.ts`
  // have 100 events on average, with a power law over users).
  const groups = (args.histories ?? '5-50').split(',').map((g) => {
    const [min, max] = g.split('-').map(Number);
    const queries: { query: UserQuery; seen: Uint8Array }[] = [];
    for (let u = 0; u < USERS; u++) {
      const items = userHistory(catalogue, u, SEED + min, min, max);
      const seen = new Uint8Array(n);
      for (const i of items) seen[i] = 1;
      queries.push({ query: { userIdx: -1, items, values: new Float32Array(items.length).fill(1) }, seen });
    }
    return { name: `${min}–${max}`, queries, truth: [] as Set<number>[], exactMs: 0, exactCpuMs: 0 };
  });

  // The exact reference, once per group: its top k per user and its time.
  const scores = new Float32Array(n);
  model.score(groups[0].queries[0].query, scores);
  for (const g of groups) {
    t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (const { query, seen } of g.queries) {
      model.score(query, scores);
      g.truth.push(new Set(topK(scores, K, seen).indices));
    }
    g.exactCpuMs = cpuMs(cpu0) / g.queries.length;
    g.exactMs = (performance.now() - t0) / g.queries.length;
    process.stderr.write(`exact, histories of ${g.name}: ${g.exactMs.toFixed(1)} ms/user\n`);
  }

  const snapshot = model.snapshot();
  const names = args.configs ? args.configs.split(',') : Object.keys(CONFIGS);
  const rows: (string | number)[][] = [];
  for (const name of names) {
    if (!(name in CONFIGS)) throw new Error(`unknown configuration "${name}" (known: ${Object.keys(CONFIGS).join(', ')})`);
    const options = CONFIGS[name];
    const m = options === undefined ? model : SemanticModel.fromSnapshot(snapshot, options);
    for (const g of groups) {
      const { queries, truth, exactMs, exactCpuMs } = g;
      // Warm-up: the JIT and the pages of the index.
      for (let w = 0; w < Math.min(5, queries.length); w++) m.retrieve(queries[w].query, K, queries[w].seen);
      let hits = 0;
      t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const got: Int32Array[] = [];
      for (const { query, seen } of queries) got.push(m.retrieve(query, K, seen).indices);
      const indexCpuMs = cpuMs(cpu0) / queries.length;
      const indexMs = (performance.now() - t0) / queries.length;
      got.forEach((found, u) => {
        for (const i of found) if (truth[u].has(i)) hits++;
      });
      const recall = hits / (queries.length * K);
      const row = [
        name,
        g.name,
        recall.toFixed(4),
        `${exactMs.toFixed(1)} (${exactCpuMs.toFixed(1)})`,
        `${indexMs.toFixed(1)} (${indexCpuMs.toFixed(1)})`,
        `${(exactMs / indexMs).toFixed(1)}× (${(exactCpuMs / indexCpuMs).toFixed(1)}×)`,
        buildS.toFixed(1),
        (indexBytes(m) / 2 ** 20).toFixed(0),
      ];
      process.stderr.write(`${row.join(' · ')}\n`);
      rows.push(row);
    }
  }
  const cpu = cpus();
  const report = [
    `# Semantic retrieval at ${n.toLocaleString('en')} items`,
    '',
    `${n.toLocaleString('en')} items, ${shape.dim}-d (${shape.topics} topics, seed ${SEED}), ${USERS} users per history length; ` +
      `${cpu[0]?.model.trim() ?? 'CPU'} × ${cpu.length}, Node ${process.version}, load average ${loadavg()[0].toFixed(1)} at the end. ` +
      `Run: \`npx tsx bench/semantic-retrieval.ts ${process.argv.slice(2).join(' ')}\`.`,
    '',
    table(['configuration', 'history items', `recall@${K}`, 'exact ms/user (CPU)', 'index ms/user (CPU)', 'exact ÷ index', 'build s', 'index MB'], rows),
    '',
    'Exact = `score` over every item and the top 100 unseen; index = `retrieve`, same query and mask; ms are wall time, in brackets the process CPU time (less moved by other load on the machine). Build = the fit (centring, principal subspace, projection, IVF lists); ' +
      'index MB = the snapshot arrays besides the item vectors. Configurations other than the default are the same fitted model restored from its snapshot with other index options.',
    '',
  ].join('\n');
  process.stdout.write(report);
  if (args.out) writeFileSync(args.out, report);
}

await main();
