import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DbcError, loadDbc, type ByteOrder } from '@rxsock/can';
import { bitPositions, referenceRaw, referenceWrite } from './reference.js';

const db = loadDbc(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'features.dbc'), 'utf8'));

describe('decoding frames into physical values', () => {
  it('decodes Intel and Motorola, signed and scaled signals', () => {
    const data = Uint8Array.of(0x10, 0x27, 0x5a, 0, 0x3e, 0x80, 0, 0x30);
    const decoded = db.decode({ id: 256, data });
    expect(decoded?.message.name).toBe('EngineData');
    expect(decoded?.values).toEqual({ EngineSpeed: 2500, CoolantTemp: 50, ThrottlePos: 100, Gear: 3 });
    expect(db.label('EngineData', 'Gear', decoded!.values.Gear!)).toBe('Drive');
    expect(decoded?.truncated).toBe(false);
  });

  it('decodes a negative signed value and an extended id', () => {
    // Odometer: Motorola 32 bits from bit 7 (bytes 0..3 big-endian); Ratio: Intel 24 bits signed.
    const data = Uint8Array.of(0x00, 0x01, 0x86, 0xa0, 0x05, 0x18, 0xfc, 0xff);
    expect(db.decode({ id: 0x18fef1fe, extended: true, data })?.values).toEqual({ Odometer: 10000, Counter: 5, Ratio: -1 });
    expect(db.decode({ id: 0x18fef1fe, extended: false, data })).toBeUndefined();
  });

  it('decodes only the signals the multiplexer selects', () => {
    expect(db.decode({ id: 512, data: Uint8Array.of(0, 0x34, 0x12, 0, 0, 0, 0, 9) })?.values).toEqual({ Mux: 0, SensorA: 0x1234, Common: 9 });
    // SensorB is Motorola: bit 8 is the LSB of byte 1... start bit 8 walks to bit 15 of the next byte.
    const b = db.decode({ id: 512, data: Uint8Array.of(1, 0x34, 0x12, 0, 0, 0, 0, 9) })!.values;
    expect(Object.keys(b).sort()).toEqual(['Common', 'Mux', 'SensorB']);
    expect(db.decode({ id: 512, data: Uint8Array.of(7, 0, 0, 0, 0, 0, 0, 9) })?.values).toEqual({ Mux: 7, Common: 9 });
  });

  it('follows extended multiplexing through a chain of switches and value ranges', () => {
    // Top=1 selects Inner; Inner=5 (in 5-6) selects Leaf; Other needs Top in 3..4.
    expect(db.decode({ id: 513, data: Uint8Array.of(0x51, 0xaa, 0xbb, 0, 0, 0, 0, 0) })?.values).toEqual({ Top: 1, Inner: 5, Leaf: 0xaa });
    expect(db.decode({ id: 513, data: Uint8Array.of(0x31, 0xaa, 0xbb, 0, 0, 0, 0, 0) })?.values).toEqual({ Top: 1, Inner: 3 });
    expect(db.decode({ id: 513, data: Uint8Array.of(0x54, 0xaa, 0xbb, 0, 0, 0, 0, 0) })?.values).toEqual({ Top: 4, Other: 0xbb });
  });

  it('decodes IEEE float and double signals', () => {
    const data = new Uint8Array(12);
    new DataView(data.buffer).setFloat32(0, 1.5, true);
    new DataView(data.buffer).setFloat64(4, -123.456, true);
    expect(db.decode({ id: 768, data })?.values).toEqual({ F32: 1.5, F64: -123.456 });
  });

  it('reads a CAN FD message to its 64th byte and keeps 64-bit integers exact where a double can', () => {
    const data = new Uint8Array(64);
    data.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0], 0);
    data[63] = 0x42;
    expect(db.decode({ id: 1024, data })?.values).toEqual({ Wide: 2 ** 53 - 1, Far: 0x42 });
  });

  it('decodes a short payload partly and says so', () => {
    const decoded = db.decode({ id: 256, data: Uint8Array.of(0x10, 0x27, 0x5a) })!;
    expect(decoded.truncated).toBe(true);
    expect(decoded.values).toEqual({ EngineSpeed: 2500, CoolantTemp: 50 });
  });

  it('returns undefined for an id the database does not have', () => {
    expect(db.decode({ id: 0x7ff, data: new Uint8Array(8) })).toBeUndefined();
  });

  it('never throws on arbitrary payloads of any length', () => {
    fc.assert(
      fc.property(fc.constantFrom(...db.messages), fc.uint8Array({ maxLength: 64 }), (m, data) => {
        const decoded = db.decode({ id: m.id, extended: m.extended, data })!;
        const need = Math.max(...m.signals.map((s) => (Math.max(...bitPositions(s.startBit, s.length, s.byteOrder)) >> 3) + 1));
        expect(decoded.truncated).toBe(data.length < need);
        for (const [name, v] of Object.entries(decoded.values)) {
          const s = m.signals.find((x) => x.name === name)!;
          if (s.valueType === 'integer') expect(v).toBe(Number(referenceRaw(data, s)) * s.factor + s.offset);
          else expect(typeof v).toBe('number');
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('encoding values into frames', () => {
  it('encodes what it decodes, labels included', () => {
    const frame = db.encode('EngineData', { EngineSpeed: 2500, CoolantTemp: 50, ThrottlePos: 100, Gear: 'Drive' });
    expect(frame).toMatchObject({ id: 256, extended: false, fd: false });
    expect([...frame.data]).toEqual([0x10, 0x27, 0x5a, 0, 0x3e, 0x80, 0, 0x30]);
  });

  it('encodes the selected multiplexed signals and ignores the others', () => {
    const frame = db.encode(513, { Top: 1, Inner: 5, Leaf: 0xaa, Other: 3 });
    expect([...frame.data]).toEqual([0x51, 0xaa, 0, 0, 0, 0, 0, 0]);
    expect(db.decode({ id: 513, data: frame.data })?.values).toEqual({ Top: 1, Inner: 5, Leaf: 0xaa });
  });

  it('marks CAN FD messages', () => {
    expect(db.encode('FdMessage', { Wide: 1, Far: 2 })).toMatchObject({ id: 1024, fd: true });
  });

  it('gives typed errors for values out of range, missing values and unknown names', () => {
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(DbcError);
        return (err as DbcError).code;
      }
      return undefined;
    };
    expect(code(() => db.encode('EngineData', { EngineSpeed: 1e9, CoolantTemp: 0, ThrottlePos: 0, Gear: 0 }))).toBe('ERR_RXSOCK_DBC_RANGE');
    expect(code(() => db.encode('EngineData', { EngineSpeed: -1, CoolantTemp: 0, ThrottlePos: 0, Gear: 0 }))).toBe('ERR_RXSOCK_DBC_RANGE');
    expect(code(() => db.encode('EngineData', { EngineSpeed: 1, CoolantTemp: 0, ThrottlePos: 0 }))).toBe('ERR_RXSOCK_DBC_MISSING');
    expect(code(() => db.encode('EngineData', { EngineSpeed: 1, CoolantTemp: 0, ThrottlePos: 0, Gear: 'Overdrive' }))).toBe('ERR_RXSOCK_DBC_UNKNOWN');
    expect(code(() => db.encode('EngineData', { Nope: 1 }))).toBe('ERR_RXSOCK_DBC_UNKNOWN');
    expect(code(() => db.encode('NoSuchMessage', {}))).toBe('ERR_RXSOCK_DBC_UNKNOWN');
  });
});

// Arbitrary layouts: one signal in a message of `size` bytes, written out as DBC text so the
// parser is exercised too, checked against the bit-at-a-time reference.
const FACTORS = [1, 2, 0.5, 0.25, 0.1, 0.001, 10] as const;
const OFFSETS = [0, -40, 100, 0.5] as const;
interface Layout { size: number; start: number; length: number; order: ByteOrder; signed: boolean; factor: number; offset: number }

const layout = fc
  .record({
    size: fc.constantFrom(1, 2, 4, 8, 12, 16, 32, 64),
    start: fc.nat(511),
    length: fc.integer({ min: 1, max: 64 }),
    order: fc.constantFrom<ByteOrder>('little_endian', 'big_endian'),
    signed: fc.boolean(),
    factor: fc.constantFrom(...FACTORS),
    offset: fc.constantFrom(...OFFSETS),
  })
  // A scaled value of more than ~40 bits is not exact in a double, so its raw bits could not be compared.
  .map((l): Layout => (l.length > 40 ? { ...l, factor: 1, offset: 0 } : l))
  .filter((l) => bitPositions(l.start, l.length, l.order).every((p) => p >= 0 && p < l.size * 8));

function dbcFor(l: Layout): string {
  return `BO_ 100 Msg: ${l.size} Node\n SG_ Sig : ${l.start}|${l.length}@${l.order === 'little_endian' ? 1 : 0}${l.signed ? '-' : '+'} (${l.factor},${l.offset}) [0|0] "" Node\n`;
}

describe('arbitrary signal layouts, both byte orders, every length 1..64', () => {
  it('decode agrees with the bit-at-a-time reference on arbitrary payloads', () => {
    fc.assert(
      fc.property(layout, fc.uint8Array({ minLength: 64, maxLength: 64 }), (l, bytes) => {
        const data = bytes.subarray(0, l.size);
        const value = loadDbc(dbcFor(l)).decode({ id: 100, data })!.values.Sig!;
        const expected = Number(referenceRaw(data, { startBit: l.start, length: l.length, byteOrder: l.order, signed: l.signed })) * l.factor + l.offset;
        expect(value).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('encode writes exactly the reference bits, and decode returns the value within the scaling', () => {
    fc.assert(
      fc.property(layout, fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }), (l, seed) => {
        const raw = l.signed ? BigInt.asIntN(l.length, seed) : BigInt.asUintN(l.length, seed);
        // Above 2^53 a number cannot hold every integer: use the nearest one it can.
        const rawNumber = Number(raw);
        const exactRaw = l.length > 53 ? BigInt(rawNumber) : raw;
        if (exactRaw !== BigInt.asIntN(l.length + 1, exactRaw) || (l.signed ? BigInt.asIntN(l.length, exactRaw) : BigInt.asUintN(l.length, exactRaw)) !== exactRaw) return; // rounded past the range
        const physical = rawNumber * l.factor + l.offset;
        const db1 = loadDbc(dbcFor(l));
        const frame = db1.encode('Msg', { Sig: physical });
        const expected = new Uint8Array(l.size);
        referenceWrite(expected, { startBit: l.start, length: l.length, byteOrder: l.order }, exactRaw);
        expect([...frame.data]).toEqual([...expected]);
        const back = db1.decode({ id: 100, data: frame.data })!.values.Sig!;
        expect(Math.abs(back - physical)).toBeLessThanOrEqual(l.factor / 2 + Math.abs(physical) * 1e-15);
      }),
      { numRuns: 3000 },
    );
  });

  it('float and double signals round trip through IEEE bits', () => {
    const floats = loadDbc('BO_ 5 F: 12 N\n SG_ A : 7|32@0- (1,0) [0|0] "" N\n SG_ B : 32|64@1- (1,0) [0|0] "" N\nSIG_VALTYPE_ 5 A : 1;\nSIG_VALTYPE_ 5 B : 2;\n');
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.double({ noNaN: true }), (a, b) => {
        const frame = floats.encode('F', { A: a, B: b });
        const view = new DataView(frame.data.buffer);
        expect(view.getFloat32(0, false)).toBe(Math.fround(a));
        expect(view.getFloat64(4, true)).toBe(b);
        expect(floats.decode({ id: 5, data: frame.data })?.values).toEqual({ A: Math.fround(a), B: b });
      }),
    );
  });
});
