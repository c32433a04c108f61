import { hostLittleEndian, NO_OPTIONS, NO_STRINGS, pad4, put16, put32, put64, text, u16, u32, u64, utf8, view } from './bytes.js';
import { badCapture, badRecord } from './errors.js';
import { checkInt, OptionReader, OptionWriter, readOptions } from './options.js';
import {
  PcapngBlockType as T,
  PcapngOption as O,
  type CaptureBlock,
  type CaptureInterface,
  type CaptureInterfaceInit,
  type CaptureOption,
  type CapturePacket,
  type CapturePacketInit,
  type CaptureRecord,
  type CaptureRecordInit,
  type CaptureSection,
  type CaptureSectionInit,
  type CaptureStatistics,
  type CaptureStatisticsInit,
} from './records.js';
import { checkResolution, decodeResolution, encodeResolution, MICROSECONDS, NANOSECONDS, TickClock } from './timestamp.js';

/** The byte-order magic of a Section Header Block. */
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** Bytes of a block's type and length fields plus its trailing length: the smallest block. */
export const PCAPNG_BLOCK_OVERHEAD = 12;

/** An interface as the decoder keeps it: the record and its clock. */
interface KnownInterface {
  readonly record: CaptureInterface;
  readonly clock: TickClock;
}

/** @internal What a pcapng reader knows about the current section. */
export class PcapngState {
  littleEndian = true;
  interfaces: KnownInterface[] = [];
  /** Emit blocks the decoder does not interpret instead of skipping them. */
  constructor(readonly emitUnknown: boolean) {}
}

/** The byte order and total length of a Section Header Block from its first 12 bytes. */
export function sectionHeaderLength(b: Uint8Array, off: number, offset: number): { littleEndian: boolean; length: number } {
  const bom = u32(b, off + 8, true);
  let le: boolean;
  if (bom === PCAPNG_BYTE_ORDER_MAGIC) le = true;
  else if (u32(b, off + 8, false) === PCAPNG_BYTE_ORDER_MAGIC) le = false;
  else throw badCapture(`section header with byte-order magic ${u32(b, off + 8, false).toString(16).padStart(8, '0')}, not 1a2b3c4d`, offset);
  return { littleEndian: le, length: u32(b, off + 4, le) };
}

/**
 * Parses one whole block (`b` holds exactly its bytes, lengths already checked) and updates the
 * section state. Returns the record, or undefined for a skipped block.
 */
export function parsePcapngBlock(b: Uint8Array, state: PcapngState, offset: number): CaptureRecord | undefined {
  const type = u32(b, 0, state.littleEndian);
  if (type === T.SECTION_HEADER) return parseSection(b, state, offset);
  const le = state.littleEndian;
  const end = b.length - 4;
  switch (type) {
    case T.INTERFACE_DESCRIPTION:
      return parseInterface(b, end, state, offset);
    case T.ENHANCED_PACKET:
      return parseEnhancedPacket(b, end, state, offset);
    case T.SIMPLE_PACKET:
      return parseSimplePacket(b, end, state, offset);
    case T.PACKET:
      return parseObsoletePacket(b, end, state, offset);
    case T.INTERFACE_STATISTICS:
      return parseStatistics(b, end, state, offset);
    default:
      if (!state.emitUnknown) return undefined;
      return { type: 'block', blockType: type, body: view(b, 8, end), littleEndian: le } satisfies CaptureBlock;
  }
}

function need(b: Uint8Array, end: number, fixed: number, what: string, offset: number): void {
  if (end - 8 < fixed) throw badCapture(`${what} block of ${b.length} bytes is shorter than its ${fixed} fixed bytes`, offset);
}

function parseSection(b: Uint8Array, state: PcapngState, offset: number): CaptureSection {
  const le = u32(b, 8, true) === PCAPNG_BYTE_ORDER_MAGIC;
  const end = b.length - 4;
  need(b, end, 16, 'section header', offset);
  const majorVersion = u16(b, 12, le);
  const minorVersion = u16(b, 14, le);
  if (majorVersion !== 1) throw badCapture(`pcapng version ${majorVersion}.${minorVersion} is not 1.x`, offset);
  state.littleEndian = le;
  state.interfaces = [];
  const options = readOptions(b, 24, end, le, offset);
  const o = new OptionReader(options, le, offset);
  const hardware = o.text(O.SHB_HARDWARE);
  const os = o.text(O.SHB_OS);
  const userAppl = o.text(O.SHB_USERAPPL);
  return {
    type: 'section',
    format: 'pcapng',
    littleEndian: le,
    majorVersion,
    minorVersion,
    sectionLength: BigInt.asIntN(64, u64(b, 16, le)),
    ...(hardware !== undefined ? { hardware } : {}),
    ...(os !== undefined ? { os } : {}),
    ...(userAppl !== undefined ? { userAppl } : {}),
    comments: o.texts(O.COMMENT),
    options,
  };
}

function parseInterface(b: Uint8Array, end: number, state: PcapngState, offset: number): CaptureInterface {
  const le = state.littleEndian;
  need(b, end, 8, 'interface description', offset);
  const options = readOptions(b, 16, end, le, offset);
  const o = new OptionReader(options, le, offset);
  const resolByte = o.u8(O.IF_TSRESOL);
  const tsResolution = resolByte === undefined ? MICROSECONDS : checkResolution(decodeResolution(resolByte), offset);
  const rawOffset = o.u64(O.IF_TSOFFSET);
  const tsOffset = rawOffset === undefined ? 0n : BigInt.asIntN(64, rawOffset);
  const name = o.text(O.IF_NAME);
  const description = o.text(O.IF_DESCRIPTION);
  const osText = o.text(O.IF_OS);
  const hardware = o.text(O.IF_HARDWARE);
  const speed = o.u64(O.IF_SPEED);
  const fcsLength = o.u8(O.IF_FCSLEN);
  const filterBytes = o.first(O.IF_FILTER);
  const filter = filterBytes !== undefined && filterBytes.length > 0 && filterBytes[0] === 0 ? text(filterBytes.subarray(1)) : undefined;
  const record: CaptureInterface = {
    type: 'interface',
    id: state.interfaces.length,
    linkType: u16(b, 8, le),
    snapLen: u32(b, 12, le),
    tsResolution,
    tsOffset,
    ...(name !== undefined ? { name } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(osText !== undefined ? { os: osText } : {}),
    ...(hardware !== undefined ? { hardware } : {}),
    ...(speed !== undefined ? { speed } : {}),
    ...(fcsLength !== undefined ? { fcsLength } : {}),
    ...(filter !== undefined ? { filter } : {}),
    comments: o.texts(O.COMMENT),
    options,
  };
  state.interfaces.push({ record, clock: new TickClock(tsResolution, tsOffset) });
  return record;
}

function lookup(state: PcapngState, id: number, what: string, offset: number): KnownInterface {
  const known = state.interfaces[id];
  if (known === undefined) {
    throw badCapture(`${what} names interface ${id}, but its section describes ${state.interfaces.length}`, offset);
  }
  return known;
}

function ticksAt(b: Uint8Array, off: number, le: boolean): bigint {
  const high = u32(b, off, le);
  const low = u32(b, off + 4, le);
  // Below 2^53 a double holds the value exactly: one BigInt instead of four.
  return high < 0x200000 ? BigInt(high * 0x100000000 + low) : (BigInt(high) << 32n) | BigInt(low);
}

/**
 * A packet record. Built as one literal per shape (no spread): this runs once per packet, and a
 * spread of the common fields cost more than the rest of the block's decoding.
 */
function packetRecord(
  interfaceId: number,
  iface: KnownInterface,
  ticks: bigint,
  data: Uint8Array,
  originalLength: number,
  block: 'epb' | 'pb',
  options: readonly CaptureOption[],
  le: boolean,
  offset: number,
): CapturePacket {
  const linkType = iface.record.linkType;
  const timestamp = iface.clock.toNanoseconds(ticks);
  if (options.length === 0) {
    return { type: 'packet', interfaceId, linkType, timestamp, ticks, data, originalLength, block, comments: NO_STRINGS, options: NO_OPTIONS };
  }
  const o = new OptionReader(options, le, offset);
  const packet: { -readonly [K in keyof CapturePacket]: CapturePacket[K] } = {
    type: 'packet',
    interfaceId,
    linkType,
    timestamp,
    ticks,
    data,
    originalLength,
    block,
    comments: o.texts(O.COMMENT),
    options,
  };
  const flags = o.u32(O.EPB_FLAGS);
  if (flags !== undefined) packet.flags = flags;
  const dropCount = o.u64(O.EPB_DROPCOUNT);
  if (dropCount !== undefined) packet.dropCount = dropCount;
  const packetId = o.u64(O.EPB_PACKETID);
  if (packetId !== undefined) packet.packetId = packetId;
  const queue = o.u32(O.EPB_QUEUE);
  if (queue !== undefined) packet.queue = queue;
  return packet;
}

function parseEnhancedPacket(b: Uint8Array, end: number, state: PcapngState, offset: number): CapturePacket {
  const le = state.littleEndian;
  need(b, end, 20, 'enhanced packet', offset);
  const interfaceId = u32(b, 8, le);
  const iface = lookup(state, interfaceId, 'enhanced packet block', offset);
  const ticks = ticksAt(b, 12, le);
  const caplen = u32(b, 20, le);
  if (caplen > end - 28) throw badCapture(`enhanced packet of ${caplen} bytes overruns its ${b.length}-byte block`, offset);
  const optionsAt = 28 + pad4(caplen);
  const options = optionsAt >= end ? NO_OPTIONS : readOptions(b, optionsAt, end, le, offset);
  return packetRecord(interfaceId, iface, ticks, view(b, 28, 28 + caplen), u32(b, 24, le), 'epb', options, le, offset);
}

function parseObsoletePacket(b: Uint8Array, end: number, state: PcapngState, offset: number): CapturePacket {
  const le = state.littleEndian;
  need(b, end, 20, 'packet', offset);
  const interfaceId = u16(b, 8, le);
  const iface = lookup(state, interfaceId, 'packet block', offset);
  const drops = u16(b, 10, le);
  const ticks = ticksAt(b, 12, le);
  const caplen = u32(b, 20, le);
  if (caplen > end - 28) throw badCapture(`packet of ${caplen} bytes overruns its ${b.length}-byte block`, offset);
  const options = readOptions(b, Math.min(28 + pad4(caplen), end), end, le, offset);
  const packet = packetRecord(interfaceId, iface, ticks, view(b, 28, 28 + caplen), u32(b, 24, le), 'pb', options, le, offset);
  // 0xffff means "not known" in the obsolete block.
  return drops === 0xffff || packet.dropCount !== undefined ? packet : { ...packet, dropCount: BigInt(drops) };
}

function parseSimplePacket(b: Uint8Array, end: number, state: PcapngState, offset: number): CapturePacket {
  const le = state.littleEndian;
  need(b, end, 4, 'simple packet', offset);
  const iface = lookup(state, 0, 'simple packet block', offset);
  const originalLength = u32(b, 8, le);
  const snap = iface.record.snapLen;
  const caplen = Math.min(originalLength, end - 12, snap === 0 ? Infinity : snap);
  return {
    type: 'packet',
    interfaceId: 0,
    linkType: iface.record.linkType,
    timestamp: 0n,
    ticks: 0n,
    data: view(b, 12, 12 + caplen),
    originalLength,
    block: 'spb',
    comments: NO_STRINGS,
    options: NO_OPTIONS,
  };
}

function parseStatistics(b: Uint8Array, end: number, state: PcapngState, offset: number): CaptureStatistics {
  const le = state.littleEndian;
  need(b, end, 12, 'interface statistics', offset);
  const interfaceId = u32(b, 8, le);
  const { clock } = lookup(state, interfaceId, 'interface statistics block', offset);
  const ticks = ticksAt(b, 12, le);
  const options = readOptions(b, 20, end, le, offset);
  const o = new OptionReader(options, le, offset);
  const start = o.ticks(O.ISB_STARTTIME);
  const stop = o.ticks(O.ISB_ENDTIME);
  const counters = {
    received: o.u64(O.ISB_IFRECV),
    interfaceDropped: o.u64(O.ISB_IFDROP),
    filterAccepted: o.u64(O.ISB_FILTERACCEPT),
    osDropped: o.u64(O.ISB_OSDROP),
    delivered: o.u64(O.ISB_USRDELIV),
  };
  const record: Record<string, unknown> = {
    type: 'statistics',
    interfaceId,
    timestamp: clock.toNanoseconds(ticks),
    ticks,
  };
  if (start !== undefined) record.startTime = clock.toNanoseconds(start);
  if (stop !== undefined) record.endTime = clock.toNanoseconds(stop);
  for (const [k, v] of Object.entries(counters)) if (v !== undefined) record[k] = v;
  record.comments = o.texts(O.COMMENT);
  record.options = options;
  return record as unknown as CaptureStatistics;
}

/** Options of {@link PcapngEncoder}. */
export interface PcapngEncoderOptions {
  /** Byte order of every section written; default this machine's. */
  littleEndian?: boolean;
  /**
   * The first section's options, written before the first block if {@link PcapngEncoder.section}
   * was not called. By default `shb_userappl` is `rxsock`.
   */
  section?: CaptureSectionInit;
}

/**
 * Encodes a pcapng stream block by block: each method returns the bytes of one block (or, for the
 * first block of a stream, the Section Header Block before it). Interfaces are numbered in the
 * order they are described, per section; a packet names its interface by that number and its
 * timestamp (nanoseconds) is stored in that interface's resolution.
 */
export class PcapngEncoder {
  /** The container this encoder writes. */
  readonly format = 'pcapng' as const;
  /** Byte order of what it writes. */
  readonly littleEndian: boolean;
  private readonly firstSection: CaptureSectionInit;
  private started = false;
  private interfaces: { snapLen: number; clock: TickClock }[] = [];

  /** @param options - Byte order and first section options. */
  constructor(options: PcapngEncoderOptions = {}) {
    this.littleEndian = options.littleEndian ?? hostLittleEndian;
    this.firstSection = options.section ?? { userAppl: 'rxsock' };
  }

  /** Interfaces described in the current section. */
  get interfaceCount(): number {
    return this.interfaces.length;
  }

  /** A Section Header Block (section length -1: unknown, so the file can be streamed). Starts a new section: interfaces are described again after it. */
  section(init: CaptureSectionInit = this.firstSection): Uint8Array {
    const le = this.littleEndian;
    const opts = new OptionWriter(init.options, le)
      .texts(O.COMMENT, init.comments)
      .text(O.SHB_HARDWARE, init.hardware)
      .text(O.SHB_OS, init.os)
      .text(O.SHB_USERAPPL, init.userAppl);
    const b = this.block(T.SECTION_HEADER, 16, opts);
    put32(b, 8, PCAPNG_BYTE_ORDER_MAGIC, le);
    put16(b, 12, 1, le);
    put16(b, 14, 0, le);
    put64(b, 16, -1n, le);
    opts.write(b, 24);
    this.started = true;
    this.interfaces = [];
    return b;
  }

  /**
   * An Interface Description Block; the interface's id is {@link PcapngEncoder.interfaceCount}
   * before the call. `tsResolution` defaults to nanoseconds and is always written.
   */
  interface(init: CaptureInterfaceInit): Uint8Array {
    const head = this.started ? undefined : this.section();
    const le = this.littleEndian;
    const linkType = checkInt(init.linkType, 0xffff, 'linkType');
    const snapLen = checkInt(init.snapLen ?? 262144, 0xffffffff, 'snapLen');
    const resolution = init.tsResolution ?? NANOSECONDS;
    const resolByte = encodeResolution(resolution);
    checkResolution(resolution, 0);
    const tsOffset = init.tsOffset ?? 0n;
    const opts = new OptionWriter(init.options, le)
      .texts(O.COMMENT, init.comments)
      .text(O.IF_NAME, init.name)
      .text(O.IF_DESCRIPTION, init.description)
      .u64(O.IF_SPEED, init.speed, 'speed')
      .u8(O.IF_TSRESOL, resolByte, 'tsResolution')
      .bytes(O.IF_FILTER, init.filter === undefined ? undefined : concat(Uint8Array.of(0), utf8(init.filter)))
      .text(O.IF_OS, init.os)
      .u8(O.IF_FCSLEN, init.fcsLength, 'fcsLength')
      .u64(O.IF_TSOFFSET, tsOffset === 0n ? undefined : tsOffset, 'tsOffset', true)
      .text(O.IF_HARDWARE, init.hardware);
    const b = this.block(T.INTERFACE_DESCRIPTION, 8, opts);
    put16(b, 8, linkType, le);
    put32(b, 12, snapLen, le);
    opts.write(b, 16);
    // The clock must be the one a reader will use: the written if_tsresol wins over init's.
    const written = options(init.options, O.IF_TSRESOL);
    const clockResolution = written !== undefined && written.length === 1 ? decodeResolution(written[0]!) : resolution;
    const writtenOffset = options(init.options, O.IF_TSOFFSET);
    const clockOffset = writtenOffset !== undefined && writtenOffset.length === 8 ? BigInt.asIntN(64, u64(writtenOffset, 0, le)) : tsOffset;
    this.interfaces.push({ snapLen, clock: new TickClock(clockResolution, clockOffset) });
    return head === undefined ? b : concat(head, b);
  }

  /**
   * An Enhanced Packet Block. Data longer than the interface's snap length is cut to it.
   * @throws {@link CaptureFileError} `ERR_RXSOCK_FRAME_INVALID` for an undescribed interface, a
   * timestamp before the interface's epoch or past 64 bits of ticks, or an original length shorter than the data.
   */
  packet(packet: CapturePacketInit): Uint8Array {
    const le = this.littleEndian;
    const interfaceId = packet.interfaceId ?? 0;
    const iface = this.known(interfaceId);
    const data = cut(packet.data, iface.snapLen);
    const originalLength = checkOriginal(packet, data);
    if (typeof packet.timestamp !== 'bigint') throw badRecord(`timestamp must be a bigint of nanoseconds, got ${typeof packet.timestamp}`);
    const given = packet.ticks;
    const ticks =
      typeof given === 'bigint' && iface.clock.toNanoseconds(given) === packet.timestamp ? given : iface.clock.toTicks(packet.timestamp);
    if (ticks < 0n || ticks >= 1n << 64n) {
      throw badRecord(`timestamp ${packet.timestamp} ns does not fit 64 bits of ticks of interface ${interfaceId}`);
    }
    const opts = new OptionWriter(packet.options, le)
      .texts(O.COMMENT, packet.comments)
      .u32(O.EPB_FLAGS, packet.flags, 'flags')
      .u64(O.EPB_DROPCOUNT, packet.dropCount, 'dropCount')
      .u64(O.EPB_PACKETID, packet.packetId, 'packetId')
      .u32(O.EPB_QUEUE, packet.queue, 'queue');
    const b = this.block(T.ENHANCED_PACKET, 20 + pad4(data.length), opts);
    put32(b, 8, interfaceId, le);
    put32(b, 12, Number(ticks >> 32n), le);
    put32(b, 16, Number(ticks & 0xffffffffn), le);
    put32(b, 20, data.length, le);
    put32(b, 24, originalLength, le);
    b.set(data, 28);
    opts.write(b, 28 + pad4(data.length));
    return b;
  }

  /**
   * A Simple Packet Block (interface 0, no timestamp, no options): the most compact record. A
   * reader takes its captured length as the smaller of the original length and the snap length,
   * so `data` must be exactly that long.
   */
  simplePacket(packet: Pick<CapturePacketInit, 'data' | 'originalLength'>): Uint8Array {
    const le = this.littleEndian;
    const iface = this.known(0);
    const data = packet.data;
    const originalLength = checkOriginal(packet, data);
    const expected = iface.snapLen === 0 ? originalLength : Math.min(originalLength, iface.snapLen);
    if (data.length !== expected) {
      throw badRecord(`a simple packet block holds min(originalLength, snapLen) = ${expected} bytes; data has ${data.length}`);
    }
    const b = this.block(T.SIMPLE_PACKET, 4 + pad4(data.length), undefined);
    put32(b, 8, originalLength, le);
    b.set(data, 12);
    return b;
  }

  /** An Interface Statistics Block. */
  statistics(stats: CaptureStatisticsInit): Uint8Array {
    const le = this.littleEndian;
    const iface = this.known(stats.interfaceId);
    const ticks = (ns: bigint | undefined, name: string): bigint | undefined => {
      if (ns === undefined) return undefined;
      if (typeof ns !== 'bigint') throw badRecord(`${name} must be a bigint of nanoseconds`);
      const t = iface.clock.toTicks(ns);
      if (t < 0n || t >= 1n << 64n) throw badRecord(`${name} ${ns} ns does not fit 64 bits of ticks`);
      return t;
    };
    const given = stats.ticks;
    const at =
      typeof given === 'bigint' && iface.clock.toNanoseconds(given) === stats.timestamp ? given : ticks(stats.timestamp, 'timestamp')!;
    const opts = new OptionWriter(stats.options, le)
      .texts(O.COMMENT, stats.comments)
      .ticks(O.ISB_STARTTIME, ticks(stats.startTime, 'startTime'))
      .ticks(O.ISB_ENDTIME, ticks(stats.endTime, 'endTime'))
      .u64(O.ISB_IFRECV, stats.received, 'received')
      .u64(O.ISB_IFDROP, stats.interfaceDropped, 'interfaceDropped')
      .u64(O.ISB_FILTERACCEPT, stats.filterAccepted, 'filterAccepted')
      .u64(O.ISB_OSDROP, stats.osDropped, 'osDropped')
      .u64(O.ISB_USRDELIV, stats.delivered, 'delivered');
    const b = this.block(T.INTERFACE_STATISTICS, 12, opts);
    put32(b, 8, stats.interfaceId, le);
    put32(b, 12, Number(at >> 32n), le);
    put32(b, 16, Number(at & 0xffffffffn), le);
    opts.write(b, 20);
    return b;
  }

  /**
   * Any other block, body as given (padded to 4 bytes). Its numbers must be in this encoder's
   * byte order; a decoded {@link CaptureBlock} of the other order is refused.
   */
  rawBlock(block: Pick<CaptureBlock, 'blockType' | 'body'> & { littleEndian?: boolean }): Uint8Array {
    const head = this.started ? undefined : this.section();
    checkInt(block.blockType, 0xffffffff, 'blockType');
    if (block.blockType === T.SECTION_HEADER) throw badRecord('write a section header with section()');
    if (block.littleEndian !== undefined && block.littleEndian !== this.littleEndian) {
      throw badRecord('a block read in the other byte order cannot be copied as is');
    }
    const b = this.block(block.blockType, pad4(block.body.length), undefined);
    b.set(block.body, 8);
    return head === undefined ? b : concat(head, b);
  }

  /** Encodes any record by its `type` (decoded records can be passed back as they are). */
  encode(record: CaptureRecordInit): Uint8Array {
    switch (record.type) {
      case 'section':
        return this.section(record);
      case 'interface':
        return this.interface(record);
      case 'packet':
        return (record as Partial<CapturePacket>).block === 'spb' ? this.simplePacket(record) : this.packet(record);
      case 'statistics':
        return this.statistics(record);
      case 'block':
        return this.rawBlock(record);
      default:
        throw badRecord(`unknown record type ${String((record as { type?: unknown }).type)}`);
    }
  }

  private known(id: number): { snapLen: number; clock: TickClock } {
    const iface = Number.isInteger(id) ? this.interfaces[id] : undefined;
    if (iface === undefined) {
      throw badRecord(`interface ${String(id)} is not described in this section (${this.interfaces.length} are): encode an interface first`);
    }
    return iface;
  }

  /** A zeroed block with its type and both length fields written; `fixed` is the body before the options. */
  private block(type: number, fixed: number, opts: OptionWriter | undefined): Uint8Array {
    const total = 12 + fixed + (opts?.size ?? 0);
    if (total > 0xffffffff) throw badRecord(`a block of ${total} bytes exceeds pcapng's 32-bit length`);
    const b = new Uint8Array(total);
    const le = this.littleEndian;
    put32(b, 0, type, le);
    put32(b, 4, total, le);
    put32(b, total - 4, total, le);
    return b;
  }
}

function options(list: readonly CaptureOption[] | undefined, code: number): Uint8Array | undefined {
  return list?.find((o) => o.code === code)?.value;
}

function cut(data: Uint8Array, snapLen: number): Uint8Array {
  if (!(data instanceof Uint8Array)) throw badRecord('packet data must be a Uint8Array');
  return snapLen !== 0 && data.length > snapLen ? data.subarray(0, snapLen) : data;
}

function checkOriginal(packet: { originalLength?: number; data: Uint8Array }, data: Uint8Array): number {
  const originalLength = checkInt(packet.originalLength ?? packet.data.length, 0xffffffff, 'originalLength');
  if (originalLength < data.length) throw badRecord(`originalLength ${originalLength} is less than the ${data.length} bytes of data`);
  return originalLength;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

