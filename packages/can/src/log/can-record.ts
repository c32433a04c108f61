/**
 * The packet payload of LINKTYPE_CAN_SOCKETCAN (227), the link type of CAN captures in pcap and
 * pcapng files (tcpdump -i can0, Wireshark, candump-to-pcap tools):
 *
 * - classic and FD: `can_id` with its flag bits **big-endian** @0, payload length @4, FD flags
 *   @5 (BRS 1, ESI 2, FDF 4), reserved @6, `len8_dlc` @7, payload @8, then padding;
 * - XL (bit 0x80 of byte 4 set): priority/VCID big-endian u32 @0, flags @4, SDU type @5, payload
 *   length **little-endian** u16 @6, acceptance field little-endian u32 @8, payload @12.
 *
 * Records are written the size the kernel hands a capture (16 bytes classic, 72 FD, 12 + length
 * XL), so readers that predate the FDF flag still tell classic from FD by size.
 */
import {
  CAN_EFF_FLAG,
  CAN_EFF_MASK,
  CAN_ERR_FLAG,
  CAN_ERR_MASK,
  CAN_RTR_FLAG,
  CAN_SFF_MASK,
  CANFD_DLC_TO_LEN,
  CANFD_MTU,
  CAN_MTU,
  CANXL_HDR_SIZE,
  CANXL_MAX_DLEN,
  canFdLenToDlc,
  canXlFrame,
  canIdWord,
  type CanFdFrame,
  type CanFrame,
  type ClassicCanFrame,
} from '../codec/frame.js';
import { CanLogError } from './errors.js';

/** The pcap/pcapng link type of SocketCAN frames. */
export const LINKTYPE_CAN_SOCKETCAN = 227;

const FDF = 0x04;
const XLF = 0x80;
const EMPTY = new Uint8Array(0);

/** Size of the record {@link encodeCanRecord} writes for a frame. */
export function canRecordSize(frame: CanFrame): number {
  return frame.kind === 'classic' ? CAN_MTU : frame.kind === 'fd' ? CANFD_MTU : CANXL_HDR_SIZE + frame.data.length;
}

/**
 * Encodes a frame as a LINKTYPE_CAN_SOCKETCAN packet.
 * @param out - Where to write (at least {@link canRecordSize} bytes); a new array by default.
 * @returns The record (a view of `out` when given).
 */
export function encodeCanRecord(frame: CanFrame, out?: Uint8Array): Uint8Array {
  const size = canRecordSize(frame);
  const b = out === undefined ? new Uint8Array(size) : out.subarray(0, size);
  if (b.length < size) throw new RangeError(`a ${frame.kind} CAN record needs ${size} bytes, got ${b.length}`);
  b.fill(0);
  if (frame.kind === 'xl') {
    const word = ((frame.vcid & 0xff) << 16) | (frame.prio & 0x7ff);
    be32(b, 0, word);
    b[4] = XLF | (frame.sec ? 1 : 0);
    b[5] = frame.sdt & 0xff;
    b[6] = frame.data.length & 0xff;
    b[7] = frame.data.length >>> 8;
    le32(b, 8, frame.af);
    b.set(frame.data, CANXL_HDR_SIZE);
    return b;
  }
  be32(b, 0, canIdWord(frame));
  if (frame.kind === 'classic') {
    b[4] = frame.len;
    b[7] = frame.len === 8 ? frame.len8Dlc : 0;
    if (!frame.rtr) b.set(frame.data.subarray(0, 8), 8);
  } else {
    b[4] = frame.data.length;
    b[5] = FDF | (frame.brs ? 1 : 0) | (frame.esi ? 2 : 0);
    b.set(frame.data.subarray(0, 64), 8);
  }
  return b;
}

function be32(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 24;
  b[off + 1] = (v >>> 16) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}

function le32(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = v >>> 24;
}

function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < Math.min(b.length, 24); i++) s += b[i]!.toString(16).padStart(2, '0');
  return b.length > 24 ? `${s}...` : s;
}

function bad(reason: string, b: Uint8Array): never {
  throw new CanLogError(`not a LINKTYPE_CAN_SOCKETCAN record: ${reason}`, 0, hex(b));
}

/**
 * Decodes a LINKTYPE_CAN_SOCKETCAN packet. Classic vs FD follows the link type's rules: the FDF
 * flag, else a 72-byte record (writers older than FDF), else a length above 8. FD payloads of a
 * length CAN FD cannot carry are padded with zeros, as the kernel pads them.
 *
 * @param record - The captured bytes (header and payload, padding allowed).
 * @throws {@link CanLogError} `ERR_RXSOCK_DECODE` for a record shorter than its header or its
 * payload length, or a classic frame over 8 bytes.
 */
export function decodeCanRecord(record: Uint8Array): CanFrame {
  if (record.length < 8) bad(`${record.length} bytes, fewer than the 8-byte header`, record);
  const word = (record[0]! * 0x1000000 + ((record[1]! << 16) | (record[2]! << 8) | record[3]!)) >>> 0;
  if ((record[4]! & XLF) !== 0) {
    if (record.length < CANXL_HDR_SIZE) bad(`${record.length} bytes, fewer than the 12-byte CAN XL header`, record);
    const len = record[6]! | (record[7]! << 8);
    if (len < 1 || len > CANXL_MAX_DLEN) bad(`CAN XL payload length ${len} outside 1..2048`, record);
    if (CANXL_HDR_SIZE + len > record.length) bad(`CAN XL payload length ${len} runs past the record's ${record.length} bytes`, record);
    return canXlFrame({
      prio: word & 0x7ff,
      vcid: (word >>> 16) & 0xff,
      sec: (record[4]! & 1) !== 0,
      sdt: record[5]!,
      af: (record[8]! | (record[9]! << 8) | (record[10]! << 16) | (record[11]! << 24)) >>> 0,
      data: record.subarray(CANXL_HDR_SIZE, CANXL_HDR_SIZE + len),
    });
  }
  const len = record[4]!;
  const flags = record[5]!;
  const fd = (flags & FDF) !== 0 || record.length === CANFD_MTU || len > 8;
  if (8 + len > record.length && !(fd === false && (word & CAN_RTR_FLAG) !== 0)) {
    bad(`payload length ${len} runs past the record's ${record.length} bytes`, record);
  }
  const error = (word & CAN_ERR_FLAG) !== 0;
  const extended = (word & CAN_EFF_FLAG) !== 0;
  const id = error ? word & CAN_ERR_MASK : extended ? word & CAN_EFF_MASK : word & CAN_SFF_MASK;
  if (fd) {
    if (len > 64) bad(`CAN FD payload length ${len} over 64`, record);
    const padded = CANFD_DLC_TO_LEN[canFdLenToDlc(len)]!;
    const data = new Uint8Array(padded);
    data.set(record.subarray(8, 8 + len));
    const frame: CanFdFrame = { kind: 'fd', id, extended, error, brs: (flags & 1) !== 0, esi: (flags & 2) !== 0, len: padded, data };
    return frame;
  }
  const rtr = (word & CAN_RTR_FLAG) !== 0;
  const dlc = record[7]!;
  const frame: ClassicCanFrame = {
    kind: 'classic',
    id,
    extended,
    rtr,
    error,
    len,
    len8Dlc: len === 8 && dlc > 8 && dlc <= 15 ? dlc : 0,
    data: rtr ? EMPTY : record.slice(8, 8 + len),
  };
  return frame;
}
