/**
 * Error frames (linux/can/error.h): a classic frame with CAN_ERR_FLAG whose id carries error
 * class bits and whose 8 data bytes carry the details. Decoded into one typed value, and
 * encoded back (drivers and tests build them; a vcan echoes what it is sent).
 */
import { decodeError } from '@rxsock/core';
import { CanFrameError, canFrame, type CanFrame, type ClassicCanFrame } from './frame.js';

/** Error class bits of an error frame's id, also the bits of the CAN_RAW_ERR_FILTER mask. */
export const CanErrorClass = {
  /** TX timeout (by the netdevice driver). */
  TX_TIMEOUT: 0x001,
  /** Lost arbitration; the bit is in data[0]. */
  LOSTARB: 0x002,
  /** Controller problems; data[1]. */
  CRTL: 0x004,
  /** Protocol violations; data[2..3]. */
  PROT: 0x008,
  /** Transceiver status; data[4]. */
  TRX: 0x010,
  /** No ACK received on transmission. */
  ACK: 0x020,
  /** Bus off. */
  BUSOFF: 0x040,
  /** Bus error (may flood). */
  BUSERROR: 0x080,
  /** The controller restarted. */
  RESTARTED: 0x100,
  /** TX/RX error counters in data[6] and data[7]. */
  CNT: 0x200,
} as const;

/** Every error class: the error mask that reports all error frames. */
export const CAN_ERR_MASK_ALL = 0x1fffffff;

/** Controller status bits (data[1] of a CRTL-class error frame). */
export const CanControllerBits = {
  rxOverflow: 0x01,
  txOverflow: 0x02,
  rxWarning: 0x04,
  txWarning: 0x08,
  rxPassive: 0x10,
  txPassive: 0x20,
  active: 0x40,
} as const;

/** Protocol violation type bits (data[2] of a PROT-class error frame). */
export const CanProtocolViolationBits = {
  bit: 0x01,
  form: 0x02,
  stuff: 0x04,
  bit0: 0x08,
  bit1: 0x10,
  overload: 0x20,
  active: 0x40,
  tx: 0x80,
} as const;

/** Where in the frame a protocol violation happened (data[3]). */
export const CanProtocolLocation = {
  unspecified: 0x00,
  sof: 0x03,
  id28_21: 0x02,
  id20_18: 0x06,
  srtr: 0x04,
  ide: 0x05,
  id17_13: 0x07,
  id12_05: 0x0f,
  id04_00: 0x0e,
  rtr: 0x0c,
  res1: 0x0d,
  res0: 0x09,
  dlc: 0x0b,
  data: 0x0a,
  crcSeq: 0x08,
  crcDel: 0x18,
  ack: 0x19,
  ackDel: 0x1b,
  eof: 0x1a,
  intermission: 0x12,
} as const;

/** Name of a protocol violation location. */
export type CanProtocolLocationName = keyof typeof CanProtocolLocation;

/** Transceiver status (data[4]). */
export const CanTransceiverStatus = {
  unspecified: 0x00,
  canhNoWire: 0x04,
  canhShortToBat: 0x05,
  canhShortToVcc: 0x06,
  canhShortToGnd: 0x07,
  canlNoWire: 0x40,
  canlShortToBat: 0x50,
  canlShortToVcc: 0x60,
  canlShortToGnd: 0x70,
  canlShortToCanh: 0x80,
} as const;

/** Name of a transceiver status. */
export type CanTransceiverStatusName = keyof typeof CanTransceiverStatus;

/** Controller state bits (data[1]); each names the level reached. */
export type CanControllerFlags = { readonly [K in keyof typeof CanControllerBits]: boolean };

/** Protocol violation type bits (data[2]). */
export type CanProtocolViolation = { readonly [K in keyof typeof CanProtocolViolationBits]: boolean };

/**
 * The controller's overall state from the frame's bits, worst first: `'bus-off'` (BUSOFF class),
 * `'passive'`, `'warning'`, `'active'` (recovered), or `'unknown'` when the frame says nothing.
 */
export type CanControllerState = 'bus-off' | 'passive' | 'warning' | 'active' | 'unknown';

/** A decoded error frame. */
export interface CanErrorInfo {
  /** The raw error class bits (the frame's id). */
  readonly classes: number;
  /** TX timeout. */
  readonly txTimeout: boolean;
  /** Arbitration lost: the bit number (0 = unspecified) when the LOSTARB class is set, else undefined. */
  readonly arbitrationLostBit: number | undefined;
  /** Controller problems (CRTL class), else undefined. */
  readonly controller: CanControllerFlags | undefined;
  /** Summary of {@link CanErrorInfo.controller} and the BUSOFF class. */
  readonly state: CanControllerState;
  /** Protocol violation type (PROT class), else undefined. */
  readonly protocol: CanProtocolViolation | undefined;
  /** Protocol violation location (PROT class): a name, or the raw number when unknown. */
  readonly protocolLocation: CanProtocolLocationName | number | undefined;
  /** Transceiver status (TRX class): a name, or the raw number when unknown. */
  readonly transceiver: CanTransceiverStatusName | number | undefined;
  /** No ACK on transmission. */
  readonly noAck: boolean;
  /** Bus off. */
  readonly busOff: boolean;
  /** Bus error. */
  readonly busError: boolean;
  /** Controller restarted. */
  readonly restarted: boolean;
  /** TX error counter (data[6]) when the CNT class is set. */
  readonly txErrorCount: number | undefined;
  /** RX error counter (data[7]) when the CNT class is set. */
  readonly rxErrorCount: number | undefined;
  /** data[5]: controller-specific additional information. */
  readonly controllerSpecific: number;
}

function bitsOf<T extends Record<string, number>>(table: T, value: number): { readonly [K in keyof T]: boolean } {
  const out = {} as { [K in keyof T]: boolean };
  for (const k of Object.keys(table) as Array<keyof T>) out[k] = (value & table[k]!) !== 0;
  return out;
}

function nameOf<T extends Record<string, number>>(table: T, value: number): keyof T | number {
  for (const k of Object.keys(table) as Array<keyof T>) if (table[k] === value) return k;
  return value;
}

/**
 * Decodes an error frame into its typed parts.
 * @throws `SocketError` `ERR_RXSOCK_DECODE` for a frame that is not a classic error frame.
 */
export function decodeCanError(frame: CanFrame): CanErrorInfo {
  if (frame.kind !== 'classic' || !frame.error) throw decodeError('not an error frame (CAN_ERR_FLAG not set on a classic frame)');
  const c = frame.id;
  const d = (i: number): number => frame.data[i] ?? 0;
  const controller = c & CanErrorClass.CRTL ? bitsOf(CanControllerBits, d(1)) : undefined;
  const busOff = (c & CanErrorClass.BUSOFF) !== 0;
  let state: CanControllerState = 'unknown';
  if (busOff) state = 'bus-off';
  else if (controller?.rxPassive || controller?.txPassive) state = 'passive';
  else if (controller?.rxWarning || controller?.txWarning) state = 'warning';
  else if (controller?.active) state = 'active';
  const prot = (c & CanErrorClass.PROT) !== 0;
  const cnt = (c & CanErrorClass.CNT) !== 0;
  return {
    classes: c,
    txTimeout: (c & CanErrorClass.TX_TIMEOUT) !== 0,
    arbitrationLostBit: c & CanErrorClass.LOSTARB ? d(0) : undefined,
    controller,
    state,
    protocol: prot ? bitsOf(CanProtocolViolationBits, d(2)) : undefined,
    protocolLocation: prot ? (nameOf(CanProtocolLocation, d(3)) as CanProtocolLocationName | number) : undefined,
    transceiver: c & CanErrorClass.TRX ? (nameOf(CanTransceiverStatus, d(4)) as CanTransceiverStatusName | number) : undefined,
    noAck: (c & CanErrorClass.ACK) !== 0,
    busOff,
    busError: (c & CanErrorClass.BUSERROR) !== 0,
    restarted: (c & CanErrorClass.RESTARTED) !== 0,
    txErrorCount: cnt ? d(6) : undefined,
    rxErrorCount: cnt ? d(7) : undefined,
    controllerSpecific: d(5),
  };
}

/** Fields of {@link canErrorFrame}; each sets its class bit. */
export interface CanErrorInit {
  txTimeout?: boolean;
  arbitrationLostBit?: number;
  controller?: Partial<CanControllerFlags>;
  protocol?: Partial<CanProtocolViolation>;
  protocolLocation?: CanProtocolLocationName | number;
  transceiver?: CanTransceiverStatusName | number;
  noAck?: boolean;
  busOff?: boolean;
  busError?: boolean;
  restarted?: boolean;
  /** Both counters set the CNT class. */
  txErrorCount?: number;
  rxErrorCount?: number;
  controllerSpecific?: number;
}

function flagsOf<T extends Record<string, number>>(table: T, value: Partial<Record<keyof T, boolean>>): number {
  let out = 0;
  for (const k of Object.keys(table) as Array<keyof T>) if (value[k]) out |= table[k]!;
  return out;
}

function code<T extends Record<string, number>>(table: T, value: keyof T | number, what: string): number {
  const n = typeof value === 'number' ? value : table[value];
  if (n === undefined || !Number.isInteger(n) || n < 0 || n > 255) throw new CanFrameError(`${what}: ${String(value)} is not a known name or a byte`);
  return n;
}

/**
 * Builds the error frame (8 data bytes, as drivers send it) that {@link decodeCanError} reads
 * back as `init`.
 * @throws {@link CanFrameError} for a value that is neither a known name nor a byte.
 */
export function canErrorFrame(init: CanErrorInit): ClassicCanFrame {
  const data = new Uint8Array(8);
  let c = 0;
  if (init.txTimeout) c |= CanErrorClass.TX_TIMEOUT;
  if (init.arbitrationLostBit !== undefined) {
    c |= CanErrorClass.LOSTARB;
    data[0] = code({}, init.arbitrationLostBit, 'arbitrationLostBit');
  }
  if (init.controller) {
    c |= CanErrorClass.CRTL;
    data[1] = flagsOf(CanControllerBits, init.controller);
  }
  if (init.protocol || init.protocolLocation !== undefined) {
    c |= CanErrorClass.PROT;
    data[2] = flagsOf(CanProtocolViolationBits, init.protocol ?? {});
    data[3] = code(CanProtocolLocation, init.protocolLocation ?? 0, 'protocolLocation');
  }
  if (init.transceiver !== undefined) {
    c |= CanErrorClass.TRX;
    data[4] = code(CanTransceiverStatus, init.transceiver, 'transceiver');
  }
  if (init.noAck) c |= CanErrorClass.ACK;
  if (init.busOff) c |= CanErrorClass.BUSOFF;
  if (init.busError) c |= CanErrorClass.BUSERROR;
  if (init.restarted) c |= CanErrorClass.RESTARTED;
  if (init.txErrorCount !== undefined || init.rxErrorCount !== undefined) {
    c |= CanErrorClass.CNT;
    data[6] = code({}, init.txErrorCount ?? 0, 'txErrorCount');
    data[7] = code({}, init.rxErrorCount ?? 0, 'rxErrorCount');
  }
  data[5] = code({}, init.controllerSpecific ?? 0, 'controllerSpecific');
  return canFrame({ id: c, error: true, data });
}
