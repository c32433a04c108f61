/**
 * Streaming candump log writer: frames or entries to `candump -L` lines, into a file or any
 * Node writable, waiting for `drain` so that a slow disk holds the producer back.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { OperatorFunction } from 'rxjs';
import { rx } from '@rxsock/core';
import { formatCandumpLine, type CandumpLineOptions, type CandumpLineSource } from './log-line.js';

/** Characters gathered before one write(): fewer system calls than a write per line. */
const BATCH_CHARS = 16 * 1024;

/**
 * RxJS operator: frames (received frames or log entries) to log lines, each ending with `\n`.
 * @param options - Format options of {@link formatCandumpLine}.
 */
export function candumpLogLines(options: CandumpLineOptions = {}): OperatorFunction<CandumpLineSource, string> {
  return (source) => source.pipe(rx().map((item) => `${formatCandumpLine(item, options)}\n`));
}

/**
 * Writes a candump log: one line per item of `items` (sync or async iterable), batched into
 * writes of about 16 KiB, waiting for the destination's `drain` whenever it is full. A path is
 * opened (and truncated) and closed at the end; a stream given by the caller is left open.
 *
 * @returns The number of lines written.
 */
export async function writeCandumpLog(
  items: Iterable<CandumpLineSource> | AsyncIterable<CandumpLineSource>,
  destination: string | Writable,
  options: CandumpLineOptions = {},
): Promise<number> {
  const out = typeof destination === 'string' ? createWriteStream(destination) : destination;
  let pending = '';
  let count = 0;
  const flush = async (): Promise<void> => {
    if (pending === '') return;
    const ok = out.write(pending);
    pending = '';
    if (!ok) await once(out, 'drain');
  };
  try {
    for await (const item of items) {
      pending += formatCandumpLine(item, options) + '\n';
      count++;
      if (pending.length >= BATCH_CHARS) await flush();
    }
    await flush();
  } finally {
    if (typeof destination === 'string') {
      out.end();
      await once(out, 'close');
    }
  }
  return count;
}
