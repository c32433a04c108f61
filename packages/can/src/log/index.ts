/**
 * Logs and captures: can-utils' compact frame text and candump log lines (read and written,
 * streaming), LINKTYPE_CAN_SOCKETCAN records for pcap/pcapng, and replay.
 * @module
 */
export { CanLogError } from './errors.js';
export { formatCanFrameText, parseCanFrameText, type CanFrameTextOptions } from './frame-text.js';
export {
  formatCandumpLine,
  parseCandumpLine,
  type CandumpLineOptions,
  type CandumpLineSource,
  type CandumpLogEntry,
} from './log-line.js';
export {
  CANDUMP_MAX_LINE,
  CandumpLogDecoder,
  candumpLogEntries,
  parseCandumpLog,
  readCandumpLog,
  type CandumpLogDecoderOptions,
} from './log-reader.js';
export { candumpLogLines, writeCandumpLog } from './log-writer.js';
export { LINKTYPE_CAN_SOCKETCAN, canRecordSize, decodeCanRecord, encodeCanRecord } from './can-record.js';
export {
  replay$,
  replayCandumpLog,
  sendReplay,
  type ReplayOptions,
  type ReplaySource,
  type ReplayTarget,
} from './replay.js';
export {
  canCaptureRecords,
  readCanCapture,
  writeCanCapture,
  type CanCaptureOptions,
  type ReadCanCaptureOptions,
} from './can-capture.js';
