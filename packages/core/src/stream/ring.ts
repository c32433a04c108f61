/**
 * A FIFO on a power-of-two circular array. `Array.prototype.shift` is O(n) on large arrays, and
 * the queues here are shifted once per chunk on hot paths.
 */

/** @internal A growable FIFO of `T`. */
export class Ring<T> {
  private items: (T | undefined)[];
  private mask: number;
  private head = 0;
  private count = 0;

  // Small to start: an idle connection's queue should cost next to nothing; it doubles on demand.
  constructor(initialCapacity = 4) {
    let size = 2;
    while (size < initialCapacity) size *= 2;
    this.items = new Array<T | undefined>(size);
    this.mask = size - 1;
  }

  /** Items queued. */
  get length(): number {
    return this.count;
  }

  /** Appends at the tail, growing the array when full. */
  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & this.mask] = item;
    this.count++;
  }

  /** Removes and returns the head, or undefined when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    // Cleared so a consumed chunk can be collected while the ring lives on.
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    return item;
  }

  /** The item `i` places from the head, without removing it. */
  peek(i = 0): T | undefined {
    return i < this.count ? this.items[(this.head + i) & this.mask] : undefined;
  }

  /** Replaces the head (used to keep the unsent rest of a partly written chunk). */
  replaceHead(item: T): void {
    if (this.count > 0) this.items[this.head] = item;
  }

  /** Drops everything. */
  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.count = 0;
  }

  private grow(): void {
    const old = this.items;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & this.mask];
    this.items = next;
    this.mask = next.length - 1;
    this.head = 0;
  }
}
