/**
 * The CAN frame types of `@rxsock/can` and their constructor helpers.
 *
 * A frame is a small plain object with `readonly` fields (not frozen: freezing costs per frame on
 * the receive path); `data` is a `Uint8Array` of exactly `len` bytes. Received frames are the
 * same objects with the receive metadata ({@link CanReceiveInfo}) as extra fields, so a received
 * frame is one allocation plus its data view, and can be sent again as it is.
 *
 * The socket API built on these types (`packages/can/src/socket`), names kept stable:
 *
 * ```ts
 * openCanRaw(options?: CanRawOptions): CanRawSocket         // socket(AF_CAN, SOCK_RAW, CAN_RAW),
 *                                                           // options set, then bind
 * interface CanRawOptions {
 *   interface?: string | number;        // 'vcan0', an ifindex, or 'any' / 0 / undefined: all
 *   filters?: CanFilter[];              // { id, mask, extended?, rtr?, inverted? }, up to 512
 *   joinFilters?: boolean;              // CAN_RAW_JOIN_FILTERS
 *   errorMask?: number;                 // CAN_RAW_ERR_FILTER (CAN_ERR_* class bits)
 *   loopback?: boolean; recvOwnMessages?: boolean;
 *   fdFrames?: boolean; xlFrames?: boolean;   // xl: typed ERR_RXSOCK_CAN_XL_UNSUPPORTED (Linux >= 6.2)
 *   timestamps?: boolean | 'hardware';  // SO_TIMESTAMPNS (default true) / SO_TIMESTAMPING
 *   receiveBufferSize?: number; forceReceiveBuffer?: boolean; sendBufferSize?: number;
 *   reader?: DatagramReaderOptions;     // batch size, queue limit, overflow policy
 *   writer?: CanWriterOptions;          // water marks, back-off
 * }
 * class CanRawSocket {
 *   readonly socket: Socket; readonly ifindex: number; readonly interfaceName: string;
 *   readonly frames$: Observable<ReceivedCanFrame>;    // DatagramReader: batches, ring, drops
 *   reader(options?): CanFrameReader;   // credit form: request(n), frames$, counters, kernelDrops$
 *   frames(options?): AsyncIterable<ReceivedCanFrame>;  // for await
 *   send(frame: CanFrame, ifindex?: number): Promise<void>;   // queued through the writer
 *   sendMany(frames: readonly CanFrame[]): Promise<void>;     // sendmmsg batches
 *   readonly writer: CanFrameWriter;    // write(frame): boolean, writable$, drain(), queued
 *   setFilters(filters: CanFilter[], joinFilters?: boolean): void;   // live change
 *   setErrorMask(mask: number): void;
 *   close(): void; [Symbol.dispose](): void;
 * }
 * ```
 */

/** Extended frame format flag in `can_id` (29-bit identifier). */
export const CAN_EFF_FLAG = 0x80000000;
/** Remote transmission request flag in `can_id`. */
export const CAN_RTR_FLAG = 0x40000000;
/** Error frame flag in `can_id`. */
export const CAN_ERR_FLAG = 0x20000000;
/** Mask of an 11-bit standard identifier. */
export const CAN_SFF_MASK = 0x7ff;
/** Mask of a 29-bit extended identifier. */
export const CAN_EFF_MASK = 0x1fffffff;
/** Mask of the error class bits of an error frame's `can_id`. */
export const CAN_ERR_MASK = 0x1fffffff;

/** CAN FD flag: bit rate switch (the data phase ran at the second bit rate). */
export const CANFD_BRS = 0x01;
/** CAN FD flag: error state indicator of the transmitting node. */
export const CANFD_ESI = 0x02;
/** CAN FD flag: marks a `canfd_frame` (set by newer kernels on every FD frame). */
export const CANFD_FDF = 0x04;
/** CAN XL flag: simple extended content (SEC). */
export const CANXL_SEC = 0x01;
/** CAN XL flag: marks a `canxl_frame`; always set. */
export const CANXL_XLF = 0x80;

/** Size of `struct can_frame`. */
export const CAN_MTU = 16;
/** Size of `struct canfd_frame`. */
export const CANFD_MTU = 72;
/** Size of `struct canxl_frame`'s header (before its data). */
export const CANXL_HDR_SIZE = 12;
/** Largest CAN XL payload. */
export const CANXL_MAX_DLEN = 2048;
/** Size of a full `struct canxl_frame`. */
export const CANXL_MTU = CANXL_HDR_SIZE + CANXL_MAX_DLEN;
/** Mask of a CAN XL priority (11 bits). */
export const CANXL_PRIO_MASK = 0x7ff;

/** Which of the three frame structures a frame is. */
export type CanFrameKind = 'classic' | 'fd' | 'xl';

/** A classic CAN 2.0 frame (`struct can_frame`), data or remote (RTR), or an error frame. */
export interface ClassicCanFrame {
  readonly kind: 'classic';
  /**
   * The identifier without flag bits: 11 bits (standard) or 29 bits (extended). For an error
   * frame, the error class bits (`CAN_ERR_*`).
   */
  readonly id: number;
  /** Extended (29-bit) identifier (`CAN_EFF_FLAG`). */
  readonly extended: boolean;
  /** Remote transmission request (`CAN_RTR_FLAG`); `data` is then empty and `len` the requested length. */
  readonly rtr: boolean;
  /** Error frame (`CAN_ERR_FLAG`); decode it with `decodeCanError`. */
  readonly error: boolean;
  /** Payload length 0..8 (for RTR: the requested length). */
  readonly len: number;
  /** The raw DLC 9..15 when `len` is 8 and the sender used one (`len8_dlc`), else 0. */
  readonly len8Dlc: number;
  /** The payload, `len` bytes (none for RTR). */
  readonly data: Uint8Array;
}

/** A CAN FD frame (`struct canfd_frame`). */
export interface CanFdFrame {
  readonly kind: 'fd';
  /** The identifier without flag bits: 11 or 29 bits (error class bits for an error frame). */
  readonly id: number;
  /** Extended (29-bit) identifier. */
  readonly extended: boolean;
  /** Error frame (`CAN_ERR_FLAG`); FD has no RTR. */
  readonly error: boolean;
  /** Bit rate switch (`CANFD_BRS`). */
  readonly brs: boolean;
  /** Error state indicator (`CANFD_ESI`). */
  readonly esi: boolean;
  /** Payload length: 0..8, 12, 16, 20, 24, 32, 48 or 64. */
  readonly len: number;
  /** The payload, `len` bytes. */
  readonly data: Uint8Array;
}

/** A CAN XL frame (`struct canxl_frame`, Linux >= 6.2). */
export interface CanXlFrame {
  readonly kind: 'xl';
  /** 11-bit priority (the arbitration field). */
  readonly prio: number;
  /** Virtual CAN network id (bits 16..23 of `prio` in the kernel structure), 0 when unused. */
  readonly vcid: number;
  /** Simple extended content (`CANXL_SEC`). */
  readonly sec: boolean;
  /** SDU type. */
  readonly sdt: number;
  /** Acceptance field (32 bits). */
  readonly af: number;
  /** Payload length 1..2048. */
  readonly len: number;
  /** The payload, `len` bytes. */
  readonly data: Uint8Array;
}

/** Any CAN frame. Switch on `kind`. */
export type CanFrame = ClassicCanFrame | CanFdFrame | CanXlFrame;

/**
 * What the kernel told about one received frame, read from the same `recvmmsg` as the frame.
 * Timestamps are split in seconds and nanoseconds (two numbers, no BigInt per frame); use
 * {@link timestampNs} for one bigint.
 */
export interface CanReceiveInfo {
  /** Index of the interface the frame came from (from the sender's `sockaddr_can`). */
  readonly ifindex: number;
  /** Name of that interface (`'vcan0'`), or `''` when unknown. */
  readonly interfaceName: string;
  /** Sent by this very socket (`MSG_CONFIRM`; needs `recvOwnMessages`). */
  readonly own: boolean;
  /** Sent from this host (`MSG_DONTROUTE`): a local echo rather than a frame from the bus. */
  readonly local: boolean;
  /** Kernel receive time, whole seconds since the epoch (SO_TIMESTAMPNS); 0 when not requested. */
  readonly timestampSec: number;
  /** Nanoseconds part of the kernel receive time, 0..999,999,999. */
  readonly timestampNsec: number;
  /** Hardware receive time, seconds (SO_TIMESTAMPING raw hardware stamp); 0 when the device gives none. */
  readonly hwTimestampSec: number;
  /** Nanoseconds part of the hardware receive time. */
  readonly hwTimestampNsec: number;
}

/** A received frame: the frame's fields plus {@link CanReceiveInfo}. */
export type ReceivedCanFrame<F extends CanFrame = CanFrame> = F & CanReceiveInfo;

/** The kernel receive time of a frame in nanoseconds since the epoch (0n when it has none). */
export function timestampNs(frame: Pick<CanReceiveInfo, 'timestampSec' | 'timestampNsec'>): bigint {
  return BigInt(frame.timestampSec) * 1_000_000_000n + BigInt(frame.timestampNsec);
}

/** Valid CAN FD payload lengths, indexed by DLC 0..15. */
export const CANFD_DLC_TO_LEN: readonly number[] = Object.freeze([0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64]);

/** The smallest DLC whose CAN FD length holds `len` bytes (0..64). */
export function canFdLenToDlc(len: number): number {
  for (let dlc = 0; dlc < 16; dlc++) if (CANFD_DLC_TO_LEN[dlc]! >= len) return dlc;
  return 15;
}

/** Whether `len` is one of the payload lengths CAN FD can carry exactly. */
export function isValidFdLength(len: number): boolean {
  return len <= 8 ? len >= 0 && Number.isInteger(len) : CANFD_DLC_TO_LEN.includes(len);
}

const EMPTY = new Uint8Array(0);

/** Fields of {@link canFrame}; only `id` is required. */
export interface ClassicCanFrameInit {
  id: number;
  /** Default: true when `id` does not fit 11 bits. */
  extended?: boolean;
  rtr?: boolean;
  error?: boolean;
  /** Payload (at most 8 bytes); default empty. */
  data?: ArrayLike<number>;
  /** For RTR frames: the requested length (default 0). Otherwise must equal the data length. */
  len?: number;
  /** Raw DLC 9..15 for an 8-byte frame (`len8_dlc`); default 0. */
  len8Dlc?: number;
}

/** Fields of {@link canFdFrame}; only `id` is required. */
export interface CanFdFrameInit {
  id: number;
  extended?: boolean;
  error?: boolean;
  brs?: boolean;
  esi?: boolean;
  /** Payload: 0..8, 12, 16, 20, 24, 32, 48 or 64 bytes (pad it with {@link padFdData}). */
  data?: ArrayLike<number>;
}

/** Fields of {@link canXlFrame}. */
export interface CanXlFrameInit {
  prio: number;
  vcid?: number;
  sec?: boolean;
  sdt?: number;
  af?: number;
  /** Payload, 1..2048 bytes. */
  data: ArrayLike<number>;
}

/** The typed error for a frame that cannot exist; `code` is `'ERR_RXSOCK_CAN_FRAME'`. */
export class CanFrameError extends Error {
  readonly code = 'ERR_RXSOCK_CAN_FRAME';
  constructor(message: string) {
    super(message);
    this.name = 'CanFrameError';
  }
}

function bytes(data: ArrayLike<number> | undefined): Uint8Array {
  if (data === undefined) return EMPTY;
  const out = Uint8Array.from(data);
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (!Number.isInteger(b) || b < 0 || b > 255) throw new CanFrameError(`data[${i}] is not a byte: ${String(b)}`);
  }
  return out;
}

function checkId(id: number, extended: boolean): void {
  const max = extended ? CAN_EFF_MASK : CAN_SFF_MASK;
  if (!Number.isInteger(id) || id < 0 || id > max) {
    throw new CanFrameError(`CAN id ${String(id)} out of range for a ${extended ? '29' : '11'}-bit identifier (0..0x${max.toString(16)})`);
  }
}

/**
 * A classic CAN frame.
 *
 * @example
 * ```ts
 * canFrame({ id: 0x123, data: [0xde, 0xad, 0xbe, 0xef] });
 * canFrame({ id: 0x1abcdef0, rtr: true, len: 4 });   // extended RTR, 4 bytes requested
 * ```
 * @throws {@link CanFrameError} for an id out of range, more than 8 bytes, RTR with data,
 * a bad `len` or `len8Dlc`.
 */
export function canFrame(init: ClassicCanFrameInit): ClassicCanFrame {
  const error = init.error ?? false;
  const extended = init.extended ?? (!error && init.id > CAN_SFF_MASK);
  if (error) {
    if (!Number.isInteger(init.id) || init.id < 0 || init.id > CAN_ERR_MASK) throw new CanFrameError(`error class ${String(init.id)} out of range`);
  } else checkId(init.id, extended);
  const rtr = init.rtr ?? false;
  if (rtr && error) throw new CanFrameError('a frame is either an RTR or an error frame, not both');
  const data = rtr ? EMPTY : bytes(init.data);
  if (rtr && init.data !== undefined && init.data.length > 0) throw new CanFrameError('an RTR frame carries no data');
  if (data.length > 8) throw new CanFrameError(`a classic CAN frame carries at most 8 bytes, got ${data.length}`);
  const len = init.len ?? data.length;
  if (!Number.isInteger(len) || len < 0 || len > 8) throw new CanFrameError(`len ${String(len)} out of range 0..8`);
  if (!rtr && len !== data.length) throw new CanFrameError(`len ${len} differs from the data length ${data.length}`);
  const len8Dlc = init.len8Dlc ?? 0;
  if (len8Dlc !== 0 && (!Number.isInteger(len8Dlc) || len8Dlc < 9 || len8Dlc > 15 || len !== 8)) {
    throw new CanFrameError(`len8Dlc ${String(len8Dlc)} must be 9..15 and needs len 8`);
  }
  return { kind: 'classic', id: init.id, extended, rtr, error, len, len8Dlc, data };
}

/**
 * A CAN FD frame.
 *
 * @example
 * ```ts
 * canFdFrame({ id: 0x123, brs: true, data: new Uint8Array(64) });
 * ```
 * @throws {@link CanFrameError} for an id out of range or a length CAN FD cannot carry.
 */
export function canFdFrame(init: CanFdFrameInit): CanFdFrame {
  const error = init.error ?? false;
  const extended = init.extended ?? (!error && init.id > CAN_SFF_MASK);
  if (error) {
    if (!Number.isInteger(init.id) || init.id < 0 || init.id > CAN_ERR_MASK) throw new CanFrameError(`error class ${String(init.id)} out of range`);
  } else checkId(init.id, extended);
  const data = bytes(init.data);
  if (!isValidFdLength(data.length)) {
    throw new CanFrameError(`a CAN FD frame carries 0..8, 12, 16, 20, 24, 32, 48 or 64 bytes, got ${data.length} (pad it with padFdData)`);
  }
  return { kind: 'fd', id: init.id, extended, error, brs: init.brs ?? false, esi: init.esi ?? false, len: data.length, data };
}

/** Pads `data` with zeros to the next length CAN FD can carry (as the kernel and cansend do). */
export function padFdData(data: ArrayLike<number>): Uint8Array {
  if (data.length > 64) throw new CanFrameError(`a CAN FD frame carries at most 64 bytes, got ${data.length}`);
  const out = new Uint8Array(CANFD_DLC_TO_LEN[canFdLenToDlc(data.length)]!);
  out.set(bytes(data));
  return out;
}

/**
 * A CAN XL frame (sending and receiving one needs Linux >= 6.2).
 * @throws {@link CanFrameError} for a field out of range or a payload outside 1..2048 bytes.
 */
export function canXlFrame(init: CanXlFrameInit): CanXlFrame {
  const { prio } = init;
  if (!Number.isInteger(prio) || prio < 0 || prio > CANXL_PRIO_MASK) throw new CanFrameError(`CAN XL prio ${String(prio)} out of range 0..0x7ff`);
  const vcid = init.vcid ?? 0;
  if (!Number.isInteger(vcid) || vcid < 0 || vcid > 0xff) throw new CanFrameError(`CAN XL vcid ${String(vcid)} out of range 0..255`);
  const sdt = init.sdt ?? 0;
  if (!Number.isInteger(sdt) || sdt < 0 || sdt > 0xff) throw new CanFrameError(`CAN XL sdt ${String(sdt)} out of range 0..255`);
  const af = init.af ?? 0;
  if (!Number.isInteger(af) || af < 0 || af > 0xffffffff) throw new CanFrameError(`CAN XL af ${String(af)} out of range (32 bits)`);
  const data = bytes(init.data);
  if (data.length < 1 || data.length > CANXL_MAX_DLEN) throw new CanFrameError(`a CAN XL frame carries 1..2048 bytes, got ${data.length}`);
  return { kind: 'xl', prio, vcid, sec: init.sec ?? false, sdt, af, len: data.length, data };
}

/** The `can_id` word of a classic or FD frame as the kernel stores it (flags included). */
export function canIdWord(frame: ClassicCanFrame | CanFdFrame): number {
  let word = frame.id;
  if (frame.extended) word |= CAN_EFF_FLAG;
  if (frame.kind === 'classic' && frame.rtr) word |= CAN_RTR_FLAG;
  if (frame.error) word |= CAN_ERR_FLAG;
  return word >>> 0;
}
