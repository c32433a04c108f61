import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PacketSocket, type CapturedPacket } from '@rxsock/raw';
import { createVethLab, type VethLab } from '../support/netns.js';
import { ethernetFrame } from '../support/frames.js';

let lab: VethLab;
let sender: PacketSocket;
beforeAll(() => {
  lab = createVethLab('fan');
  sender = lab.insidePeer(() => PacketSocket.open({ interface: lab.peerIfname, protocol: 0x88b5 }));
});
afterAll(() => {
  sender?.close();
  lab?.destroy();
});

const frames = (n: number) => Array.from({ length: n }, (_, i) => ethernetFrame(lab.mac, lab.peerMac, 0x88b5, Buffer.from(`#${i}`.padEnd(46, '.'))));

async function split(mode: 'load-balance' | 'hash', group: number): Promise<[number, number, Set<string>]> {
  const a = lab.inside(() => PacketSocket.open({ interface: lab.ifname, protocol: 0x88b5, fanout: { group, mode } }));
  const b = lab.inside(() => PacketSocket.open({ interface: lab.ifname, protocol: 0x88b5, fanout: { group, mode } }));
  const seen = new Set<string>();
  const counts = [0, 0];
  const take = (i: number) => (p: CapturedPacket) => {
    counts[i]!++;
    seen.add(Buffer.from(p.data.subarray(14, 20)).toString());
  };
  const subs = [a.packets$().subscribe(take(0)), b.packets$().subscribe(take(1))];
  try {
    expect(a.fanoutGroup()).toBe(group);
    await sender.sendFrames(frames(200));
    await new Promise((r) => setTimeout(r, 300));
    return [counts[0]!, counts[1]!, seen];
  } finally {
    subs.forEach((s) => s.unsubscribe());
    a.close();
    b.close();
  }
}

describe('PACKET_FANOUT', () => {
  it('two sockets in one load-balance group split the traffic between them, each frame once', async () => {
    const [a, b, seen] = await split('load-balance', 42);
    expect(a + b).toBe(200);
    expect(seen.size).toBe(200);
    expect(a).toBe(100);
    expect(b).toBe(100);
  });

  it('hash mode keeps one flow on one socket', async () => {
    const [a, b] = await split('hash', 43);
    expect(a + b).toBe(200);
    expect(Math.min(a, b)).toBe(0);
  });

  it('a socket outside the group still sees everything', async () => {
    const lone = lab.inside(() => PacketSocket.open({ interface: lab.ifname, protocol: 0x88b5 }));
    let n = 0;
    const sub = lone.packets$().subscribe(() => n++);
    await split('load-balance', 44);
    sub.unsubscribe();
    lone.close();
    expect(n).toBe(200);
  });

  it('refuses a group id out of range', () => {
    expect(() => lab.inside(() => PacketSocket.open({ interface: lab.ifname, fanout: { group: 70000 } }))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});
