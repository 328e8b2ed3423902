import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../engine/engine.js';
import type { Engine } from '../engine/engine.js';
import { bagOfWordsEncoder } from '../encoders/test-support.js';
import { openStorage } from '../storage/index.js';
import { MAX_HELD_INTERESTS, TextVectors } from './text-vectors.js';

describe('TextVectors.interest', () => {
  let dir: string;
  let engine: Engine;
  let tv: TextVectors;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lmrec-text-vectors-'));
    engine = createEngine(await openStorage(`sqlite://${join(dir, 't.db')}`), { encoder: bagOfWordsEncoder() });
    tv = new TextVectors(engine);
    await tv.put([
      { id: 'a', title: 'space opera with starships' },
      { id: 'b', title: 'romantic comedy in paris' },
      { id: 'c', title: 'starships and aliens at war' },
    ]);
  });

  afterAll(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('computes a user\'s vector once per history version, not once per request', async () => {
    const first = await tv.interest(['a', 'c'], [], undefined, undefined, { userId: 'u', version: '2:100' });
    expect(first).toBeDefined();
    // Same version: the held vector, whatever arrays the request built.
    expect(await tv.interest(['b'], [], undefined, undefined, { userId: 'u', version: '2:100' })).toBe(first);
    // A new event: a new version, computed again from the history given.
    const romance = await tv.interest(['b'], [], undefined, undefined, { userId: 'u', version: '3:200' });
    expect(romance).not.toBe(first);
    expect(Array.from(romance!)).toEqual(Array.from((await tv.interest(['b'], []))!));
    // Dropped with the user.
    tv.forgetUser('u');
    expect(await tv.interest(['a'], [], undefined, undefined, { userId: 'u', version: '3:200' })).not.toBe(romance);
    expect(MAX_HELD_INTERESTS).toBeGreaterThan(0);
  });
});
