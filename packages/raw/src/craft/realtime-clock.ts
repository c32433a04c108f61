/**
 * `clock_gettime(CLOCK_REALTIME)` to the nanosecond: the clock the kernel stamps received
 * packets with (SO_TIMESTAMPNS). JavaScript has it only to the millisecond (`Date.now()`), and
 * `performance.timeOrigin + performance.now()` follows the monotonic clock, which drifts from it.
 * ping times a reply as iputils does: this clock just before the request is sent, against the
 * kernel's arrival stamp of the reply, so the time JavaScript takes to wake up and read the
 * reply is not counted.
 */
import { decodeTimespec, loadNativeLibrary } from '@rxsock/core';

const CLOCK_REALTIME = 0;
/** `struct timespec`: two 64-bit fields on 64-bit Linux, two 32-bit ones on 32-bit. */
const TIMESPEC = /64/.test(process.arch) || process.arch === 's390x' ? 16 : 8;

type ClockGettime = (clock: number, ts: Uint8Array) => number;
let clockGettime: ClockGettime | undefined;
const timespec = new Uint8Array(TIMESPEC);

/** CLOCK_REALTIME in nanoseconds since the epoch. */
export function realtimeNanoseconds(): bigint {
  clockGettime ??= loadNativeLibrary(['libc.so.6', 'libc.so'], { purpose: 'reading the realtime clock', debianPackage: 'libc6' }).func('int clock_gettime(int clock, void *ts)') as unknown as ClockGettime;
  clockGettime(CLOCK_REALTIME, timespec);
  return decodeTimespec(timespec).totalNanoseconds;
}
