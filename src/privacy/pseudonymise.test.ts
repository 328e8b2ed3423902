import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPseudonymSecret } from './pseudonym-secret.js';
import { PSEUDONYM_PREFIX, createEphemeralPseudonymiser, createPseudonymiser } from './pseudonymise.js';

describe('createPseudonymiser', () => {
  const secret = 'install-secret-0123456789';

  it('gives one stable pseudonym per id under a secret, other ones under another secret', () => {
    const p = createPseudonymiser(secret);
    const a = p.pseudonym('alice@example.com');
    expect(a).toMatch(new RegExp(`^${PSEUDONYM_PREFIX}[A-Za-z0-9_-]{16}$`));
    expect(createPseudonymiser(secret).pseudonym('alice@example.com')).toBe(a);
    expect(p.pseudonym('bob@example.com')).not.toBe(a);
    expect(createPseudonymiser(`${secret}!`).pseudonym('alice@example.com')).not.toBe(a);
    expect(createEphemeralPseudonymiser().pseudonym('alice@example.com')).not.toBe(a);
    expect(() => createPseudonymiser('short')).toThrow(/at least 16 characters/);
  });

  it('scrubs ids as whole tokens only', () => {
    const p = createPseudonymiser(secret);
    const one = p.pseudonym('1');
    expect(p.scrub('GET /v1/users/1/recommendations?k=10: user 1 not found (v1)', ['1'])).toBe(`GET /v1/users/${one}/recommendations?k=10: user ${one} not found (v1)`);
    expect(p.scrub('user "ali.ce" and ali.cex', ['ali.ce'])).toBe(`user "${p.pseudonym('ali.ce')}" and ali.cex`);
    expect(p.scrub('users ab and abc', ['ab', 'abc'])).toBe(`users ${p.pseudonym('ab')} and ${p.pseudonym('abc')}`);
  });
});

describe('loadPseudonymSecret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-pseudonym-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('generates the secret once into a file only its owner can read, then reads it', () => {
    const file = join(dir, 'var', 'lmrec-pseudonym-secret');
    const first = loadPseudonymSecret(file);
    expect(first.created).toBe(true);
    expect(first.secret).toHaveLength(64);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.secret);
    expect(loadPseudonymSecret(file)).toEqual({ secret: first.secret, created: false });
    writeFileSync(file, 'x\n');
    expect(() => loadPseudonymSecret(file)).toThrow(/delete it to generate one/);
  });
});
