/** Deterministic payloads for stream tests. */
import { createHash, type Hash } from 'node:crypto';

/**
 * A byte stream that never repeats with a short period (xorshift32), so a dropped, duplicated
 * or reordered chunk changes the hash.
 */
export class PatternSource {
  private state: number;
  /** Bytes produced so far. */
  produced = 0;
  private readonly hash: Hash = createHash('sha256');

  /** @param seed - Where the sequence starts (the 32-bit state; 0 is taken as 1). */
  constructor(seed = 0x9e3779b9) {
    this.state = seed >>> 0 || 1;
  }

  /** The next `n` bytes, added to the running hash. */
  next(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    let x = this.state;
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      b[i] = x & 0xff;
    }
    this.state = x;
    this.produced += n;
    this.hash.update(b);
    return b;
  }

  /** sha256 of everything produced. */
  digest(): string {
    return this.hash.copy().digest('hex');
  }
}
