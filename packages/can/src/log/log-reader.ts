/**
 * Streaming candump log reader: byte chunks (a file, a socket, stdin) to log entries, holding at
 * most one line at a time.
 */
import { createReadStream } from 'node:fs';
import type { OperatorFunction } from 'rxjs';
import { Buffer } from 'node:buffer';
import { FrameError, LineDecoder, decodeWith } from '@rxsock/core';
import { CanLogError } from './errors.js';
import { parseCandumpLine, type CandumpLogEntry } from './log-line.js';

/**
 * Longest line accepted by default: a CAN XL frame with 2,048 bytes is about 4,140 characters;
 * canplayer's own buffer is smaller (it refuses such lines with an error, as this does).
 */
export const CANDUMP_MAX_LINE = 8192;

/** Options of {@link CandumpLogDecoder}. */
export interface CandumpLogDecoderOptions {
  /** Longest line in characters; a longer one is an error. Default {@link CANDUMP_MAX_LINE}. */
  maxLineLength?: number;
  /** Keep each entry's line as read in its `line` field (canplayer's `stdout=` hook prints it as is). Default false. */
  keepLines?: boolean;
}

/**
 * Incremental decoder: feed chunks with {@link CandumpLogDecoder.push}, finish with
 * {@link CandumpLogDecoder.end}. Lines not starting with `(` are skipped like canplayer does;
 * any other bad line throws a {@link CanLogError} with its line number, after which the decoder
 * rethrows it (the log is not trusted past a bad line).
 */
export class CandumpLogDecoder {
  private readonly lines: LineDecoder;
  private lineNumber = 0;
  private failure: Error | undefined;
  private readonly maxLineLength: number;
  private readonly keepLines: boolean;

  /** @param options - Line length limit. */
  constructor(options: CandumpLogDecoderOptions = {}) {
    this.maxLineLength = options.maxLineLength ?? CANDUMP_MAX_LINE;
    this.keepLines = options.keepLines ?? false;
    this.lines = new LineDecoder({ maxLength: this.maxLineLength, stripCR: true, unterminated: 'emit' });
  }

  /** Lines read so far (complete ones). */
  get linesRead(): number {
    return this.lineNumber;
  }

  /** Decodes a chunk; returns the entries of the lines it completed. */
  push(chunk: Uint8Array | string): CandumpLogEntry[] {
    if (this.failure !== undefined) throw this.failure;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    const out: CandumpLogEntry[] = [];
    try {
      this.lines.decode(bytes, (line) => this.line(line, out));
    } catch (err) {
      throw this.fail(err);
    }
    return out;
  }

  /** Declares the end of input; returns the entry of a last line without a newline, if any. */
  end(): CandumpLogEntry[] {
    if (this.failure !== undefined) throw this.failure;
    const out: CandumpLogEntry[] = [];
    try {
      const last = this.lines.end();
      if (last !== undefined) this.line(last, out);
    } catch (err) {
      throw this.fail(err);
    }
    return out;
  }

  private line(bytes: Uint8Array, out: CandumpLogEntry[]): void {
    this.lineNumber++;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    const entry = parseCandumpLine(text, this.lineNumber);
    if (entry !== undefined) out.push(this.keepLines ? { ...entry, line: text } : entry);
  }

  private fail(err: unknown): Error {
    if (err instanceof FrameError) {
      this.failure = new CanLogError(`line longer than ${this.maxLineLength} characters`, this.lineNumber + 1, '');
    } else this.failure = err instanceof Error ? err : new Error(String(err));
    return this.failure;
  }
}

/**
 * Parses a whole log held in memory.
 * @throws {@link CanLogError} for the first bad line.
 */
export function parseCandumpLog(text: string, options?: CandumpLogDecoderOptions): CandumpLogEntry[] {
  const decoder = new CandumpLogDecoder(options);
  return [...decoder.push(text), ...decoder.end()];
}

/**
 * Reads a candump log from a file path or any chunk stream (an async iterable of bytes or
 * strings, such as `process.stdin` or a socket's chunks) as an async iterable of entries. It
 * pulls the next chunk only when the consumer asks for more, so memory stays at one chunk plus
 * one line whatever the file size.
 *
 * @example
 * ```ts
 * for await (const { frame, interfaceName } of readCandumpLog('drive.log')) { ... }
 * ```
 * @throws {@link CanLogError} (from the iterator) for a bad line; errors of the file as Node gives them.
 */
export async function* readCandumpLog(
  source: string | AsyncIterable<Uint8Array | string>,
  options?: CandumpLogDecoderOptions,
): AsyncGenerator<CandumpLogEntry, void, undefined> {
  const decoder = new CandumpLogDecoder(options);
  const chunks = typeof source === 'string' ? createReadStream(source, { highWaterMark: 64 * 1024 }) : source;
  for await (const chunk of chunks) {
    const entries = decoder.push(chunk as Uint8Array | string);
    for (const entry of entries) yield entry;
  }
  for (const entry of decoder.end()) yield entry;
}

/**
 * RxJS operator: byte or string chunks of a candump log to entries. A bad line is the
 * Observable's error ({@link CanLogError} with the line number).
 */
export function candumpLogEntries(options?: CandumpLogDecoderOptions): OperatorFunction<Uint8Array | string, CandumpLogEntry> {
  new CandumpLogDecoder(options);
  return decodeWith<Uint8Array | string, CandumpLogEntry>(() => {
    const decoder = new CandumpLogDecoder(options);
    return {
      decode: (chunk, emit) => decoder.push(chunk).forEach((entry) => emit(entry)),
      end: (emit) => decoder.end().forEach((entry) => emit(entry)),
    };
  });
}
