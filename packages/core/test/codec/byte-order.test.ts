import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { htonl, htons, ntohl, ntohs } from '../../src/codec/index.js';
import { codeOf, hasPython, python } from './python.js';

/** What a C program sees: the host-order value whose bytes in memory are `value` big-endian. */
function viaMemory(value: number, size: 2 | 4): number {
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  if (size === 2) v.setUint16(0, value, false);
  else v.setUint32(0, value, false);
  return size === 2 ? new Uint16Array(b.buffer)[0]! : new Uint32Array(b.buffer)[0]!;
}

describe('byte order', () => {
  const u16 = fc.integer({ min: 0, max: 0xffff });
  const u32 = fc.integer({ min: 0, max: 0xffffffff });

  it('htons/htonl lay values out big-endian in host memory, and invert with ntohs/ntohl', () => {
    fc.assert(
      fc.property(u16, (n) => {
        expect(htons(n)).toBe(viaMemory(n, 2));
        expect(ntohs(htons(n))).toBe(n);
      }),
    );
    fc.assert(
      fc.property(u32, (n) => {
        expect(htonl(n)).toBe(viaMemory(n, 4));
        expect(ntohl(htonl(n))).toBe(n);
      }),
    );
  });

  it("refuses what Python's OverflowError/TypeError refuse", () => {
    for (const f of [htons, ntohs]) {
      expect(codeOf(() => f(-1))).toBe('ERR_OUT_OF_RANGE');
      expect(codeOf(() => f(0x10000))).toBe('ERR_OUT_OF_RANGE');
      expect(codeOf(() => f(1.5))).toBe('ERR_INVALID_ARG_TYPE');
    }
    for (const f of [htonl, ntohl]) {
      expect(codeOf(() => f(-1))).toBe('ERR_OUT_OF_RANGE');
      expect(codeOf(() => f(2 ** 32))).toBe('ERR_OUT_OF_RANGE');
      expect(codeOf(() => f(NaN))).toBe('ERR_INVALID_ARG_TYPE');
    }
  });

  it.skipIf(!hasPython)('agrees with CPython on this host', () => {
    const values = [0, 1, 0x1234, 0xffff, 0x12345678, 0xffffffff, 0x80000000];
    const theirs = python<Array<[number | null, number]>>(
      `import json, socket, sys
print(json.dumps([[socket.htons(v) if v <= 0xffff else None, socket.htonl(v)] for v in json.load(sys.stdin)]))`,
      values,
    );
    expect(values.map((v) => [v <= 0xffff ? htons(v) : null, htonl(v)])).toEqual(theirs);
  });
});
