import { describe, expect, it } from 'vitest';
import { C, Socket, SocketError } from '../../src/index.js';
import { DatagramReader, readDatagrams, StreamErrorCode, type Datagram, type OverflowPolicy } from '../../src/stream/index.js';
import { sleep, udpSocket, waitFor } from './helpers.js';

/** Sends `count` datagrams `"<i>"` from a fresh socket to `port`; returns the sender. */
async function sendNumbered(port: number, count: number, first = 0): Promise<Socket> {
  const sender = Socket.create(C.AF_INET, C.SOCK_DGRAM);
  for (let i = first; i < first + count; i++) await sender.sendTo(Buffer.from(String(i)), ['127.0.0.1', port]);
  return sender;
}

const texts = (ds: Datagram[]): string[] => ds.map((d) => d.data.toString());
const range = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => String(from + i));

describe('DatagramReader overflow policies (consumer stops requesting)', () => {
  const cases: [OverflowPolicy, string[], Partial<Record<'droppedNewest' | 'droppedOldest', number>>][] = [
    // 20 datagrams, credit for 3, queue of 8: 9 must go
    ['drop-newest', range(3, 11), { droppedNewest: 9, droppedOldest: 0 }],
    ['drop-oldest', range(12, 20), { droppedNewest: 0, droppedOldest: 9 }],
  ];

  it.each(cases)('%s: exact counters, and the queue holds the right datagrams', async (policy, queued, drops) => {
    const [sock, port] = udpSocket();
    const reader = new DatagramReader(sock, { queueLimit: 8, overflow: policy, batchSize: 4 });
    const got: Datagram[] = [];
    reader.datagrams$.subscribe((d) => got.push(d));
    reader.request(3);
    const sender = await sendNumbered(port, 20);
    await waitFor(() => reader.counters.received === 20, 'all 20 read');
    expect(texts(got)).toEqual(range(0, 3));
    expect(reader.queued).toBe(8);
    expect(reader.counters).toEqual({ received: 20, delivered: 3, kernelDrops: 0, ...drops });
    reader.request(100);
    expect(texts(got)).toEqual([...range(0, 3), ...queued]);
    expect(reader.counters.delivered).toBe(11);
    expect(got[0]!.address).toMatchObject({ host: '127.0.0.1', port: (sender.getsockname() as { port: number }).port });
    reader.close();
    sender.close();
    sock.close();
  });

  it("'error': the datagram that finds the queue full fails the stream with ERR_RXSOCK_QUEUE_OVERFLOW; nothing follows", async () => {
    const [sock, port] = udpSocket();
    const reader = new DatagramReader(sock, { queueLimit: 8, overflow: 'error', batchSize: 4 });
    const events: string[] = [];
    let error: unknown;
    reader.datagrams$.subscribe({
      next: (d) => events.push(d.data.toString()),
      error: (e: unknown) => {
        events.push('error');
        error = e;
      },
      complete: () => events.push('complete'),
    });
    reader.request(3);
    const sender = await sendNumbered(port, 20);
    await waitFor(() => events.includes('error'), 'overflow error');
    expect(error).toBeInstanceOf(SocketError);
    expect((error as SocketError).code).toBe(StreamErrorCode.QUEUE_OVERFLOW);
    expect(reader.counters).toEqual({ received: 12, delivered: 3, droppedNewest: 1, droppedOldest: 0, kernelDrops: 0 });
    reader.request(100);
    await sendNumbered(port, 5, 100).then((s) => s.close());
    await sleep(20);
    expect(events).toEqual([...range(0, 3), 'error']);
    expect(sock.pendingOperations).toBe(0);
    sender.close();
    sock.close();
  });

  it('readDatagrams: the Observable form delivers everything and stops reading on unsubscribe', async () => {
    const [sock, port] = udpSocket();
    const got: Datagram[] = [];
    const sub = readDatagrams(sock, { batchSize: 8 }).subscribe((d) => got.push(d));
    const sender = await sendNumbered(port, 50);
    await waitFor(() => got.length === 50, '50 datagrams');
    expect(texts(got)).toEqual(range(0, 50));
    sub.unsubscribe();
    expect(sock.pendingOperations).toBe(0);
    await sender.sendTo(Buffer.from('left in the kernel'), ['127.0.0.1', port]);
    await sleep(20);
    expect(got).toHaveLength(50);
    expect((await sock.recvFrom(100))[0].toString()).toBe('left in the kernel');
    sender.close();
    sock.close();
  });
});

describe('DatagramReader kernel drops (SO_RXQ_OVFL)', () => {
  it('counts what a flooded small receive buffer lost, as the sum of the deltas it emitted', async () => {
    const [sock, port] = udpSocket();
    sock.setOption('SO_RCVBUF', 4096);
    const reader = new DatagramReader(sock, { batchSize: 16 });
    expect(sock.getOption('SO_RXQ_OVFL')).toBe(true);
    const deltas: number[] = [];
    reader.kernelDrops$.subscribe((d) => deltas.push(d));
    // Flood while nobody reads: the kernel queue fills and the rest is dropped by the kernel.
    const flood = 500;
    const sender = await sendNumbered(port, flood);
    const got: Datagram[] = [];
    reader.datagrams$.subscribe((d) => got.push(d));
    reader.request(Infinity);
    // Drained: the reader has seen EAGAIN and waits for the next edge.
    await waitFor(() => got.length > 0 && sock.pendingOperations === 1, 'the kernel queue drained');
    const queuedByKernel = got.length;
    // The counter rides on datagrams queued after the drops: send one more to carry it.
    await sender.sendTo(Buffer.from('marker'), ['127.0.0.1', port]);
    await waitFor(() => got.some((d) => d.data.toString() === 'marker'), 'marker');
    const { kernelDrops, received } = reader.counters;
    expect(queuedByKernel).toBeGreaterThan(0);
    expect(queuedByKernel).toBeLessThan(flood);
    expect(kernelDrops).toBeGreaterThan(0);
    expect(deltas.reduce((s, d) => s + d, 0)).toBe(kernelDrops);
    // Every datagram sent was either read or counted as dropped by the kernel.
    expect(received + kernelDrops).toBe(flood + 1);
    // The reader consumes the drop counter itself; datagrams carry only the ancillary data the
    // user made room for with `controlSize`.
    expect(got.at(-1)!.ancillary).toEqual([]);
    console.info(`[datagrams] flood of ${flood}: ${queuedByKernel} fit the 4 KiB receive buffer, kernelDrops=${kernelDrops}, deltas=${JSON.stringify(deltas)}`);
    reader.close();
    sender.close();
    sock.close();
  });
});
