/**
 * Group commit for `events.append` in one process. Appends commit one at a time (the event counter's
 * row lock is held to commit, `postgres-event-log.ts`), so each transaction pays a WAL flush alone:
 * about 250 single-event appends a second, however many callers wait. Here an append that arrives
 * while another is being written waits for it and is then written together with every other append
 * that queued meanwhile, in one transaction (up to {@link MAX_GROUP_ROWS} rows): one flush for all
 * of them. Each caller still gets contiguous seqs in arrival order and resolves only after the
 * commit that holds its events; the first append of an idle queue starts at once.
 *
 * A group that fails with anything but a backend error (e.g. one caller's text the server refuses)
 * is written again caller by caller, so one bad batch never fails the others. A caller whose signal
 * aborts while queued is dropped (`AbortError`, nothing written); once its group is being written,
 * the signal cancels the statement only when the group is that caller's alone.
 * @module
 */
import { AbortError, BackendError } from '../../core/errors.js';
import type { Event } from '../../core/types.js';

/** Most rows one group transaction writes (a caller's batch is never split). */
export const MAX_GROUP_ROWS = 10_000;

/** Writes one group's events in one transaction and returns their seqs (`signal` only for a group of one). */
export type AppendWriter = (events: readonly Event[], signal: AbortSignal | undefined) => Promise<number[]>;

interface Pending {
  events: readonly Event[];
  signal: AbortSignal | undefined;
  resolve(seqs: number[]): void;
  reject(error: unknown): void;
}

/** An append queue over `writer`; `append` resolves with the caller's seqs after their commit. */
export function createAppendQueue(writer: AppendWriter): { append(events: readonly Event[], signal: AbortSignal | undefined): Promise<number[]> } {
  const queue: Pending[] = [];
  let writing = false;

  async function writeGroup(group: Pending[]): Promise<void> {
    const all = group.length === 1 ? group[0].events : group.flatMap((p) => p.events);
    try {
      const seqs = await writer(all, group.length === 1 ? group[0].signal : undefined);
      let at = 0;
      for (const p of group) {
        p.resolve(seqs.slice(at, at + p.events.length));
        at += p.events.length;
      }
    } catch (error) {
      if (group.length === 1 || error instanceof BackendError) {
        for (const p of group) p.reject(error);
        return;
      }
      for (const p of group) await writeGroup([p]);
    }
  }

  async function drain(): Promise<void> {
    writing = true;
    try {
      while (queue.length > 0) {
        const group: Pending[] = [];
        let rows = 0;
        while (queue.length > 0 && (group.length === 0 || rows + queue[0].events.length <= MAX_GROUP_ROWS)) {
          const next = queue.shift()!;
          if (next.signal?.aborted) {
            next.reject(new AbortError('operation aborted', { cause: next.signal.reason }));
            continue;
          }
          group.push(next);
          rows += next.events.length;
        }
        if (group.length > 0) await writeGroup(group);
      }
    } finally {
      writing = false;
    }
  }

  return {
    append(events, signal) {
      return new Promise<number[]>((resolve, reject) => {
        queue.push({ events, signal, resolve, reject });
        if (!writing) void drain();
      });
    },
  };
}
