import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CAN_EFF_FLAG,
  CAN_RTR_FLAG,
  CanFrameError,
  canFdFrame,
  canFrame,
  canFrameSize,
  canXlFrame,
  decodeCanFrame,
  encodeCanFrame,
  padFdData,
  writeCanFrame,
  readCanFrame,
  type CanFrame,
} from '../../src/codec/index.js';
import { arbClassic, arbFd, arbFrame } from './arbitraries.js';

const decodeErr = { code: 'ERR_RXSOCK_DECODE' };

describe('frame codec round trips', () => {
  it('classic, FD and XL frames survive encode/decode, both byte orders', () => {
    fc.assert(
      fc.property(arbFrame, fc.boolean(), (frame, le) => {
        const bytes = encodeCanFrame(frame, le);
        expect(bytes.length).toBe(canFrameSize(frame));
        expect(decodeCanFrame(bytes, bytes.length, le)).toEqual(frame);
      }),
      { numRuns: 2000 },
    );
  });

  it('a frame written at an offset of a larger buffer reads back from there, neighbours untouched', () => {
    fc.assert(
      fc.property(arbFrame, fc.integer({ min: 0, max: 40 }), (frame, offset) => {
        const size = canFrameSize(frame);
        const buf = new Uint8Array(offset + size + 8).fill(0xaa);
        expect(writeCanFrame(frame, buf, offset)).toBe(size);
        expect(buf.subarray(0, offset).every((b) => b === 0xaa)).toBe(true);
        expect(buf.subarray(offset + size).every((b) => b === 0xaa)).toBe(true);
        expect(readCanFrame(buf, offset, size, true, null, null)).toEqual(frame);
      }),
      { numRuns: 500 },
    );
  });

  it('decoded payloads sharing one store do not overlap', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(arbClassic, arbFd), { minLength: 1, maxLength: 20 }), (frames) => {
        const encoded = frames.map((f) => encodeCanFrame(f));
        const store = { bytes: new Uint8Array(frames.length * 64), used: 0 };
        const decoded = encoded.map((b) => readCanFrame(b, 0, b.length, true, store, null));
        expect(decoded).toEqual(frames);
      }),
    );
  });
});

describe('frame layout (linux/can.h, host order)', () => {
  it('can_frame: id word with EFF/RTR flags at 0, len at 4, len8_dlc at 7, data at 8', () => {
    const b = encodeCanFrame(canFrame({ id: 0x1abcdef0, data: [1, 2, 3, 4, 5, 6, 7, 8], len8Dlc: 12 }), true);
    expect(b.length).toBe(16);
    expect(new DataView(b.buffer).getUint32(0, true)).toBe((0x1abcdef0 | CAN_EFF_FLAG) >>> 0);
    expect([b[4], b[5], b[6], b[7]]).toEqual([8, 0, 0, 12]);
    expect([...b.subarray(8)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const r = encodeCanFrame(canFrame({ id: 0x123, rtr: true, len: 3 }), false);
    expect(new DataView(r.buffer).getUint32(0, false)).toBe((0x123 | CAN_RTR_FLAG) >>> 0);
    expect(r[4]).toBe(3);
  });

  it('canfd_frame: 72 bytes, flags at 5 with FDF, BRS, ESI', () => {
    const b = encodeCanFrame(canFdFrame({ id: 0x7ff, brs: true, esi: true, data: new Uint8Array(12).fill(9) }), true);
    expect(b.length).toBe(72);
    expect(b[4]).toBe(12);
    expect(b[5]).toBe(0x07);
    expect(b.subarray(8, 20).every((x) => x === 9)).toBe(true);
    expect(b.subarray(20).every((x) => x === 0)).toBe(true);
  });

  it('canxl_frame: prio with VCID at bit 16, XLF|SEC flags, sdt, u16 len at 6, af at 8, data at 12', () => {
    const b = encodeCanFrame(canXlFrame({ prio: 0x242, vcid: 7, sec: true, sdt: 3, af: 0xdeadbeef, data: [1, 2, 3] }), true);
    const v = new DataView(b.buffer);
    expect(b.length).toBe(15);
    expect(v.getUint32(0, true)).toBe(0x242 | (7 << 16));
    expect(b[4]).toBe(0x81);
    expect(b[5]).toBe(3);
    expect(v.getUint16(6, true)).toBe(3);
    expect(v.getUint32(8, true)).toBe(0xdeadbeef);
    expect([...b.subarray(12)]).toEqual([1, 2, 3]);
  });

  it('the raw DLC is dropped on decode unless len is 8 and it is 9..15', () => {
    const b = encodeCanFrame(canFrame({ id: 1, data: [1, 2] }), true);
    b[7] = 12;
    expect((decodeCanFrame(b, 16, true) as { len8Dlc: number }).len8Dlc).toBe(0);
  });
});

describe('bad input gives typed errors', () => {
  it('arbitrary bytes decode to a frame or ERR_RXSOCK_DECODE, never anything else', () => {
    const sizes = fc.oneof(fc.constantFrom(16, 72), fc.integer({ min: 0, max: 2100 }));
    fc.assert(
      fc.property(sizes.chain((n) => fc.uint8Array({ minLength: n, maxLength: n })), fc.boolean(), (bytes, le) => {
        let frame: CanFrame;
        try {
          frame = decodeCanFrame(bytes, bytes.length, le);
        } catch (e) {
          expect(e).toMatchObject(decodeErr);
          return;
        }
        // Whatever decoded is a frame the encoder accepts and the decoder reads back the same.
        const again = encodeCanFrame(frame, le);
        expect(decodeCanFrame(again, again.length, le)).toEqual(frame);
      }),
      { numRuns: 3000 },
    );
  });

  it('a length outside the buffer is a decode error, not a read past it', () => {
    expect(() => decodeCanFrame(new Uint8Array(8), 16)).toThrow(expect.objectContaining(decodeErr));
    expect(() => readCanFrame(new Uint8Array(16), 4, 16, true, null, null)).toThrow(expect.objectContaining(decodeErr));
  });

  it('impossible frames are CanFrameErrors from the constructors', () => {
    const bad: Array<() => unknown> = [
      () => canFrame({ id: 0x800, extended: false }),
      () => canFrame({ id: 0x20000000, extended: true }),
      () => canFrame({ id: 1, data: new Uint8Array(9) }),
      () => canFrame({ id: 1, rtr: true, data: [1] }),
      () => canFrame({ id: 1, rtr: true, error: true }),
      () => canFrame({ id: 1, data: [256] }),
      () => canFrame({ id: 1, data: [1], len8Dlc: 9 }),
      () => canFrame({ id: 1, data: [1, 2], len: 3 }),
      () => canFdFrame({ id: 1, data: new Uint8Array(9) }),
      () => canFdFrame({ id: 1, data: new Uint8Array(65) }),
      () => canXlFrame({ prio: 0x800, data: [1] }),
      () => canXlFrame({ prio: 1, data: [] }),
      () => canXlFrame({ prio: 1, data: new Uint8Array(2049) }),
      () => padFdData(new Uint8Array(65)),
    ];
    for (const f of bad) {
      expect(f).toThrow(CanFrameError);
      try {
        f();
      } catch (e) {
        expect((e as CanFrameError).code).toBe('ERR_RXSOCK_CAN_FRAME');
      }
    }
  });

  it('padFdData pads to the next FD length', () => {
    expect(padFdData([1, 2, 3, 4, 5, 6, 7, 8, 9]).length).toBe(12);
    expect(padFdData(new Uint8Array(33)).length).toBe(48);
    expect(padFdData([]).length).toBe(0);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (d) => void expect(() => canFdFrame({ id: 1, data: padFdData(d) })).not.toThrow()));
  });

  it('extended defaults from the id size', () => {
    expect(canFrame({ id: 0x7ff }).extended).toBe(false);
    expect(canFrame({ id: 0x800 }).extended).toBe(true);
  });
});

