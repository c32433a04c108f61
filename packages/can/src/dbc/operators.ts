import type { OperatorFunction } from 'rxjs';
import { rx } from '@rxsock/core';
import { canFdFrame, canFrame, type CanFrame } from '../codec/frame.js';
import type { DbcDatabase, SignalInput } from './database.js';
import type { DbcMessage } from './model.js';
import type { SignalValues } from './plan.js';

/** A frame with the physical values of its signals. */
export interface DecodedFrame<F extends CanFrame = CanFrame> {
  /** The frame as it came (with its receive metadata, for a received frame). */
  readonly frame: F;
  readonly message: DbcMessage;
  /** Physical values by signal name; signals a multiplexer did not select are absent. */
  readonly values: SignalValues;
  /** The payload was shorter than the message's signals need: those that did not fit are absent. */
  readonly truncated: boolean;
}

/** A frame the database has no message for, passed on by `decodeSignals(db, { unknown: 'pass' })`. */
export interface UndecodedFrame<F extends CanFrame = CanFrame> {
  readonly frame: F;
  readonly message: undefined;
  readonly values: undefined;
  readonly truncated: false;
}

/** What {@link decodeSignals} does with a frame it cannot decode (unknown id, RTR, error or XL frame). */
export interface DecodeSignalsOptions {
  /** `'drop'` (default) leaves it out; `'pass'` emits it as an {@link UndecodedFrame}. */
  readonly unknown?: 'drop' | 'pass';
}

/** One message to encode: its name (or id) and its signal values. */
export interface SignalsToEncode {
  readonly message: string | number;
  readonly values: SignalInput;
  /** With a numeric `message`: whether it is a 29-bit id. */
  readonly extended?: boolean;
}

/**
 * Decodes a stream of CAN frames into named physical values with a DBC database. Each frame
 * costs one map lookup and one call of the message's generated decoder.
 *
 * @example
 * ```ts
 * can.frames$.pipe(decodeSignals(db)).subscribe(({ message, values }) => console.log(message.name, values));
 * ```
 */
export function decodeSignals<F extends CanFrame>(db: DbcDatabase, options?: { readonly unknown?: 'drop' }): OperatorFunction<F, DecodedFrame<F>>;
export function decodeSignals<F extends CanFrame>(db: DbcDatabase, options: { readonly unknown: 'pass' }): OperatorFunction<F, DecodedFrame<F> | UndecodedFrame<F>>;
export function decodeSignals<F extends CanFrame>(db: DbcDatabase, options: DecodeSignalsOptions = {}): OperatorFunction<F, DecodedFrame<F> | UndecodedFrame<F>> {
  const pass = options.unknown === 'pass';
  return (source) =>
    new (rx().Observable)<DecodedFrame<F> | UndecodedFrame<F>>((subscriber) =>
      source.subscribe({
        next(frame) {
          const decoded = frame.kind === 'xl' || frame.error || (frame.kind === 'classic' && frame.rtr) ? undefined : db.decode(frame);
          if (decoded) subscriber.next({ frame, message: decoded.message, values: decoded.values, truncated: decoded.truncated });
          else if (pass) subscriber.next({ frame, message: undefined, values: undefined, truncated: false });
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}

/**
 * Encodes signal values into CAN frames (classic, or FD for a CAN FD message) with a DBC
 * database. A value that does not fit, a missing value or an unknown name ends the stream with
 * the {@link DbcError} the encoder threw.
 */
export function encodeSignals(db: DbcDatabase): OperatorFunction<SignalsToEncode, CanFrame> {
  return (source) =>
    new (rx().Observable)<CanFrame>((subscriber) =>
      source.subscribe({
        next(item) {
          let frame: CanFrame;
          try {
            const e = db.encode(item.message, item.values, item.extended);
            frame = e.fd ? canFdFrame({ id: e.id, extended: e.extended, data: e.data }) : canFrame({ id: e.id, extended: e.extended, data: e.data });
          } catch (err) {
            subscriber.error(err);
            return;
          }
          subscriber.next(frame);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
