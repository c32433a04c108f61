import { afterEach, describe, expect, it } from 'vitest';
import { Socket, SocketError } from '../../src/index.js';
import { ChunkReader, readChunks } from '../../src/stream/index.js';
import { READ_AHEAD_BYTES, recvBatch, swapRecvBatch, type SyscallBatch } from '../../src/sys/syscall-batch.js';
import { reactor } from '../../src/poller/index.js';
import { PatternSource, sleep, spyBatch, tcpPair, waitFor } from './helpers.js';

/** Collects a reader's chunks and how it ended. */
function collect(reader: ChunkReader): { bytes: () => Buffer; ended: () => unknown } {
  const chunks: Buffer[] = [];
  let end: unknown;
  reader.chunks$.subscribe({ next: (c) => chunks.push(Buffer.from(c)), complete: () => (end = 'complete'), error: (e: unknown) => (end = e) });
  return { bytes: () => Buffer.concat(chunks), ended: () => end };
}

const real = recvBatch();
let restore: SyscallBatch | null | undefined;
afterEach(() => {
  if (restore !== undefined) swapRecvBatch(restore);
  restore = undefined;
});

/**
 * Whether one wake-up sees a burst whole: the default driver dispatches what epoll holds when
 * libuv polls; the thread driver's wait, on another thread, returns at the burst's first event,
 * so there a burst may come in wake-ups of one and nothing is read ahead (the bytes still must be).
 */
const burstsBatch = reactor().driver === 'uv_poll';

/** Lets every reader reach its wait for an edge (the first read finds nothing). */
const settle = (): Promise<void> => sleep(20);

describe('read-ahead: a wake-up reads its readable stream sockets in one system call', () => {
  it('20 connections written in one tick: one batch reads them all, every byte in order', async () => {
    expect(real, 'io_uring refused here: reads are one system call each').not.toBeNull();
    const spy = spyBatch(real!);
    restore = swapRecvBatch(spy);
    const pairs = Array.from({ length: 20 }, () => Socket.pair());
    const readers = pairs.map(([, b]) => new ChunkReader(b));
    const got = readers.map((r) => collect(r));
    readers.forEach((r) => r.request(Infinity));
    await settle();
    const sent = pairs.map(([a], i) => {
      const message = new PatternSource(i + 1).next(100 + i);
      a.trySendv([message]);
      return message;
    });
    await waitFor(() => got.every((g, i) => g.bytes().length === sent[i]!.length), 'every message');
    got.forEach((g, i) => expect(g.bytes().equals(sent[i]!), `connection ${i}`).toBe(true));
    if (burstsBatch) {
      expect(spy.recvs).toBe(20);
      expect(spy.runs).toBeLessThan(20);
    }
    for (const [a, b] of pairs) {
      a.close();
      b.close();
    }
  });

  it('a reader paused by another connection in the same wake-up gets its bytes on resume, once', async () => {
    const spy = spyBatch(real!);
    restore = swapRecvBatch(spy);
    const [[a1, b1], [a2, b2]] = [Socket.pair(), Socket.pair()];
    const r1 = new ChunkReader(b1);
    const r2 = new ChunkReader(b2);
    const chunks: Array<[number, string]> = [];
    // Whichever hears first pauses the other, whose read was already made ahead.
    const ignore = (): void => {};
    r1.chunks$.subscribe({
      next: (c) => {
        chunks.push([1, c.toString()]);
        if (chunks.length === 1) r2.pause();
      },
      error: ignore,
    });
    r2.chunks$.subscribe({
      next: (c) => {
        chunks.push([2, c.toString()]);
        if (chunks.length === 1) r1.pause();
      },
      error: ignore,
    });
    r1.request(Infinity);
    r2.request(Infinity);
    await settle();
    a1.trySendv([Buffer.from('one')]);
    a2.trySendv([Buffer.from('two')]);
    await waitFor(() => chunks.length === 1, 'the first chunk');
    await sleep(20);
    expect(chunks.length).toBe(1);
    if (burstsBatch) expect(spy.recvs).toBe(2);
    r1.resume();
    r2.resume();
    await waitFor(() => chunks.length === 2, 'the paused reader');
    await sleep(20);
    expect(chunks.map(([, text]) => text).sort()).toEqual(['one', 'two']);
    // The kernel gave those bytes once: a later arrival follows them, nothing is read twice.
    a1.trySendv([Buffer.from('three')]);
    await waitFor(() => chunks.length === 3, 'the next chunk');
    expect(chunks[2]).toEqual([1, 'three']);
    r1.close();
    r2.close();
    for (const s of [a1, b1, a2, b2]) s.close();
  });

  it.each(['recv', 'recvMsg'] as const)('a reader closed by another connection in the same wake-up leaves its bytes to the next %s', async (how) => {
    restore = swapRecvBatch(spyBatch(real!));
    const [[a1, b1], [a2, b2]] = [Socket.pair(), Socket.pair()];
    const r1 = new ChunkReader(b1);
    const r2 = new ChunkReader(b2);
    const closedBy: number[] = [];
    const ignore = (): void => {};
    r1.chunks$.subscribe({
      next: () => {
        if (closedBy.length === 0) closedBy.push(1), r2.close();
      },
      error: ignore,
    });
    r2.chunks$.subscribe({
      next: () => {
        if (closedBy.length === 0) closedBy.push(2), r1.close();
      },
      error: ignore,
    });
    r1.request(Infinity);
    r2.request(Infinity);
    await settle();
    a1.trySendv([Buffer.from('for b1')]);
    a2.trySendv([Buffer.from('for b2')]);
    await waitFor(() => closedBy.length === 1, 'one reader');
    // The closed reader's socket is still open: a plain recv gets what its read made ahead.
    const [orphan, text] = closedBy[0] === 1 ? [b2, 'for b2'] : [b1, 'for b1'];
    const bytes = how === 'recv' ? await orphan.recv(100) : (await orphan.recvMsg(100, 64)).data;
    expect(bytes.toString()).toBe(text);
    for (const s of [a1, b1, a2, b2]) s.close();
  });

  it('more than a read-ahead arrives: the rest is read directly, in order', async () => {
    const spy = spyBatch(real!);
    restore = swapRecvBatch(spy);
    const pairs = [await tcpPair(), await tcpPair()];
    const readers = pairs.map(([, b]) => new ChunkReader(b));
    const got = readers.map((r) => collect(r));
    readers.forEach((r) => r.request(Infinity));
    await settle();
    const size = READ_AHEAD_BYTES * 3 + 17;
    const sent = pairs.map(([a], i) => {
      const message = new PatternSource(40 + i).next(size);
      a.trySendv([message]);
      return message;
    });
    await waitFor(() => got.every((g) => g.bytes().length >= size), 'both messages');
    got.forEach((g, i) => expect(g.bytes().equals(sent[i]!)).toBe(true));
    if (burstsBatch) expect(spy.recvs).toBeGreaterThanOrEqual(2);
    for (const [a, b] of pairs) {
      a.close();
      b.close();
    }
  });

  it('end of stream and a reset read ahead: one reader completes, the other fails with the typed recv error', async () => {
    const spy = spyBatch(real!);
    restore = swapRecvBatch(spy);
    const [c1, s1] = await tcpPair();
    const [c2, s2] = await tcpPair();
    const ending = collect(new ChunkReader(s1));
    const failing = readChunks(s2);
    let failure: unknown;
    failing.subscribe({ error: (e: unknown) => (failure = e) });
    await settle();
    const before = spy.recvs;
    c1.shutdown('write');
    c2.setOption('SO_LINGER', { enabled: true, seconds: 0 });
    c2.close();
    await waitFor(() => ending.ended() !== undefined && failure !== undefined, 'both ends');
    expect(ending.ended()).toBe('complete');
    expect(failure).toBeInstanceOf(SocketError);
    expect(failure).toMatchObject({ code: 'ECONNRESET', syscall: 'recv' });
    if (burstsBatch) expect(spy.recvs).toBeGreaterThan(before);
    for (const s of [c1, s1, s2]) s.close();
  });
});
