/**
 * The storage contract: one suite that every backend runs against a real database (no mocks), so
 * that "SQLite passes" and "PostgreSQL passes" mean the same thing. A backend's test file calls
 * {@link runStorageContract} with a factory that yields a fresh, empty storage per test.
 *
 * The suite is backend-neutral: it uses only the port, ASCII ids wherever order matters (backends
 * collate non-ASCII text differently), and skips, with a stated reason, what a backend cannot do.
 * @module
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AbortError, BackendError, ConflictError, NotFoundError, ValidationError } from '../core/errors.js';
import type { Event, Item, StoredEvent, User } from '../core/types.js';
import type { CallOptions, Impression, Storage } from './storage.js';
import { SNAPSHOT_CHUNK_BYTES } from './validation.js';

/** What a contract factory provides for one test. */
export interface StorageContractContext {
  /** A fresh storage with no records. */
  storage: Storage;
  /** Opens the same database again after `storage` was closed; omit when the backend cannot. */
  reopen?: () => Promise<Storage>;
  /** Removes what the factory created (files, schemas); runs after the storages are closed. */
  cleanup?: () => Promise<void>;
  /**
   * The size of the chunks the backend was opened to store model payloads in, when it stores them in
   * chunks (e.g. SQLite's `modelChunkBytes`, set small for the test): the suite then checks payloads
   * spanning several chunks, and that chunks come back no larger.
   */
  modelChunkBytes?: number;
}

/** Creates the context of one contract test. */
export type StorageContractFactory = () => Promise<StorageContractContext>;

/** Drains an async iterable of pages, keeping the page boundaries. */
async function pages<T>(iterable: AsyncIterable<T[]>): Promise<T[][]> {
  const result: T[][] = [];
  for await (const page of iterable) result.push(page);
  return result;
}

/** Drains an async iterable of pages into one array. */
async function drain<T>(iterable: AsyncIterable<T[]>): Promise<T[]> {
  return (await pages(iterable)).flat();
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected the call to reject'),
    (error: unknown) => error,
  );
}

async function expectValidation(promise: Promise<unknown>, details: Record<string, unknown>): Promise<void> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).details).toMatchObject(details);
}

/** Deterministic bytes (xorshift32), so that payload tests are reproducible. */
function seededBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

/** Drains a chunked payload into one buffer, keeping the chunk lengths. */
async function collect(chunks: AsyncIterable<Uint8Array>): Promise<{ bytes: Uint8Array; lengths: number[] }> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return { bytes: new Uint8Array(Buffer.concat(parts)), lengths: parts.map((part) => part.length) };
}

/** Byte-for-byte comparison; `toEqual` on large typed arrays is slow. */
function expectSameBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual).toBeInstanceOf(Uint8Array);
  expect(actual!.byteLength).toBe(expected.byteLength);
  expect(Buffer.compare(actual!, expected)).toBe(0);
}

/** What an item reads back as: `available` is always present and defaults to true. */
function stored(item: Item): Item {
  return { ...item, available: item.available ?? true };
}

const T0 = Date.UTC(2024, 0, 1);

const fullItem: Item = {
  id: 'item-full',
  title: 'Amélie — 天使アメリ 🎬',
  text: 'Ünïcödé plot: שלום, привет, e\u0301 (combining), "quotes" and \\ backslashes\nsecond line',
  attributes: {
    genres: ['Comedy', 'Romance'],
    price: 9.99,
    year: 2001,
    rating: -0.5,
    adult: false,
    nested: { deeper: { list: [1, 'two', null, { three: true }] } },
    empty: {},
    none: null,
    '🔑': 'emoji key',
  },
  createdAt: T0,
  available: false,
};

const bareItem: Item = { id: 'item-bare', title: 'Bare' };

function item(id: string, extra: Partial<Item> = {}): Item {
  return { id, title: `Title ${id}`, ...extra };
}

function view(userId: string, itemId: string, timestamp: number, extra: Partial<Event> = {}): Event {
  return { userId, itemId, type: 'view', timestamp, ...extra };
}

/** Ids that sort the same under byte, code-unit and "C" collation. */
function ids(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
}

/**
 * Registers the storage contract suite under `name`. `factory` runs before each test and must give
 * an empty storage; the suite closes it (and any reopened one) and then calls `cleanup`.
 * @example
 * runStorageContract('sqlite :memory:', async () => ({ storage: createSqliteStorage({ path: ':memory:' }) }));
 */
export function runStorageContract(name: string, factory: StorageContractFactory): void {
  describe(`storage contract: ${name}`, () => {
    let context: StorageContractContext;
    let storage: Storage;
    const opened: Storage[] = [];

    beforeEach(async () => {
      context = await factory();
      storage = context.storage;
      opened.push(storage);
    });

    afterEach(async () => {
      for (const each of opened.splice(0)) await each.close();
      await context.cleanup?.();
    });

    /** Closes the current storage and opens the same database again. */
    async function reopen(): Promise<Storage> {
      await storage.close();
      storage = await context.reopen!();
      opened.push(storage);
      return storage;
    }

    describe('descriptor', () => {
      it('reports a url and capability flags', () => {
        expect(typeof storage.url).toBe('string');
        expect(storage.url.length).toBeGreaterThan(0);
        expect(typeof storage.capabilities.concurrentWriters).toBe('boolean');
      });
    });

    describe('items', () => {
      it('round-trips every field, unicode and JSON attributes included', async () => {
        expect(await storage.items.upsert([fullItem, bareItem])).toBe(2);
        expect(await storage.items.get(fullItem.id)).toEqual(fullItem);
        const unicodeId = item('ид-🎬-ü', { text: '' });
        await storage.items.upsert([unicodeId]);
        expect(await storage.items.get(unicodeId.id)).toEqual(stored(unicodeId));
      });

      it('omits absent optional fields instead of returning nulls, and defaults available to true', async () => {
        await storage.items.upsert([bareItem]);
        const got = await storage.items.get(bareItem.id);
        expect(got).toStrictEqual({ id: 'item-bare', title: 'Bare', available: true });
      });

      it('upsert replaces the whole record', async () => {
        await storage.items.upsert([fullItem]);
        const replacement: Item = { id: fullItem.id, title: 'Replaced', attributes: { only: 'this' } };
        expect(await storage.items.upsert([replacement])).toBe(1);
        expect(await storage.items.get(fullItem.id)).toStrictEqual(stored(replacement));
        expect(await storage.items.count()).toBe(1);
      });

      it('get returns undefined for an unknown id', async () => {
        expect(await storage.items.get('nope')).toBeUndefined();
      });

      it('getMany keeps the order asked and skips unknown ids', async () => {
        await storage.items.upsert([item('a'), item('b'), item('c')]);
        const got = await storage.items.getMany(['c', 'missing', 'a', 'b']);
        expect(got.map((each) => each.id)).toEqual(['c', 'a', 'b']);
        expect(got[0]).toEqual(stored(item('c')));
        expect(await storage.items.getMany([])).toEqual([]);
      });

      it('delete reports whether the item existed and keeps its events', async () => {
        await storage.items.upsert([item('a'), item('b')]);
        await storage.events.append([view('u1', 'a', T0)]);
        expect(await storage.items.delete('a')).toBe(true);
        expect(await storage.items.delete('a')).toBe(false);
        expect(await storage.items.get('a')).toBeUndefined();
        expect(await storage.items.count()).toBe(1);
        expect(await storage.events.count()).toBe(1);
      });

      it('list pages by id with after and limit', async () => {
        const all = ids('item', 25);
        await storage.items.upsert([...all].reverse().map((id) => item(id)));
        const first = await storage.items.list({ limit: 10 });
        expect(first.map((each) => each.id)).toEqual(all.slice(0, 10));
        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await storage.items.list({ limit: 7, ...(after === undefined ? {} : { after }) });
          if (page.length === 0) break;
          expect(page.length).toBeLessThanOrEqual(7);
          seen.push(...page.map((each) => each.id));
          after = page[page.length - 1].id;
        }
        expect(seen).toEqual(all);
        expect(await storage.items.list({ after: all[24] })).toEqual([]);
        expect((await storage.items.list()).map((each) => each.id)).toEqual(all);
      });

      it('scan yields every item in pages ordered by id', async () => {
        expect(await pages(storage.items.scan())).toEqual([]);
        const all = ids('item', 23);
        await storage.items.upsert([...all].reverse().map((id) => item(id, { createdAt: T0 })));
        const scanned = await pages(storage.items.scan({ batchSize: 5 }));
        expect(scanned.map((page) => page.length)).toEqual([5, 5, 5, 5, 3]);
        expect(scanned.flat()).toEqual(all.map((id) => stored(item(id, { createdAt: T0 }))));
      });

      it('count counts items', async () => {
        expect(await storage.items.count()).toBe(0);
        await storage.items.upsert(ids('i', 12).map((id) => item(id)));
        expect(await storage.items.count()).toBe(12);
      });

      it('rejects invalid items naming index and field, writing none of the batch', async () => {
        await expectValidation(storage.items.upsert([item('ok'), { id: '', title: 'x' }]), { index: 1, field: 'id' });
        await expectValidation(storage.items.upsert([item('ok'), item('ok2'), { id: 'x', title: '' }]), { index: 2, field: 'title' });
        await expectValidation(storage.items.upsert([{ id: 'x' } as Item]), { index: 0, field: 'title' });
        await expectValidation(storage.items.upsert([item('x', { attributes: { price: Number.NaN } })]), {
          index: 0,
          field: 'attributes',
        });
        await expectValidation(storage.items.upsert([item('x', { createdAt: Number.POSITIVE_INFINITY })]), {
          index: 0,
          field: 'createdAt',
        });
        expect(await storage.items.count()).toBe(0);
      });

      it('rejects a batch that repeats an id with ConflictError', async () => {
        const error = await rejection(storage.items.upsert([item('a'), item('b'), item('a')]));
        expect(error).toBeInstanceOf(ConflictError);
        expect(await storage.items.count()).toBe(0);
      });
    });

    describe('users', () => {
      const alice: User = { id: 'alice', attributes: { age: '25-34', city: 'Zürich', tags: ['a', 'b'], premium: true } };
      const bob: User = { id: 'bob' };

      it('round-trips, omitting absent attributes', async () => {
        expect(await storage.users.upsert([alice, bob])).toBe(2);
        expect(await storage.users.get('alice')).toEqual(alice);
        expect(await storage.users.get('bob')).toStrictEqual({ id: 'bob' });
        expect(await storage.users.get('carol')).toBeUndefined();
      });

      it('upsert replaces the whole record', async () => {
        await storage.users.upsert([alice]);
        await storage.users.upsert([{ id: 'alice' }]);
        expect(await storage.users.get('alice')).toStrictEqual({ id: 'alice' });
        expect(await storage.users.count()).toBe(1);
      });

      it('list pages by id and count counts', async () => {
        const all = ids('user', 15);
        await storage.users.upsert([...all].reverse().map((id) => ({ id })));
        expect(await storage.users.count()).toBe(15);
        const first = await storage.users.list({ limit: 6 });
        expect(first.map((user) => user.id)).toEqual(all.slice(0, 6));
        const second = await storage.users.list({ limit: 6, after: first[5].id });
        expect(second.map((user) => user.id)).toEqual(all.slice(6, 12));
        const rest = await storage.users.list({ limit: 6, after: second[5].id });
        expect(rest.map((user) => user.id)).toEqual(all.slice(12));
      });

      it('delete removes the user and all their events, reporting counts', async () => {
        await storage.users.upsert([alice, bob]);
        await storage.events.append([view('alice', 'i1', T0), view('bob', 'i1', T0 + 1), view('alice', 'i2', T0 + 2)]);
        expect(await storage.users.delete('alice')).toEqual({ user: true, events: 2, impressions: 0, clicks: 0 });
        expect(await storage.users.get('alice')).toBeUndefined();
        expect(await storage.events.forUser('alice')).toEqual([]);
        expect(await storage.events.count()).toBe(1);
        expect(await storage.users.count()).toBe(1);
        expect(await storage.users.delete('alice')).toEqual({ user: false, events: 0, impressions: 0, clicks: 0 });
      });

      it('delete removes events of a user that has no user row', async () => {
        await storage.events.append([view('ghost', 'i1', T0), view('ghost', 'i2', T0)]);
        expect(await storage.users.delete('ghost')).toEqual({ user: false, events: 2, impressions: 0, clicks: 0 });
        expect(await storage.events.count()).toBe(0);
      });

      it('rejects invalid users naming index and field', async () => {
        await expectValidation(storage.users.upsert([{ id: 'ok' }, { id: '' }]), { index: 1, field: 'id' });
        await expectValidation(storage.users.upsert([{ id: 'x', attributes: [] as unknown as User['attributes'] }]), {
          index: 0,
          field: 'attributes',
        });
        expect(await storage.users.count()).toBe(0);
      });
    });

    describe('events', () => {
      it('append returns increasing seqs and events round-trip with optional fields intact', async () => {
        const batch: Event[] = [
          view('u1', 'i1', T0),
          { userId: 'u1', itemId: 'i2', type: 'rating', value: 4.5, timestamp: T0 + 1 },
          { userId: 'u1', itemId: 'i2', type: 'rating', value: 0, timestamp: T0 + 2 },
          { userId: 'u2', type: 'search', text: 'comédie romantique 🎬', timestamp: T0 + 3, context: { device: 'mobile', page: 2 } },
          { userId: 'u2', itemId: 'i3', type: 'review', text: '', timestamp: T0 + 4 },
          { userId: 'u2', itemId: 'i3', type: 'purchase', value: -12.25, timestamp: T0 - 86_400_000, context: {} },
        ];
        const seqs = await storage.events.append(batch);
        expect(seqs).toHaveLength(batch.length);
        for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]);
        const scanned = await drain(storage.events.scan());
        expect(scanned).toStrictEqual(batch.map((event, i): StoredEvent => ({ ...event, seq: seqs[i] })));
        // The counters' scan: the same events without user and context, in pages after a seq.
        const counted = scanned.map(({ userId: _user, context: _context, ...rest }) => rest);
        expect(await drain(storage.events.scanCounted())).toStrictEqual(counted);
        expect(await drain(storage.events.scanCounted({ afterSeq: seqs[1], batchSize: 2 }))).toStrictEqual(counted.slice(2));
        const more = await storage.events.append([view('u3', 'i1', T0)]);
        expect(more[0]).toBeGreaterThan(seqs[seqs.length - 1]);
        expect(await storage.events.append([])).toEqual([]);
      });

      it('lastSeq is 0 when empty, tracks appends and never moves backwards', async () => {
        expect(await storage.events.lastSeq()).toBe(0);
        const seqs = await storage.events.append([view('u1', 'i1', T0), view('u2', 'i1', T0)]);
        expect(await storage.events.lastSeq()).toBe(seqs[1]);
        // Deleting the owner of the newest event must not hand its seq out again.
        await storage.users.delete('u2');
        expect(await storage.events.lastSeq()).toBeGreaterThanOrEqual(seqs[1]);
        const [next] = await storage.events.append([view('u3', 'i1', T0)]);
        expect(next).toBeGreaterThan(seqs[1]);
        expect(await storage.events.lastSeq()).toBe(next);
      });

      it('scan pages by seq and filters by user, types and afterSeq', async () => {
        const batch: Event[] = [];
        for (let i = 0; i < 40; i++) {
          batch.push({
            userId: `u${i % 3}`,
            itemId: `i${i % 7}`,
            type: (['view', 'click', 'purchase', 'like'] as const)[i % 4],
            timestamp: T0 + ((i * 7919) % 40) * 1000,
          });
        }
        const seqs = await storage.events.append(batch);
        const paged = await pages(storage.events.scan({ batchSize: 6 }));
        expect(paged.map((page) => page.length)).toEqual([6, 6, 6, 6, 6, 6, 4]);
        expect(paged.flat().map((event) => event.seq)).toEqual(seqs);

        const ofU1 = await drain(storage.events.scan({ userId: 'u1', batchSize: 4 }));
        expect(ofU1.map((event) => event.seq)).toEqual(seqs.filter((_, i) => i % 3 === 1));

        const clicksAndLikes = await drain(storage.events.scan({ types: ['click', 'like'], batchSize: 5 }));
        expect(clicksAndLikes.map((event) => event.seq)).toEqual(seqs.filter((_, i) => i % 4 === 1 || i % 4 === 3));

        const combined = await drain(storage.events.scan({ userId: 'u2', types: ['view'], afterSeq: seqs[10] }));
        expect(combined.map((event) => event.seq)).toEqual(seqs.filter((seq, i) => seq > seqs[10] && i % 3 === 2 && i % 4 === 0));

        expect(await drain(storage.events.scan({ types: [] }))).toEqual([]);
        expect(await drain(storage.events.scan({ userId: 'nobody' }))).toEqual([]);

        const aboutI3 = await drain(storage.events.scan({ itemId: 'i3', batchSize: 2 }));
        expect(aboutI3.map((event) => event.seq)).toEqual(seqs.filter((_, i) => i % 7 === 3));
        const i3ByU0 = await drain(storage.events.scan({ itemId: 'i3', userId: 'u0' }));
        expect(i3ByU0.map((event) => event.seq)).toEqual(seqs.filter((_, i) => i % 7 === 3 && i % 3 === 0));
        expect(await drain(storage.events.scan({ itemId: 'nothing' }))).toEqual([]);
      });

      it('supports incremental reads with afterSeq = lastSeq', async () => {
        await storage.events.append([view('u1', 'i1', T0), view('u1', 'i2', T0 + 1)]);
        const watermark = await storage.events.lastSeq();
        expect(await drain(storage.events.scan({ afterSeq: watermark }))).toEqual([]);
        const fresh = await storage.events.append([view('u2', 'i1', T0 + 2), view('u1', 'i3', T0 + 3)]);
        const delta = await drain(storage.events.scan({ afterSeq: watermark }));
        expect(delta.map((event) => event.seq)).toEqual(fresh);
        expect(delta.map((event) => event.itemId)).toEqual(['i1', 'i3']);
      });

      it('forUser orders by timestamp then seq, and limit keeps the latest (oldest first)', async () => {
        const seqs = await storage.events.append([
          view('u1', 'late', T0 + 300),
          view('u1', 'early', T0 + 100),
          view('u2', 'other', T0 + 150),
          view('u1', 'tie-a', T0 + 200),
          view('u1', 'tie-b', T0 + 200),
          view('u1', 'middle', T0 + 150),
        ]);
        const history = await storage.events.forUser('u1');
        expect(history.map((event) => event.itemId)).toEqual(['early', 'middle', 'tie-a', 'tie-b', 'late']);
        expect(history[0]).toStrictEqual({ ...view('u1', 'early', T0 + 100), seq: seqs[1] });
        const latest = await storage.events.forUser('u1', { limit: 3 });
        expect(latest.map((event) => event.itemId)).toEqual(['tie-a', 'tie-b', 'late']);
        expect((await storage.events.forUser('u1', { limit: 100 })).length).toBe(5);
        expect(await storage.events.forUser('u1', { limit: 0 })).toEqual([]);
        expect(await storage.events.forUser('nobody')).toEqual([]);
      });

      it('count counts all events, one user\u2019s or one item\u2019s', async () => {
        expect(await storage.events.count()).toBe(0);
        await storage.events.append([view('u1', 'i1', T0), view('u1', 'i2', T0), view('u2', 'i1', T0)]);
        expect(await storage.events.count()).toBe(3);
        expect(await storage.events.count({ userId: 'u1' })).toBe(2);
        expect(await storage.events.count({ userId: 'nobody' })).toBe(0);
        expect(await storage.events.count({ itemId: 'i1' })).toBe(2);
        expect(await storage.events.count({ itemId: 'i1', userId: 'u2' })).toBe(1);
        expect(await storage.events.count({ itemId: 'nothing' })).toBe(0);
      });

      it('rejects invalid events naming index and field, writing none of the batch', async () => {
        const ok = view('u1', 'i1', T0);
        await expectValidation(storage.events.append([ok, { ...ok, type: 'watch' as Event['type'] }]), { index: 1, field: 'type' });
        await expectValidation(storage.events.append([ok, ok, { ...ok, userId: undefined as unknown as string }]), {
          index: 2,
          field: 'userId',
        });
        await expectValidation(storage.events.append([{ ...ok, timestamp: Number.NaN }]), { index: 0, field: 'timestamp' });
        await expectValidation(storage.events.append([{ ...ok, value: Number.POSITIVE_INFINITY }]), { index: 0, field: 'value' });
        await expectValidation(storage.events.append([ok, { userId: 'u1', type: 'purchase', timestamp: T0 }]), {
          index: 1,
          field: 'itemId',
        });
        expect(await storage.events.count()).toBe(0);
        // Item-less types may omit the item.
        await storage.events.append([{ userId: 'u1', type: 'search', text: 'q', timestamp: T0 }]);
        expect(await storage.events.count()).toBe(1);
      });

      it('rejects an unknown type in a scan filter', async () => {
        const error = await rejection(drain(storage.events.scan({ types: ['viewed'] })));
        expect(error).toBeInstanceOf(ValidationError);
      });

      it('appends a large batch in one call', async () => {
        const n = 20_000;
        const batch = Array.from({ length: n }, (_, i) => view(`u${i % 500}`, `i${i % 2000}`, T0 + i));
        const seqs = await storage.events.append(batch);
        expect(seqs).toHaveLength(n);
        expect(await storage.events.count()).toBe(n);
        expect(await storage.events.lastSeq()).toBe(seqs[n - 1]);
        let total = 0;
        for await (const page of storage.events.scan({ batchSize: 3_000 })) total += page.length;
        expect(total).toBe(n);
      });
    });

    describe('models', () => {
      it('save numbers versions per name; load gives the latest or a given version with identical bytes', async () => {
        const first = seededBytes(1 << 16, 1);
        const second = seededBytes((1 << 18) + 3, 2);
        const meta = { factors: 64, metrics: { 'ndcg@10': 0.4123 }, note: 'α' };
        const v1 = await storage.models.save('als', meta, first);
        expect(v1).toMatchObject({ name: 'als', version: 1, meta });
        expect(typeof v1.createdAt).toBe('number');
        const v2 = await storage.models.save('als', { factors: 128 }, second);
        expect(v2.version).toBe(2);
        const other = await storage.models.save('ease', {}, new Uint8Array(0));
        expect(other.version).toBe(1);

        const latest = await storage.models.load('als');
        expect(latest).toMatchObject({ name: 'als', version: 2, meta: { factors: 128 }, createdAt: v2.createdAt });
        expectSameBytes(latest!.payload, second);
        const older = await storage.models.load('als', 1);
        expect(older).toMatchObject({ name: 'als', version: 1, meta, createdAt: v1.createdAt });
        expectSameBytes(older!.payload, first);
        expectSameBytes((await storage.models.load('ease'))?.payload, new Uint8Array(0));

        expect(await storage.models.load('als', 3)).toBeUndefined();
        expect(await storage.models.load('missing')).toBeUndefined();
      });

      it('loadChunks hands over a payload larger than a chunk in order; load reassembles it', async () => {
        const chunk = context.modelChunkBytes ?? 1024;
        const large = seededBytes(chunk * 3 + 517, 9);
        const exact = seededBytes(chunk, 10);
        await storage.models.save('big', { k: 1 }, large);
        await storage.models.save('big', { k: 2 }, exact);
        await storage.models.save('big', { k: 3 }, new Uint8Array(0));
        expectSameBytes((await storage.models.load('big', 1))?.payload, large);
        const first = await storage.models.loadChunks('big', 1);
        expect(first).toMatchObject({ name: 'big', version: 1, meta: { k: 1 }, byteLength: large.length });
        const read = await collect(first!.chunks);
        expectSameBytes(read.bytes, large);
        if (context.modelChunkBytes !== undefined) {
          expect(read.lengths.every((n) => n <= chunk)).toBe(true);
          expect(read.lengths.length).toBe(4);
        }
        const second = await storage.models.loadChunks('big', 2);
        expectSameBytes((await collect(second!.chunks)).bytes, exact);
        // Without a version: the latest, here an empty payload.
        const latest = await storage.models.loadChunks('big');
        expect(latest).toMatchObject({ version: 3, meta: { k: 3 }, byteLength: 0 });
        expect((await collect(latest!.chunks)).bytes.length).toBe(0);
        expect(await storage.models.loadChunks('big', 4)).toBeUndefined();
        expect(await storage.models.loadChunks('missing')).toBeUndefined();
        await expectValidation(storage.models.loadChunks('', 1), { field: 'name' });
        await expectValidation(storage.models.loadChunks('big', 0), { field: 'version' });
      });

      it('loadChunks rejects with NotFoundError when the version is deleted mid-read, and honours abort between chunks', async ({ skip }) => {
        skip(context.modelChunkBytes === undefined, `${name} did not say how large its payload chunks are (modelChunkBytes), so a payload cannot be made to span several`);
        const chunk = context.modelChunkBytes!;
        await storage.models.save('big', {}, seededBytes(chunk * 3, 11));
        const record = await storage.models.loadChunks('big', 1);
        const iterator = record!.chunks[Symbol.asyncIterator]();
        expect((await iterator.next()).done).toBe(false);
        expect(await storage.models.delete('big', 1)).toBe(true);
        expect(await rejection(iterator.next())).toBeInstanceOf(NotFoundError);

        await storage.models.save('big', {}, seededBytes(chunk * 3, 12));
        const controller = new AbortController();
        const again = await storage.models.loadChunks('big', 2, { signal: controller.signal });
        const pages = again!.chunks[Symbol.asyncIterator]();
        expect((await pages.next()).done).toBe(false);
        controller.abort();
        expect(await rejection(pages.next())).toBeInstanceOf(AbortError);
      });

      it('versions lists newest first without payloads; names lists each name once', async () => {
        expect(await storage.models.names()).toEqual([]);
        expect(await storage.models.versions('als')).toEqual([]);
        await storage.models.save('als', { k: 1 }, new Uint8Array([1]));
        await storage.models.save('als', { k: 2 }, new Uint8Array([2]));
        await storage.models.save('popularity', {}, new Uint8Array([3]));
        const versions = await storage.models.versions('als');
        expect(versions.map((each) => each.version)).toEqual([2, 1]);
        expect(versions[0]).toStrictEqual({ name: 'als', version: 2, createdAt: versions[0].createdAt, meta: { k: 2 } });
        expect(versions.every((each) => !('payload' in each))).toBe(true);
        expect(await storage.models.names()).toEqual(['als', 'popularity']);
      });

      it('activate marks a stored version; active reports it, undefined before any activation', async () => {
        expect(await storage.models.active('als')).toBeUndefined();
        await storage.models.save('als', {}, new Uint8Array([1]));
        await storage.models.save('als', {}, new Uint8Array([2]));
        expect(await storage.models.active('als')).toBeUndefined();
        await storage.models.activate('als', 1);
        expect(await storage.models.active('als')).toBe(1);
        await storage.models.activate('als', 2);
        expect(await storage.models.active('als')).toBe(2);
        // Saving a newer version does not move the activation: that is the caller's decision.
        await storage.models.save('als', {}, new Uint8Array([3]));
        expect(await storage.models.active('als')).toBe(2);
        expect(await storage.models.active('ease')).toBeUndefined();
      });

      it('heads lists the latest and the activated version of every name in one read', async () => {
        expect(await storage.models.heads()).toEqual([]);
        await storage.models.save('ease', {}, new Uint8Array([1]));
        await storage.models.save('als', {}, new Uint8Array([1]));
        await storage.models.save('als', {}, new Uint8Array([2]));
        expect(await storage.models.heads()).toEqual([
          { name: 'als', latest: 2 },
          { name: 'ease', latest: 1 },
        ]);
        await storage.models.activate('als', 1);
        await storage.models.save('als', {}, new Uint8Array([3]));
        expect(await storage.models.heads()).toEqual([
          { name: 'als', latest: 3, active: 1 },
          { name: 'ease', latest: 1 },
        ]);
        await storage.models.delete('als', 3);
        expect(await storage.models.heads()).toEqual([
          { name: 'als', latest: 2, active: 1 },
          { name: 'ease', latest: 1 },
        ]);
      });

      it('activate rejects a version that is not stored with NotFoundError, keeping the previous one', async () => {
        await storage.models.save('als', {}, new Uint8Array([1]));
        await storage.models.activate('als', 1);
        expect(await rejection(storage.models.activate('als', 7))).toBeInstanceOf(NotFoundError);
        expect(await rejection(storage.models.activate('ease', 1))).toBeInstanceOf(NotFoundError);
        await expectValidation(storage.models.activate('als', 0), { field: 'version' });
        expect(await storage.models.active('als')).toBe(1);
      });

      it('delete removes one version and reports whether it was stored', async () => {
        await storage.models.save('als', { k: 1 }, new Uint8Array([1]));
        await storage.models.save('als', { k: 2 }, new Uint8Array([2]));
        await storage.models.save('ease', {}, new Uint8Array([3]));
        expect(await storage.models.delete('als', 1)).toBe(true);
        expect(await storage.models.delete('als', 1)).toBe(false);
        expect(await storage.models.delete('als', 9)).toBe(false);
        expect(await storage.models.delete('missing', 1)).toBe(false);
        expect(await storage.models.load('als', 1)).toBeUndefined();
        expect((await storage.models.versions('als')).map((v) => v.version)).toEqual([2]);
        expect((await storage.models.load('ease'))?.version).toBe(1);
        expect(await storage.models.delete('als', 2)).toBe(true);
        expect(await storage.models.names()).toEqual(['ease']);
        await expectValidation(storage.models.delete('', 1), { field: 'name' });
        await expectValidation(storage.models.delete('als', 0), { field: 'version' });
      });

      it('delete of the activated version clears the activation; other activations stay', async () => {
        await storage.models.save('als', {}, new Uint8Array([1]));
        await storage.models.save('als', {}, new Uint8Array([2]));
        await storage.models.save('ease', {}, new Uint8Array([3]));
        await storage.models.activate('als', 1);
        await storage.models.activate('ease', 1);
        expect(await storage.models.delete('als', 2)).toBe(true);
        expect(await storage.models.active('als')).toBe(1);
        expect(await storage.models.delete('als', 1)).toBe(true);
        expect(await storage.models.active('als')).toBeUndefined();
        expect(await storage.models.active('ease')).toBe(1);
      });

      it('never reuses the number of a deleted version, not even the newest', async () => {
        await storage.models.save('als', {}, new Uint8Array([1]));
        await storage.models.save('als', {}, new Uint8Array([2]));
        expect(await storage.models.delete('als', 2)).toBe(true);
        expect((await storage.models.save('als', {}, new Uint8Array([3]))).version).toBe(3);
        expect(await storage.models.delete('als', 1)).toBe(true);
        expect(await storage.models.delete('als', 3)).toBe(true);
        expect((await storage.models.save('als', {}, new Uint8Array([4]))).version).toBe(4);
        expect((await storage.models.versions('als')).map((v) => v.version)).toEqual([4]);
      });
    });

    describe('erasures', () => {
      it('deleting a user with events logs their first event seq and the time, and nothing naming them', async () => {
        expect(await storage.erasures.list()).toEqual([]);
        expect(await storage.erasures.lastId()).toBe(0);
        await storage.users.upsert([{ id: 'alice', attributes: { city: 'Köln' } }]);
        const [bobSeq, aliceFirst, aliceSecond] = await storage.events.append([view('bob', 'i1', T0), view('alice', 'i1', T0 + 1), view('alice', 'i2', T0)]);
        expect(aliceSecond).toBeGreaterThan(aliceFirst);
        const before = Date.now();
        await storage.users.delete('alice');
        const after = Date.now();
        const log = await storage.erasures.list();
        expect(log).toHaveLength(1);
        const [entry] = log;
        expect(Object.keys(entry).sort()).toEqual(['at', 'firstSeq', 'id']);
        expect(entry.firstSeq).toBe(aliceFirst);
        expect(entry.firstSeq).toBeGreaterThan(bobSeq);
        expect(entry.at).toBeGreaterThanOrEqual(before);
        expect(entry.at).toBeLessThanOrEqual(after);
        expect(JSON.stringify(log)).not.toMatch(/alice|Köln/);
        expect(await storage.erasures.lastId()).toBe(entry.id);
      });

      it('logs nothing for a user without events; ids increase and list pages after an id', async () => {
        await storage.users.upsert([{ id: 'quiet' }]);
        await storage.users.delete('quiet');
        await storage.users.delete('never-seen');
        expect(await storage.erasures.list()).toEqual([]);
        const seqs = await storage.events.append([view('a', 'i1', T0), view('b', 'i1', T0), view('c', 'i1', T0)]);
        await storage.users.delete('b');
        await storage.users.delete('a');
        await storage.users.delete('c');
        const log = await storage.erasures.list();
        expect(log.map((e) => e.firstSeq)).toEqual([seqs[1], seqs[0], seqs[2]]);
        expect(log[0].id).toBeGreaterThan(0);
        expect(log[1].id).toBeGreaterThan(log[0].id);
        expect(log[2].id).toBeGreaterThan(log[1].id);
        expect(await storage.erasures.list({ afterId: log[0].id })).toEqual(log.slice(1));
        expect(await storage.erasures.list({ afterId: log[2].id })).toEqual([]);
        expect(await storage.erasures.lastId()).toBe(log[2].id);
        await expectValidation(storage.erasures.list({ afterId: -1 }), { field: 'afterId' });
      });

      it('an impression for an unknown or deleted user is not recorded when only known users are asked for', async () => {
        const served = (id: string, userId: string): Impression => ({ id, userId, modelVersion: 'ease@1', variant: 'A', itemIds: ['i1'], createdAt: T0 });
        expect(await storage.impressions.record(served('x1', 'stranger'), { onlyKnownUser: true })).toBe(false);
        expect(await storage.impressions.get('x1')).toBeUndefined();
        await storage.users.upsert([{ id: 'registered' }]);
        await storage.events.append([view('active', 'i1', T0)]);
        expect(await storage.impressions.record(served('x2', 'registered'), { onlyKnownUser: true })).toBe(true);
        expect(await storage.impressions.record(served('x3', 'active'), { onlyKnownUser: true })).toBe(true);
        await storage.users.delete('active');
        expect(await storage.impressions.record(served('x4', 'active'), { onlyKnownUser: true })).toBe(false);
        expect(await storage.impressions.get('x4')).toBeUndefined();
        // Without the option every list is recorded, as before.
        expect(await storage.impressions.record(served('x5', 'stranger'))).toBe(true);
        // x3 went with its user.
        expect((await storage.impressions.stats())[0]).toMatchObject({ impressions: 2 });
      });
    });

    describe('retention', () => {
      it('events.deleteBefore removes events older than the cut-off, oldest first, in batches of limit', async () => {
        const seqs = await storage.events.append([
          view('alice', 'i1', T0 + 30),
          view('bob', 'i1', T0 + 10),
          view('alice', 'i2', T0 + 20),
          view('carol', 'i3', T0 + 100),
          view('bob', 'i2', T0 + 200),
        ]);
        const last = await storage.events.lastSeq();
        expect(await storage.events.deleteBefore(T0 + 100, { limit: 2 })).toBe(2);
        // The two oldest by timestamp went, whatever their seq.
        expect((await drain(storage.events.scan())).map((e) => e.seq)).toEqual([seqs[0], seqs[3], seqs[4]]);
        expect(await storage.events.deleteBefore(T0 + 100, { limit: 2 })).toBe(1);
        expect(await storage.events.deleteBefore(T0 + 100, { limit: 2 })).toBe(0);
        expect((await drain(storage.events.scan())).map((e) => e.timestamp)).toEqual([T0 + 100, T0 + 200]);
        // Sequence numbers are not reused and lastSeq does not move back.
        expect(await storage.events.lastSeq()).toBe(last);
        const [next] = await storage.events.append([view('dave', 'i1', T0)]);
        expect(next).toBeGreaterThan(last);
        expect(await storage.events.deleteBefore(T0 + 1_000)).toBe(3);
        expect(await storage.events.count()).toBe(0);
        // Not an erasure: nothing is appended to the erasure log.
        expect(await storage.erasures.list()).toEqual([]);
      });

      it('impressions.deleteBefore removes old served lists with their clicks and keeps newer ones', async () => {
        const served = (id: string, createdAt: number): Impression => ({ id, userId: 'alice', modelVersion: 'ease@1', variant: 'A', itemIds: ['i1', 'i2'], createdAt });
        await storage.impressions.record(served('old-1', T0));
        await storage.impressions.record(served('old-2', T0 + 1));
        await storage.impressions.record(served('new-1', T0 + 50));
        await storage.impressions.click('old-1', 'i1', T0 + 60);
        await storage.impressions.click('old-1', 'i2', T0 + 61);
        await storage.impressions.click('new-1', 'i1', T0 + 62);
        expect(await storage.impressions.deleteBefore(T0 + 50, { limit: 1 })).toEqual({ impressions: 1, clicks: 2 });
        expect(await storage.impressions.get('old-1')).toBeUndefined();
        expect(await storage.impressions.deleteBefore(T0 + 50)).toEqual({ impressions: 1, clicks: 0 });
        expect(await storage.impressions.deleteBefore(T0 + 50)).toEqual({ impressions: 0, clicks: 0 });
        expect(await storage.impressions.stats()).toEqual([{ modelVersion: 'ease@1', variant: 'A', impressions: 1, clicks: 1 }]);
      });

      it('deleteBefore validates its arguments naming the field', async () => {
        await expectValidation(storage.events.deleteBefore(Number.NaN), { field: 'before' });
        await expectValidation(storage.events.deleteBefore(T0, { limit: 0 }), { field: 'limit' });
        await expectValidation(storage.impressions.deleteBefore(Number.POSITIVE_INFINITY), { field: 'before' });
        await expectValidation(storage.impressions.deleteBefore(T0, { limit: 1.5 }), { field: 'limit' });
      });
    });

    describe('settings', () => {
      it('put and get round-trip JSON values with a version raised by each put; unknown keys are undefined', async () => {
        expect(await storage.settings.get('blocklist')).toBeUndefined();
        const value = { items: ['i1', 'Ü-2'], attributes: { genres: ['Horror'], provider: ['acme'] }, nested: [1, null, true] };
        const first = await storage.settings.put('blocklist', value);
        expect(first).toMatchObject({ key: 'blocklist', value, version: 1 });
        expect(await storage.settings.get('blocklist')).toEqual(first);
        const second = await storage.settings.put('blocklist', { items: [] });
        expect(second.version).toBe(2);
        expect(second.updatedAt).toBeGreaterThanOrEqual(first.updatedAt);
        expect((await storage.settings.get('blocklist'))?.value).toEqual({ items: [] });
        expect((await storage.settings.put('other', 'x')).version).toBe(1);
      });

      it('put refuses what is not JSON and an empty key, naming the field', async () => {
        await expectValidation(storage.settings.put('k', { n: Number.NaN }), { field: 'value' });
        await expectValidation(storage.settings.put('k', new Date() as never), { field: 'value' });
        await expectValidation(storage.settings.put('', 1), { field: 'key' });
        expect(await storage.settings.get('k')).toBeUndefined();
      });
    });

    describe('snapshots', () => {
      it('put, get, replace and delete a payload under a name', async () => {
        expect(await storage.snapshots.get('signals')).toBeUndefined();
        const payload = new Uint8Array(300_000).map((_, i) => (i * 31) % 251);
        const before = Date.now();
        await storage.snapshots.put('signals', { dataSeq: 12, fingerprint: 'a', nested: [1, null, 'Ü'] }, payload);
        const got = await storage.snapshots.get('signals');
        expect(got?.meta).toEqual({ dataSeq: 12, fingerprint: 'a', nested: [1, null, 'Ü'] });
        expect(got?.name).toBe('signals');
        expect(got?.payload).toEqual(payload);
        expect(got?.savedAt).toBeGreaterThanOrEqual(before - 1000);
        await storage.snapshots.put('signals', { dataSeq: 13 }, new Uint8Array([1, 2, 3]));
        expect(await storage.snapshots.get('signals')).toMatchObject({ meta: { dataSeq: 13 }, payload: new Uint8Array([1, 2, 3]) });
        // Over several chunks, and one byte past a chunk's end.
        const big = new Uint8Array(2 * SNAPSHOT_CHUNK_BYTES + 1).map((_, i) => (i * 7 + (i >> 13)) % 256);
        await storage.snapshots.put('signals', { dataSeq: 14 }, big);
        expect(Buffer.compare(Buffer.from((await storage.snapshots.get('signals'))?.payload ?? []), Buffer.from(big))).toBe(0);
        await storage.snapshots.put('signals', { dataSeq: 15 }, new Uint8Array([4]));
        expect((await storage.snapshots.get('signals'))?.payload).toEqual(new Uint8Array([4]));
        await storage.snapshots.put('other', {}, new Uint8Array(0));
        expect((await storage.snapshots.get('other'))?.payload.length).toBe(0);
        expect(await storage.snapshots.delete('signals')).toBe(true);
        expect(await storage.snapshots.delete('signals')).toBe(false);
        expect(await storage.snapshots.get('signals')).toBeUndefined();
        expect(await storage.snapshots.get('other')).toBeDefined();
      });

      it('every write that deletes events or inserts them with their seqs removes every snapshot; other writes keep them', async () => {
        const put = async (): Promise<void> => {
          await storage.snapshots.put('a', {}, new Uint8Array([1]));
          await storage.snapshots.put('b', {}, new Uint8Array([2]));
        };
        const gone = async (): Promise<boolean> => (await storage.snapshots.get('a')) === undefined && (await storage.snapshots.get('b')) === undefined;
        await put();
        const seqs = await storage.events.append([view('u1', 'i1', T0), view('u2', 'i1', T0 + 10)]);
        await storage.items.upsert([item('i1')]);
        await storage.bulkWrite({ events: [view('u3', 'i1', T0 + 20)] });
        expect(await gone()).toBe(false);
        await storage.users.delete('u1');
        expect(await gone()).toBe(true);
        await put();
        expect(await storage.events.deleteBefore(T0 - 1)).toBe(0);
        expect(await gone()).toBe(false);
        expect(await storage.events.deleteBefore(T0 + 15)).toBe(1);
        expect(await gone()).toBe(true);
        await put();
        await storage.transfer.write({ events: [{ ...view('u9', 'i1', T0 + 1), seq: seqs[0] }] });
        expect(await gone()).toBe(true);
        // Each removal counts: a put made of what was read before one is refused.
        const before = await storage.snapshots.generation();
        expect(await storage.snapshots.put('a', {}, new Uint8Array([1]), { ifGeneration: before })).toBe(true);
        await storage.users.delete('u9');
        expect(await storage.snapshots.generation()).toBe(before + 1);
        expect(await storage.snapshots.put('a', {}, new Uint8Array([1]), { ifGeneration: before })).toBe(false);
        expect(await storage.snapshots.get('a')).toBeUndefined();
        expect(await storage.snapshots.put('a', {}, new Uint8Array([1]))).toBe(true);
        // Writes that delete nothing do not count.
        await storage.events.deleteBefore(T0 - 1);
        expect(await storage.snapshots.generation()).toBe(before + 1);
      });

      it('put refuses a meta that is not a JSON object, a payload that is not bytes and an empty name, naming the field', async () => {
        await expectValidation(storage.snapshots.put('s', [] as never, new Uint8Array(1)), { field: 'meta' });
        await expectValidation(storage.snapshots.put('s', { n: Number.NaN }, new Uint8Array(1)), { field: 'meta' });
        await expectValidation(storage.snapshots.put('s', {}, 'bytes' as never), { field: 'payload' });
        await expectValidation(storage.snapshots.put('', {}, new Uint8Array(1)), { field: 'name' });
        expect(await storage.snapshots.get('s')).toBeUndefined();
      });
    });

    describe('changes', () => {
      it('logs every item write and deletion in commit order, whatever the path', async () => {
        const before = await storage.changes.lastSeq();
        await storage.items.upsert([item('c1'), item('c2')]);
        await storage.items.upsert([{ ...item('c1'), title: 'Renamed' }]);
        await storage.bulkWrite({ items: [item('c3')], events: [view('u1', 'c3', T0)] });
        expect(await storage.items.delete('c2')).toBe(true);
        expect(await storage.items.delete('missing')).toBe(false);
        const log = await storage.changes.since(before);
        expect(log.map((c) => [c.kind, c.id])).toEqual([
          ['item-upsert', 'c1'],
          ['item-upsert', 'c2'],
          ['item-upsert', 'c1'],
          ['item-upsert', 'c3'],
          ['item-delete', 'c2'],
        ]);
        for (let i = 1; i < log.length; i++) expect(log[i].seq).toBeGreaterThan(log[i - 1].seq);
        expect(await storage.changes.lastSeq()).toBe(log.at(-1)?.seq);
        expect(log.every((c) => Math.abs(c.at - Date.now()) < 60_000)).toBe(true);
        // A follower pages through from the last entry it saw.
        expect((await storage.changes.since(log[2].seq, { limit: 1 })).map((c) => c.id)).toEqual(['c3']);
        expect(await storage.changes.since(log[4].seq)).toEqual([]);
        // Users and events are not catalogue changes.
        await storage.users.upsert([{ id: 'u9' }]);
        expect(await storage.changes.lastSeq()).toBe(log.at(-1)?.seq);
      });

      it('deletes entries older than a time, and refuses bad arguments naming them', async () => {
        await storage.items.upsert([item('old')]);
        expect(await storage.changes.deleteBefore(Date.now() + 60_000)).toBeGreaterThanOrEqual(1);
        expect(await storage.changes.since(0)).toEqual([]);
        await expectValidation(storage.changes.since(-1), { field: 'afterSeq' });
        await expectValidation(storage.changes.since(0, { limit: 0 }), { field: 'limit' });
      });
    });

    describe('leases', () => {
      it('one holder at a time: renewed by its holder, refused to others until it expires or is released', async () => {
        expect(await storage.leases.holder('trainer')).toBeUndefined();
        expect(await storage.leases.acquire('trainer', 'a', 60_000)).toBe(true);
        expect(await storage.leases.acquire('trainer', 'b', 60_000)).toBe(false);
        expect(await storage.leases.acquire('trainer', 'a', 60_000)).toBe(true);
        expect((await storage.leases.holder('trainer'))?.holder).toBe('a');
        expect(await storage.leases.acquire('other', 'b', 60_000)).toBe(true);
        await storage.leases.release('trainer', 'b');
        expect((await storage.leases.holder('trainer'))?.holder).toBe('a');
        await storage.leases.release('trainer', 'a');
        expect(await storage.leases.acquire('trainer', 'b', 50)).toBe(true);
        await new Promise((r) => setTimeout(r, 120));
        // Expired: nobody holds it, and another process may take it.
        expect(await storage.leases.holder('trainer')).toBeUndefined();
        expect(await storage.leases.acquire('trainer', 'c', 60_000)).toBe(true);
        await expectValidation(storage.leases.acquire('trainer', 'c', 0), { field: 'ttlMs' });
        await expectValidation(storage.leases.acquire('', 'c', 10), { field: 'name' });
      });

      it('of several processes asking at once, exactly one gets it', async ({ skip }) => {
        skip(context.reopen === undefined, `${name} has one connection only (the factory gave no reopen)`);
        const others = await Promise.all([context.reopen!(), context.reopen!()]);
        opened.push(...others);
        const got = await Promise.all([storage, ...others].map((s, i) => s.leases.acquire('race', `p${i}`, 60_000)));
        expect(got.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('llmCache', () => {
      it('put and get by model and hash; a second put replaces; other keys are undefined', async () => {
        expect(await storage.llmCache.get('openai:h/v1:m', 'abc')).toBeUndefined();
        await storage.llmCache.put({ model: 'openai:h/v1:m', hash: 'abc', response: '{"text":"x"}', createdAt: T0 });
        await storage.llmCache.put({ model: 'openai:h/v1:other', hash: 'abc', response: '{"text":"y"}', createdAt: T0 });
        expect(await storage.llmCache.get('openai:h/v1:m', 'abc')).toEqual({ model: 'openai:h/v1:m', hash: 'abc', response: '{"text":"x"}', createdAt: T0 });
        await storage.llmCache.put({ model: 'openai:h/v1:m', hash: 'abc', response: '{"text":"z"}', createdAt: T0 + 1 });
        expect((await storage.llmCache.get('openai:h/v1:m', 'abc'))?.response).toBe('{"text":"z"}');
        expect((await storage.llmCache.get('openai:h/v1:other', 'abc'))?.response).toBe('{"text":"y"}');
        expect(await storage.llmCache.get('openai:h/v1:m', 'abd')).toBeUndefined();
      });

      it('refuses empty keys and a non-integer time, naming the field', async () => {
        await expectValidation(storage.llmCache.get('', 'h'), { field: 'model' });
        await expectValidation(storage.llmCache.put({ model: 'm', hash: '', response: '', createdAt: T0 }), { field: 'hash' });
        await expectValidation(storage.llmCache.put({ model: 'm', hash: 'h', response: '', createdAt: 1.5 }), { field: 'createdAt' });
      });
    });

    describe('generatedTexts', () => {
      const entry = (itemId: string, text: string, createdAt = T0) => ({ itemId, text, model: 'openai:h/v1:m', promptVersion: 'enrich-v1', createdAt });

      it('put, getMany, list in id order with paging, replace and delete; item text is untouched', async () => {
        await storage.items.upsert([{ id: 'g1', title: 'One', text: 'own text' }]);
        expect(await storage.generatedTexts.put([entry('g2', 'two'), entry('g1', 'one'), entry('g3', 'three')])).toBe(3);
        expect((await storage.generatedTexts.getMany(['g1', 'gx', 'g3'])).map((e) => e.itemId).sort()).toEqual(['g1', 'g3']);
        expect((await storage.generatedTexts.list()).map((e) => e.itemId)).toEqual(['g1', 'g2', 'g3']);
        expect((await storage.generatedTexts.list({ after: 'g1', limit: 1 })).map((e) => e.itemId)).toEqual(['g2']);
        await storage.generatedTexts.put([entry('g1', 'one again', T0 + 5)]);
        expect(await storage.generatedTexts.getMany(['g1'])).toEqual([entry('g1', 'one again', T0 + 5)]);
        expect((await storage.items.get('g1'))?.text).toBe('own text');
        expect(await storage.generatedTexts.delete('g1')).toBe(true);
        expect(await storage.generatedTexts.delete('g1')).toBe(false);
        expect((await storage.generatedTexts.list()).map((e) => e.itemId)).toEqual(['g2', 'g3']);
        expect(await storage.generatedTexts.getMany([])).toEqual([]);
      });

      it('refuses an entry with a missing field, naming it and nothing is written', async () => {
        await expectValidation(storage.generatedTexts.put([entry('g1', 'ok'), { ...entry('g2', 'x'), promptVersion: '' }]), { field: 'promptVersion', index: 1 });
        await expectValidation(storage.generatedTexts.put([{ ...entry('g1', 'ok'), createdAt: Number.NaN }]), { field: 'createdAt' });
        await expectValidation(storage.generatedTexts.delete(''), { field: 'itemId' });
        expect(await storage.generatedTexts.list()).toEqual([]);
      });
    });

    describe('impressions', () => {
      function impression(id: string, extra: Partial<Impression> = {}): Impression {
        return { id, userId: 'alice', modelVersion: 'ease@1', variant: 'A', itemIds: ['i1', 'i2', 'i3'], createdAt: T0, ...extra };
      }

      it('record and get round-trip; an unknown id is undefined', async () => {
        const served = impression('imp-1', { itemIds: ['i3', 'i1', 'Ü-2'] });
        await storage.impressions.record(served);
        expect(await storage.impressions.get('imp-1')).toStrictEqual(served);
        expect(await storage.impressions.get('imp-x')).toBeUndefined();
        await storage.impressions.record(impression('imp-empty', { itemIds: [] }));
        expect((await storage.impressions.get('imp-empty'))?.itemIds).toEqual([]);
      });

      it('record rejects a taken id with ConflictError and malformed records naming the field', async () => {
        await storage.impressions.record(impression('imp-1'));
        expect(await rejection(storage.impressions.record(impression('imp-1', { userId: 'bob' })))).toBeInstanceOf(ConflictError);
        expect((await storage.impressions.get('imp-1'))?.userId).toBe('alice');
        await expectValidation(storage.impressions.record(impression('')), { field: 'id' });
        await expectValidation(storage.impressions.record(impression('imp-2', { userId: '' })), { field: 'userId' });
        await expectValidation(storage.impressions.record(impression('imp-2', { itemIds: ['a', ''] })), { field: 'itemIds', index: 1 });
        await expectValidation(storage.impressions.record(impression('imp-2', { createdAt: Number.NaN })), { field: 'createdAt' });
        expect(await storage.impressions.get('imp-2')).toBeUndefined();
      });

      it('click: NotFoundError for an unknown impression, ValidationError for an item not served, idempotent per item', async () => {
        await storage.impressions.record(impression('imp-1'));
        expect(await rejection(storage.impressions.click('imp-x', 'i1', T0))).toBeInstanceOf(NotFoundError);
        await expectValidation(storage.impressions.click('imp-1', 'i9', T0), { field: 'itemId' });
        await storage.impressions.click('imp-1', 'i1', T0 + 1);
        await storage.impressions.click('imp-1', 'i1', T0 + 2);
        await storage.impressions.click('imp-1', 'i2', T0 + 3);
        expect(await storage.impressions.stats()).toEqual([{ modelVersion: 'ease@1', variant: 'A', impressions: 1, clicks: 2 }]);
      });

      it('stats groups by model version and variant, ordered, and since keeps later impressions only', async () => {
        expect(await storage.impressions.stats()).toEqual([]);
        await storage.impressions.record(impression('a1', { variant: 'B', createdAt: T0 }));
        await storage.impressions.record(impression('a2', { variant: 'A', createdAt: T0 + 10 }));
        await storage.impressions.record(impression('a3', { variant: 'A', createdAt: T0 + 20 }));
        await storage.impressions.record(impression('b1', { modelVersion: 'als@2', variant: 'A', createdAt: T0 + 30 }));
        await storage.impressions.click('a1', 'i1', T0 + 1);
        await storage.impressions.click('a3', 'i2', T0 + 21);
        await storage.impressions.click('a3', 'i3', T0 + 22);
        expect(await storage.impressions.stats()).toEqual([
          { modelVersion: 'als@2', variant: 'A', impressions: 1, clicks: 0 },
          { modelVersion: 'ease@1', variant: 'A', impressions: 2, clicks: 2 },
          { modelVersion: 'ease@1', variant: 'B', impressions: 1, clicks: 1 },
        ]);
        expect(await storage.impressions.stats({ since: T0 + 20 })).toEqual([
          { modelVersion: 'als@2', variant: 'A', impressions: 1, clicks: 0 },
          { modelVersion: 'ease@1', variant: 'A', impressions: 1, clicks: 2 },
        ]);
      });

      it('deleting a user removes their impressions and clicks and nobody else\u2019s', async () => {
        await storage.impressions.record(impression('a1'));
        await storage.impressions.record(impression('a2'));
        await storage.impressions.record(impression('b1', { userId: 'bob' }));
        await storage.impressions.click('a1', 'i1', T0);
        await storage.impressions.click('a1', 'i2', T0);
        await storage.impressions.click('b1', 'i1', T0);
        expect(await storage.users.delete('alice')).toEqual({ user: false, events: 0, impressions: 2, clicks: 2 });
        expect(await storage.impressions.get('a1')).toBeUndefined();
        expect(await storage.impressions.get('b1')).toBeDefined();
        expect(await storage.impressions.stats()).toEqual([{ modelVersion: 'ease@1', variant: 'A', impressions: 1, clicks: 1 }]);
      });
    });

    describe('embeddings', () => {
      it('caches vectors per encoder and hash, replaces on put, and reports misses by absence', async () => {
        const a = Float32Array.from([0.25, -1.5, 3]);
        const b = Float32Array.from([1, 2, 3]);
        expect(await storage.embeddings.put('use-lite', [{ hash: 'h1', vector: a }, { hash: 'h2', vector: b }])).toBe(2);
        await storage.embeddings.put('other', [{ hash: 'h1', vector: b }]);
        const got = await storage.embeddings.get('use-lite', ['h1', 'missing', 'h2']);
        expect([...got.keys()].sort()).toEqual(['h1', 'h2']);
        expect(Array.from(got.get('h1')!)).toEqual(Array.from(a));
        expect(got.get('h1')).toBeInstanceOf(Float32Array);
        expect(Array.from((await storage.embeddings.get('other', ['h1'])).get('h1')!)).toEqual(Array.from(b));
        await storage.embeddings.put('use-lite', [{ hash: 'h1', vector: b }]);
        expect(Array.from((await storage.embeddings.get('use-lite', ['h1'])).get('h1')!)).toEqual(Array.from(b));
        expect(await storage.embeddings.count('use-lite')).toBe(2);
        expect(await storage.embeddings.count('none')).toBe(0);
      });

      it('rejects malformed vectors and writes none of the batch', async () => {
        await expectValidation(
          storage.embeddings.put('enc', [
            { hash: 'ok', vector: Float32Array.from([1]) },
            { hash: 'bad', vector: Float32Array.from([Number.NaN]) },
          ]),
          { index: 1, field: 'vector' },
        );
        expect(await storage.embeddings.count('enc')).toBe(0);
      });
    });

    describe('bulkWrite', () => {
      it('writes items, users and events together and reports counts', async () => {
        const result = await storage.bulkWrite({
          items: [item('a'), item('b')],
          users: [{ id: 'u1' }],
          events: [view('u1', 'a', T0), view('u1', 'b', T0 + 1), view('u2', 'a', T0 + 2)],
        });
        expect(result).toEqual({ items: 2, users: 1, events: 3 });
        expect(await storage.items.count()).toBe(2);
        expect(await storage.users.count()).toBe(1);
        expect((await storage.events.forUser('u1')).map((event) => event.itemId)).toEqual(['a', 'b']);
        expect(await storage.bulkWrite({})).toEqual({ items: 0, users: 0, events: 0 });
      });

      it('writes nothing at all when the last event is invalid', async () => {
        await storage.bulkWrite({ items: [item('old')], users: [{ id: 'old' }], events: [view('old', 'old', T0)] });
        const before = { items: 1, users: 1, events: 1, lastSeq: await storage.events.lastSeq() };
        const error = await rejection(
          storage.bulkWrite({
            items: [item('new-1'), item('old', { title: 'changed' })],
            users: [{ id: 'new-user' }],
            events: [view('new-user', 'new-1', T0), view('new-user', 'new-1', T0 + 1), { userId: 'new-user', type: 'view', timestamp: T0 }],
          }),
        );
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).details).toMatchObject({ collection: 'events', index: 2, field: 'itemId' });
        expect(await storage.items.count()).toBe(before.items);
        expect(await storage.users.count()).toBe(before.users);
        expect(await storage.events.count()).toBe(before.events);
        expect(await storage.events.lastSeq()).toBe(before.lastSeq);
        expect(await storage.items.get('new-1')).toBeUndefined();
        expect((await storage.items.get('old'))!.title).toBe('Title old');
      });

      it('records an import mark in the log with what was written, and refuses the same hash again unless forced', async () => {
        expect(await storage.imports.list()).toEqual([]);
        const mark = { hash: 'abc123', source: 'data/events.csv', format: 'csv' };
        const before = Date.now();
        expect(await storage.bulkWrite({ items: [item('a')], events: [view('u1', 'a', T0), view('u2', 'a', T0)], importMark: mark })).toEqual({ items: 1, users: 0, events: 2 });
        const log = await storage.imports.list();
        expect(log).toEqual([{ id: log[0].id, hash: 'abc123', source: 'data/events.csv', format: 'csv', at: log[0].at, items: 1, users: 0, events: 2 }]);
        expect(log[0].at).toBeGreaterThanOrEqual(before);

        const again = await rejection(storage.bulkWrite({ events: [view('u1', 'a', T0)], importMark: { ...mark, source: 'copy.csv' } }));
        expect(again).toBeInstanceOf(ConflictError);
        expect((again as ConflictError).details).toMatchObject({ reason: 'already_imported', hash: 'abc123', earlier: { id: log[0].id, source: 'data/events.csv' } });
        expect(await storage.events.count()).toBe(2);
        expect(await storage.imports.list()).toHaveLength(1);

        await storage.bulkWrite({ events: [view('u3', 'a', T0)], importMark: { ...mark, force: true } });
        expect(await storage.events.count()).toBe(3);
        expect((await storage.imports.list({ hash: 'abc123' })).map((r) => r.events)).toEqual([2, 1]);
        expect(await storage.imports.list({ hash: 'other' })).toEqual([]);
        // Without a mark nothing is logged.
        await storage.bulkWrite({ events: [view('u4', 'a', T0)] });
        expect(await storage.imports.list()).toHaveLength(2);
        await expectValidation(storage.bulkWrite({ events: [view('u5', 'a', T0)], importMark: { hash: '', source: 's', format: 'csv' } }), { field: 'importMark.hash' });
      });

      it('writes nothing when an id repeats within the batch', async () => {
        const error = await rejection(storage.bulkWrite({ users: [{ id: 'u' }, { id: 'u' }], events: [view('u', 'i', T0)] }));
        expect(error).toBeInstanceOf(ConflictError);
        expect(await storage.users.count()).toBe(0);
        expect(await storage.events.count()).toBe(0);
      });
    });

    describe('transfer', () => {
      async function* chunksOf(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
        for (const part of parts) yield part;
      }

      it('write keeps event seqs and raises lastSeq; a taken seq fails the whole batch with ConflictError', async () => {
        await storage.transfer.write({ events: [{ ...view('u1', 'i1', T0), seq: 3 }, { ...view('u2', 'i2', T0 + 1), seq: 7, context: { via: 'copy' } }] });
        expect(await drain(storage.events.scan())).toStrictEqual([
          { ...view('u1', 'i1', T0), seq: 3 },
          { ...view('u2', 'i2', T0 + 1), seq: 7, context: { via: 'copy' } },
        ]);
        expect(await storage.events.lastSeq()).toBe(7);
        expect(await storage.events.append([view('u3', 'i1', T0)])).toEqual([8]);
        const taken = await rejection(storage.transfer.write({ events: [{ ...view('u4', 'i1', T0), seq: 9 }, { ...view('u4', 'i2', T0), seq: 7 }] }));
        expect(taken).toBeInstanceOf(ConflictError);
        expect(await storage.events.count()).toBe(3);
        await expectValidation(storage.transfer.write({ events: [{ ...view('u4', 'i1', T0), seq: 0 }] }), { field: 'events[0].seq' });
      });

      it('impressions with clicks, embeddings, settings, logs, activations and counters round-trip with their identities', async () => {
        const served = { id: 'imp-1', userId: 'alice', modelVersion: 'als@4', variant: 'B', itemIds: ['i1', 'i2'], createdAt: T0, clicks: [{ itemId: 'i2', at: T0 + 5 }] };
        await storage.transfer.writeModel({ name: 'als', version: 4, createdAt: T0 + 9, meta: { k: 1 } }, chunksOf(seededBytes(700, 1), seededBytes(900, 2)));
        await storage.transfer.write({
          impressions: [served],
          embeddings: [{ encoder: 'enc', hash: 'h', vector: Float32Array.from([0.5, -2]) }],
          settings: [{ key: 'blocklist', value: { items: ['x'] }, version: 5, updatedAt: T0 + 3 }],
          erasures: [{ id: 3, firstSeq: 11, at: T0 + 4 }],
          imports: [{ id: 2, hash: 'h2', source: 'a.csv', format: 'csv', at: T0 + 6, items: 1, users: 0, events: 2 }],
          activations: [{ name: 'als', version: 4, activatedAt: T0 + 10 }],
          counters: { lastSeq: 20, lastErasureId: 5, lastImportId: 6, modelVersions: [{ name: 'als', lastVersion: 9 }] },
        });
        expect(await drain(storage.transfer.impressions())).toStrictEqual([served]);
        expect(await storage.impressions.stats()).toEqual([{ modelVersion: 'als@4', variant: 'B', impressions: 1, clicks: 1 }]);
        const vectors = await drain(storage.transfer.embeddings());
        expect(vectors.map((e) => ({ ...e, vector: Array.from(e.vector) }))).toEqual([{ encoder: 'enc', hash: 'h', vector: [0.5, -2] }]);
        expect(await storage.settings.get('blocklist')).toEqual({ key: 'blocklist', value: { items: ['x'] }, version: 5, updatedAt: T0 + 3 });
        expect((await storage.settings.put('blocklist', { items: [] })).version).toBe(6);
        expect(await storage.erasures.list()).toEqual([{ id: 3, firstSeq: 11, at: T0 + 4 }]);
        expect(await storage.imports.list()).toEqual([{ id: 2, hash: 'h2', source: 'a.csv', format: 'csv', at: T0 + 6, items: 1, users: 0, events: 2 }]);
        const model = await storage.models.load('als', 4);
        expect(model).toMatchObject({ version: 4, createdAt: T0 + 9, meta: { k: 1 } });
        expectSameBytes(model?.payload, new Uint8Array(Buffer.concat([seededBytes(700, 1), seededBytes(900, 2)])));
        expect(await storage.models.active('als')).toBe(4);
        expect(await storage.transfer.activations()).toEqual([{ name: 'als', version: 4, activatedAt: T0 + 10 }]);
        expect(await storage.transfer.counters()).toEqual({ lastSeq: 20, lastErasureId: 5, lastImportId: 6, modelVersions: [{ name: 'als', lastVersion: 9 }] });
        // Numbers go on after the raised counters.
        expect(await storage.events.append([view('u1', 'i1', T0)])).toEqual([21]);
        expect((await storage.models.save('als', {}, new Uint8Array([1]))).version).toBe(10);
        const [firstSeq] = await storage.events.append([view('gone', 'i1', T0)]);
        await storage.users.delete('gone');
        expect((await storage.erasures.list({ afterId: 3 })).map((e) => [e.id, e.firstSeq])).toEqual([[6, firstSeq]]);
        await storage.bulkWrite({ events: [view('u9', 'i1', T0)], importMark: { hash: 'h3', source: 'b.csv', format: 'csv' } });
        expect((await storage.imports.list({ hash: 'h3' }))[0].id).toBe(7);
      });

      it('writeModel refuses a version already stored; an activation of a missing version is refused', async () => {
        await storage.models.save('ease', {}, new Uint8Array([1]));
        expect(await rejection(storage.transfer.writeModel({ name: 'ease', version: 1, createdAt: T0, meta: {} }, chunksOf(new Uint8Array([2]))))).toBeInstanceOf(ConflictError);
        expectSameBytes((await storage.models.load('ease', 1))?.payload, new Uint8Array([1]));
        expect(await rejection(storage.transfer.write({ activations: [{ name: 'ease', version: 5, activatedAt: T0 }] }))).toBeInstanceOf(ValidationError);
        expect(await storage.models.active('ease')).toBeUndefined();
      });
    });

    /** One call per port method, for the abort and close checks. */
    const calls: [string, (target: Storage, options: CallOptions) => Promise<unknown>][] = [
      ['items.upsert', (s, o) => s.items.upsert([item('x')], o)],
      ['items.get', (s, o) => s.items.get('x', o)],
      ['items.getMany', (s, o) => s.items.getMany(['x'], o)],
      ['items.delete', (s, o) => s.items.delete('x', o)],
      ['items.list', (s, o) => s.items.list(o)],
      ['items.scan', (s, o) => drain(s.items.scan(o))],
      ['items.count', (s, o) => s.items.count(o)],
      ['users.upsert', (s, o) => s.users.upsert([{ id: 'x' }], o)],
      ['users.get', (s, o) => s.users.get('x', o)],
      ['users.delete', (s, o) => s.users.delete('x', o)],
      ['users.list', (s, o) => s.users.list(o)],
      ['users.count', (s, o) => s.users.count(o)],
      ['events.append', (s, o) => s.events.append([view('x', 'x', T0)], o)],
      ['events.scan', (s, o) => drain(s.events.scan(o))],
      ['events.forUser', (s, o) => s.events.forUser('x', o)],
      ['events.count', (s, o) => s.events.count(o)],
      ['events.lastSeq', (s, o) => s.events.lastSeq(o)],
      ['models.save', (s, o) => s.models.save('m', {}, new Uint8Array([1]), o)],
      ['models.load', (s, o) => s.models.load('m', undefined, o)],
      ['models.loadChunks', (s, o) => s.models.loadChunks('m', undefined, o)],
      ['models.versions', (s, o) => s.models.versions('m', o)],
      ['models.names', (s, o) => s.models.names(o)],
      ['models.activate', (s, o) => s.models.activate('m', 1, o)],
      ['models.active', (s, o) => s.models.active('m', o)],
      ['models.heads', (s, o) => s.models.heads(o)],
      ['models.delete', (s, o) => s.models.delete('m', 1, o)],
      ['erasures.list', (s, o) => s.erasures.list(o)],
      ['erasures.lastId', (s, o) => s.erasures.lastId(o)],
      ['imports.list', (s, o) => s.imports.list(o)],
      ['impressions.record', (s, o) => s.impressions.record({ id: 'x', userId: 'x', modelVersion: 'm', variant: 'A', itemIds: [], createdAt: T0 }, o)],
      ['impressions.get', (s, o) => s.impressions.get('x', o)],
      ['impressions.click', (s, o) => s.impressions.click('x', 'x', T0, o)],
      ['impressions.stats', (s, o) => s.impressions.stats(o)],
      ['bulkWrite', (s, o) => s.bulkWrite({ items: [item('x')] }, o)],
    ];

    describe('abort', () => {
      it('every method rejects with AbortError when the signal is already aborted, writing nothing', async () => {
        const controller = new AbortController();
        controller.abort(new Error('stop'));
        for (const [label, call] of calls) {
          expect(await rejection(call(storage, { signal: controller.signal })), label).toBeInstanceOf(AbortError);
        }
        expect(await storage.items.count()).toBe(0);
        expect(await storage.users.count()).toBe(0);
        expect(await storage.events.count()).toBe(0);
        expect(await storage.models.names()).toEqual([]);
      });

      it('a scan stops with AbortError between pages', async () => {
        await storage.events.append(Array.from({ length: 10 }, (_, i) => view('u', `i${i}`, T0 + i)));
        const controller = new AbortController();
        const iterator = storage.events.scan({ batchSize: 3, signal: controller.signal })[Symbol.asyncIterator]();
        const first = await iterator.next();
        expect(first.done).toBe(false);
        controller.abort();
        expect(await rejection(iterator.next())).toBeInstanceOf(AbortError);
      });
    });

    describe('close', () => {
      it('every method rejects with BackendError after close, and close is idempotent', async () => {
        await storage.close();
        await storage.close();
        for (const [label, call] of calls) {
          const error = await rejection(call(storage, {}));
          expect(error, label).toBeInstanceOf(BackendError);
          expect((error as Error).message, label).toMatch(/closed/i);
        }
      });
    });

    describe('persistence', () => {
      it('keeps everything written across close and reopen', async ({ skip }) => {
        skip(context.reopen === undefined, `${name} cannot reopen its database (the factory gave no reopen), e.g. in-memory`);
        await storage.items.upsert([fullItem, bareItem]);
        await storage.users.upsert([{ id: 'u1', attributes: { city: 'Köln' } }]);
        const seqs = await storage.events.append([
          view('u1', 'item-full', T0, { context: { device: 'tv' } }),
          { userId: 'u1', type: 'search', text: 'q', timestamp: T0 + 1 },
        ]);
        const payload = seededBytes(4096, 7);
        const saved = await storage.models.save('als', { factors: 8 }, payload);
        await storage.embeddings.put('enc', [{ hash: 'h', vector: Float32Array.from([0.5, 0.25]) }]);
        await storage.models.activate('als', saved.version);
        const served: Impression = { id: 'imp', userId: 'u1', modelVersion: 'als@1', variant: 'A', itemIds: ['item-full'], createdAt: T0 };
        await storage.impressions.record(served);
        await storage.impressions.click('imp', 'item-full', T0 + 5);
        const setting = await storage.settings.put('blocklist', { items: ['item-bare'] });

        const again = await reopen();
        expect(await again.settings.get('blocklist')).toEqual(setting);
        expect(await again.models.active('als')).toBe(saved.version);
        expect(await again.impressions.get('imp')).toStrictEqual(served);
        expect(await again.impressions.stats()).toEqual([{ modelVersion: 'als@1', variant: 'A', impressions: 1, clicks: 1 }]);
        expect(Array.from((await again.embeddings.get('enc', ['h'])).get('h')!)).toEqual([0.5, 0.25]);
        expect(await again.items.get(fullItem.id)).toEqual(fullItem);
        expect(await again.items.get(bareItem.id)).toStrictEqual(stored(bareItem));
        expect(await again.users.get('u1')).toEqual({ id: 'u1', attributes: { city: 'Köln' } });
        expect((await drain(again.events.scan())).map((event) => event.seq)).toEqual(seqs);
        expect(await again.events.lastSeq()).toBe(seqs[1]);
        const loaded = await again.models.load('als');
        expect(loaded).toMatchObject({ version: saved.version, createdAt: saved.createdAt, meta: { factors: 8 } });
        expectSameBytes(loaded?.payload, payload);
        expectSameBytes((await collect((await again.models.loadChunks('als'))!.chunks)).bytes, payload);
        const [next] = await again.events.append([view('u1', 'item-bare', T0 + 2)]);
        expect(next).toBeGreaterThan(seqs[1]);
        expect((await again.models.save('als', {}, new Uint8Array([1]))).version).toBe(saved.version + 1);
      });

      it('keeps the erasure log, the import log and deleted version numbers across close and reopen', async ({ skip }) => {
        skip(context.reopen === undefined, `${name} cannot reopen its database (the factory gave no reopen), e.g. in-memory`);
        const [first] = await storage.events.append([view('gone', 'i1', T0), view('gone', 'i2', T0)]);
        await storage.users.delete('gone');
        const log = await storage.erasures.list();
        await storage.models.save('als', {}, new Uint8Array([1]));
        await storage.models.save('als', {}, new Uint8Array([2]));
        await storage.models.activate('als', 2);
        await storage.models.delete('als', 2);
        await storage.bulkWrite({ events: [view('kept', 'i1', T0)], importMark: { hash: 'h1', source: 'a.csv', format: 'csv' } });
        const imports = await storage.imports.list();

        const again = await reopen();
        expect(await again.imports.list()).toEqual(imports);
        expect(await again.erasures.list()).toEqual(log);
        expect(log).toMatchObject([{ firstSeq: first }]);
        expect(await again.models.active('als')).toBeUndefined();
        expect((await again.models.save('als', {}, new Uint8Array([3]))).version).toBe(3);
      });
    });
  });
}
