import { afterEach, describe, expect, it, vi } from 'vitest';
import { C, Socket } from '../../src/index.js';
import { DatagramReader, type Datagram } from '../../src/stream/index.js';
import { AdaptiveBatching, DROP_HOLD_OFF_MS, ENTER_RATE, EXIT_RATE, MAX_HOLD_OFF_MS, REST_MS, WINDOW_MS } from '../../src/stream/adaptive-batching.js';
import { sleep, udpSocket, waitFor } from './helpers.js';

const open: Socket[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const s of open.splice(0)) if (!s.closed) s.close();
});

/** Drives an AdaptiveBatching on a fake clock: `wakeups` drains of `perWakeup` datagrams spread evenly over `ms`. */
function drive(a: AdaptiveBatching, clock: { now: number }, ms: number, wakeups: number, perWakeup: number, size = 64): number[] {
  const rests: number[] = [];
  for (let i = 0; i < wakeups; i++) {
    clock.now += ms / wakeups;
    a.received(perWakeup, perWakeup * size);
    rests.push(a.restAfterDrain());
  }
  return rests;
}

function fakeClock(): { now: number } {
  const clock = { now: 1000 };
  vi.spyOn(performance, 'now').mockImplementation(() => clock.now);
  return clock;
}

describe('AdaptiveBatching (the decision)', () => {
  it('a closed request/response loop (one datagram per wake-up) never rests, however fast', () => {
    const clock = fakeClock();
    const a = new AdaptiveBatching(() => 8 << 20);
    // 200,000 round trips/s for 100 ms: four times the entry rate, but one datagram per wake-up.
    const rests = drive(a, clock, 100, 20_000, 1);
    expect(rests.every((r) => r === 0)).toBe(true);
    expect(a.active).toBe(false);
  });

  it('a fast stream (several datagrams per wake-up) rests one tick after each drain; a thinning stream goes back to edges', () => {
    const clock = fakeClock();
    const a = new AdaptiveBatching(() => 8 << 20);
    // 200,000/s arriving two or three per wake-up.
    const rests = drive(a, clock, 50, 4000, 2.5);
    expect(a.active).toBe(true);
    expect(rests.at(-1)).toBe(REST_MS);
    // Above the exit rate it stays batching (hysteresis)...
    drive(a, clock, 50, 50, (EXIT_RATE * 1.5 * 0.05) / 50);
    expect(a.active).toBe(true);
    // ...below it, back to reading at every edge.
    const after = drive(a, clock, 50, 50, (EXIT_RATE * 0.5 * 0.05) / 50);
    expect(a.active).toBe(false);
    expect(after.at(-1)).toBe(0);
  });

  it('below the entry rate it reads at every edge even with several datagrams per wake-up', () => {
    const clock = fakeClock();
    const a = new AdaptiveBatching(() => 8 << 20);
    drive(a, clock, 100, 100, (ENTER_RATE * 0.8 * 0.1) / 100);
    expect(a.active).toBe(false);
  });

  it('never batches when the receive buffer could not hold what a rest gathers', () => {
    const clock = fakeClock();
    // The kernel's default receive buffer (rmem_default 212992) against 200,000/s.
    const a = new AdaptiveBatching(() => 212_992);
    drive(a, clock, 100, 8000, 2.5);
    expect(a.active).toBe(false);
    // 200,000/s for a 2 ms rest (a late timer) is 400 datagrams at about 1.1 KiB each: with a
    // buffer of twice that, the same stream batches.
    const b = new AdaptiveBatching(() => 2 * 400 * (64 + 1024));
    drive(b, clock, 100, 8000, 2.5);
    expect(b.active).toBe(true);
  });

  it('a kernel drop ends batching at once; it stays off for the hold-off, which doubles at each drop', () => {
    const clock = fakeClock();
    const a = new AdaptiveBatching(() => 8 << 20);
    const stream = (ms: number) => drive(a, clock, ms, ms * 80, 2.5); // 200,000/s
    stream(50);
    expect(a.active).toBe(true);
    a.dropped(3);
    expect(a.active).toBe(false);
    expect(a.restAfterDrain()).toBe(0);
    // The same stream goes on: no batching during the hold-off...
    stream(DROP_HOLD_OFF_MS - 50);
    expect(a.active).toBe(false);
    // ...and again after it.
    stream(100);
    expect(a.active).toBe(true);
    a.dropped(1);
    expect(a.active).toBe(false);
    stream(DROP_HOLD_OFF_MS + 100);
    expect(a.active, 'the second hold-off is twice as long').toBe(false);
    stream(DROP_HOLD_OFF_MS);
    expect(a.active).toBe(true);
    expect(MAX_HOLD_OFF_MS).toBeGreaterThan(DROP_HOLD_OFF_MS);
  });

  it('a window with drops does not start batching', () => {
    const clock = fakeClock();
    const a = new AdaptiveBatching(() => 8 << 20);
    for (let w = 0; w < 5; w++) {
      a.dropped(1);
      drive(a, clock, WINDOW_MS, 800, 2.5);
    }
    expect(a.active).toBe(false);
  });

  it('a window is at least WINDOW_MS long: one wake-up after a long idle time decides nothing rash', () => {
    const clock = fakeClock();
    const a = new AdaptiveBatching(() => 8 << 20);
    clock.now += 10_000;
    a.received(64, 64 * 64);
    expect(a.restAfterDrain()).toBe(0);
    expect(WINDOW_MS).toBeGreaterThan(REST_MS);
  });
});

/** A reader with 'auto' batching on a fresh UDP socket, and a connected sender. */
function setup(receiveBuffer?: number): { reader: DatagramReader; sock: Socket; sender: Socket; got: Datagram[]; batches: number[]; port: number } {
  const [sock, port] = udpSocket();
  const sender = Socket.create(C.AF_INET, C.SOCK_DGRAM);
  open.push(sock, sender);
  if (receiveBuffer !== undefined) sock.setOption('SO_RCVBUF', receiveBuffer);
  const batches: number[] = [];
  const tryRecvBatch = sock.tryRecvBatch.bind(sock);
  sock.tryRecvBatch = (batch, flags) => {
    const n = tryRecvBatch(batch, flags);
    if (n > 0) batches.push(n);
    return n;
  };
  const reader = new DatagramReader(sock, { batchDelayMs: 'auto' });
  const got: Datagram[] = [];
  reader.datagrams$.subscribe((d: Datagram) => got.push(d));
  reader.request(Infinity);
  return { reader, sock, sender, got, batches, port };
}

/** Sends `bursts` bursts of 64 datagrams, one burst per event-loop turn; returns whether the reader was seen batching. */
async function flood(sender: Socket, port: number, reader: DatagramReader, bursts: number): Promise<boolean> {
  await sender.connect(['127.0.0.1', port]);
  const burst = Array.from({ length: 64 }, (_, i) => ({ data: Buffer.from(`d${i}`) }));
  let seen = false;
  for (let i = 0; i < bursts; i++) {
    await sender.sendMany(burst);
    seen ||= reader.batching;
    await new Promise((r) => setImmediate(r));
  }
  return seen;
}

describe("DatagramReader batchDelayMs 'auto'", () => {
  it('a request/response loop over real sockets never rests: every request is read at its edge', async () => {
    const [sock, port] = udpSocket();
    const client = Socket.create(C.AF_INET, C.SOCK_DGRAM);
    open.push(sock, client);
    sock.setOption('SO_RCVBUF', 4 << 20);
    await client.connect(['127.0.0.1', port]);
    const reader = new DatagramReader(sock, { batchDelayMs: 'auto' });
    const TRIPS = 5000;
    let n = 0;
    let rested = false;
    const t0 = performance.now();
    const done = new Promise<void>((resolve, reject) => {
      reader.datagrams$.subscribe((d: Datagram) => {
        rested ||= reader.batching || reader.restAfterDrain() !== 0;
        // The next request goes out only once this one arrived: one datagram in flight.
        if (++n === TRIPS) resolve();
        else client.send(d.data).catch(reject);
      });
    });
    reader.request(Infinity);
    await client.send(Buffer.from('q'));
    await done;
    const rate = (TRIPS * 1000) / (performance.now() - t0);
    expect(rested, `rested at ${rate.toFixed(0)} requests/s`).toBe(false);
    reader.close();
  });

  it('a flood into a large receive buffer switches to batches, loses nothing, and goes back to edges when it thins', async () => {
    const { reader, sender, got, batches, port } = setup(4 << 20);
    const bursts = 400;
    const seen = await flood(sender, port, reader, bursts);
    await waitFor(() => got.length === bursts * 64, 'every datagram');
    expect(seen).toBe(true);
    expect(reader.counters.kernelDrops).toBe(0);
    // Batches got bigger than one burst: rests gathered several.
    expect(Math.max(...batches)).toBe(64);
    // A trickle (one datagram every 5 ms) is below the exit rate: back to edges.
    for (let i = 0; i < 10; i++) {
      await sender.send(Buffer.from('t'));
      await sleep(5);
    }
    await waitFor(() => got.length === bursts * 64 + 10, 'the trickle');
    expect(reader.batching).toBe(false);
    reader.close();
  });

  it('a burst the buffer cannot hold while resting: the kernel drops, the reader leaves batching at once', async () => {
    const { reader, sender, got, port } = setup(4 << 20);
    const seen = await flood(sender, port, reader, 400);
    expect(seen).toBe(true);
    await waitFor(() => got.length === 400 * 64, 'the flood');
    // Whether the reader still rests when it learns of a drop.
    const batchingAtDrop: boolean[] = [];
    reader.kernelDrops$.subscribe(() => batchingAtDrop.push(reader.batching));
    // Back into batching (the flood's rate), then a burst far above what the buffer holds.
    const burst = Array.from({ length: 256 }, (_, i) => ({ data: Buffer.from(`b${i}`) }));
    let sent = 0;
    while (reader.counters.kernelDrops === 0 && sent < 200_000) {
      for (let i = 0; i < 8; i++) sent += await sender.sendMany(burst);
      await new Promise((r) => setImmediate(r));
    }
    expect(reader.counters.kernelDrops).toBeGreaterThan(0);
    expect(batchingAtDrop.length).toBeGreaterThan(0);
    expect(batchingAtDrop.every((b) => !b)).toBe(true);
    // The kernel's count rides on the next datagram received: a last one, once the burst is read,
    // carries the final figure.
    await sleep(50);
    await sender.send(Buffer.from('last'));
    sent++;
    await waitFor(() => got.length + reader.counters.kernelDrops === 400 * 64 + sent, 'every datagram read or counted as dropped');
    expect(reader.batching).toBe(false);
    reader.close();
  });

  it('a flood into the default receive buffer stays on edges (a 1 ms rest would not fit)', async () => {
    const { reader, sock, sender, port } = setup(undefined);
    expect(sock.getOption('SO_RCVBUF')).toBeLessThanOrEqual(2 * 212_992);
    const seen = await flood(sender, port, reader, 200);
    expect(seen).toBe(false);
    reader.close();
  });

  it("batchDelayMs: 0 keeps the old behaviour (an edge per read) and 'auto' is accepted explicitly", () => {
    const [sock] = udpSocket();
    open.push(sock);
    expect(new DatagramReader(sock, { batchDelayMs: 0 }).batching).toBe(false);
    const reader = new DatagramReader(sock, { batchDelayMs: 'auto' });
    expect(reader.batching).toBe(false);
    expect(reader.restAfterDrain()).toBe(0);
  });
});
