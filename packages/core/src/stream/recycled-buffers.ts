/**
 * Read buffers a consumer has given back ({@link ChunkReader.recycle}).
 *
 * A busy stream hands out a fresh 64 KiB buffer per read, and V8 frees those only when the
 * young generation is collected, which a consumer allocating little JavaScript triggers only
 * through external-memory pressure: tens of megabytes of dead buffers stay resident. A consumer
 * that knows when it is done with a chunk can give it back; the next read goes into the same
 * memory instead of a new allocation.
 *
 * Giving back detaches the chunk (its ArrayBuffer is transferred to a new owner, as
 * `postMessage` would): a reference kept by mistake then reads as empty instead of changing
 * under its holder. Only buffers this reader handed out whole are taken back, never a slice of
 * Node's shared small-buffer pool.
 */

/** @internal The reader's free list and the set of buffers it may take back. */
export class RecycledBuffers {
  private readonly free: ArrayBuffer[] = [];
  private readonly lent = new WeakSet<ArrayBuffer>();

  /** @param limit - Free buffers kept; more are left to the garbage collector. */
  constructor(private readonly limit: number) {}

  /** A free buffer to read into, if there is one. */
  take(): Buffer | undefined {
    const free = this.free.pop();
    return free === undefined ? undefined : Buffer.from(free);
  }

  /** Returns a buffer from {@link RecycledBuffers.take} that was not handed out after all. */
  untake(buffer: Buffer): void {
    this.free.push(buffer.buffer as ArrayBuffer);
  }

  /** Marks a chunk that owns its whole ArrayBuffer as one that may be given back. */
  lend(chunk: Buffer): void {
    this.lent.add(chunk.buffer as ArrayBuffer);
  }

  /** Takes a lent chunk back (detaching it); false for anything else, or when the list is full. */
  giveBack(chunk: Uint8Array): boolean {
    const buffer = chunk.buffer as ArrayBuffer;
    if (!this.lent.has(buffer) || this.free.length >= this.limit) return false;
    this.lent.delete(buffer);
    this.free.push(structuredClone(buffer, { transfer: [buffer] }));
    return true;
  }
}
