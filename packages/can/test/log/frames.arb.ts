// fast-check arbitraries of CAN frames as the kernel hands them to a reader (FD lengths valid,
// RTR without data), shared by the log and capture tests.
import fc from 'fast-check';
import { canFdFrame, canFrame, canXlFrame, CANFD_DLC_TO_LEN, type CanFrame } from '@rxsock/can';

const sffId = fc.integer({ min: 0, max: 0x7ff });
const effId = fc.integer({ min: 0, max: 0x1fffffff });

export const classicFrame: fc.Arbitrary<CanFrame> = fc.oneof(
  fc.record({ extended: fc.boolean(), sff: sffId, eff: effId, data: fc.uint8Array({ maxLength: 8 }) }).map(({ extended, sff, eff, data }) =>
    canFrame({ id: extended ? eff : sff, extended, data }),
  ),
  fc.record({ extended: fc.boolean(), sff: sffId, eff: effId, len: fc.integer({ min: 0, max: 8 }) }).map(({ extended, sff, eff, len }) =>
    canFrame({ id: extended ? eff : sff, extended, rtr: true, len }),
  ),
  fc.record({ cls: fc.integer({ min: 0, max: 0x1ff }), data: fc.uint8Array({ minLength: 8, maxLength: 8 }) }).map(({ cls, data }) =>
    canFrame({ id: cls, error: true, data }),
  ),
);

export const classicWithRawDlc: fc.Arbitrary<CanFrame> = fc
  .record({ id: sffId, data: fc.uint8Array({ minLength: 8, maxLength: 8 }), dlc: fc.integer({ min: 9, max: 15 }) })
  .map(({ id, data, dlc }) => canFrame({ id, data, len8Dlc: dlc }));

export const fdFrame: fc.Arbitrary<CanFrame> = fc
  .record({
    extended: fc.boolean(),
    sff: sffId,
    eff: effId,
    dlc: fc.integer({ min: 0, max: 15 }),
    brs: fc.boolean(),
    esi: fc.boolean(),
    fill: fc.uint8Array({ minLength: 64, maxLength: 64 }),
  })
  .map(({ extended, sff, eff, dlc, brs, esi, fill }) =>
    canFdFrame({ id: extended ? eff : sff, extended, brs, esi, data: fill.subarray(0, CANFD_DLC_TO_LEN[dlc]) }),
  );

export const xlFrame: fc.Arbitrary<CanFrame> = fc
  .record({
    prio: fc.integer({ min: 0, max: 0x7ff }),
    vcid: fc.integer({ min: 0, max: 255 }),
    sec: fc.boolean(),
    sdt: fc.integer({ min: 0, max: 255 }),
    af: fc.integer({ min: 0, max: 0xffffffff }),
    data: fc.uint8Array({ minLength: 1, maxLength: 2048 }),
  })
  .map((init) => canXlFrame(init));

export const anyFrame: fc.Arbitrary<CanFrame> = fc.oneof(classicFrame, fdFrame, xlFrame);

/** A frame as plain data, for deep equality independent of array types. */
export function plain(frame: CanFrame): Record<string, unknown> {
  return { ...frame, data: Array.from(frame.data) };
}
