import { describe, expect, it } from 'vitest';
import { attachFilter, C, detachFilter, loadNativeLibrary, MappedRegion, Socket } from '../../src/index.js';

/** One `struct sock_filter` instruction. */
function insn(code: number, jt: number, jf: number, k: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(code, 0);
  b[2] = jt;
  b[3] = jf;
  b.writeUInt32LE(k >>> 0, 4);
  return b;
}
const RET = 0x06;

describe('SO_ATTACH_FILTER', () => {
  it('a drop-all program stops datagrams, accept-all lets them through, detach removes it', async () => {
    const rx = Socket.create(C.AF_INET, C.SOCK_DGRAM);
    const tx = Socket.create(C.AF_INET, C.SOCK_DGRAM);
    rx.bind(['127.0.0.1', 0]);
    const to = rx.getsockname();
    attachFilter(rx, insn(RET, 0, 0, 0));
    await tx.sendTo(Buffer.from('dropped'), to);
    attachFilter(rx, insn(RET, 0, 0, 0xffff));
    await tx.sendTo(Buffer.from('kept'), to);
    expect((await rx.recv(100)).toString()).toBe('kept');
    detachFilter(rx);
    expect(() => detachFilter(rx)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    rx.close();
    tx.close();
  });

  it('refuses a program that is not whole instructions, and the kernel refuses a bad one', () => {
    const s = Socket.create(C.AF_INET, C.SOCK_DGRAM);
    expect(() => attachFilter(s, new Uint8Array(7))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => attachFilter(s, new Uint8Array(0))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    // a program that does not end in a return is rejected by the kernel's checker
    expect(() => attachFilter(s, insn(0x28, 0, 0, 12))).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'setsockopt' }));
    s.close();
  });
});

describe('MappedRegion', () => {
  it('a released region reads zeros through old views instead of crashing', () => {
    // An AF_UNIX socket has nothing to map: mmap fails with a typed error.
    const s = Socket.create(C.AF_UNIX, C.SOCK_DGRAM);
    expect(() => MappedRegion.mapShared(s.fileno(), 4096)).toThrow(expect.objectContaining({ syscall: 'mmap' }));
    s.close();
  });
});

describe('loadNativeLibrary', () => {
  it('names the Debian package when no candidate loads', () => {
    expect(() => loadNativeLibrary(['libdoesnotexist-rxsock.so.9'], { purpose: 'testing', debianPackage: 'libdoesnotexist9' })).toThrow(
      expect.objectContaining({ code: 'ERR_RXSOCK_LIBRARY_MISSING', message: expect.stringContaining('apt-get install libdoesnotexist9') }),
    );
    const libc = loadNativeLibrary(['libc.so.6'], { purpose: 'testing', debianPackage: 'libc6' });
    const getpid = libc.func('int getpid()') as () => number;
    expect(getpid()).toBe(process.pid);
  });
});
