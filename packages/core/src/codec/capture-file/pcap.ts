import { hostLittleEndian, NO_OPTIONS, NO_STRINGS, put16, put32, u16, u32, view } from './bytes.js';
import { badCapture, badRecord } from './errors.js';
import { checkInt } from './options.js';
import type {
  CaptureInterface,
  CaptureInterfaceInit,
  CapturePacket,
  CapturePacketInit,
  CaptureRecordInit,
  CaptureSection,
} from './records.js';
import { MICROSECONDS, NANOSECONDS } from './timestamp.js';

/** pcap's microsecond magic number. */
export const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
/** pcap's nanosecond magic number. */
export const PCAP_MAGIC_NANOSECONDS = 0xa1b23c4d;
/** Size of the pcap file header. */
export const PCAP_HEADER_SIZE = 24;
/** Size of a pcap record header. */
export const PCAP_RECORD_HEADER_SIZE = 16;
/** tcpdump's default snap length. */
export const DEFAULT_SNAPLEN = 262144;

/** What a pcap file header says. */
export interface PcapHeader {
  /** Byte order of every field in the file. */
  readonly littleEndian: boolean;
  /** Whether record timestamps hold nanoseconds (else microseconds). */
  readonly nanosecond: boolean;
  /** The two records a pcap header reads as. */
  readonly section: CaptureSection;
  /** See {@link PcapHeader.section}. */
  readonly interface: CaptureInterface;
}

/** Which pcap magic, if any, the first four bytes hold. */
export function pcapMagic(b: Uint8Array, off = 0): { littleEndian: boolean; nanosecond: boolean } | undefined {
  const be = u32(b, off, false);
  const le = u32(b, off, true);
  if (be === PCAP_MAGIC_MICROSECONDS || le === PCAP_MAGIC_MICROSECONDS) {
    return { littleEndian: le === PCAP_MAGIC_MICROSECONDS, nanosecond: false };
  }
  if (be === PCAP_MAGIC_NANOSECONDS || le === PCAP_MAGIC_NANOSECONDS) {
    return { littleEndian: le === PCAP_MAGIC_NANOSECONDS, nanosecond: true };
  }
  return undefined;
}

/** Parses the 24-byte file header at `b[0..24)`. */
export function parsePcapHeader(b: Uint8Array): PcapHeader {
  const magic = pcapMagic(b);
  if (magic === undefined) {
    const m = u32(b, 0, false);
    if (m === 0xa1b2cd34 || m === 0x34cdb2a1) {
      throw badCapture('Kuznetzov\'s "modified" pcap format (magic a1b2cd34) is not supported', 0);
    }
    throw badCapture(`not a pcap file: magic ${m.toString(16).padStart(8, '0')}`, 0);
  }
  const { littleEndian: le, nanosecond } = magic;
  const majorVersion = u16(b, 4, le);
  const minorVersion = u16(b, 6, le);
  if (majorVersion !== 2) throw badCapture(`pcap version ${majorVersion}.${minorVersion} is not 2.x`, 0);
  const snapLen = u32(b, 16, le);
  const field = u32(b, 20, le);
  const fcs = (field & 0x10000000) !== 0 ? ((field >>> 29) & 7) * 2 : undefined;
  const section: CaptureSection = {
    type: 'section',
    format: 'pcap',
    littleEndian: le,
    majorVersion,
    minorVersion,
    sectionLength: -1n,
    comments: NO_STRINGS,
    options: NO_OPTIONS,
  };
  const iface: CaptureInterface = {
    type: 'interface',
    id: 0,
    linkType: field & 0xffff,
    snapLen,
    tsResolution: nanosecond ? NANOSECONDS : MICROSECONDS,
    tsOffset: 0n,
    ...(fcs !== undefined ? { fcsLength: fcs } : {}),
    comments: NO_STRINGS,
    options: NO_OPTIONS,
  };
  return { littleEndian: le, nanosecond, section, interface: iface };
}

/** The caplen of the record header at `b[off..off+16)`. */
export function pcapRecordLength(b: Uint8Array, off: number, le: boolean): number {
  return u32(b, off + 8, le);
}

/** Parses one record (header and data) that fills `b` exactly. */
export function parsePcapRecord(b: Uint8Array, header: PcapHeader): CapturePacket {
  const le = header.littleEndian;
  const seconds = u32(b, 0, le);
  const fraction = u32(b, 4, le);
  const ticks = header.nanosecond
    ? BigInt(seconds) * 1_000_000_000n + BigInt(fraction)
    : BigInt(seconds * 1_000_000 + fraction); // < 2^53: exact as a number
  return {
    type: 'packet',
    interfaceId: 0,
    linkType: header.interface.linkType,
    timestamp: header.nanosecond ? ticks : ticks * 1000n,
    ticks,
    data: view(b, PCAP_RECORD_HEADER_SIZE, b.length),
    originalLength: u32(b, 12, le),
    block: 'pcap',
    comments: NO_STRINGS,
    options: NO_OPTIONS,
  };
}

/** Options of {@link PcapEncoder}. */
export interface PcapEncoderOptions {
  /** LINKTYPE_ of the file; may instead come from the first `interface` record encoded. */
  linkType?: number;
  /** Snap length; default 262144. Packet data longer than this is cut to it. */
  snapLen?: number;
  /**
   * Nanosecond timestamps (magic a1b23c4d), the default, so kernel timestamps lose nothing;
   * false writes microseconds (a1b2c3d4), which the oldest readers need.
   */
  nanosecond?: boolean;
  /** Byte order; default this machine's, as libpcap writes. */
  littleEndian?: boolean;
  /** FCS length in bytes at the end of each packet (an even number up to 14), recorded in the header. */
  fcsLength?: number;
}

/**
 * Encodes a pcap file: {@link PcapEncoder.header} once, then {@link PcapEncoder.packet} per
 * packet, each returning the bytes to write. {@link PcapEncoder.encode} takes decoded records as
 * they are (`section` writes nothing, the first `interface` writes the header), so a pcapng
 * file with one link type converts to pcap by piping its records through.
 */
export class PcapEncoder {
  /** The container this encoder writes. */
  readonly format = 'pcap' as const;
  /** Byte order of the file. */
  readonly littleEndian: boolean;
  private nanos: boolean | undefined;
  private linkType: number | undefined;
  private snapLen: number;
  private fcsLength: number | undefined;
  private headerDone = false;

  /** @param options - Link type, snap length, timestamp unit and byte order. */
  constructor(options: PcapEncoderOptions = {}) {
    this.littleEndian = options.littleEndian ?? hostLittleEndian;
    this.nanos = options.nanosecond;
    this.snapLen = checkInt(options.snapLen ?? 262144, 0xffffffff, 'snapLen');
    if (options.linkType !== undefined) this.linkType = checkInt(options.linkType, 0xffff, 'linkType');
    if (options.fcsLength !== undefined) this.fcsLength = checkFcs(options.fcsLength);
  }

  /**
   * Whether timestamps are written in nanoseconds: the `nanosecond` option, else microseconds when
   * the interface record given to {@link PcapEncoder.header} has microsecond resolution, else true.
   */
  get nanosecond(): boolean {
    return this.nanos ?? true;
  }

  /** Whether the file header has been produced. */
  get headerWritten(): boolean {
    return this.headerDone;
  }

  /**
   * The 24-byte file header. `iface` overrides the link type, snap length and FCS length given to
   * the constructor. Call once, first.
   * @throws {@link CaptureFileError} `ERR_RXSOCK_FRAME_INVALID` without a link type or when called twice.
   */
  header(iface?: CaptureInterfaceInit): Uint8Array {
    if (this.headerDone) throw badRecord('a pcap file has one header (and one interface)');
    if (iface !== undefined) {
      this.linkType = checkInt(iface.linkType, 0xffff, 'linkType');
      if (iface.snapLen !== undefined) this.snapLen = checkInt(iface.snapLen, 0xffffffff, 'snapLen');
      if (iface.fcsLength !== undefined) this.fcsLength = checkFcs(iface.fcsLength);
      const res = iface.tsResolution;
      // Timestamps travel as nanoseconds, so any resolution can be written; keep a microsecond
      // source microsecond unless told otherwise, so that a pcap file copies to the same bytes.
      if (this.nanos === undefined && res !== undefined) this.nanos = !(res.base === 10 && res.exponent <= 6);
    }
    if (this.linkType === undefined) throw badRecord('a pcap header needs a linkType');
    this.nanos ??= true;
    const le = this.littleEndian;
    const b = new Uint8Array(24);
    put32(b, 0, this.nanosecond ? PCAP_MAGIC_NANOSECONDS : PCAP_MAGIC_MICROSECONDS, le);
    put16(b, 4, 2, le);
    put16(b, 6, 4, le);
    put32(b, 16, this.snapLen, le);
    const fcs = this.fcsLength === undefined ? 0 : (0x10000000 | ((this.fcsLength / 2) << 29)) >>> 0;
    put32(b, 20, (this.linkType | fcs) >>> 0, le);
    this.headerDone = true;
    return b;
  }

  /**
   * One record: the 16-byte header and the data (cut to the snap length), in one new array.
   * pcapng-only fields (comments, flags, options) are not written.
   * @throws {@link CaptureFileError} `ERR_RXSOCK_FRAME_INVALID` before the header, for a
   * timestamp before 1970 or after 2106 (pcap's 32-bit seconds), or an original length shorter than the data.
   */
  packet(packet: CapturePacketInit): Uint8Array {
    if (!this.headerDone) {
      if (this.linkType === undefined) throw badRecord('a pcap packet before the header: give linkType or encode an interface first');
      const head = this.header();
      const rec = this.packet(packet);
      const both = new Uint8Array(head.length + rec.length);
      both.set(head, 0);
      both.set(rec, head.length);
      return both;
    }
    if (packet.interfaceId !== undefined && packet.interfaceId !== 0) {
      throw badRecord(`a pcap file has one interface; packet names interface ${packet.interfaceId}`);
    }
    const data = packet.data;
    const caplen = this.snapLen !== 0 && data.length > this.snapLen ? this.snapLen : data.length;
    const originalLength = checkInt(packet.originalLength ?? data.length, 0xffffffff, 'originalLength');
    if (originalLength < caplen) {
      throw badRecord(`originalLength ${originalLength} is less than the ${caplen} bytes of data`);
    }
    const ts = packet.timestamp;
    if (typeof ts !== 'bigint' || ts < 0n || ts >= 0x100000000n * 1_000_000_000n) {
      throw badRecord(`pcap timestamps hold 1970 to 2106 in unsigned 32-bit seconds; got ${String(ts)} ns`);
    }
    const le = this.littleEndian;
    const b = new Uint8Array(16 + caplen);
    const seconds = ts / 1_000_000_000n;
    const nanos = Number(ts - seconds * 1_000_000_000n);
    put32(b, 0, Number(seconds), le);
    put32(b, 4, this.nanosecond ? nanos : Math.floor(nanos / 1000), le);
    put32(b, 8, caplen, le);
    put32(b, 12, originalLength, le);
    b.set(caplen === data.length ? data : data.subarray(0, caplen), 16);
    return b;
  }

  /**
   * Encodes any record: `section` gives nothing, the first `interface` gives the header (a
   * second is an error: pcap has one interface), a `packet` its record, `statistics` and
   * unknown blocks nothing (pcap has no place for them).
   */
  encode(record: CaptureRecordInit): Uint8Array {
    switch (record.type) {
      case 'interface':
        return this.header(record);
      case 'packet':
        return this.packet(record);
      case 'section':
      case 'statistics':
      case 'block':
        return new Uint8Array(0);
      default:
        throw badRecord(`unknown record type ${String((record as { type?: unknown }).type)}`);
    }
  }
}

function checkFcs(bytes: number): number {
  if (!Number.isInteger(bytes) || bytes < 0 || bytes > 14 || bytes % 2 !== 0) {
    throw badRecord(`pcap records an FCS length as 0-7 16-bit words: fcsLength must be even, 0..14, got ${String(bytes)}`);
  }
  return bytes;
}
