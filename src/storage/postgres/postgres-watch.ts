/**
 * Push for followers of the logs on PostgreSQL: triggers on `events`, `changes` and `erasures`
 * (migration 4) send `NOTIFY lmrec_changes` in the transaction that appends, which PostgreSQL
 * delivers at commit; one connection per storage `LISTEN`s and tells the subscribers, who then read
 * the logs at once instead of at their next poll. A lost connection is reopened with backoff; a
 * follower's polling covers the gap, so a missed notification only delays, never loses, an entry.
 * @module
 */
import type { Logger } from '../../core/logger.js';
import type { StorageWatch } from '../storage.js';
import { createPgClient } from './pg-driver.js';
import type { PgConnectionConfig, PgStandaloneClient } from './pg-driver.js';

/** The channel the triggers notify on. */
export const CHANGES_CHANNEL = 'lmrec_changes';

/** `storage.watch` of one PostgreSQL storage: one listening connection, opened on the first subscriber. */
export function createPostgresWatch(connection: PgConnectionConfig, logger?: Logger): { watch: StorageWatch; close(): Promise<void> } {
  const listeners = new Set<() => void>();
  let client: PgStandaloneClient | undefined;
  let opening: Promise<void> | undefined;
  let closed = false;
  let retryMs = 100;
  let retryTimer: NodeJS.Timeout | undefined;

  const notify = (): void => {
    for (const listener of listeners) listener();
  };

  function reopenLater(): void {
    client = undefined;
    if (closed || listeners.size === 0 || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void open();
    }, retryMs);
    retryTimer.unref();
    retryMs = Math.min(10_000, retryMs * 2);
  }

  function open(): Promise<void> {
    opening ??= (async () => {
      const next = createPgClient({ ...connection, statementTimeoutMs: 0 });
      next.on('error', (error) => {
        logger?.log('warn', 'the PostgreSQL connection listening for changes failed; reopening it', { error: error.message });
        if (client === next) reopenLater();
      });
      next.on('end', () => {
        if (client === next) reopenLater();
      });
      next.on('notification', (message) => {
        if (message.channel === CHANGES_CHANNEL) notify();
      });
      try {
        await next.connect();
        await next.query({ text: `LISTEN ${CHANGES_CHANNEL}` });
        client = next;
        retryMs = 100;
        // What was appended while no connection listened: the subscribers read it now.
        notify();
      } catch (error) {
        await next.end().catch(() => undefined);
        logger?.log('warn', 'listening for PostgreSQL changes failed; retrying', { error: error instanceof Error ? error.message : String(error) });
        reopenLater();
      }
    })().finally(() => (opening = undefined));
    return opening;
  }

  return {
    watch: async (onChange) => {
      listeners.add(onChange);
      if (!client && !opening) await open();
      return {
        async close() {
          listeners.delete(onChange);
          if (listeners.size > 0) return;
          const c = client;
          client = undefined;
          await c?.end().catch(() => undefined);
        },
      };
    },
    async close() {
      closed = true;
      listeners.clear();
      if (retryTimer) clearTimeout(retryTimer);
      await opening;
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
