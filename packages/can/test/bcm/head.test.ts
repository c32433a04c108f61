import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BcmFlag, BcmOpcode, bcmHeadSize, canFdFrame, canFrame, decodeBcmMessage, encodeBcmMessage, type BcmAbi, type BcmMessage } from '@rxsock/can';

const classic = fc.record({ id: fc.integer({ min: 0, max: 0x7ff }), data: fc.uint8Array({ maxLength: 8 }) }).map((f) => canFrame(f));
const fd = fc
  .record({ id: fc.integer({ min: 0, max: 0x1fffffff }), data: fc.constantFrom(0, 1, 8, 12, 64).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })), brs: fc.boolean() })
  .map((f) => canFdFrame({ ...f, extended: true }));
const message = fc.oneof(
  fc.record({ fd: fc.constant(false), frames: fc.array(classic, { maxLength: 5 }) }),
  fc.record({ fd: fc.constant(true), frames: fc.array(fd, { maxLength: 3 }) }),
).chain(({ fd: isFd, frames }) =>
  fc.record({
    opcode: fc.integer({ min: 1, max: 12 }),
    flags: fc.integer({ min: 0, max: 0x7ff }).map((f) => (isFd ? f | BcmFlag.CAN_FD_FRAME : f & ~BcmFlag.CAN_FD_FRAME)),
    count: fc.nat(),
    ival1Us: fc.integer({ min: 0, max: 1e12 }),
    ival2Us: fc.integer({ min: 0, max: 1e12 }),
    canId: fc.nat(0xffffffff),
    frames: fc.constant(frames),
  }),
);

describe('bcm_msg_head', () => {
  it('is 56 bytes on LP64 and 40 on ILP32, fields at the offsets the kernel headers give', () => {
    expect(bcmHeadSize('lp64')).toBe(56);
    expect(bcmHeadSize('ilp32')).toBe(40);
    const m: BcmMessage = { opcode: BcmOpcode.TX_SETUP, flags: 3, count: 5, ival1Us: 1_500_000, ival2Us: 250, canId: 0x80000123, frames: [canFrame({ id: 0x123, data: [0xaa] })] };
    const lp = new DataView(encodeBcmMessage(m, 'lp64', true).buffer);
    expect([lp.getUint32(0, true), lp.getUint32(4, true), lp.getUint32(8, true)]).toEqual([1, 3, 5]);
    expect([lp.getBigInt64(16, true), lp.getBigInt64(24, true), lp.getBigInt64(32, true), lp.getBigInt64(40, true)]).toEqual([1n, 500000n, 0n, 250n]);
    expect([lp.getUint32(48, true), lp.getUint32(52, true), lp.getUint32(56, true), lp.getUint8(60), lp.getUint8(64)]).toEqual([0x80000123, 1, 0x123, 1, 0xaa]);
    const il = new DataView(encodeBcmMessage(m, 'ilp32', true).buffer);
    expect([il.getInt32(12, true), il.getInt32(16, true), il.getInt32(20, true), il.getInt32(24, true), il.getUint32(28, true), il.getUint32(32, true), il.getUint32(40, true)]).toEqual([1, 500000, 0, 250, 0x80000123, 1, 0x123]);
    expect(il.byteLength).toBe(40 + 16);
  });

  it('round trips every message on both ABIs and byte orders', () => {
    fc.assert(
      fc.property(message, fc.constantFrom<BcmAbi>('lp64', 'ilp32'), fc.boolean(), (m, abi, le) => {
        const limited = abi === 'ilp32' ? { ...m, ival1Us: m.ival1Us % 2e15, ival2Us: m.ival2Us % 2e15 } : m;
        const bytes = encodeBcmMessage(limited, abi, le);
        expect(bytes.length).toBe(bcmHeadSize(abi) + limited.frames.length * (limited.flags & BcmFlag.CAN_FD_FRAME ? 72 : 16));
        expect(decodeBcmMessage(bytes, bytes.length, abi, le)).toEqual(limited);
      }),
    );
  });

  it('refuses mixed frame kinds and too many frames with EINVAL', () => {
    const f = canFrame({ id: 1 });
    expect(() => encodeBcmMessage({ opcode: 1, flags: BcmFlag.CAN_FD_FRAME, count: 0, ival1Us: 0, ival2Us: 0, canId: 1, frames: [f] })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => encodeBcmMessage({ opcode: 1, flags: 0, count: 0, ival1Us: 0, ival2Us: 0, canId: 1, frames: Array(257).fill(f) })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('gives ERR_RXSOCK_DECODE for arbitrary bytes that are not a message, never another error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom<BcmAbi>('lp64', 'ilp32'), (bytes, abi) => {
        try {
          const m = decodeBcmMessage(bytes, bytes.length, abi);
          expect(bytes.length).toBe(bcmHeadSize(abi) + m.frames.length * (m.flags & BcmFlag.CAN_FD_FRAME ? 72 : 16));
        } catch (err) {
          expect(err).toMatchObject({ code: 'ERR_RXSOCK_DECODE' });
        }
      }),
      { numRuns: 3000 },
    );
  });
});
