/**
 * The SOL_PACKET option structures, encoded and decoded at explicit offsets (host order, as
 * `linux/if_packet.h` declares them). Pure functions: no socket here.
 */
import { invalidArgument } from '@rxsock/core';
import { parseMac } from '../codec/bytes.js';
import { FanoutFlag, FanoutMode, Membership } from './constants.js';

/** A PACKET_ADD_MEMBERSHIP request. */
export interface MembershipRequest {
  /** Interface index. */
  interfaceIndex: number;
  /** `'promiscuous'`, `'all-multicast'`, or `'multicast'` with its link-layer group address. */
  kind: 'promiscuous' | 'all-multicast' | 'multicast';
  /** The multicast MAC (`01:00:5e:...`), for `'multicast'`. */
  address?: string;
}

/** `struct packet_mreq` (16 bytes): ifindex i32, type u16, alen u16, address[8]. */
export function encodeMembership(m: MembershipRequest): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setInt32(0, m.interfaceIndex, true);
  const type = m.kind === 'promiscuous' ? Membership.PROMISC : m.kind === 'all-multicast' ? Membership.ALLMULTI : Membership.MULTICAST;
  v.setUint16(4, type, true);
  if (m.kind === 'multicast') {
    if (m.address === undefined) throw invalidArgument('a multicast membership needs the group address', 'setsockopt');
    const mac = parseMac(m.address);
    v.setUint16(6, mac.length, true);
    b.set(mac, 8);
  }
  return b;
}

/** How packets are spread over the sockets of a fanout group. */
export type FanoutModeName = keyof typeof FanoutMode;

/** PACKET_FANOUT: sockets (in one process or several) that share the traffic of one interface. */
export interface FanoutOptions {
  /** Group id, 0..65535, shared by every member. */
  group: number;
  /**
   * `'hash'` (by flow: both directions of a connection go to one socket; the default),
   * `'load-balance'` (round robin), `'cpu'` (by receiving CPU), `'rollover'` (fill one socket,
   * then the next), `'random'`, `'queue'` (by NIC receive queue).
   */
  mode?: FanoutModeName;
  /** Move packets to another member when this one's queue is full (PACKET_FANOUT_FLAG_ROLLOVER). */
  rollover?: boolean;
  /** Reassemble IP fragments before hashing, so a fragmented datagram stays on one socket. */
  defrag?: boolean;
  /** Skip packets this host sends (PACKET_FANOUT_FLAG_IGNORE_OUTGOING). */
  ignoreOutgoing?: boolean;
  /** Let the kernel pick an unused group id (PACKET_FANOUT_FLAG_UNIQUEID); read it with `fanoutGroup`. */
  uniqueId?: boolean;
}

/** The PACKET_FANOUT int: `group | (mode | flags) << 16`. */
export function encodeFanout(o: FanoutOptions): number {
  if (!Number.isInteger(o.group) || o.group < 0 || o.group > 0xffff) throw invalidArgument(`fanout group must be 0..65535, got ${String(o.group)}`, 'setsockopt');
  const mode = FanoutMode[o.mode ?? 'hash'];
  if (mode === undefined) throw invalidArgument(`unknown fanout mode ${String(o.mode)}`, 'setsockopt');
  let flags = 0;
  if (o.rollover) flags |= FanoutFlag.ROLLOVER;
  if (o.defrag) flags |= FanoutFlag.DEFRAG;
  if (o.ignoreOutgoing) flags |= FanoutFlag.IGNORE_OUTGOING;
  if (o.uniqueId) flags |= FanoutFlag.UNIQUEID;
  return (o.group | ((mode | flags) << 16)) >>> 0;
}

/** The kernel's PACKET_STATISTICS counters since the last read (it resets them on read). */
export interface RawPacketStatistics {
  /** Packets that passed the filter, dropped ones included. */
  packets: number;
  /** Packets dropped for want of room (receive buffer or ring). */
  drops: number;
  /** TPACKET_V3 only: times the ring froze its queue (all blocks held by user space). */
  freezes: number;
}

/** Decodes `struct tpacket_stats` (8 bytes) or `tpacket_stats_v3` (12 bytes). */
export function decodeStatistics(b: Uint8Array, length: number): RawPacketStatistics {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    packets: length >= 4 ? v.getUint32(0, true) : 0,
    drops: length >= 8 ? v.getUint32(4, true) : 0,
    freezes: length >= 12 ? v.getUint32(8, true) : 0,
  };
}

/** The geometry of a TPACKET_V3 receive ring. */
export interface RingGeometry {
  blockSize: number;
  blockCount: number;
  frameSize: number;
  retireTimeoutMs: number;
}

/** `struct tpacket_req3` (28 bytes). */
export function encodeRingRequest(g: RingGeometry): Uint8Array {
  const b = new Uint8Array(28);
  const v = new DataView(b.buffer);
  v.setUint32(0, g.blockSize, true);
  v.setUint32(4, g.blockCount, true);
  v.setUint32(8, g.frameSize, true);
  v.setUint32(12, (g.blockSize / g.frameSize) * g.blockCount, true);
  v.setUint32(16, g.retireTimeoutMs, true);
  v.setUint32(20, 0, true); // tp_sizeof_priv
  v.setUint32(24, 0, true); // tp_feature_req_word
  return b;
}
