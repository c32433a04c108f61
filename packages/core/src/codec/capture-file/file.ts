import { createReadStream, createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { CaptureDecoder, type CaptureDecoderOptions } from './decoder.js';
import { createCaptureEncoder, type CaptureEncoder, type CaptureEncoderOptions } from './encoder.js';
import type { CaptureRecord, CaptureRecordInit } from './records.js';

/**
 * Decodes capture records from any async iterable of chunks (a `node:fs` read stream, a
 * `node:net` socket, a fetch body). The source is read one chunk per step, so memory stays at one
 * chunk plus one record however large the file is; breaking out of the loop ends (and, for a
 * Node stream, destroys) the source.
 *
 * @param source - Chunks of a pcap or pcapng byte stream.
 * @param options - Decoder options.
 * @throws {@link CaptureFileError} from the iteration for a bad or truncated file.
 */
export async function* decodeCaptureStream(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: CaptureDecoderOptions = {},
): AsyncGenerator<CaptureRecord, void, undefined> {
  const decoder = new CaptureDecoder(options);
  const out: CaptureRecord[] = [];
  const emit = (record: CaptureRecord): void => {
    out.push(record);
  };
  for await (const chunk of source) {
    let failure: unknown;
    try {
      decoder.decode(chunk, emit);
    } catch (err) {
      failure = err;
    }
    // Records completed before a failure are still delivered, then the failure.
    for (let i = 0; i < out.length; i++) yield out[i]!;
    out.length = 0;
    if (failure !== undefined) throw failure;
  }
  decoder.end();
}

/** Options of {@link readCaptureFile}. */
export interface ReadCaptureFileOptions extends CaptureDecoderOptions {
  /** Size of each read from the file; default 64 KiB. */
  readSize?: number;
}

/**
 * The records of a pcap or pcapng file, read as a stream with bounded memory.
 *
 * @example
 * ```ts
 * for await (const record of readCaptureFile('dump.pcap')) {
 *   if (record.type === 'packet') console.log(record.timestamp, record.data.length);
 * }
 * ```
 * @param path - The file.
 * @param options - Decoder options and read size.
 * @throws {@link CaptureFileError} from the iteration for a bad or truncated file; the
 * file's own errors (ENOENT...) as Node reports them.
 */
export function readCaptureFile(path: string, options: ReadCaptureFileOptions = {}): AsyncGenerator<CaptureRecord, void, undefined> {
  const { readSize = 64 * 1024, ...decoderOptions } = options;
  new CaptureDecoder(decoderOptions); // bad options throw now, not at the first next()
  return decodeCaptureStream(createReadStream(path, { highWaterMark: readSize }), decoderOptions);
}

/**
 * Writes records to a Node writable stream through an encoder, with the stream's backpressure:
 * {@link CaptureFileWriter.write} says when to wait, {@link CaptureFileWriter.writeAll} waits by
 * itself.
 */
export class CaptureFileWriter {
  private failure: Error | undefined;
  private count = 0;

  /**
   * @param stream - Where the bytes go (a file, a socket, stdout).
   * @param encoder - The format.
   */
  constructor(
    readonly stream: Writable,
    readonly encoder: CaptureEncoder,
  ) {
    stream.on('error', (err: Error) => {
      this.failure ??= err;
    });
  }

  /** Records written so far (those that produced bytes). */
  get written(): number {
    return this.count;
  }

  /**
   * Encodes and writes one record. Returns false when the stream is above its high-water mark:
   * wait for {@link CaptureFileWriter.drain} before writing more.
   * @throws {@link CaptureFileError} `ERR_RXSOCK_FRAME_INVALID` for a record the format cannot
   * carry (nothing is written), or the stream's error if it failed.
   */
  write(record: CaptureRecordInit): boolean {
    if (this.failure !== undefined) throw this.failure;
    const bytes = this.encoder.encode(record);
    if (bytes.length === 0) return !this.stream.writableNeedDrain;
    this.count++;
    return this.stream.write(bytes);
  }

  /** Resolves once the stream is below its high-water mark; rejects if it fails first. */
  drain(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (!this.stream.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error): void => {
        this.stream.off('drain', onDrain);
        this.stream.off('error', done);
        this.stream.off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = (): void => done();
      const onClose = (): void => done(this.failure ?? new Error('the stream closed before it drained'));
      this.stream.on('drain', onDrain);
      this.stream.on('error', done);
      this.stream.on('close', onClose);
    });
  }

  /**
   * Writes every record, waiting for the stream to drain whenever it is full, so a fast source
   * never piles up in memory. Returns how many records produced bytes.
   */
  async writeAll(records: AsyncIterable<CaptureRecordInit> | Iterable<CaptureRecordInit>): Promise<number> {
    const before = this.count;
    for await (const record of records) {
      if (!this.write(record)) await this.drain();
    }
    return this.count - before;
  }

  /** Ends the stream and resolves when everything is flushed (`finish`), or rejects with its error. */
  close(): Promise<void> {
    const stream = this.stream;
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        stream.off('finish', onFinish);
        reject(err);
      };
      const onFinish = (): void => {
        stream.off('error', onError);
        resolve();
      };
      stream.once('error', onError);
      stream.once('finish', onFinish);
      stream.end();
    });
  }
}

/** Options of {@link createCaptureFile}: the format and its encoder options. */
export type CaptureFileOptions = CaptureEncoderOptions & {
  /** Bytes the file stream buffers before `write` returns false; default 64 KiB. */
  highWaterMark?: number;
};

/**
 * Opens (creates or truncates) a capture file for writing.
 *
 * @example
 * ```ts
 * const file = createCaptureFile('out.pcapng', { format: 'pcapng' });
 * file.write({ type: 'interface', linkType: 1, name: 'eth0' });
 * file.write({ type: 'packet', timestamp: 1_700_000_000_000_000_000n, data: frame });
 * await file.close();
 * ```
 */
export function createCaptureFile(path: string, options: CaptureFileOptions): CaptureFileWriter {
  const { highWaterMark = 64 * 1024, ...encoderOptions } = options;
  const encoder = createCaptureEncoder(encoderOptions as CaptureEncoderOptions);
  return new CaptureFileWriter(createWriteStream(path, { highWaterMark }), encoder);
}

/**
 * Writes records to a new file and closes it; resolves with the number of records that
 * produced bytes.
 */
export async function writeCaptureFile(
  path: string,
  records: AsyncIterable<CaptureRecordInit> | Iterable<CaptureRecordInit>,
  options: CaptureFileOptions,
): Promise<number> {
  const file = createCaptureFile(path, options);
  let n: number;
  try {
    n = await file.writeAll(records);
  } catch (err) {
    file.stream.destroy();
    throw err;
  }
  await file.close();
  return n;
}

/** Decodes a whole capture held in memory. */
export function parseCapture(bytes: Uint8Array, options: CaptureDecoderOptions = {}): CaptureRecord[] {
  const decoder = new CaptureDecoder(options);
  const records: CaptureRecord[] = [];
  decoder.decode(bytes, (r) => {
    records.push(r);
  });
  decoder.end();
  return records;
}
