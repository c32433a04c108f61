/**
 * A reusable window onto one packet of a ring block: fields are read from the ring when asked
 * for, so walking a block allocates nothing unless the consumer takes the bytes out.
 */
import { packetTypeName, type PacketType } from '../address.js';
import { TpStatus } from '../constants.js';
import { nanoseconds, withVlanTag, type CapturedPacket, type VlanInfo } from '../packet.js';
import * as L from './layout.js';

/**
 * One packet inside a held ring block. The same object moves from packet to packet: read what
 * you need inside the callback, or {@link PacketCursor.copy} it out.
 */
export class PacketCursor {
  /** Byte offset of the packet's `tpacket3_hdr` in the ring. */
  header = 0;

  /** @internal */
  constructor(
    /** The whole ring, in place. */
    readonly ring: Buffer,
    private readonly u32: Uint32Array,
    private readonly u16: Uint16Array,
  ) {}

  /** Offset of the frame's first byte in {@link PacketCursor.ring}. */
  get offset(): number {
    return this.header + this.u16[(this.header + L.HDR_MAC) >>> 1]!;
  }

  /** Bytes of the frame in the ring (at most the snap length). */
  get captureLength(): number {
    return this.u32[(this.header + L.HDR_SNAPLEN) >>> 2]!;
  }

  /** The frame's length on the wire. */
  get length(): number {
    return this.u32[(this.header + L.HDR_LEN) >>> 2]!;
  }

  /** Seconds part of the kernel timestamp. */
  get seconds(): number {
    return this.u32[(this.header + L.HDR_SEC) >>> 2]!;
  }

  /** Nanoseconds part of the kernel timestamp. */
  get nanoseconds(): number {
    return this.u32[(this.header + L.HDR_NSEC) >>> 2]!;
  }

  /** The kernel timestamp in nanoseconds since the epoch. */
  get timestamp(): bigint {
    return nanoseconds(this.seconds, this.nanoseconds);
  }

  /** `tp_status` (TP_STATUS_VLAN_VALID, TP_STATUS_LOSING, ...). */
  get status(): number {
    return this.u32[(this.header + L.HDR_STATUS) >>> 2]!;
  }

  /** Interface index the frame was seen on. */
  get interfaceIndex(): number {
    return this.u32[(this.header + L.HDR_SLL + L.SLL_IFINDEX) >>> 2]! | 0;
  }

  /** EtherType in host order. */
  get protocol(): number {
    const at = this.header + L.HDR_SLL + L.SLL_PROTOCOL;
    return (this.ring[at]! << 8) | this.ring[at + 1]!;
  }

  /** `sll_pkttype` as a number (0 host ... 4 outgoing). */
  get packetTypeNumber(): number {
    return this.ring[this.header + L.HDR_SLL + L.SLL_PKTTYPE]!;
  }

  /** Who the frame was for. */
  get packetType(): PacketType {
    return packetTypeName(this.packetTypeNumber);
  }

  /** The VLAN tag the kernel stripped, or null. */
  get vlan(): VlanInfo | null {
    const status = this.status;
    if ((status & TpStatus.VLAN_VALID) === 0) return null;
    const tci = this.u32[(this.header + L.HDR_VLAN_TCI) >>> 2]! & 0xffff;
    const tpid = status & TpStatus.VLAN_TPID_VALID ? this.u16[(this.header + L.HDR_VLAN_TPID) >>> 1]! : 0x8100;
    return { tci, tpid };
  }

  /**
   * The frame: a view into the ring (valid while the block is held) or, for a frame whose VLAN
   * tag the kernel stripped, a copy with the tag put back.
   */
  get data(): Uint8Array {
    const start = this.offset;
    const end = start + this.captureLength;
    const vlan = this.vlan;
    return vlan === null ? this.ring.subarray(start, end) : withVlanTag(this.ring, start, end, vlan);
  }

  /** The packet as its own object, with its own copy of the bytes. */
  copy(): CapturedPacket {
    const start = this.offset;
    const end = start + this.captureLength;
    const vlan = this.vlan;
    return {
      data: vlan === null ? this.ring.slice(start, end) : withVlanTag(this.ring, start, end, vlan),
      length: this.length + (vlan === null ? 0 : 4),
      timestamp: this.timestamp,
      interfaceIndex: this.interfaceIndex,
      protocol: this.protocol,
      packetType: this.packetType,
      vlan,
    };
  }

  /** @internal Moves to the next packet of the block. */
  advance(): void {
    this.header += this.u32[(this.header + L.HDR_NEXT) >>> 2]!;
  }
}
