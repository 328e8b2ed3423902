/**
 * The live counts' load, kept between starts: {@link LiveItemSignals.load} tallies every stored event
 * per item (`load-tally.ts`), which at 10M events is most of a server's start. A snapshot holds that
 * tally and the tag events the topics replay, with the highest `seq` it covers and how many events
 * were stored at or below it; the next load starts from it and reads only the events after it.
 *
 * It is used only when it still describes storage exactly: same feedback policy and half-lives (the
 * `fingerprint`), and none of its events deleted since — every write that deletes events (a user
 * deletion, retention, an import undone) or inserts them with their own seqs removes the snapshots
 * in its transaction, and one whose seq is past the latest stored is ignored. Otherwise, or when it
 * cannot be read, the load reads every event, as without one: a snapshot only ever saves time.
 *
 * Payload: the tally's Float64 arrays (earliest time, latest time, then one count per half-life, n
 * each), its counted slots (Int32, in order), then UTF-8 text of JSON arrays one per line: the item
 * ids in slices of {@link ID_SLICE}, then the tag events (JSON never writes a raw newline), so that
 * neither writing nor reading a million ids is one long turn of the event loop; the section lengths
 * are in `meta`.
 * @module
 */
import type { JsonValue } from '../core/types.js';
import type { CountedEvent } from '../storage/storage.js';
import { LoadTally } from './load-tally.js';

/** Name of the live counts' snapshot in `storage.snapshots`. */
export const SIGNALS_SNAPSHOT = 'live-signals';

/** Version of the payload layout; another is not read. */
const FORMAT = 2;

/** Item ids per line of the payload's text (one `JSON.parse` of 100,000 ids takes about 40 ms). */
const ID_SLICE = 100_000;

/** A tag event as the topics replay it (`TrendingTopics.observeLoadedTag`). */
export type SnapshotTag = Pick<CountedEvent, 'type' | 'itemId' | 'value' | 'text' | 'timestamp'>;

/** What a snapshot covers besides the tally. */
export interface SignalsSnapshotCover {
  /** Highest event `seq` counted. */
  dataSeq: number;
  /** Events it counted (all those stored at or below `dataSeq` when they were read). */
  events: number;
  /** What the counts depend on besides the events (see {@link signalsFingerprint}). */
  fingerprint: string;
}

/** A decoded snapshot. */
export interface SignalsSnapshot extends SignalsSnapshotCover {
  tally: LoadTally;
  tags: SnapshotTag[];
}

/** What the tally's counts depend on besides the events: the feedback policy and the half-lives. */
export function signalsFingerprint(policy: unknown, halfLives: readonly number[]): string {
  return JSON.stringify({ policy, halfLives: halfLives.map((h) => (h === Infinity ? 'Infinity' : h)) });
}

/** The snapshot of `tally` and `tags` as `storage.snapshots.put` takes it; `pause` is awaited between slices of ids. */
export async function encodeSignalsSnapshot(tally: LoadTally, tags: readonly SnapshotTag[], cover: SignalsSnapshotCover, pause: () => Promise<void> = async () => undefined, idSlice = ID_SLICE): Promise<{ meta: Record<string, JsonValue>; payload: Uint8Array }> {
  const parts = tally.toParts();
  const n = parts.ids.length;
  const floats = (2 + parts.stamped.length) * n;
  const lines: string[] = [];
  for (let from = 0; from < n; from += idSlice) {
    lines.push(JSON.stringify(parts.ids.slice(from, from + idSlice)));
    await pause();
  }
  lines.push(JSON.stringify(tags.map((t) => [t.type, t.itemId ?? null, t.value ?? null, t.text ?? null, t.timestamp])));
  const text = new TextEncoder().encode(lines.join('\n'));
  const payload = new Uint8Array(floats * 8 + parts.counted.length * 4 + text.length);
  const f = new Float64Array(payload.buffer, 0, floats);
  f.set(parts.first, 0);
  f.set(parts.last, n);
  parts.stamped.forEach((a, h) => f.set(a, (2 + h) * n));
  new Int32Array(payload.buffer, floats * 8, parts.counted.length).set(parts.counted);
  payload.set(text, floats * 8 + parts.counted.length * 4);
  return {
    meta: { format: FORMAT, ...cover, items: n, halfLives: parts.stamped.length, counted: parts.counted.length, textBytes: text.length },
    payload,
  };
}

/**
 * The snapshot stored as `meta` and `payload`, for a load with `halfLives` and `fingerprint`;
 * undefined when it was written for other counts or its sections do not fit together. `pause` is
 * awaited between slices of the restore (see {@link LoadTally.fromParts}).
 */
export async function decodeSignalsSnapshot(meta: Record<string, JsonValue>, payload: Uint8Array, halfLives: readonly number[], fingerprint: string, pause?: () => Promise<void>): Promise<SignalsSnapshot | undefined> {
  const { format, dataSeq, events, items: n, halfLives: h, counted, textBytes } = meta;
  if (format !== FORMAT || meta.fingerprint !== fingerprint || h !== halfLives.length) return undefined;
  if (![dataSeq, events, n, counted, textBytes].every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) return undefined;
  const [seq, stored, items, countedSlots, textLength] = [dataSeq, events, n, counted, textBytes] as number[];
  const floats = (2 + halfLives.length) * items;
  if (payload.byteLength !== floats * 8 + countedSlots * 4 + textLength) return undefined;
  // Float64 views need 8-byte alignment: a payload handed over at an odd offset is copied once.
  const bytes = payload.byteOffset % 8 === 0 ? payload : payload.slice();
  const f = new Float64Array(bytes.buffer, bytes.byteOffset, floats);
  const lines = new TextDecoder().decode(bytes.subarray(floats * 8 + countedSlots * 4)).split('\n');
  const ids: string[] = [];
  let tags: unknown;
  try {
    for (let l = 0; l + 1 < lines.length; l++) {
      const slice = JSON.parse(lines[l]) as unknown;
      if (!Array.isArray(slice) || !slice.every((id) => typeof id === 'string')) return undefined;
      for (const id of slice) ids.push(id);
      await pause?.();
    }
    tags = JSON.parse(lines[lines.length - 1]) as unknown;
  } catch {
    return undefined;
  }
  if (ids.length !== items || !Array.isArray(tags)) return undefined;
  let tally: LoadTally;
  try {
    tally = await LoadTally.fromParts(halfLives, {
      ids,
      first: f.subarray(0, items),
      last: f.subarray(items, 2 * items),
      stamped: halfLives.map((_, k) => f.subarray((2 + k) * items, (3 + k) * items)),
      counted: new Int32Array(bytes.buffer, bytes.byteOffset + floats * 8, countedSlots),
    }, pause);
  } catch {
    return undefined;
  }
  const replayed: SnapshotTag[] = [];
  for (const t of tags) {
    if (!Array.isArray(t) || t.length !== 5 || typeof t[4] !== 'number') return undefined;
    const [type, itemId, value, text, timestamp] = t as [SnapshotTag['type'], string | null, number | null, string | null, number];
    replayed.push({ type, timestamp, ...(itemId === null ? {} : { itemId }), ...(value === null ? {} : { value }), ...(text === null ? {} : { text }) });
  }
  return { tally, tags: replayed, dataSeq: seq, events: stored, fingerprint };
}
