/**
 * Framing codecs: incremental decoders that turn byte chunks into frames (length-prefixed,
 * delimiter/line, fixed size), their encoders, and RxJS operators over both.
 * @module
 */
export type { FrameDecoder, FrameSink } from './decoder.js';
export { FrameError, FrameErrorCode } from './errors.js';
export {
  LengthPrefixedDecoder,
  type LengthPrefixFormat,
  type LengthPrefixedOptions,
} from './length-prefixed.js';
export {
  DelimiterDecoder,
  LineDecoder,
  type DelimiterOptions,
  type LineOptions,
} from './delimiter.js';
export { FixedSizeDecoder, type FixedSizeOptions } from './fixed-size.js';
export {
  DelimiterEncoder,
  LengthPrefixEncoder,
  checkFixedSize,
  encodeDelimited,
  encodeLengthPrefixed,
  lengthPrefixHeader,
  type DelimitEncodeOptions,
  type LengthPrefixEncodeOptions,
} from './encoders.js';
export { decodeWith, type StreamDecoder } from './decode-with.js';
export {
  decodeFrames,
  delimit,
  delimited,
  fixedSize,
  lengthPrefix,
  lengthPrefixed,
  lines,
  type LengthPrefixOperatorOptions,
  type LinesOptions,
} from './operators.js';
