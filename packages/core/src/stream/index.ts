/**
 * The stream layer: socket sources and sinks as RxJS observables with backpressure that reaches
 * the kernel (read interest dropped while a consumer has no credit, writers with water marks),
 * and bounded, counted datagram queues.
 * @module
 */
export { StreamErrorCode } from './errors.js';
export type { PumpHost, ReadStep } from './source.js';
export {
  ChunkReader,
  checkReadOptions,
  DEFAULT_CHUNK_SIZE,
  DEFAULT_READ_HIGH_WATER_MARK,
  readChunks,
  type ReadOptions,
  type ChunkSink,
} from './chunk-reader.js';
export { consumeChunks, type ConsumeOptions } from './consume.js';
export { ChunkReception, receptionStats } from './received-chunks.js';
export { chunksIterable, creditIterable } from './iterable.js';
export { unlimitedCredit, type CreditControl } from './credit.js';
export {
  DEFAULT_MAX_BUFFERED_FACTOR,
  DEFAULT_WRITE_HIGH_WATER_MARK,
  DEFAULT_WRITE_LOW_WATER_MARK,
  SocketWriter,
  type WriterOptions,
} from './writer.js';
export { sinkTo, type SinkOptions, type SinkTarget } from './sink.js';
export { pipeSocket, type PipeOptions, type PipeSource, type PipeTarget } from './pipe.js';
export {
  DatagramReader,
  checkDatagramReaderOptions,
  readDatagrams,
  type Datagram,
  type DatagramCounters,
  type DatagramDecoder,
  type DatagramReaderOptions,
  type OverflowPolicy,
} from './datagram-reader.js';
export * from './node/index.js';
