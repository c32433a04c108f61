import { Pending, checkLimit, view } from '../../stream/framing/bytes.js';
import { u32 } from './bytes.js';
import { badCapture, CaptureFileError, CaptureFileErrorCode } from './errors.js';
import { parsePcapHeader, parsePcapRecord, pcapMagic, pcapRecordLength, PCAP_HEADER_SIZE, PCAP_RECORD_HEADER_SIZE, type PcapHeader } from './pcap.js';
import { parsePcapngBlock, PcapngState, sectionHeaderLength } from './pcapng.js';
import { PcapngBlockType, type CaptureFormat, type CaptureRecord } from './records.js';

const PcapngBlockTypeSection = PcapngBlockType.SECTION_HEADER;

/** Receives decoded records, in file order. */
export type CaptureSink = (record: CaptureRecord) => void;

/** Options of {@link CaptureDecoder}. */
export interface CaptureDecoderOptions {
  /**
   * Largest pcap record (16-byte header included) or pcapng block accepted, in bytes; one over it
   * fails with `ERR_RXSOCK_FRAME_TOO_LARGE` as soon as its length is read, before it is
   * buffered. This bounds the decoder's memory. Default 16 MiB (libpcap's own limit for a block).
   */
  maxRecordSize?: number;
  /** pcapng blocks the decoder does not interpret: `'skip'` (default) or `'emit'` as {@link CaptureBlock} records. */
  unknownBlocks?: 'skip' | 'emit';
  /** Only accept this format; default either, told apart by the first four bytes. */
  format?: CaptureFormat;
}

/** Default {@link CaptureDecoderOptions.maxRecordSize}. */
export const DEFAULT_MAX_RECORD_SIZE = 16 * 1024 * 1024;

/** The smallest prefix that tells a unit's length: a pcapng block's type, length and (for a section) byte-order magic. */
const START_PREFIX = 12;

/**
 * An incremental pcap/pcapng decoder: bytes go in as chunks split anywhere, records come out in
 * file order. The format is detected from the first bytes (pcap in either byte order and
 * timestamp unit, or pcapng), and pcapng sections may change byte order along the way.
 *
 * Records within one chunk hold zero-copy views of it (packet data, option values); a record
 * spanning chunks is copied once. So the chunks must not be modified after they are pushed
 * (node:fs streams and sockets give fresh buffers, so this holds for them). While a record is
 * incomplete only its bytes are held, at most `maxRecordSize`.
 *
 * After it throws a {@link CaptureFileError} the decoder is poisoned and rethrows that error
 * until {@link CaptureDecoder.reset}.
 *
 * @example
 * ```ts
 * const decoder = new CaptureDecoder();
 * for await (const chunk of createReadStream('dump.pcapng')) {
 *   decoder.decode(chunk, (record) => { if (record.type === 'packet') console.log(record.timestamp); });
 * }
 * decoder.end();
 * ```
 */
export class CaptureDecoder {
  private readonly maxRecordSize: number;
  private readonly only: CaptureFormat | undefined;
  private readonly emitUnknown: boolean;
  private readonly pending = new Pending();
  /** Total length of the unit in progress, or -1 while its prefix is incomplete. */
  private need = -1;
  /** Bytes of the stream consumed by finished units: the offset of the unit in progress. */
  private consumed = 0;
  private fmt: CaptureFormat | undefined;
  private pcap: PcapHeader | undefined;
  private ng: PcapngState;
  private failure: CaptureFileError | undefined;

  /** @param options - Memory bound, unknown-block policy and accepted format. */
  constructor(options: CaptureDecoderOptions = {}) {
    this.maxRecordSize = checkLimit(options.maxRecordSize ?? DEFAULT_MAX_RECORD_SIZE, 'maxRecordSize', PCAP_HEADER_SIZE);
    this.only = options.format;
    this.emitUnknown = (options.unknownBlocks ?? 'skip') === 'emit';
    this.ng = new PcapngState(this.emitUnknown);
  }

  /** The format detected, once the first bytes were seen. */
  get format(): CaptureFormat | undefined {
    return this.fmt;
  }

  /** Bytes held for the record in progress. */
  get buffered(): number {
    return this.pending.bytes;
  }

  /** Bytes of the stream fully decoded so far. */
  get offset(): number {
    return this.consumed;
  }

  /**
   * Decodes `chunk`, calling `emit` for each completed record in order, before any error the chunk
   * causes is thrown.
   * @throws {@link CaptureFileError} for a bad header, length or block, or a record over `maxRecordSize`.
   */
  decode(chunk: Uint8Array, emit: CaptureSink): void {
    if (this.failure !== undefined) throw this.failure;
    try {
      this.run(chunk, emit);
    } catch (err) {
      if (err instanceof CaptureFileError) {
        this.pending.clear();
        this.need = -1;
        this.failure = err;
      }
      throw err;
    }
  }

  /**
   * Decodes `chunk` and returns the records it completed. If the chunk completes records and
   * then fails, those are returned and the error is thrown by the next call instead.
   * @throws {@link CaptureFileError} as {@link CaptureDecoder.decode}.
   */
  push(chunk: Uint8Array): CaptureRecord[] {
    const records: CaptureRecord[] = [];
    try {
      this.decode(chunk, (r) => {
        records.push(r);
      });
    } catch (err) {
      if (records.length === 0) throw err;
    }
    return records;
  }

  /**
   * Declares the end of the stream.
   * @throws {@link CaptureFileError} `ERR_RXSOCK_FRAME_TRUNCATED` if the stream ended inside a
   * header, record or block, or held no header at all.
   */
  end(): void {
    if (this.failure !== undefined) throw this.failure;
    const held = this.pending.bytes;
    let err: CaptureFileError | undefined;
    if (this.fmt === undefined) {
      err = new CaptureFileError(
        held === 0 ? 'empty capture file: no pcap or pcapng header' : `capture file of ${held} bytes ends inside its header`,
        CaptureFileErrorCode.TRUNCATED,
        0,
      );
    } else if (held > 0) {
      const what = this.need >= 0 ? `${held} of ${this.need} bytes` : `${held} bytes of a header`;
      err = new CaptureFileError(`capture file ends inside a ${this.fmt === 'pcap' ? 'record' : 'block'}: ${what}`, CaptureFileErrorCode.TRUNCATED, this.consumed);
    }
    if (err !== undefined) {
      this.pending.clear();
      this.need = -1;
      this.failure = err;
      throw err;
    }
  }

  /** Forgets everything, as if newly constructed. */
  reset(): void {
    this.pending.clear();
    this.need = -1;
    this.consumed = 0;
    this.fmt = undefined;
    this.pcap = undefined;
    this.ng = new PcapngState(this.emitUnknown);
    this.failure = undefined;
  }

  private run(chunk: Uint8Array, emit: CaptureSink): void {
    const end = chunk.length;
    const pending = this.pending;
    let off = 0;
    for (;;) {
      if (this.need < 0) {
        const prefix = this.prefixSize();
        const have = pending.bytes;
        if (have + end - off < prefix) {
          if (end > off) pending.add(chunk, off, end);
          return;
        }
        // The prefix is read in place; it is copied only when it spans chunks.
        const head = have === 0 ? view(chunk, off, off + prefix) : pending.gather(prefix, chunk, off);
        this.need = this.unitLength(head);
      }
      const want = this.need - pending.bytes;
      if (end - off < want) {
        if (end > off) pending.add(chunk, off, end);
        return;
      }
      let unit: Uint8Array;
      if (pending.bytes === 0) {
        unit = view(chunk, off, off + want);
      } else {
        unit = pending.gather(this.need, chunk, off);
        pending.clear();
      }
      off += want;
      this.need = -1;
      const at = this.consumed;
      this.consumed += unit.length;
      this.parse(unit, at, emit);
    }
  }

  /** Bytes needed to know the length of the next unit. */
  private prefixSize(): number {
    if (this.fmt === 'pcap') return this.pcap === undefined ? PCAP_HEADER_SIZE : PCAP_RECORD_HEADER_SIZE;
    return START_PREFIX;
  }

  /** The whole length of the unit whose prefix is `head`; checks it against the limits. */
  private unitLength(head: Uint8Array): number {
    const at = this.consumed;
    if (this.fmt === undefined) {
      const pcap = pcapMagic(head);
      if (pcap !== undefined) this.fmt = 'pcap';
      else if (u32(head, 0, true) === PcapngBlockTypeSection) this.fmt = 'pcapng';
      else throw badCapture(`not a pcap or pcapng file: it starts with ${hex(head.subarray(0, 4))}`, 0);
      if (this.only !== undefined && this.only !== this.fmt) throw badCapture(`a ${this.fmt} file where ${this.only} was expected`, 0);
      if (this.fmt === 'pcap') return PCAP_HEADER_SIZE;
    }
    let length: number;
    if (this.fmt === 'pcap') {
      if (this.pcap === undefined) return PCAP_HEADER_SIZE;
      length = PCAP_RECORD_HEADER_SIZE + pcapRecordLength(head, 0, this.pcap.littleEndian);
    } else {
      const type = u32(head, 0, this.ng.littleEndian);
      length = type === PcapngBlockTypeSection ? sectionHeaderLength(head, 0, at).length : u32(head, 4, this.ng.littleEndian);
      if (length < 12 || length % 4 !== 0) {
        throw badCapture(`block length ${length} is not a multiple of 4 of at least 12`, at);
      }
      if (type === PcapngBlockTypeSection && length < 28) throw badCapture(`section header block of ${length} bytes is shorter than 28`, at);
    }
    if (length > this.maxRecordSize) {
      throw new CaptureFileError(
        `${this.fmt === 'pcap' ? 'record' : 'block'} of ${length} bytes exceeds maxRecordSize ${this.maxRecordSize}`,
        CaptureFileErrorCode.TOO_LARGE,
        at,
      );
    }
    return length;
  }

  private parse(unit: Uint8Array, at: number, emit: CaptureSink): void {
    if (this.fmt === 'pcap') {
      if (this.pcap === undefined) {
        const header = parsePcapHeader(unit);
        this.pcap = header;
        emit(header.section);
        emit(header.interface);
      } else {
        emit(parsePcapRecord(unit, this.pcap));
      }
      return;
    }
    const le = this.ng.littleEndian;
    const type = u32(unit, 0, le);
    const trailer = u32(unit, unit.length - 4, type === PcapngBlockTypeSection ? sectionHeaderLength(unit, 0, at).littleEndian : le);
    if (trailer !== unit.length) throw badCapture(`block's trailing length ${trailer} differs from its leading length ${unit.length}`, at);
    const record = parsePcapngBlock(unit, this.ng, at);
    if (record !== undefined) emit(record);
  }
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}
