/**
 * The test script runs the whole suite again with RXSOCK_POLLER=thread. This
 * proves that run used the driver it names, so a setting that did not reach the test workers
 * cannot pass as tested.
 */
import { describe, expect, it } from 'vitest';
import { reactor } from '../../src/poller/index.js';

describe('the shared reactor', () => {
  it('runs the driver the environment names', () => {
    expect(reactor().driver).toBe(process.env['RXSOCK_POLLER'] || 'uv_poll');
  });
});
