import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSockaddr, encodeSockaddr, formatAddress, sockaddrLayouts } from '@rxsock/core';
import { AF_CAN, SOCKADDR_CAN_SIZE, canAddress, decodeCanAddress, encodeCanAddress, type CanAddress } from '../../src/codec/index.js';
import { arbCanAddress } from './arbitraries.js';

describe('sockaddr_can', () => {
  it('round trips with the union member named, both byte orders', () => {
    fc.assert(
      fc.property(arbCanAddress, fc.boolean(), (a, le) => {
        const bytes = encodeCanAddress(a, sockaddrLayouts.linux, le);
        expect(bytes.length).toBe(SOCKADDR_CAN_SIZE);
        const kind = a.tp ? 'isotp' : a.j1939 ? 'j1939' : 'raw';
        expect(decodeCanAddress(bytes, bytes.length, kind, sockaddrLayouts.linux, le)).toEqual(a);
      }),
      { numRuns: 1000 },
    );
  });

  it("is registered with core: encodeSockaddr/decodeSockaddr speak 'can'", () => {
    fc.assert(
      fc.property(arbCanAddress, (a) => {
        const bytes = encodeSockaddr(a);
        expect(new DataView(bytes.buffer, bytes.byteOffset).getUint16(0, true)).toBe(AF_CAN);
        const back = decodeSockaddr(bytes, bytes.length) as CanAddress;
        expect(back.family).toBe('can');
        expect(back.ifindex).toBe(a.ifindex);
      }),
    );
    expect(formatAddress(canAddress(0))).toBe('can:any');
    expect(formatAddress(canAddress(3, { tp: { rxId: 0x7e8, txId: 0x7e0 } }))).toBe('can:ifindex=3,rx=0x7e8,tx=0x7e0');
  });

  it('guesses the union member: none, ISO-TP, J1939', () => {
    const plain = encodeCanAddress(canAddress(4));
    expect(decodeCanAddress(plain)).toEqual({ family: 'can', ifindex: 4 });
    const tp = encodeCanAddress(canAddress(4, { tp: { rxId: 0x7e8, txId: 0x7e0 } }));
    expect(decodeCanAddress(tp)).toEqual({ family: 'can', ifindex: 4, tp: { rxId: 0x7e8, txId: 0x7e0 } });
    const j = encodeCanAddress(canAddress(4, { j1939: { name: 0x1234n, pgn: 0x0feca, addr: 0x80 } }));
    expect(decodeCanAddress(j)).toEqual({ family: 'can', ifindex: 4, j1939: { name: 0x1234n, pgn: 0xfeca, addr: 0x80 } });
  });

  it('arbitrary bytes give an address or ERR_RXSOCK_DECODE', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.constantFrom(undefined, 'raw', 'isotp', 'j1939' as const), (b, kind) => {
        try {
          const a = decodeCanAddress(b, b.length, kind);
          expect(a.family).toBe('can');
        } catch (e) {
          expect(e).toMatchObject({ code: 'ERR_RXSOCK_DECODE' });
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('bad fields are EINVAL', () => {
    expect(() => encodeCanAddress(canAddress(-1))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => encodeCanAddress({ family: 'can', ifindex: 1, tp: { rxId: 1, txId: 2 }, j1939: { name: 0n, pgn: 0, addr: 0 } })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => encodeCanAddress(canAddress(1, { j1939: { name: -1n, pgn: 0, addr: 0 } }))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => encodeCanAddress(canAddress(1, { j1939: { name: 0n, pgn: 0, addr: 256 } }))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});
