// The CAN writer's queue logic against a socket that answers like a congested device: ENOBUFS
// for a while, partial sendmmsg batches, EAGAIN. (The real kernel's version of this is
// test/vm/raw/congestion.test.ts, in the guest.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SocketError, type SendBatch, type Socket } from '@rxsock/core';
import { CanFrameWriter } from '../../src/socket/writer.js';
import { canFrame, decodeCanFrame } from '../../src/codec/index.js';

/** A socket whose sendmmsg follows a script: a number = frames taken, 'nobufs', or 'again'. */
function scriptedSocket(script: Array<number | 'nobufs' | 'again'>) {
  const sent: number[] = [];
  let calls = 0;
  const socket = {
    trySendBatch(batch: SendBatch, start: number): number {
      const step = script[calls++] ?? Infinity;
      if (step === 'nobufs') throw new SocketError('sendmmsg ENOBUFS', { code: 'ENOBUFS', errno: 105, syscall: 'sendmmsg' });
      if (step === 'again') return -1;
      const n = Math.min(step, batch.count - start);
      for (let i = start; i < start + n; i++) sent.push(decodeCanFrame(batch.payload.subarray(i * batch.slotSize, i * batch.slotSize + 16)).data[0]!);
      return n;
    },
    waitWritable: () => new Promise<void>((r) => setTimeout(r, 1)),
  } as unknown as Socket;
  return { socket, sent, calls: () => calls };
}

const frame = (i: number) => canFrame({ id: 0x10, data: [i & 0xff] });

describe('CanFrameWriter', () => {
  it('rides out ENOBUFS, partial batches and EAGAIN: every frame once, in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.integer({ min: 0, max: 70 }), fc.constantFrom('nobufs' as const, 'again' as const)), { maxLength: 40 }), fc.integer({ min: 1, max: 600 }), async (script, count) => {
        const { socket, sent, calls } = scriptedSocket(script);
        const w = new CanFrameWriter(socket, { highWaterMark: 64, lowWaterMark: 16, maxBackoffMs: 2 });
        for (let i = 0; i < count; i++) if (!w.write(frame(i))) await w.drain();
        await w.flush();
        expect(sent).toEqual(Array.from({ length: count }, (_, i) => i & 0xff));
        expect(w.counters.sent).toBe(count);
        expect(w.counters.peakQueued).toBeLessThanOrEqual(64);
        expect(w.counters.noBufferRetries).toBe(script.slice(0, calls()).filter((s) => s === 'nobufs').length);
      }),
      { numRuns: 60 },
    );
  });

  it('counts each ENOBUFS as a retry and reports writable$ false then true', async () => {
    const { socket, sent } = scriptedSocket(['nobufs', 'nobufs', 'nobufs', 5, 'nobufs']);
    const w = new CanFrameWriter(socket, { highWaterMark: 8, lowWaterMark: 2 });
    const states: boolean[] = [];
    w.writable$.subscribe((s) => states.push(s));
    const results = Array.from({ length: 20 }, (_, i) => w.write(frame(i)));
    expect(results.indexOf(false)).toBe(7); // the 8th write reaches the high-water mark
    await w.flush();
    expect(sent).toHaveLength(20);
    expect(w.counters.noBufferRetries).toBe(4);
    expect(states).toEqual([true, false, true]);
  });

  it('a hard error breaks the writer: pending sends reject with it, later writes throw it', async () => {
    const socket = {
      trySendBatch: () => {
        throw new SocketError('sendmmsg ENETDOWN', { code: 'ENETDOWN', errno: 100, syscall: 'sendmmsg' });
      },
      waitWritable: () => Promise.resolve(),
    } as unknown as Socket;
    const w = new CanFrameWriter(socket);
    await expect(w.send(frame(1))).rejects.toMatchObject({ code: 'ENETDOWN' });
    expect(() => w.write(frame(2))).toThrow(expect.objectContaining({ code: 'ENETDOWN' }));
  });

  it('close() completes writable$ (a subscriber without an error handler survives it) and fails what was pending', async () => {
    const { socket } = scriptedSocket(Array(100).fill('again'));
    const w = new CanFrameWriter(socket, { highWaterMark: 4, lowWaterMark: 1 });
    const events: string[] = [];
    w.writable$.subscribe({ next: (v) => events.push(String(v)), error: () => events.push('error'), complete: () => events.push('complete') });
    const pending = w.send(frame(1));
    const closed = new SocketError('closed', { code: 'ERR_SOCKET_CLOSED' });
    w.close(closed);
    await expect(pending).rejects.toBe(closed);
    expect(() => w.write(frame(2))).toThrow(closed);
    expect(events).toEqual(['true', 'complete']);
    // destroy() after close() changes nothing; destroy() alone errors writable$
    w.destroy();
    const other = new CanFrameWriter(scriptedSocket([]).socket);
    const otherEvents: string[] = [];
    other.writable$.subscribe({ error: (e) => otherEvents.push((e as SocketError).code ?? '') });
    other.destroy();
    expect(otherEvents).toEqual(['ERR_RXSOCK_WRITER_DESTROYED']);
  });

  it('past maxQueued a write throws ERR_RXSOCK_WRITE_OVERFLOW and the queue keeps what it had', () => {
    const { socket } = scriptedSocket(Array(100).fill('again'));
    const w = new CanFrameWriter(socket, { highWaterMark: 4, lowWaterMark: 1, maxQueued: 10 });
    for (let i = 0; i < 10; i++) w.write(frame(i));
    expect(() => w.write(frame(10))).toThrow(expect.objectContaining({ code: 'ERR_RXSOCK_WRITE_OVERFLOW' }));
    expect(w.queued).toBe(10);
    w.destroy();
  });

  it('bad water marks are EINVAL', () => {
    const { socket } = scriptedSocket([]);
    expect(() => new CanFrameWriter(socket, { highWaterMark: 4, lowWaterMark: 4 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => new CanFrameWriter(socket, { highWaterMark: 0 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});
