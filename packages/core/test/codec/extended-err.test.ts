// struct sock_extended_err (linux/errqueue.h, 16 bytes: ee_errno u32 @0, ee_origin @4, ee_type
// @5, ee_code @6, ee_pad @7, ee_info u32 @8, ee_data u32 @12; size checked with gcc on x86-64).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeSockExtendedErr, encodeSockExtendedErr, SOCK_EXTENDED_ERR_SIZE, type SockExtendedErr } from '../../src/index.js';

const ee: fc.Arbitrary<SockExtendedErr> = fc.record({
  errno: fc.nat(0xffffffff),
  origin: fc.nat(255),
  type: fc.nat(255),
  code: fc.nat(255),
  info: fc.nat(0xffffffff),
  data: fc.nat(0xffffffff),
});

describe('sock_extended_err', () => {
  it('puts the fields at the header offsets', () => {
    const bytes = encodeSockExtendedErr({ errno: 113, origin: 1, type: 2, code: 3, info: 4, data: 0x01020304 });
    expect(bytes.length).toBe(SOCK_EXTENDED_ERR_SIZE);
    const v = new DataView(bytes.buffer);
    const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
    expect([v.getUint32(0, le), bytes[4], bytes[5], bytes[6], bytes[7], v.getUint32(8, le), v.getUint32(12, le)]).toEqual([113, 1, 2, 3, 0, 4, 0x01020304]);
  });

  it('round trips, reads a control message or its bytes, and gives ERR_RXSOCK_DECODE for anything shorter', () => {
    fc.assert(
      fc.property(ee, (e) => {
        const data = encodeSockExtendedErr(e);
        expect(decodeSockExtendedErr(data)).toEqual(e);
        expect(decodeSockExtendedErr({ level: 107, type: 4, data })).toEqual(e);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        if (b.length >= 16) expect(decodeSockExtendedErr(b).origin).toBe(b[4]);
        else expect(() => decodeSockExtendedErr(b)).toThrow(expect.objectContaining({ code: 'ERR_RXSOCK_DECODE' }));
      }),
    );
    expect(() => decodeSockExtendedErr(null as never)).toThrow(expect.objectContaining({ code: 'ERR_RXSOCK_DECODE' }));
  });
});
