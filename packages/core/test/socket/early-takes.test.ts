/**
 * A Socket read that receives by completion and is about to wait takes the completions already in
 * memory (stream/received-chunks.ts `takeArrivalsNow`): where the peer is in this process, its
 * answer is there when its send returns, and an exchange goes on inside one run of promise jobs
 * instead of a reactor round per message. The reactor bounds it (poller/reactor.ts
 * `mayTakeCompletionsNow`): a bounded number per wake-up, none once an immediate is queued. Real
 * TCP sockets on loopback; the kernel must support receiving by completion (Linux 6.0 or later
 * with io_uring allowed): where it does not, these tests fail and say so.
 */
import { describe, expect, it } from 'vitest';
import { reactor, type Socket } from '../../src/index.js';
import { stats, tcpPair } from '../stream/helpers.js';

const wakeups = (): number => (reactor() as unknown as { wakeups: number }).wakeups;

/** Echoes what `server` reads until the end of stream; `onRead(n)` runs at each read, before the answer. */
async function echo(server: Socket, onRead: (n: number) => void = () => {}): Promise<void> {
  const buf = Buffer.alloc(64);
  for (let n = 1; ; n++) {
    const got = await server.recvInto(buf);
    if (got === 0) return;
    onRead(n);
    await server.send(buf.subarray(0, got));
  }
}

describe('reads that take arrivals before they wait', () => {
  it('an exchange between two Sockets of this process goes on inside the wake-up that started it, bounded: a timer still runs', async () => {
    const [client, server] = await tcpPair();
    const echoing = echo(server);
    const before = stats().takenEarly;
    const wakeupsBefore = wakeups();
    let trips = 0;
    let atTimer: number | undefined;
    setTimeout(() => (atTimer = trips), 5);
    const ping = Buffer.from('x');
    const pong = Buffer.alloc(64);
    // Stops once the timer has fired and enough trips were made to count wake-ups against; an
    // exchange that kept the loop from its timers would stop only at the cap, and fail below.
    while (trips < 200_000 && (atTimer === undefined || trips < 3000)) {
      await client.send(ping);
      expect(await client.recvInto(pong)).toBe(1);
      expect(pong[0]).toBe(0x78);
      pong[0] = 0;
      trips++;
    }
    expect(atTimer).toBeDefined();
    if (reactor().driver === 'uv_poll') {
      // Most of each trip's two arrivals are taken by the read that is about to wait for them
      // (a wake-up's first arrivals and those after its bound come through the reactor's rounds).
      expect(stats().takenEarly - before).toBeGreaterThan(trips);
      // A round per message would be up to 32 messages (16 trips) per wake-up; taken early, 256
      // more per wake-up.
      expect(wakeups() - wakeupsBefore).toBeLessThan(trips / 32);
    } else {
      // The thread driver's wake-up is itself a promise job: the jobs it queues run after it, when
      // no read may take completions early; each message takes a reactor round.
      expect(stats().takenEarly - before).toBe(0);
    }
    client.close();
    await echoing;
    server.close();
  });

  it('none is taken once an immediate is queued: immediates queued by an exchange run before its next message, as in the Node loop', async () => {
    const [client, server] = await tcpPair();
    const order: string[] = [];
    const echoing = echo(server, (n) => {
      order.push(`message ${n}`);
      setImmediate(() => order.push(`immediate ${n}`));
    });
    const ping = Buffer.from('x');
    const pong = Buffer.alloc(64);
    // The first trip posts both ends' requests; from the second on, each answer is in memory
    // when the other end's read is about to wait.
    for (let i = 0; i < 8; i++) {
      await client.send(ping);
      expect(await client.recvInto(pong)).toBe(1);
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7, 8].flatMap((n) => [`message ${n}`, `immediate ${n}`]));
    client.close();
    await echoing;
    server.close();
  });
});
