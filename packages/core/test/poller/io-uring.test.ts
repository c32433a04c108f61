/**
 * The io_uring selector on its own: what differs from epoll (requests hold their file until
 * removed, a bad fd comes back as a completion) and what it must keep (64-bit tokens, no events
 * after deregistration, nothing lost when more completions wait than one select returns). The
 * reactor-level behaviour is in reactor.test.ts and lifecycle.test.ts, under every selector.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { C, sys } from '../../src/sys/index.js';
import { Interest, IoUringSelector, Ready, ioUringAvailable } from '../../src/poller/index.js';

const one = Buffer.from('x');
const open: number[] = [];
const selectors: IoUringSelector[] = [];

function pair(): [number, number] {
  const fds = new Int32Array(2);
  expect(sys().socketpair(C.AF_UNIX, C.SOCK_STREAM | C.SOCK_NONBLOCK | C.SOCK_CLOEXEC, 0, fds)).toBe(0);
  open.push(fds[0]!, fds[1]!);
  return [fds[0]!, fds[1]!];
}

function closeFd(fd: number): void {
  sys().close(fd);
  open.splice(open.indexOf(fd), 1);
}

function make(capacity?: number): IoUringSelector {
  const s = new IoUringSelector(capacity);
  selectors.push(s);
  return s;
}

/**
 * Selects until `n` events came or `ms` passed. The kernel posts poll completions from task work
 * on the way back from the system call that made the fd ready (here, this thread's own write).
 */
function collect(s: IoUringSelector, n: number, ms = 2000): Array<[token: number, ready: number]> {
  const got: Array<[number, number]> = [];
  const end = Date.now() + ms;
  while (got.length < n && Date.now() < end) {
    const k = s.select(0);
    for (let i = 0; i < k; i++) got.push([s.token(i), s.ready(i)]);
  }
  return got;
}

afterEach(() => {
  vi.restoreAllMocks();
  for (const s of selectors.splice(0)) s.close();
  for (const fd of open.splice(0)) sys().close(fd);
});

describe('io_uring selector', () => {
  it('is available on this machine', () => {
    // When this fails the kernel refuses io_uring (compiled out, kernel.io_uring_disabled, or a
    // seccomp filter); the constructor's error names the errno.
    expect(() => make().close()).not.toThrow();
    expect(ioUringAvailable()).toBe(true);
  });

  it('reports readiness with the full 64-bit token, edge-triggered: one event per arrival', () => {
    const s = make();
    const [a, b] = pair();
    const token = 7 + 2 ** 40; // a slot with a generation above 2^32, as the reactor makes them
    s.register(a, token, Interest.READABLE, true);
    expect(s.select(0)).toBe(0);
    expect(sys().write(b, one, 1)).toBe(1);
    const [[t, ready]] = collect(s, 1) as [[number, number]];
    expect(t).toBe(token);
    expect(ready & Ready.READABLE).toBe(Ready.READABLE);
    // Still readable, no new arrival: no new event.
    expect(s.select(0)).toBe(0);
    expect(sys().write(b, one, 1)).toBe(1);
    expect(collect(s, 1).map(([x]) => x)).toEqual([token]);
  });

  it('level-triggered: reported at every select while readable, quiet once drained', () => {
    const s = make();
    const [a, b] = pair();
    s.register(a, 3, Interest.READABLE, false);
    expect(sys().write(b, one, 1)).toBe(1);
    expect(collect(s, 1)).toHaveLength(1);
    // The one-shot request was made again at the end of that select and found the level.
    expect(collect(s, 1)).toHaveLength(1);
    expect(collect(s, 1)).toHaveLength(1);
    expect(sys().read(a, Buffer.alloc(8), 8)).toBe(1);
    collect(s, 1, 50); // a completion posted before the read
    expect(s.select(0)).toBe(0);
  });

  it('reregister changes the interest: writable only, then readable again', () => {
    const s = make();
    const [a, b] = pair();
    s.register(a, 5, Interest.READABLE, true);
    s.reregister(a, 5, Interest.WRITABLE, true);
    const [[, ready]] = collect(s, 1) as [[number, number]];
    expect(ready & Ready.WRITABLE).toBe(Ready.WRITABLE);
    expect(ready & Ready.READABLE).toBe(0);
    expect(sys().write(b, one, 1)).toBe(1);
    // Writable-only: data does not make an event that says READABLE.
    for (const [, r] of collect(s, 1, 100)) expect(r & Ready.READABLE).toBe(0);
    s.reregister(a, 5, Interest.READABLE, true);
    expect(collect(s, 1).some(([, r]) => (r & Ready.READABLE) !== 0)).toBe(true);
  });

  it('after deregister, no event comes, and closing the fd closes the socket: the peer reads EOF', () => {
    const s = make();
    const [a, b] = pair();
    s.register(a, 9, Interest.READABLE, true);
    s.deregister(a, 9);
    expect(sys().write(b, one, 1)).toBe(1);
    expect(collect(s, 1, 100)).toEqual([]);
    expect(sys().read(a, Buffer.alloc(8), 8)).toBe(1); // (unread data would make the close a reset)
    // A poll request holds its file: had the request survived, this close would leave the
    // socket open and the peer would read EAGAIN instead of the end of the stream.
    closeFd(a);
    expect(sys().read(b, Buffer.alloc(8), 8)).toBe(0);
  });

  it('a registration of a closed fd comes back as ERROR readiness, not a throw', () => {
    const s = make();
    const [a] = pair();
    closeFd(a);
    expect(() => s.register(a, 11, Interest.READABLE, true)).not.toThrow();
    const [[t, ready]] = collect(s, 1) as [[number, number]];
    expect(t).toBe(11);
    expect(ready & Ready.ERROR).toBe(Ready.ERROR);
  });

  it('more completions than one select returns are all delivered by the next selects', () => {
    const s = make(16);
    const pairs = Array.from({ length: 100 }, pair);
    pairs.forEach(([a], i) => s.register(a, i, Interest.READABLE, true));
    for (const [, b] of pairs) expect(sys().write(b, one, 1)).toBe(1);
    const got = collect(s, 100);
    expect(new Set(got.map(([t]) => t)).size).toBe(100);
  });

  it('where the kernel refuses io_uring, the typed error says why and names the way out', () => {
    // What a container's seccomp filter or kernel.io_uring_disabled=2 returns (not to be set on
    // a shared machine, so the system call's answer is stood in for).
    vi.spyOn(sys(), 'ioUringSetup').mockReturnValue(-1);
    vi.spyOn(sys(), 'errno').mockReturnValue(1); // EPERM
    expect(() => new IoUringSelector()).toThrow(
      expect.objectContaining({ code: 'EPERM', syscall: 'io_uring_setup', message: expect.stringMatching(/io_uring_disabled.*seccomp.*RXSOCK_SELECTOR=epoll/s) }),
    );
    expect(ioUringAvailable()).toBe(false);
  });

  it('refuses use after close with a typed error, and the thread driver with ERR_NOT_SUPPORTED', async () => {
    const s = make();
    await expect(s.selectAsync(-1)).rejects.toMatchObject({ code: 'ERR_NOT_SUPPORTED' });
    s.close();
    s.close(); // idempotent
    expect(() => s.select(0)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(() => s.register(0, 1, Interest.READABLE, true)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });
});
