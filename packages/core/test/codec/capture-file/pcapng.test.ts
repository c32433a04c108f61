import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CaptureFileError,
  CaptureFileErrorCode,
  PcapngEncoder,
  TickClock,
  parseCapture,
  type CaptureBlock,
  type CaptureInterface,
  type CaptureInterfaceInit,
  type CapturePacket,
  type CaptureRecord,
  type CaptureSection,
  type CaptureStatistics,
  type TimestampResolution,
} from '../../../src/index.js';
import { concat, dataArb, decodeSplit, genericOptionArb, hex, resolutionArb, splitArb, textArb, ticksArb } from './arbitraries.js';

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const interfaceArb = fc.record({
  linkType: fc.integer({ min: 0, max: 0xffff }),
  snapLen: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 300 }), fc.constant(262144)),
  tsResolution: resolutionArb,
  // Down to -1 s: at 10^19 or 2^63 ticks per second a larger negative offset puts every
  // non-negative time beyond the u64 tick field, a file no writer can make.
  tsOffset: fc.oneof(fc.constant(0n), fc.bigInt({ min: -1n, max: 1n << 40n })),
  name: optional(textArb),
  description: optional(textArb),
  os: optional(textArb),
  hardware: optional(textArb),
  speed: optional(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
  fcsLength: optional(fc.integer({ min: 0, max: 255 })),
  filter: optional(textArb),
  comments: optional(fc.array(textArb, { maxLength: 2 })),
  options: optional(fc.array(genericOptionArb, { maxLength: 2 })),
});

/** One block after the section's interfaces; `pick` chooses the interface. */
const eventArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('epb' as const),
      pick: fc.nat(),
      tickSeed: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      exactTicks: fc.boolean(),
      data: dataArb,
      extra: fc.nat({ max: 100 }),
      flags: optional(fc.nat({ max: 0xffffffff })),
      dropCount: optional(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
      packetId: optional(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
      queue: optional(fc.nat({ max: 0xffffffff })),
      comments: optional(fc.array(textArb, { maxLength: 2 })),
      options: optional(fc.array(genericOptionArb, { maxLength: 2 })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('spb' as const), data: dataArb, extra: fc.nat({ max: 100 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('isb' as const),
      pick: fc.nat(),
      tickSeed: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      received: optional(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
      osDropped: optional(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
      comments: optional(fc.array(textArb, { maxLength: 1 })),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('unknown' as const),
      blockType: fc.constantFrom(4, 10, 0xbad, 0x40000bad, 0x12345),
      body: fc.uint8Array({ maxLength: 40 }),
    }),
  },
);

const sectionArb = fc.record({
  littleEndian: fc.boolean(),
  hardware: optional(textArb),
  os: optional(textArb),
  userAppl: optional(textArb),
  comments: optional(fc.array(textArb, { maxLength: 2 })),
  options: optional(fc.array(genericOptionArb, { maxLength: 1 })),
  interfaces: fc.array(interfaceArb, { minLength: 1, maxLength: 3 }),
  events: fc.array(eventArb, { maxLength: 8 }),
});

type SectionPlan = typeof sectionArb extends fc.Arbitrary<infer S> ? S : never;

/** Keeps a u64 tick seed inside what the interface's clock turns into a non-negative time. */
function fitTicks(seed: bigint, clock: TickClock): bigint {
  let t = seed;
  while (t > 0n && clock.toNanoseconds(t) < 0n) t >>= 1n;
  return clock.toNanoseconds(t) < 0n ? -clock.tsOffset * clock.unitsPerSecond : t;
}

/** Encodes a generated file and lists, per block, a check of what must decode from it. */
function build(sections: SectionPlan[]) {
  const parts: Uint8Array[] = [];
  const checks: { type: string; check: (r: CaptureRecord) => void }[] = [];
  for (const s of sections) {
    const enc = new PcapngEncoder({ littleEndian: s.littleEndian });
    parts.push(enc.section(s));
    checks.push({
      type: 'section',
      check: (r) => {
        const sec = r as CaptureSection;
        expect(sec).toMatchObject({ format: 'pcapng', littleEndian: s.littleEndian, majorVersion: 1, minorVersion: 0, sectionLength: -1n });
        expect([sec.hardware, sec.os, sec.userAppl]).toEqual([s.hardware, s.os, s.userAppl]);
        expect(sec.comments).toEqual(s.options?.some((o) => o.code === 1) ? sec.comments : (s.comments ?? []));
      },
    });
    const clocks: TickClock[] = [];
    const snaps: number[] = [];
    s.interfaces.forEach((i, id) => {
      parts.push(enc.interface(i as CaptureInterfaceInit));
      clocks.push(new TickClock(i.tsResolution, i.tsOffset));
      snaps.push(i.snapLen);
      checks.push({
        type: 'interface',
        check: (r) => {
          const got = r as CaptureInterface;
          expect(got).toMatchObject({ id, linkType: i.linkType, snapLen: i.snapLen, tsResolution: i.tsResolution, tsOffset: i.tsOffset });
          for (const k of ['name', 'description', 'os', 'hardware', 'speed', 'fcsLength', 'filter'] as const) expect(got[k]).toEqual(i[k]);
          expect(got.comments).toEqual(i.comments ?? []);
          for (const o of i.options ?? []) expect(got.options.map((x) => `${x.code}:${hex(x.value)}`)).toContain(`${o.code}:${hex(o.value)}`);
        },
      });
    });
    for (const e of s.events) {
      if (e.kind === 'epb') {
        const interfaceId = e.pick % s.interfaces.length;
        const clock = clocks[interfaceId]!;
        const ticks = fitTicks(e.tickSeed, clock);
        const timestamp = clock.toNanoseconds(ticks);
        const originalLength = e.data.length + e.extra;
        const { tickSeed: _s, exactTicks, pick: _p, kind: _k, extra: _e, ...rest } = e;
        parts.push(enc.packet({ ...rest, interfaceId, timestamp, originalLength, ...(exactTicks ? { ticks } : {}) }));
        const snap = snaps[interfaceId]!;
        checks.push({
          type: 'packet',
          check: (r) => {
            const p = r as CapturePacket;
            expect(p).toMatchObject({ block: 'epb', interfaceId, originalLength, linkType: s.interfaces[interfaceId]!.linkType });
            expect(hex(p.data)).toBe(hex(snap === 0 ? e.data : e.data.subarray(0, snap)));
            // With the exact ticks given they are kept; from nanoseconds alone they are recomputed.
            expect(p.ticks).toBe(exactTicks ? ticks : clock.toTicks(timestamp));
            expect(p.timestamp).toBe(clock.toNanoseconds(p.ticks));
            if (exactTicks) expect(p.timestamp).toBe(timestamp);
            for (const k of ['flags', 'dropCount', 'packetId', 'queue'] as const) expect(p[k]).toEqual(e[k]);
            expect(p.comments).toEqual(e.comments ?? []);
          },
        });
      } else if (e.kind === 'spb') {
        const originalLength = e.data.length + e.extra;
        const snap = snaps[0]!;
        const caplen = snap === 0 ? originalLength : Math.min(originalLength, snap);
        const data = concat([e.data, new Uint8Array(e.extra)]).subarray(0, caplen);
        parts.push(enc.simplePacket({ data, originalLength }));
        checks.push({
          type: 'packet',
          check: (r) => {
            const p = r as CapturePacket;
            expect(p).toMatchObject({ block: 'spb', interfaceId: 0, originalLength, timestamp: 0n });
            expect(hex(p.data)).toBe(hex(data));
          },
        });
      } else if (e.kind === 'isb') {
        const interfaceId = e.pick % s.interfaces.length;
        const clock = clocks[interfaceId]!;
        const ticks = fitTicks(e.tickSeed, clock);
        const timestamp = clock.toNanoseconds(ticks);
        const { kind: _k, pick: _p, tickSeed: _t, ...counters } = e;
        parts.push(enc.statistics({ ...counters, interfaceId, timestamp }));
        checks.push({
          type: 'statistics',
          check: (r) => {
            const st = r as CaptureStatistics;
            expect(st).toMatchObject({ interfaceId });
            expect(st.ticks).toBe(clock.toTicks(timestamp));
            expect([st.received, st.osDropped]).toEqual([e.received, e.osDropped]);
            expect(st.comments).toEqual(e.comments ?? []);
          },
        });
      } else {
        parts.push(enc.rawBlock({ blockType: e.blockType, body: e.body }));
        checks.push({
          type: 'block',
          check: (r) => {
            const b = r as CaptureBlock;
            expect(b.blockType).toBe(e.blockType);
            expect(hex(b.body)).toBe(hex(concat([e.body, new Uint8Array((4 - (e.body.length % 4)) % 4)])));
          },
        });
      }
    }
  }
  return { bytes: concat(parts), checks };
}

describe('pcapng', () => {
  it('round trips sections of either byte order, interfaces of any resolution, every block kind, under any chunking', () => {
    fc.assert(
      fc.property(fc.array(sectionArb, { minLength: 1, maxLength: 3 }), splitArb, fc.boolean(), (sections, split, usePush) => {
        const { bytes, checks } = build(sections);
        const emitted = decodeSplit(bytes, split, { unknownBlocks: 'emit' }, usePush);
        expect(emitted.code).toBeUndefined();
        expect(emitted.records.map((r) => r.type)).toEqual(checks.map((c) => c.type));
        emitted.records.forEach((r, i) => checks[i]!.check(r));

        // Skipping unknown blocks drops exactly those.
        const skipped = decodeSplit(bytes, split, {}, usePush);
        expect(skipped.records.map((r) => r.type)).toEqual(checks.map((c) => c.type).filter((t) => t !== 'block'));

        // Decoded records encode back to the same bytes, section by section in its byte order.
        const out: Uint8Array[] = [];
        let enc: PcapngEncoder | undefined;
        for (const r of emitted.records) {
          if (r.type === 'section') enc = new PcapngEncoder({ littleEndian: r.littleEndian });
          out.push(enc!.encode(r));
        }
        expect(hex(concat(out))).toBe(hex(bytes));
      }),
      { numRuns: 150 },
    );
  });

  it('writes the block layout of the specification', () => {
    const enc = new PcapngEncoder({ littleEndian: false, section: {} });
    expect(hex(enc.section({}))).toBe('0a0d0d0a' + '0000001c' + '1a2b3c4d' + '0001' + '0000' + 'ffffffffffffffff' + '0000001c');
    const idb = enc.interface({ linkType: 227, snapLen: 72, name: 'vcan0', tsResolution: { base: 10, exponent: 6 } });
    // IDB: linktype, reserved, snaplen, if_tsresol (code 9, len 1, value 6, padding), if_name, end.
    expect(hex(idb)).toBe(
      '00000001' + '0000002c' + '00e3' + '0000' + '00000048' + '000200057663616e30000000' + '0009000106000000' + '00000000' + '0000002c',
    );
    const epb = enc.packet({ timestamp: 1_000_002_000n, data: Uint8Array.of(0xaa) });
    // 1.000002 s in microseconds is 1000002 ticks: high word 0, low word 0x000f4242.
    expect(hex(epb)).toBe('00000006' + '00000024' + '00000000' + '00000000' + '000f4242' + '00000001' + '00000001' + 'aa000000' + '00000024');
  });

  it('reads if_tsresol in both bases and if_tsoffset', () => {
    const enc = new PcapngEncoder();
    const bytes = concat([
      enc.interface({ linkType: 1, tsResolution: { base: 2, exponent: 10 }, tsOffset: 100n }),
      enc.packet({ timestamp: 100n * 1_000_000_000n + 1_000_000_000n, data: new Uint8Array(0) }),
      enc.interface({ linkType: 1, tsResolution: { base: 10, exponent: 3 } }),
      enc.packet({ interfaceId: 1, timestamp: 1_234_567_890n, data: new Uint8Array(0) }),
    ]);
    const packets = parseCapture(bytes).filter((r): r is CapturePacket => r.type === 'packet');
    expect(packets.map((p) => [p.ticks, p.timestamp])).toEqual([
      [1024n, 101_000_000_000n],
      [1234n, 1_234_000_000n],
    ]);
  });

  it('uses microseconds when an interface has no if_tsresol', () => {
    // An IDB written by hand: link type 1, snap length 0, if_name "x", no if_tsresol.
    const idb = Uint8Array.from(Buffer.from('01000000' + '20000000' + '0100' + '0000' + '00000000' + '0200010078000000' + '00000000' + '20000000', 'hex'));
    const file = concat([new PcapngEncoder({ littleEndian: true }).section(), idb]);
    const [, iface] = parseCapture(file) as [CaptureSection, CaptureInterface];
    expect(iface.name).toBe('x');
    expect(iface.tsResolution).toEqual({ base: 10, exponent: 6 } satisfies TimestampResolution);
  });

  it('gives typed errors for bad blocks', () => {
    const enc = new PcapngEncoder({ littleEndian: true });
    const good = concat([enc.interface({ linkType: 1 }), enc.packet({ timestamp: 1n, data: new Uint8Array(5) })]);
    const codeOf = (bytes: Uint8Array): string | undefined => {
      try {
        parseCapture(bytes);
        return undefined;
      } catch (err) {
        expect(err).toBeInstanceOf(CaptureFileError);
        return (err as CaptureFileError).code;
      }
    };
    const mutate = (at: number, bytes: number[]) => {
      const copy = good.slice();
      copy.set(bytes, at);
      return copy;
    };
    expect(codeOf(good)).toBeUndefined();
    expect(codeOf(good.subarray(0, good.length - 2))).toBe(CaptureFileErrorCode.TRUNCATED);
    expect(codeOf(mutate(8, [1, 2, 3, 4]))).toBe(CaptureFileErrorCode.DECODE); // byte-order magic
    expect(codeOf(mutate(12, [2, 0]))).toBe(CaptureFileErrorCode.DECODE); // version 2.0
    expect(codeOf(mutate(good.length - 4, [0, 0, 0, 0]))).toBe(CaptureFileErrorCode.DECODE); // trailing length
    const epbAt = good.length - 40; // 12 + 20 fixed + 5 data padded to 8
    expect(codeOf(mutate(epbAt + 8, [7, 0, 0, 0]))).toBe(CaptureFileErrorCode.DECODE); // interface 7
    expect(codeOf(mutate(epbAt + 20, [200, 0, 0, 0]))).toBe(CaptureFileErrorCode.DECODE); // caplen past block
    expect(codeOf(mutate(epbAt + 4, [37, 0, 0, 0]))).toBe(CaptureFileErrorCode.DECODE); // length not a multiple of 4
    expect(codeOf(mutate(epbAt + 4, [0, 0, 0, 0x40]))).toBe(CaptureFileErrorCode.TOO_LARGE);
  });

  it('refuses records it cannot write', () => {
    const enc = new PcapngEncoder();
    const refuse = (f: () => unknown) => expect(f).toThrow(expect.objectContaining({ code: CaptureFileErrorCode.INVALID }));
    refuse(() => enc.packet({ timestamp: 0n, data: new Uint8Array(1) })); // no interface yet
    enc.interface({ linkType: 1, tsOffset: 10n });
    refuse(() => enc.packet({ timestamp: 0n, data: new Uint8Array(1) })); // before the interface's epoch
    refuse(() => enc.packet({ timestamp: 1n << 80n, data: new Uint8Array(1) }));
    refuse(() => enc.packet({ timestamp: 20_000_000_000n, data: new Uint8Array(4), originalLength: 2 }));
    refuse(() => enc.packet({ timestamp: 20_000_000_000n, data: new Uint8Array(4), flags: -1 }));
    refuse(() => enc.interface({ linkType: 1, tsResolution: { base: 3 as 2, exponent: 1 } }));
    refuse(() => enc.simplePacket({ data: new Uint8Array(3), originalLength: 5 }));
    refuse(() => enc.packet({ timestamp: 20_000_000_000n, data: new Uint8Array(1), options: [{ code: 70000, value: new Uint8Array(0) }] }));
  });
});
