/**
 * Captured packets to and from pcap/pcapng files: the packet family's layer over core's
 * capture-file container (which knows nothing of Ethernet or packet sockets).
 */
import {
  CaptureFileWriter,
  createCaptureEncoder,
  readCaptureFile,
  type CaptureFormat,
  type CaptureInterface,
  type CapturePacket,
  type CapturePacketInit,
  type ReadCaptureFileOptions,
} from '@rxsock/core';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { CapturedPacket } from '../capture/packet.js';
import { encodeSll2Header, encodeSllHeader } from './cooked.js';
import { LinkType } from './link-type.js';

/** What a packet needs to be written: the fields of a captured packet this layer reads. */
export type WritablePacket = Pick<CapturedPacket, 'data' | 'length' | 'timestamp'> &
  Partial<Pick<CapturedPacket, 'packetType' | 'protocol' | 'interfaceIndex'>> & {
    /** The link-layer source address, for cooked headers. */
    address?: Uint8Array;
    /** An `opt_comment` for the packet (pcapng only). */
    comment?: string;
  };

/** Packet types by name, as `sll_pkttype` numbers them. */
const PACKET_TYPES: Record<string, number> = { host: 0, broadcast: 1, multicast: 2, otherhost: 3, outgoing: 4, loopback: 5, user: 6, kernel: 7 };

/**
 * `epb_flags` for a packet type: direction in bits 0-1 (1 inbound, 2 outbound) and reception
 * type in bits 2-4 (1 unicast, 2 multicast, 3 broadcast, 4 promiscuous), so tshark shows them.
 */
export function packetFlags(packetType: string | undefined): number | undefined {
  switch (packetType) {
    case 'host':
      return 1 | (1 << 2);
    case 'multicast':
      return 1 | (2 << 2);
    case 'broadcast':
      return 1 | (3 << 2);
    case 'otherhost':
      return 1 | (4 << 2);
    case 'outgoing':
      return 2;
    default:
      return undefined;
  }
}

/** Options of {@link capturedPacketRecord}. */
export interface PacketRecordOptions {
  /** The file's link type; LINUX_SLL and LINUX_SLL2 get a cooked header built from the packet. */
  linkType: number;
  /** The interface's number in the file (pcapng); default 0. */
  interfaceId?: number;
  /** ARPHRD_ type for cooked headers; default 1 (Ethernet). */
  hardwareType?: number;
}

/**
 * The capture-file record of a captured packet: its kernel timestamp, its length on the wire
 * (kept when the snap length cut the data), its direction and reception type as `epb_flags`,
 * and for cooked link types the pseudo-header before the data.
 */
export function capturedPacketRecord(packet: WritablePacket, options: PacketRecordOptions): CapturePacketInit {
  let data = packet.data;
  let originalLength = Math.max(packet.length, data.length);
  const cooked = options.linkType === LinkType.LINUX_SLL2 ? 2 : options.linkType === LinkType.LINUX_SLL ? 1 : 0;
  if (cooked !== 0) {
    const fields = {
      packetType: PACKET_TYPES[packet.packetType ?? 'host'] ?? Number(/^type(\d+)$/.exec(packet.packetType ?? '')?.[1] ?? 0),
      hardwareType: options.hardwareType ?? 1,
      address: packet.address ?? new Uint8Array(0),
      protocol: packet.protocol ?? 0,
      interfaceIndex: packet.interfaceIndex ?? 0,
    };
    const header = cooked === 2 ? encodeSll2Header(fields) : encodeSllHeader(fields);
    const whole = new Uint8Array(header.length + data.length);
    whole.set(header, 0);
    whole.set(data, header.length);
    data = whole;
    originalLength += header.length;
  }
  const flags = packetFlags(packet.packetType);
  return {
    interfaceId: options.interfaceId ?? 0,
    timestamp: packet.timestamp,
    data,
    originalLength,
    ...(flags !== undefined ? { flags } : {}),
    ...(packet.comment !== undefined ? { comments: [packet.comment] } : {}),
  };
}

/** Options of {@link createPacketCaptureFile} and {@link PacketCaptureWriter}. */
export interface PacketCaptureOptions {
  /** `'pcap'` or `'pcapng'`; default from the file name (`.pcapng` or `.ntar`: pcapng), else pcap. */
  format?: CaptureFormat;
  /** The frames' link type; default Ethernet. */
  linkType?: number;
  /** Snap length written in the header (data longer than it is cut); default 262144. */
  snapLen?: number;
  /** pcapng `if_name`, such as `'eth0'`. */
  interfaceName?: string;
  /** pcapng `if_description`. */
  interfaceDescription?: string;
  /** pcapng `if_filter`: the capture filter expression. */
  filter?: string;
  /** ARPHRD_ type for cooked headers; default 1. */
  hardwareType?: number;
  /** pcap: nanosecond timestamps (default) or microseconds (false). pcapng always records nanoseconds. */
  nanosecond?: boolean;
  /** Byte order; default this machine's. */
  littleEndian?: boolean;
  /** pcapng section comment. */
  comment?: string;
  /** Bytes buffered before `write` returns false; default 64 KiB. */
  highWaterMark?: number;
}

/**
 * Writes captured packets to a pcap or pcapng file. The header (and, in pcapng, the interface
 * description) is written at construction; each {@link PacketCaptureWriter.write} writes one
 * packet and says, like a Node stream, whether to wait for {@link PacketCaptureWriter.drain}.
 */
export class PacketCaptureWriter {
  /** The container file writer underneath. */
  readonly file: CaptureFileWriter;
  /** The link type packets are written under. */
  readonly linkType: number;
  private readonly recordOptions: PacketRecordOptions;

  /**
   * @param stream - Where the file's bytes go.
   * @param options - Format, link type, interface description.
   */
  constructor(stream: Writable, options: PacketCaptureOptions & { format: CaptureFormat }) {
    this.linkType = options.linkType ?? LinkType.ETHERNET;
    const encoder =
      options.format === 'pcap'
        ? createCaptureEncoder({
            format: 'pcap',
            linkType: this.linkType,
            ...(options.snapLen !== undefined ? { snapLen: options.snapLen } : {}),
            nanosecond: options.nanosecond ?? true,
            ...(options.littleEndian !== undefined ? { littleEndian: options.littleEndian } : {}),
          })
        : createCaptureEncoder({
            format: 'pcapng',
            ...(options.littleEndian !== undefined ? { littleEndian: options.littleEndian } : {}),
            section: { userAppl: 'rxsock', ...(options.comment !== undefined ? { comments: [options.comment] } : {}) },
          });
    this.file = new CaptureFileWriter(stream, encoder);
    this.file.write({
      type: 'interface',
      linkType: this.linkType,
      ...(options.snapLen !== undefined ? { snapLen: options.snapLen } : {}),
      ...(options.interfaceName !== undefined ? { name: options.interfaceName } : {}),
      ...(options.interfaceDescription !== undefined ? { description: options.interfaceDescription } : {}),
      ...(options.filter !== undefined ? { filter: options.filter } : {}),
    });
    this.recordOptions = { linkType: this.linkType, ...(options.hardwareType !== undefined ? { hardwareType: options.hardwareType } : {}) };
  }

  /** Packets written so far. */
  get written(): number {
    return this.file.written - 1;
  }

  /**
   * Writes one packet; false means the file is above its high-water mark: await {@link PacketCaptureWriter.drain}.
   * @throws CaptureFileError `ERR_RXSOCK_FRAME_INVALID` for a packet the format cannot carry.
   */
  write(packet: WritablePacket): boolean {
    return this.file.write({ type: 'packet', ...capturedPacketRecord(packet, this.recordOptions) });
  }

  /** Resolves when the file can take more. */
  drain(): Promise<void> {
    return this.file.drain();
  }

  /** Writes every packet of an (async) iterable, waiting whenever the file is full. */
  async writeAll(packets: AsyncIterable<WritablePacket> | Iterable<WritablePacket>): Promise<number> {
    let n = 0;
    for await (const p of packets) {
      if (!this.write(p)) await this.drain();
      n++;
    }
    return n;
  }

  /**
   * Records the kernel's counters (pcapng Interface Statistics Block; pcap has no place for them
   * and writes nothing): packets received and dropped, as tcpdump prints at exit.
   */
  statistics(counters: { received?: number | bigint; dropped?: number | bigint; timestamp?: bigint }): boolean {
    const big = (v: number | bigint | undefined) => (v === undefined ? undefined : BigInt(v));
    const received = big(counters.received);
    const osDropped = big(counters.dropped);
    return this.file.write({
      type: 'statistics',
      interfaceId: 0,
      timestamp: counters.timestamp ?? BigInt(Date.now()) * 1_000_000n,
      ...(received !== undefined ? { received } : {}),
      ...(osDropped !== undefined ? { osDropped } : {}),
    });
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return this.file.close();
  }
}

/** The format a file name suggests: pcapng for `.pcapng`/`.ntar`, pcap otherwise (tcpdump's `-w` writes pcap). */
export function captureFormatOf(path: string): CaptureFormat {
  return /\.(pcapng|ntar)$/i.test(path) ? 'pcapng' : 'pcap';
}

/**
 * Creates (or truncates) a capture file for packets.
 *
 * @example
 * ```ts
 * const file = createPacketCaptureFile('out.pcapng', { interfaceName: 'eth0' });
 * for await (const packet of socket.packets()) if (!file.write(packet)) await file.drain();
 * await file.close();
 * ```
 */
export function createPacketCaptureFile(path: string, options: PacketCaptureOptions = {}): PacketCaptureWriter {
  const format = options.format ?? captureFormatOf(path);
  return new PacketCaptureWriter(createWriteStream(path, { highWaterMark: options.highWaterMark ?? 64 * 1024 }), { ...options, format });
}

/** A packet read from a file, with the interface it was captured on. */
export interface FilePacket {
  /** The packet record: timestamp, data, original length, flags, comments. */
  packet: CapturePacket;
  /** Its interface: link type, snap length, name. */
  interface: CaptureInterface;
}

/**
 * The packets of a pcap or pcapng file (every section and interface), each with its interface,
 * read as a stream with bounded memory.
 */
export async function* readPackets(path: string, options: ReadCaptureFileOptions = {}): AsyncGenerator<FilePacket, void, undefined> {
  let interfaces: CaptureInterface[] = [];
  for await (const record of readCaptureFile(path, options)) {
    if (record.type === 'section') interfaces = [];
    else if (record.type === 'interface') interfaces.push(record);
    else if (record.type === 'packet') yield { packet: record, interface: interfaces[record.interfaceId]! };
  }
}
