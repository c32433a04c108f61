import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from '../../src/index.js';
import { ChunkReader, consumeChunks } from '../../src/stream/index.js';
import { PatternSource, sendAll, tcpPair, waitFor } from './helpers.js';

const open: Socket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) if (!s.closed) s.close();
});

async function pair(): Promise<[Socket, Socket]> {
  const p = await tcpPair();
  open.push(...p);
  return p;
}

describe('ChunkReader.recycle', () => {
  it('does nothing unless recycling was enabled', async () => {
    const [client, server] = await pair();
    const reader = new ChunkReader(server);
    const got: Buffer[] = [];
    reader.attachSink({ closed: false, next: (c) => got.push(c), error: () => {}, complete: () => {} });
    reader.request(Infinity);
    await client.sendAll(Buffer.alloc(60_000, 1));
    await waitFor(() => got.reduce((n, c) => n + c.length, 0) === 60_000, 'the bytes');
    for (const c of got) {
      expect(reader.recycle(c)).toBe(false);
      expect(c.length).toBeGreaterThan(0);
    }
    reader.close();
  });

  it('takes back a whole chunk it handed out and detaches it; leaves copies and foreign buffers alone', async () => {
    const [client, server] = await pair();
    const reader = new ChunkReader(server, { chunkSize: 65536 });
    reader.enableRecycling();
    const got: Buffer[] = [];
    reader.attachSink({ closed: false, next: (c) => got.push(c), error: () => {}, complete: () => {} });
    reader.request(Infinity);
    await client.sendAll(Buffer.alloc(60_000, 1)); // one mostly full read: handed over whole
    await waitFor(() => got.length === 1, 'the big chunk');
    const big = got[0]!;
    expect(big.length).toBe(60_000);
    expect(reader.recycle(big)).toBe(true);
    expect(big.length).toBe(0); // detached: a kept reference reads as empty
    expect(reader.recycle(big)).toBe(false); // once only

    await client.sendAll(Buffer.from('tiny')); // a short read is copied out
    await waitFor(() => got.length === 2, 'the small chunk');
    const small = got[1]!;
    expect(reader.recycle(small)).toBe(false);
    expect(small.toString()).toBe('tiny');

    const foreign = Buffer.alloc(65536, 7);
    expect(reader.recycle(foreign)).toBe(false);
    expect(foreign.length).toBe(65536);
    reader.close();
  });

  it('takes back a whole read-ahead: a queue refilled in one turn comes back buffer for buffer', async () => {
    const [client, server] = await pair();
    // Read-ahead of 16 chunks: the free list must hold 16 (+ spares), not a fixed 4.
    const reader = new ChunkReader(server, { chunkSize: 4096, highWaterMark: 16 * 4096 });
    reader.enableRecycling();
    const got: Buffer[] = [];
    reader.attachSink({ closed: false, next: (c) => got.push(c), error: () => {}, complete: () => {} });
    reader.request(0);
    await client.sendAll(Buffer.alloc(16 * 4096, 3));
    // Without credit the reader reads ahead to its high-water mark, 16 full chunks.
    await waitFor(() => reader.buffered === 16 * 4096, 'the read-ahead');
    reader.request(16);
    expect(got.length).toBe(16);
    const taken = got.map((c) => reader.recycle(c));
    expect(taken.filter(Boolean).length).toBe(16);
    expect(got.every((c) => c.length === 0)).toBe(true);
    reader.close();
  });

  it('reads into the buffers given back: 64 MiB arrive intact while array-buffer memory stays flat', async () => {
    const [client, server] = await pair();
    // One block sent over and over, so the sender (in this process) allocates nothing per send.
    const block = new PatternSource(3).next(65536);
    const rounds = 1024;
    const expected = createHash('sha256');
    for (let i = 0; i < rounds; i++) expected.update(block);
    const reader = new ChunkReader(server, { highWaterMark: 256 * 1024 });
    reader.enableRecycling();
    const hash = createHash('sha256');
    let bytes = 0;
    let takenBack = 0;
    let copiedBytes = 0;
    let peakArrayBuffers = 0;
    const baseline = process.memoryUsage().arrayBuffers;
    const done = consumeChunks(reader, (chunk) => {
      hash.update(chunk);
      bytes += chunk.length;
      // The handler gives the chunk back itself here, to count what was taken back.
      if (reader.recycle(chunk)) takenBack++;
      else copiedBytes += chunk.length;
      const ab = process.memoryUsage().arrayBuffers - baseline;
      if (ab > peakArrayBuffers) peakArrayBuffers = ab;
    });
    const sending = (async () => {
      for (let i = 0; i < rounds; i++) await client.sendAll(block);
      client.shutdown('write');
    })();
    await Promise.all([done, sending]);
    console.info(`[recycle] ${takenBack} chunks taken back, ${(copiedBytes / 2 ** 20).toFixed(1)} MiB in short reads copied out; peak arrayBuffers ${(peakArrayBuffers / 2 ** 20).toFixed(1)} MiB over the start`);
    expect(bytes).toBe(rounds * block.length);
    expect(hash.digest('hex')).toBe(expected.digest('hex'));
    // Full reads come back; short reads (more of them on a loaded machine) are copies that stay
    // the consumer's, and only they can pile up as garbage.
    expect(takenBack).toBeGreaterThan(rounds / 4);
    expect(peakArrayBuffers).toBeLessThan((8 << 20) + copiedBytes);
  });
});

describe('consumeChunks({ recycle: true })', () => {
  it('gives each chunk back once its handler settled: the data is intact, kept chunks read as empty', async () => {
    const [client, server] = await pair();
    const total = 8 << 20;
    const source = new PatternSource(7);
    const hash = createHash('sha256');
    const kept: Buffer[] = [];
    const consumed = consumeChunks(
      server,
      async (chunk) => {
        hash.update(chunk);
        kept.push(chunk);
        await new Promise((r) => setImmediate(r)); // still valid across the handler's own awaits
        expect(chunk.length).toBeGreaterThan(0);
      },
      { recycle: true },
    );
    await Promise.all([consumed, sendAll(client, source, total).then(() => client.shutdown('write'))]);
    expect(hash.digest('hex')).toBe(source.digest());
    const emptied = kept.filter((c) => c.length === 0).length;
    expect(emptied).toBeGreaterThan(kept.length / 2);
  });
});
