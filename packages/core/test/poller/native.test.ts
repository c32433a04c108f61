/**
 * The native edges of the poller in this (forked, main-thread) process: the uv_poll_t handle's
 * memory outlives uv_close until libuv's close callback, and the reactor refuses worker threads
 * with a typed error instead of touching the main loop from another thread.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { C, sys } from '../../src/sys/index.js';
import { Interest, createReactor, reactor } from '../../src/poller/index.js';
import { UvDriver, uvHandlesInUse } from '../../src/poller/uv-driver.js';
import { builtModule, removeBuild } from './harness.js';

afterAll(removeBuild);

describe('uv_poll driver handle', () => {
  it('keeps the handle memory until the close callback, and close() resolves only then', async () => {
    const epfd = sys().epollCreate1(C.EPOLL_CLOEXEC);
    expect(epfd).toBeGreaterThanOrEqual(0);
    const before = uvHandlesInUse();
    const driver = new UvDriver(epfd, { drain: () => {}, report: (e) => { throw e; } });
    expect(driver.state).toBe('open');
    expect(uvHandlesInUse()).toBe(before + 1);

    let resolved = false;
    const closed = driver.close().then(() => (resolved = true));
    expect(driver.close()).toBe(driver.close()); // one close, one promise
    // uv_close only queues the handle; libuv calls back from a later loop phase.
    await Promise.resolve();
    expect(resolved).toBe(false);
    expect(driver.state).toBe('closing');
    expect(uvHandlesInUse()).toBe(before + 1);

    await closed;
    expect(driver.state).toBe('closed');
    expect(uvHandlesInUse()).toBe(before);
    sys().close(epfd);
  });

  it('a closed reactor released its handle and rejects new registrations', async () => {
    const before = uvHandlesInUse();
    const r = createReactor({ driver: 'uv_poll' });
    expect(uvHandlesInUse()).toBe(before + 1);
    const closing = r.close();
    expect(uvHandlesInUse()).toBe(before + 1);
    await closing;
    expect(uvHandlesInUse()).toBe(before);
    expect(() => r.register(0, { onReady() {} }, { interest: Interest.READABLE })).toThrow(
      expect.objectContaining({ code: 'ERR_RXSOCK_REACTOR_CLOSED' }),
    );
  });
});

describe('worker threads', () => {
  it('reactor() on a worker throws ERR_RXSOCK_WORKER_THREAD and nothing crashes', async () => {
    const code = `
      const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(builtModule('poller/index.js'))}).then((P) => {
        const attempt = (fn) => { try { fn(); return { ok: true }; } catch (e) { return { name: e.name, code: e.code, message: e.message }; } };
        parentPort.postMessage({ shared: attempt(() => P.reactor()), own: attempt(() => P.createReactor({ driver: 'thread' })) });
      });`;
    const worker = new Worker(code, { eval: true });
    // Listening for 'exit' from the start: a worker that has already exited when its message is
    // read gets 'message' and 'exit' emitted in one go (Worker's kOnExit drains the port, then
    // emits 'exit'), before an `await once(worker, 'message')` could go on to listen for the exit.
    // Seen once in CI as a 30 s timeout, under load.
    const exited = once(worker, 'exit');
    const [message] = (await once(worker, 'message')) as [Record<string, { name?: string; code?: string; message?: string }>];
    const [exitCode] = (await exited) as [number];
    expect(exitCode).toBe(0);
    for (const result of [message['shared']!, message['own']!]) {
      expect(result.name).toBe('SocketError');
      expect(result.code).toBe('ERR_RXSOCK_WORKER_THREAD');
      expect(result.message).toMatch(/main thread/);
    }
    // The main thread's reactor is unaffected.
    expect(['uv_poll', 'thread']).toContain(reactor().driver);
  });
});
