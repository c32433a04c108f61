/**
 * Writing an Observable into a socket. RxJS cannot pause a subscription, so a producer faster
 * than the socket fills the writer's buffer; the hard cap turns that into a typed error instead
 * of unbounded memory. Use {@link pipeSocket} for a source that can be paused.
 */
import type { Observable, Subscription } from 'rxjs';
import { invalidArgument } from '../errors.js';
import { StreamErrorCode, streamError } from './errors.js';
import type { SocketWriter } from './writer.js';

/** What {@link sinkTo} writes into: a {@link SocketWriter} or any writer with its interface. */
export type SinkTarget = Pick<SocketWriter, 'write' | 'flush' | 'end' | 'writable$' | 'bufferedAmount' | 'maxBuffered'>;

/** Options of {@link sinkTo}. */
export interface SinkOptions {
  /** End the writer (flush, then half-close the socket) when the source completes. Default true. */
  end?: boolean;
  /**
   * Hard cap on the writer's buffered bytes while sinking: a chunk that would take a non-empty
   * buffer past it fails the sink with `ERR_RXSOCK_WRITE_OVERFLOW`. Default: the writer's
   * `maxBuffered` (16 × its high-water mark unless configured).
   */
  maxBuffered?: number;
}

/**
 * Subscribes to `source$` and writes every chunk to `writer`.
 *
 * @param writer - Where the bytes go.
 * @param source$ - The chunks; it is unsubscribed when the sink fails.
 * @param options - Whether to end the writer, and the hard cap.
 * @returns A promise that resolves once the source completed and the writer flushed (and ended,
 * unless `end: false`), and rejects with the source's error, the writer's typed error, or
 * `ERR_RXSOCK_WRITE_OVERFLOW`. On failure the writer is left as it is (what it queued still goes
 * out); its owner decides whether to destroy it.
 */
export function sinkTo(writer: SinkTarget, source$: Observable<Uint8Array>, options: SinkOptions = {}): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cap = options.maxBuffered ?? writer.maxBuffered;
    if (!(cap > 0)) {
      reject(invalidArgument(`maxBuffered must be positive, got ${String(cap)}`));
      return;
    }
    let subscription: Subscription | undefined;
    let settled = false;
    let completing = false;
    let watch: Subscription | undefined;
    const fail = (e: unknown): void => {
      if (settled) return;
      settled = true;
      subscription?.unsubscribe();
      watch?.unsubscribe();
      reject(e);
    };
    // A writer destroyed while the source is quiet must still fail the sink. writable$ rather
    // than `closed`: a subscription can be dropped when the sink settles, a promise callback cannot.
    watch = writer.writable$.subscribe({
      error: fail,
      complete: () => {
        if (!completing) fail(streamError(StreamErrorCode.WRITER_DESTROYED, 'the writer was closed before the source completed', 'write'));
      },
    });
    subscription = source$.subscribe({
      next: (chunk) => {
        if (settled) return;
        const queued = writer.bufferedAmount;
        if (queued > 0 && queued + chunk.byteLength > cap) {
          fail(streamError(StreamErrorCode.WRITE_OVERFLOW, `sinkTo: ${chunk.byteLength} more bytes would take the writer's buffer (${queued} bytes) past ${cap}`, 'write'));
          return;
        }
        try {
          writer.write(chunk);
        } catch (e) {
          fail(e);
        }
      },
      error: fail,
      complete: () => {
        completing = true;
        (options.end === false ? writer.flush() : writer.end()).then(() => {
          if (settled) return;
          settled = true;
          watch?.unsubscribe();
          resolve();
        }, fail);
      },
    });
    // The source may have failed synchronously, before `subscription` was assigned.
    if (settled) subscription.unsubscribe();
    if (settled) watch?.unsubscribe();
  });
}
