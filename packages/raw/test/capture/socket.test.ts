import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstValueFrom, take, toArray, filter as rxFilter, timeout } from 'rxjs';
import { C, ifNameToIndex, Socket } from '@rxsock/core';
import { EthProtocol, PacketSocket, type CapturedPacket } from '@rxsock/raw';
import { createVethLab, type VethLab } from '../support/netns.js';
import { ethernetFrame, macBytes } from '../support/frames.js';

let lab: VethLab;
beforeAll(() => {
  lab = createVethLab('sock');
});
afterAll(() => lab?.destroy());

/** Sends one UDP datagram from the peer namespace to `port` on the sniffer's address. */
async function sendUdpFromPeer(port: number, payload: string): Promise<void> {
  const s = lab.insidePeer(() => Socket.create(C.AF_INET, C.SOCK_DGRAM));
  try {
    await s.sendTo(Buffer.from(payload), [lab.address, port]);
  } finally {
    s.close();
  }
}

const isUdpTo = (port: number) => (p: CapturedPacket) => p.protocol === 0x0800 && p.data[23] === 17 && ((p.data[36]! << 8) | p.data[37]!) === port;

describe('AF_PACKET socket on a veth pair', () => {
  it('captures a UDP datagram with its frame, packet type, interface, protocol and a nanosecond timestamp', async () => {
    const capture = lab.inside(() => PacketSocket.open({ interface: lab.ifname }));
    const index = lab.inside(() => ifNameToIndex(lab.ifname));
    try {
      const got = firstValueFrom(capture.packets$().pipe(rxFilter(isUdpTo(9999)), timeout(5000)));
      const before = BigInt(Date.now()) * 1_000_000n;
      await sendUdpFromPeer(9999, 'hello packet');
      const p = await got;
      const after = BigInt(Date.now()) * 1_000_000n;
      expect(p.packetType).toBe('host');
      expect(p.interfaceIndex).toBe(index);
      expect(Buffer.from(p.data.subarray(0, 6)).equals(macBytes(lab.mac))).toBe(true);
      expect(Buffer.from(p.data.subarray(6, 12)).equals(macBytes(lab.peerMac))).toBe(true);
      expect(Buffer.from(p.data.subarray(42)).toString()).toBe('hello packet');
      expect(p.length).toBe(p.data.length);
      expect(p.timestamp).toBeGreaterThanOrEqual(before - 1_000_000_000n);
      expect(p.timestamp).toBeLessThanOrEqual(after + 1_000_000_000n);
      expect(capture.address()).toMatchObject({ family: 'packet', interfaceIndex: index, protocol: EthProtocol.ALL, address: lab.mac });
    } finally {
      capture.close();
    }
  });

  it('tells broadcast, outgoing and host frames apart (ARP request, ARP reply, datagram)', async () => {
    lab.execPeer('ip', ['neigh', 'flush', 'all']);
    lab.exec('ip', ['neigh', 'flush', 'all']);
    const capture = lab.inside(() => PacketSocket.open({ interface: lab.ifname }));
    try {
      const got = firstValueFrom(capture.packets$().pipe(take(3), toArray(), timeout(5000)));
      await sendUdpFromPeer(9998, 'x');
      const packets = await got;
      expect(packets.map((p) => [p.protocol, p.packetType])).toEqual([
        [EthProtocol.ARP, 'broadcast'],
        [EthProtocol.ARP, 'outgoing'],
        [0x0800, 'host'],
      ]);
    } finally {
      capture.close();
    }
  });

  it('one protocol only: a socket opened for 0x88b5 sees the frames of that EtherType and no IP', async () => {
    const capture = lab.inside(() => PacketSocket.open({ interface: lab.ifname, protocol: 0x88b5 }));
    const sender = lab.insidePeer(() => PacketSocket.open({ interface: lab.peerIfname, protocol: 0x88b5 }));
    try {
      const got = firstValueFrom(capture.packets$().pipe(take(3), toArray(), timeout(5000)));
      await sendUdpFromPeer(9997, 'not seen');
      const frames = [1, 2, 3].map((i) => ethernetFrame(lab.mac, lab.peerMac, 0x88b5, Buffer.from(`frame ${i}`)));
      expect(await sender.sendFrames(frames)).toBe(3);
      const packets = await got;
      expect(packets.map((p) => p.protocol)).toEqual([0x88b5, 0x88b5, 0x88b5]);
      expect(packets.map((p) => Buffer.from(p.data.subarray(14, 21)).toString())).toEqual(['frame 1', 'frame 2', 'frame 3']);
    } finally {
      capture.close();
      sender.close();
    }
  });

  it('restores the 802.1Q tag the kernel strips (PACKET_AUXDATA), in place after the MACs', async () => {
    const capture = lab.inside(() => PacketSocket.open({ interface: lab.ifname }));
    const sender = lab.insidePeer(() => PacketSocket.open({ interface: lab.peerIfname }));
    try {
      const got = firstValueFrom(capture.packets$().pipe(rxFilter((p) => p.vlan !== null), timeout(5000)));
      const tagged = ethernetFrame(lab.mac, lab.peerMac, 0x88b5, Buffer.from('tagged payload'), { tci: 0x2005 });
      await sender.send(tagged);
      const p = await got;
      expect(p.vlan).toEqual({ tci: 0x2005, tpid: 0x8100 });
      expect(Buffer.from(p.data).equals(tagged)).toBe(true);
      expect(p.length).toBe(tagged.length);
    } finally {
      capture.close();
      sender.close();
    }
  });

  it('PACKET_STATISTICS add up across the kernel reset-on-read', async () => {
    const capture = lab.inside(() => PacketSocket.open({ interface: lab.ifname, protocol: 0x88b5 }));
    const sender = lab.insidePeer(() => PacketSocket.open({ interface: lab.peerIfname, protocol: 0x88b5 }));
    try {
      const frame = ethernetFrame(lab.mac, lab.peerMac, 0x88b5, Buffer.alloc(50));
      await sender.sendFrames([frame, frame, frame, frame, frame]);
      await new Promise((r) => setTimeout(r, 100));
      const first = capture.statistics();
      expect(first.received).toBe(5);
      await sender.sendFrames([frame, frame]);
      await new Promise((r) => setTimeout(r, 100));
      const second = capture.statistics();
      expect(second.received).toBe(7);
      expect(second.dropped).toBe(0);
      expect(capture.statistics().received).toBe(7);
    } finally {
      capture.close();
      sender.close();
    }
  });

  it('promiscuous membership raises the interface promiscuity while open, and close lowers it', () => {
    const promiscuity = () => JSON.parse(lab.exec('ip', ['-d', '-j', 'link', 'show', lab.ifname]))[0].promiscuity as number;
    expect(promiscuity()).toBe(0);
    const capture = lab.inside(() => PacketSocket.open({ interface: lab.ifname, promiscuous: true }));
    expect(promiscuity()).toBe(1);
    capture.close();
    expect(promiscuity()).toBe(0);
  });

  it('refuses an unknown interface with ENODEV naming it, and a membership without an interface', () => {
    expect(() => lab.inside(() => PacketSocket.open({ interface: 'nosuchif9' }))).toThrow(expect.objectContaining({ code: 'ENODEV', address: 'nosuchif9' }));
    expect(() => lab.inside(() => PacketSocket.open({ promiscuous: true }))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => lab.inside(() => PacketSocket.open({ interface: lab.ifname, protocol: 70000 }))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('without the privilege, opening says CAP_NET_RAW is needed (a child process as nobody)', () => {
    const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
    const out = execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e',
      `import(${JSON.stringify(dist)}).then((m) => { try { m.PacketSocket.open({}); console.log('opened'); } catch (e) { console.log(e.code + ' ' + e.message); } })`], { encoding: 'utf8' });
    expect(out).toMatch(/^EPERM opening a packet socket needs CAP_NET_RAW/);
  });
});
