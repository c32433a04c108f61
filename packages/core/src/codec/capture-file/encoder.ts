import { PcapEncoder, type PcapEncoderOptions } from './pcap.js';
import { PcapngEncoder, type PcapngEncoderOptions } from './pcapng.js';
import type { CaptureFormat, CaptureRecordInit } from './records.js';

/** What {@link PcapEncoder} and {@link PcapngEncoder} have in common. */
export interface CaptureEncoder {
  /** The container written. */
  readonly format: CaptureFormat;
  /** Byte order of what is written. */
  readonly littleEndian: boolean;
  /** The bytes of one record (possibly none, possibly a header before it). */
  encode(record: CaptureRecordInit): Uint8Array;
}

/** Options of {@link createCaptureEncoder}: the format, and that format's encoder options. */
export type CaptureEncoderOptions = ({ format: 'pcap' } & PcapEncoderOptions) | ({ format: 'pcapng' } & PcapngEncoderOptions);

/** An encoder of the given format. */
export function createCaptureEncoder(options: CaptureEncoderOptions): PcapEncoder | PcapngEncoder {
  return options.format === 'pcap' ? new PcapEncoder(options) : new PcapngEncoder(options);
}
