import { describe, expect, it } from 'vitest';
import koffi from 'koffi';
import { C, Socket, SocketError } from '../../src/index.js';
import { sys } from '../../src/sys/index.js';
import { checked, tryCall, NOT_READY } from '../../src/sys/calls.js';

/** A `struct ifreq` (40 bytes on 64-bit Linux) naming an interface. */
function ifreq(name: string): Buffer {
  const b = Buffer.alloc(40);
  b.write(name, 0, 'latin1');
  return b;
}

describe('the Linux system-call layer', () => {
  it("koffi's native binary loaded from the registry package", () => {
    expect(koffi.version).toMatch(/^3\./);
    expect(sys().platform).toBe('linux');
  });

  it('ioctl SIOCGIFINDEX / SIOCGIFMTU fill a struct ifreq for lo', () => {
    const s = Socket.create(C.AF_INET, C.SOCK_DGRAM);
    const req = ifreq('lo');
    s.ioctl(C.SIOCGIFINDEX, req);
    expect(req.readInt32LE(16)).toBe(1);
    const mtu = ifreq('lo');
    s.ioctl(C.SIOCGIFMTU, mtu);
    expect(mtu.readInt32LE(16)).toBe(65536);
    expect(() => s.ioctl(C.SIOCGIFINDEX, ifreq('nosuchif0'))).toThrow(expect.objectContaining({ code: 'ENODEV', syscall: 'ioctl' }));
    s.close();
  });

  it('sockets are created non-blocking and close-on-exec', () => {
    const s = Socket.create(C.AF_INET6, C.SOCK_STREAM);
    expect(sys().fcntl(s.fileno(), C.F_GETFL, 0) & C.O_NONBLOCK).toBe(C.O_NONBLOCK);
    expect(sys().fcntl(s.fileno(), C.F_GETFD, 0) & C.FD_CLOEXEC).toBe(C.FD_CLOEXEC);
    s.close();
  });

  it('failures become typed errors; EAGAIN is "not ready", never an error', () => {
    const e = (() => {
      try {
        checked('close', () => sys().close(-1));
      } catch (x) {
        return x as SocketError;
      }
    })();
    expect(e).toBeInstanceOf(SocketError);
    expect(e).toMatchObject({ code: 'EBADF', errno: 9, syscall: 'close' });
    const [a, b] = Socket.pair();
    const buf = Buffer.alloc(4);
    expect(tryCall('recv', () => sys().recv(a.fileno(), buf, 4, 0))).toBe(NOT_READY);
    a.close();
    b.close();
  });

  it('eventfd and epoll bindings work together', () => {
    const efd = checked('eventfd', () => sys().eventfd(0, C.EFD_NONBLOCK | C.EFD_CLOEXEC));
    const ep = checked('epoll_create1', () => sys().epollCreate1(C.EPOLL_CLOEXEC));
    const ev = Buffer.alloc(sys().abi.epollEventSize);
    ev.writeUInt32LE(C.EPOLLIN, 0);
    ev.writeUInt32LE(42, sys().abi.epollDataOffset);
    checked('epoll_ctl', () => sys().epollCtl(ep, C.EPOLL_CTL_ADD, efd, ev));
    const out = Buffer.alloc(sys().abi.epollEventSize * 4);
    expect(sys().epollWait(ep, out, 4, 0)).toBe(0);
    const one = Buffer.alloc(8);
    one.writeBigUInt64LE(1n);
    expect(sys().write(efd, one, 8)).toBe(8);
    expect(sys().epollWait(ep, out, 4, 0)).toBe(1);
    expect(out.readUInt32LE(sys().abi.epollDataOffset)).toBe(42);
    sys().close(ep);
    sys().close(efd);
  });

  it('readv/writev move scattered buffers through a pipe', async () => {
    const { iovecsFor } = await import('../../src/socket/messages.js');
    const fds = new Int32Array(2);
    checked('pipe2', () => sys().pipe2(fds, C.O_CLOEXEC));
    const parts = [Buffer.from('scatter '), Buffer.from('and '), Buffer.from('gather')];
    expect(sys().writev(fds[1]!, iovecsFor(parts), parts.length)).toBe(18);
    const into = [Buffer.alloc(5), Buffer.alloc(13)];
    expect(sys().readv(fds[0]!, iovecsFor(into), 2)).toBe(18);
    expect(Buffer.concat(into).toString()).toBe('scatter and gather');
    sys().close(fds[0]!);
    sys().close(fds[1]!);
  });
});
