// Every waiting operation waits on the poller: none may spin (a microtask spin would starve the
// loop entirely, so the timer below would never fire and the test would time out).
import { describe, expect, it } from 'vitest';
import { C, MessageBatch, Socket } from '../../src/index.js';

async function idleCpuMs(ms: number): Promise<number> {
  const before = process.cpuUsage();
  await new Promise((r) => setTimeout(r, ms));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

describe('waiting operations do not spin', () => {
  it('accept, recv, recvFrom, recvMsg, recvBatch and a blocked send all wait quietly', async () => {
    const listener = Socket.create(C.AF_INET, C.SOCK_STREAM);
    listener.bind(['127.0.0.1', 0]);
    listener.listen();
    const ac = new AbortController();
    const signal = ac.signal;
    const [a, b] = Socket.pair();
    const [d1, d2] = Socket.pair(C.AF_UNIX, C.SOCK_DGRAM);
    const [s1, s2] = Socket.pair();
    s1.setOption('SO_SNDBUF', 4096);
    // fill s1's send buffer so the next send must wait
    while (s1.trySendv([Buffer.alloc(65536)]) > 0);
    const pending = [
      listener.accept({ signal }),
      a.recv(10, 0, { signal }),
      d1.recvFrom(10, 0, { signal }),
      d2.recvMsg(10, 0, 0, { signal }),
      d1.recvBatch(new MessageBatch(4, 64), 0, { signal }),
      s1.send(Buffer.alloc(65536), 0, { signal }),
    ].map((p) => p.catch((e: unknown) => e));
    const cpu = await idleCpuMs(500);
    expect(cpu).toBeLessThan(100);
    ac.abort(new Error('done'));
    const results = await Promise.all(pending);
    for (const r of results) expect(r).toEqual(new Error('done'));
    for (const s of [listener, a, b, d1, d2, s1, s2]) s.close();
  });
});
