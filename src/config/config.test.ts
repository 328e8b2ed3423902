import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { loadConfig, redactConfig } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'lmrec-config-'));

describe('loadConfig', () => {
  it('has defaults in code', () => {
    const c = loadConfig({ cwd: dir, env: {} });
    expect(c.storageUrl).toBe('sqlite://var/lmrec.db');
    expect(c.encoder).toEqual({ kind: 'use-lite' });
    expect(c.feedback.positiveRating).toBe(3);
  });

  it('reads the file, then environment, then explicit overrides', () => {
    const file = join(dir, 'a.json');
    writeFileSync(file, JSON.stringify({ storageUrl: 'sqlite://from-file.db', logLevel: 'warn', defaultModel: 'als' }));
    const c = loadConfig({ cwd: dir, file, env: { LMREC_STORAGE_URL: 'sqlite://from-env.db', LMREC_ENCODER: 'onnx:/models/minilm' }, overrides: { logLevel: 'debug' } });
    expect(c.storageUrl).toBe('sqlite://from-env.db');
    expect(c.logLevel).toBe('debug');
    expect(c.defaultModel).toBe('als');
    expect(c.encoder).toEqual({ kind: 'onnx', dir: '/models/minilm' });
  });

  it('names the file and key of a bad value', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ logLevel: 'loud' }));
    expect(() => loadConfig({ cwd: dir, file, env: {} })).toThrow(/invalid configuration at "logLevel".*bad\.json/);
    writeFileSync(file, '{ nope');
    expect(() => loadConfig({ cwd: dir, file, env: {} })).toThrow(ValidationError);
    expect(() => loadConfig({ cwd: dir, file: 'missing.json', env: {} })).toThrow(/does not exist/);
    expect(() => loadConfig({ cwd: dir, env: { LMREC_ENCODER: 'gpt' } })).toThrow(/LMREC_ENCODER must be/);
  });

  it('reads allowed hosts and the dashboard page scope from file or environment', () => {
    expect(loadConfig({ cwd: dir, env: {} }).server.allowedHosts).toEqual([]);
    expect(loadConfig({ cwd: dir, env: {} }).dashboard.pageScope).toBe('read');
    const file = join(dir, 'hosts.json');
    writeFileSync(file, JSON.stringify({ server: { allowedHosts: ['rec.example.com', ' ops.example.com '] }, dashboard: { pageScope: 'none' } }));
    const fromFile = loadConfig({ cwd: dir, file, env: {} });
    expect(fromFile.server.allowedHosts).toEqual(['rec.example.com', 'ops.example.com']);
    expect(fromFile.dashboard.pageScope).toBe('none');
    const fromEnv = loadConfig({ cwd: dir, file, env: { LMREC_ALLOWED_HOSTS: 'a.example, b.example,', LMREC_DASHBOARD_SCOPE: 'write' } });
    expect(fromEnv.server.allowedHosts).toEqual(['a.example', 'b.example']);
    expect(fromEnv.dashboard.pageScope).toBe('write');
    expect(() => loadConfig({ cwd: dir, env: { LMREC_DASHBOARD_SCOPE: 'admin' } })).toThrow(/dashboard\.pageScope/);
    expect(() => loadConfig({ cwd: dir, env: { LMREC_ALLOWED_HOSTS: 'https://rec.example.com/' } })).toThrow(/server\.allowedHosts/);
  });

  it('reads retention windows from file or environment, and names the key of a bad one', () => {
    expect(loadConfig({ cwd: dir, env: {} }).retention).toEqual({ checkEvery: '1h', batchSize: 500 });
    const file = join(dir, 'retention.json');
    writeFileSync(file, JSON.stringify({ retention: { eventsDays: 365, impressionsDays: 90 } }));
    expect(loadConfig({ cwd: dir, file, env: {} }).retention).toMatchObject({ eventsDays: 365, impressionsDays: 90 });
    const fromEnv = loadConfig({ cwd: dir, file, env: { LMREC_RETENTION_EVENTS_DAYS: '30', LMREC_RETENTION_IMPRESSIONS_DAYS: '7.5' } });
    expect(fromEnv.retention).toMatchObject({ eventsDays: 30, impressionsDays: 7.5 });
    expect(() => loadConfig({ cwd: dir, env: { LMREC_RETENTION_EVENTS_DAYS: 'a year' } })).toThrow(/retention\.eventsDays/);
    expect(() => loadConfig({ cwd: dir, env: { LMREC_RETENTION_IMPRESSIONS_DAYS: '0' } })).toThrow(/retention\.impressionsDays/);
  });

  it('reads the list cache of the pipeline from file or environment', () => {
    expect(loadConfig({ cwd: dir, env: {} }).pipeline.listCache).toEqual({ ttl: '30s', users: 10_000 });
    const file = join(dir, 'pipeline.json');
    writeFileSync(file, JSON.stringify({ pipeline: { listCache: { ttl: '30s', users: 500 } } }));
    expect(loadConfig({ cwd: dir, file, env: {} }).pipeline.listCache).toEqual({ ttl: '30s', users: 500 });
    expect(loadConfig({ cwd: dir, file, env: { LMREC_LIST_CACHE_TTL: '0' } }).pipeline.listCache).toEqual({ ttl: '0', users: 500 });
    writeFileSync(file, JSON.stringify({ pipeline: { listCache: { users: -1 } } }));
    expect(() => loadConfig({ cwd: dir, file, env: {} })).toThrow(/pipeline\.listCache\.users/);
  });

  it('reads the retrieval threads from file or environment', () => {
    expect(loadConfig({ cwd: dir, env: {} }).server).toMatchObject({ retrievalThreads: 'auto', retrievalMinItems: 50_000 });
    const file = join(dir, 'threads.json');
    writeFileSync(file, JSON.stringify({ server: { retrievalThreads: 3, retrievalMinItems: 1000 } }));
    expect(loadConfig({ cwd: dir, file, env: {} }).server).toMatchObject({ retrievalThreads: 3, retrievalMinItems: 1000 });
    expect(loadConfig({ cwd: dir, file, env: { LMREC_RETRIEVAL_THREADS: '0' } }).server.retrievalThreads).toBe(0);
    expect(loadConfig({ cwd: dir, file, env: { LMREC_RETRIEVAL_THREADS: 'auto' } }).server.retrievalThreads).toBe('auto');
    expect(() => loadConfig({ cwd: dir, env: { LMREC_RETRIEVAL_THREADS: 'many' } })).toThrow(/server\.retrievalThreads/);
    expect(() => loadConfig({ cwd: dir, env: { LMREC_RETRIEVAL_THREADS: '-1' } })).toThrow(/server\.retrievalThreads/);
  });

  it('reads a blocklist and exposure caps', () => {
    expect(loadConfig({ cwd: dir, env: {} })).toMatchObject({ blocklist: { items: [], attributes: {} }, exposure: { providerAttribute: 'provider' } });
    const file = join(dir, 'rules.json');
    writeFileSync(file, JSON.stringify({ blocklist: { items: ['m1'], attributes: { genres: ['Horror'] } }, exposure: { maxPerItemPerHour: 100, providerAttribute: 'studio' } }));
    expect(loadConfig({ cwd: dir, file, env: {} })).toMatchObject({
      blocklist: { items: ['m1'], attributes: { genres: ['Horror'] } },
      exposure: { maxPerItemPerHour: 100, providerAttribute: 'studio' },
    });
    writeFileSync(file, JSON.stringify({ exposure: { maxPerItemPerHour: 0 } }));
    expect(() => loadConfig({ cwd: dir, file, env: {} })).toThrow(/exposure\.maxPerItemPerHour/);
    writeFileSync(file, JSON.stringify({ blocklist: { attributes: { genres: 'Horror' } } }));
    expect(() => loadConfig({ cwd: dir, file, env: {} })).toThrow(/blocklist\.attributes\.genres/);
  });

  it('pseudonymises log user ids by default, reads the secret from file or environment, and redacts it', () => {
    expect(loadConfig({ cwd: dir, env: {} }).privacy).toEqual({ pseudonymiseLogs: true });
    const c = loadConfig({ cwd: dir, env: { LMREC_PSEUDONYM_SECRET: 'a-secret-of-some-length', LMREC_PSEUDONYMISE_LOGS: 'false' } });
    expect(c.privacy).toEqual({ pseudonymiseLogs: false, pseudonymSecret: 'a-secret-of-some-length' });
    expect(JSON.stringify(redactConfig(c))).not.toContain('a-secret-of-some-length');
    expect(() => loadConfig({ cwd: dir, env: { LMREC_PSEUDONYM_SECRET: 'short' } })).toThrow(/privacy\.pseudonymSecret/);
    expect(() => loadConfig({ cwd: dir, env: { LMREC_PSEUDONYMISE_LOGS: 'maybe' } })).toThrow(/privacy\.pseudonymiseLogs/);
  });

  it('redacts secrets', () => {
    const c = loadConfig({
      cwd: dir,
      env: { LMREC_STORAGE_URL: 'postgres://app:s3cret@db:5432/rec', LMREC_ENCODER: 'openai:http://localhost:11434#nomic-embed-text', LMREC_ENCODER_API_KEY: 'sk-123' },
    });
    expect(c.encoder).toMatchObject({ kind: 'openai', baseUrl: 'http://localhost:11434', model: 'nomic-embed-text', apiKey: 'sk-123' });
    const shown = JSON.stringify(redactConfig(c));
    expect(shown).not.toContain('s3cret');
    expect(shown).not.toContain('sk-123');
  });
});
