import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstValueFrom, take, toArray, timeout } from 'rxjs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCapture } from '@rxsock/core';
import { PacketSocket, RingPcapWriter, type PacketBlock } from '@rxsock/raw';
import { createVethLab, type VethLab } from '../support/netns.js';
import { ethernetFrame } from '../support/frames.js';

let lab: VethLab;
let sender: PacketSocket;
beforeAll(() => {
  lab = createVethLab('ring');
  sender = lab.insidePeer(() => PacketSocket.open({ interface: lab.peerIfname, protocol: 0x88b5 }));
});
afterAll(() => {
  sender?.close();
  lab?.destroy();
});

/** `count` frames of EtherType 0x88b5 numbered from `first` (u32 at byte 14). */
function numbered(first: number, count: number, size = 64): Buffer[] {
  return Array.from({ length: count }, (_, i) => {
    const payload = Buffer.alloc(size - 14);
    payload.writeUInt32BE(first + i, 0);
    return ethernetFrame(lab.mac, lab.peerMac, 0x88b5, payload);
  });
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('TPACKET_V3 ring', () => {
  it('hands on every frame, in order, per block, read in place', async () => {
    const capture = lab.inside(() => PacketSocket.open({ interface: lab.ifname, protocol: 0x88b5, ring: { blockSize: 1 << 16, blockCount: 4 } }));
    try {
      const ring = capture.ring!;
      expect(ring.size).toBe(4 << 16);
      const seen: number[] = [];
      const blocks: number[] = [];
      const done = new Promise<void>((resolve) => {
        const sub = ring.blocks$.subscribe((block) => {
          blocks.push(block.count);
          block.forEach((p) => {
            expect(p.captureLength).toBe(64);
            expect(p.length).toBe(64);
            expect(p.packetType).toBe('host');
            seen.push(p.ring.readUInt32BE(p.offset + 14));
          });
          if (seen.length >= 3000) {
            sub.unsubscribe();
            resolve();
          }
        });
      });
      for (let i = 0; i < 3000; i += 500) {
        await sender.sendFrames(numbered(i, 500));
        await wait(5);
      }
      await Promise.race([done, wait(5000).then(() => { throw new Error(`only ${seen.length} frames arrived`); })]);
      expect(seen).toEqual(Array.from({ length: 3000 }, (_, i) => i));
      // 64-byte frames take 48 + 16 + 64 bytes each: a 64 KiB block holds hundreds, so frames came in batches
      expect(blocks.length).toBeLessThan(3000);
      expect(Math.max(...blocks)).toBeGreaterThan(1);
      expect(capture.statistics()).toMatchObject({ received: 3000, dropped: 0 });
    } finally {
      capture.close();
    }
  });

  it('packets$ copies each frame out with its timestamp and metadata', async () => {
    const capture = lab.inside(() => PacketSocket.open({ interface: lab.ifname, protocol: 0x88b5, ring: true }));
    try {
      const got = firstValueFrom(capture.ring!.packets$.pipe(take(5), toArray(), timeout(5000)));
      const sent = numbered(100, 5);
      await sender.sendFrames(sent);
      const packets = await got;
      expect(packets.map((p) => Buffer.from(p.data))).toEqual(sent);
      const now = BigInt(Date.now()) * 1_000_000n;
      for (const p of packets) {
        expect(p.protocol).toBe(0x88b5);
        expect(p.timestamp > now - 5_000_000_000n && p.timestamp <= now + 1_000_000_000n).toBe(true);
      }
    } finally {
      capture.close();
    }
  });

  it('a consumer that holds a block makes the kernel drop and count, with the ring as the only buffer', async () => {
    // two 8 KiB blocks: about 100 frames of 64 bytes fit the whole ring
    const capture = lab.inside(() => PacketSocket.open({ interface: lab.ifname, protocol: 0x88b5, ring: { blockSize: 8192, blockCount: 2, retireTimeoutMs: 1 } }));
    try {
      let held: PacketBlock | undefined;
      let after = 0;
      const sub = capture.ring!.blocks$.subscribe((block) => {
        if (!held) held = block.hold();
        else after += block.count;
      });
      await sender.sendFrames(numbered(0, 1000));
      await wait(200);
      expect(held).toBeDefined();
      expect(after).toBe(0); // nothing is read past a held block
      const stats = capture.statistics();
      expect(stats.received).toBe(1000);
      expect(stats.dropped).toBeGreaterThan(800);
      const heap = process.memoryUsage().arrayBuffers;
      held!.release();
      await wait(100);
      expect(after).toBeGreaterThan(0); // the rest of the ring flowed once released
      expect(after).toBeLessThan(200);
      expect(process.memoryUsage().arrayBuffers - heap).toBeLessThan(1 << 20);
      sub.unsubscribe();
    } finally {
      capture.close();
    }
  });

  it('consume() gives a block back only when the async handler settles', async () => {
    const capture = lab.inside(() => PacketSocket.open({ interface: lab.ifname, protocol: 0x88b5, ring: { blockSize: 1 << 16, blockCount: 2, retireTimeoutMs: 1 } }));
    try {
      let inFlight = 0;
      let maxInFlight = 0;
      let total = 0;
      const consuming = capture.ring!.consume(async (block) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        total += block.count;
        await wait(20);
        inFlight--;
      });
      for (let i = 0; i < 5; i++) {
        await sender.sendFrames(numbered(i * 10, 10));
        await wait(30);
      }
      await wait(100);
      expect(total).toBe(50);
      expect(maxInFlight).toBe(1);
      capture.close();
      await consuming;
    } finally {
      capture.close();
    }
  });

  it('for await reads blocks; a released block refuses further reads', async () => {
    const capture = lab.inside(() => PacketSocket.open({ interface: lab.ifname, protocol: 0x88b5, ring: { blockSize: 1 << 16, blockCount: 2, retireTimeoutMs: 1 } }));
    try {
      setTimeout(() => void sender.sendFrames(numbered(7, 3)), 20);
      let first: PacketBlock | undefined;
      let total = 0;
      for await (const block of capture.ring!) {
        first ??= block;
        expect(block.isLive).toBe(true);
        total += block.count; // on a loaded machine the three may retire in more than one block
        if (total >= 3) break;
      }
      expect(total).toBe(3);
      expect(first!.isLive).toBe(false);
      expect(() => first!.forEach(() => undefined)).toThrow(expect.objectContaining({ code: 'ERR_RXSOCK_BLOCK_RELEASED' }));
    } finally {
      capture.close();
    }
  });

  it('after close, a view kept into the ring reads zeros instead of crashing the process', async () => {
    const capture = lab.inside(() => PacketSocket.open({ interface: lab.ifname, protocol: 0x88b5, ring: { blockSize: 1 << 16, blockCount: 2, retireTimeoutMs: 1 } }));
    let kept: Uint8Array | undefined;
    const got = new Promise<void>((resolve) => {
      capture.ring!.blocks$.subscribe((block) => {
        block.forEach((p) => {
          kept ??= p.data;
        });
        resolve();
      });
    });
    await sender.sendFrames(numbered(1, 1));
    await got;
    expect(kept![12]).toBe(0x88);
    capture.close();
    expect(kept![12]).toBe(0);
    expect(kept!.every((b) => b === 0)).toBe(true);
  });

  it('refuses a bad geometry with EINVAL before touching the kernel', () => {
    expect(() => lab.inside(() => PacketSocket.open({ interface: lab.ifname, ring: { blockSize: 5000 } }))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => lab.inside(() => PacketSocket.open({ interface: lab.ifname, ring: { blockCount: 0 } }))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('RingPcapWriter writes every block to a pcap file that core and tcpdump read back byte for byte, VLAN tags restored, any frame length and snap length', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rxsock-ringpcap-'));
    const file = join(dir, 'ring.pcap');
    const capture = lab.inside(() => PacketSocket.open({ interface: lab.ifname, protocol: 0x88b5, ring: { blockSize: 1 << 16, blockCount: 4, retireTimeoutMs: 1 } }));
    // the sends below keep this thread busy: blocks must not all retire (retireTimeoutMs x blockCount) before it reads
    const all = lab.inside(() => PacketSocket.open({ interface: lab.ifname, ring: { blockSize: 1 << 20, blockCount: 8, retireTimeoutMs: 50 } }));
    // every alignment of frame and record (odd lengths shift the records after them), frames
    // copied word by word and with one native copy (over 256 bytes); a small output buffer makes
    // writes inside a block; snap lengths cut frames, one of them inside the VLAN tag
    const writer = new RingPcapWriter(file, { bufferSize: 4096 });
    const snaps = [100, 14, 61].map((snapLength) => ({ snapLength, path: join(dir, `snap${snapLength}.pcap`) }));
    const cut = snaps.map((o) => new RingPcapWriter(o.path, o));
    try {
      const sub = all.ring!.blocks$.subscribe((block) => {
        writer.writeBlock(block);
        for (const w of cut) w.writeBlock(block);
      });
      const sizes = [64, 61, 62, 63, 65, 99, 255, 257, 300, 1514, 60];
      const frames = Array.from({ length: 1500 }, (_, i) => numbered(i, 1, sizes[i % sizes.length])[0]!);
      const tagged = ethernetFrame(lab.mac, lab.peerMac, 0x88b5, Buffer.alloc(81, 7), { tci: 0x0123 });
      await sender.sendFrames(frames.slice(0, 700));
      await sender.send(tagged);
      await sender.sendFrames(frames.slice(700));
      await wait(300);
      sub.unsubscribe();
      writer.close();
      for (const w of cut) w.close();
      const records = (path: string) => parseCapture(readFileSync(path)).filter((r) => r.type === 'packet') as { data: Uint8Array; originalLength: number; timestamp: bigint }[];
      const packets = records(file);
      const sent = [...frames.slice(0, 700), tagged, ...frames.slice(700)];
      expect(all.statistics()).toMatchObject({ received: sent.length, dropped: 0 });
      expect(packets).toHaveLength(sent.length);
      packets.forEach((p, i) => expect(Buffer.from(p.data).equals(sent[i]!), `record ${i}`).toBe(true));
      packets.forEach((p, i) => expect(p.originalLength, `record ${i}`).toBe(sent[i]!.length));
      expect(packets[700]!.originalLength).toBe(tagged.length);
      expect(writer.packets).toBe(sent.length);
      for (const { snapLength, path } of snaps) {
        const short = records(path);
        expect(short).toHaveLength(sent.length);
        short.forEach((p, i) => {
          expect(Buffer.from(p.data).equals(sent[i]!.subarray(0, snapLength)), `snap ${snapLength} record ${i}`).toBe(true);
          expect(p.originalLength).toBe(sent[i]!.length);
          expect(p.timestamp).toBe(packets[i]!.timestamp);
        });
      }
      // one line per packet (tcpdump adds hex-dump lines for an unknown EtherType)
      const text = execFileSync('tcpdump', ['-n', '-e', '-r', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 }).trim().split('\n').filter((l) => /^\d\d:/.test(l));
      expect(text).toHaveLength(sent.length);
      expect(text[700]).toContain('vlan 291');
    } finally {
      writer.close();
      for (const w of cut) w.close();
      capture.close();
      all.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('RingPcapWriter refuses a snap length libpcap would not write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rxsock-ringpcap-'));
    try {
      for (const snapLength of [0, 262145, 1.5]) expect(() => new RingPcapWriter(join(dir, 'x.pcap'), { snapLength })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

});
