/**
 * `Socket.onNextReadable`, the promise-free wait of the stream readers, in both forms: a
 * function, and an object with `onReadable` (what a reader implements to need no closure).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Socket, type ReadableListener } from '../../src/index.js';

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

function pair(): [Socket, Socket] {
  const p = Socket.pair();
  sockets.push(...p);
  return p;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const scratch = Buffer.alloc(64);

/** Reads until EAGAIN, so the next byte makes a new edge. */
function drain(s: Socket): void {
  while (s.tryRecvInto(scratch) > 0);
}

describe.each([
  ['a function', (calls: unknown[]) => (error?: unknown) => calls.push(error ?? 'edge')],
  ['an object', (calls: unknown[]): ReadableListener => ({ onReadable: (error?: unknown) => calls.push(error ?? 'edge') })],
])('onNextReadable with %s', (_, make) => {
  it('is called once, at the next edge, and counts as one waiter until then', async () => {
    const [a, b] = pair();
    drain(a);
    const calls: unknown[] = [];
    a.onNextReadable(make(calls));
    expect(a.pendingOperations).toBe(1);
    await sleep(10);
    expect(calls).toEqual([]);
    await b.send(Buffer.from('x'));
    await sleep(20);
    expect(calls).toEqual(['edge']);
    expect(a.pendingOperations).toBe(0);
    // one-shot: the next byte calls nobody
    drain(a);
    await b.send(Buffer.from('y'));
    await sleep(20);
    expect(calls).toEqual(['edge']);
  });

  it('undefined disarms it', async () => {
    const [a, b] = pair();
    drain(a);
    const calls: unknown[] = [];
    a.onNextReadable(make(calls));
    a.onNextReadable(undefined);
    expect(a.pendingOperations).toBe(0);
    await b.send(Buffer.from('x'));
    await sleep(20);
    expect(calls).toEqual([]);
  });

  it('hears the error when the socket is closed while it waits', () => {
    const [a] = pair();
    drain(a);
    const calls: unknown[] = [];
    a.onNextReadable(make(calls));
    a.close();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ code: 'EBADF' });
  });
});
