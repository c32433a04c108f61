/**
 * Fresh read buffers: how big a stream reader makes them, what happens to the heap they are
 * freed into, and when the process switches to bulk mode.
 *
 * A reader hands each full chunk to its consumer in a fresh buffer, and dead chunks are freed
 * only by a garbage collection. V8 runs a young-generation collection when the ArrayBuffer memory
 * allocated since the last one reaches 32 MiB (twice its largest semi-space); from JavaScript
 * nothing else moves that point. So a slow consumer carries up to 32 MiB of dead chunks,
 * node:net's as much as ours.
 *
 * Below the bulk rate, a reader makes each fresh buffer twice the chunk it reads into it. The
 * second half is never written, so the OS never gives it a page; but V8 counts it, and collects
 * after 16 MiB of dead chunks instead of 32. The chunks are freed into glibc's heap, which keeps
 * freed pages resident and reuses them at shifting offsets, so over time it would fault in the
 * unwritten halves too; every 16 MiB handed out (once per such collection), the heap's free
 * pages go back to the OS (`malloc_trim`, under 1 ms here). Measured with bench/backpressure's
 * 50 MB/s consumer (1 GiB): peak RSS 91 MiB with neither, 75-87 with the bigger buffers alone,
 * 75-80 with both (node:net 86). The cost is pages faulted in again after a trim: the
 * consumer's system time went from 0.6-0.7 s to 1.0-1.15 s per GiB (node:net's 0.65-1.0).
 * Trimming every 8 MiB gave 75-77 MiB for 1.1-1.3 s; every 32 MiB, 75-85 MiB for 0.95 s.
 *
 * That cost grows with the rate, and at gigabytes per second the faults matter. Once fresh
 * buffers come at {@link BULK_BYTES_PER_SECOND} (counted over a quarter of a second, so a fast
 * stream leaves the slow mode after 32 MiB: the first 128 MiB of tcp-throughput's gigabyte in
 * slow mode cost its receiver 0.03 s of CPU and 3% of its rate), the process switches
 * to bulk mode for good: buffers exactly one chunk, no trims, and glibc's trim threshold raised
 * (sys/allocator.ts) so the freed heap is reused as it is.
 */
import { performance } from 'node:perf_hooks';
import { releaseFreedHeap, tuneAllocatorForStreams } from '../sys/allocator.js';

/** Fresh read buffers per second from which the process reads in bulk mode. */
export const BULK_BYTES_PER_SECOND = 128 << 20;
/** The window the rate is counted over, in milliseconds. */
const RATE_WINDOW_MS = 250;
const BULK_BYTES_PER_WINDOW = (BULK_BYTES_PER_SECOND / 1000) * RATE_WINDOW_MS;
/** Below the bulk rate, bytes handed out between two releases of the freed heap. */
export const RELEASE_EVERY_BYTES = 16 << 20;

let bulk = false;
let windowStart = -Infinity;
let windowBytes = 0;
let sinceRelease = 0;
let releases = 0;

/** @internal A buffer of `size` bytes to read into, which may end up handed to a consumer. */
export function allocateReadBuffer(size: number): Buffer {
  return bulk ? Buffer.allocUnsafe(size) : Buffer.allocUnsafe(2 * size).subarray(0, size);
}

/**
 * @internal Counts `bytes` of a buffer from {@link allocateReadBuffer} handed to a consumer
 * (one the reader will not reuse): releases the freed heap every {@link RELEASE_EVERY_BYTES},
 * and switches to bulk mode at {@link BULK_BYTES_PER_SECOND}.
 */
export function noteHandedOver(bytes: number): void {
  if (bulk) return;
  const now = performance.now();
  if (now - windowStart >= RATE_WINDOW_MS) {
    windowStart = now;
    windowBytes = 0;
  }
  windowBytes += bytes;
  if (windowBytes >= BULK_BYTES_PER_WINDOW) {
    bulk = true;
    tuneAllocatorForStreams();
    return;
  }
  sinceRelease += bytes;
  if (sinceRelease >= RELEASE_EVERY_BYTES) {
    sinceRelease = 0;
    if (releaseFreedHeap()) releases++;
  }
}

/** @internal Whether this process reads in bulk mode, and how often it released the freed heap (for tests). */
export function readBufferState(): { bulk: boolean; releases: number } {
  return { bulk, releases };
}
