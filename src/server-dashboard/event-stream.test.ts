/**
 * The live event stream (`GET /v1/events/stream`) over a real listening server and a real SQLite
 * file: a reader that reads nothing delays no other reader, streams are capped, HEAD opens none, and
 * a stalled stream gives its place back.
 */
import { request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openStorage } from '../index.js';
import type { Engine, Event } from '../index.js';
import { createServer } from '../server/index.js';
import { registerDashboard } from './register-dashboard.js';
import type { DashboardHandle, DashboardOptions } from './register-dashboard.js';

const KEY = 'stream-read-key';
const auth = { authorization: `Bearer ${KEY}` };
/** Events stored before the readers connect: about 10 MB, far more than socket buffers hold. */
const BACKLOG = 10_000;

interface Served {
  app: FastifyInstance;
  handle: DashboardHandle;
  url: string;
}

/** A stream whose response is never read: its socket buffers fill and the server's writes return false. */
function openUnread(url: string): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: auth }, (res) => {
      res.pause();
      resolve({ req, res });
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return condition();
}

describe('event stream', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-event-stream-'));
  let engine: Engine;
  const servers: Served[] = [];
  const unread: ClientRequest[] = [];

  async function serve(options: Partial<DashboardOptions>): Promise<Served> {
    let handle: DashboardHandle | undefined;
    const app = await createServer({
      engine,
      apiKeys: [{ key: KEY, scope: 'read' }],
      register: async (a) => {
        handle = await registerDashboard(a, { engine, distDir: join(dir, 'dist'), reportsDirs: [], feed: { intervalMs: 50, maxPerPoll: 100, bufferLimit: 300 }, ...options });
      },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const served = { app, handle: handle!, url: `http://127.0.0.1:${port}/v1/events/stream` };
    servers.push(served);
    return served;
  }

  beforeAll(async () => {
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist/index.html'), '<!doctype html><html><head></head><body></body></html>');
    engine = createEngine(await openStorage(`sqlite://${join(dir, 'stream.db')}`));
    const text = 'x'.repeat(1000);
    const backlog: Event[] = Array.from({ length: BACKLOG }, (_, i) => ({ userId: `u${i % 50}`, itemId: `i${i % 300}`, type: 'review', text, timestamp: 1_700_000_000_000 + i }));
    await engine.storage.events.append(backlog);
  });

  afterAll(async () => {
    for (const req of unread) req.destroy();
    for (const { app } of servers) await app.close();
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers HEAD with the stream headers at once, without opening a stream', async () => {
    const { url, handle } = await serve({ maxStreams: 3 });
    const t0 = performance.now();
    const res = await fetch(url, { method: 'HEAD', headers: auth, signal: AbortSignal.timeout(5_000) });
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(handle.feed.stats().subscribers).toBe(0);
    expect((await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(5_000) })).status).toBe(401);
  });

  it('delivers a new event to a reader at once while another reader reads nothing of a large backlog', async () => {
    const { url, handle } = await serve({ maxStreams: 3 });
    // The slow reader asks for everything from the start and never reads.
    const slow = await openUnread(`${url}?after=0`);
    unread.push(slow.req);
    expect(await until(() => handle.feed.stats().paused === 1, 10_000)).toBe(true);

    const controller = new AbortController();
    const fast = await fetch(url, { headers: auth, signal: controller.signal });
    expect(fast.status).toBe(200);
    const reader = fast.body!.getReader();
    let text = '';
    const decoder = new TextDecoder();
    // The fast reader starts at the newest event; give the feed a tick to take its cursor.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [seq] = await engine.storage.events.append([{ userId: 'fresh', itemId: 'i1', type: 'like', timestamp: Date.now() }]);
    const t0 = performance.now();
    while (!text.includes(`"seq":${seq},`)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value as Uint8Array, { stream: true });
    }
    const ms = performance.now() - t0;
    controller.abort();
    expect(text).toContain(`id: ${seq}\nevent: events\n`);
    // A tick or two of the 50 ms poll; with one shared cursor it waited for the backlog (100 reads of 100 events).
    expect(ms).toBeLessThan(1_500);
    // The slow reader is still paused, holding at most the buffer limit in memory.
    const stats = handle.feed.stats();
    expect(stats.paused).toBe(1);
    expect(stats.held).toBeLessThanOrEqual(300);

    // Once it reads, it gets everything in order from its own cursor.
    let seqs: number[] = [];
    let pending = '';
    const complete = new Promise<void>((resolve) => {
      slow.res.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        let end: number;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          const frame = pending.slice(0, end);
          pending = pending.slice(end + 2);
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (data !== undefined) seqs = seqs.concat((JSON.parse(data) as { seq: number }[]).map((e) => e.seq));
          if (seqs.at(-1) === seq) resolve();
        }
      });
    });
    slow.res.resume();
    await complete;
    expect(seqs).toHaveLength(BACKLOG + 1);
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1])).toBe(true);
    slow.req.destroy();
  }, 60_000);

  it('caps open streams with 503 too_many_streams and frees a place when a stream closes', async () => {
    const { url, handle } = await serve({ maxStreams: 2 });
    const controllers = [new AbortController(), new AbortController()];
    for (const c of controllers) expect((await fetch(url, { headers: auth, signal: c.signal })).status).toBe(200);
    const refused = await fetch(url, { headers: auth, signal: AbortSignal.timeout(5_000) });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ error: { code: 'too_many_streams', details: { open: 2, limit: 2 } } });
    expect((await fetch(url, { method: 'HEAD', headers: auth, signal: AbortSignal.timeout(5_000) })).status).toBe(503);
    controllers[0].abort();
    expect(await until(() => handle.feed.stats().subscribers === 1, 5_000)).toBe(true);
    const again = new AbortController();
    expect((await fetch(url, { headers: auth, signal: again.signal })).status).toBe(200);
    again.abort();
    controllers[1].abort();
  });

  it('closes a stream whose client reads nothing for streamStallMs', async () => {
    const { url, handle } = await serve({ maxStreams: 1, streamStallMs: 200 });
    const slow = await openUnread(`${url}?after=0`);
    unread.push(slow.req);
    expect(await until(() => handle.feed.stats().paused === 1, 10_000)).toBe(true);
    expect(await until(() => handle.feed.stats().subscribers === 0, 5_000)).toBe(true);
    // Its place is free again.
    const next = new AbortController();
    expect((await fetch(url, { headers: auth, signal: next.signal })).status).toBe(200);
    next.abort();
  }, 30_000);
});
