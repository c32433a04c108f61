/**
 * pcap and pcapng capture files, generic over the link type: an incremental decoder (chunks split
 * anywhere in, records out), encoders for both formats and both byte orders, an RxJS operator,
 * an async iterable over a file and a file writer with backpressure. Packet families build on it
 * (`@rxsock/raw` for Ethernet and IP, `@rxsock/can` for LINKTYPE_CAN_SOCKETCAN).
 * @module
 */
export type {
  CaptureFormat,
  CaptureOption,
  TimestampResolution,
  CaptureSection,
  CaptureSectionDetails,
  CaptureInterface,
  CaptureInterfaceDetails,
  CapturePacket,
  CapturePacketDetails,
  PacketBlockKind,
  CaptureStatistics,
  CaptureStatisticsCounters,
  CaptureBlock,
  CaptureRecord,
  CaptureSectionInit,
  CaptureInterfaceInit,
  CapturePacketInit,
  CaptureStatisticsInit,
  CaptureRecordInit,
} from './records.js';
export { PcapngBlockType, PcapngOption } from './records.js';
export { CaptureFileError, CaptureFileErrorCode } from './errors.js';
export { TickClock, MICROSECONDS, NANOSECONDS } from './timestamp.js';
export {
  PcapEncoder,
  type PcapEncoderOptions,
  PCAP_MAGIC_MICROSECONDS,
  PCAP_MAGIC_NANOSECONDS,
  PCAP_HEADER_SIZE,
  PCAP_RECORD_HEADER_SIZE,
  DEFAULT_SNAPLEN,
} from './pcap.js';
export { PcapngEncoder, type PcapngEncoderOptions, PCAPNG_BYTE_ORDER_MAGIC } from './pcapng.js';
export { CaptureDecoder, type CaptureDecoderOptions, type CaptureSink, DEFAULT_MAX_RECORD_SIZE } from './decoder.js';
export { createCaptureEncoder, type CaptureEncoder, type CaptureEncoderOptions } from './encoder.js';
export { captureRecords, encodeCapture } from './operators.js';
export {
  decodeCaptureStream,
  readCaptureFile,
  CaptureFileWriter,
  createCaptureFile,
  writeCaptureFile,
  parseCapture,
  type ReadCaptureFileOptions,
  type CaptureFileOptions,
} from './file.js';
