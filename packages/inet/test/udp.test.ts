import { afterEach, describe, expect, it } from 'vitest';
import { firstValueFrom, take, toArray, timeout } from 'rxjs';
import { C, Socket, cmsgSpace, decodeUint32, ifNameToIndex } from '@rxsock/core';
import { checkFdLeak } from '@rxsock/testing';
import { udpSocket, type InetAddress, type UdpDatagram, type UdpSocket, type UdpSocketOptions } from '../src/index.js';
import { sleep, waitFor } from './support/helpers.js';
import { createNetns } from './support/netns.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

function udp(options: UdpSocketOptions = {}): UdpSocket {
  const s = udpSocket(options);
  cleanup.push(() => s.close());
  return s;
}

/** The next `n` datagrams, or an error after `ms`. */
function next(s: UdpSocket, n = 1, ms = 3000): Promise<UdpDatagram[]> {
  return firstValueFrom(s.datagrams$.pipe(take(n), toArray(), timeout(ms)));
}

/** Whether a datagram arrives within `ms`. */
async function arrives(s: UdpSocket, ms = 150): Promise<boolean> {
  return next(s, 1, ms).then(
    () => true,
    () => false,
  );
}

const lo = ifNameToIndex('lo');

describe('UDP unicast', () => {
  for (const [name, host] of [
    ['IPv4', '127.0.0.1'],
    ['IPv6', '::1'],
  ] as const) {
    it(`${name}: send and receive with the sender's address`, async () => {
      const a = udp({ host });
      const b = udp({ host });
      expect(a.family).toBe(name === 'IPv4' ? 'inet' : 'inet6');
      const got = next(b);
      await a.send(Buffer.from('hello'), b.address());
      const [d] = await got;
      expect(d!.data.toString()).toBe('hello');
      expect(d!.address).toEqual(a.address());
      expect(d!.truncated).toBe(false);
      expect(d!.destination).toBeUndefined();
    });
  }

  it('IPv4 pktinfo reports the destination address and interface of each datagram', async () => {
    const r = udp({ host: '0.0.0.0', pktinfo: true });
    const s = udp({ host: '127.0.0.1' });
    const port = r.address().port;
    const got = next(r, 2);
    await s.send(Buffer.from('to .1'), ['127.0.0.1', port]);
    await s.send(Buffer.from('to .2'), ['127.0.0.2', port]);
    const [d1, d2] = await got;
    expect(d1!.destination).toEqual({ host: '127.0.0.1', interfaceIndex: lo });
    expect(d2!.destination).toEqual({ host: '127.0.0.2', interfaceIndex: lo });
  });

  it('IPv6 pktinfo reports ::1, and IPv4 traffic on a dual-stack socket in IPv4 form', async () => {
    const r = udp({ host: '::', pktinfo: true });
    const port = r.address().port;
    const s6 = udp({ host: '::1' });
    const s4 = udp({ host: '127.0.0.1' });
    const got = next(r, 2);
    await s6.send(Buffer.from('six'), ['::1', port]);
    await sleep(10);
    await s4.send(Buffer.from('four'), ['127.0.0.1', port]);
    const [d6, d4] = await got;
    expect(d6!.destination).toEqual({ host: '::1', interfaceIndex: lo });
    expect(d4!.destination).toEqual({ host: '127.0.0.1', interfaceIndex: lo });
    expect(d4!.address).toMatchObject({ family: 'inet6', host: '::ffff:127.0.0.1' });
  });

  it('a dual-stack socket sends to an IPv4 address given in IPv4 form', async () => {
    const r = udp({ host: '127.0.0.1' });
    const s = udp({ family: 'inet6' });
    const got = next(r);
    await s.send(Buffer.from('mapped'), r.address());
    expect((await got)[0]!.data.toString()).toBe('mapped');
  });

  it('sendMany sends a batch in order and the counters add up', async () => {
    const r = udp({ host: '127.0.0.1' });
    const s = udp({ host: '127.0.0.1' });
    const got = next(r, 100);
    const n = await s.sendMany(Array.from({ length: 100 }, (_, i) => ({ data: [Buffer.from('#'), Buffer.from(String(i))], address: r.address() })));
    expect(n).toBe(100);
    expect((await got).map((d) => d.data.toString())).toEqual(Array.from({ length: 100 }, (_, i) => `#${i}`));
    expect(s.counters).toMatchObject({ sent: 100, sendErrors: 0 });
    expect(s.counters.sentBytes).toBe(Array.from({ length: 100 }, (_, i) => 1 + String(i).length).reduce((a, b) => a + b));
    await waitFor(() => r.counters.delivered === 100, 'delivered');
    expect(r.counters).toMatchObject({ received: 100, delivered: 100, dropped: 0 });
  });

  it('a datagram longer than the receive slot is flagged truncated', async () => {
    const r = udp({ host: '127.0.0.1', receive: { slotSize: 16 } });
    const s = udp({ host: '127.0.0.1' });
    const got = next(r);
    await s.send(Buffer.alloc(100, 1), r.address());
    const [d] = await got;
    expect(d!.truncated).toBe(true);
    expect(d!.data.length).toBe(16);
    expect(r.counters.truncated).toBe(1);
  });

  it('connected UDP: send() needs no address and only the peer’s datagrams arrive', async () => {
    const a = udp({ host: '127.0.0.1' });
    const b = udp({ host: '127.0.0.1' });
    const stranger = udp({ host: '127.0.0.1' });
    await a.connect(b.address());
    expect(a.remoteAddress()).toEqual(b.address());
    const got = next(a);
    await stranger.send(Buffer.from('ignored'), a.address());
    await b.send(Buffer.from('from peer'), a.address());
    expect((await got)[0]!.data.toString()).toBe('from peer');
    const toB = next(b);
    await a.send(Buffer.from('no address needed'));
    expect((await toB)[0]!.data.toString()).toBe('no address needed');
  });

  it('an ICMP port-unreachable on a connected socket is counted, not fatal', async () => {
    const closed = Socket.create(C.AF_INET, C.SOCK_DGRAM);
    closed.bind(['127.0.0.1', 0]);
    const deadAddress = closed.getsockname() as InetAddress;
    closed.close();
    const a = udp({ host: '127.0.0.1' });
    const peer = udp({ host: '127.0.0.1' });
    const datagrams: UdpDatagram[] = [];
    let failed: unknown;
    const sub = a.datagrams$.subscribe({ next: (d) => datagrams.push(d), error: (e) => (failed = e) });
    cleanup.push(() => sub.unsubscribe());
    await a.connect(deadAddress);
    await a.send(Buffer.from('nobody home'));
    await waitFor(() => a.counters.icmpErrors === 1, 'ICMP error seen on receive');
    expect(failed).toBeUndefined();
    // Still receiving after the error: reconnect to a live peer.
    await a.connect(peer.address());
    await peer.send(Buffer.from('alive'), a.address());
    await waitFor(() => datagrams.length === 1, 'datagram after the ICMP error');
    expect(datagrams[0]!.data.toString()).toBe('alive');
  });

  it('TTL and hop limit reach the wire (IP_RECVTTL / IPV6_RECVHOPLIMIT on the receiver)', async () => {
    const r4 = udp({ host: '127.0.0.1', receive: { controlSize: cmsgSpace(4) } });
    r4.socket.setOption('IP_RECVTTL', true);
    const s4 = udp({ host: '127.0.0.1', ttl: 7 });
    expect(s4.socket.getOption('IP_TTL')).toBe(7);
    const got4 = next(r4);
    await s4.send(Buffer.from('ttl'), r4.address());
    const ttl = (await got4)[0]!.ancillary.find((m) => m.level === C.IPPROTO_IP && m.type === C.IP_TTL);
    expect(ttl && decodeUint32(ttl.data)).toBe(7);

    const r6 = udp({ host: '::1', receive: { controlSize: cmsgSpace(4) } });
    r6.socket.setOption('IPV6_RECVHOPLIMIT', true);
    const s6 = udp({ host: '::1' });
    s6.setTtl(9);
    expect(s6.socket.getOption('IPV6_UNICAST_HOPS')).toBe(9);
    const got6 = next(r6);
    await s6.send(Buffer.from('hops'), r6.address());
    const hops = (await got6)[0]!.ancillary.find((m) => m.level === C.IPPROTO_IPV6 && m.type === C.IPV6_HOPLIMIT);
    expect(hops && decodeUint32(hops.data)).toBe(9);
  });

  it('SO_REUSEPORT lets two sockets share a port', () => {
    const a = udp({ host: '127.0.0.1', reusePort: true });
    const b = udp({ host: '127.0.0.1', port: a.address().port, reusePort: true });
    expect(b.address().port).toBe(a.address().port);
    expect(() => udpSocket({ host: '127.0.0.1', port: a.address().port })).toThrow(expect.objectContaining({ code: 'EADDRINUSE' }));
  });

  it('close() completes datagrams$ and releases the fd', async () => {
    const report = await checkFdLeak(async () => {
      const s = udpSocket({ host: '127.0.0.1' });
      let done = false;
      s.datagrams$.subscribe({ complete: () => (done = true) });
      s.close();
      await s.closed;
      expect(done).toBe(true);
    });
    expect(report.leaked).toEqual([]);
  });
});

describe('UDP broadcast (127.255.255.255 is lo’s broadcast address: nothing leaves the host)', () => {
  it('is refused with EACCES without SO_BROADCAST and delivered with it', async () => {
    const r = udp({ host: '0.0.0.0' });
    const port = r.address().port;
    const plain = udp({ host: '127.0.0.1' });
    await expect(plain.send(Buffer.from('x'), ['127.255.255.255', port])).rejects.toMatchObject({ code: 'EACCES' });
    expect(plain.counters.sendErrors).toBe(1);
    const caster = udp({ host: '127.0.0.1', broadcast: true });
    expect(caster.socket.getOption('SO_BROADCAST')).toBe(true);
    const got = next(r);
    await caster.send(Buffer.from('to all on lo'), ['127.255.255.255', port]);
    expect((await got)[0]!.data.toString()).toBe('to all on lo');
    plain.setBroadcast(true);
    await plain.send(Buffer.from('now allowed'), ['127.255.255.255', port]);
  });
});

describe('IPv4 multicast on loopback', () => {
  for (const [group, iface] of [
    ['239.255.42.1', '127.0.0.1'],
    ['224.0.0.251', lo],
  ] as const) {
    it(`joins ${group} on lo (by ${typeof iface === 'number' ? 'index' : 'address'}), receives with pktinfo, stops after leaving`, async () => {
      const r = udp({ host: '0.0.0.0', reuseAddress: true, pktinfo: true });
      const port = r.address().port;
      r.addMembership(group, iface);
      const s = udp({ host: '127.0.0.1', multicastInterface: '127.0.0.1', multicastLoopback: true, multicastTtl: 1 });
      expect(s.socket.getOption('IP_MULTICAST_LOOP')).toBe(true);
      expect(s.socket.getOption('IP_MULTICAST_TTL')).toBe(1);
      const got = next(r);
      await s.send(Buffer.from('to the group'), [group, port]);
      const [d] = await got;
      expect(d!.data.toString()).toBe('to the group');
      expect(d!.destination).toEqual({ host: group, interfaceIndex: lo });
      r.dropMembership(group, iface);
      await s.send(Buffer.from('after leaving'), [group, port]);
      expect(await arrives(r)).toBe(false);
    });
  }

  it('a second member on the same port (SO_REUSEADDR) gets its own copy', async () => {
    const group = '239.255.42.2';
    const a = udp({ host: '0.0.0.0', reuseAddress: true });
    const port = a.address().port;
    const b = udp({ host: '0.0.0.0', port, reuseAddress: true });
    a.addMembership(group, '127.0.0.1');
    b.addMembership(group, '127.0.0.1');
    const s = udp({ host: '127.0.0.1' });
    s.setMulticastInterface(lo);
    const both = Promise.all([next(a), next(b)]);
    await s.send(Buffer.from('fan-out'), [group, port]);
    const [[da], [db]] = await both;
    expect(da!.data.toString()).toBe('fan-out');
    expect(db!.data.toString()).toBe('fan-out');
  });
});

describe('IPv6 multicast (veth pair in a network namespace created by the test)', () => {
  // Linux drops IPv6 multicast sent over `lo` (the loopback device cannot create a neighbour
  // entry for it: Ip6OutNoRoutes grows and nothing is delivered, even with a multicast route
  // and IFF_MULTICAST), so IPv6 groups are tested across a veth pair of our own namespace.
  it.each(['ff02::1:3', 'ff12::4242'])('joins %s on one end, receives what the other end sends, stops after leaving', async (group) => {
    const ns = createNetns('rxsock-mc6');
    cleanup.push(() => ns.remove());
    ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    ns.ip('link', 'set', 'v0', 'up');
    ns.ip('link', 'set', 'v1', 'up');
    const v0 = ns.index('v0');
    const v1 = ns.index('v1');
    const [r, s] = ns.run(() => [udp({ host: '::', pktinfo: true }), udp({ family: 'inet6', multicastInterface: v0 })]);
    const port = r!.address().port;
    r!.addMembership(group, v1);
    // Link-local addresses come up a moment after the link; retry the first send until routed.
    const got = next(r!, 1, 5000);
    for (let i = 0; ; i++) {
      try {
        await s!.send(Buffer.from('over the wire'), { family: 'inet6', host: group, port, scopeId: v0 });
        break;
      } catch (e) {
        if (i > 50) throw e;
        await sleep(20);
      }
    }
    const [d] = await got;
    expect(d!.data.toString()).toBe('over the wire');
    expect(d!.destination).toEqual({ host: group, interfaceIndex: v1 });
    expect(d!.address).toMatchObject({ family: 'inet6', host: expect.stringMatching(/^fe80:/) });
    r!.dropMembership(group, v1);
    await s!.send(Buffer.from('after leaving'), { family: 'inet6', host: group, port, scopeId: v0 });
    expect(await arrives(r!)).toBe(false);
  });
});

describe('multicast loopback flag (veth in a namespace: on lo every packet comes back anyway)', () => {
  it('IP_MULTICAST_LOOP / IPV6_MULTICAST_LOOP decide whether the sending host hears its own groups', async () => {
    const ns = createNetns('rxsock-mcloop');
    cleanup.push(() => ns.remove());
    ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    ns.ip('addr', 'add', '10.99.0.1/24', 'dev', 'v0');
    ns.ip('link', 'set', 'v0', 'up');
    ns.ip('link', 'set', 'v1', 'up');
    const v0 = ns.index('v0');
    const cases = [
      { group: '239.255.9.9', family: 'inet' as const, host: '0.0.0.0' },
      { group: 'ff02::9:9', family: 'inet6' as const, host: '::' },
    ];
    for (const c of cases) {
      // The member joins on the sending interface itself: only the host's local copy can reach it.
      const [r, s] = ns.run(() => [udp({ host: c.host, family: c.family }), udp({ family: c.family, multicastInterface: c.family === 'inet' ? '10.99.0.1' : v0 })]);
      r!.addMembership(c.group, v0);
      const to = { host: c.group, port: r!.address().port, ...(c.family === 'inet6' ? { family: 'inet6' as const, scopeId: v0 } : {}) };
      s!.setMulticastLoopback(true);
      const got = next(r!, 1, 5000);
      for (let i = 0; ; i++) {
        try {
          await s!.send(Buffer.from('loop on'), to);
          break;
        } catch (e) {
          if (i > 50) throw e;
          await sleep(20);
        }
      }
      expect((await got)[0]!.data.toString()).toBe('loop on');
      s!.setMulticastLoopback(false);
      await s!.send(Buffer.from('loop off'), to);
      expect(await arrives(r!)).toBe(false);
    }
  });
});

describe('udpSocket receive options', () => {
  it('bad receive options fail at creation with a typed EINVAL, and no socket is left open', async () => {
    const report = await checkFdLeak(() => {
      for (const receive of [{ batchDelayMs: -1 }, { batchSize: 0 }, { overflow: 'sometimes' as never }]) {
        let error: unknown;
        try {
          udpSocket({ host: '127.0.0.1', port: 0, receive });
        } catch (e) {
          error = e;
        }
        expect((error as { code?: string }).code).toBe('EINVAL');
      }
    });
    expect(report.leaked).toEqual([]);
  });

  it("reads with batchDelayMs 'auto' by default: a flood into a large buffer is read in batches, a trickle at each edge", async () => {
    const rx = udpSocket({ host: '127.0.0.1', port: 0, receiveBufferSize: 4 << 20 });
    const tx = udpSocket({ host: '127.0.0.1', port: 0 });
    cleanup.push(() => rx.close(), () => tx.close());
    let got = 0;
    rx.datagrams$.subscribe(() => got++);
    const reader = (rx as unknown as { reader: { batching: boolean } }).reader;
    expect(reader.batching).toBe(false);
    const to = { host: '127.0.0.1', port: rx.address().port };
    const burst = Array.from({ length: 64 }, () => ({ data: Buffer.from('flood'), address: to }));
    let batched = false;
    for (let i = 0; i < 400; i++) {
      await tx.sendMany(burst);
      batched ||= reader.batching;
      await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => got === 400 * 64, 'the flood');
    expect(batched).toBe(true);
    for (let i = 0; i < 10; i++) {
      await tx.send(Buffer.from('t'), to);
      await sleep(5);
    }
    await waitFor(() => got === 400 * 64 + 10, 'the trickle');
    expect(reader.batching).toBe(false);
  });

  it('batchDelayMs reaches the reader: a burst after the first datagram arrives together', async () => {
    const rx = udpSocket({ host: '127.0.0.1', port: 0, receive: { batchDelayMs: 30 } });
    const tx = udpSocket({ host: '127.0.0.1', port: 0 });
    cleanup.push(() => rx.close(), () => tx.close());
    const at: number[] = [];
    rx.datagrams$.subscribe(() => at.push(performance.now()));
    const to = { host: '127.0.0.1', port: rx.address().port };
    await tx.send(Buffer.from('first'), to);
    await waitFor(() => at.length === 1, 'the first datagram');
    await tx.sendMany([1, 2, 3].map(() => ({ data: Buffer.from('burst'), address: to })));
    await waitFor(() => at.length === 4, 'the burst');
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(29);
  });
});
