/**
 * The event log's sequence numbers in PostgreSQL, and why a follower never skips a committed event.
 *
 * A plain `bigserial` would hand out numbers at insert time, and with concurrent transactions they
 * commit out of order: T1 takes seq 5, T2 takes seq 6 and commits first, a follower reads up to 6
 * and moves its watermark past 5, then T1 commits 5 behind it: lost for the follower. Here every
 * append first raises the `events` row of `counters` by the batch size (`UPDATE … RETURNING`); the
 * row lock that update takes is held until the transaction ends, so the next appender waits and
 * only reads the counter after the previous one committed (or rolled back, handing the same numbers
 * out again). Numbers are therefore assigned and committed in one order: a reader that sees seq n
 * sees every committed seq below n, and `scan({ afterSeq })` from any watermark it read misses
 * nothing. `lastSeq` reads the counter, which is committed with the events, so it never names an
 * event still in flight and never moves back when events are deleted. Gaps appear only where
 * events were deleted (retention, user deletion); followers tolerate them.
 *
 * The cost is one appender at a time; appends are a single multi-row `INSERT … SELECT FROM unnest`
 * of the whole batch, so the lock is held for one statement and the commit.
 * @module
 */
import type { Event, StoredEvent } from '../../core/types.js';
import { encodeJson } from '../validation.js';
import type { PgQueryFn } from './postgres-calls.js';

/** Columns of `events` in the order {@link insertEventRows} binds them. */
export const EVENT_COLUMNS = 'seq, user_id, item_id, type, value, text, ts, context';

function columnsOf(events: readonly Event[]): (string | number | null)[][] {
  const users: string[] = [];
  const items: (string | null)[] = [];
  const types: string[] = [];
  const values: (number | null)[] = [];
  const texts: (string | null)[] = [];
  const times: number[] = [];
  const contexts: (string | null)[] = [];
  for (const event of events) {
    users.push(event.userId);
    items.push(event.itemId ?? null);
    types.push(event.type);
    values.push(event.value ?? null);
    texts.push(event.text ?? null);
    times.push(event.timestamp);
    contexts.push(encodeJson(event.context));
  }
  return [users, items, types, values, texts, times, contexts];
}

const UNNEST = `unnest($2::text[], $3::text[], $4::text[], $5::float8[], $6::text[], $7::float8[], $8::text[], $9::bigint[])
  WITH ORDINALITY AS t(user_id, item_id, type, value, text, ts, context, seq, ord)`;

/** Rows per INSERT statement: a batch of any size is written in slices of this, in one transaction. */
export const ROWS_PER_STATEMENT = 5_000;

/**
 * Appends `events` inside the caller's transaction and returns their seqs: raises the counter
 * (taking its lock until commit, see the module header), then inserts the batch in slices of
 * {@link ROWS_PER_STATEMENT} rows, one statement each.
 */
export async function appendEvents(query: PgQueryFn, events: readonly Event[]): Promise<number[]> {
  if (events.length === 0) return [];
  const counted = await query<{ value: number }>("UPDATE counters SET value = value + $1 WHERE name = 'events' RETURNING value", [events.length]);
  const first = counted.rows[0].value - events.length + 1;
  for (let at = 0; at < events.length; at += ROWS_PER_STATEMENT) {
    const slice = events.slice(at, at + ROWS_PER_STATEMENT);
    await query(
      `INSERT INTO events (${EVENT_COLUMNS}) SELECT $1::bigint + t.ord - 1, t.user_id, t.item_id, t.type, t.value, t.text, t.ts, t.context FROM ${UNNEST}`,
      [first + at, ...columnsOf(slice), []],
    );
  }
  return Array.from({ length: events.length }, (_, i) => first + i);
}

/**
 * Writes events that already have seqs (a copy from another storage) inside the caller's
 * transaction, under the same counter lock, and raises the counter to the highest seq written.
 * A seq that is already stored is a `ConflictError` (unique violation).
 */
export async function insertStoredEvents(query: PgQueryFn, events: readonly StoredEvent[]): Promise<void> {
  if (events.length === 0) return;
  const highest = events.reduce((max, event) => Math.max(max, event.seq), 0);
  await query("UPDATE counters SET value = GREATEST(value, $1) WHERE name = 'events'", [highest]);
  for (let at = 0; at < events.length; at += ROWS_PER_STATEMENT) {
    const slice = events.slice(at, at + ROWS_PER_STATEMENT);
    await query(
      `INSERT INTO events (${EVENT_COLUMNS}) SELECT t.seq + $1::bigint, t.user_id, t.item_id, t.type, t.value, t.text, t.ts, t.context FROM ${UNNEST}`,
      [0, ...columnsOf(slice), slice.map((event) => event.seq)],
    );
  }
}
