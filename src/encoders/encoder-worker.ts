/**
 * Entry of the encoder thread: builds the configured encoder (USE-lite, ONNX, …) here, so that a
 * model forward pass never runs on the serving thread, and answers encode requests one at a time
 * in arrival order (the parent schedules them; see `worker-encoder.ts`).
 * @module
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { toWorkerError } from '../workers/worker-error.js';
import { createEncoder } from './create-encoder.js';
import type { Encoder } from './encoder.js';
import type { EncoderWorkerData, FromEncoderWorker, ToEncoderWorker } from './encoder-worker-protocol.js';

/** Serves encode requests on `port` until told to close; never throws. */
export async function runEncoderWorker(port: MessagePort, data: EncoderWorkerData): Promise<void> {
  const post = (message: FromEncoderWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
  let encoder: Encoder;
  try {
    encoder = await createEncoder(data.config);
    await encoder.load?.();
  } catch (error) {
    post({ type: 'failed', error: toWorkerError(error) });
    port.close();
    return;
  }
  post({ type: 'ready', encoderId: encoder.id, dim: encoder.dim, maxBatch: encoder.maxBatch });
  const controllers = new Map<number, AbortController>();
  let chain: Promise<void> = Promise.resolve();
  port.on('message', (message: ToEncoderWorker) => {
    if (message.type === 'abort') {
      controllers.get(message.id)?.abort(new Error('encode aborted'));
      return;
    }
    if (message.type === 'close') {
      chain = chain.then(async () => {
        await encoder.close().catch(() => undefined);
        post({ type: 'closed' });
        port.close();
      });
      return;
    }
    const controller = new AbortController();
    controllers.set(message.id, controller);
    chain = chain.then(async () => {
      try {
        if (controller.signal.aborted) throw controller.signal.reason;
        const vectors = await encoder.encode(message.texts, { signal: controller.signal });
        const dim = message.texts.length === 0 ? encoder.dim : vectors.length / message.texts.length;
        // Transfer only a buffer the result owns whole (a view into a runtime's memory is copied).
        const own = vectors.byteOffset === 0 && vectors.byteLength === vectors.buffer.byteLength ? vectors : vectors.slice();
        post({ type: 'result', id: message.id, dim, vectors: own }, [own.buffer as ArrayBuffer]);
      } catch (error) {
        post({ type: 'error', id: message.id, error: toWorkerError(error) });
      } finally {
        controllers.delete(message.id);
      }
    });
  });
}

if (!isMainThread && parentPort) await runEncoderWorker(parentPort, workerData as EncoderWorkerData);
