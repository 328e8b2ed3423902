/**
 * Entry of a retrieval thread: holds model versions restored over shared memory (the serving
 * thread's own arrays, not copies) and answers `retrieve` requests one at a time, so that searching
 * a large model's index runs beside the serving thread instead of on it.
 * @module
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { Recommender, UserQuery } from '../models/recommender.js';
import { modelFromSnapshot } from '../models/registry.js';
import { toWorkerError } from '../workers/worker-error.js';
import type { FromRetrievalWorker, ToRetrievalWorker } from './retrieval-worker-protocol.js';

interface Held {
  model: Recommender;
  /** Exclusion mask, cleared after each request. */
  mask: Uint8Array;
}

/** Serves `port` until told to close; never throws. */
export function runRetrievalWorker(port: MessagePort): void {
  const held = new Map<string, Held>();
  const post = (message: FromRetrievalWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
  port.on('message', (message: ToRetrievalWorker) => {
    switch (message.type) {
      case 'load':
        try {
          const model = modelFromSnapshot(message.snapshot);
          held.set(message.key, { model, mask: new Uint8Array(model.numItems) });
          post({ type: 'loaded', key: message.key });
        } catch (error) {
          post({ type: 'load-failed', key: message.key, error: toWorkerError(error) });
        }
        return;
      case 'drop':
        held.delete(message.key);
        return;
      case 'close':
        held.clear();
        post({ type: 'closed' });
        port.close();
        return;
      case 'retrieve': {
        const entry = held.get(message.key);
        if (!entry?.model.retrieve) {
          post({ type: 'result', id: message.id, indices: new Int32Array(0), scores: new Float32Array(0), missing: true });
          return;
        }
        const { mask } = entry;
        const exclude = message.exclude;
        try {
          for (let e = 0; e < exclude.length; e++) mask[exclude[e]] = 1;
          const q = message.query;
          const query: UserQuery = { userIdx: q.userIdx, items: q.items, values: q.values, ...(q.textVector ? { textVector: q.textVector } : {}), ...(q.sequence ? { sequence: q.sequence } : {}) };
          const top = entry.model.retrieve(query, message.k, mask);
          if (!top) {
            post({ type: 'result', id: message.id, indices: new Int32Array(0), scores: new Float32Array(0), missing: true });
            return;
          }
          // Copies the thread owns whole, so they can be transferred.
          const indices = top.indices.slice();
          const scores = top.scores.slice();
          post({ type: 'result', id: message.id, indices, scores }, [indices.buffer, scores.buffer]);
        } catch (error) {
          post({ type: 'error', id: message.id, error: toWorkerError(error) });
        } finally {
          for (let e = 0; e < exclude.length; e++) mask[exclude[e]] = 0;
        }
      }
    }
  });
}

if (!isMainThread && parentPort) runRetrievalWorker(parentPort);
