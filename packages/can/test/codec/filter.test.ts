import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CAN_INV_FILTER, CanFrameError, canFrame, decodeFilters, encodeFilters, filterMatches, filtersPass, fromRawFilter, toRawFilter, canErrorFrame, type CanFilter } from '../../src/codec/index.js';
import { arbClassic, arbFd, arbFilter } from './arbitraries.js';

describe('filters', () => {
  it('typed -> raw -> typed round trip', () => {
    fc.assert(fc.property(arbFilter, (f) => void expect(fromRawFilter(toRawFilter(f))).toEqual(f)), { numRuns: 1000 });
  });

  it('lists -> bytes -> lists round trip, both byte orders', () => {
    fc.assert(
      fc.property(fc.array(arbFilter, { maxLength: 512 }), fc.boolean(), (filters, le) => {
        const bytes = encodeFilters(filters, le);
        expect(bytes.length).toBe(filters.length * 8);
        expect(decodeFilters(bytes, bytes.length, le).map(fromRawFilter)).toEqual(filters);
      }),
      { numRuns: 200 },
    );
  });

  it('arbitrary bytes: whole filters decode, a ragged length is a typed decode error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        if (b.length % 8 === 0) expect(decodeFilters(b)).toHaveLength(b.length / 8);
        else expect(() => decodeFilters(b)).toThrow(expect.objectContaining({ code: 'ERR_RXSOCK_DECODE' }));
      }),
    );
  });

  it('more than 512 filters or out-of-range values are CanFrameErrors', () => {
    expect(() => encodeFilters(Array.from({ length: 513 }, () => ({ id: 0, mask: 0 })))).toThrow(CanFrameError);
    expect(() => toRawFilter({ id: 0x20000000, mask: 0 })).toThrow(CanFrameError);
    expect(() => toRawFilter({ id: 1, mask: -1 })).toThrow(CanFrameError);
  });

  it('matching follows the kernel: masked compare, tri-state EFF/RTR, inversion, SFF-only narrowing', () => {
    const std = canFrame({ id: 0x123, data: [1] });
    const ext = canFrame({ id: 0x123, extended: true, data: [1] });
    const rtr = canFrame({ id: 0x123, rtr: true });
    expect(filterMatches({ id: 0x123, mask: 0x7ff }, std)).toBe(true);
    expect(filterMatches({ id: 0x123, mask: 0x7ff }, ext)).toBe(true);
    expect(filterMatches({ id: 0x123, mask: 0x7ff, extended: false }, ext)).toBe(false);
    expect(filterMatches({ id: 0x123, mask: 0x7ff, extended: true }, ext)).toBe(true);
    expect(filterMatches({ id: 0x123, mask: 0x7ff, rtr: false }, rtr)).toBe(false);
    expect(filterMatches({ id: 0x123, mask: 0x7ff, inverted: true }, std)).toBe(false);
    expect(filterMatches({ id: 0x124, mask: 0x7ff, inverted: true }, std)).toBe(true);
    // "standard only" compares the 11 standard bits, whatever the mask says above them
    expect(filterMatches({ id: 0x1000123, mask: 0x1fffffff, extended: false }, std)).toBe(true);
    expect(toRawFilter({ id: 1, mask: 2, inverted: true }).canId & CAN_INV_FILTER).toBe(CAN_INV_FILTER);
  });

  it('error frames pass only error-class filters; data frames never do', () => {
    const err = canErrorFrame({ busOff: true });
    expect(filterMatches({ id: 0, mask: 0 }, err)).toBe(false);
    expect(filterMatches({ canId: 0, canMask: 0x20000040 }, err)).toBe(true);
    expect(filterMatches({ canId: 0, canMask: 0x20000001 }, err)).toBe(false);
    expect(filterMatches({ canId: 0, canMask: 0x20000040 }, canFrame({ id: 0x40 }))).toBe(false);
  });

  it('a pass-all filter passes every data frame; join needs every filter; no filters pass nothing', () => {
    fc.assert(
      fc.property(fc.oneof(arbClassic, arbFd), fc.array(arbFilter, { minLength: 1, maxLength: 5 }), (frame, filters: CanFilter[]) => {
        if (frame.error) return;
        expect(filtersPass([{ id: 0, mask: 0 }], frame)).toBe(true);
        expect(filtersPass(filters, frame, true)).toBe(filters.every((f) => filterMatches(f, frame)));
        expect(filtersPass(filters, frame, false)).toBe(filters.some((f) => filterMatches(f, frame)));
        expect(filtersPass([], frame)).toBe(false);
      }),
    );
  });
});
