/**
 * When a stream counts as a bulk transfer, and when that transfer is over: the one policy both
 * kinds of completion readers follow (a Socket's awaited reads, a ChunkReception such as inet's
 * `input$`). A bulk stream is read on readiness, where one wake-up reads up to 64 KiB and hands
 * the buffer over; once it turns quiet, completions take it back.
 */

/** An arrival or a read on readiness at least this big is part of a bulk transfer (half a pool buffer). */
export const BULK_READ = 32768;

/**
 * Quiet reads in a row (reads that waited, or chunks below {@link BULK_READ}) after which the
 * bulk transfer is over: a request/response exchange that follows gets its completion request
 * back, and a stream that stays bulk never flaps between the two.
 */
export const QUIET_READS = 16;

/**
 * One more quiet read of `key` (a socket or a reception a bulk transfer sent to readiness),
 * counted in `counts`: true at the {@link QUIET_READS}-th in a row, and the count is forgotten.
 * A bulk read restarts the count (`counts.delete(key)`).
 */
export function quietRead<K extends object>(counts: WeakMap<K, number>, key: K): boolean {
  const quiet = (counts.get(key) ?? 0) + 1;
  if (quiet < QUIET_READS) {
    counts.set(key, quiet);
    return false;
  }
  counts.delete(key);
  return true;
}
