import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { createEngine } from '../engine/engine.js';
import { openStorage } from '../storage/index.js';
import { MODEL_PARAM_SCHEMAS, modelParamNames, validateModelParams } from './model-params.js';
import { MODEL_KINDS, createModel, defaultGrid, expandGrid } from './registry.js';

function refusal(kind: string, params: Record<string, unknown>): ValidationError {
  try {
    validateModelParams(kind, params);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error(`${kind} ${JSON.stringify(params)} was accepted`);
}

describe('model parameter schemas', () => {
  it('has a schema for every model kind that accepts its effective defaults and its grid', () => {
    for (const kind of MODEL_KINDS) {
      expect(MODEL_PARAM_SCHEMAS[kind], kind).toBeDefined();
      // What a stored version records (defaults filled in) is valid again, so scheduled retraining works.
      const params = createModel(kind).params;
      expect(validateModelParams(kind, params), kind).toEqual(params);
      for (const key of Object.keys(params)) expect(modelParamNames(kind), kind).toContain(key);
      for (const combo of expandGrid(defaultGrid(kind))) expect(() => validateModelParams(kind, combo), `${kind} ${JSON.stringify(combo)}`).not.toThrow();
    }
  });

  it.each([
    ['itemknn', { k: 0 }, 'k', /itemknn: parameter "k" must be ≥ 1, got 0/],
    ['itemknn', { k: 2.5 }, 'k', /must be an integer/],
    ['userknn', { shrink: -1 }, 'shrink', /must be ≥ 0/],
    ['als', { factors: 0 }, 'factors', /must be ≥ 1/],
    ['als', { regularization: -0.1 }, 'regularization', /must be ≥ 0/],
    ['bpr', { learningRate: 0 }, 'learningRate', /must be > 0/],
    ['bpr', { epochs: 0 }, 'epochs', /must be ≥ 1/],
    ['ease', { lambda: 0 }, 'lambda', /must be > 0/],
    ['hybrid', { textBlend: 1.5 }, 'textBlend', /must be ≤ 1/],
    ['gru4rec', { dropout: 1 }, 'dropout', /must be < 1/],
    ['itemknn', { k: '50' }, 'k', /must be a number, got "50"/],
    ['semantic', { centre: 1 }, 'centre', /must be a boolean/],
    ['sasrec', { dim: 64, heads: 3 }, 'heads', /heads \(3\) must divide dim \(64\)/],
  ])('%s %j is refused naming the field', (kind, params, field, message) => {
    const error = refusal(kind, params);
    expect(error.message).toMatch(message);
    expect(error.details?.field).toBe(`params.${field}`);
  });

  it('names an unknown key and the known ones', () => {
    const error = refusal('itemknn', { kk: 10 });
    expect(error.message).toBe('itemknn: unknown parameter "kk"; known parameters: k, shrink, aggregate');
    expect(error.details).toMatchObject({ field: 'params.kk', known: ['k', 'shrink', 'aggregate'] });
    expect(refusal('pop', { k: 1 }).message).toMatch(/pop takes no parameters/);
  });

  it('is applied by createModel', () => {
    expect(() => createModel('itemknn', { k: 0 })).toThrow(/parameter "k"/);
    expect(createModel('itemknn', { k: 3 }).params).toMatchObject({ k: 3 });
  });
});

describe('engine.train checks parameters against the schema', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-params-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses itemknn k=0 and stores no version', async () => {
    const engine = createEngine(await openStorage(`sqlite://${join(dir, 'params.db')}`));
    try {
      await engine.storage.events.append([
        { userId: 'u1', itemId: 'a', type: 'like', timestamp: 1 },
        { userId: 'u1', itemId: 'b', type: 'like', timestamp: 2 },
        { userId: 'u2', itemId: 'a', type: 'like', timestamp: 3 },
      ]);
      await expect(engine.train('itemknn', { k: 0 })).rejects.toThrow(/itemknn: parameter "k" must be ≥ 1, got 0/);
      await expect(engine.train('itemknn', { neighbours: 5 })).rejects.toThrow(/unknown parameter "neighbours"; known parameters: k, shrink, aggregate/);
      expect(await engine.storage.models.names()).toEqual([]);
      expect((await engine.train('itemknn', { k: 1 })).version).toBe(1);
    } finally {
      await engine.close();
    }
  });
});
