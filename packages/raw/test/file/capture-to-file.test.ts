// Packets captured by rxsock's own packet socket, written with PacketCaptureWriter, read by
// tcpdump with the same payloads, times, lengths and directions.
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, take, toArray, timeout } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { readCaptureFile } from '@rxsock/core';
import { PacketSocket } from '../../src/capture/index.js';
import { LinkType, createPacketCaptureFile, networkLayer, readPackets } from '../../src/file/index.js';
import { run } from './peers.js';

const dir = mkdtempSync(join(tmpdir(), 'rxsock-capture-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ns = (t: bigint): string => `${t / 1_000_000_000n}.${(t % 1_000_000_000n).toString().padStart(9, '0')}`;

describe('captured packets to a file', () => {
  for (const [type, linkType] of [
    ['raw', LinkType.ETHERNET],
    ['dgram', LinkType.LINUX_SLL2],
  ] as const) {
    it(`a ${type} capture on loopback, written as ${type === 'raw' ? 'EN10MB' : 'LINUX_SLL2'} pcapng, reads the same in tcpdump`, { timeout: 60_000 }, async () => {
      const port = 20000 + Math.floor(Math.random() * 20000);
      const capture = PacketSocket.open({ interface: 'lo', type, filter: `udp and dst port ${port}` });
      try {
        const got = firstValueFrom(capture.packets$().pipe(take(6), toArray(), timeout(30_000)));
        const tx = createSocket('udp4');
        // Each datagram is seen twice on loopback: as it leaves and as it arrives.
        for (let i = 0; i < 3; i++) await new Promise<void>((r, j) => tx.send(`capture-${i}`, port, '127.0.0.1', (e) => (e ? j(e) : r())));
        tx.close();
        const packets = await got;
        const path = join(dir, `${type}.pcapng`);
        const file = createPacketCaptureFile(path, { linkType, interfaceName: 'lo', snapLen: 65535, filter: `udp and dst port ${port}` });
        for (const p of packets) file.write(p);
        const stats = capture.statistics();
        file.statistics(stats); // PacketSocket's cumulative counters, as an Interface Statistics Block
        await file.close();

        let isb;
        for await (const r of readCaptureFile(path)) if (r.type === 'statistics') isb = r;
        expect(isb).toMatchObject({ interfaceId: 0, received: BigInt(stats.received), osDropped: BigInt(stats.dropped) });
        expect(stats.received).toBeGreaterThanOrEqual(6);
        const ours = [];
        for await (const p of readPackets(path)) ours.push(p);
        expect(ours.map((p) => p.packet.timestamp)).toEqual(packets.map((p) => p.timestamp));
        expect(ours.map((p) => p.packet.flags! & 3)).toEqual(packets.map((p) => (p.packetType === 'outgoing' ? 2 : 1)));
        expect(ours.map((p) => Buffer.from(p.packet.data.subarray(networkLayer(linkType, p.packet.data).offset + 28)).toString()).sort()).toEqual(
          ['capture-0', 'capture-0', 'capture-1', 'capture-1', 'capture-2', 'capture-2'],
        );

        const lines = run('tcpdump', ['-r', path, '-nn', '-tt', '--time-stamp-precision=nano', ...(type === 'dgram' ? [] : ['-e'])]).trim().split('\n');
        expect(lines).toHaveLength(6);
        lines.forEach((line, i) => {
          expect(line.startsWith(ns(packets[i]!.timestamp))).toBe(true);
          expect(line).toMatch(new RegExp(`127\\.0\\.0\\.1\\.\\d+ > 127\\.0\\.0\\.1\\.${port}: UDP, length 9`));
          // In the cooked form tcpdump shows the direction from the SLL2 header we built.
          if (type === 'dgram') expect(line).toContain(packets[i]!.packetType === 'outgoing' ? ' Out ' : ' In ');
        });
      } finally {
        capture.close();
      }
    });
  }
});
