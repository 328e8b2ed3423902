/**
 * Sequential reads over a payload that arrives as chunks (e.g. a model version stored in pieces):
 * a read that falls inside one chunk is a view of it, a read that straddles chunks is assembled
 * into one fresh array, so decoding copies each byte at most once and holds at most the chunk in
 * hand besides what it has decoded.
 * @module
 */

/** Reads bytes in order from an iterator of chunks. */
export class ChunkReader {
  private chunk: Uint8Array = new Uint8Array(0);
  /** Read position inside `chunk`. */
  private at = 0;
  private done = false;
  private readonly source: Iterator<Uint8Array> | AsyncIterator<Uint8Array>;

  constructor(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>) {
    this.source = Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : chunks[Symbol.iterator]();
  }

  /** Loads the next non-empty chunk once the current one is used up; false at the end. */
  private async fill(): Promise<boolean> {
    while (this.at >= this.chunk.length) {
      if (this.done) return false;
      const next = await this.source.next();
      if (next.done === true) {
        this.done = true;
        return false;
      }
      this.chunk = next.value;
      this.at = 0;
    }
    return true;
  }

  private async ensure(): Promise<void> {
    if (!(await this.fill())) throw new RangeError('payload ended early');
  }

  /**
   * The next `n` bytes: a view of the current chunk when they lie inside it (and, with `align`, when
   * they start at a multiple of `align` in memory, so a typed array can view them), else a copy.
   * A view shares memory with the chunk.
   */
  async read(n: number, align = 1): Promise<Uint8Array> {
    if (n === 0) return new Uint8Array(0);
    await this.ensure();
    const offset = this.chunk.byteOffset + this.at;
    if (this.chunk.length - this.at >= n && offset % align === 0) {
      const view = this.chunk.subarray(this.at, this.at + n);
      this.at += n;
      return view;
    }
    // Allocated as a whole ArrayBuffer, so its start is aligned for any element type.
    const out = new Uint8Array(n);
    await this.readInto(out);
    return out;
  }

  /** Copies the next `target.length` bytes into `target`. */
  async readInto(target: Uint8Array): Promise<void> {
    let filled = 0;
    while (filled < target.length) {
      await this.ensure();
      const take = Math.min(target.length - filled, this.chunk.length - this.at);
      target.set(this.chunk.subarray(this.at, this.at + take), filled);
      this.at += take;
      filled += take;
    }
  }

  /** Skips `n` bytes. */
  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      await this.ensure();
      const take = Math.min(left, this.chunk.length - this.at);
      this.at += take;
      left -= take;
    }
  }
}
