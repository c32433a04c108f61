/** UDP headers (RFC 768), checksummed over the IPv4 or IPv6 pseudo-header. */
import { checkField, put16, u16 } from './bytes.js';
import { foldChecksum, sumWords } from './checksum.js';
import { need } from './errors.js';
import type { IpContext } from './ip-context.js';
import { IpProtocol } from './numbers.js';

/** The fields of a UDP header, for {@link buildPacket}. */
export interface UdpFields {
  /** Source port. */
  srcPort: number;
  /** Destination port. */
  dstPort: number;
  /** Length field. Default: header plus payload. */
  length?: number;
  /** Checksum. Default: computed over the pseudo-header when an IP layer is below, else 0. */
  checksum?: number;
}

/** The UDP header is 8 bytes. */
export const UDP_HEADER_LENGTH = 8;

/**
 * A lazy view of a UDP datagram. `end` is where the IP payload ends; pass the IP view as `ip` to
 * verify the checksum.
 *
 * @throws {@link PacketDecodeError} `truncated` when fewer than 8 bytes are there.
 */
export class UdpView {
  /** Always 8. */
  readonly headerLength = UDP_HEADER_LENGTH;

  constructor(
    /** The buffer holding the datagram. */
    readonly bytes: Uint8Array,
    /** Offset of the UDP header in `bytes`. */
    readonly offset = 0,
    /** End of the IP payload or of the captured bytes (exclusive). */
    readonly end = bytes.length,
    /** The IP header under this one, for the checksum. */
    readonly ip?: IpContext,
  ) {
    need('udp', offset, end, UDP_HEADER_LENGTH);
  }

  /** Source port. */
  get srcPort(): number {
    return u16(this.bytes, this.offset);
  }
  /** Destination port. */
  get dstPort(): number {
    return u16(this.bytes, this.offset + 2);
  }
  /** Length field (header and payload). */
  get length(): number {
    return u16(this.bytes, this.offset + 4);
  }
  /** Checksum field (0 over IPv4 means none was computed). */
  get checksum(): number {
    return u16(this.bytes, this.offset + 6);
  }
  /** Whether the length field runs past the bytes there are. */
  get truncated(): boolean {
    return this.offset + this.length > this.end;
  }
  /** End of the payload: the length field when it is sane, else the end of the bytes. */
  get payloadEnd(): number {
    const length = this.length;
    return length >= UDP_HEADER_LENGTH ? Math.min(this.offset + length, this.end) : this.end;
  }
  /** Offset of the payload in `bytes`. */
  get payloadOffset(): number {
    return this.offset + UDP_HEADER_LENGTH;
  }
  /** The payload (a subarray of `bytes`). */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + UDP_HEADER_LENGTH, this.payloadEnd);
  }
  /**
   * Whether the checksum is correct; `null` when it cannot be told: no IP layer was given, the
   * datagram is truncated or a fragment, or (over IPv4) the sender sent no checksum.
   */
  get checksumValid(): boolean | null {
    const ip = this.ip;
    if (!ip || !ip.payloadComplete || this.truncated || this.length < UDP_HEADER_LENGTH) return null;
    if (ip.version === 4 && this.checksum === 0) return null;
    const length = this.length;
    return foldChecksum(sumWords(this.bytes, this.offset, this.offset + length, ip.pseudoHeaderSum(IpProtocol.UDP, length))) === 0;
  }
}

/** @internal Writes the header (the checksum is filled in later by the packet builder). */
export function writeUdp(b: Uint8Array, at: number, f: UdpFields, length: number): number {
  put16(b, at, checkField(f.srcPort, 0xffff, 'udp.srcPort'));
  put16(b, at + 2, checkField(f.dstPort, 0xffff, 'udp.dstPort'));
  put16(b, at + 4, checkField(f.length ?? length, 0xffff, 'udp.length'));
  put16(b, at + 6, 0);
  return at + UDP_HEADER_LENGTH;
}
