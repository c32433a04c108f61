export { DbcError } from './errors.js';
export type { ByteOrder, SignalValueType, DbcSignal, DbcMessage, DbcNode, DbcAttributeDefinition } from './model.js';
export { parseDbc, type ParsedDbc } from './parse.js';
export type { SignalValues } from './plan.js';
export { DbcDatabase, loadDbc, loadDbcFile, type FrameLike, type DecodedMessage, type EncodedFrame, type SignalInput } from './database.js';
export { decodeSignals, encodeSignals, type DecodedFrame, type UndecodedFrame, type DecodeSignalsOptions, type SignalsToEncode } from './operators.js';
