/**
 * Buffered job lines packed into a few large buffers ("slabs") instead of one small buffer per
 * line, for job inputs that are one stream of bytes (`JobLimits.packLines`).
 *
 * Why: a planner may hold thousands of lines for a second or more (OpenAI: 8 MiB, about 9,000
 * lines of a 100,000-request create). Held that long, each line's own buffer is promoted to
 * V8's old generation and, once sent, stays there as garbage until a full collection, while the
 * next job's lines fill a second buffer beside it: the Worker's heap held both. Slabs cost no
 * object per line, and a sent job's full slabs go back to a pool that the next buffered job
 * reuses, so the heap holds one budget's worth of slabs, not two.
 *
 * Each job's lines have slabs of their own (a slab shared by two jobs could not be reused until
 * both were sent, so a mix of models could pin them). A job's slabs grow from `MIN_SLAB_BYTES`,
 * each as large as all before it together, up to `SLAB_BYTES`: a job of one line holds one
 * small slab, and what a job reserves is at most about twice its bytes.
 */

/** The largest slab, and the only size that is pooled. */
export const SLAB_BYTES = 64 * 1024;
/** A job's first slab. */
export const MIN_SLAB_BYTES = 1024;

/**
 * Full-size slabs given back by sent jobs, for the next jobs to fill (one pool per batch).
 *
 * @example
 * const pool = new SlabPool();
 * const lines = new PackedLines(pool);
 */
export class SlabPool {
  private readonly free: Uint8Array[] = [];

  /** A slab of `size` bytes (a pooled one when `size` is `SLAB_BYTES` and one is free). */
  take(size: number): Uint8Array {
    if (size === SLAB_BYTES) {
      const slab = this.free.pop();
      if (slab) return slab;
    }
    return new Uint8Array(size);
  }

  /** Takes back slabs nobody reads any more (only full-size ones are kept). */
  give(slabs: readonly Uint8Array[]): void {
    for (const slab of slabs) if (slab.byteLength === SLAB_BYTES) this.free.push(slab);
  }

  /** Drops every free slab (once the batch is planned or aborted). */
  clear(): void {
    this.free.length = 0;
  }
}

/**
 * One job's buffered bytes, packed in order. A line may be split across two slabs: the input
 * they go to is one stream of bytes.
 *
 * @example
 * const lines = new PackedLines(pool);
 * lines.append(encoder.encode('{"custom_id":"a",…}\n'));
 * await sendWhole(job, lines.pieces()); // views of the slabs, in order
 * lines.release();                        // the slabs go back to the pool
 */
export class PackedLines {
  private slabs: Uint8Array[] = [];
  /** Bytes used of the last slab. */
  private used = 0;
  private reserved = 0;

  constructor(private readonly pool: SlabPool) {}

  /** Copies `bytes` in after what is already held. */
  append(bytes: Uint8Array): void {
    let slab = this.slabs[this.slabs.length - 1];
    // The common case: the line fits in the slab under way.
    if (slab && this.used + bytes.byteLength <= slab.byteLength) {
      slab.set(bytes, this.used);
      this.used += bytes.byteLength;
      return;
    }
    let offset = 0;
    while (offset < bytes.byteLength) {
      if (!slab || this.used === slab.byteLength) {
        const size = Math.min(SLAB_BYTES, Math.max(MIN_SLAB_BYTES, this.reserved));
        slab = this.pool.take(size);
        this.slabs.push(slab);
        this.reserved += size;
        this.used = 0;
      }
      const count = Math.min(bytes.byteLength - offset, slab.byteLength - this.used);
      slab.set(offset === 0 && count === bytes.byteLength ? bytes : bytes.subarray(offset, offset + count), this.used);
      this.used += count;
      offset += count;
    }
  }

  /** What is held, in order, as views of the slabs: valid until `release`. */
  pieces(): Uint8Array[] {
    const last = this.slabs.length - 1;
    return this.slabs.map((slab, index) => (index === last ? slab.subarray(0, this.used) : slab));
  }

  /** Gives the slabs back to the pool; nothing is held any more. */
  release(): void {
    this.pool.give(this.slabs);
    this.slabs = [];
    this.used = 0;
    this.reserved = 0;
  }
}
