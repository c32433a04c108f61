import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CanLogError, canFdFrame, canFrame, formatCanFrameText, parseCanFrameText } from '@rxsock/can';
import { anyFrame, classicWithRawDlc, plain } from './frames.arb.js';

describe('compact frame text (cansend / candump -L)', () => {
  it('formats like candump -L: 3 or 8 upper-case id digits, R with length, ## with FDF set', () => {
    expect(formatCanFrameText(canFrame({ id: 0x123, data: [0xde, 0xad, 0xbe, 0xef] }))).toBe('123#DEADBEEF');
    expect(formatCanFrameText(canFrame({ id: 0x5, extended: true, data: [] }))).toBe('00000005#');
    expect(formatCanFrameText(canFrame({ id: 0x123, rtr: true }))).toBe('123#R');
    expect(formatCanFrameText(canFrame({ id: 0x123, rtr: true, len: 3 }))).toBe('123#R3');
    expect(formatCanFrameText(canFdFrame({ id: 0x123, brs: true, data: [1, 2] }))).toBe('123##50102');
    expect(formatCanFrameText(canFdFrame({ id: 0x123, data: [] }))).toBe('123##4');
    expect(formatCanFrameText(canFrame({ id: 4, error: true, data: [0, 0, 0, 0, 0, 0, 0, 0] }))).toBe('20000004#0000000000000000');
    expect(formatCanFrameText(canFrame({ id: 0x123, data: [1, 2, 3] }), { separator: true })).toBe('123#01.02.03');
    expect(formatCanFrameText(canFdFrame({ id: 0x123, data: [1, 2] }), { separator: true })).toBe('123##4.01.02');
  });

  it('writes the raw DLC suffix only when asked (the machine’s 2020.11 candump does not)', () => {
    const f = canFrame({ id: 0x123, data: [1, 2, 3, 4, 5, 6, 7, 8], len8Dlc: 0xc });
    expect(formatCanFrameText(f)).toBe('123#0102030405060708');
    expect(formatCanFrameText(f, { rawDlc: true })).toBe('123#0102030405060708_C');
  });

  it("parses can-utils' documented examples", () => {
    const p = (s: string) => plain(parseCanFrameText(s));
    expect(p('123#DEADBEEF')).toMatchObject({ kind: 'classic', id: 0x123, extended: false, len: 4, data: [0xde, 0xad, 0xbe, 0xef] });
    expect(p('5A1#11.2233.44556677.88')).toMatchObject({ id: 0x5a1, len: 8, data: [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88] });
    expect(p('5AA#')).toMatchObject({ id: 0x5aa, len: 0 });
    expect(p('1F334455#1122334455667788')).toMatchObject({ id: 0x1f334455, extended: true, len: 8 });
    expect(p('123#R')).toMatchObject({ rtr: true, len: 0 });
    expect(p('00000123#R3')).toMatchObject({ id: 0x123, extended: true, rtr: true, len: 3 });
    expect(p('7A1#r')).toMatchObject({ id: 0x7a1, rtr: true });
    expect(p('123#R8_E')).toMatchObject({ rtr: true, len: 8, len8Dlc: 14 });
    expect(p('123##1')).toMatchObject({ kind: 'fd', brs: true, esi: false, len: 0 });
    expect(p('213##311223344')).toMatchObject({ kind: 'fd', id: 0x213, brs: true, esi: true, len: 4 });
    expect(p('32345678#112233')).toMatchObject({ kind: 'classic', error: true, extended: false, id: 0x12345678, len: 3 });
    expect(p('123#1122334455667788_9')).toMatchObject({ len: 8, len8Dlc: 9 });
    expect(p('12345#80:00:11223344#AA')).toMatchObject({ kind: 'xl', vcid: 0x12, prio: 0x345, af: 0x11223344, len: 1 });
  });

  it('follows parse_canframe at its edges: trailing separator, bytes past the maximum, FD padding', () => {
    expect(plain(parseCanFrameText('123#11.'))).toMatchObject({ len: 1, data: [0x11] });
    expect(plain(parseCanFrameText('123#.11'))).toMatchObject({ len: 1, data: [0x11] });
    // can-utils stops after 8 bytes and ignores the rest
    expect(plain(parseCanFrameText('123#112233445566778899zz'))).toMatchObject({ len: 8 });
    // 9 FD bytes: the kernel pads to 12, so does the reader
    expect(plain(parseCanFrameText('123##0112233445566778899'))).toMatchObject({ kind: 'fd', len: 12, data: [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0, 0, 0] });
    // R with a length over 8 keeps length 0, as can-utils
    expect(plain(parseCanFrameText('123#R9'))).toMatchObject({ rtr: true, len: 0 });
  });

  it('refuses what parse_canframe refuses, with a typed error', () => {
    for (const bad of ['', '12#', '1234#', '12G#00', '123#1', '123#1G', '123#11..22', '123##', '123##G', '123456#00', 'xyz#00', '12345#80:00:11223344#']) {
      let error: unknown;
      try {
        parseCanFrameText(bad, 7);
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(CanLogError);
      expect((error as CanLogError).code).toBe('ERR_RXSOCK_DECODE');
      expect((error as CanLogError).lineNumber).toBe(7);
    }
  });

  it('round-trips every frame (property)', () => {
    fc.assert(
      fc.property(anyFrame, (frame) => {
        expect(plain(parseCanFrameText(formatCanFrameText(frame)))).toEqual(plain(frame));
        expect(plain(parseCanFrameText(formatCanFrameText(frame, { separator: true })))).toEqual(plain(frame));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(classicWithRawDlc, (frame) => {
        expect(plain(parseCanFrameText(formatCanFrameText(frame, { rawDlc: true })))).toEqual(plain(frame));
      }),
    );
  });

  it('gives a frame or a typed error for any string, never anything else (property)', () => {
    const alphabet = fc.constantFrom(...'0123456789ABCDEFabcdefRr#._:xZ '.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: alphabet, maxLength: 40 })), (s) => {
        try {
          const f = parseCanFrameText(s, 3);
          // Whatever was accepted formats back to text that parses to the same frame.
          expect(plain(parseCanFrameText(formatCanFrameText(f)))).toEqual(plain(f));
        } catch (e) {
          expect(e).toBeInstanceOf(CanLogError);
          expect((e as CanLogError).lineNumber).toBe(3);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
