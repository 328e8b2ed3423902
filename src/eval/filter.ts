/**
 * Data filtering applied before splitting: positive-feedback threshold and iterative k-core.
 * Both return new logs whose id dictionaries hold only the surviving users and items, in order
 * of first appearance, so dense indices stay compact.
 * @module
 */
import { IdDictionary } from '../core/id-dictionary.js';
import type { InteractionLog } from '../core/interaction-log.js';

/** Keeps the rows at `rows` (ascending), re-indexing users and items to the survivors. */
export function selectRows(log: InteractionLog, rows: ArrayLike<number>): InteractionLog {
  const n = rows.length;
  const users = new IdDictionary();
  const items = new IdDictionary();
  const userIdx = new Int32Array(n);
  const itemIdx = new Int32Array(n);
  const value = new Float32Array(n);
  const timestamp = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const r = rows[k];
    userIdx[k] = users.add(log.users.idAt(log.userIdx[r]));
    itemIdx[k] = items.add(log.items.idAt(log.itemIdx[r]));
    value[k] = log.value[r];
    timestamp[k] = log.timestamp[r];
  }
  return { users, items, userIdx, itemIdx, value, timestamp };
}

/** Keeps interactions whose value is at least `minValue` (e.g. ratings ≥ 3 as positive feedback). */
export function filterByValue(log: InteractionLog, minValue: number): InteractionLog {
  const keep: number[] = [];
  for (let r = 0; r < log.value.length; r++) if (log.value[r] >= minValue) keep.push(r);
  return selectRows(log, keep);
}

/** Thresholds of a k-core filter. */
export interface KCoreOptions {
  /** Minimum interactions a user must keep (RecBole `user_inter_num_interval` lower bound). */
  minUserInteractions: number;
  /** Minimum interactions an item must keep. */
  minItemInteractions: number;
}

/**
 * Repeatedly drops every interaction of users and items below their threshold until none is left
 * below it. The fixed point is the unique maximal subset in which every user and item meets its
 * threshold, so the order of removal does not matter. Repeated (user, item) rows count separately.
 */
export function kCoreFilter(log: InteractionLog, options: KCoreOptions): InteractionLog {
  const n = log.userIdx.length;
  const alive = new Uint8Array(n).fill(1);
  const userCount = new Int32Array(log.users.size);
  const itemCount = new Int32Array(log.items.size);
  for (let r = 0; r < n; r++) {
    userCount[log.userIdx[r]]++;
    itemCount[log.itemIdx[r]]++;
  }
  for (;;) {
    let dropped = 0;
    // Decide the whole round from the counts at its start, as an iterative filter does.
    const banUser = new Uint8Array(userCount.length);
    const banItem = new Uint8Array(itemCount.length);
    for (let u = 0; u < userCount.length; u++) {
      if (userCount[u] > 0 && userCount[u] < options.minUserInteractions) banUser[u] = 1;
    }
    for (let i = 0; i < itemCount.length; i++) {
      if (itemCount[i] > 0 && itemCount[i] < options.minItemInteractions) banItem[i] = 1;
    }
    for (let r = 0; r < n; r++) {
      if (!alive[r]) continue;
      const u = log.userIdx[r];
      const i = log.itemIdx[r];
      if (banUser[u] || banItem[i]) {
        alive[r] = 0;
        userCount[u]--;
        itemCount[i]--;
        dropped++;
      }
    }
    if (dropped === 0) break;
  }
  const keep: number[] = [];
  for (let r = 0; r < n; r++) if (alive[r]) keep.push(r);
  return selectRows(log, keep);
}

/** Counts of a log, for reports. */
export interface LogStats {
  users: number;
  items: number;
  interactions: number;
  /** 1 − interactions / (users × items). */
  sparsity: number;
}

/** Users, items and interactions actually present in `log`. */
export function logStats(log: InteractionLog): LogStats {
  const seenU = new Uint8Array(log.users.size);
  const seenI = new Uint8Array(log.items.size);
  let users = 0;
  let items = 0;
  for (let r = 0; r < log.userIdx.length; r++) {
    if (!seenU[log.userIdx[r]]) {
      seenU[log.userIdx[r]] = 1;
      users++;
    }
    if (!seenI[log.itemIdx[r]]) {
      seenI[log.itemIdx[r]] = 1;
      items++;
    }
  }
  const interactions = log.userIdx.length;
  const sparsity = users * items === 0 ? 1 : 1 - interactions / (users * items);
  return { users, items, interactions, sparsity };
}
