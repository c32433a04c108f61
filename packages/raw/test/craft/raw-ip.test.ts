/** Raw IPv4/IPv6 and ICMP sockets on loopback: whole packets built here are sent and received by the kernel's own stack. */
import { afterEach, describe, expect, it } from 'vitest';
import { firstValueFrom, filter, timeout } from 'rxjs';
import { C, Socket } from '@rxsock/core';
import { checkFdLeak } from '@rxsock/testing';
import { IcmpType, Icmpv6Type, IpProtocol, UdpView, buildPacket, icmpSocket, rawIpSocket } from '../../src/index.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

function udpReceiver(host: string): { socket: Socket; port: number } {
  const socket = Socket.create(host.includes(':') ? C.AF_INET6 : C.AF_INET, C.SOCK_DGRAM);
  socket.bind([host, 0]);
  cleanup.push(() => socket.close());
  return { socket, port: (socket.getsockname() as { port: number }).port };
}

describe('raw IP sockets', () => {
  it('IPv4 IPPROTO_RAW: a whole UDP packet built here reaches a UDP socket, and a raw UDP socket sees it decoded', async () => {
    // 127.0.0.3, and a sniffer bound to it (a raw socket's bind filters on the destination): on
    // a shared machine other UDP traffic on 127.0.0.1 can fill a raw socket's receive buffer.
    const { socket: udp, port } = udpReceiver('127.0.0.3');
    const raw = rawIpSocket();
    const sniff = rawIpSocket({ protocol: IpProtocol.UDP, bind: '127.0.0.3' });
    cleanup.push(() => raw.close(), () => sniff.close());
    expect(raw.headerIncluded).toBe(true);
    const seen = firstValueFrom(sniff.packets$.pipe(filter((p) => p.packet?.udp?.dstPort === port), timeout(3000)));
    const packet = buildPacket([{ layer: 'ipv4', src: '127.0.0.1', dst: '127.0.0.3', id: 4242, ttl: 17 }, { layer: 'udp', srcPort: 40000, dstPort: port }], Buffer.from('crafted'));
    expect(await raw.send(packet, '127.0.0.3')).toBe(packet.length);
    const [data, from] = await udp.recvFrom(100);
    expect(data.toString()).toBe('crafted');
    expect(from).toMatchObject({ host: '127.0.0.1', port: 40000 });
    const p = (await seen).packet!;
    expect(p.ipv4).toMatchObject({ src: '127.0.0.1', dst: '127.0.0.3', id: 4242, ttl: 17, checksumValid: true });
    expect(p.udp).toMatchObject({ srcPort: 40000, checksumValid: true });
    expect(Buffer.from(p.payload).toString()).toBe('crafted');
  });

  it('IP_HDRINCL on an ICMP socket: an echo request with our own header is answered by the kernel', async () => {
    const raw = rawIpSocket({ protocol: IpProtocol.ICMP, headerIncluded: true });
    cleanup.push(() => raw.close());
    const reply = firstValueFrom(raw.packets$.pipe(filter((p) => p.packet?.icmp?.type === IcmpType.EchoReply && p.packet.icmp.id === 0xbeef), timeout(3000)));
    await raw.send(buildPacket([{ layer: 'ipv4', src: '127.0.0.1', dst: '127.0.0.1', ttl: 9 }, { layer: 'icmp', type: IcmpType.EchoRequest, id: 0xbeef, seq: 7 }], Buffer.from('hdrincl')), '127.0.0.1');
    const p = (await reply).packet!;
    expect(p.icmp).toMatchObject({ seq: 7, checksumValid: true });
    expect(Buffer.from(p.icmp!.payload).toString()).toBe('hdrincl');
  });

  it('IPv6 IPPROTO_RAW: a whole IPv6 UDP packet reaches a UDP socket; a raw IPv6 UDP socket gets the payload after the header', async () => {
    const { socket: udp, port } = udpReceiver('::1');
    const raw = rawIpSocket({ family: 'inet6' });
    const sniff = rawIpSocket({ family: 'inet6', protocol: IpProtocol.UDP });
    cleanup.push(() => raw.close(), () => sniff.close());
    const seen = firstValueFrom(sniff.packets$.pipe(filter((p) => p.data.length >= 8 && new UdpView(p.data).dstPort === port), timeout(3000)));
    const packet = buildPacket([{ layer: 'ipv6', src: '::1', dst: '::1', hopLimit: 5, flowLabel: 0x12345 }, { layer: 'udp', srcPort: 40001, dstPort: port }], Buffer.from('six'));
    await raw.send(packet, '::1');
    const [data, from] = await udp.recvFrom(100);
    expect(data.toString()).toBe('six');
    expect(from).toMatchObject({ host: '::1', port: 40001 });
    const got = await seen;
    expect(got.from).toBe('::1');
    expect(got.packet).toBeUndefined();
    expect(new UdpView(got.data).srcPort).toBe(40001);
  });

  it('IPV6_HDRINCL on a raw IPv6 socket of another protocol', async () => {
    const { socket: udp, port } = udpReceiver('::1');
    const raw = rawIpSocket({ family: 'inet6', protocol: IpProtocol.UDP, headerIncluded: true });
    cleanup.push(() => raw.close());
    await raw.send(buildPacket([{ layer: 'ipv6', src: '::1', dst: '::1' }, { layer: 'udp', srcPort: 40002, dstPort: port }], Buffer.from('hdrincl6')), '::1');
    const [data] = await udp.recvFrom(100);
    expect(data.toString()).toBe('hdrincl6');
  });

  it('raw ICMPv6: an echo request is answered with its hop limit reported', async () => {
    const s = icmpSocket({ family: 'inet6', kind: 'raw' });
    cleanup.push(() => s.close());
    const reply = firstValueFrom(s.messages$.pipe(filter((m) => m.icmp.type === Icmpv6Type.EchoReply && m.icmp.id === 0x1234), timeout(3000)));
    await s.sendEcho({ id: 0x1234, seq: 3, data: Buffer.from('v6 echo') }, '::1');
    const m = await reply;
    expect(m).toMatchObject({ from: '::1', ttl: 64 });
    expect(m.icmp.seq).toBe(3);
    expect(Buffer.from(m.icmp.payload).toString()).toBe('v6 echo');
  });

  it('bad options are typed EINVAL before any socket opens, and nothing leaks', async () => {
    const report = await checkFdLeak(async () => {
      expect(() => rawIpSocket({ family: 'ipx' as never })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      expect(() => rawIpSocket({ protocol: 300 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      expect(() => icmpSocket({ kind: 'weird' as never })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      expect(() => rawIpSocket({ protocol: IpProtocol.UDP, device: 'no-such-if0' })).toThrow(expect.objectContaining({ code: 'ENODEV' }));
      for (let i = 0; i < 20; i++) rawIpSocket().close();
    });
    expect(report.leaked).toEqual([]);
  });
});

describe('ICMP socket timestamps', () => {
  it('timestamps: each message carries the kernel arrival time (CLOCK_REALTIME ns)', async () => {
    const s = icmpSocket({ kind: 'raw', timestamps: true });
    cleanup.push(() => s.close());
    const before = BigInt(Date.now()) * 1_000_000n;
    const reply = firstValueFrom(s.messages$.pipe(filter((m) => m.icmp.type === IcmpType.EchoReply && m.icmp.id === 0x5151), timeout(3000)));
    await s.sendEcho({ id: 0x5151, seq: 1 }, '127.0.0.1');
    const m = await reply;
    const after = BigInt(Date.now() + 1) * 1_000_000n;
    expect(m.kernelTime).toBeGreaterThanOrEqual(before);
    expect(m.kernelTime).toBeLessThanOrEqual(after);
    // Without the option there is none.
    const plain = icmpSocket({ kind: 'raw' });
    cleanup.push(() => plain.close());
    const r2 = firstValueFrom(plain.messages$.pipe(filter((x) => x.icmp.type === IcmpType.EchoReply && x.icmp.id === 0x5152), timeout(3000)));
    await plain.sendEcho({ id: 0x5152, seq: 1 }, '127.0.0.1');
    expect((await r2).kernelTime).toBeUndefined();
  });
});
