// openCanJ1939's checks that come before any socket exists, and the error a kernel without
// SocketCAN gives (this host's case; in the kernel VM the same call meets a non-CAN interface).
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { openCanJ1939 } from '@rxsock/can';

describe('openCanJ1939 input', () => {
  it('refuses values out of range with EINVAL before opening anything', () => {
    for (const bad of [{ addr: 0x100 }, { addr: -1 }, { pgn: 0x40001 }, { name: 1n << 64n }, { priority: 8 }, { priority: 1.5 }, { maxMessageSize: 4 }, { filters: [{ pgn: 0x40000 }] }]) {
      expect(() => openCanJ1939({ interface: 'lo', ...bad })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    }
    expect(() => openCanJ1939({ interface: 0 })).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringMatching(/one interface/) }));
    expect(() => openCanJ1939({ interface: 'nosuchif0' })).toThrow(expect.objectContaining({ code: 'ENODEV' }));
  });

  it('names the module to load when the kernel has no CAN (here), or refuses a non-CAN interface (kernel VM)', () => {
    let error: unknown;
    try {
      openCanJ1939({ interface: 'lo', addr: 0x80 }).close();
    } catch (e) {
      error = e;
    }
    if (existsSync('/proc/net/can')) {
      expect(error).toMatchObject({ syscall: 'bind' });
    } else {
      expect(error).toMatchObject({ code: 'ERR_RXSOCK_CAN_UNAVAILABLE', syscall: 'socket', message: expect.stringMatching(/CAN_J1939.*modprobe can can-j1939/) });
    }
  });
});
