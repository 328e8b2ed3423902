/**
 * Named scratch buffers reused across training steps, grown on demand, so that a fit does not
 * allocate a dozen arrays per batch.
 * @module
 */

/** A pool of Float32 buffers keyed by name. */
export class Workspace {
  private readonly buffers = new Map<string, Float32Array>();

  /** A buffer of exactly `size` entries (a view of a pooled array); contents are stale unless `zero`. */
  get(name: string, size: number, zero = false): Float32Array {
    let buf = this.buffers.get(name);
    if (!buf || buf.length < size) {
      buf = new Float32Array(Math.max(size, Math.ceil((buf?.length ?? 0) * 1.5)));
      this.buffers.set(name, buf);
    }
    const view = buf.subarray(0, size);
    if (zero) view.fill(0);
    return view;
  }
}
