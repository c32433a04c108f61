/**
 * The one operator that runs a stateful decoder over a chunk stream: framing's decodeFrames,
 * capture files' captureRecords and the families' log readers are this with their decoder.
 */
import type { OperatorFunction } from 'rxjs';
import { rx } from '../../rx/index.js';

/** A stateful decoder as {@link decodeWith} drives it: fed the chunks in order, then told the end. */
export interface StreamDecoder<I, O> {
  /** Decodes one chunk, emitting each complete item; throws (a typed error) to fail the stream. */
  decode(chunk: I, emit: (item: O) => void): void;
  /** The source completed: emits what the held input still makes, or throws (a truncated item...). */
  end(emit: (item: O) => void): void;
}

/**
 * Decodes a chunk stream with a decoder made per subscription (so a re-subscribed source starts
 * clean). A decoder error is the Observable's error, which unsubscribes this subscription's
 * source and nothing else; so is an error of `end` when the source completes.
 *
 * @param createDecoder - Makes the decoder for one subscription.
 *
 * @example
 * ```ts
 * const records$ = chunks$.pipe(decodeWith(() => new CaptureDecoder()));
 * ```
 */
export function decodeWith<I, O>(createDecoder: () => StreamDecoder<I, O>): OperatorFunction<I, O> {
  return (source) =>
    new (rx().Observable)<O>((subscriber) => {
      const decoder = createDecoder();
      const emit = (item: O): void => {
        subscriber.next(item);
      };
      // A synchronous source keeps calling next() after we fail (it cannot see our subscriber
      // close until subscribe() returns): ignore it rather than decode on.
      let done = false;
      return source.subscribe({
        next(chunk) {
          if (done) return;
          try {
            decoder.decode(chunk, emit);
          } catch (err) {
            done = true;
            subscriber.error(err);
          }
        },
        error(err: unknown) {
          done = true;
          subscriber.error(err);
        },
        complete() {
          if (done) return;
          done = true;
          try {
            decoder.end(emit);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          subscriber.complete();
        },
      });
    });
}
