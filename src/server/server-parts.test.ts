import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../core/errors.js';
import { bucketOf, createVariantAssigner } from './ab-testing.js';
import { createKeyRing, parseApiKeys, presentedKey, scopeAllows } from './auth.js';
import { coerceQuery } from './coerce-query.js';
import { toHttpFailure } from './http-errors.js';

describe('API keys', () => {
  it('parses key:scope lists, refuses entries without a valid scope, and orders scopes', () => {
    expect(parseApiKeys(' a:admin, b:read ,')).toEqual([{ key: 'a', scope: 'admin' }, { key: 'b', scope: 'read' }]);
    expect(() => parseApiKeys('a:root')).toThrow(ValidationError);
    expect(() => parseApiKeys('justakey')).toThrow(/entry 1/);
    expect(scopeAllows('admin', 'write')).toBe(true);
    expect(scopeAllows('read', 'write')).toBe(false);
    const ring = createKeyRing([{ key: 'k', scope: 'read' }, { key: 'k', scope: 'write' }]);
    expect(ring.scopeOf('k')).toBe('write');
    expect(ring.scopeOf('x')).toBeUndefined();
  });

  it('reads a bearer token or x-api-key', () => {
    expect(presentedKey({ authorization: 'Bearer abc' })).toBe('abc');
    expect(presentedKey({ 'x-api-key': 'xyz' })).toBe('xyz');
    expect(presentedKey({ authorization: 'Basic abc' })).toBeUndefined();
  });
});

describe('A/B bucketing', () => {
  it('is deterministic, follows weights, and changes with the salt', () => {
    const assigner = createVariantAssigner({ salt: 's', variants: [{ name: 'A', model: 'ease', weight: 3 }, { name: 'B', weight: 1 }] });
    const counts = { A: 0, B: 0 } as Record<string, number>;
    for (let u = 0; u < 4000; u++) counts[assigner.assign(`u${u}`).name]++;
    expect(counts.A / 4000).toBeGreaterThan(0.7);
    expect(counts.A / 4000).toBeLessThan(0.8);
    expect(assigner.assign('u1')).toEqual(assigner.assign('u1'));
    expect(bucketOf('s', 'u1')).not.toBe(bucketOf('t', 'u1'));
    expect(createVariantAssigner().assign('x')).toEqual({ name: 'default' });
    expect(() => createVariantAssigner({ salt: 's', variants: [{ name: 'A' }, { name: 'A' }] })).toThrow(/twice/);
  });
});

describe('query coercion', () => {
  it('converts declared numbers, booleans and lists and leaves the rest for the validator', () => {
    const schema = { properties: { k: { type: 'integer' }, seen: { type: 'boolean' }, exclude: { type: 'array', items: { type: 'string' } } } };
    expect(coerceQuery(schema, { k: '5', seen: 'true', exclude: ['a,b', 'c'], other: '1' })).toEqual({ k: 5, seen: true, exclude: ['a', 'b', 'c'], other: '1' });
    expect(coerceQuery(schema, { k: 'ten' })).toEqual({ k: 'ten' });
  });
});

describe('error mapping', () => {
  it('maps engine codes, validation issues and body-size errors once', () => {
    expect(toHttpFailure(new NotFoundError('gone')).status).toBe(404);
    expect(toHttpFailure(new ValidationError('bad')).status).toBe(400);
    const v = toHttpFailure({ validation: [{ instancePath: '/events/3', keyword: 'required', params: { missingProperty: 'type' } }], validationContext: 'body' });
    expect(v.body.error.message).toBe('body/events/3/type is required');
    expect(toHttpFailure({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }).status).toBe(413);
    const internal = toHttpFailure(new Error('secret detail'));
    expect(internal.status).toBe(500);
    expect(internal.body.error.message).not.toMatch(/secret/);
  });
});
