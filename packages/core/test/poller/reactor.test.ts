/**
 * The reactor in this (forked, main-thread) process, with each driver: batching, trigger modes,
 * stale events after deregistration. Lifetime and timing are in lifecycle.test.ts (children).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { C, sys } from '../../src/sys/index.js';
import { Interest, Ready, createReactor } from '../../src/poller/index.js';
import type { OwnedReactor, ReadySource, Registration } from '../../src/poller/index.js';
import { DRIVERS } from './harness.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const one = Buffer.from('x');
const scratch = Buffer.alloc(4096);

const open: number[] = [];
const reactors: OwnedReactor[] = [];

function pair(): [number, number] {
  const fds = new Int32Array(2);
  expect(sys().socketpair(C.AF_UNIX, C.SOCK_STREAM | C.SOCK_NONBLOCK | C.SOCK_CLOEXEC, 0, fds)).toBe(0);
  open.push(fds[0]!, fds[1]!);
  return [fds[0]!, fds[1]!];
}

function send(fd: number): void {
  expect(sys().write(fd, one, 1)).toBe(1);
}

function drainFd(fd: number): void {
  while (sys().read(fd, scratch, scratch.length) > 0);
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(2);
  }
}

/** Counts events; the reactor itself counts its wake-ups (drains that found events). */
function counter(): { events: number; source: (onReady?: (ready: number) => void) => ReadySource } {
  const c = {
    events: 0,
    source: (onReady?: (ready: number) => void): ReadySource => ({
      onReady(ready) {
        c.events++;
        onReady?.(ready);
      },
    }),
  };
  return c;
}

const wakeups = (r: OwnedReactor): number => (r as unknown as { wakeups: number }).wakeups;

afterEach(async () => {
  for (const r of reactors.splice(0)) await r.close();
  for (const fd of open.splice(0)) sys().close(fd);
});

describe.each(DRIVERS)('reactor with the %s driver', (driver) => {
  const make = (capacity?: number) => {
    const r = createReactor({ driver, ...(capacity ? { capacity } : {}) });
    reactors.push(r);
    expect(r.driver).toBe(driver);
    return r;
  };

  it.each([1024, 64])('dispatches 200 ready sockets from one wake-up (capacity %i)', async (capacity) => {
    const r = make(capacity);
    const c = counter();
    const pairs = Array.from({ length: 200 }, pair);
    for (const [a] of pairs) r.register(a, c.source(), { interest: Interest.READABLE }).addWaiter();
    await sleep(20);
    expect(c.events).toBe(0);
    for (const [, b] of pairs) send(b);
    await until(() => c.events >= 200);
    await sleep(30);
    expect(c.events).toBe(200);
    // With capacity 64 the one wake-up took four selects (64+64+64+8).
    expect(wakeups(r)).toBe(1);
    expect(r.size).toBe(200);
  });

  it('edge: one event per readiness change, none while the fd stays readable', async () => {
    const r = make();
    const [a, b] = pair();
    const c = counter();
    r.register(a, c.source(), { interest: Interest.READABLE, edge: true }).addWaiter();
    send(b);
    await until(() => c.events >= 1);
    await sleep(80);
    expect(c.events).toBe(1);
    send(b); // new data is a new edge even though nothing was read
    await until(() => c.events >= 2);
    await sleep(50);
    expect(c.events).toBe(2);
  });

  it('level: repeated events until drained, then quiet', async () => {
    const r = make();
    const [a, b] = pair();
    const c = counter();
    const reg = r.register(a, c.source(), { interest: Interest.READABLE, edge: false });
    reg.addWaiter();
    send(b);
    await sleep(80);
    expect(c.events).toBeGreaterThan(5);
    drainFd(a);
    await sleep(10); // an event selected before the read may still be delivered once
    const settled = c.events;
    await sleep(80);
    expect(c.events).toBe(settled);
  });

  it('reports ERROR/HANGUP/READ_CLOSED with READABLE when the peer closes', async () => {
    const r = make();
    const [a, b] = pair();
    const seen: number[] = [];
    r.register(a, { onReady: (ready) => seen.push(ready) }, { interest: Interest.READABLE }).addWaiter();
    sys().close(b);
    open.splice(open.indexOf(b), 1);
    await until(() => seen.length > 0);
    const ready = seen.reduce((x, y) => x | y, 0);
    expect(ready & Ready.READABLE).toBe(Ready.READABLE);
    expect(ready & Ready.READ_CLOSED).toBe(Ready.READ_CLOSED);
  });

  it('interest 0 leaves the kernel set: no events, even for a hang-up', async () => {
    const r = make();
    const [a, b] = pair();
    const c = counter();
    const reg = r.register(a, c.source(), { interest: Interest.READABLE, edge: false });
    reg.addWaiter();
    reg.setInterest(0);
    send(b);
    sys().shutdown(b, 2);
    await sleep(60);
    expect(c.events).toBe(0);
    reg.setInterest(Interest.READABLE);
    await until(() => c.events > 0);
  });

  it('deregister inside a dispatch batch suppresses the stale event, even when the token is reused', async () => {
    const r = make();
    const [a1, b1] = pair();
    const [a2, b2] = pair();
    const [a3] = pair();

    // Control: with the same setup, both events come in one batch.
    const control = counter();
    const c1 = r.register(a1, control.source(), { interest: Interest.READABLE });
    const c2 = r.register(a2, control.source(), { interest: Interest.READABLE });
    send(b1);
    send(b2);
    c1.addWaiter();
    c2.addWaiter();
    await until(() => control.events >= 2);
    expect(wakeups(r)).toBe(1);
    c1.deregister();
    c2.deregister();
    drainFd(a1);
    drainFd(a2);

    const calls: string[] = [];
    let fresh: Registration | undefined;
    let victim: Registration | undefined;
    const source = (name: string): ReadySource => ({
      onReady() {
        calls.push(name);
        if (calls.length !== 1) return;
        victim = name === 'A' ? regB : regA;
        victim.deregister();
        // The freed slot is reused at once; only the generation tells the stale event apart.
        fresh = r.register(a3, { onReady: () => calls.push('C') }, { interest: Interest.READABLE });
        fresh.addWaiter();
      },
    });
    const regA = r.register(a1, source('A'), { interest: Interest.READABLE });
    const regB = r.register(a2, source('B'), { interest: Interest.READABLE });
    send(b1);
    send(b2);
    regA.addWaiter();
    regB.addWaiter();
    await until(() => calls.length >= 1);
    await sleep(50);
    expect(calls).toHaveLength(1);
    expect(fresh!.token % 2 ** 32).toBe(victim!.token % 2 ** 32);
    expect(fresh!.token).not.toBe(victim!.token);
    expect(r.size).toBe(2);
  });

  it('a registration whose fd was closed and reused does not remove the new registration', async () => {
    const r = make();
    const [a1] = pair();
    const stale = r.register(a1, { onReady() {} }, { interest: Interest.READABLE });
    sys().close(a1); // closed without deregistering: the kernel drops it from the epoll set
    open.splice(open.indexOf(a1), 1);
    const [a2, b2] = pair(); // the lowest free number: a1's
    expect(a2).toBe(a1);
    const c = counter();
    r.register(a2, c.source(), { interest: Interest.READABLE }).addWaiter();
    stale.deregister();
    send(b2);
    await until(() => c.events >= 1);
    expect(r.size).toBe(1);
  });

  it('a deregistered handle whose slot was reused cannot touch the new registration', async () => {
    const r = make();
    const [a1] = pair();
    const [a2, b2] = pair();
    const stale = r.register(a1, { onReady() {} }, { interest: Interest.READABLE });
    stale.deregister();
    const c = counter();
    const fresh = r.register(a2, c.source(), { interest: Interest.READABLE });
    expect(fresh.token % 2 ** 32).toBe(stale.token % 2 ** 32); // the same slot, a new generation
    fresh.addWaiter();
    stale.removeWaiter();
    stale.unref();
    stale.deregister();
    expect(() => stale.setInterest(Interest.WRITABLE)).toThrow(expect.objectContaining({ code: 'ERR_RXSOCK_DEREGISTERED' }));
    expect(r.size).toBe(1);
    expect(fresh.interest).toBe(Interest.READABLE);
    send(b2);
    await until(() => c.events >= 1);
    fresh.deregister();
    expect(r.size).toBe(0);
  });

  it('an exchange between two sockets of this process continues inside one wake-up, and timers still run', async () => {
    const r = make();
    const [a, b] = pair();
    const c = counter();
    let exchanges = 0;
    let running = true;
    // Each end answers the other from its dispatch: what the answer makes ready is selected again
    // in the same drain rather than after a trip round libuv's loop.
    const answer = (fd: number) => () => {
      drainFd(fd);
      exchanges++;
      if (running) send(fd);
    };
    r.register(a, c.source(answer(a)), { interest: Interest.READABLE }).addWaiter();
    r.register(b, c.source(answer(b)), { interest: Interest.READABLE }).addWaiter();
    let atTimer: number | undefined;
    setTimeout(() => (atTimer = exchanges), 5);
    send(b);
    // The exchange never pauses by itself; the bound on rounds per wake-up is what lets the
    // timer run while it goes on. It is stopped only once the timer has fired and enough
    // exchanges were made to count wake-ups against (however slow the machine is).
    await until(() => atTimer !== undefined && exchanges >= 2000);
    running = false;
    await sleep(20);
    expect(atTimer).toBeGreaterThan(0);
    // Up to 32 selects per wake-up: far fewer wake-ups than exchanges.
    expect(wakeups(r)).toBeLessThan(exchanges / 8);
  });

  it('I/O made ready inside a wake-up waits for the immediates queued before it, as in the Node loop', async () => {
    const r = make();
    const [a, b] = pair();
    const order: string[] = [];
    let k = 0;
    const answer = (fd: number) => () => {
      drainFd(fd);
      const n = ++k;
      order.push(`io ${n}`);
      setImmediate(() => order.push(`immediate ${n}`));
      if (n < 6) send(fd);
    };
    r.register(a, { onReady: answer(a) }, { interest: Interest.READABLE }).addWaiter();
    r.register(b, { onReady: answer(b) }, { interest: Interest.READABLE }).addWaiter();
    send(b);
    await until(() => order.length >= 12);
    expect(order).toEqual([1, 2, 3, 4, 5, 6].flatMap((n) => [`io ${n}`, `immediate ${n}`]));
  });

  it('rejects bad arguments and use after deregister with typed errors', () => {
    const r = make();
    const [a] = pair();
    expect(() => r.register(a, { onReady() {} }, { interest: 8 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    const reg = r.register(a, { onReady() {} }, { interest: Interest.READABLE });
    expect(() => r.register(a, { onReady() {} }, { interest: Interest.READABLE })).toThrow(expect.objectContaining({ code: 'EEXIST', syscall: 'epoll_ctl' }));
    reg.deregister();
    reg.deregister(); // idempotent
    reg.removeWaiter(); // harmless on a dead registration
    expect(() => reg.setInterest(Interest.WRITABLE)).toThrow(expect.objectContaining({ code: 'ERR_RXSOCK_DEREGISTERED' }));
    expect(r.size).toBe(0);
  });
});
