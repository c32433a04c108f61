// ENOBUFS: the device queue of a congested vcan (txqueuelen 10, a 200 kbit/s token bucket, as
// measured in ARCHITECTURE.md) is full most of the time, and the kernel answers sends with
// ENOBUFS while poll() says writable. cangen gives up there; rxsock's writer waits it out: all
// 100,000 frames arrive, in order, none lost, with the writer's queue bounded by its high mark.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canFrame, openCanRaw } from '@rxsock/can';
import { ip, run, settle } from './helpers.js';
import { execFileSync } from 'node:child_process';

const IF = 'rxcongest0';

// The kernel loops a sent frame back to local sockets through netif_rx(), onto the backlog of the
// CPU the sender runs on; when the sender moves to another CPU between two sends, the two backlogs
// are drained independently and a receiver can get the frames out of order (seen here: 3
// inversions in 100,000 on the guest's 2 CPUs). Whoever checks order on a multi-CPU machine pins
// the sender, as this test does with taskset, so what it judges is rxsock's order.
let affinity = '';
beforeAll(() => {
  affinity = execFileSync('taskset', ['-p', String(process.pid)], { encoding: 'utf8' }).trim().split(' ').pop()!;
  execFileSync('taskset', ['-a', '-p', '1', String(process.pid)]);
  // the token bucket qdisc is a module the kernel VM does not load by itself
  execFileSync('modprobe', ['sch_tbf']);
  ip('link', 'add', 'dev', IF, 'type', 'vcan');
  ip('link', 'set', IF, 'txqueuelen', '10');
  ip('link', 'set', IF, 'up');
  execFileSync('tc', ['qdisc', 'add', 'dev', IF, 'root', 'tbf', 'rate', '200kbit', 'burst', '1600', 'limit', '3000']);
});
afterAll(() => {
  ip('link', 'del', IF);
  execFileSync('taskset', ['-a', '-p', affinity, String(process.pid)]);
});

describe('a congested device queue (ENOBUFS)', () => {
  it('is real: cangen -g 0 stops at the first "No buffer space available"', async () => {
    await expect(run('cangen', [IF, '-g', '0', '-n', '2000'])).rejects.toThrow(/No buffer space available/);
  });

  it('100,000 frames sent through it all arrive, in order, with the queue bounded', { timeout: 1_500_000 }, async () => {
    const total = 100_000;
    await settle(1000); // cangen's frames still in the qdisc (3000 bytes at 200 kbit/s) go out first
    // one extended id that cangen (standard ids only) never sends
    const ID = 0x1f0000aa;
    const rx = openCanRaw({ interface: IF, receiveBufferSize: 16 << 20, forceReceiveBuffer: true, filters: [{ id: ID, mask: 0x1fffffff, extended: true }] });
    const tx = openCanRaw({ interface: IF, writer: { highWaterMark: 256, lowWaterMark: 64 } });
    try {
      let next = 0;
      let outOfOrder = 0;
      const reader = rx.reader({ queueLimit: 1 << 16, overflow: 'error' });
      const done = new Promise<void>((resolve, reject) => {
        reader.frames$.subscribe({
          next: (f) => {
            const seq = f.data[0]! | (f.data[1]! << 8) | (f.data[2]! << 16) | (f.data[3]! * 2 ** 24);
            if (seq !== next) outOfOrder++;
            next = seq + 1;
            if (next === total) resolve();
          },
          error: reject,
        });
        reader.request(Infinity);
      });
      const heapBefore = process.memoryUsage().heapUsed;
      let writable = 0;
      tx.writer.writable$.subscribe((w) => (writable += w ? 1 : 0));
      const data = new Uint8Array(8);
      for (let i = 0; i < total; i++) {
        data[0] = i & 0xff;
        data[1] = (i >> 8) & 0xff;
        data[2] = (i >> 16) & 0xff;
        data[3] = 0;
        if (!tx.writer.write(canFrame({ id: ID, extended: true, data }))) await tx.writer.drain();
      }
      await tx.writer.flush();
      await done;
      const c = tx.writer.counters;
      expect(outOfOrder).toBe(0);
      expect(next).toBe(total);
      expect(c.sent).toBe(total);
      expect(c.noBufferRetries).toBeGreaterThan(0); // the device queue really was full
      expect(c.peakQueued).toBeLessThanOrEqual(256); // bounded by the high-water mark
      expect(writable).toBeGreaterThan(1); // writable$ went false and back to true
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 << 20);
      expect(reader.counters).toMatchObject({ received: total, kernelDrops: 0, droppedNewest: 0, droppedOldest: 0 });
    } finally {
      rx.close();
      tx.close();
    }
  });
});
