/**
 * Replay of a candump log: the entries again, at their original pace or as fast as the consumer
 * takes them, once, n times or forever; as an async iterable, an Observable, or sent to a socket.
 */
import type { Observable } from 'rxjs';
import { rx } from '@rxsock/core';
import type { CanFrame } from '../codec/frame.js';
import { readCandumpLog, type CandumpLogDecoderOptions } from './log-reader.js';
import type { CandumpLogEntry } from './log-line.js';

/** Options of {@link replayCandumpLog}. */
export interface ReplayOptions extends CandumpLogDecoderOptions {
  /**
   * `'original'` (default): each entry is due at its log time relative to the first entry of
   * its loop, like canplayer. `'fast'`: every entry at once, paced only by the consumer (like
   * `canplayer -t`).
   */
  timing?: 'original' | 'fast';
  /** Play speed factor for `'original'` timing: 2 plays twice as fast. Default 1. */
  speed?: number;
  /** How many times to play the log: a count (default 1) or `true` for forever (`canplayer -l i`). */
  loop?: number | true;
  /**
   * Gaps in the log longer than this many seconds are skipped (played as no gap), like
   * `canplayer -s`. Default: none skipped. A timestamp going backwards always restarts the clock.
   */
  skipGapSec?: number;
}

/**
 * Where the entries come from: a log file path (read again for each loop), an in-memory list,
 * a function making a fresh stream for each loop, or a one-shot stream of entries (played once).
 * Entries are passed on as given, extra fields included.
 */
export type ReplaySource<E extends CandumpLogEntry = CandumpLogEntry> = string | Iterable<E> | AsyncIterable<E> | (() => Iterable<E> | AsyncIterable<E>);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function entryNs(e: CandumpLogEntry): bigint {
  return BigInt(e.timestampSec) * 1_000_000_000n + BigInt(e.timestampNsec);
}

function checkOptions(options: ReplayOptions): void {
  const { timing = 'original', speed = 1, loop = 1 } = options;
  if (timing !== 'original' && timing !== 'fast') throw new RangeError(`timing must be 'original' or 'fast', got ${String(timing)}`);
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a positive number, got ${String(speed)}`);
  if (loop !== true && (!Number.isInteger(loop) || loop < 1)) throw new RangeError(`loop must be a positive integer or true, got ${String(loop)}`);
  if (options.skipGapSec !== undefined && !(options.skipGapSec > 0)) throw new RangeError('skipGapSec must be positive');
}

/**
 * The entries of a log, each yielded when it is due. With `'original'` timing the generator
 * sleeps (timers, never a busy wait) until the next entry's time and then yields every entry
 * already due, so sub-millisecond gaps cost no extra timer. Nothing is read ahead: a file is
 * read one chunk at a time as entries are taken.
 *
 * @throws RangeError for bad options; a one-shot async source with `loop` other than 1 throws
 * when the second loop starts; {@link CanLogError} for a bad line.
 */
export async function* replayCandumpLog<E extends CandumpLogEntry = CandumpLogEntry>(source: ReplaySource<E>, options: ReplayOptions = {}): AsyncGenerator<E, void, undefined> {
  checkOptions(options);
  const fast = options.timing === 'fast';
  const speed = options.speed ?? 1;
  const loops = options.loop ?? 1;
  const skipGapNs = options.skipGapSec !== undefined ? BigInt(Math.round(options.skipGapSec * 1e9)) : undefined;
  const oneShot = typeof source !== 'string' && typeof source !== 'function' && !(Symbol.iterator in source);
  for (let round = 0; loops === true || round < loops; round++) {
    if (round > 0 && oneShot) throw new RangeError('a one-shot async source can be played once: pass a path or an array to loop');
    const entries: Iterable<E> | AsyncIterable<E> =
      typeof source === 'string' ? (readCandumpLog(source, options) as AsyncIterable<E>) : typeof source === 'function' ? source() : source;
    // Log time `base` maps to wall time `start` (ms, performance clock).
    let base: bigint | undefined;
    let last: bigint | undefined;
    let start = 0;
    let count = 0;
    for await (const entry of entries) {
      count++;
      if (!fast) {
        const t = entryNs(entry);
        if (base === undefined || (last !== undefined && (t < last || (skipGapNs !== undefined && t - last > skipGapNs)))) {
          // First entry, a clock jump backwards, or a skipped gap: this entry is due now.
          base = t;
          start = performance.now();
        }
        last = t;
        const due = start + Number(t - base) / 1e6 / speed;
        const wait = due - performance.now();
        if (wait >= 1) await sleep(wait);
      }
      yield entry;
    }
    if (count === 0) return; // nothing to loop over
  }
}

/**
 * {@link replayCandumpLog} as an Observable. Unsubscribing stops the replay (and closes a file
 * being read). Each subscription replays from the start.
 */
export function replay$<E extends CandumpLogEntry = CandumpLogEntry>(source: ReplaySource<E>, options: ReplayOptions = {}): Observable<E> {
  checkOptions(options);
  return new (rx().Observable)<E>((subscriber) => {
    const it = replayCandumpLog(source, options);
    let stopped = false;
    void (async () => {
      try {
        for (;;) {
          const r = await it.next();
          if (stopped) return;
          if (r.done === true) break;
          subscriber.next(r.value);
        }
        subscriber.complete();
      } catch (err) {
        if (!stopped) subscriber.error(err);
      }
    })();
    return () => {
      stopped = true;
      void it.return(undefined);
    };
  });
}

/** What {@link sendReplay} sends through: a CAN_RAW socket (its `send`), or anything with the same method. */
export interface ReplayTarget {
  /** Sends one frame; resolves once it was taken. */
  send(frame: CanFrame): Promise<void>;
}

/**
 * Replays a log into sockets, waiting for each send (so the socket's writer, not an unbounded
 * queue, sets the pace when the bus is slower than the log).
 *
 * @param target - One target for every frame, or a function choosing the target for a logged
 * interface name (canplayer's `vcan1=vcan0` assignments); a frame it gives no target for is skipped.
 * @returns How many frames were sent, and how many were skipped for want of a target.
 */
export async function sendReplay<E extends CandumpLogEntry = CandumpLogEntry>(
  target: ReplayTarget | ((interfaceName: string) => ReplayTarget | undefined),
  source: ReplaySource<E>,
  options: ReplayOptions = {},
): Promise<{ sent: number; skipped: number }> {
  let sent = 0;
  let skipped = 0;
  for await (const entry of replayCandumpLog(source, options)) {
    const to = typeof target === 'function' ? target(entry.interfaceName) : target;
    if (to === undefined) {
      skipped++;
      continue;
    }
    await to.send(entry.frame);
    sent++;
  }
  return { sent, skipped };
}
