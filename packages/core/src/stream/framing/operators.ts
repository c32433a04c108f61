import type { OperatorFunction } from 'rxjs';
import { rx } from '../../rx/index.js';
import { checkLimit } from './bytes.js';
import type { FrameDecoder } from './decoder.js';
import { decodeWith } from './decode-with.js';
import { FrameError, FrameErrorCode } from './errors.js';
import { type DelimitEncodeOptions, DelimiterEncoder, LengthPrefixEncoder, type LengthPrefixEncodeOptions } from './encoders.js';
import { type DelimiterOptions, DelimiterDecoder, LineDecoder, type LineOptions } from './delimiter.js';
import { FixedSizeDecoder } from './fixed-size.js';
import { LengthPrefixedDecoder, type LengthPrefixedOptions } from './length-prefixed.js';

/**
 * Decodes a chunk stream with a decoder made per subscription (so a re-subscribed source starts
 * clean). A framing error is delivered as the observable's error, which unsubscribes this
 * subscription's source and nothing else; for a socket source that stops reading, and closing the
 * connection is up to its owner's error handling (or a teardown it attached to the source). When
 * the source completes, a partial frame is an `ERR_RXSOCK_FRAME_TRUNCATED` error, unless the
 * decoder's {@link FrameDecoder.end} returns it as a last frame.
 *
 * Frames may be views of the source's chunks; see {@link FrameDecoder}.
 *
 * @param createDecoder - Makes the decoder for one subscription.
 */
export function decodeFrames(createDecoder: () => FrameDecoder): OperatorFunction<Uint8Array, Uint8Array> {
  return decodeWith<Uint8Array, Uint8Array>(() => {
    const decoder = createDecoder();
    return {
      decode: (chunk, emit) => decoder.decode(chunk, emit),
      end: (emit) => {
        const last = decoder.end();
        if (last !== undefined) emit(last);
      },
    };
  });
}

/**
 * Decodes length-prefixed frames: see {@link LengthPrefixedDecoder}.
 * @param options - Wire format and `maxFrame`.
 */
export function lengthPrefixed(options: LengthPrefixedOptions): OperatorFunction<Uint8Array, Uint8Array> {
  // Construct once up front so that bad options throw at pipe time, not at subscribe time.
  new LengthPrefixedDecoder(options);
  return decodeFrames(() => new LengthPrefixedDecoder(options));
}

/**
 * Decodes delimiter-terminated frames: see {@link DelimiterDecoder}.
 * @param options - Delimiter, `maxFrame`, and what to do with an unterminated last frame.
 */
export function delimited(options: DelimiterOptions): OperatorFunction<Uint8Array, Uint8Array> {
  new DelimiterDecoder(options);
  return decodeFrames(() => new DelimiterDecoder(options));
}

/**
 * Decodes fixed-size records: see {@link FixedSizeDecoder}.
 * @param size - Length of every record in bytes.
 */
export function fixedSize(size: number): OperatorFunction<Uint8Array, Uint8Array> {
  new FixedSizeDecoder({ size });
  return decodeFrames(() => new FixedSizeDecoder({ size }));
}

/** Options of {@link lines}. */
export interface LinesOptions extends LineOptions {
  /**
   * Whether invalid UTF-8 fails the stream (a {@link FrameError} `ERR_RXSOCK_FRAME_INVALID`)
   * instead of becoming U+FFFD. Default false.
   */
  fatal?: boolean;
}

/**
 * Decodes UTF-8 text lines split at `\n` (see {@link LineDecoder}): each line without its
 * terminator, and, by default, a last line without `\n` when the source completes. A byte order
 * mark is kept, not stripped, because each line is decoded on its own.
 * @param options - `maxLength` (bytes) and line-ending rules.
 */
export function lines(options: LinesOptions): OperatorFunction<Uint8Array, string> {
  new LineDecoder(options);
  const fatal = options.fatal ?? false;
  const text = new TextDecoder('utf-8', { fatal, ignoreBOM: true });
  const decode = decodeFrames(() => new LineDecoder(options));
  const toString = (line: Uint8Array): string => {
    if (!fatal) return text.decode(line);
    try {
      return text.decode(line);
    } catch (err) {
      throw new FrameError(`line of ${line.length} bytes is not valid UTF-8`, FrameErrorCode.INVALID, line.length, undefined, {
        cause: err,
      });
    }
  };
  return (source) => decode(source).pipe(rx().map(toString));
}

/** Options of {@link lengthPrefix}. */
export interface LengthPrefixOperatorOptions extends LengthPrefixEncodeOptions {
  /**
   * Frames shorter than this many bytes are copied after their header into one chunk; longer ones
   * are emitted as two chunks (header, then the frame itself, uncopied) for a vectored write.
   * Default 4096.
   */
  coalesceBelow?: number;
}

/**
 * Encodes each frame with a length prefix. A frame the format cannot carry (or over `maxFrame`)
 * errors the observable.
 * @param options - Wire format, optional `maxFrame`, and the copy threshold.
 */
export function lengthPrefix(options: LengthPrefixOperatorOptions): OperatorFunction<Uint8Array, Uint8Array> {
  const encoder = new LengthPrefixEncoder(options);
  const coalesceBelow = checkLimit(options.coalesceBelow ?? 4096, 'coalesceBelow');
  return (source) =>
    new (rx().Observable)<Uint8Array>((subscriber) => {
      let done = false;
      return source.subscribe({
        next(frame) {
          if (done) return;
          let header: Uint8Array | undefined;
          let whole: Uint8Array | undefined;
          try {
            if (frame.length < coalesceBelow) whole = encoder.encode(frame);
            else header = encoder.header(frame.length);
          } catch (err) {
            done = true;
            subscriber.error(err);
            return;
          }
          if (whole !== undefined) {
            subscriber.next(whole);
          } else {
            subscriber.next(header!);
            subscriber.next(frame);
          }
        },
        error(err: unknown) {
          done = true;
          subscriber.error(err);
        },
        complete() {
          done = true;
          subscriber.complete();
        },
      });
    });
}

/**
 * Appends `delimiter` to each frame (one new chunk per frame). By default a frame containing the
 * delimiter errors the observable, since the peer would read it as two frames.
 * @param delimiter - Bytes, or a string encoded as UTF-8.
 * @param options - Checks to apply.
 */
export function delimit(
  delimiter: Uint8Array | string,
  options?: DelimitEncodeOptions,
): OperatorFunction<Uint8Array, Uint8Array> {
  const encoder = new DelimiterEncoder(delimiter, options);
  return rx().map((frame: Uint8Array) => encoder.encode(frame));
}
