import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CanLogError,
  canFdFrame,
  canFrame,
  decodeCanRecord,
  encodeCanRecord,
  readCanCapture,
  writeCanCapture,
  type CandumpLogEntry,
} from '@rxsock/can';
import { anyFrame, plain } from './frames.arb.js';

describe('LINKTYPE_CAN_SOCKETCAN records', () => {
  it('stores the id big-endian, FDF for FD, the kernel sizes 16/72', () => {
    const r = encodeCanRecord(canFrame({ id: 0x123, data: [0xde, 0xad] }));
    expect(Array.from(r)).toEqual([0, 0, 0x01, 0x23, 2, 0, 0, 0, 0xde, 0xad, 0, 0, 0, 0, 0, 0]);
    const e = encodeCanRecord(canFrame({ id: 0x1abcdef0, extended: true, rtr: true, len: 2 }));
    expect(Array.from(e.subarray(0, 8))).toEqual([0xda, 0xbc, 0xde, 0xf0, 2, 0, 0, 0]);
    const fd = encodeCanRecord(canFdFrame({ id: 1, brs: true, data: [7] }));
    expect(fd.length).toBe(72);
    expect(Array.from(fd.subarray(0, 9))).toEqual([0, 0, 0, 1, 1, 0x05, 0, 0, 7]);
  });

  it('reads FD frames written without FDF by their 72-byte size (older writers)', () => {
    const old = new Uint8Array(72);
    old.set([0, 0, 0x04, 0x56, 12, 0x01]);
    expect(plain(decodeCanRecord(old))).toMatchObject({ kind: 'fd', id: 0x456, brs: true, len: 12 });
  });

  it('round-trips every frame (property)', () => {
    fc.assert(
      fc.property(anyFrame, (frame) => {
        expect(plain(decodeCanRecord(encodeCanRecord(frame)))).toEqual(plain(frame));
      }),
      { numRuns: 500 },
    );
  });

  it('gives a frame or a typed error for arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        try {
          const f = decodeCanRecord(bytes);
          // whatever decodes, encodes and decodes to the same frame
          expect(plain(decodeCanRecord(encodeCanRecord(f)))).toEqual(plain(f));
        } catch (e) {
          expect(e).toBeInstanceOf(CanLogError);
          expect((e as CanLogError).code).toBe('ERR_RXSOCK_DECODE');
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('pcap and pcapng files', () => {
  const frames = [
    canFrame({ id: 0x123, data: [0xde, 0xad, 0xbe, 0xef] }),
    canFrame({ id: 0x1abcdef0, extended: true, data: [1, 2, 3, 4, 5, 6, 7, 8] }),
    canFrame({ id: 0x7ff, rtr: true, len: 3 }),
    canFdFrame({ id: 0x456, brs: true, data: new Uint8Array(12).fill(0x5a) }),
    canFdFrame({ id: 0x10000, extended: true, data: [0x11, 0x22] }),
  ];
  const entries: CandumpLogEntry[] = frames.map((frame, i) => ({
    frame,
    interfaceName: i % 2 ? 'vcan1' : 'vcan0',
    timestampSec: 1_700_000_000 + i,
    timestampNsec: 123_456_789,
    direction: i % 2 ? 'T' : 'R',
  }));
  const expected = [
    ['291', '4', '0', '0', '', 'deadbeef'],
    ['448585456', '8', '1', '0', '', '0102030405060708'],
    ['2047', '3', '0', '1', '', ''],
    ['1110', '12', '0', '', '1', '5a5a5a5a5a5a5a5a5a5a5a5a'],
    ['65536', '2', '1', '', '0', '1122'],
  ];

  for (const format of ['pcap', 'pcapng'] as const) {
    it(`${format}: tshark shows the ids, lengths, flags and data written; reading back gives the same entries`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'rxsock-cancap-'));
      try {
        const path = join(dir, `t.${format}`);
        expect(await writeCanCapture(path, entries, { format })).toBe(frames.length);
        const t = spawnSync('tshark', ['-r', path, '-T', 'fields', '-e', 'can.id', '-e', 'can.len', '-e', 'can.flags.xtd', '-e', 'can.flags.rtr', '-e', 'canfd.flags.brs', '-e', 'data.data'], {
          encoding: 'utf8',
        });
        expect(t.error, 'tshark must be installed (Debian package tshark)').toBeUndefined();
        expect(t.status, t.stderr).toBe(0);
        const rows = t.stdout.trim().split('\n').map((l) => l.split('\t'));
        // tshark prints an RTR frame's requested length as data bytes; judge RTR by its flag
        expect(rows.map((r, i) => (i === 2 ? r.slice(0, 5) : r))).toEqual(expected.map((r, i) => (i === 2 ? r.slice(0, 5) : r)));
        const t2 = spawnSync('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.interface_name'], { encoding: 'utf8' });
        const times = t2.stdout.trim().split('\n').map((l) => l.split('\t'));
        expect(times.map((r) => r[0]!.slice(0, 20))).toEqual(entries.map((e) => `${e.timestampSec}.${format === 'pcap' ? '123456789' : '123456789'}`));
        if (format === 'pcapng') expect(times.map((r) => r[1])).toEqual(entries.map((e) => e.interfaceName));

        const back: CandumpLogEntry[] = [];
        for await (const e of readCanCapture(path)) back.push(e);
        expect(back.map((e) => plain(e.frame))).toEqual(frames.map(plain));
        expect(back.map((e) => [e.timestampSec, e.timestampNsec])).toEqual(entries.map((e) => [e.timestampSec, e.timestampNsec]));
        if (format === 'pcapng') {
          expect(back.map((e) => e.interfaceName)).toEqual(entries.map((e) => e.interfaceName));
          expect(back.map((e) => e.direction)).toEqual(entries.map((e) => e.direction));
        } else {
          expect(back.every((e) => e.interfaceName === 'can0')).toBe(true);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('refuses a packet of another link type unless asked to skip it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rxsock-cancap-'));
    try {
      // a pcap with link type 1 (Ethernet) and one 14-byte packet
      const b = Buffer.alloc(24 + 16 + 14);
      b.writeUInt32LE(0xa1b2c3d4, 0);
      b.writeUInt16LE(2, 4);
      b.writeUInt16LE(4, 6);
      b.writeUInt32LE(65535, 16);
      b.writeUInt32LE(1, 20);
      b.writeUInt32LE(14, 24 + 8);
      b.writeUInt32LE(14, 24 + 12);
      const path = join(dir, 'eth.pcap');
      writeFileSync(path, b);
      await expect((async () => { for await (const _ of readCanCapture(path)) void _; })()).rejects.toBeInstanceOf(CanLogError);
      const skipped: unknown[] = [];
      for await (const e of readCanCapture(path, { otherLinkTypes: 'skip' })) skipped.push(e);
      expect(skipped).toHaveLength(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
