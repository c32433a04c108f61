/**
 * The test script runs the stream suites again with RXSOCK_IO_URING=0, the path of a kernel that
 * refuses io_uring. This proves that run had no batches, so a setting that did not reach the test
 * workers cannot pass as tested (and that the default run had them).
 */
import { describe, expect, it } from 'vitest';
import { recvBatch, sendBatch } from '../../src/sys/syscall-batch.js';

describe('batched system calls', () => {
  it('are made unless the environment turns them off', () => {
    const off = process.env['RXSOCK_IO_URING'] === '0';
    expect(sendBatch() === null).toBe(off);
    expect(recvBatch() === null).toBe(off);
  });
});
