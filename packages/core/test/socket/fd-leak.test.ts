import { describe, expect, it } from 'vitest';
import { checkFdLeak } from '@rxsock/testing';
import { C, Socket } from '../../src/index.js';

describe('file descriptors', () => {
  it('10,000 open/connect/close cycles leave /proc/self/fd unchanged', async () => {
    const listener = Socket.create(C.AF_INET, C.SOCK_STREAM);
    listener.bind(['127.0.0.1', 0]);
    listener.listen(4096);
    const port = (listener.getsockname() as { port: number }).port;
    const report = await checkFdLeak(async () => {
      for (let i = 0; i < 10_000; i++) {
        const c = Socket.create(C.AF_INET, C.SOCK_STREAM);
        // every tenth connect fails on purpose (closed port): error paths must not leak either
        if (i % 10 === 9) {
          await c.connect(['127.0.0.1', 1]).catch(() => {});
        } else {
          await c.connect(['127.0.0.1', port]);
          const [conn] = await listener.accept();
          conn.close();
        }
        c.close();
      }
    });
    expect(report.leaked).toEqual([]);
    expect(report.after).toBe(report.before);
    listener.close();
  }, 120_000);
});
