/**
 * Socket-to-socket piping with backpressure carried end to end: when the writer is over its
 * high-water mark the reader is paused, which drops its read interest, which lets the source
 * socket's kernel buffer fill, which closes TCP's window towards the original sender.
 */
import type { Subscription } from 'rxjs';
import { StreamErrorCode, streamError } from './errors.js';
import type { ChunkReader } from './chunk-reader.js';
import type { SocketWriter } from './writer.js';

/**
 * What {@link pipeSocket} reads from: a {@link ChunkReader}, or any reader with its credit
 * interface (the `StreamReader` of a Node stream).
 */
export type PipeSource = Pick<ChunkReader, 'chunks$' | 'request' | 'pause' | 'resume'>;

/**
 * What {@link pipeSocket} writes into: a {@link SocketWriter}, or any writer with its interface
 * (the `StreamWriter` of a Node stream).
 */
export type PipeTarget = Pick<SocketWriter, 'write' | 'drain' | 'flush' | 'end' | 'writable$'>;

/** Options of {@link pipeSocket}. */
export interface PipeOptions {
  /** End the writer (flush, then half-close) when the reader reaches end of stream. Default true. */
  end?: boolean;
  /** Stops the pipe: the promise rejects with the signal's reason; reader and writer stay open. */
  signal?: AbortSignal;
}

/**
 * Moves every chunk of `reader` into `writer`, pausing the reader whenever `writer.write()`
 * reports the high-water mark and resuming it when the writer has drained to its low-water mark.
 * The writer's buffer therefore never holds more than `highWaterMark + one chunk`.
 *
 * @param reader - The source; the pipe subscribes to `reader.chunks$` and grants credit itself.
 * @param writer - The destination.
 * @param options - Whether to end the writer, and an AbortSignal.
 * @returns A promise that resolves after end of stream once the writer flushed (and ended unless
 * `end: false`), and rejects with the first typed error of either side. Neither socket is closed.
 */
export function pipeSocket(reader: PipeSource, writer: PipeTarget, options: PipeOptions = {}): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let settled = false;
    let completing = false;
    let pausedByPipe = false;
    let subscription: Subscription | undefined;
    let watch: Subscription | undefined;
    const finish = (error?: unknown, failed = false): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      subscription?.unsubscribe();
      watch?.unsubscribe();
      if (pausedByPipe) reader.resume();
      if (failed) reject(error);
      else resolve();
    };
    const onAbort = (): void => finish(signal!.reason, true);
    const resumeAfterDrain = (): void => {
      if (settled) return;
      pausedByPipe = false;
      reader.resume();
      reader.request(1);
    };
    subscription = reader.chunks$.subscribe({
      next: (chunk) => {
        let below: boolean;
        try {
          below = writer.write(chunk);
        } catch (e) {
          finish(e, true);
          return;
        }
        if (below) {
          reader.request(1);
        } else {
          // Stops delivery at once and, through the reader, reading from the kernel.
          pausedByPipe = true;
          reader.pause();
          writer.drain().then(resumeAfterDrain, (e: unknown) => finish(e, true));
        }
      },
      error: (e: unknown) => finish(e, true),
      complete: () => {
        completing = true;
        (options.end === false ? writer.flush() : writer.end()).then(() => finish(), (e: unknown) => finish(e, true));
      },
    });
    if (settled) {
      subscription.unsubscribe();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    // A writer that fails while the reader is quiet must still end the pipe (see sinkTo on why writable$).
    watch = writer.writable$.subscribe({
      error: (e: unknown) => finish(e, true),
      complete: () => {
        if (!completing) finish(streamError(StreamErrorCode.WRITER_DESTROYED, 'the writer was closed before the reader ended', 'write'), true);
      },
    });
    if (settled) {
      watch.unsubscribe();
      return;
    }
    reader.request(1);
  });
}
