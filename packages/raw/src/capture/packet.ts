/**
 * One captured frame as both capture paths (the ring and recvmmsg) hand it on, and the pieces
 * they share: the VLAN tag put back into the frame, the packet type, the timestamp.
 */
import type { PacketType } from './address.js';

/** An 802.1Q/802.1ad tag the kernel took off the frame and reported beside it. */
export interface VlanInfo {
  /** Tag control information: priority (3 bits), DEI (1), VLAN id (12). */
  tci: number;
  /** Tag protocol identifier (0x8100 for 802.1Q, 0x88a8 for 802.1ad). */
  tpid: number;
}

/** A captured frame, its own copy (it outlives the ring block or receive batch it came from). */
export interface CapturedPacket {
  /**
   * The frame bytes, from the link-layer header on for SOCK_RAW (the network header for
   * SOCK_DGRAM), at most the snap length. A VLAN tag the kernel stripped is put back in.
   */
  data: Uint8Array;
  /** The frame's length on the wire (more than `data.length` when the snap length cut it). */
  length: number;
  /** Kernel receive time in nanoseconds since the epoch. */
  timestamp: bigint;
  /** Index of the interface it was seen on. */
  interfaceIndex: number;
  /** EtherType in host order. */
  protocol: number;
  /** Who the frame was for: `'host'`, `'broadcast'`, `'multicast'`, `'otherhost'`, `'outgoing'`... */
  packetType: PacketType;
  /** The VLAN tag the kernel stripped, or null when the frame had none. */
  vlan: VlanInfo | null;
}

/** `ARPHRD_ETHER`: frames with a 14-byte Ethernet header, where a VLAN tag goes after the MACs. */
export const ARPHRD_ETHER = 1;

/**
 * Copies `src[start, end)` into a new array with the 4-byte tag inserted after the two MAC
 * addresses, as the frame was on the wire. Frames shorter than two MACs are copied unchanged.
 */
export function withVlanTag(src: Uint8Array, start: number, end: number, vlan: VlanInfo): Uint8Array {
  const len = end - start;
  if (len < 12) return src.slice(start, end);
  const out = new Uint8Array(len + 4);
  out.set(src.subarray(start, start + 12), 0);
  out[12] = vlan.tpid >>> 8;
  out[13] = vlan.tpid & 0xff;
  out[14] = vlan.tci >>> 8;
  out[15] = vlan.tci & 0xff;
  out.set(src.subarray(start + 12, end), 16);
  return out;
}

const NS_PER_S = 1_000_000_000n;

/** Seconds and nanoseconds as one bigint of nanoseconds. */
export function nanoseconds(sec: number, nsec: number): bigint {
  return BigInt(sec) * NS_PER_S + BigInt(nsec);
}
