/**
 * Receives decoded frames. A frame may be a view into a chunk given to the decoder (no copy), so
 * it stays valid only as long as the producer of that chunk does not reuse its memory.
 */
export type FrameSink = (frame: Uint8Array) => void;

/**
 * An incremental decoder that turns a stream of byte chunks, split anywhere, into frames.
 *
 * Decoders keep references to the chunks they are given (they do not copy bytes that stay
 * pending unless the chunk is a small view of a much larger buffer), so a chunk must not be
 * modified after it has been pushed. Frames that lie within one chunk are zero-copy views of it;
 * frames that span chunks are copied once into a new array. Every frame is a plain `Uint8Array`
 * (never a `Buffer`), whatever the chunks were, so its `toString()` does not change with chunking.
 *
 * A decoder is not re-entrant: a sink must not push into the decoder that called it. After it
 * throws a {@link FrameError} a decoder is poisoned and rethrows that error until {@link reset}.
 */
export interface FrameDecoder {
  /**
   * Decodes `chunk`, calling `emit` for each completed frame in order, before any error the
   * chunk causes is thrown. This is the fast form: no array per chunk.
   * @throws {@link FrameError} for an oversize or invalid frame.
   */
  decode(chunk: Uint8Array, emit: FrameSink): void;
  /**
   * Decodes `chunk` and returns the frames it completed. If the chunk completes frames and then
   * fails, those frames are returned and the error is thrown by the next call instead, so that
   * no frame is lost.
   * @throws {@link FrameError} for an oversize or invalid frame.
   */
  push(chunk: Uint8Array): Uint8Array[];
  /**
   * Declares the end of the stream. Returns a final unterminated frame for decoders configured to
   * accept one (lines), otherwise undefined; the decoder is empty afterwards.
   * @throws {@link FrameError} `ERR_RXSOCK_FRAME_TRUNCATED` if a partial frame remains.
   */
  end(): Uint8Array | undefined;
  /** Forgets any partial frame and any failure, as if newly constructed. */
  reset(): void;
  /** Bytes held for the frame in progress (header bytes included). */
  readonly buffered: number;
}

/**
 * @internal Every decoder's `push`, in terms of its `decode`: the frames a chunk completed are
 * returned even when the chunk then fails; the poisoned decoder rethrows on the next call.
 */
export function collectFrames(decoder: Pick<FrameDecoder, 'decode'>, chunk: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  try {
    decoder.decode(chunk, (frame) => {
      frames.push(frame);
    });
  } catch (err) {
    if (frames.length === 0) throw err;
  }
  return frames;
}
