/** TCP headers (RFC 9293), checksummed over the IPv4 or IPv6 pseudo-header. */
import { checkField, put16, put32, u16, u32 } from './bytes.js';
import { foldChecksum, sumWords } from './checksum.js';
import { malformed, need } from './errors.js';
import type { IpContext } from './ip-context.js';
import { IpProtocol } from './numbers.js';
import { decodeTcpOptions, type TcpOption } from './tcp-options.js';

/** TCP flag bits, as in {@link TcpView.flags}. */
export const TcpFlags = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80, NS: 0x100 } as const;

/** The fields of a TCP header, for {@link buildPacket}. */
export interface TcpFields {
  /** Source port. */
  srcPort: number;
  /** Destination port. */
  dstPort: number;
  /** Sequence number. Default 0. */
  seq?: number;
  /** Acknowledgment number. Default 0. */
  ack?: number;
  /** Flag bits ({@link TcpFlags}; NS is 0x100). Default SYN. */
  flags?: number;
  /** Window. Default 65535. */
  window?: number;
  /** Urgent pointer. Default 0. */
  urgentPointer?: number;
  /** Options, as a list (padded to a multiple of 4) or raw bytes. */
  options?: TcpOption[] | Uint8Array;
  /** Data offset in 32-bit words. Default: from the options. */
  dataOffset?: number;
  /** Checksum. Default: computed over the pseudo-header when an IP layer is below, else 0. */
  checksum?: number;
}

/**
 * tcpdump's rendering of TCP flags, as in `Flags [S.]`: F S R P for FIN SYN RST PSH, `.` for
 * ACK, U E W for URG ECE CWR, in that order; `none` without flags.
 */
export function tcpdumpFlags(flags: number): string {
  let out = '';
  if (flags & TcpFlags.FIN) out += 'F';
  if (flags & TcpFlags.SYN) out += 'S';
  if (flags & TcpFlags.RST) out += 'R';
  if (flags & TcpFlags.PSH) out += 'P';
  if (flags & TcpFlags.ACK) out += '.';
  if (flags & TcpFlags.URG) out += 'U';
  if (flags & TcpFlags.ECE) out += 'E';
  if (flags & TcpFlags.CWR) out += 'W';
  return out || 'none';
}

/**
 * A lazy view of a TCP segment. `end` is where the IP payload ends; pass the IP view as `ip` to
 * verify the checksum.
 *
 * @throws {@link PacketDecodeError} `truncated` when the bytes end inside the header (options
 *   included), `malformed` for a data offset below 5.
 */
export class TcpView {
  /** Header length in bytes (data offset * 4). */
  readonly headerLength: number;

  constructor(
    /** The buffer holding the segment. */
    readonly bytes: Uint8Array,
    /** Offset of the TCP header in `bytes`. */
    readonly offset = 0,
    /** End of the IP payload or of the captured bytes (exclusive). */
    readonly end = bytes.length,
    /** The IP header under this one, for the checksum. */
    readonly ip?: IpContext,
  ) {
    need('tcp', offset, end, 20);
    const words = (bytes[offset + 12] as number) >>> 4;
    if (words < 5) throw malformed('tcp', offset, `data offset ${words} is below 5`);
    need('tcp', offset, end, words * 4);
    this.headerLength = words * 4;
  }

  /** Source port. */
  get srcPort(): number {
    return u16(this.bytes, this.offset);
  }
  /** Destination port. */
  get dstPort(): number {
    return u16(this.bytes, this.offset + 2);
  }
  /** Sequence number. */
  get seq(): number {
    return u32(this.bytes, this.offset + 4);
  }
  /** Acknowledgment number. */
  get ack(): number {
    return u32(this.bytes, this.offset + 8);
  }
  /** Data offset in 32-bit words. */
  get dataOffset(): number {
    return this.headerLength / 4;
  }
  /** Flag bits ({@link TcpFlags}), NS included as 0x100. */
  get flags(): number {
    return (((this.bytes[this.offset + 12] as number) & 1) << 8) | (this.bytes[this.offset + 13] as number);
  }
  /** Window. */
  get window(): number {
    return u16(this.bytes, this.offset + 14);
  }
  /** Checksum field. */
  get checksum(): number {
    return u16(this.bytes, this.offset + 16);
  }
  /** Urgent pointer. */
  get urgentPointer(): number {
    return u16(this.bytes, this.offset + 18);
  }
  /** The option bytes (a subarray). */
  get optionBytes(): Uint8Array {
    return this.bytes.subarray(this.offset + 20, this.offset + this.headerLength);
  }
  /**
   * The options, decoded (a list built on each access).
   *
   * @throws {@link PacketDecodeError} `malformed` for an option whose length does not fit.
   */
  get options(): TcpOption[] {
    return decodeTcpOptions(this.bytes, this.offset + 20, this.offset + this.headerLength, (at, detail) => {
      throw malformed('tcp', at, detail);
    });
  }
  /** Offset of the payload in `bytes`. */
  get payloadOffset(): number {
    return this.offset + this.headerLength;
  }
  /** The payload (a subarray of `bytes`). */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + this.headerLength, this.end);
  }
  /** Whether the checksum is correct; `null` without an IP layer or when the IP payload is truncated or a fragment. */
  get checksumValid(): boolean | null {
    const ip = this.ip;
    if (!ip || !ip.payloadComplete) return null;
    const length = this.end - this.offset;
    return foldChecksum(sumWords(this.bytes, this.offset, this.end, ip.pseudoHeaderSum(IpProtocol.TCP, length))) === 0;
  }
}

/** @internal Writes the header (the checksum is filled in later by the packet builder). */
export function writeTcp(b: Uint8Array, at: number, f: TcpFields, options: Uint8Array): number {
  put16(b, at, checkField(f.srcPort, 0xffff, 'tcp.srcPort'));
  put16(b, at + 2, checkField(f.dstPort, 0xffff, 'tcp.dstPort'));
  put32(b, at + 4, checkField(f.seq ?? 0, 0xffffffff, 'tcp.seq'));
  put32(b, at + 8, checkField(f.ack ?? 0, 0xffffffff, 'tcp.ack'));
  const flags = checkField(f.flags ?? TcpFlags.SYN, 0x1ff, 'tcp.flags');
  const words = checkField(f.dataOffset ?? 5 + options.length / 4, 15, 'tcp.dataOffset');
  b[at + 12] = (words << 4) | (flags >>> 8);
  b[at + 13] = flags & 0xff;
  put16(b, at + 14, checkField(f.window ?? 65535, 0xffff, 'tcp.window'));
  put16(b, at + 16, 0);
  put16(b, at + 18, checkField(f.urgentPointer ?? 0, 0xffff, 'tcp.urgentPointer'));
  b.set(options, at + 20);
  return at + 20 + options.length;
}
