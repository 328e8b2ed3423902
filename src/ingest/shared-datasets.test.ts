/**
 * Full parses of the real benchmark datasets in `../shared/datasets` (outside the repository). The
 * suite is skipped, with the reason in its name, on machines that do not have them.
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { logLength } from '../core/interaction-log.js';
import { loadMovieLens100k } from './movielens-100k.js';
import { loadMovieLensLatest } from './movielens-latest.js';
import { readInteractionFile } from './read-interaction-file.js';
import { findS3RecCompanions, loadS3Rec } from './s3rec.js';

const DATASETS = fileURLToPath(new URL('../../../shared/datasets/', import.meta.url));
const available = existsSync(DATASETS);
const title = available ? 'shared datasets' : `shared datasets (skipped: ${DATASETS} not found)`;

describe.skipIf(!available)(title, () => {
  it('parses ml-100k fully', async () => {
    const { batch, warnings } = await loadMovieLens100k(join(DATASETS, 'ml-100k'));
    expect(batch.events).toHaveLength(100_000);
    expect(batch.users).toHaveLength(943);
    expect(batch.items).toHaveLength(1682);
    expect(warnings).toEqual([]);
    expect(batch.items.find((item) => item.id === '543')?.title).toBe('Misérables, Les (1995)');
    const log = await readInteractionFile(join(DATASETS, 'ml-100k/u.data'));
    expect([logLength(log), log.users.size, log.items.size]).toEqual([100_000, 943, 1682]);
  });

  it('parses Beauty.txt fully', async () => {
    const file = join(DATASETS, 'amazon-beauty/Beauty.txt');
    const { batch } = await loadS3Rec({ file, ...(await findS3RecCompanions(file)) });
    expect(batch.events).toHaveLength(198_502);
    expect(batch.users).toHaveLength(22_363);
    expect(batch.items).toHaveLength(12_101);
    const log = await readInteractionFile(file, { format: 's3rec' });
    expect([logLength(log), log.users.size, log.items.size]).toEqual([198_502, 22_363, 12_101]);
  });

  it('parses ml-latest-small fully', async () => {
    const dir = join(DATASETS, 'ml-latest-small');
    const { batch } = await loadMovieLensLatest(dir);
    expect([batch.items.length, batch.users.length, batch.events.length]).toEqual([9742, 610, 104_519]);
    const log = await readInteractionFile(dir);
    expect([logLength(log), log.users.size, log.items.size]).toEqual([100_836, 610, 9724]);
  });
});
