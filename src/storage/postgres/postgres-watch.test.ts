/**
 * `storage.watch` on PostgreSQL: a commit by another connection that appends an event, writes an
 * item or deletes a user reaches the subscriber through LISTEN/NOTIFY, without polling.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from '../open-storage.js';
import { postgresForTests } from './postgres-test-server.js';

const available = await postgresForTests();
afterAll(async () => available.server?.stop());

describe.skipIf(available.server === undefined)(`storage.watch on PostgreSQL${available.reason ? ` (skipped: ${available.reason})` : ''}`, () => {
  it('tells a subscriber of each commit that grew a log', async () => {
    const url = await available.server!.createDatabase();
    const watched = await openStorage(url);
    const writer = await openStorage(url);
    let calls = 0;
    let wake: () => void = () => undefined;
    const subscription = await watched.watch!(() => {
      calls++;
      wake();
    });
    const next = (): Promise<number> => {
      const before = calls;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no notification within 2 s')), 2000);
        wake = () => {
          if (calls > before) {
            clearTimeout(timer);
            resolve(calls);
          }
        };
      });
    };
    try {
      let got = next();
      await writer.events.append([{ userId: 'u1', itemId: 'i1', type: 'view', timestamp: Date.now() }]);
      await got;
      got = next();
      await writer.items.upsert([{ id: 'i1', title: 'One' }]);
      await got;
      got = next();
      await writer.users.delete('u1');
      await got;
      // Nothing committed, nothing told.
      const quiet = calls;
      await writer.items.get('i1');
      await new Promise((r) => setTimeout(r, 200));
      expect(calls).toBe(quiet);
    } finally {
      await subscription.close();
      await writer.close();
      await watched.close();
    }
  });
});
