import { describe, expect, it } from 'vitest';
import { firstValueFrom, take, toArray } from 'rxjs';
import { Socket, SocketError } from '../../src/index.js';
import { ChunkReader, readChunks, StreamErrorCode } from '../../src/stream/index.js';
import { sleep, tcpPair, waitFor } from './helpers.js';

type Event = { kind: 'next'; data: Buffer } | { kind: 'error'; error: unknown } | { kind: 'complete' };

function recorder() {
  const events: Event[] = [];
  return {
    events,
    observer: {
      next: (data: Buffer) => events.push({ kind: 'next', data }),
      error: (error: unknown) => events.push({ kind: 'error', error }),
      complete: () => events.push({ kind: 'complete' }),
    },
    /** Indices of terminal events; tests assert there is one, and it is last. */
    terminals: () => events.flatMap((e, i) => (e.kind === 'next' ? [] : [i])),
  };
}

/** Counts the reads a source makes, by wrapping the socket's hot-path read. */
function countReads(sock: Socket): { calls: number } {
  const counter = { calls: 0 };
  const original = sock.tryRecvInto.bind(sock);
  sock.tryRecvInto = (buf, n, flags) => {
    counter.calls++;
    return original(buf, n, flags);
  };
  return counter;
}

describe('readChunks: Observable semantics', () => {
  it('unsubscribing stops reading: the unread bytes stay in the kernel for a later reader', async () => {
    const [a, b] = Socket.pair();
    const payload = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    a.trySendv([payload]);
    const first = await firstValueFrom(readChunks(b, { chunkSize: 100 }));
    expect(first).toEqual(payload.subarray(0, 100));
    expect(b.pendingOperations).toBe(0);
    // Bytes sent after the unsubscribe are not read by anyone either.
    a.trySendv([Buffer.from('tail')]);
    await sleep(20);
    const rest = await firstValueFrom(readChunks(b, { chunkSize: 4096 }));
    expect(Buffer.concat([first, rest])).toEqual(Buffer.concat([payload, Buffer.from('tail')]));
    a.close();
    b.close();
  });

  it('unsubscribing a reader that waits for data removes its wait from the socket', async () => {
    const [a, b] = Socket.pair();
    const reads = countReads(b);
    const sub = readChunks(b).subscribe();
    await sleep(10);
    expect(b.pendingOperations).toBe(1);
    sub.unsubscribe();
    expect(b.pendingOperations).toBe(0);
    const before = reads.calls;
    a.trySendv([Buffer.from('later')]);
    await sleep(20);
    expect(reads.calls).toBe(before);
    expect(b.tryRecvInto(Buffer.alloc(16))).toBe(5);
    a.close();
    b.close();
  });

  it('completes at end of stream and emits nothing afterwards', async () => {
    const [a, b] = Socket.pair();
    const rec = recorder();
    const reader = new ChunkReader(b);
    reader.chunks$.subscribe(rec.observer);
    reader.request(Infinity);
    a.trySendv([Buffer.from('hello')]);
    a.shutdown('write');
    await waitFor(() => rec.terminals().length > 0, 'complete');
    reader.request(10);
    reader.resume();
    await sleep(20);
    expect(rec.events.map((e) => e.kind)).toEqual(['next', 'complete']);
    a.close();
    b.close();
  });

  it('a socket error reaches the subscriber as a typed SocketError, and nothing follows it', async () => {
    const [client, server] = await tcpPair();
    const rec = recorder();
    readChunks(server).subscribe(rec.observer);
    client.trySendv([Buffer.from('before reset')]);
    await waitFor(() => rec.events.length > 0, 'first chunk');
    // Linger 0: close() sends RST, so the server's next read fails with ECONNRESET.
    client.setOption('SO_LINGER', { enabled: true, seconds: 0 });
    client.close();
    await waitFor(() => rec.terminals().length > 0, 'error');
    await sleep(20);
    expect(rec.terminals()).toEqual([rec.events.length - 1]);
    const last = rec.events.at(-1)!;
    expect(last.kind).toBe('error');
    const error = (last as { error: unknown }).error;
    expect(error).toBeInstanceOf(SocketError);
    expect((error as SocketError).code).toBe('ECONNRESET');
    expect((error as SocketError).syscall).toBe('recv');
    server.close();
  });

  it('closing the socket under a waiting reader errors it with EBADF', async () => {
    const [a, b] = Socket.pair();
    const rec = recorder();
    readChunks(b).subscribe(rec.observer);
    await sleep(5);
    b.close();
    await waitFor(() => rec.terminals().length > 0, 'error');
    expect(rec.events).toHaveLength(1);
    expect((rec.events[0] as { error: SocketError }).error).toBeInstanceOf(SocketError);
    expect((rec.events[0] as { error: SocketError }).error.code).toBe('EBADF');
    a.close();
  });

  it('close() completes the subscriber; data arriving later is not emitted', async () => {
    const [a, b] = Socket.pair();
    const rec = recorder();
    const reader = new ChunkReader(b);
    reader.chunks$.subscribe(rec.observer);
    reader.request(Infinity);
    a.trySendv([Buffer.from('one')]);
    await waitFor(() => rec.events.length === 1, 'one chunk');
    reader.close();
    a.trySendv([Buffer.from('two')]);
    reader.request(5);
    await sleep(20);
    expect(rec.events.map((e) => e.kind)).toEqual(['next', 'complete']);
    // the socket was left readable for whoever comes next
    expect(b.tryRecvInto(Buffer.alloc(8))).toBe(3);
    a.close();
    b.close();
  });

  it('a second concurrent subscriber gets ERR_RXSOCK_SOURCE_BUSY; the first is unaffected', async () => {
    const [a, b] = Socket.pair();
    const reader = new ChunkReader(b);
    const first = recorder();
    const second = recorder();
    reader.chunks$.subscribe(first.observer);
    reader.chunks$.subscribe(second.observer);
    expect(second.events).toHaveLength(1);
    expect((second.events[0] as { error: SocketError }).error.code).toBe(StreamErrorCode.SOURCE_BUSY);
    reader.request(1);
    a.trySendv([Buffer.from('x')]);
    await waitFor(() => first.events.length === 1, 'chunk');
    expect(first.events[0]!.kind).toBe('next');
    reader.close();
    a.close();
    b.close();
  });

  it('a new subscriber of the same reader gets the queue the previous one left', async () => {
    const [a, b] = Socket.pair();
    const reader = new ChunkReader(b, { chunkSize: 4 });
    a.trySendv([Buffer.from('aaaabbbbcccc')]);
    const sub = reader.chunks$.subscribe();
    await waitFor(() => reader.buffered === 12, 'read-ahead');
    sub.unsubscribe();
    reader.request(Infinity);
    const got = await firstValueFrom(reader.chunks$.pipe(take(3), toArray()));
    expect(Buffer.concat(got).toString()).toBe('aaaabbbbcccc');
    reader.close();
    a.close();
    b.close();
  });
});

describe('read loop fairness', () => {
  it('reads at most readsPerTurn chunks per turn of the event loop, then yields', async () => {
    const [a, b] = Socket.pair();
    a.trySendv([Buffer.alloc(20 * 100, 1)]);
    let tick = 0;
    let ticking = true;
    const spin = (): void => {
      tick++;
      if (ticking) setImmediate(spin);
    };
    setImmediate(spin);
    const ticks: number[] = [];
    const done = new Promise<void>((resolve) =>
      readChunks(b, { chunkSize: 100, readsPerTurn: 4 })
        .pipe(take(20))
        .subscribe({ next: () => ticks.push(tick), complete: resolve }),
    );
    await done;
    ticking = false;
    const perTick = new Map<number, number>();
    for (const t of ticks) perTick.set(t, (perTick.get(t) ?? 0) + 1);
    expect(Math.max(...perTick.values())).toBeLessThanOrEqual(4);
    expect(perTick.size).toBeGreaterThanOrEqual(5);
    a.close();
    b.close();
  });

  it('never spins: an idle reader makes one read and waits; a paused one makes none', async () => {
    const [a, b] = Socket.pair();
    const reads = countReads(b);
    const reader = new ChunkReader(b, { highWaterMark: 0 });
    const got: Buffer[] = [];
    reader.chunks$.subscribe((c) => got.push(c));
    reader.request(1);
    await sleep(50);
    expect(reads.calls).toBe(1);
    reader.pause();
    expect(reader.reading).toBe(false);
    expect(b.pendingOperations).toBe(0);
    a.trySendv([Buffer.from('data')]);
    await sleep(30);
    expect(reads.calls).toBe(1);
    // Resuming reads at once: the data arrived while paused and no new edge will announce it.
    reader.resume();
    expect(reads.calls).toBe(2);
    expect(Buffer.concat(got).toString()).toBe('data');
    await sleep(30);
    expect(reads.calls).toBe(2);
    reader.close();
    a.close();
    b.close();
  });

  it('resume() delivers data that arrived while paused without any new edge', async () => {
    const [a, b] = Socket.pair();
    const reader = new ChunkReader(b, { highWaterMark: 0 });
    const got: Buffer[] = [];
    reader.chunks$.subscribe((c) => got.push(c));
    reader.request(Infinity);
    reader.pause();
    a.trySendv([Buffer.from('queued while paused')]);
    await sleep(20);
    expect(got).toHaveLength(0);
    reader.resume();
    // synchronous: read at once on resume
    expect(Buffer.concat(got).toString()).toBe('queued while paused');
    reader.close();
    a.close();
    b.close();
  });
});
