/**
 * ping() against the kernel's own echo responders: loopback in this process, and a peer one
 * router away in namespaces created here (TTL decremented by the hop, TTL exceeded and host
 * unreachable reported by the router and matched to our requests).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { lastValueFrom, toArray } from 'rxjs';
import { icmpSocket, ping, type PingEvent, type PingReply, type PingSummary } from '../../src/index.js';
import { RAW_DIST, requireBuilt, runChild } from './support/netns.js';
import { createLine, type Line } from './support/topology.js';

const run = (host: string, options: Parameters<typeof ping>[1]): Promise<PingEvent[]> => lastValueFrom(ping(host, options).pipe(toArray()));
const replies = (events: PingEvent[]): PingReply[] => events.filter((e): e is PingReply => e.type === 'reply');
const summary = (events: PingEvent[]): PingSummary => events.at(-1) as PingSummary;

describe('ping on loopback', () => {
  it.each([
    ['127.0.0.1', 'inet'],
    ['::1', 'inet6'],
  ] as const)('%s over a raw socket: replies in order, TTL, sizes, statistics', async (host, family) => {
    const events = await run(host, { count: 4, intervalMs: 30, socket: 'raw' });
    expect(events[0]).toEqual({ type: 'start', host, address: host, family, size: 56, socket: 'raw' });
    const r = replies(events);
    expect(r.map((x) => x.seq)).toEqual([1, 2, 3, 4]);
    for (const x of r) {
      expect(x).toMatchObject({ from: host, ttl: 64, bytes: 64, duplicate: false });
      expect(x.timeMs).toBeGreaterThan(0);
    }
    const s = summary(events);
    expect(s).toMatchObject({ type: 'summary', transmitted: 4, received: 4, duplicates: 0, errors: 0, lossPercent: 0 });
    const times = r.map((x) => x.timeMs as number);
    expect(s.rtt?.min).toBe(Math.min(...times));
    expect(s.rtt?.max).toBe(Math.max(...times));
    expect(s.rtt?.avg).toBeCloseTo(times.reduce((a, b) => a + b, 0) / 4, 9);
    // Three intervals at least between the first request and the last reply.
    expect(s.timeMs).toBeGreaterThanOrEqual(90);
  });

  it('the request carries its send time as iputils writes it: a timeval of CLOCK_REALTIME to the microsecond', async () => {
    const watcher = icmpSocket({ kind: 'raw' });
    const requests: Buffer[] = [];
    const sub = watcher.messages$.subscribe((m) => {
      if (m.icmp.type === 8 && m.from === '127.0.0.1') requests.push(Buffer.from(m.icmp.payload));
    });
    try {
      const before = Date.now();
      const events = await run('127.0.0.1', { count: 5, intervalMs: 7, socket: 'raw' });
      const after = Date.now();
      expect(replies(events)).toHaveLength(5);
      expect(requests).toHaveLength(5);
      const stamps = requests.map((d) => ({ sec: Number(d.readBigInt64LE(0)), usec: Number(d.readBigInt64LE(8)) }));
      for (const { sec, usec } of stamps) {
        expect(usec).toBeGreaterThanOrEqual(0);
        expect(usec).toBeLessThan(1_000_000);
        const ms = sec * 1000 + usec / 1000;
        expect(ms).toBeGreaterThanOrEqual(before - 1);
        expect(ms).toBeLessThanOrEqual(after + 1);
      }
      // microseconds, not milliseconds times 1000 (five of those in a row: 1 in 10^15)
      expect(stamps.some(({ usec }) => usec % 1000 !== 0)).toBe(true);
    } finally {
      sub.unsubscribe();
      watcher.close();
    }
  });

  it('-s below 16 sends no timestamp: replies are untimed and there is no rtt line', async () => {
    const events = await run('127.0.0.1', { count: 2, intervalMs: 20, size: 0, socket: 'raw' });
    expect(replies(events).map((r) => [r.bytes, r.timeMs])).toEqual([[8, undefined], [8, undefined]]);
    expect(summary(events).rtt).toBeUndefined();
  });

  it('-s 1000 gives 1008-byte replies (the TTL option set too)', async () => {
    const events = await run('127.0.0.1', { count: 1, size: 1000, ttl: 33, socket: 'raw' });
    expect(replies(events)[0]).toMatchObject({ bytes: 1008 });
  });

  it('an abort ends the run with a summary; unsubscribing ends it without one', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 120);
    const events = await run('127.0.0.1', { intervalMs: 50, signal: controller.signal });
    const s = summary(events);
    expect(s.type).toBe('summary');
    expect(s.transmitted).toBeGreaterThanOrEqual(2);
    expect(s.received).toBeGreaterThanOrEqual(s.transmitted - 1);
  });

  it('bad options are EINVAL at once; a name of the wrong family is EAI_ADDRFAMILY', async () => {
    expect(() => ping('127.0.0.1', { count: 0 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => ping('127.0.0.1', { size: 70000 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => ping('')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    await expect(run('::1', { family: 'inet', count: 1 })).rejects.toMatchObject({ code: 'EAI_ADDRFAMILY' });
    await expect(run('no-such-host.invalid', { count: 1 })).rejects.toMatchObject({ code: expect.stringMatching(/^EAI_/) });
  });

  it('a deadline ends the run whatever was answered', async () => {
    const t0 = Date.now();
    const events = await run('127.0.0.1', { intervalMs: 40, deadlineMs: 200 });
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(summary(events).transmitted).toBeGreaterThanOrEqual(4);
  });

  it('a reply the kernel holds when the linger after the last request ends is still counted, however late the event loop sees it', () => {
    requireBuilt();
    // The thread driver waits in epoll_wait on libuv's pool. With one pool thread, a job queued
    // while reply 1 is delivered (before the driver waits again) holds that thread for about
    // 100 ms: request 2 goes out 20 ms later and its reply sits in the socket, unseen, long
    // past the linger's 1 ms (two round trips on loopback).
    const script = `
import { pbkdf2 } from 'node:crypto';
import { ping } from ${JSON.stringify(RAW_DIST)};
const events = [];
let poolHeldMs;
await new Promise((resolve, reject) => ping('127.0.0.1', { count: 2, intervalMs: 20, socket: 'raw' }).subscribe({
  next: (e) => {
    events.push(e);
    if (e.type !== 'reply' || e.seq !== 1) return;
    const t0 = Date.now();
    pbkdf2('x', 'y', 200000, 64, 'sha512', () => (poolHeldMs = Date.now() - t0));
  },
  error: reject,
  complete: resolve,
}));
process.stdout.write(JSON.stringify({ events, poolHeldMs }));
`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, RXSOCK_POLLER: 'thread', UV_THREADPOOL_SIZE: '1' },
    });
    expect(child.status, child.stderr).toBe(0);
    const { events, poolHeldMs } = JSON.parse(child.stdout) as { events: PingEvent[]; poolHeldMs: number };
    // The pool was held well past request 2 and its linger: the case this test is about.
    expect(poolHeldMs).toBeGreaterThan(30);
    expect(replies(events).map((x) => x.seq)).toEqual([1, 2]);
    expect(summary(events)).toMatchObject({ transmitted: 2, received: 2, lossPercent: 0 });
  });
});

describe('ping through namespaces: client — router — server', () => {
  let line: Line;
  beforeAll(() => {
    requireBuilt();
    line = createLine();
  });
  afterAll(() => line?.remove());

  /** Runs ping() in the client namespace (a child process) and returns its events. */
  function pingFromClient(host: string, options: Record<string, unknown>): PingEvent[] {
    const script = `
import { lastValueFrom, toArray } from 'rxjs';
import { ping } from ${JSON.stringify(RAW_DIST)};
process.stdout.write(JSON.stringify(await lastValueFrom(ping(${JSON.stringify(host)}, ${JSON.stringify(options)}).pipe(toArray()))));
`;
    const { json, stderr } = runChild(script, { ns: line.client, timeoutMs: 20_000 });
    expect(json, stderr).toBeDefined();
    return json as PingEvent[];
  }

  it.each(['v4', 'v6'] as const)('the server one hop away answers (%s), with the TTL the router decremented', (v) => {
    const host = v === 'v4' ? line.serverV4 : line.serverV6;
    const events = pingFromClient(host, { count: 3, intervalMs: 50 });
    const r = replies(events);
    expect(r.map((x) => x.seq)).toEqual([1, 2, 3]);
    for (const x of r) expect(x).toMatchObject({ from: host, ttl: 63, bytes: 64 });
    expect(summary(events)).toMatchObject({ transmitted: 3, received: 3, lossPercent: 0 });
  });

  it.each(['v4', 'v6'] as const)('TTL 1: the router reports time exceeded for each request (%s)', (v) => {
    const events = pingFromClient(v === 'v4' ? line.serverV4 : line.serverV6, { count: 2, intervalMs: 50, ttl: 1, timeoutMs: 1000 });
    const errors = events.filter((e) => e.type === 'error');
    expect(errors).toEqual([1, 2].map((seq) => ({
      type: 'error', seq, from: v === 'v4' ? line.routerV4 : line.routerV6, icmpType: v === 'v4' ? 11 : 3, icmpCode: 0, text: v === 'v4' ? 'Time to live exceeded' : 'Time exceeded: Hop limit',
    })));
    expect(summary(events)).toMatchObject({ transmitted: 2, received: 0, errors: 2, lossPercent: 100 });
    expect(summary(events).rtt).toBeUndefined();
  });

  it.each(['v4', 'v6'] as const)('ping socket (no CAP_NET_RAW needed): TTL 1 errors come from the error queue (IP_RECVERR), %s', (v) => {
    const events = pingFromClient(v === 'v4' ? line.serverV4 : line.serverV6, { count: 2, intervalMs: 50, ttl: 1, timeoutMs: 1000, socket: 'dgram' });
    expect(events[0]).toMatchObject({ type: 'start', socket: 'dgram' });
    expect(events.filter((e) => e.type === 'error')).toEqual([1, 2].map((seq) => ({
      type: 'error', seq, from: v === 'v4' ? line.routerV4 : line.routerV6, icmpType: v === 'v4' ? 11 : 3, icmpCode: 0, text: v === 'v4' ? 'Time to live exceeded' : 'Time exceeded: Hop limit',
    })));
    expect(summary(events)).toMatchObject({ transmitted: 2, received: 0, errors: 2, lossPercent: 100 });
  });

  it('ping socket: Destination Host Unreachable from the router, through the error queue; replies still come on the same socket', () => {
    const events = pingFromClient(line.absentV4, { count: 1, timeoutMs: 6000, socket: 'dgram' });
    expect(events.filter((e) => e.type === 'error')).toEqual([
      { type: 'error', seq: 1, from: line.routerV4, icmpType: 3, icmpCode: 1, text: 'Destination Host Unreachable' },
    ]);
    expect(summary(events)).toMatchObject({ transmitted: 1, received: 0, errors: 1 });
    const ok = pingFromClient(line.serverV4, { count: 2, intervalMs: 50, socket: 'dgram' });
    expect(replies(ok).map((x) => x.seq)).toEqual([1, 2]);
  }, 15_000);

  it.each(['raw', 'dgram'] as const)('-w keeps sending past -c until answered, and the first errors end it; pipe counts the overlap (%s)', (socket) => {
    const events = pingFromClient(line.absentV4, { count: 1, deadlineMs: 15_000, intervalMs: 300, socket });
    const s = summary(events);
    const errors = events.filter((e) => e.type === 'error');
    // the router gives up on ARP after about 3 s: several requests went out meanwhile
    expect(s.transmitted).toBeGreaterThan(2);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(s).toMatchObject({ received: 0, errors: errors.length });
    expect(s.timeMs).toBeLessThan(10_000);
    expect(s.pipe).toBeGreaterThan(2);
  }, 25_000);

  it('nobody at the address: the router reports Destination Host Unreachable', () => {
    const events = pingFromClient(line.absentV4, { count: 1, timeoutMs: 6000 });
    expect(events.filter((e) => e.type === 'error')).toEqual([
      { type: 'error', seq: 1, from: line.routerV4, icmpType: 3, icmpCode: 1, text: 'Destination Host Unreachable' },
    ]);
    expect(summary(events)).toMatchObject({ transmitted: 1, received: 0, errors: 1 });
  }, 15_000);
});
