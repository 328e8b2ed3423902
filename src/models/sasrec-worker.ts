/**
 * Entry of a SASRec training thread: waits for a step on its control array, runs forward, loss and
 * backward over its part of the batch (rows the fitting thread copied into shared memory) with the
 * shared parameters, masks and negatives, adds the gradient into its own shared gradient buffer,
 * and reports the step done. It never returns on its own: the fitting thread terminates it.
 * @module
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { SasRecNetwork, makeSasRecLayout, packedFromLengths } from './sasrec-network.js';
import type { DropoutMasks } from './sasrec-network.js';
import { Control } from './sasrec-worker-protocol.js';
import type { FromSasRecWorker, SasRecWorkerData } from './sasrec-worker-protocol.js';
import { Workspace } from './workspace.js';

/** Serves steps until told to stop (request −1). */
export function runSasRecWorker(data: SasRecWorkerData, post: (message: FromSasRecWorker) => void): void {
  const { options, numItems, attributes } = data;
  const theta = new Float32Array(data.theta);
  const grad = new Float32Array(data.grad);
  const control = new Int32Array(data.control);
  const loss = new Float64Array(data.loss);
  const items = new Int32Array(data.items);
  const positions = new Int32Array(data.positions);
  const targets = new Int32Array(data.targets);
  const lengths = new Int32Array(data.lengths);
  const negatives = new Int32Array(data.negatives);
  const masks = new Float32Array(data.masks);
  const layout = makeSasRecLayout(numItems, options, attributes?.numAttributes ?? 0);
  const network = new SasRecNetwork(theta, layout, options, numItems, attributes);
  const ws = new Workspace();
  // Read before `ready`: the first step may be handed over as soon as the message is out.
  let seen = Atomics.load(control, Control.request);
  post({ type: 'ready' });
  for (;;) {
    Atomics.wait(control, Control.request, seen);
    const step = Atomics.load(control, Control.request);
    if (step < 0) return;
    if (step === seen) continue;
    seen = step;
    const rows = control[Control.rows];
    const packed = packedFromLengths(items.subarray(0, rows), positions.subarray(0, rows), lengths.subarray(0, control[Control.sequences]), options);
    const stride = control[Control.maskStride];
    const stepMasks: DropoutMasks | undefined = stride > 0 ? { data: masks, stride, offset: control[Control.maskOffset] } : undefined;
    const k = control[Control.negatives];
    loss[0] = network.partLoss(packed, targets.subarray(0, rows), stepMasks, k > 0 ? negatives.subarray(0, k) : undefined, control[Control.batchRows], grad, ws);
    Atomics.store(control, Control.done, step);
    post({ type: 'done', step });
  }
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  runSasRecWorker(workerData as SasRecWorkerData, (message) => port.postMessage(message));
}
