/**
 * Linux cooked-capture pseudo-headers (LINKTYPE_LINUX_SLL and LINUX_SLL2): what a capture file
 * stores before a frame that has no link-layer header of its own (a SOCK_DGRAM capture, a tunnel,
 * `-i any`). All fields are big-endian. SLL (16 bytes): packet type u16, ARPHRD u16, address
 * length u16, address[8], protocol u16. SLL2 (20 bytes): protocol u16, reserved u16, interface
 * index u32, ARPHRD u16, packet type u8, address length u8, address[8].
 */
import { decodeError, invalidArgument } from '@rxsock/core';

/** Size of the LINUX_SLL header. */
export const SLL_HEADER_LENGTH = 16;
/** Size of the LINUX_SLL2 header. */
export const SLL2_HEADER_LENGTH = 20;

/** The fields of a cooked header. */
export interface CookedHeader {
  /** `sll_pkttype`: 0 host, 1 broadcast, 2 multicast, 3 otherhost, 4 outgoing. */
  packetType: number;
  /** `ARPHRD_*` of the interface (1 Ethernet, 772 loopback). */
  hardwareType: number;
  /** The link-layer source address (up to 8 bytes; more are cut, as the kernel does). */
  address: Uint8Array;
  /** The protocol (EtherType) in host order. */
  protocol: number;
  /** The interface index (SLL2 only; 0 in SLL). */
  interfaceIndex: number;
}

function checkFields(h: CookedHeader): void {
  const ok = (v: unknown, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
  if (!ok(h.protocol, 0xffff) || !ok(h.hardwareType, 0xffff) || !ok(h.packetType, 0xff) || !ok(h.interfaceIndex, 0xffffffff)) {
    throw invalidArgument('a cooked header needs protocol and hardwareType 0..65535, packetType 0..255, interfaceIndex 0..2^32-1');
  }
}

/** Encodes a LINUX_SLL header. */
export function encodeSllHeader(h: CookedHeader): Uint8Array {
  checkFields(h);
  const b = new Uint8Array(SLL_HEADER_LENGTH);
  const v = new DataView(b.buffer);
  v.setUint16(0, h.packetType);
  v.setUint16(2, h.hardwareType);
  v.setUint16(4, h.address.length);
  b.set(h.address.subarray(0, 8), 6);
  v.setUint16(14, h.protocol);
  return b;
}

/** Encodes a LINUX_SLL2 header. */
export function encodeSll2Header(h: CookedHeader): Uint8Array {
  checkFields(h);
  const b = new Uint8Array(SLL2_HEADER_LENGTH);
  const v = new DataView(b.buffer);
  v.setUint16(0, h.protocol);
  v.setUint32(4, h.interfaceIndex);
  v.setUint16(8, h.hardwareType);
  b[10] = h.packetType;
  b[11] = Math.min(h.address.length, 255);
  b.set(h.address.subarray(0, 8), 12);
  return b;
}

/**
 * Decodes a LINUX_SLL header at the start of `data`.
 * @throws SocketError `ERR_RXSOCK_DECODE` when `data` is shorter than the header.
 */
export function decodeSllHeader(data: Uint8Array): CookedHeader {
  if (data.length < SLL_HEADER_LENGTH) throw decodeError(`LINUX_SLL header needs 16 bytes, got ${data.length}`);
  const v = new DataView(data.buffer, data.byteOffset, data.length);
  const halen = v.getUint16(4);
  return {
    packetType: v.getUint16(0),
    hardwareType: v.getUint16(2),
    address: data.slice(6, 6 + Math.min(halen, 8)),
    protocol: v.getUint16(14),
    interfaceIndex: 0,
  };
}

/**
 * Decodes a LINUX_SLL2 header at the start of `data`.
 * @throws SocketError `ERR_RXSOCK_DECODE` when `data` is shorter than the header.
 */
export function decodeSll2Header(data: Uint8Array): CookedHeader {
  if (data.length < SLL2_HEADER_LENGTH) throw decodeError(`LINUX_SLL2 header needs 20 bytes, got ${data.length}`);
  const v = new DataView(data.buffer, data.byteOffset, data.length);
  return {
    protocol: v.getUint16(0),
    interfaceIndex: v.getUint32(4),
    hardwareType: v.getUint16(8),
    packetType: data[10]!,
    address: data.slice(12, 12 + Math.min(data[11]!, 8)),
  };
}
