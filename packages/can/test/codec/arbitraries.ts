/** fast-check arbitraries of CAN frames, filters and addresses, shared by the codec tests. */
import fc from 'fast-check';
import { CANFD_DLC_TO_LEN, canFdFrame, canFrame, canXlFrame, type CanFrame, type CanFilter, type CanAddress } from '../../src/codec/index.js';

export const arbStdId = fc.integer({ min: 0, max: 0x7ff });
export const arbExtId = fc.integer({ min: 0, max: 0x1fffffff });

export const arbClassic = fc.oneof(
  fc.record({ extended: fc.boolean(), std: arbStdId, ext: arbExtId, data: fc.uint8Array({ maxLength: 8 }), dlc: fc.integer({ min: 9, max: 15 }), useDlc: fc.boolean() }).map(({ extended, std, ext, data, dlc, useDlc }) =>
    canFrame({ id: extended ? ext : std, extended, data, len8Dlc: useDlc && data.length === 8 ? dlc : 0 }),
  ),
  fc.record({ extended: fc.boolean(), std: arbStdId, ext: arbExtId, len: fc.integer({ min: 0, max: 8 }) }).map(({ extended, std, ext, len }) => canFrame({ id: extended ? ext : std, extended, rtr: true, len })),
  fc.record({ classes: fc.integer({ min: 0, max: 0x1fffffff }), data: fc.uint8Array({ minLength: 8, maxLength: 8 }) }).map(({ classes, data }) => canFrame({ id: classes, error: true, data })),
);

export const arbFd = fc
  .record({ extended: fc.boolean(), std: arbStdId, ext: arbExtId, dlc: fc.integer({ min: 0, max: 15 }), seed: fc.uint8Array({ minLength: 64, maxLength: 64 }), brs: fc.boolean(), esi: fc.boolean() })
  .map(({ extended, std, ext, dlc, seed, brs, esi }) => canFdFrame({ id: extended ? ext : std, extended, brs, esi, data: seed.subarray(0, CANFD_DLC_TO_LEN[dlc]) }));

export const arbXl = fc
  .record({ prio: fc.integer({ min: 0, max: 0x7ff }), vcid: fc.integer({ min: 0, max: 255 }), sec: fc.boolean(), sdt: fc.integer({ min: 0, max: 255 }), af: fc.integer({ min: 0, max: 0xffffffff }), data: fc.uint8Array({ minLength: 1, maxLength: 2048 }) })
  .map((x) => canXlFrame(x));

export const arbFrame: fc.Arbitrary<CanFrame> = fc.oneof(arbClassic, arbFd, arbXl);

export const arbFilter: fc.Arbitrary<CanFilter> = fc
  .record({ id: arbExtId, mask: arbExtId, extended: fc.option(fc.boolean(), { nil: undefined }), rtr: fc.option(fc.boolean(), { nil: undefined }), inverted: fc.option(fc.constant(true), { nil: undefined }) })
  .map((f) => {
    const out: CanFilter = { id: f.id, mask: f.mask };
    if (f.extended !== undefined) out.extended = f.extended;
    if (f.rtr !== undefined) out.rtr = f.rtr;
    if (f.inverted) out.inverted = true;
    return out;
  });

export const arbCanAddress: fc.Arbitrary<CanAddress> = fc.oneof(
  fc.integer({ min: 0, max: 0x7fffffff }).map((ifindex): CanAddress => ({ family: 'can', ifindex })),
  fc.record({ ifindex: fc.integer({ min: 0, max: 0x7fffffff }), rxId: fc.integer({ min: 0, max: 0xffffffff }), txId: fc.integer({ min: 0, max: 0xffffffff }) }).map(({ ifindex, rxId, txId }): CanAddress => ({ family: 'can', ifindex, tp: { rxId, txId } })),
  fc.record({ ifindex: fc.integer({ min: 0, max: 0x7fffffff }), name: fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }), pgn: fc.integer({ min: 0, max: 0xffffffff }), addr: fc.integer({ min: 0, max: 255 }) }).map(({ ifindex, name, pgn, addr }): CanAddress => ({ family: 'can', ifindex, j1939: { name, pgn, addr } })),
);
