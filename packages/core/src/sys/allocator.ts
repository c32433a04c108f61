/**
 * Heap tuning for socket read buffers.
 *
 * Stream readers hand every chunk they read to the consumer in a fresh buffer, and the heap churns
 * at the rate of the traffic. With glibc's default trim threshold (128 KiB, adjusted at run time)
 * freed buffers at the top of the heap go back to the OS and the next reads fault fresh pages in:
 * measured here, 1 GiB received over loopback TCP took 66,000 to 238,000 minor page faults and
 * 0.40 to 0.89 s of kernel time, against 18,000 faults and 0.22 s with the threshold raised
 * (node:net in the same conditions: 18,000 to 40,000 faults).
 *
 * The threshold must sit above what one garbage collection frees at once. V8 collects dead read
 * buffers when about 32 MiB of them are pending (its external-memory trigger), so a 32 MiB
 * threshold sat right on that edge: 2 GiB runs took either 14,000 or 108,000 to 196,000 faults,
 * by chance; with 64 MiB, 13,000 to 15,000 every time.
 *
 * The raised threshold costs memory: glibc then trims nothing, so the freed heap stays resident.
 * A slow consumer (bench/backpressure, 50 MB/s) peaked 3-4 MiB higher with it, and a server that
 * only ever held idle connections kept ~0.5 KiB per connection of freed heap (measured with
 * 10,000). The faults it saves cost about 0.4 ms of kernel time per MiB read, which matters only
 * at a high rate. So stream readers apply it only once their fresh buffers come at a bulk rate
 * (stream/read-buffers.ts). Measured again on 2026-12-03, with the packages bundled, the fault
 * storm did not show: 2 GiB took 15,700-20,800 faults untuned and 15,500-17,100 tuned (where
 * freed buffers land in the heap decides it). `RXSOCK_MALLOC_TRIM` sets another size in MiB, or
 * `0` to leave the C library's defaults alone.
 */
import { sys } from './index.js';

let tuned = false;

/** The trim threshold rxsock applies by default, in bytes. */
export const DEFAULT_TRIM_THRESHOLD = 64 << 20;

/** `RXSOCK_MALLOC_TRIM` in MiB: the default when unset, 0 when the C library is to be left alone. */
function trimSettingMiB(): number {
  const setting = process.env['RXSOCK_MALLOC_TRIM'];
  const mib = setting === undefined || setting === '' ? DEFAULT_TRIM_THRESHOLD >> 20 : Number(setting);
  return Number.isFinite(mib) && mib > 0 ? Math.min(mib, 1024) : 0;
}

/**
 * Applies the allocator tuning once per process (see the module comment). Returns the threshold
 * set in bytes, or 0 when nothing was changed.
 */
export function tuneAllocatorForStreams(): number {
  if (tuned) return 0;
  tuned = true;
  const mib = trimSettingMiB();
  if (mib === 0) return 0;
  const bytes = mib << 20;
  return sys().setMallocTrimThreshold(bytes) ? bytes : 0;
}

/**
 * Gives the C heap's free pages back to the OS now (`malloc_trim(0)`), unless
 * `RXSOCK_MALLOC_TRIM=0`. Returns whether it did.
 */
export function releaseFreedHeap(): boolean {
  return trimSettingMiB() !== 0 && sys().releaseFreeHeap();
}
