/**
 * The test script runs the socket and stream suites (and inet's) again with RXSOCK_POLLER=thread
 * and with RXSOCK_SELECTOR=io_uring. This proves those runs used what they name, so a setting
 * that did not reach the test workers cannot pass as tested.
 */
import { describe, expect, it } from 'vitest';
import { reactor } from '../../src/poller/index.js';

describe('the shared reactor', () => {
  it('runs the driver and selector the environment names', () => {
    const r = reactor();
    expect(r.driver).toBe(process.env['RXSOCK_POLLER'] || 'uv_poll');
    expect(r.selector).toBe(process.env['RXSOCK_SELECTOR'] || 'epoll');
  });
});
