// 10,000 open/bind/close cycles of CAN_RAW sockets (with options, with and without a reader and
// a send, and ones that fail after the socket was made) leave no file descriptor behind.
import { describe, expect, it } from 'vitest';
import { checkFdLeak } from '@rxsock/testing';
import { canFrame, openCanRaw } from '@rxsock/can';
import { ifNameToIndex } from '@rxsock/core';

describe('CAN_RAW fd hygiene', () => {
  // Counts are judged, not time: the generous timeout only catches a hang (emulation is slow).
  it('10,000 open/bind/close cycles leak no fd', { timeout: 1_500_000 }, async () => {
    const vcan0 = ifNameToIndex('vcan0');
    let failures = 0;
    const report = await checkFdLeak(async () => {
      for (let i = 0; i < 10_000; i++) {
        if (i % 10 === 9) {
          // fails in setsockopt after socket(): the socket must be closed by openCanRaw
          try {
            openCanRaw({ interface: vcan0, errorMask: -1 });
          } catch {
            failures++;
          }
          continue;
        }
        const s = openCanRaw({ interface: i % 2 ? vcan0 : 'any', timestamps: i % 100 === 0, ...(i % 3 === 0 ? { filters: [{ id: i & 0x7ff, mask: 0x7ff }], fdFrames: true } : {}) });
        if (i % 100 === 1) {
          const sub = s.frames$.subscribe();
          if (s.ifindex !== 0) await s.send(canFrame({ id: 1, data: [i & 0xff] }));
          sub.unsubscribe();
        }
        s.close();
      }
    });
    expect(failures).toBe(1000);
    expect(report.leaked).toEqual([]);
    expect(report.after).toBe(report.before);
  });
});
