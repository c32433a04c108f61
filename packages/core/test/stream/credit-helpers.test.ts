import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import { C, Socket } from '../../src/index.js';
import { creditIterable, DatagramReader, unlimitedCredit, type Datagram } from '../../src/stream/index.js';
import { sleep, udpSocket, waitFor } from './helpers.js';

async function sendNumbered(port: number, count: number, first = 0): Promise<Socket> {
  const sender = Socket.create(C.AF_INET, C.SOCK_DGRAM);
  for (let i = first; i < first + count; i++) await sender.sendTo(Buffer.from(String(i)), ['127.0.0.1', port]);
  return sender;
}

describe('creditIterable over a DatagramReader (UDP loopback)', () => {
  it('grants one datagram per next(); break closes the reader and leaves the socket open', async () => {
    const [sock, port] = udpSocket();
    const reader = new DatagramReader(sock, { queueLimit: 64 });
    const sender = await sendNumbered(port, 10);
    const seen: string[] = [];
    for await (const d of creditIterable(reader.datagrams$, reader)) {
      seen.push(d.data.toString());
      if (seen.length === 4) {
        // Read ahead into the queue (the reader reads whatever the credit), but not delivered.
        await waitFor(() => reader.counters.received === 10, 'all 10 read');
        expect(reader.counters.delivered).toBe(4);
        expect(reader.queued).toBe(6);
        break;
      }
    }
    expect(seen).toEqual(['0', '1', '2', '3']);
    // Closed: the queue is dropped and nothing more is read by it.
    expect(reader.queued).toBe(0);
    await sender.sendTo(Buffer.from('after'), ['127.0.0.1', port]);
    await sleep(30);
    expect(reader.counters.received).toBe(10);
    expect(sock.closed).toBe(false);
    const next = new DatagramReader(sock);
    const got: Datagram[] = [];
    next.datagrams$.subscribe((d) => got.push(d));
    next.request(Infinity);
    await waitFor(() => got.length === 1, 'the datagram sent after break');
    expect(got[0]!.data.toString()).toBe('after');
    next.close();
    sender.close();
    sock.close();
  });

  it('an error of the items rejects the pending next(); then the iterator is done', async () => {
    const [sock] = udpSocket();
    const reader = new DatagramReader(sock);
    const failing = new Subject<Datagram>();
    const it = creditIterable(failing.asObservable(), reader);
    const pending = it.next();
    failing.error(new Error('boom'));
    await expect(pending).rejects.toThrow('boom');
    await expect(it.next()).resolves.toEqual({ done: true, value: undefined });
    sock.close();
  });
});

describe('unlimitedCredit', () => {
  it('opens one reader per subscription with unlimited credit and closes it on unsubscribe', async () => {
    const [sock, port] = udpSocket();
    const readers: DatagramReader[] = [];
    const all$ = unlimitedCredit(() => {
      const r = new DatagramReader(sock);
      readers.push(r);
      return r;
    }, (r) => r.datagrams$);
    expect(readers).toHaveLength(0);
    const got: string[] = [];
    const s = all$.subscribe((d) => got.push(d.data.toString()));
    expect(readers).toHaveLength(1);
    const sender = await sendNumbered(port, 5);
    await waitFor(() => got.length === 5, 'five datagrams');
    expect(got).toEqual(['0', '1', '2', '3', '4']);
    expect(readers[0]!.counters.delivered).toBe(5);
    s.unsubscribe();
    await sendNumbered(port, 3, 5).then((x) => x.close());
    await sleep(30);
    expect(readers[0]!.counters.received).toBe(5);
    const again: string[] = [];
    const s2 = all$.subscribe((d) => again.push(d.data.toString()));
    expect(readers).toHaveLength(2);
    // The datagrams sent while nobody read wait in the kernel for the next reader.
    await waitFor(() => again.length === 3, 'three datagrams for the second reader');
    expect(again).toEqual(['5', '6', '7']);
    s2.unsubscribe();
    sender.close();
    sock.close();
  });
});
