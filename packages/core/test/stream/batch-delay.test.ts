import { afterEach, describe, expect, it, vi } from 'vitest';
import { C, Socket, SocketError } from '../../src/index.js';
import { DatagramReader, type Datagram } from '../../src/stream/index.js';
import { sleep, udpSocket, waitFor } from './helpers.js';

const DELAY = 40;
const open: Socket[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const s of open.splice(0)) if (!s.closed) s.close();
});

/** Watches the rest timers (the reader's only setTimeout calls of DELAY ms): how many were set, how many are live. */
function watchRests(): { started: () => number; live: () => number } {
  const live = new Set<unknown>();
  let started = 0;
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number, ...args: unknown[]) => {
    if (ms !== DELAY) return (realSet as (...a: unknown[]) => NodeJS.Timeout)(fn, ms, ...args);
    started++;
    const timer = realSet(() => {
      live.delete(timer);
      (fn as (...a: unknown[]) => void)(...args);
    }, ms);
    live.add(timer);
    return timer;
  }) as typeof setTimeout);
  vi.spyOn(globalThis, 'clearTimeout').mockImplementation(((timer?: NodeJS.Timeout) => {
    live.delete(timer);
    realClear(timer);
  }) as typeof clearTimeout);
  return { started: () => started, live: () => live.size };
}

/** A receiving socket whose successful recvmmsg calls are recorded by size, a reader on it, and a sender. */
function setup(batchDelayMs: number): { reader: DatagramReader; batches: number[]; got: { text: string; at: number }[]; send: (...texts: string[]) => Promise<void> } {
  const [sock, port] = udpSocket();
  const sender = Socket.create(C.AF_INET, C.SOCK_DGRAM);
  open.push(sock, sender);
  const batches: number[] = [];
  const tryRecvBatch = sock.tryRecvBatch.bind(sock);
  sock.tryRecvBatch = (batch, flags) => {
    const n = tryRecvBatch(batch, flags);
    if (n > 0) batches.push(n);
    return n;
  };
  const reader = new DatagramReader(sock, { batchDelayMs, batchSize: 16 });
  const got: { text: string; at: number }[] = [];
  reader.datagrams$.subscribe((d: Datagram) => got.push({ text: d.data.toString(), at: performance.now() }));
  reader.request(Infinity);
  const send = async (...texts: string[]): Promise<void> => {
    for (const t of texts) await sender.sendTo(Buffer.from(t), ['127.0.0.1', port]);
  };
  return { reader, batches, got, send };
}

describe('DatagramReader batchDelayMs (reads gathered into batches)', () => {
  it('after draining, it pauses for the delay; what arrives meanwhile is read in one recvmmsg', async () => {
    const { reader, batches, got, send } = setup(DELAY);
    await send('a');
    await waitFor(() => got.length === 1, 'the first datagram');
    // The first datagram comes at its edge; the reader rests from right after its delivery.
    await send('b', 'c', 'd');
    await waitFor(() => got.length === 4, 'the gathered datagrams');
    expect(got.map((g) => g.text)).toEqual(['a', 'b', 'c', 'd']);
    expect(batches).toEqual([1, 3]);
    // Timers never fire early by more than their millisecond rounding.
    expect(got[1]!.at - got[0]!.at).toBeGreaterThanOrEqual(DELAY - 1);
    reader.close();
  });

  it('a rest that finds nothing ends in a wait for the next edge: an idle reader holds no timer', async () => {
    const rests = watchRests();
    const { reader, batches, got, send } = setup(DELAY);
    await send('a');
    await waitFor(() => got.length === 1, 'the first datagram');
    expect(rests.live()).toBe(1); // resting
    await sleep(DELAY * 4);
    // The rest found nothing: back to waiting on the socket, no timer loop.
    expect(rests.started()).toBe(1);
    expect(rests.live()).toBe(0);
    await send('e');
    await waitFor(() => got.length === 2, 'the datagram after the idle time');
    expect(batches).toEqual([1, 1]);
    expect(rests.started()).toBe(2);
    reader.close();
    expect(rests.live()).toBe(0);
  });

  it('close() during a rest cancels its timer', async () => {
    const rests = watchRests();
    const { reader, got, send } = setup(DELAY);
    await send('a');
    await waitFor(() => got.length === 1, 'the first datagram');
    expect(rests.live()).toBe(1);
    reader.close();
    expect(rests.live()).toBe(0);
  });

  it('with batchDelayMs 0 there is no rest: each edge is read at once', async () => {
    const rests = watchRests();
    const { reader, got, send } = setup(0);
    await send('a', 'b');
    await waitFor(() => got.length === 2, 'the datagrams');
    expect(rests.started()).toBe(0);
    reader.close();
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, 1001])('rejects batchDelayMs %s with a typed EINVAL', (value) => {
    const [sock] = udpSocket();
    open.push(sock);
    let error: unknown;
    try {
      new DatagramReader(sock, { batchDelayMs: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SocketError);
    expect((error as SocketError).code).toBe('EINVAL');
    expect(String((error as Error).message)).toContain('batchDelayMs');
  });
});
