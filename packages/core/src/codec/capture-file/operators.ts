import type { OperatorFunction } from 'rxjs';
import { rx } from '../../rx/index.js';
import { decodeWith } from '../../stream/framing/decode-with.js';
import { CaptureDecoder, type CaptureDecoderOptions } from './decoder.js';
import type { CaptureEncoder } from './encoder.js';
import type { CaptureRecord, CaptureRecordInit } from './records.js';

/**
 * Decodes a stream of byte chunks (from a file, a socket, a pipe) into capture records, with a
 * {@link CaptureDecoder} made per subscription. A bad file is the observable's error (a
 * {@link CaptureFileError}), which unsubscribes the source; completion inside a record is an
 * `ERR_RXSOCK_FRAME_TRUNCATED` error.
 *
 * @param options - Decoder options (memory bound, unknown blocks, format).
 */
export function captureRecords(options: CaptureDecoderOptions = {}): OperatorFunction<Uint8Array, CaptureRecord> {
  new CaptureDecoder(options); // bad options throw at pipe time
  return decodeWith(() => new CaptureDecoder(options));
}

/**
 * Encodes records into the chunks of a capture file. Records that produce no bytes (a pcap
 * `section`) are skipped; a record the encoder refuses is the observable's error.
 *
 * @param createEncoder - Makes the encoder for one subscription (encoders are stateful).
 */
export function encodeCapture(createEncoder: () => CaptureEncoder): OperatorFunction<CaptureRecordInit, Uint8Array> {
  return (source) =>
    new (rx().Observable)<Uint8Array>((subscriber) => {
      const encoder = createEncoder();
      let done = false;
      return source.subscribe({
        next(record) {
          if (done) return;
          let bytes: Uint8Array;
          try {
            bytes = encoder.encode(record);
          } catch (err) {
            done = true;
            subscriber.error(err);
            return;
          }
          if (bytes.length > 0) subscriber.next(bytes);
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
