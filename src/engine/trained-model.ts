/**
 * A trained model together with the id dictionaries that give its indices meaning, the popularity
 * fallback, and where in the event log its training data ended. This is what storage keeps per
 * model version. Decoding reads the payload as the chunks storage hands over and lets the model's
 * arrays view them wherever an array lies inside one chunk, so a large model is not held twice.
 * @module
 */
import { IdDictionary } from '../core/id-dictionary.js';
import { ValidationError } from '../core/errors.js';
import type { Recommender } from '../models/recommender.js';
import { modelFromSnapshot } from '../models/registry.js';
import { decodeSnapshotChunks, encodeSnapshot } from '../models/snapshot.js';
import type { ModelSnapshot } from '../models/snapshot.js';

/** A model ready to serve. */
export interface TrainedModel {
  model: Recommender;
  users: IdDictionary;
  items: IdDictionary;
  /** Training users per item, for the popularity fallback. */
  itemCounts: Float32Array;
  /** Highest event sequence number included in training. */
  dataSeq: number;
  /** When training finished, ms since epoch. */
  trainedAt: number;
}

/** Serialises a trained model into one payload. */
export function encodeTrainedModel(t: TrainedModel): Uint8Array {
  const s = t.model.snapshot();
  return encodeSnapshot({
    ...s,
    meta: { ...s.meta, __users: t.users.toArray(), __items: t.items.toArray(), __dataSeq: t.dataSeq, __trainedAt: t.trainedAt },
    arrays: { ...s.arrays, __itemCounts: t.itemCounts },
  });
}

/**
 * Restores a trained model from {@link encodeTrainedModel}'s payload: one buffer, or its chunks in
 * order (`ModelStore.loadChunks`). The model's typed arrays view the payload's memory where they lie
 * inside one chunk (8-byte aligned, as chunks of a multiple of 8 bytes keep them) and are copied once
 * where they straddle two; the buffers must not be reused afterwards. Besides that copy, a decode
 * parses the JSON header (hyper-parameters and the id lists) and builds the id dictionaries.
 */
export async function decodeTrainedModel(payload: Uint8Array | AsyncIterable<Uint8Array>): Promise<TrainedModel> {
  return (await trainedModelFromSnapshot(await decodeSnapshotChunks(payload instanceof Uint8Array ? [payload] : payload))).trained;
}

/**
 * {@link decodeTrainedModel} with every array in shared memory (`SharedArrayBuffer`), answering also
 * the model's own snapshot over the same memory: what worker threads restore their copy of the model
 * from (`modelFromSnapshot`) without copying its arrays.
 */
export async function decodeSharedTrainedModel(payload: AsyncIterable<Uint8Array>): Promise<{ trained: TrainedModel; snapshot: ModelSnapshot }> {
  return trainedModelFromSnapshot(await decodeSnapshotChunks(payload, { shared: true }));
}

/** Ids added to a dictionary in one turn of the event loop while decoding (a million take a few hundred ms). */
const DICTIONARY_SLICE = 100_000;

/** The dictionary of `ids`, built a slice per event-loop turn. */
async function dictionaryOf(ids: readonly string[]): Promise<IdDictionary> {
  const dict = new IdDictionary();
  for (let start = 0; start < ids.length; start += DICTIONARY_SLICE) {
    if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const end = Math.min(ids.length, start + DICTIONARY_SLICE);
    for (let i = start; i < end; i++) dict.add(ids[i]);
  }
  return dict;
}

async function trainedModelFromSnapshot(s: ModelSnapshot): Promise<{ trained: TrainedModel; snapshot: ModelSnapshot }> {
  const { __users, __items, __dataSeq, __trainedAt, ...meta } = s.meta;
  const { __itemCounts, ...arrays } = s.arrays;
  if (!Array.isArray(__users) || !Array.isArray(__items) || !(__itemCounts instanceof Float32Array)) {
    throw new ValidationError('model payload lacks its id dictionaries; it was not written by this engine');
  }
  const users = await dictionaryOf(__users as string[]);
  const items = await dictionaryOf(__items as string[]);
  const snapshot: ModelSnapshot = { ...s, meta, arrays };
  const trained: TrainedModel = {
    model: modelFromSnapshot(snapshot),
    users,
    items,
    itemCounts: __itemCounts,
    dataSeq: Number(__dataSeq ?? 0),
    trainedAt: Number(__trainedAt ?? 0),
  };
  return { trained, snapshot };
}
