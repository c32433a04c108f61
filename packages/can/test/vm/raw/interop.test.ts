// CAN_RAW interop with peers nobody here wrote: can-utils (cansend, candump -L, cangen) and
// python-can (can.Bus(interface='socketcan')), both directions: classic, extended, RTR, FD (BRS,
// ESI) and filters. Judged on frame content.
import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { canFdFrame, canFrame, type CanFilter, type CanFrame } from '@rxsock/can';
import { PYTHON, candump, closeAll, collect, raw, run, settle, startReady, useVcan, type Rx } from './helpers.js';

const IF = 'rxinterop0';
useVcan([IF]);

afterEach(closeAll);

const peer = fileURLToPath(new URL('./python-can-peer.py', import.meta.url));
const hex = (d: Uint8Array): string => Buffer.from(d).toString('hex');

describe('can-utils', () => {
  it('frames from cansend arrive decoded: classic, extended, RTR with length, FD with and without BRS', async () => {
    const rx = raw({ fdFrames: true });
    const lines = ['123#DEADBEEF', '1ABCDEF0#0102', '7FF#R', '00A#R5', '456##1' + '11'.repeat(12), '12345678##0AABB', '321##3' + '01'.repeat(64)];
    const got = collect(rx, lines.length);
    for (const l of lines) await run('cansend', [IF, l]);
    const f = (await got).map((x) => ({ kind: x.kind, id: x.id, ext: x.extended, rtr: x.kind === 'classic' && x.rtr, len: x.len, data: hex(x.data), brs: x.kind === 'fd' && x.brs, esi: x.kind === 'fd' && x.esi }));
    expect(f).toEqual([
      { kind: 'classic', id: 0x123, ext: false, rtr: false, len: 4, data: 'deadbeef', brs: false, esi: false },
      { kind: 'classic', id: 0x1abcdef0, ext: true, rtr: false, len: 2, data: '0102', brs: false, esi: false },
      { kind: 'classic', id: 0x7ff, ext: false, rtr: true, len: 0, data: '', brs: false, esi: false },
      { kind: 'classic', id: 0x00a, ext: false, rtr: true, len: 5, data: '', brs: false, esi: false },
      { kind: 'fd', id: 0x456, ext: false, rtr: false, len: 12, data: '11'.repeat(12), brs: true, esi: false },
      { kind: 'fd', id: 0x12345678, ext: true, rtr: false, len: 2, data: 'aabb', brs: false, esi: false },
      { kind: 'fd', id: 0x321, ext: false, rtr: false, len: 64, data: '01'.repeat(64), brs: true, esi: true },
    ]);
  });

  it('frames rxsock sends print in candump -L exactly as can-utils writes them', async () => {
    const tx = raw({ fdFrames: true });
    const frames: CanFrame[] = [
      canFrame({ id: 0x123, data: [0xde, 0xad, 0xbe, 0xef] }),
      canFrame({ id: 0x1abcdef0, extended: true, data: [1, 2] }),
      canFrame({ id: 0x7ff, rtr: true }),
      canFrame({ id: 0x0a, rtr: true, len: 5 }),
      canFrame({ id: 0x5, data: [] }),
      canFdFrame({ id: 0x456, brs: true, data: new Uint8Array(12).fill(0x11) }),
      canFdFrame({ id: 0x12345678, extended: true, data: [0xaa, 0xbb] }),
    ];
    const dump = candump([IF], frames.length);
    await settle(1500); // candump is a separate process: give it time to bind
    await tx.sendMany(frames);
    expect(await dump).toEqual([
      `${IF} 123#DEADBEEF`,
      `${IF} 1ABCDEF0#0102`,
      `${IF} 7FF#R`,
      `${IF} 00A#R5`,
      `${IF} 005#`,
      `${IF} 456##5` + '11'.repeat(12),
      `${IF} 12345678##4AABB`,
    ]);
  });

  it('candump filters (id:mask, inverted id~mask) see what rxsock sends as the kernel filters it', async () => {
    const tx = raw();
    const dump = candump([`${IF},100:700,7FF~7FF`], 3);
    await settle(1500);
    await tx.sendMany([0x100, 0x200, 0x1ff, 0x7ff, 0x7fe].map((id) => canFrame({ id, data: [1] })));
    // 100:700 passes 0x100 and 0x1ff; 7FF~7FF passes everything but 0x7ff: candump ORs them
    expect(await dump).toEqual([`${IF} 100#01`, `${IF} 200#01`, `${IF} 1FF#01`]);
  });

  it('cangen traffic (random ids, lengths, extended and FD) is received in full and in order', async () => {
    const rx = raw({ fdFrames: true, receiveBufferSize: 4 << 20, forceReceiveBuffer: true });
    const got = collect(rx, 200);
    const dump = candump([IF], 200);
    await settle(1500);
    await run('cangen', [IF, '-n', '200', '-g', '1', '-f', '-e', '-I', 'r', '-L', 'r']);
    const lines = await dump;
    const frames = await got;
    // candump's own view of the same traffic, decoded from our frames: identical text
    const text = (f: Rx): string => {
      const id = f.extended ? f.id.toString(16).toUpperCase().padStart(8, '0') : f.id.toString(16).toUpperCase().padStart(3, '0');
      if (f.kind === 'fd') return `${IF} ${id}##${(4 | (f.brs ? 1 : 0) | (f.esi ? 2 : 0)).toString(16).toUpperCase()}${hex(f.data).toUpperCase()}`;
      return `${IF} ${id}#${hex(f.data).toUpperCase()}`;
    };
    expect(frames.map(text)).toEqual(lines);
  });
});

interface PyFrame {
  id: number;
  extended: boolean;
  rtr: boolean;
  fd: boolean;
  brs: boolean;
  esi: boolean;
  error?: boolean;
  dlc: number;
  data: string;
}

const pyOf = (f: CanFrame): PyFrame => {
  if (f.kind === 'xl') throw new Error('no XL in python-can');
  const fd = f.kind === 'fd';
  return { id: f.id, extended: f.extended, rtr: f.kind === 'classic' && f.rtr, fd, brs: fd && f.brs, esi: fd && f.esi, error: false, dlc: f.len, data: hex(f.data) };
};

describe('python-can', () => {
  const frames: CanFrame[] = [
    canFrame({ id: 0x123, data: [0xde, 0xad, 0xbe, 0xef] }),
    canFrame({ id: 0x1abcdef0, extended: true, data: [1, 2, 3, 4, 5, 6, 7, 8] }),
    canFrame({ id: 0x7ff, rtr: true, len: 4 }),
    canFdFrame({ id: 0x456, brs: true, data: new Uint8Array(64).map((_, i) => i) }),
    canFdFrame({ id: 0x1234567, extended: true, esi: true, data: new Uint8Array(12).fill(0x5a) }),
  ];

  it('python-can receives what rxsock sends (FD, extended, RTR), and its filters select as ours', async () => {
    const tx = raw({ fdFrames: true });
    // python-can's can_filters: {can_id, can_mask, extended}
    const pyFilters = [{ can_id: 0x400, can_mask: 0x400, extended: false }, { can_id: 0x1abcdef0, can_mask: 0x1fffffff, extended: true }];
    const ours: CanFilter[] = [{ id: 0x400, mask: 0x400, extended: false }, { id: 0x1abcdef0, mask: 0x1fffffff, extended: true }];
    const all = startReady(PYTHON, [peer, 'recv', IF, String(frames.length), '[]'], 'ready');
    const filtered = startReady(PYTHON, [peer, 'recv', IF, '3', JSON.stringify(pyFilters)], 'ready');
    const mirror = raw({ fdFrames: true, filters: ours });
    await Promise.all([all.ready, filtered.ready]);
    const mirrored = collect(mirror, 3, 240_000);
    await settle(300);
    await tx.sendMany(frames);
    await tx.send(canFrame({ id: 0x7ff, data: [0xff] })); // passes the 0x400 filter: ends the filtered run
    const parse = (out: string): PyFrame[] => out.trim().split('\n').slice(1).map((l) => JSON.parse(l) as PyFrame);
    expect(parse(await all.done)).toEqual(frames.map(pyOf));
    const viaPython = parse(await filtered.done);
    const viaUs = (await mirrored).map(pyOf);
    expect(viaPython).toEqual(viaUs);
    expect(viaPython.map((f) => f.id)).toEqual([0x1abcdef0, 0x7ff, 0x456]);
  });

  it('rxsock receives what python-can sends (FD, extended, RTR)', async () => {
    const rx = raw({ fdFrames: true });
    const got = collect(rx, frames.length);
    const out = await run(PYTHON, [peer, 'send', IF, JSON.stringify(frames.map(pyOf))]);
    expect(out.trim()).toBe(`sent ${frames.length}`);
    expect((await got).map(pyOf)).toEqual(frames.map(pyOf));
  });
});
