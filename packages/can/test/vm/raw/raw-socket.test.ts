// CAN_RAW on the guest kernel's vcan interfaces: frames of every kind, receive metadata, options
// set before bind, live filter changes, error frames, kernel drop counts, the three ways to
// consume. Judged on counts and content only.
import { afterEach, describe, expect, it } from 'vitest';
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import {
  CanErrorClass,
  canErrorFrame,
  canFdFrame,
  canFrame,
  canXlFrame,
  decodeCanError,
  filtersPass,
  openCanRaw,
  type CanFilter,
  type CanFrame,
  type ReceivedCanFrame,
} from '@rxsock/can';
import { ifNameToIndex } from '@rxsock/core';
import { closeAll, collect, collectFor, ip, raw, settle, useVcan, type Rx } from './helpers.js';

const IF0 = 'rxraw0';
const IF1 = 'rxraw1';
useVcan([IF0, IF1]);

afterEach(closeAll);

const plain = (f: ReceivedCanFrame): unknown => {
  const { ifindex, interfaceName, own, local, timestampSec, timestampNsec, hwTimestampSec, hwTimestampNsec, ...frame } = f;
  void ifindex, interfaceName, own, local, timestampSec, timestampNsec, hwTimestampSec, hwTimestampNsec;
  return { ...frame, data: [...frame.data] };
};
const asPlain = (f: CanFrame): unknown => ({ ...f, data: [...f.data] });

describe('frames of every kind through vcan0', () => {
  it('classic, extended, RTR, len8_dlc and FD frames arrive as sent, with interface and flags', async () => {
    const rx = raw({ fdFrames: true });
    const tx = raw({ fdFrames: true });
    const frames: CanFrame[] = [
      canFrame({ id: 0x123, data: [0xde, 0xad, 0xbe, 0xef] }),
      canFrame({ id: 0x1abcdef0, extended: true, data: [1, 2, 3, 4, 5, 6, 7, 8], len8Dlc: 13 }),
      canFrame({ id: 0x7ff, rtr: true, len: 3 }),
      canFrame({ id: 0x0, data: [] }),
      canFdFrame({ id: 0x456, brs: true, data: new Uint8Array(64).map((_, i) => i) }),
      canFdFrame({ id: 0x1fffffff, extended: true, esi: true, data: [9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9] }),
    ];
    const got = collect(rx, frames.length);
    await tx.sendMany(frames);
    const received = await got;
    expect(received.map(plain)).toEqual(frames.map(asPlain));
    const vcan0 = ifNameToIndex(IF0);
    for (const f of received) {
      expect(f.ifindex).toBe(vcan0);
      expect(f.interfaceName).toBe(IF0);
      expect(f.local).toBe(true); // sent from this host
      expect(f.own).toBe(false); // by another socket
    }
  });

  it('recvOwnMessages delivers our own frames flagged own; loopback off hides them from others', async () => {
    const self = raw({ recvOwnMessages: true });
    const other = raw();
    const mine = collect(self, 2);
    const theirs = collect(other, 2);
    await self.send(canFrame({ id: 0x10, data: [1] }));
    await self.send(canFrame({ id: 0x11, data: [2] }));
    expect((await mine).map((f) => [f.id, f.own, f.local])).toEqual([[0x10, true, true], [0x11, true, true]]);
    expect((await theirs).map((f) => [f.id, f.own])).toEqual([[0x10, false], [0x11, false]]);

    const quiet = raw({ loopback: false });
    const listener = raw();
    const heard = collectFor(listener, 1500);
    await settle(100);
    await quiet.send(canFrame({ id: 0x12, data: [3] }));
    await listener.send(canFrame({ id: 0x13, data: [4] })); // a marker that does get through elsewhere
    expect((await heard).map((f) => f.id)).toEqual([]);
  });

  it("bound to 'any', a socket hears two interfaces and tells them apart", async () => {
    const all = openCanRaw({ interface: 'any' });
    try {
      const a = raw({ interface: IF0 });
      const b = raw({ interface: IF1 });
      // bound to every interface, it also hears other test files' traffic: keep ours
      const got = firstValueFrom(all.frames$.pipe(filter((f) => f.interfaceName === IF0 || f.interfaceName === IF1), take(2), toArray()));
      await a.send(canFrame({ id: 0x100, data: [0] }));
      await b.send(canFrame({ id: 0x101, data: [1] }));
      const frames = (await got as Rx[]).sort((x, y) => x.id - y.id);
      expect(frames.map((f) => [f.id, f.interfaceName, f.ifindex])).toEqual([
        [0x100, IF0, ifNameToIndex(IF0)],
        [0x101, IF1, ifNameToIndex(IF1)],
      ]);
      expect(all.ifindex).toBe(0);
    } finally {
      all.close();
    }
  });

  it('a sendmany batch of 2,000 frames arrives complete and in order', async () => {
    const rx = raw({ receiveBufferSize: 4 << 20, forceReceiveBuffer: true });
    const tx = raw();
    const frames = Array.from({ length: 2000 }, (_, i) => canFrame({ id: i & 0x7ff, data: [i & 0xff, i >> 8] }));
    const got = collect(rx, frames.length);
    await tx.sendMany(frames);
    const received = await got;
    expect(received.map((f) => f.data[0]! | (f.data[1]! << 8))).toEqual(frames.map((_, i) => i));
    expect(tx.writer.counters.sent).toBe(2000);
  });

  it('timestamps: SO_TIMESTAMPNS on every frame by default, none when off, hardware request accepted', async () => {
    const rx = raw();
    const off = raw({ timestamps: false });
    const hw = raw({ timestamps: 'hardware' });
    const tx = raw();
    const got = [collect(rx, 3), collect(off, 3), collect(hw, 3)];
    for (let i = 0; i < 3; i++) await tx.send(canFrame({ id: 0x200 + i, data: [i] }));
    const [stamped, bare, hard] = await Promise.all(got);
    const now = Date.now() / 1000;
    for (const f of stamped!) {
      expect(Math.abs(f.timestampSec - now)).toBeLessThan(600);
      expect(f.timestampNsec).toBeGreaterThanOrEqual(0);
      expect(f.timestampNsec).toBeLessThan(1e9);
    }
    const ns = stamped!.map((f) => f.timestampSec * 1e9 + f.timestampNsec);
    expect([...ns].sort((a, b) => a - b)).toEqual(ns);
    expect(bare!.every((f) => f.timestampSec === 0 && f.timestampNsec === 0)).toBe(true);
    // vcan has no hardware clock: software stamps present, hardware ones 0
    expect(hard!.every((f) => f.timestampSec > 0 && f.hwTimestampSec === 0)).toBe(true);
  });

  it('an FD frame on a socket without fdFrames is a typed error, and such a socket never sees FD frames', async () => {
    const classicOnly = raw();
    const fd = raw({ fdFrames: true });
    expect(() => classicOnly.writer.write(canFdFrame({ id: 1, data: [1] }))).toThrow(expect.objectContaining({ code: 'ERR_RXSOCK_CAN_FRAME_KIND' }));
    await expect(classicOnly.send(canFdFrame({ id: 1, data: [1] }))).rejects.toMatchObject({ code: 'ERR_RXSOCK_CAN_FRAME_KIND' });
    const got = collect(classicOnly, 1);
    await fd.send(canFdFrame({ id: 0x300, data: [1, 2] }));
    await fd.send(canFrame({ id: 0x301, data: [3] }));
    expect((await got).map((f) => [f.kind, f.id])).toEqual([['classic', 0x301]]);
  });

  it('CAN XL frames round trip on an interface with the XL MTU (2060)', async () => {
    ip('link', 'add', 'dev', 'rxvxl0', 'type', 'vcan');
    try {
      ip('link', 'set', 'rxvxl0', 'mtu', '2060');
      ip('link', 'set', 'rxvxl0', 'up');
      const rx = raw({ interface: 'rxvxl0', xlFrames: true });
      const tx = raw({ interface: 'rxvxl0', xlFrames: true });
      const frames = [canXlFrame({ prio: 0x242, sdt: 3, sec: true, af: 0xcafe, data: new Uint8Array(2048).fill(5) }), canXlFrame({ prio: 1, data: [1] })];
      const got = collect(rx, 2);
      await tx.sendMany(frames);
      expect((await got).map(plain)).toEqual(frames.map(asPlain));
    } finally {
      closeAll();
      ip('link', 'del', 'rxvxl0');
    }
  });

  it('an unknown interface is ENODEV, and no socket is left open', () => {
    expect(() => openCanRaw({ interface: 'nosuchcan0' })).toThrow(expect.objectContaining({ code: 'ENODEV' }));
  });
});

describe('filters and options set before bind', () => {
  const ids = [0x100, 0x123, 0x1ff, 0x200, 0x7ff];
  const sendAll = async (tx: ReturnType<typeof raw>, extra: CanFrame[] = []): Promise<CanFrame[]> => {
    const frames = [...ids.map((id) => canFrame({ id, data: [1] })), ...ids.map((id) => canFrame({ id, extended: true, data: [2] })), canFrame({ id: 0x123, rtr: true }), ...extra];
    await tx.sendMany(frames);
    // a marker every socket passes last, so "nothing more" is known without waiting on time
    return frames;
  };

  it('each filter list delivers exactly what the kernel rule (filtersPass) predicts', async () => {
    const lists: Array<{ filters: CanFilter[]; join?: boolean }> = [
      { filters: [{ id: 0x100, mask: 0x700 }] },
      { filters: [{ id: 0x123, mask: 0x7ff, extended: false }] },
      { filters: [{ id: 0x123, mask: 0x7ff, extended: true }] },
      { filters: [{ id: 0x123, mask: 0x7ff, inverted: true }] },
      { filters: [{ id: 0x123, mask: 0x7ff, rtr: true }] },
      { filters: [{ id: 0x100, mask: 0x700 }, { id: 0x023, mask: 0x0ff }], join: true },
      { filters: [{ id: 0x100, mask: 0x7ff }, { id: 0x7ff, mask: 0x7ff }] },
    ];
    const marker = canFrame({ id: 0x5a5, extended: true, data: [0xee] });
    const markerFilter: CanFilter = { id: 0x5a5, mask: 0x1fffffff, extended: true };
    const sockets = lists.map(({ filters, join }) => raw({ filters: join ? filters : [...filters, markerFilter], joinFilters: join ?? false }));
    const tx = raw();
    const frames = [...ids.map((id) => canFrame({ id, data: [1] })), ...ids.map((id) => canFrame({ id, extended: true, data: [2] })), canFrame({ id: 0x123, rtr: true, len: 0 })];
    const expected = lists.map(({ filters, join }) => frames.filter((f) => filtersPass(join ? filters : [...filters, markerFilter], f, join)));
    // joined lists cannot take the marker filter; they end on a frame the join passes (0x123 std)
    const ends = lists.map(({ join }) => (join ? 1 : 0));
    const got = sockets.map((s, i) => collect(s, expected[i]!.length + 1 - ends[i]! + (lists[i]!.join ? 1 : 0)));
    await tx.sendMany(frames);
    await tx.send(marker);
    await tx.send(canFrame({ id: 0x123, data: [0xee] }));
    const results = await Promise.all(got);
    results.forEach((r, i) => {
      const want = lists[i]!.join ? [...expected[i]!, canFrame({ id: 0x123, data: [0xee] })] : [...expected[i]!, marker];
      expect(r.map(plain), `filter list ${i}`).toEqual(want.map(asPlain));
    });
  });

  it('512 filters are taken, 513 are a typed error and the socket is closed', () => {
    const many = Array.from({ length: 512 }, (_, i) => ({ id: i, mask: 0x7ff }));
    expect(() => raw({ filters: many })).not.toThrow();
    expect(() => openCanRaw({ interface: IF0, filters: [...many, { id: 0, mask: 0 }] })).toThrow(expect.objectContaining({ code: 'ERR_RXSOCK_CAN_FRAME' }));
  });

  it('an empty filter list receives no data frames', async () => {
    const none = raw({ filters: [], errorMask: CanErrorClass.BUSOFF });
    const tx = raw();
    const got = collect(none, 1);
    await tx.send(canFrame({ id: 0x1, data: [1] }));
    await tx.send(canErrorFrame({ busOff: true }));
    const [f] = await got;
    expect(f!.kind === 'classic' && f!.error).toBe(true);
  });

  it('live filter change: frames queued under the old list still arrive, later ones follow the new list', async () => {
    const rx = raw({ filters: [{ id: 0x100, mask: 0x7ff }] });
    const tx = raw();
    await tx.sendMany([canFrame({ id: 0x100, data: [1] }), canFrame({ id: 0x200, data: [2] })]);
    await settle(200);
    rx.setFilters([{ id: 0x200, mask: 0x7ff }]);
    await tx.sendMany([canFrame({ id: 0x100, data: [3] }), canFrame({ id: 0x200, data: [4] })]);
    const got = await collect(rx, 2);
    // 0x100/[1] was queued before the change and passes; after it only 0x200 does
    expect(got.map((f) => [f.id, f.data[0]])).toEqual([[0x100, 1], [0x200, 4]]);
  });
});

describe('error frames', () => {
  it('the error mask selects classes; the frames decode into typed values', async () => {
    const rx = raw({ errorMask: CanErrorClass.CRTL | CanErrorClass.PROT | CanErrorClass.CNT | CanErrorClass.BUSOFF });
    const noMask = raw();
    const tx = raw();
    const sent = [
      canErrorFrame({ controller: { txPassive: true }, txErrorCount: 130, rxErrorCount: 7 }),
      canErrorFrame({ protocol: { stuff: true, tx: true }, protocolLocation: 'crcSeq' }),
      canErrorFrame({ arbitrationLostBit: 5 }), // LOSTARB only: not in the mask
      canErrorFrame({ busOff: true }),
    ];
    const got = collect(rx, 3);
    const quiet = collectFor(noMask, 2000);
    await tx.sendMany(sent);
    const info = (await got).map(decodeCanError);
    expect(info.map((i) => i.state)).toEqual(['passive', 'unknown', 'bus-off']);
    expect([info[0]!.txErrorCount, info[0]!.rxErrorCount]).toEqual([130, 7]);
    expect(info[1]!.protocol).toMatchObject({ stuff: true, tx: true, form: false });
    expect(info[1]!.protocolLocation).toBe('crcSeq');
    expect(await quiet).toEqual([]);
  });
});

describe('receiving: drops, credit, for await', () => {
  it('kernel drops are counted from SO_RXQ_OVFL; what was read is the oldest, in order', async () => {
    const rx = raw({ receiveBufferSize: 1024 }); // the kernel's minimum: a few frames fit
    const tx = raw();
    const total = 400;
    await tx.sendMany(Array.from({ length: total }, (_, i) => canFrame({ id: 0x10, data: [i & 0xff, i >> 8] })));
    await settle(300);
    const reader = rx.reader();
    const got: Rx[] = [];
    reader.frames$.subscribe((f) => got.push(f as Rx));
    reader.request(Infinity);
    // a marker after the flood: when it arrives, everything queued before it was read
    const marker = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (got.some((f) => f.id === 0x7ff)) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    await tx.send(canFrame({ id: 0x7ff, data: [] }));
    await marker;
    const flood = got.filter((f) => f.id === 0x10);
    const c = reader.counters;
    expect(c.kernelDrops).toBeGreaterThan(0);
    expect(flood.length + c.kernelDrops).toBe(total);
    expect(flood.map((f) => f.data[0]! | (f.data[1]! << 8))).toEqual(Array.from({ length: flood.length }, (_, i) => i));
    expect(c.received).toBe(got.length);
    reader.close();
  });

  it('credit: a reader delivers only what was requested, the rest waits queued', async () => {
    const rx = raw();
    const tx = raw();
    const reader = rx.reader({ queueLimit: 100 });
    const got: number[] = [];
    reader.frames$.subscribe((f) => got.push((f as Rx).id));
    reader.request(2);
    await tx.sendMany([1, 2, 3, 4, 5].map((id) => canFrame({ id, data: [] })));
    await settle(500);
    expect(got).toEqual([1, 2]);
    expect(reader.queued).toBe(3);
    reader.request(3);
    expect(got).toEqual([1, 2, 3, 4, 5]);
    expect(reader.counters).toMatchObject({ received: 5, delivered: 5, droppedNewest: 0, droppedOldest: 0 });
    reader.close();
  });

  it("overflow policy 'drop-oldest' keeps the newest queueLimit frames and counts the rest", async () => {
    const rx = raw();
    const tx = raw();
    const reader = rx.reader({ queueLimit: 4, overflow: 'drop-oldest' });
    const got: number[] = [];
    reader.frames$.subscribe((f) => got.push((f as Rx).id));
    await tx.sendMany([1, 2, 3, 4, 5, 6, 7].map((id) => canFrame({ id, data: [] })));
    await settle(500);
    reader.request(Infinity);
    expect(got).toEqual([4, 5, 6, 7]);
    expect(reader.counters.droppedOldest).toBe(3);
    reader.close();
  });

  it('for await takes one frame per iteration; break leaves the socket usable', async () => {
    const rx = raw();
    const tx = raw();
    const ids: number[] = [];
    const loop = (async () => {
      for await (const f of rx.frames()) {
        ids.push((f as Rx).id);
        if (ids.length === 3) break;
      }
    })();
    await settle(200);
    await tx.sendMany([7, 8, 9, 10].map((id) => canFrame({ id, data: [] })));
    await loop;
    expect(ids).toEqual([7, 8, 9]);
    const next = collect(rx, 1);
    await tx.send(canFrame({ id: 11, data: [] }));
    expect((await next)[0]!.id).toBe(11);
  });

  it('frames$ is an Observable of frames, rxjs operators apply', async () => {
    const rx = raw();
    const tx = raw();
    const got = firstValueFrom(rx.frames$.pipe(take(2), toArray()));
    await tx.sendMany([canFrame({ id: 1, data: [] }), canFrame({ id: 2, data: [] })]);
    expect((await got).map((f) => (f as Rx).id)).toEqual([1, 2]);
  });
});
