import { describe, expect, it } from 'vitest';
import { C, Socket, MessageBatch, CMSG_SPACE, decodeInPktinfo } from '../../src/index.js';

for (const [name, af, host] of [
  ['IPv4', C.AF_INET, '127.0.0.1'],
  ['IPv6', C.AF_INET6, '::1'],
] as const) {
  describe(`UDP over ${name} loopback`, () => {
    it('sendTo / recvFrom with the sender address', async () => {
      const a = Socket.create(af, C.SOCK_DGRAM);
      const b = Socket.create(af, C.SOCK_DGRAM);
      a.bind([host, 0]);
      b.bind([host, 0]);
      await a.sendTo(Buffer.from('hello'), b.getsockname());
      const [data, from] = await b.recvFrom(100);
      expect(data.toString()).toBe('hello');
      expect(from).toEqual(a.getsockname());
      a.close();
      b.close();
    });

    it('sendMany and recvMany move 64 datagrams in few system calls', async () => {
      const a = Socket.create(af, C.SOCK_DGRAM);
      const b = Socket.create(af, C.SOCK_DGRAM);
      a.bind([host, 0]);
      b.bind([host, 0]);
      const dest = b.getsockname();
      const msgs = Array.from({ length: 64 }, (_, i) => ({ data: Buffer.from(`datagram ${i}`), address: dest }));
      expect(await a.sendMany(msgs)).toBe(64);
      const got: string[] = [];
      while (got.length < 64) {
        const batch = await b.recvMany(32, 100);
        expect(batch.length).toBeGreaterThan(0);
        expect(batch.length).toBeLessThanOrEqual(32);
        for (const m of batch) {
          expect(m.address).toEqual(a.getsockname());
          got.push(m.data.toString());
        }
      }
      expect(got).toEqual(msgs.map((m) => m.data.toString()));
      a.close();
      b.close();
    });

    it('a reusable MessageBatch reports truncation', async () => {
      const a = Socket.create(af, C.SOCK_DGRAM);
      const b = Socket.create(af, C.SOCK_DGRAM);
      b.bind([host, 0]);
      await a.sendTo(Buffer.alloc(200, 7), b.getsockname());
      const batch = new MessageBatch(4, 50);
      const n = await b.recvBatch(batch);
      expect(n).toBe(1);
      expect(batch.data(0).length).toBe(50);
      expect(batch.flags(0) & C.MSG_TRUNC).toBeTruthy();
      expect(b.tryRecvBatch(batch)).toBe(-1);
      a.close();
      b.close();
    });
  });
}

describe('UDP ancillary data', () => {
  it('IP_PKTINFO reports the destination address of each datagram', async () => {
    const r = Socket.create(C.AF_INET, C.SOCK_DGRAM);
    r.setOption('IP_PKTINFO', true);
    r.bind(['0.0.0.0', 0]);
    const port = (r.getsockname() as { port: number }).port;
    const s = Socket.create(C.AF_INET, C.SOCK_DGRAM);
    await s.sendTo(Buffer.from('to 127.0.0.2'), ['127.0.0.2', port]);
    const msg = await r.recvMsg(100, CMSG_SPACE(12));
    const info = decodeInPktinfo(msg.ancillary.find((m) => m.level === C.IPPROTO_IP && m.type === C.IP_PKTINFO)!.data);
    expect(info.destination).toBe('127.0.0.2');
    expect(info.ifindex).toBe(1);
    r.close();
    s.close();
  });
});

describe('SendBatch: prebuilt sendmmsg vectors', () => {
  it('sends a filled batch to several destinations in order, reusable after clear()', async () => {
    const { SendBatch } = await import('../../src/index.js');
    const r1 = Socket.create(C.AF_INET, C.SOCK_DGRAM);
    const r2 = Socket.create(C.AF_INET, C.SOCK_DGRAM);
    r1.bind(['127.0.0.1', 0]);
    r2.bind(['127.0.0.1', 0]);
    const s = Socket.create(C.AF_INET, C.SOCK_DGRAM);
    const batch = new SendBatch(8, 32);
    for (let i = 0; i < 6; i++) batch.set(i, Buffer.from(`msg ${i}`), (i % 2 ? r2 : r1).getsockname());
    expect(batch.count).toBe(6);
    expect(await s.sendBatch(batch)).toBe(6);
    const got1 = (await r1.recvMany(8, 64)).map((m) => m.data.toString());
    const got2 = (await r2.recvMany(8, 64)).map((m) => m.data.toString());
    expect(got1).toEqual(['msg 0', 'msg 2', 'msg 4']);
    expect(got2).toEqual(['msg 1', 'msg 3', 'msg 5']);
    // a connected socket needs no destinations; fill() repeats one payload
    await s.connect(r1.getsockname());
    batch.fill(Buffer.from('same'), 3);
    expect(s.trySendBatch(batch)).toBe(3);
    expect((await r1.recvMany(8, 64)).map((m) => m.data.toString())).toEqual(['same', 'same', 'same']);
    expect(() => batch.set(0, Buffer.alloc(33))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => batch.set(5, Buffer.alloc(1))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    for (const x of [r1, r2, s]) x.close();
  });
});
